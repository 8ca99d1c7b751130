"""Sections as fragments (issue #15): a widget's change reruns exactly the sections that show it.

With fragments on, as on a real server (the other AppTest tests run without them: see nnviz.ui.fragments_on), for
every input widget of the numpy pages: the page runs, the widget is set to another value (AppTest then holds only
the elements of the fragments that reran, or the whole page after a full rerun), and the page runs in full with
that value. Everything the full run shows that the page did not show before must have come with the widget's own
rerun: a section it left out would show stale numbers. The sliders that the browser benchmark times rerun a small
part of their page only. The MNIST page (Keras) is checked for the views of a trained network, which have widgets
of their own; its other widgets set the network and rerun the page.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest
from conftest import app_test, train_on_page
from widget_states import INPUT_KINDS, choose_value, find_widget, input_widgets, widget_id

SCRIPTS = {
    "perceptron": "app_pages/perceptron.py",
    "activations": "app_pages/activations.py",
    "gradient_descent": "app_pages/gradient_descent.py",
    "loss_vs_accuracy": "app_pages/loss_vs_accuracy.py",
    "softmax": "app_pages/softmax.py",
    "backprop": "app_pages/backprop.py",
    "playground": "app_pages/playground.py",
}
# Backpropagation runs only its open tab: each tab with widgets of its own is also a case of its own.
OPENED_TABS = {"backprop (One SGD step)": ("backprop", {"bp_section": "One SGD step"}),
               "backprop (Vanishing gradients)": ("backprop", {"bp_section": "Vanishing gradients"})}
CASES = [*SCRIPTS, *OPENED_TABS]
# the slider benchmarks/browser.py times on each page (softmax: its temperature is every section's, so the
# shift c stands for the page's sections here), and the most of the page's elements its change may resend
TIMED = {"perceptron": "perc_w1", "activations": "neuron_w", "gradient_descent": "gd1_steps",
         "loss_vs_accuracy": "la_current", "softmax": "sm_shift", "backprop": "bp_step",
         "backprop (One SGD step)": "bp_rate", "backprop (Vanishing gradients)": "bp_deep_activation",
         "playground": "pg_show_test"}
RESENT_AT_MOST = 0.5
# The widgets whose change reruns the whole page: they set what every section shows. Every other widget reruns its
# sections only. (AppTest reruns a fragment only when a widget's callback names it, as ui.reruns does; a widget
# inside a fragment without one would rerun its fragment alone in a browser but the whole page here, so this list
# is what makes the test see it.)
EVERY_PAGE = {"lecture_mode"}  # the sidebar's
PAGE_WIDE = {
    "perceptron": EVERY_PAGE | {"perc_dataset", "perc_seed", "perc_lr", "perc_start", "perc_speed"},
    "activations": EVERY_PAGE | {"act_range"},
    "gradient_descent": EVERY_PAGE | {"gd4_seed"},
    "loss_vs_accuracy": EVERY_PAGE | {"la_seed"},
    "softmax": EVERY_PAGE | {"sm_classes"},
    "backprop": EVERY_PAGE | {"bp_outputs"},  # the other network controls rerun every section but theirs, the header and Try this
    # every control: it changes the network, what the live section trains and shows, the Keras check and panel
    "playground": EVERY_PAGE | {"pg_dataset", "pg_noise", "pg_train", "pg_seed", "pg_shape", "pg_activation",
                                "pg_loss", "pg_rate", "pg_batch", "pg_optimizer", "pg_reg", "pg_reg_rate",
                                *(f"pg_f_{name}" for name in ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))},
}


@pytest.fixture(autouse=True)
def fragments_on(monkeypatch):
    monkeypatch.setenv("NNVIZ_FRAGMENTS", "1")


def page_of(case: str) -> str:
    return OPENED_TABS[case][0] if case in OPENED_TABS else case


def opened(case: str):
    at = app_test(SCRIPTS[page_of(case)])
    if case in OPENED_TABS:
        for key, value in OPENED_TABS[case][1].items():
            at.session_state[key] = value
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown(at) -> collections.Counter:
    """What the page's main area shows, each element as its type and message (a figure: its whole JSON). Input
    widgets are left out: their messages carry the values AppTest set, not what a section computed."""
    found: collections.Counter = collections.Counter()
    for node in elements(at.main):
        if getattr(node, "proto", None) is not None and node.type not in INPUT_KINDS:
            proto = node.proto
            if getattr(proto, "deferred_file_id", ""):  # a download written on the click: a new id at every run
                proto = type(proto)()
                proto.CopyFrom(node.proto)
                proto.ClearField("deferred_file_id")
            found[f"{node.type}: {proto}"] += 1
    return found


def elements(node):
    """The elements under ``node`` (an AppTest block), in the order the page draws them."""
    children = getattr(node, "children", None)
    if children:
        for child in children.values():
            yield from elements(child)
    else:
        yield node


def another_value(widget):
    for mode in ("max", "min"):
        value = choose_value(widget, mode, np.random.default_rng(0))
        if (list(value) if isinstance(value, tuple) else value) != widget.value:
            return value
    return None


def change(at, wid: str, value) -> tuple[collections.Counter, collections.Counter]:
    """Set ``wid`` to ``value`` on a page that has just run in full: the elements its rerun sent, and all of the
    page's after a full run with that value."""
    find_widget(at, wid).set_value(list(value) if isinstance(value, tuple) else value)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    resent = shown(at)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return resent, shown(at)


