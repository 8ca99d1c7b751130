"""Per page, with AppTest, in a fresh interpreter per page: first render, median rerun after a widget
change next to a reference page with one plotly chart, bytes of figure data, and whether TensorFlow
was imported.

    python -m benchmarks.pages app_pages/softmax.py     # one page, prints one JSON object

Why a fresh interpreter per page (as tests/rerun_timing.py): what one page imports (TensorFlow,
scikit-learn, ...) makes every later run in the same process slower (garbage collection walks more
objects), and "did this page import TensorFlow" is only answerable in a process where nothing else
did.

Figures:
- first render, cold: the page's first run in a process that has run only the home page (imports,
  caches and data loads included): what the first student after a server start waits for; for the
  home page, app.py's first run in the process;
- first render, new session: the page opened in a new session of a process that has shown it
  already (median of a few): what every other student waits for;
- rerun: AppTest's time for ``widget.set_value(...).run()``, per widget the median of
  ``REPEATS`` alternating changes, interleaved with the reference page's reruns;
  AppTest's one-off scan for installed components (~0.3 s per new AppTest; a server does it once
  at start-up) is done once and shared, so that it is in none of the figures; AppTest also
  recompiles app.py and the page at every run (a server caches the bytecode): that cost is
  measured alone as ``script_compile_ms`` and is *included* in the rerun figures; the
  ``gc.collect(2)`` a server runs after each script run (runner.postScriptGC) is *not*: AppTest's
  script runner leaves it out. ``gc_collect_ms`` is what it costs in the process after the page has
  run (the browser part measures it inside a real server's runs);
- figure bytes: the plotly JSON the page sends (sum over its charts) at first render and the
  largest seen over all the reruns.

The MNIST page is measured before any training and, in the same session, after a 1-epoch training
(the TensorFlow import and the training are timed too; TensorFlow is then expected in the process).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from benchmarks.common import ROOT, TESTS
from nnviz.ui import FIGURE_COMPONENT

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

NUMPY_PAGES = ["app_pages/perceptron.py", "app_pages/activations.py", "app_pages/gradient_descent.py",
               "app_pages/loss_vs_accuracy.py", "app_pages/softmax.py", "app_pages/backprop.py"]
MNIST_PAGE = "app_pages/mnist.py"
PAGES = ["app_pages/home.py", *NUMPY_PAGES, MNIST_PAGE]
NEW_SESSIONS = 5

MNIST_CHANGES = [  # before training: the builder's widgets
    ("slider", "mn_epochs", 3, 5),
    ("slider", "mn_momentum", 0.5, 0.9),
    ("select_slider", "mn_batch", 64, 32),
    ("slider", "mn_hidden", 2, 1),
    ("selectbox", "mn_activation", "tanh", "relu"),
]
MNIST_CHANGES_TRAINED = [  # after a training: evaluation and "look inside" come into play
    ("selectbox", "mn_cell_true", 3, 5),
    ("number_input", "mn_inspect", 7, 3),
    ("slider", "mn_epochs", 2, 1),
    ("slider", "mn_momentum", 0.5, 0.9),
    ("select_slider", "mn_batch", 64, 32),
]


def _rerun_timing():
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import rerun_timing

    return rerun_timing


def _charts(at) -> list[bytes]:
    """Each chart's figure as sent: a st.plotly_chart's spec, a figure in place's component data."""
    return ([chart.proto.spec.encode() for chart in at.get("plotly_chart")]
            + [e.proto.json.encode() for e in at.get("bidi_component") if e.proto.component_name == FIGURE_COMPONENT])


def figure_bytes(at) -> int:
    return sum(map(len, _charts(at)))


_components = None  # AppTest scans the installed packages for components once per AppTest (~0.3 s);


def _shared_components(at):  # a server does it once at start-up: share one scan, keep it out of the timings
    global _components
    if _components is None:
        from streamlit.testing.v1 import AppTest

        warm = AppTest.from_string("import streamlit as st", default_timeout=60)
        warm.run()
        _components = warm._bidi_component_manager
    at._bidi_component_manager = _components
    return at


def _new_app(page: str):
    from streamlit.testing.v1 import AppTest

    at = _shared_components(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))
    start = time.perf_counter()
    at.run()  # app.py with the home page
    if at.exception:
        raise RuntimeError(f"home: {at.exception[0].value}")
    if page != "app_pages/home.py":
        start = time.perf_counter()
        at.switch_page(page)
        at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return at, seconds * 1000


