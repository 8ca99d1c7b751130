"""Shared page furniture: the one nnviz module that imports streamlit.

Every page is built from the same pieces, top to bottom: ``page_header``, the
interactive sections (figures through ``show_figure``), ``try_this`` and
``keras_panel``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

# Import pandas before any page draws: st.table imports it lazily, and on a cold server one session's
# plotly can pick up the half-imported module from another session's thread ("partially initialized
# module 'pandas' has no attribute 'Series'"). An import statement waits for an import in progress.
import pandas  # noqa: F401
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from nnviz import heap
from nnviz.course import OBJECTIVES, PAGES_BY_KEY
from nnviz.figures.style import scaled_fonts

heap.keep_large_blocks_mapped()  # the server's RSS would otherwise grow by steps over a lecture (nnviz.heap)

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


def for_the_screen(fig: go.Figure) -> go.Figure:
    """The figure as drawn: a copy with larger fonts and height in lecture mode, else the figure itself."""
    return scaled_fonts(fig, LECTURE_FONT_FACTOR, LECTURE_HEIGHT_FACTOR) if lecture_mode() else fig


def show_figure(fig: go.Figure, *, key: str | None = None, on_select=None):
    """Draw a plotly figure, scaled up in lecture mode.

    With ``on_select`` (a callback, or "rerun") clicking a point selects it: the chart's selection
    event is returned and kept in ``st.session_state[key]``.
    """
    fig = for_the_screen(fig)
    selection = {"on_select": on_select, "selection_mode": "points"} if on_select else {}
    return st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False}, **selection)


# A figure that changes many times a second (the Playground while it plays). st.plotly_chart gives a chart
# whose figure changed a new identity, so the browser throws the old chart away and builds a new one: at 10
# frames a second the picture was blank most of the time. This component keeps one Plotly chart and updates
# it in place (Plotly.react, about half the work of a new chart). When a frame arrives it asks the server for
# the next one ("next": the fragment reruns) and draws this one meanwhile, so the server computes a frame
# while the browser draws the one before, and never more than one frame ahead. Draw it last in its run: the
# request for the next frame must not interrupt the rest of this one. It uses the Plotly that Streamlit's
# page has loaded for its own charts.
LIVE_FIGURE_JS = """
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const chart = parentElement.querySelector(".nnviz-live-figure");
  setTriggerValue("next", data.frame);
  const draw = () => {
    const Plotly = window.Plotly;
    if (!Plotly) { setTimeout(draw, 50); return; }  // Streamlit loads it with its first chart
    const figure = JSON.parse(data.figure);
    figure.layout.font = {family: getComputedStyle(chart).fontFamily, ...figure.layout.font};  // as st.plotly_chart
    chart.style.height = figure.layout.height + "px";
    // a trace that has not changed keeps its object: Plotly.react compares arrays by reference and
    // skips it (the training points do not move while the network trains)
    const before = chart.__traces || {};
    chart.__traces = {};
    figure.data = figure.data.map(trace => {
      const text = JSON.stringify(trace);
      const kept = before[text] || trace;
      chart.__traces[text] = kept;
      return kept;
    });
    Plotly.react(chart, figure.data, figure.layout, data.config);
  };
  setTimeout(draw, 0);  // after this task: the request for the next frame goes out before the drawing
}
"""
_live_figure = st.components.v2.component("nnviz_live_figure", html="<div class='nnviz-live-figure'></div>",
                                           js=LIVE_FIGURE_JS, isolate_styles=False)


def live_figure(fig: go.Figure, *, key: str, frame: int, on_next) -> None:
    """Draw a figure that is redrawn many times a second, in place (scaled up in lecture mode). Place it in
    a fragment and draw it last there: when the browser has it, ``on_next`` is called and the fragment reruns
    for the next frame."""
    fig = for_the_screen(fig)
    height = int(fig.layout.height or 450)
    _live_figure(key=key, height=height, on_next_change=on_next,
                 data={"figure": pio.to_json(fig, validate=False), "frame": frame,
                       "config": {"displaylogo": False, "displayModeBar": False, "responsive": True}})


class FramePacer:
    """Spaces the live frames of every session playing in this server at once.

    All sessions run their Python in one process (one GIL), so sessions that play share about one core. A
    session's next frame is due ``period`` after its last one began, where the period grows with what all
    playing sessions spent on their last frames: together they use at most ``share`` of a core, so the
    server stays responsive and each frame, once begun, is computed quickly. ``record`` is also where a
    benchmark can read every frame's time.
    """

    def __init__(self, period: float, share: float = 0.5, idle_after: float = 2.0):
        self.period, self.share, self.idle_after = period, share, idle_after
        self._lock = threading.Lock()
        self._frames: dict[str, tuple[float, float, float]] = {}  # session -> (start, end, CPU seconds)

    def _active(self, now: float) -> list[tuple[float, float, float]]:
        """The last frames of the sessions that drew one in the last ``idle_after`` seconds."""
        with self._lock:
            return [f for f in self._frames.values() if f[1] > now - self.idle_after]

    def playing(self, now: float | None = None) -> int:
        """How many sessions drew a frame in the last ``idle_after`` seconds."""
        return len(self._active(time.monotonic() if now is None else now))

    def wait(self, session: str, now: float | None = None) -> float:
        """Seconds until this session's next frame is due."""
        now = time.monotonic() if now is None else now
        with self._lock:
            mine = self._frames.get(session)
        period = max(self.period, sum(cpu for _, _, cpu in self._active(now)) / self.share)
        return 0.0 if mine is None else max(0.0, mine[0] + period - now)

    def record(self, session: str, start: float, end: float, cpu: float) -> None:
        """A frame of ``session`` ran from ``start`` to ``end`` (time.monotonic) using ``cpu`` thread seconds."""
        with self._lock:
            self._frames[session] = (start, end, cpu)
            for other in [k for k, f in self._frames.items() if f[1] < end - 60]:
                del self._frames[other]  # sessions that stopped long ago


