"""A memo of a pure function's results by the values of its arguments, shared by every session of the server.

It replaces ``st.cache_resource`` for the pages' figure builders: Streamlit's cache hashes every argument through
its general hasher, ~0.6 ms a call here for a network's arrays and spec, at every rerun of every section that draws
a cached figure; a key made of the arguments themselves (an array as its bytes) takes ~5 µs.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np


def key_of(value) -> object:
    """A hashable key equal for equal values: numbers with their type (1, 1.0 and True, or 0.0 and -0.0, can be drawn
    differently), arrays by dtype, shape and bytes, lists and tuples item by item, dicts by their sorted items;
    anything else as itself (it must be hashable: a TypeError names the value if not)."""
    if isinstance(value, (bool, int, float, np.number)):
        return (type(value).__name__, repr(value))
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, *(key_of(item) for item in value))
    if isinstance(value, dict):
        return ("dict", *sorted((key_of(k), key_of(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError as error:
        raise TypeError(f"memoised: cannot make a key of {type(value).__name__} {value!r:.80}") from error
    return value


class Memo:
    """``fn`` memoised on its arguments' values, the ``max_entries`` used last kept. Thread-safe: two sessions
    asking for the same new value at once may both compute it; each gets a correct one."""

    def __init__(self, fn: Callable, max_entries: int):
        self.fn, self.max_entries = fn, max_entries
        self._results: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        key = (key_of(args), key_of(kwargs))
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        result = self.fn(*args, **kwargs)
        with self._lock:
            self._results[key] = result
            while len(self._results) > self.max_entries:
                self._results.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._results.clear()