def script_compile_ms(page: str, repeats: int = 5) -> float:
    """AppTest gives every run a new ScriptCache, so each rerun recompiles app.py and the page (with
    Streamlit's "magic" AST pass); a server compiles them once. This is that cost, to subtract."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    times = []
    for _ in range(repeats):
        cache = ScriptCache()
        start = time.perf_counter()
        cache.get_bytecode(str(ROOT / "app.py"))
        cache.get_bytecode(str(ROOT / page))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def gc_cost(repeats: int = 3) -> tuple[float, int]:
    """What a server's ``gc.collect(2)`` after every script run would cost in this process now
    (median ms), and how many objects the collector tracks. AppTest does not run that collection,
    so it is not in the rerun figures; in a server it runs after each run, holding the GIL."""
    import gc

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gc.collect(2)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(gc.get_objects())


def rerun_samples(at, kind: str, key: str, a, b, repeats: int, sizes: list[int]) -> list[float]:
    """``repeats`` reruns alternating the widget between a and b (ms); appends each run's figure bytes."""
    times = []
    for i in range(repeats):
        widget = getattr(at, kind)(key=key)
        widget = widget.click() if kind == "button" else widget.set_value(a if i % 2 == 0 else b)
        start = time.perf_counter()
        widget.run()
        times.append((time.perf_counter() - start) * 1000)
        if at.exception:
            raise RuntimeError(f"{key}: {at.exception[0].value}")
        sizes.append(figure_bytes(at))
    return times


REPEATS = 8  # alternating changes per widget (tests/rerun_timing.py lost its own in e9ae424: this part failed since)


def widget_reruns(at, reference, changes, repeats: int) -> dict:
    """Per widget: raw samples and median; the reference page's reruns interleaved, widget by widget."""
    per_widget, reference_samples, sizes, ref_sizes = {}, [], [], []
    for kind, key, a, b in changes:
        per_widget[key] = rerun_samples(at, kind, key, a, b, repeats, sizes)
        reference_samples += rerun_samples(reference, "slider", "v", 0.2, 0.8, repeats, ref_sizes)
    medians = {key: statistics.median(s) for key, s in per_widget.items()}
    return {
        "rerun_median_ms": statistics.median(medians.values()),  # median over widgets of per-widget medians
        "rerun_median_all_ms": statistics.median([t for s in per_widget.values() for t in s]),
        "per_widget_median_ms": medians,
        "reference_rerun_median_ms": statistics.median(reference_samples),
        "figure_bytes_max_rerun": max(sizes, default=0),
        "samples_ms": per_widget,
        "reference_samples_ms": reference_samples,
    }


def measure_page(page: str) -> dict:
    from streamlit.testing.v1 import AppTest

    rt = _rerun_timing()
    result: dict = {"page": page}
    at, result["first_render_cold_ms"] = _new_app(page)
    result["figure_bytes_first_render"] = figure_bytes(at)
    result["charts"] = len(_charts(at))
    new_sessions = [_new_app(page)[1] for _ in range(NEW_SESSIONS)]
    result["first_render_new_session_ms"] = statistics.median(new_sessions)
    reference_first = []
    reference = None
    for _ in range(NEW_SESSIONS):
        reference = _shared_components(AppTest.from_string(rt.REFERENCE_PAGE, default_timeout=30))
        start = time.perf_counter()
        reference.run()
        reference_first.append((time.perf_counter() - start) * 1000)
    result["reference_first_render_ms"] = statistics.median(reference_first)
    result["reference_figure_bytes"] = figure_bytes(reference)
    result["samples_first_render_new_session_ms"] = new_sessions

    result["script_compile_ms"] = script_compile_ms(page)
    changes = rt.CHANGES.get(page) or (MNIST_CHANGES if page == MNIST_PAGE else [])
    if changes:
        result |= widget_reruns(at, reference, changes, REPEATS)
    result["gc_collect_ms"], result["gc_tracked_objects"] = gc_cost()
    result["tensorflow_imported"] = "tensorflow" in sys.modules
    result["keras_imported"] = "keras" in sys.modules

    if page == MNIST_PAGE:
        from conftest import train_on_page  # the training runs in a Keras worker: rerun until it has ended

        at.slider(key="mn_epochs").set_value(1).run()
        start = time.perf_counter()
        train_on_page(at, timeout=300)
        trained = {"first_training_1_epoch_s": time.perf_counter() - start}
        if at.exception:
            raise RuntimeError(f"training: {at.exception[0].value}")
        trained["figure_bytes_after_training"] = figure_bytes(at)
        trained["charts_after_training"] = len(_charts(at))
        start = time.perf_counter()
        train_on_page(at, timeout=300)
        trained["second_training_1_epoch_s"] = time.perf_counter() - start
        trained |= widget_reruns(at, reference, MNIST_CHANGES_TRAINED, REPEATS)
        trained["gc_collect_ms"], trained["gc_tracked_objects"] = gc_cost()
        result["after_training"] = trained
    return result


def run_in_fresh_interpreter(page: str, timeout: float = 600) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.pages", page], check=False, cwd=ROOT, capture_output=True,
                         text=True, timeout=timeout, env=os.environ | {"TF_CPP_MIN_LOG_LEVEL": "2"})
    if out.returncode != 0:
        raise RuntimeError(f"{page}: {out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(pages=PAGES) -> dict:
    results = {}
    for page in pages:
        try:
            results[page] = run_in_fresh_interpreter(page)
        except Exception as error:  # noqa: BLE001 -- one broken page must not hide the others' figures
            results[page] = {"page": page, "error": str(error)}
    return results


if __name__ == "__main__":
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    print(json.dumps(measure_page(sys.argv[1])))
    sys.stdout.flush()