FRAME_PACER = FramePacer(period=0.1)  # live figures: at most 10 frames a second per session


# --- Keras jobs: in the worker processes of nnviz.training_service ----------------------------------------------


def _session_alive(session_id: str) -> bool:
    """Whether a browser session still exists (True when there is no runtime to ask, as under AppTest)."""
    from streamlit.runtime import Runtime

    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


@st.cache_resource(show_spinner=False)
def training_service():
    """The server's one pool of Keras workers, sized from ``[training]`` in .streamlit/secrets.toml and the
    NNVIZ_* environment variables (the environment wins; README: "Serving a large class")."""
    import os

    from nnviz import training_service as ts

    try:
        configured = dict(st.secrets.get("training", {}))
    except Exception:  # noqa: BLE001 -- no secrets.toml (or an unreadable one): the environment and defaults
        configured = {}
    return ts.TrainingService(ts.PoolSettings.from_settings(configured, os.environ), owner_alive=_session_alive)


def prewarm_keras() -> None:
    """A page with a Keras button calls this as it opens: a worker starts loading TensorFlow in the background, so
    the first press does not wait for it. Only in a real server (not in AppTest, whose tests start workers as they
    need them)."""
    from streamlit.runtime import Runtime

    if Runtime.exists():
        training_service().warm_up()


def session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


JOB_PENDING_NOTE = ("Another Keras job of yours is still finishing (started on another page); press the button "
                    "again in a moment.")  # one Keras job per session


def queue_note(view) -> str:
    """What a student waiting for a worker reads."""
    ahead = view.position - 1
    others = f"{ahead} job{'s' if ahead != 1 else ''} ahead of yours" if ahead else "yours is next"
    return (f"Every Keras worker of this server is busy: {others}. Estimated wait: about "
            f"{max(1, round(view.wait_seconds))} s.")


_SHARED_RESULTS: dict[str, object] = {}  # results every session may reuse (``run_job(..., share=True)``)
_SHARED_LIMIT = 32


def run_job(spinner_text: str, function, *, share: bool = False, **kwargs):
    """``function(**kwargs)`` in a Keras worker, waiting under a spinner (with the place in the queue when the
    workers are busy). Returns its result, or None after telling the student what went wrong. With ``share``
    the result is kept for every session that asks for the same job (e.g. the same seed): a class pays once.

    If the run is cut short (the student changed a widget), the job is stopped: nobody would read its result.
    """
    import hashlib
    import pickle

    from nnviz import training_service as ts

    key = None
    if share:
        key = hashlib.sha256(pickle.dumps((ts.function_path(function), sorted(kwargs.items())))).hexdigest()
        if key in _SHARED_RESULTS:
            return _SHARED_RESULTS[key]
    service = training_service()
    try:
        job = service.submit(session_id(), function, kwargs)
    except ts.JobPending:
        st.warning(JOB_PENDING_NOTE)
        return None
    note = st.empty()

    def show(view) -> None:
        if view.state == ts.QUEUED and view.position:
            note.info(queue_note(view))
        elif view.state == ts.RUNNING:
            note.empty()

    finished = False
    try:
        with st.spinner(spinner_text):
            view = service.wait(job, on_update=show)
        finished = True
    finally:
        if not finished:
            service.stop(job)
    note.empty()
    service.forget(job)
    if view.state != ts.DONE:
        first_line = (view.error or "it was cancelled").splitlines()[0]
        st.error(f"The Keras job did not finish: {first_line} Please try again.")
        return None
    if key is not None:
        _SHARED_RESULTS[key] = view.result
        while len(_SHARED_RESULTS) > _SHARED_LIMIT:
            _SHARED_RESULTS.pop(next(iter(_SHARED_RESULTS)))
    return view.result


def try_this(prompts: Sequence[str]) -> None:
    """The 'Try this' box: concrete experiments and what to notice."""
    st.subheader("Try this")
    st.markdown("\n".join(f"{i}. {p}" for i, p in enumerate(prompts, start=1)))


def keras_panel(code: str, intro: str) -> None:
    """The tf.keras code that reproduces what the page shows (text only: TensorFlow is not imported)."""
    st.subheader("In Keras")
    st.markdown(intro)
    st.code(code, language="python")

