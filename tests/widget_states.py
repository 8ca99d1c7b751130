"""The input widgets of an AppTest run, and values for them: at their extremes or random (seeded).

Shared by the widget fuzz (test_fuzz.py) and the code-block test (test_code_blocks.py).
"""

from __future__ import annotations

import math

import numpy as np

from nnviz import activations as act
from nnviz import backprop as bpm
from nnviz import gradient_descent as gd
from nnviz import mlp as nn
from nnviz import mnist_data
from nnviz import playground as pg
from nnviz.data import PERCEPTRON_DATASETS

INPUT_KINDS = ("slider", "select_slider", "number_input", "selectbox", "radio", "checkbox", "toggle",
               "multiselect", "text_input", "text_area")
# Raw option values a select box / radio / multiselect / select slider may have: AppTest only exposes the
# formatted labels, and setting a label fails where format_func expects the raw value. Each label is
# mapped to a candidate whose format_func(candidate) gives it back (see raw_options).
KNOWN_OPTION_VALUES = (list(act.ACTIVATIONS) + [act.LINEAR.key] + list(nn.HIDDEN_ACTIVATIONS) + list(nn.OPTIMIZERS)
                       + list(mnist_data.DATASET_CHOICES) + list(gd.SURFACES) + list(PERCEPTRON_DATASETS)
                       + list(bpm.OUTPUT_CHOICES) + list(bpm.BATCH_CHOICES) + list(pg.DATASETS) + list(pg.OPTIMIZERS)
                       + list(pg.REGULARIZATIONS) + list(pg.BINARY_LOSSES) + list(pg.ACTIVATIONS)
                       + ["off", "erase", *(f"add{k}" for k in range(pg.MAX_CLASSES))])  # the playground's clicks
WEIRD_TEXT = ("", " ", "0", "-1", "nan", "inf", "1e309", "ä😀", "<b>x</b>", "x" * 500)

# --- the widgets of a run ------------------------------------------------------------------------------------

def widget_id(widget) -> str:
    return widget.key or f"{widget.type}:{widget.label}"


def input_widgets(at) -> list:
    """The enabled input widgets of the current run (buttons, uploads and custom components excluded)."""
    found = []
    for kind in INPUT_KINDS:
        for widget in at.get(kind):
            if not getattr(widget.proto, "disabled", False):
                found.append(widget)
    return found


def tab_sets(at) -> dict[str, list[str]]:
    """The tab sets of the current run bound to the URL (``bind="query-params"``: they keep state and only
    the open tab's content runs), as {key: tab labels}. Open one with ``open_tab``."""
    found = {}

    def walk(node):
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", None) == "tab_container" and child.proto.tab_container.query_param_key:
                found[child.proto.tab_container.query_param_key] = [tab.label for tab in child.children.values()]
            walk(child)

    walk(at._tree)
    return found


def open_tab(at, key: str, label: str) -> None:
    """Open the tab called ``label`` of the tab set ``key``, as a click on it does, and rerun."""
    at.session_state[key] = label
    at.run()


# Expanders whose widgets are made only while they are open (keyed, so whether one is open is in the session's
# state; folded, their widgets are not in a run): Backpropagation's "Set weights by hand". Tests that set every
# widget of a page open them first.
FOLDED = ("bp_hand_open",)


def unfold(at) -> None:
    """Open every expander of FOLDED, as a click on each does, and rerun (a key another page lacks is ignored)."""
    for key in FOLDED:
        at.session_state[key] = True
    at.run()


def find_widget(at, wid: str):
    for kind in INPUT_KINDS:
        for widget in at.get(kind):
            if widget_id(widget) == wid:
                return widget
    raise AssertionError(f"no widget {wid!r} in this run: {[widget_id(w) for w in input_widgets(at)]}")


