"""Shared page furniture: the one nnviz module that imports streamlit.

Every page is built from the same pieces, top to bottom: ``page_header``, the
interactive sections (figures through ``show_figure``), ``try_this`` and
``keras_panel``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

# Import pandas before any page draws: st.table imports it lazily, and on a cold server one session's
# plotly can pick up the half-imported module from another session's thread ("partially initialized
# module 'pandas' has no attribute 'Series'"). An import statement waits for an import in progress.
import pandas  # noqa: F401
import plotly.graph_objects as go
import streamlit as st

from nnviz.course import OBJECTIVES, PAGES_BY_KEY
from nnviz.figures.style import scaled_fonts

LECTURE_MODE_KEY = "lecture_mode"
LECTURE_FONT_FACTOR = 22 / 16  # base 16 px -> 22 px
LECTURE_HEIGHT_FACTOR = 1.2


FIGURE_CACHE_ENTRIES = 64


def cache_figure(builder):
    """Memoise a page's figure-building function per argument values.

    Shared by all sessions (st.cache_resource: no copy per hit), which is safe because a
    figure is never changed after it is built (``show_figure`` scales a copy). Use it for
    figures that most widget changes leave alone, so a rerun rebuilds only what changed.
    """
    return st.cache_resource(max_entries=FIGURE_CACHE_ENTRIES, show_spinner=False)(builder)


def lecture_mode() -> bool:
    """True when the lecturer switched on the projector-friendly mode in the sidebar."""
    return bool(st.session_state.get(LECTURE_MODE_KEY, False))


def sidebar() -> None:
    """The settings every page shares (drawn once, by app.py)."""
    with st.sidebar:
        st.toggle("Lecture mode", key=LECTURE_MODE_KEY,
                  help="Larger text and figures for a projector in a lecture hall.")
    if lecture_mode():
        st.html("<style>html { font-size: 20px; }</style>")


def keep_values(defaults: dict) -> None:
    """Give widgets their defaults and keep their values while they are not drawn.

    Streamlit forgets a widget's value on a run where the widget is not drawn (e.g. the
    sliders of classes 4–10 when only 3 classes are shown). Writing each key back as
    session state keeps it. Widgets with these keys must not pass ``value=`` as well.
    """
    for key, default in defaults.items():
        st.session_state[key] = st.session_state.get(key, default)


def page_header(page_key: str) -> None:
    """Title, what the page lets you see, the objectives it serves and where to read more."""
    page = PAGES_BY_KEY[page_key]
    st.title(page.title)
    st.markdown(f"**{page.lead}**")
    with st.expander("Learning objectives and reading", expanded=False):
        st.markdown("**Learning objectives served**\n" + "\n".join(f"- {OBJECTIVES[k]}" for k in page.objectives))
        if page.reading:
            st.markdown("**Read or watch**\n" + "\n".join(f"- {r}" for r in page.reading))


def show_figure(fig: go.Figure, *, key: str | None = None, on_select=None):
    """Draw a plotly figure, scaled up in lecture mode.

    With ``on_select`` (a callback, or "rerun") clicking a point selects it: the chart's selection
    event is returned and kept in ``st.session_state[key]``.
    """
    if lecture_mode():
        fig = scaled_fonts(fig, LECTURE_FONT_FACTOR, LECTURE_HEIGHT_FACTOR)
    selection = {"on_select": on_select, "selection_mode": "points"} if on_select else {}
    return st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False}, **selection)


TRAINING_WAIT_SECONDS = 180
QUIET_WAIT_SECONDS = 2.0


@contextmanager
def training_slot() -> Iterator[bool]:
    """Hold the process-wide training slot while the block runs; yields False if none came free.

    Only one Keras training runs at a time in the server (Keras is not thread-safe); a student
    whose click arrives while another trains is told so and waits for the slot.
    """
    from nnviz.keras_training import TRAINING_SLOT  # no TensorFlow import: just the semaphore

    # A short silent wait first: after Stop, Streamlit starts the new run while the interrupted one
    # is still unwinding out of model.fit and holds the slot for a fraction of a second.
    acquired = TRAINING_SLOT.acquire(timeout=QUIET_WAIT_SECONDS)
    if not acquired:
        waiting = st.empty()
        with waiting.status("Another training is running on this server; yours starts when it finishes …"):
            acquired = TRAINING_SLOT.acquire(timeout=TRAINING_WAIT_SECONDS)
        if acquired:
            waiting.empty()  # the wait is over: the notice must not stay up during this training
    try:
        yield acquired
    finally:
        if acquired:
            TRAINING_SLOT.release()


def run_exclusive(spinner_text: str, work, *args, **kwargs):
    """``work(*args, **kwargs)`` while holding the training slot, under a spinner.

    Returns its result, or None (and tells the student) when the server stayed busy.
    """
    with training_slot() as ready:
        if not ready:
            st.error("The server stayed busy for minutes; please try again.")
            return None
        with st.spinner(spinner_text):
            return work(*args, **kwargs)


def try_this(prompts: Sequence[str]) -> None:
    """The 'Try this' box: concrete experiments and what to notice."""
    st.subheader("Try this")
    st.markdown("\n".join(f"{i}. {p}" for i, p in enumerate(prompts, start=1)))


def keras_panel(code: str, intro: str) -> None:
    """The tf.keras code that reproduces what the page shows (text only: TensorFlow is not imported)."""
    st.subheader("In Keras")
    st.markdown(intro)
    st.code(code, language="python")

