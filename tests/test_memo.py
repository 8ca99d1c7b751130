"""nnviz.memo: the figure builders' memo (ui.cache_figure)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnviz.memo import Memo, key_of

pytestmark = pytest.mark.unit


def counted():
    calls = []

    def build(*args, **kwargs):
        calls.append((args, kwargs))
        return object()

    return build, calls


def test_equal_values_share_a_result_and_different_ones_do_not():
    build, calls = counted()
    memo = Memo(build, max_entries=8)
    flat = np.array([0.5, -1.0, 2.0])
    first = memo((1, 2), flat, "relu", step=3)
    assert memo((1, 2), flat.copy(), "relu", step=3) is first  # an equal array, another object
    assert len(calls) == 1
    for other in [((1, 2), flat + 1e-12, "relu"), ((1, 2), flat.astype(np.float32), "relu"),
                  ((1, 2), flat.reshape(3, 1), "relu"), ((1, 3), flat, "relu"), ((1, 2), flat, "tanh")]:
        assert memo(*other, step=3) is not first
    assert memo((1, 2), flat, "relu", step=4) is not first
    assert len(calls) == 7


@pytest.mark.parametrize(("a", "b"), [(1, 1.0), (1.0, True), (0.0, -0.0), (np.float64(0.5), 0.5), ([1, 2], (1, 2))])
def test_values_drawn_differently_get_keys_of_their_own(a, b):
    """1 and 1.0 are equal in Python, and −0.0 equals 0.0, but a figure may write them differently ('1', '1.0';
    '−0', '0'): they are different keys, as they were in st.cache_resource's hash."""
    assert key_of(a) != key_of(b)


def test_the_entries_used_last_are_kept():
    build, calls = counted()
    memo = Memo(build, max_entries=2)
    a, b = memo("a"), memo("b")
    assert memo("a") is a  # 'a' is now the newest
    memo("c")  # drops 'b', the oldest
    assert memo("a") is a and memo("b") is not b
    assert [args for args, _ in calls] == [("a",), ("b",), ("c",), ("b",)]
    memo.clear()
    assert memo("a") is not a


def test_an_argument_that_cannot_be_a_key_is_named():
    memo = Memo(lambda value: value, max_entries=2)
    with pytest.raises(TypeError, match="set"):
        memo({1, 2})  # a set is not hashable (and has no order to make a key of)


def test_sessions_building_at_once_each_get_a_correct_figure():
    memo = Memo(lambda n: [n] * 3, max_entries=4)
    results, errors = {}, []

    def session(k):
        try:
            for n in range(50):
                results[(k, n)] = memo(n % 6)
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=session, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and all(result == [n % 6] * 3 for (_, n), result in results.items())