def raw_options(widget) -> list:
    """A raw value for each option label of a select box, radio, multiselect or select slider."""
    labels = list(widget.options)
    fmt = widget.format_func
    candidates = list(KNOWN_OPTION_VALUES) + list(range(len(labels)))
    for label in labels:  # numbers before their labels: select sliders hold numbers
        for convert in (int, float):
            try:
                candidates.append(convert(label))
            except ValueError:
                pass
        candidates.append(label)
    raw = {}
    for candidate in candidates:
        try:
            label = str(fmt(candidate))
        except Exception:  # noqa: BLE001, S112 - a candidate of the wrong type for this format_func
            continue
        if label in labels and label not in raw:
            raw[label] = candidate
    missing = [label for label in labels if label not in raw]
    assert not missing, (f"{widget_id(widget)}: cannot find raw option values for {missing}; add them to "
                         "KNOWN_OPTION_VALUES in tests/test_fuzz.py")
    return [raw[label] for label in labels]


def _on_grid(lo: float, hi: float, step: float, k: int, is_int: bool):
    value = lo + k * step
    value = min(max(value, lo), hi)
    return round(value) if is_int else float(round(value, 10))


def choose_value(widget, mode: str, rng: np.random.Generator):
    """The value ``mode`` ("min", "max" or "random") means for this widget."""
    kind = widget.type
    if kind == "slider":
        proto = widget.proto
        is_int = proto.data_type == 0
        lo, hi, step = proto.min, proto.max, proto.step or (1 if is_int else 0.01)
        n = math.floor((hi - lo) / step + 1e-9)
        if len(proto.default) == 2:  # a range slider: a sorted pair
            if mode == "min":
                pair = (0, 0)
            elif mode == "max":
                pair = (n, n)
            else:
                pair = tuple(sorted(int(k) for k in rng.integers(0, n + 1, 2)))
            return tuple(_on_grid(lo, hi, step, k, is_int) for k in pair)
        k = 0 if mode == "min" else n if mode == "max" else int(rng.integers(0, n + 1))
        return _on_grid(lo, hi, step, k, is_int)
    if kind == "number_input":
        proto = widget.proto
        is_int = proto.data_type == 0
        lo = proto.min if proto.has_min else (-(10 ** 9) if is_int else -1e300)
        hi = proto.max if proto.has_max else (10 ** 9 if is_int else 1e300)
        if mode in ("min", "max"):
            value = lo if mode == "min" else hi
            return int(value) if is_int else float(value)
        if is_int:
            step = int(proto.step) or 1
            return int(lo) + step * int(rng.integers(0, (int(hi) - int(lo)) // step + 1))
        return float(rng.uniform(lo, hi))
    if kind in ("checkbox", "toggle"):
        return mode == "max" if mode != "random" else bool(rng.integers(0, 2))
    if kind in ("text_input", "text_area"):
        if mode == "min":
            return ""
        limit = widget.proto.max_chars or 2000
        if mode == "max":
            return "9" * limit
        return str(WEIRD_TEXT[int(rng.integers(0, len(WEIRD_TEXT)))])[:limit]
    options = raw_options(widget)
    if kind == "multiselect":
        limit = widget.proto.max_selections or len(options)
        if mode == "min":
            return []
        if mode == "max":
            return options[:limit]
        size = int(rng.integers(0, min(limit, len(options)) + 1))
        return [options[i] for i in rng.permutation(len(options))[:size]]
    if kind == "select_slider" and len(widget.proto.default) == 2:
        pair = (0, 0) if mode == "min" else (len(options) - 1,) * 2 if mode == "max" else \
            tuple(sorted(int(i) for i in rng.integers(0, len(options), 2)))
        return tuple(options[i] for i in pair)
    if mode == "min":
        return options[0]
    if mode == "max":
        return options[-1]
    return options[int(rng.integers(0, len(options)))]


def set_widget(at, wid: str, value) -> None:
    """Set a widget (by id) and rerun."""
    find_widget(at, wid).set_value(list(value) if isinstance(value, tuple) else value)
    at.run()
