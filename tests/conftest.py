"""Shared fixtures: the app's pages for AppTest, and a real server + headless Chromium for browser tests."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# AppTest tests run every page without fragments (nnviz.ui.fragments_on): after a fragment rerun AppTest keeps only
# the rerun fragments' elements. tests/test_sections.py switches them on; real servers always have them (SERVER_ENV).
os.environ.setdefault("NNVIZ_FRAGMENTS", "0")
# Every figure a test builds is validated by plotly (the app skips it for speed: nnviz.figures.style.validating), so
# a misspelt property fails the tests; test_app checks that validation changes nothing the pages send.
os.environ.setdefault("NNVIZ_VALIDATE_FIGURES", "1")
# The browser tests' servers run their Keras workers at the web server's priority, not the deployed nice 10: here the
# browsers share the server's machine, and Chromium (run as root) raises its own processes to nice -8, so under the
# other test process's browser a nice-10 worker starves. Measured 2026-12-02: a cold worker's first job took 27 s
# on the quiet machine, 43 s beside three busy loops at nice 0, and 316 s beside them at nice 10 (CI's browser step
# failed waiting 240 s for the Backpropagation page's GradientTape). Students' browsers are not on the server.
SERVER_ENV = {**os.environ, "NNVIZ_FRAGMENTS": "1", "NNVIZ_WORKER_NICE": "0"}

if str(ROOT) not in sys.path:  # conftest is also imported by scripts (tests/rerun_timing.py, benchmarks)
    sys.path.insert(0, str(ROOT))
from nnviz import mnist_data  # numpy and the standard library only

# The unit tests (marked ``unit``) test the nnviz package without the app; they also run on Python 3.10, where
# Streamlit 1.67 does not install (README: "Which Pythons"). A unit test that needs Streamlit says so.
HAS_STREAMLIT = importlib.util.find_spec("streamlit") is not None
requires_streamlit = pytest.mark.skipif(
    not HAS_STREAMLIT, reason="needs Streamlit, not installed here (the unit tests' environment: requirements-unit.txt)")


def pytest_ignore_collect(collection_path, config):
    """Without Streamlit only the unit test files are collected: the others import it (or the notebook runner) to
    be collected at all, before ``-m unit`` could deselect them."""
    if HAS_STREAMLIT or collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    return "pytest.mark.unit" not in collection_path.read_text()

REAL_LOAD_DATASET = mnist_data.load_dataset  # before offline_datasets or generated_downloads replace it


# Time budgets are set for this project's machines at full speed. The same 2-core machine has run the whole
# suite 4x slower on another day, so a wall-time assertion scales its budget by slowdown(), and a wait that only
# guards against a hang (a training that never ends, a page that never draws) is given HANG_FACTOR times its
# full-speed length: on a slow day it must not fail a test that would have passed, and it costs nothing when
# the thing waited for comes.
HANG_FACTOR = 4
# A test waiting for a training reruns the page this often: each rerun takes CPU from the training it waits for.
POLL_SECONDS = 1.0
REFERENCE_PAGE = """
import numpy as np, plotly.graph_objects as go, streamlit as st
v = st.slider("v", 0.0, 1.0, 0.5, key="v")
x = np.linspace(0, 1, 401)
st.plotly_chart(go.Figure(go.Scatter(x=x, y=x * v)))
"""
REFERENCE_RERUN_MS = 5.0  # the reference page's median AppTest rerun on this project's machines at full speed


def median_rerun_ms(at, kind: str, key: str, a, b, repeats: int = 8) -> float:
    """The median time of ``repeats`` AppTest reruns after setting widget ``kind``/``key`` to ``a`` and ``b`` in
    turn (a button: a click), in ms."""
    import statistics

    times = []
    for i in range(repeats):
        widget = getattr(at, kind)(key=key)
        widget = widget.click() if kind == "button" else widget.set_value(a if i % 2 == 0 else b)
        start = time.perf_counter()
        widget.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{key}: {at.exception[0].value}")
    return statistics.median(times) * 1000


def reference_rerun_ms(repeats: int = 9) -> float:
    """The median AppTest rerun of REFERENCE_PAGE (one slider, one chart), in ms. Call it in a process that has
    not imported TensorFlow: Streamlit's garbage collection after each run costs ~200 ms once it has."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(REFERENCE_PAGE, default_timeout=30)
    at.run()
    return median_rerun_ms(at, "slider", "v", 0.8, 0.2, repeats)