@pytest.mark.parametrize("page", CASES)
def test_every_widget_reruns_every_section_that_shows_it(page):
    """The widgets one after the other, each from the state the one before left (two runs per widget)."""
    at = opened(page)
    stale, whole_page, changed = {}, set(), set()
    before = shown(at)
    for wid in [widget_id(w) for w in input_widgets(at)]:
        widget = next((w for w in input_widgets(at) if widget_id(w) == wid), None)
        value = another_value(widget) if widget is not None else None
        if value is None:  # gone or disabled after an earlier change, or nothing else to choose
            continue
        resent, after = change(at, wid, value)
        changed.add(wid)
        missing = (after - before) - resent
        if missing:
            stale[wid] = [text[:160] for text in missing]
        if resent == after:
            whole_page.add(wid)
        before = after
    assert not stale, f"{page}: sections left stale by these widgets: {stale}"
    assert whole_page == PAGE_WIDE[page_of(page)] & changed, f"{page}: these widgets reran the whole page: {whole_page}"
    assert len(changed) >= 5, changed


def resends_only_its_sections(at, wid: str, before: collections.Counter) -> collections.Counter:
    """Change ``wid``: its rerun is not the whole page, resends at most RESENT_AT_MOST of it, and brings everything
    that changed. Returns what the page shows afterwards."""
    resent, after = change(at, wid, another_value(find_widget(at, wid)))
    assert resent != after, f"{wid} reran the whole page"
    assert sum(resent.values()) <= RESENT_AT_MOST * sum(after.values()), (wid, sum(resent.values()),
                                                                         sum(after.values()))
    assert (after - before) and not (after - before) - resent, wid
    return after


@pytest.mark.parametrize("page", CASES)
def test_the_timed_slider_resends_only_its_sections(page):
    at = opened(page)
    resends_only_its_sections(at, TIMED[page], shown(at))


def test_the_views_of_a_trained_mnist_network_rerun_only_their_section(offline_datasets):
    """The MNIST page (Keras: trained once, in a worker): a confusion-matrix cell and a test image to look inside
    rerun their own section, not the data, the training curves or the other sections."""
    at = app_test("app_pages/mnist.py")
    at.run()
    train_on_page(at)
    shows = shown(at)
    for wid in ("mn_cell_true", "mn_cell_pred", "mn_inspect"):
        shows = resends_only_its_sections(at, wid, shows)
    # "Clear the drawing" gives the canvas a new key, in its own section only
    drawing = at.session_state["mn_state"].drawing
    at.button(key="mn_clear").click().run()
    assert not at.exception and at.session_state["mn_state"].drawing == drawing + 1
    assert sum(shown(at).values()) <= RESENT_AT_MOST * sum(shows.values()), "mn_clear reran the whole page"


def page_with_a_widget_of_another_page() -> None:
    """A page without the fragment 'pg_network' whose button's callback asks to rerun it."""
    import streamlit as st

    from nnviz import ui

    st.button("rerun the Playground's figure", key="go", on_click=ui.then_rerun(lambda: None, "pg_network"))
    st.write("the page ran")


def test_a_rerun_of_a_section_the_page_does_not_have_reruns_the_page():
    """Leaving the Playground while it played, the next page sometimes ran a Playground widget's callback, whose
    st.rerun('pg_network') raised 'No fragment found' there: the whole Backpropagation page was an exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(page_with_a_widget_of_another_page, default_timeout=30)
    at.run()
    at.button(key="go").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [m.value for m in at.markdown] == ["the page ran"]


def page_with_places() -> None:
    """Two sections apart, with text between them, that one slider reruns together (ui.Places)."""
    import streamlit as st

    from nnviz import ui

    sections = ui.Places("both")
    st.slider("x", 0, 10, 1, key="x", **ui.reruns(sections.key))
    st.markdown("before the first")
    sections.here(lambda: st.metric("x", st.session_state["x"]))
    st.markdown("between them")
    sections.here(lambda: st.metric("2x", 2 * st.session_state["x"]))
    st.markdown("after the second")
    sections.fill()


def in_order(at) -> list[str]:
    """The main area's text and metrics, in the order they are drawn."""
    return [node.value if node.type == "markdown" else f"{node.label} = {node.value}"
            for node in elements(at.main) if node.type in ("markdown", "metric")]


def test_places_are_drawn_where_they_were_made_and_rerun_as_one_section():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(page_with_places, default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert in_order(at) == ["before the first", "x = 1", "between them", "2x = 2", "after the second"]
    at.slider(key="x").set_value(4).run()
    assert not at.exception, [e.message for e in at.exception]
    assert in_order(at) == ["x = 4", "2x = 8"]  # the fragment's rerun: both sections, and nothing else
    at.run()
    assert in_order(at) == ["before the first", "x = 4", "between them", "2x = 8", "after the second"]