def slowdown() -> float:
    """How many times slower than at full speed this machine runs now (never below 1), from the reference page
    measured in a fresh interpreter."""
    script = "import sys; sys.path.insert(0, sys.argv[1]); from conftest import reference_rerun_ms as r; print(r())"
    out = subprocess.run([sys.executable, "-c", script, str(ROOT / "tests")], check=True, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    return max(1.0, float(out.stdout.strip().splitlines()[-1]) / REFERENCE_RERUN_MS)


def app_test(page: str | None = None, timeout: float = 30 * HANG_FACTOR):
    """An AppTest of app.py, switched to ``page`` (e.g. "app_pages/softmax.py") and run once."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def wait_for_training(at, timeout: float = 180 * HANG_FACTOR):
    """Rerun the MNIST page until its training job (in a Keras worker) has ended, as its fragment does."""
    import time

    deadline = time.monotonic() + timeout
    while at.session_state["mn_state"].job is not None:
        assert time.monotonic() < deadline, f"the training job did not end in {timeout} s"
        time.sleep(POLL_SECONDS)
        at.run()
    return at


def train_on_page(at, key: str = "mn_train", timeout: float = 180 * HANG_FACTOR):
    """Press Train (or Continue, ``key="mn_continue"``) on the MNIST page and wait for the training's end."""
    at.button(key=key).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return wait_for_training(at, timeout)


@pytest.fixture()
def at(request):
    """The page named by the test module's ``PAGE``, rendered once without an exception."""
    at = app_test(request.module.PAGE)
    assert not at.exception
    return at


def generated_downloads(monkeypatch) -> None:
    """MNIST/Fashion 'downloads' answered with generated images (no network): 1,200 training and 200
    test images, so that a page takes its download path. Clears the page's dataset cache."""
    import numpy as np
    import streamlit as st

    rng = np.random.default_rng(0)
    fake = (rng.integers(0, 256, (1200, 28, 28), dtype=np.uint8), np.tile(np.arange(10), 120),
            rng.integers(0, 256, (200, 28, 28), dtype=np.uint8), np.tile(np.arange(10), 20))
    monkeypatch.setattr(mnist_data, "load_dataset", lambda key, seed=0: REAL_LOAD_DATASET(key, seed, lambda _k: fake))
    st.cache_resource.clear()


@pytest.fixture()
def offline_datasets(monkeypatch):
    """No test may fetch a dataset: MNIST/Fashion 'downloads' fail as they would offline.

    The page caches loaded datasets for all sessions (st.cache_resource), so the cache is cleared
    around the test. A test can still replace ``mnist_data.load_dataset`` with its own data.
    """
    import streamlit as st

    def fail(_key):
        raise OSError("no network connection to storage.googleapis.com (tests run offline)")

    monkeypatch.setattr(mnist_data, "load_dataset", lambda key, seed=0: REAL_LOAD_DATASET(key, seed, fail))
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def offline_env(folder: Path) -> dict[str, str]:
    """The student's interpreter: no nnviz on the path, no network, an empty Keras cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NO_PROXY", "no_proxy")}
    closed_port = "http://127.0.0.1:9"
    env.update({"HTTP_PROXY": closed_port, "HTTPS_PROXY": closed_port, "http_proxy": closed_port,
                "https_proxy": closed_port, "KERAS_HOME": str(folder / ".keras"), "TF_CPP_MIN_LOG_LEVEL": "2",
                "MPLBACKEND": "Agg"})
    return env


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_log() -> Path:
    """This test process's server log: one each, since pytest -n 2 runs two servers at once."""
    return ARTIFACTS / f"server-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that ran against the real server gets the end of the server's log in its report: in CI
    that log is the only record of what the server (and its Keras workers) did."""
    report = yield
    if report.failed and "server_url" in getattr(item, "fixturenames", ()) and server_log().exists():
        lines = server_log().read_text(errors="replace").splitlines()
        report.sections.append(("server log (last 80 lines)", "\n".join(lines[-80:])))
    return report


@contextlib.contextmanager
def served(log: Path, *options: str):
    """The app served by `streamlit run` (with ``options``) on a free local port: its URL."""
    port = _free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             *options],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=SERVER_ENV,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"streamlit server did not start; see {log}")
            time.sleep(0.2)
        try:
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def server_url():
    """The real app served by `streamlit run` on a free local port."""
    with served(server_log()) as url:
        yield url


FULL = pytest.mark.full  # CI runs a sample of the check; `pytest -m full` the rest (README: the test command)


def sample_in_ci(values, kept) -> list:
    """``values`` as parameters for pytest.mark.parametrize, all but those in ``kept`` marked ``full``."""
    return [value if value in kept else pytest.param(value, marks=FULL) for value in values]


def new_context(browser, **options):
    """A browser context whose waits and clicks guard against a hang only: HANG_FACTOR times Playwright's 30 s."""
    context = browser.new_context(**options)
    context.set_default_timeout(30_000 * HANG_FACTOR)
    return context


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download needed)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium not found: CI must install it (apt-get install -y chromium)")
        pytest.skip("Chromium not installed (apt-get install -y chromium); browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker and xdist reads the groups
def pytest_collection_modifyitems(items):
    """Every test that uses the browser (directly or through another fixture) is marked ``browser``: the README's
    command runs those in a step of their own, where the server and Chromium have the two cores to themselves.

    With ``--dist loadgroup`` a module's tests stay in one test process, so that its module fixtures (a training,
    say) run once; a module whose tests share nothing heavy sets ``SPREAD_OVER_PROCESSES = True`` and its tests
    go to whichever process is free (test_code_blocks.py alone is a third of the parallel run)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if not getattr(item.module, "SPREAD_OVER_PROCESSES", False):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
    items.sort(key=collection_cost, reverse=True)  # stable: the same order in every test process, as xdist needs


# The costliest tests and modules, collected first (longest first): xdist hands out the work in collection order,
# so a module of two minutes that comes last keeps one test process busy while the other has nothing left to do.
# Seconds of the README's step 1, two processes on a quiet machine (2026-12-02: 1,423 passed in 733 s); a module
# kept in one process counts as a whole (its tests' sum, at least), a spread one per test. The rest keep their order.
COLLECTION_COSTS: dict[str, float] = {
    "test_code_blocks.py::test_every_python_block_on_the_page_runs_as_copied[app_pages/mnist.py]": 122,
    "test_page_mnist.py": 120,
    "test_keras_panels.py": 100,
    "test_sections.py": 85,
    "test_mlp_training.py": 85,
    "test_keras_jobs_in_workers.py": 82,
    "test_app.py": 40,
    "test_browser.py::test_every_try_this_button_leaves_its_page_whole_and_readable_on_the_projector[activations]": 30,
    "test_notebooks.py::test_the_mnist_notebook_trains_the_pages_network": 37,
    "test_page_playground.py": 30,
    "test_notebooks.py": 25,
    "test_code_blocks.py": 23,
    "test_training_service.py": 20,
    "test_page_perceptron.py": 20,
    "test_keras_training.py": 18,
}


def collection_cost(item) -> float:
    """How long ``item`` (or the module it runs with) took, from COLLECTION_COSTS; 0 if it is not listed."""
    module = item.path.name
    return COLLECTION_COSTS.get(f"{module}::{item.nodeid.split('::', 1)[1]}", COLLECTION_COSTS.get(module, 0.0))


def figures(at) -> dict[str, dict]:
    """The plotly figures an AppTest run drew, by their key, as plotly JSON dicts: the st.plotly_chart charts and
    the figures drawn in place (``ui.show_figure``'s component, whose element id ends in its key)."""
    import json

    from nnviz.ui import FIGURE_COMPONENT

    charts = {chart.key: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}
    for element in at.get("bidi_component"):
        if element.proto.component_name == FIGURE_COMPONENT:
            key = element.proto.id.split("-", 2)[2]
            charts[key] = json.loads(json.loads(element.proto.json)["figure"])
    return charts


def trace(fig: dict, name: str) -> dict:
    """The trace called ``name`` in a figure dict."""
    matches = [t for t in fig["data"] if t.get("name") == name]
    assert matches, f"no trace {name!r} in {[t.get('name') for t in fig['data']]}"
    return matches[0]


def metric(at, label: str) -> str:
    """The value of the metric called ``label`` in a run."""
    matches = [m.value for m in at.metric if m.label == label]
    assert matches, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return matches[0]


def shown_number(text: str) -> float:
    """A number as the app writes it ('0.09857', '-6.78·10⁻⁵', '0') as a float."""
    from nnviz.formatting import written_value

    return written_value(text.strip())


def texts(at) -> str:
    """All markdown, captions, alerts and metrics of a run, joined: to assert on what a user reads."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success") for e in at.get(kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


# A hyphen as a number's sign ('-0.31'; the browser test's pattern): our text writes the formulas' minus sign,
# '−0.31' (formatting.with_minus_signs). Not in LaTeX or code, which keep their own.
HYPHEN_AS_SIGN = re.compile(r"(^|[^\w.)\]])-\.?\d")


def cells(data) -> list:
    """The leaves of a figure's (nested) list, or of a base64 typed array."""
    if isinstance(data, dict):
        return list(values(data).ravel()) if "bdata" in data else []
    if isinstance(data, (list, tuple)):
        return [leaf for item in data for leaf in cells(item)]
    return [data]


def hyphens_as_minus_signs(at) -> list[str]:
    """Where this run writes a negative number with a hyphen: text, metrics, tables, figures' own texts (plotly
    writes its ticks and hover numbers with '−' itself)."""
    shown = [(kind, str(element.value)) for kind in ("markdown", "caption", "info", "warning", "error", "success")
             for element in at.get(kind)]
    shown += [("metric", f"{metric.label} {metric.value}") for metric in at.metric]
    shown += [(kind, cell) for kind in ("table", "dataframe") for table in at.get(kind)
              for column in table.value.columns for cell in table.value[column] if isinstance(cell, str)]
    for key, fig in figures(at).items():
        layout = fig.get("layout", {})
        shown += [(f"figure {key!r} annotation", str(note.get("text", ""))) for note in layout.get("annotations", [])]
        shown += [(f"figure {key!r} trace text", text) for trace in fig.get("data", [])
                  for text in cells(trace.get("text", [])) if isinstance(text, str)]
        shown += [(f"figure {key!r} legend", trace["name"]) for trace in fig.get("data", [])
                  if isinstance(trace.get("name"), str) and trace.get("showlegend", True)]
    from nnviz.formatting import FORMULA_OR_CODE

    problems = []
    for where, text in shown:
        match = HYPHEN_AS_SIGN.search(FORMULA_OR_CODE.sub("", text))
        if match:
            problems.append(f"{where}: {text[:100]!r}")
    return problems


def values(data):
    """A trace's x/y as a numpy array: plotly ≥ 6 sends numpy arrays as base64 typed arrays."""
    import base64

    import numpy as np

    if isinstance(data, dict) and "bdata" in data:
        arr = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        if "shape" in data:  # e.g. "60, 60"
            shape = data["shape"]
            return arr.reshape([int(v) for v in shape.split(",")] if isinstance(shape, str) else shape)
        return arr
    return np.asarray(data, dtype=float) if data is not None else np.array([])


def set_to_extreme(at, end: str) -> None:
    """Set every slider, select slider and number input of the current run to its min or max (no run)."""
    for slider in at.slider:
        if isinstance(slider.value, tuple):
            slider.set_value((slider.min, slider.min) if end == "min" else (slider.max, slider.max))
        else:
            slider.set_value(slider.min if end == "min" else slider.max)
    for select in at.select_slider:
        select.set_value(select.options[0] if end == "min" else select.options[-1])
    for number in at.number_input:
        number.set_value(number.min if end == "min" else number.max)


def stopped_by_stop(n: int) -> re.Pattern:
    """The MNIST page's warning after a Stop that kept n epochs: at an epoch's end, or in epoch n + 1 (the network
    gone back to the end of epoch n)."""
    return re.compile(rf"Training was stopped (after {n} full epoch\(s\) by Stop\.|in epoch {n + 1}, after .* "
                      rf"goes back to (where it was after epoch {n}, its last full epoch|its starting weights))")
