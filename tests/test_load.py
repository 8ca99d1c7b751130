"""Load and fault tests (issues #7 and #14), on servers of their own: `pytest tests/test_load.py -m load -s`.

Keras work runs in worker processes (nnviz.training_service, two by default); the web server never imports
TensorFlow. The tests, in the order they run:

1. A widget change and a page switch in the middle of a training do not stop it (the moved widget keeps its
   value, the settings stay); Stop then keeps the completed epochs. The server never maps TensorFlow, and
   its memory (VmRSS) after more trainings stays within 20 MB of its level after the first one (both pages
   the test visits are visited once before, so that their first-visit imports do not count).
2. Ten browser sessions on one server at once (one Playwright process, ten contexts): three train MNIST with
   different settings (two at a time on the two workers, the third queues and is told so), seven move
   sliders on the numpy pages while the time of every rerun is measured. Every session finishes with its own
   numbers, nothing raises, the server stays up. The same scenario runs first against the in-process design
   (a server started from a `git worktree` of commit 7afc533, where trainings ran one at a time inside the
   server), then against this one: the slider sessions' p95 rerun in the server must be at most half the old
   one's. Both designs' figures, in the server, over the websocket and in the browsers, with the machine's load, go
   to tests/artifacts/load_results.json. The browsers share the cores at nice 19 (BROWSER_NICE), or with
   NNVIZ_LOAD_SPLIT_CPUS=1 the server (with its workers) runs on core 0 and the browsers on the others, as if on
   machines of their own (see SPLIT_CPUS).
3. kill -9 of a worker in the middle of a training while another session trains and a third moves a slider:
   the killed session says so and keeps its last completed epoch, Continue trains on (in a new worker), and
   the other two sessions never notice.
4. Bad uploads on the MNIST page (non-image bytes, 0 bytes, 20 MB, 1×1, 5000×5000, RGBA, greyscale):
   a clear message for the bad ones, a prediction for the good ones, nothing crashes.
5. A cold server (just restarted): ten first visits at the same moment all render without an exception.

The cold-server test runs last, as it restarts the server. The server's log is tests/artifacts/load_server.log
(appended over restarts; the old design's server logs to load_server_7afc533.log); figures go to
tests/artifacts/load_results.json, screenshots to tests/artifacts/screenshots/load_*.png. The machine is shared
(2 cores, other jobs may run): every timing is recorded with the load average beside it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ARTIFACTS, CHROMIUM_FLAGS, ROOT, _free_port, chromium_path, stopped_by_stop
from test_browser import IDLE, SCREENSHOTS, wait_until_idle
from test_browser_mnist import (
    PROGRESS,
    assert_clean,
    button,
    epoch_of,
    metric,
    open_mnist,
    press_slider,
    progress_text,
    wait_for_epoch,
    wait_until_trained,
)

from nnviz.ui import CHART_SELECTOR, CHARTS_DRAWN_JS

pytestmark = pytest.mark.load

LOG = ARTIFACTS / "load_server.log"
RESULTS = ARTIFACTS / "load_results.json"
TRAINING_TIMEOUT = 300_000  # ms: trainings queue behind each other on a machine busy with other jobs
PAGE_TIMEOUT = 300_000  # ms: ten pages loading at once on two cores, the browsers at the lowest priority
# The budget for the server now that TensorFlow lives in the workers: what a training leaves in the
# server is its session's results (history, weights, .keras bytes, evaluation).
MEMORY_BUDGET_MB = 20
# Generous: the figure is recorded for the docs. On the 2-core test machine the ten Chromium pages, the trainings
# and the server share the cores (and other jobs may run), so this bounds only "still usable".
RERUN_P95_BOUND_S = 15.0
# The issue's comparison: the slider sessions' p95 rerun with Keras in workers is at most this share of the
# in-process design's, measured in the same test run on the same machine.
P95_RATIO_BOUND = 0.5
IN_PROCESS_COMMIT = "7afc533"  # the last commit before trainings moved into workers
QUEUE_NOTE = "Every Keras worker of this server is busy"
QUEUE_NOTE_RE = re.compile(r"Every Keras worker of this server is busy: (yours is next|\d+ jobs? ahead of yours)\. "
                           r"Estimated wait: about \d+ s\.")
OLD_WAITING = "Another training is running on this server"  # the in-process design's status

KILLED = ("The training did not finish: The training stopped: the worker process was killed (signal 9: e.g. out "
          "of memory). The network keeps its last completed epoch ({n}): press Continue to train on from there, "
          "or train a new network.")
SAYS = "the network says (your upload)"


@dataclass(frozen=True)
class Design:
    """What the scenario expects of the server under test."""

    name: str
    waiting_text: str  # what a trainer who has to wait reads
    workers: int  # trainings at once (the in-process design: one slot)


IN_PROCESS = Design(f"in-process ({IN_PROCESS_COMMIT})", OLD_WAITING, 1)
WORKERS = Design("Keras workers (this commit)", QUEUE_NOTE, 2)


def machine_load() -> dict:
    """The load average and `uptime`'s line: timings on the shared 2-core machine need it beside them."""
    line = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    return {"loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()], "uptime": line}


# --- the server ----------------------------------------------------------------------------------------------


def proc_stat(pid: int) -> tuple[str, list[str]] | None:
    """A process's command name and the fields of /proc/<pid>/stat after it (proc(5)'s third on: state, ppid, …);
    None if it is gone."""
    try:
        head, rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
    except OSError:
        return None
    return head.split("(", 1)[1], rest.split()


def process_state(pid: int) -> str | None:
    """The one-letter state of a process (R, S, Z, …), None if it is gone."""
    stat = proc_stat(pid)
    return stat and stat[1][0]


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of a process, in clock ticks; None if it is gone."""
    stat = proc_stat(pid)
    return stat and int(stat[1][11]) + int(stat[1][12])


class Server:
    """`streamlit run app.py` from ``root`` on a free port, its output appended to ``log``; started through
    this checkout's benchmarks/timed_server.py, which logs each rerun request's arrival and each script run,
    by session, to ``log`` with ``.runs.jsonl`` in place of ``.log`` (the same instrument in both designs)."""

    def __init__(self, root: Path = ROOT, log: Path = LOG):
        self.root, self.log = root, log
        self.runs = log.with_suffix(".runs.jsonl")
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.log_start = 0  # where the current test's part of the log begins

    def start(self) -> None:
        port = _free_port()
        with open(self.log, "a") as out:
            out.write(f"=== streamlit run app.py in {self.root} on port {port} ===\n")
            out.flush()
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "benchmarks" / "timed_server.py"), "run", "app.py",
                 "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                 "--browser.gatherUsageStats", "false"],
                cwd=self.root, stdout=out, stderr=subprocess.STDOUT,
                env={**os.environ, "NNVIZ_BENCH_RUN_LOG": str(self.runs), "NNVIZ_FRAGMENTS": "1"},
            )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while not self.healthy():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"streamlit server did not start; see {self.log}")
            time.sleep(0.3)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)

    def restart(self) -> None:
        self.stop()
        self.start()

    def rss_mb(self) -> float:
        """The server's resident memory (VmRSS from /proc/<pid>/status), in MB: the server alone, not its workers."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)[1]) / 1024

    def settled_rss_mb(self, seconds: float = 3.0) -> float:
        time.sleep(seconds)  # let the last script run end and Streamlit's garbage collection run
        return self.rss_mb()

    def tensorflow_mapped(self) -> list[str]:
        """Files of TensorFlow mapped into the server process (/proc/<pid>/maps): `import tensorflow` maps
        libtensorflow_framework and _pywrap_tensorflow_internal, and nothing unloads them. Empty: never imported."""
        maps = Path(f"/proc/{self.proc.pid}/maps").read_text()
        return sorted({line.split()[-1] for line in maps.splitlines()
                       if re.search(r"libtensorflow|/tensorflow/", line)})

    def workers(self) -> list[int]:
        """The live child processes of the server (the Keras workers), from /proc/<pid>/task/*/children."""
        pids: set[int] = set()
        for children in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            try:
                pids.update(int(p) for p in children.read_text().split())
            except OSError:  # the thread ended meanwhile
                pass
        return sorted(p for p in pids if process_state(p) not in (None, "Z"))

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/_stcore/health", timeout=10) as r:
                return r.read().strip() == b"ok"
        except OSError:
            return False

    def alive(self) -> bool:
        return self.proc.poll() is None

    def mark_log(self) -> None:
        self.log_start = self.log.stat().st_size

    def run_log(self) -> list[dict]:
        """The timed server's lines: {"session", "request"} per rerun request, {"session", "start", "end", ...} per
        script run (epoch seconds)."""
        return [json.loads(line) for line in self.runs.read_text().splitlines() if line.strip()]

    def new_log(self) -> str:
        with open(self.log, errors="replace") as f:
            f.seek(self.log_start)
            return f.read()


class WorkerWatch:
    """Samples the server's worker processes every ``every`` s in a thread: how many there were at most, and
    how many used CPU in the same sample (a worker training or importing TensorFlow)."""

    def __init__(self, server: Server, every: float = 0.5):
        self.server, self.every = server, every
        self.most = 0
        self.most_busy = 0
        self.seen: set[int] = set()
        self.cpu_s = 0.0  # CPU the workers used while watched (their last sampled ticks; pids never reused here)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-watch", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        last: dict[int, int] = {}
        while not self._stop.is_set():
            pids = self.server.workers() if self.server.alive() else []
            ticks = {p: t for p in pids if (t := cpu_ticks(p)) is not None}
            self.most = max(self.most, len(pids))
            self.seen.update(pids)
            self.most_busy = max(self.most_busy, sum(t - last.get(p, t) >= 2 for p, t in ticks.items()))
            self.cpu_s += sum(t - last.get(p, t) for p, t in ticks.items()) / os.sysconf("SC_CLK_TCK")
            last = ticks
            self._stop.wait(self.every)

    def figures(self) -> dict:
        return {"workers_at_most": self.most, "workers_busy_at_once_at_most": self.most_busy,
                "worker_processes_seen": len(self.seen)}


@pytest.fixture(scope="module")
def server():
    """A server of this module's own (so that its memory and its workers can be read)."""
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text("")
    srv = Server()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def results():
    """Figures of this module's tests, written to tests/artifacts/load_results.json at its end."""
    data: dict = {"rss_mb": {}, "seconds": {}, "load": {"at the start": machine_load()}}
    yield data
    data["load"]["at the end"] = machine_load()
    RESULTS.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(f"\nload figures written to {RESULTS}")


def log_problems(log: str) -> list[str]:
    return [line for line in log.splitlines() if re.search(r"Traceback|Error|Exception", line)]


@pytest.fixture()
def watched(server, results, request):
    """Time the test, and check the server's log of the test for tracebacks afterwards."""
    server.mark_log()
    started = time.monotonic()
    yield server
    seconds = time.monotonic() - started
    results["seconds"][request.node.name] = round(seconds, 1)
    results["load"][f"after {request.node.name}"] = machine_load()
    print(f"\n[{request.node.name}] {seconds:.1f} s; {machine_load()['uptime']}")
    log = server.new_log()
    problems = log_problems(log)
    if problems:
        print("server log lines of concern:\n  " + "\n  ".join(problems[:40]))
    assert "Traceback" not in log, f"the server logged a traceback; see {server.log}:\n{log[-4000:]}"
    assert server.alive() and server.healthy(), "the server died or its health check failed"


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between order statistics."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median_s": round(statistics.median(values), 3),
            "p95_s": round(percentile(values, 0.95), 3), "max_s": round(max(values), 3)}


# What every chart on the page shows: a figure drawn in place by its figure's text, a st.plotly_chart by its data
# (a new figure gives a new array).
FIGURES_JS = f"""() => [...document.querySelectorAll("{CHART_SELECTOR}")].map(
    c => c.__figure !== undefined ? c.__figure : (c.querySelector('.js-plotly-plot') || {{}}).data)"""
# Every change of the app's script state and, when a key goes down, what the charts show then: a key press is done
# when a chart shows something else (RERUN_DONE), so that a late redraw of the press before cannot be taken for this
# one's.
RECORD_STATES = f"""() => {{
    if (window.__states) return;
    window.__states = [];
    window.__lastStateChange = performance.now();
    window.__figures = {FIGURES_JS};
    window.__keyAt = 0;
    document.addEventListener('keydown', () => {{
        window.__keyAt = performance.now();
        window.__figuresAtKey = window.__figures();
    }}, true);
    new MutationObserver(ms => ms.forEach(m => {{
        window.__lastStateChange = performance.now();
        window.__states.push([m.oldValue, m.target.getAttribute('data-test-script-state'), performance.now()]);
    }})).observe(document.body, {{attributes: true, subtree: true, attributeOldValue: true,
                                attributeFilter: ['data-test-script-state']}});
}}"""
# Idle for ``ms`` milliseconds on end, no progress bar, charts drawn. After a training the page reruns itself
# (st.rerun): between the two runs the app is briefly 'notRunning' (~50 ms, seen in the browser), and a plain
# wait for 'notRunning' can return there and read the numbers of the run before. (While a job is queued or
# running, the page's fragment reruns every 0.4 s and shows a progress bar: never settled.)
SETTLED = f"""ms => {{
    const app = document.querySelector("[data-testid='stApp']");
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && performance.now() - window.__lastStateChange >= ms
        && document.querySelectorAll("[data-testid='stProgress']").length === 0 && {CHARTS_DRAWN_JS};
}}"""
SETTLE_MS = 1500


def settle(page, timeout: float = TRAINING_TIMEOUT) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED, arg=SETTLE_MS, timeout=timeout, polling=100)


def sidebar_link(page, title: str):
    return page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True)


def alert_texts(page, kind: str) -> list[str]:
    """The texts of the st.error ("Error"), st.warning ("Warning") or st.info ("Info") boxes on the page."""
    return [" ".join(t.split()) for t in page.locator(f"[data-testid='stAlertContent{kind}']").all_inner_texts()]


def validation_points(page) -> list[int]:
    """Points of the 'this run: validation' traces of the training curves (one per completed epoch)."""
    curves = page.locator(".st-key-mn_curves .js-plotly-plot").evaluate(
        "gd => gd._fullData.map(t => ({name: t.name, n: t._length}))")
    return [c["n"] for c in curves if c["name"].startswith("this run") and c["name"].endswith(": validation")]


# --- 1. a widget change and a page switch during a training; Stop; memory -----------------------------------


def test_trainings_go_on_through_widget_changes_and_page_switches_and_server_memory_stays_flat(
        browser, watched, results):
    server = watched
    context, page = open_mnist(browser, server.url)
    # The test visits Softmax output during a training: a first visit first, so that the memory figures count
    # what trainings leave in the server, not the first import of another page and its figure caches.
    sidebar_link(page, "Softmax output").click()
    page.wait_for_url("**/softmax*", timeout=60_000)
    wait_until_idle(page)
    sidebar_link(page, "MNIST MLP").click()
    page.wait_for_url("**/mnist*", timeout=60_000)
    wait_until_idle(page)
    page.evaluate(RECORD_STATES)
    rss = {"before any training (MNIST and Softmax output visited)": server.settled_rss_mb()}
    tensorflow = {"before any training": server.tensorflow_mapped()}
    trainings: list[float] = []
    facts: dict = {}

    def train_to_end(expected_epochs: int) -> None:
        started = time.monotonic()
        button(page, "mn_train").click()
        page.locator(PROGRESS).first.wait_for(timeout=TRAINING_TIMEOUT)  # the job's bar (queued or running)
        settle(page)
        trainings.append(round(time.monotonic() - started, 1))
        assert_clean(page, "after a full training")
        assert metric(page, "epochs trained") == str(expected_epochs)
        metric(page, "test accuracy")  # shown

    def stop_and_check_kept(when: str) -> int:
        """Press Stop during a training; the completed epochs are kept (and evaluated)."""
        shown, last_epoch = epoch_of(progress_text(page))  # epochs before ``shown`` are complete
        button(page, "mn_stop").click()
        wait_until_trained(page)
        settle(page)
        assert_clean(page, f"after Stop {when}")
        kept = int(metric(page, "epochs trained"))
        assert shown - 1 <= kept < last_epoch, (when, shown, kept)
        assert any(stopped_by_stop(kept).search(t) for t in alert_texts(page, "Warning")), \
            (when, alert_texts(page, "Warning"))
        assert validation_points(page) == [kept, kept], when
        metric(page, "test accuracy")  # the stopped network is evaluated
        return kept

    try:
        # the first training (it also starts a Keras worker): the default network, 2 epochs
        for _ in range(3):
            press_slider(page, "mn_epochs", "ArrowLeft")
        train_to_end(2)
        rss["after the first training"] = server.settled_rss_mb()
        tensorflow["after the first training"] = server.tensorflow_mapped()

        # a builder widget changed during a training: the training goes on, the widget keeps its new value
        assert press_slider(page, "mn_epochs", "End") == "30"
        button(page, "mn_train").click()
        wait_for_epoch(page, 2)  # one full epoch done
        before = epoch_of(progress_text(page))[0]
        pressed = time.monotonic()
        assert press_slider(page, "mn_batch", "ArrowLeft") == "16"  # waits for the page to be idle, checks it
        facts["seconds_widget_change_to_idle_page_during_training"] = round(time.monotonic() - pressed, 1)
        wait_for_epoch(page, before + 1)  # epochs still going up
        assert_clean(page, "after a widget change during a training")
        assert page.locator(PROGRESS).filter(has_text="Epoch").count() == 1
        assert epoch_of(progress_text(page))[1] == 30, progress_text(page)  # the training of the settings at Train
        assert alert_texts(page, "Warning") == [], "a warning after a widget change during a training"
        assert button(page, "mn_stop").is_enabled()
        assert page.locator(".st-key-mn_batch").get_by_role("slider").get_attribute("aria-valuetext") == "16"
        facts["epoch_before_widget_change"] = before
        facts["epoch_after_widget_change"] = epoch_of(progress_text(page))[0]

        # a page switch during the same training: the other page works, and back on /mnist the training is
        # running or finished, with the settings kept
        at_switch = epoch_of(progress_text(page))[0]
        sidebar_link(page, "Softmax output").click()
        page.wait_for_url("**/softmax*", timeout=60_000)
        wait_until_idle(page)
        assert_clean(page, "on /softmax during a training")
        assert page.locator(".st-key-sm_temperature").count() == 1
        assert page.locator(PROGRESS).count() == 0
        page.wait_for_timeout(2000)
        sidebar_link(page, "MNIST MLP").click()
        page.wait_for_url("**/mnist*", timeout=60_000)
        wait_until_idle(page, TRAINING_TIMEOUT)
        assert_clean(page, "back on /mnist during a training")
        settings = {k: page.locator(f".st-key-{k}").get_by_role("slider").get_attribute("aria-valuetext")
                    for k in ("mn_hidden", "mn_batch", "mn_epochs")}
        assert settings == {"mn_hidden": "1", "mn_batch": "16", "mn_epochs": "30"}, settings
        running = page.locator(PROGRESS).filter(has_text="Epoch").count() == 1
        facts["epoch_at_page_switch"] = at_switch
        facts["back_on_mnist"] = progress_text(page) if running else "finished"
        if running:
            assert epoch_of(progress_text(page))[0] >= at_switch
            wait_for_epoch(page, epoch_of(progress_text(page))[0] + 1)  # it goes on
            kept = stop_and_check_kept("after the page switch")
        else:  # it ended while the student was away: all 30 epochs, and one more training to Stop
            assert metric(page, "epochs trained") == "30"
            button(page, "mn_train").click()
            wait_for_epoch(page, 3)
            kept = stop_and_check_kept("of a second training")
        facts["epochs_kept_by_stop"] = kept
        assert page.get_by_text(QUEUE_NOTE).count() == 0
        rss["after the training that went on through a widget change and a page switch"] = server.settled_rss_mb()

        # five more full trainings (1 epoch each): memory does not pile up in the server
        assert press_slider(page, "mn_epochs", "Home") == "1"
        for i in range(5):
            train_to_end(1)
            rss[f"after full training {i + 2}"] = server.rss_mb()
        rss["at the end"] = server.settled_rss_mb()
        tensorflow["at the end"] = server.tensorflow_mapped()
    finally:
        context.close()

    growth = rss["at the end"] - rss["after the first training"]
    results["rss_mb"]["memory test"] = {k: round(v, 1) for k, v in rss.items()}
    results["memory_test"] = {"growth_after_first_training_mb": round(growth, 1), "budget_mb": MEMORY_BUDGET_MB,
                              "tensorflow_files_mapped_in_server": tensorflow, **facts,
                              "full_training_seconds": trainings, "load": machine_load()}
    print("\nserver VmRSS (MB): " + ", ".join(f"{k}: {v:.0f}" for k, v in rss.items()))
    print(f"growth after the first training: {growth:+.1f} MB (budget {MEMORY_BUDGET_MB} MB); {facts}; "
          f"full trainings took {trainings} s; TensorFlow in the server: {tensorflow}; {machine_load()['uptime']}")
    assert all(files == [] for files in tensorflow.values()), f"the server imported TensorFlow: {tensorflow}"
    assert growth <= MEMORY_BUDGET_MB, f"server memory grew {growth:.1f} MB after the first training"


# --- 2. ten sessions at once, against the in-process design and this one ------------------------------------

# (page, slider key): seven sessions moving one slider each; two pages have two sessions
SLIDER_SESSIONS = [
    ("perceptron", "perc_w1"), ("activations", "neuron_w"), ("gradient_descent", "gd1_steps"),
    ("loss_vs_accuracy", "la_current"), ("softmax", "sm_temperature"), ("activations", "chain_depth"),
    ("gradient_descent", "gd3_batch"),
]
# trainers: (seed, hidden layers, epochs) — three different networks and runs
TRAINERS = [(1, 0, 1), (2, 1, 2), (3, 2, 3)]
MIN_PRESSES, MAX_PRESSES = 12, 60
PRESSES_AFTER_TRAINING = 4  # each slider session goes on a little after the trainings: the load without them
# Seconds a slider session waits after each redraw before its next press: a student looks at the chart. 0 (the
# default, every run before the thirty-fourth session): the next press as soon as the last is drawn, so that a
# faster server makes its browsers press more often and load their shared cores more (133 presses against 89 in
# the same time), and the browsers' own queue sets their times. The same pace for both designs.
THINK_S = float(os.environ.get("NNVIZ_LOAD_THINK_S", "0"))

# The press's key went down (a starved browser can dispatch it well after Playwright sent it), a chart shows
# something else than at that moment, the run is over and every chart is drawn. Not "any change after t0": under
# load a late redraw of the press before would end the wait, and the next press, whose figure is the one drawn
# before that press, would then wait for a change that never comes (found in the ten-session test, 2026-12-04).
RERUN_DONE = f"""t0 => {{
    const then = window.__figuresAtKey || [], now = window.__figures();
    const changed = now.length !== then.length || now.some((f, i) => f !== then[i]);
    const app = document.querySelector("[data-testid='stApp']");
    return window.__keyAt >= t0 && changed && app && app.getAttribute('data-test-script-state') === 'notRunning'
        && {CHARTS_DRAWN_JS} ? performance.now() : false;
}}"""
RERUN_STATE = """t0 => ({now: performance.now(), t0, keyAt: window.__keyAt,
    chartsChanged: window.__figures().some((f, i) => f !== (window.__figuresAtKey || [])[i]),
    state: document.querySelector("[data-testid='stApp']").getAttribute('data-test-script-state'),
    states: window.__states.slice(-6), skeletons: document.querySelectorAll("[data-testid='stSkeleton']").length})"""


async def idle(page, timeout: float = PAGE_TIMEOUT) -> None:
    await page.wait_for_timeout(300)
    await page.wait_for_selector(IDLE, timeout=timeout)
    await page.wait_for_function(f"() => {CHARTS_DRAWN_JS}", timeout=timeout)


async def exceptions(page) -> list[str]:
    return await page.locator("[data-testid='stException']").all_inner_texts()


async def a_metric(page, label: str) -> str:
    label_el = page.locator("[data-testid='stMetricLabel']", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    box = page.locator("[data-testid='stMetric']").filter(has=label_el)
    assert await box.count() == 1, f"{await box.count()} metrics labelled {label!r}"
    return (await box.locator("[data-testid='stMetricValue']").inner_text()).strip()


async def a_press(page, key: str, press: str) -> str:
    thumb = page.locator(f".st-key-{key}").get_by_role("slider")
    await thumb.focus()
    await thumb.press(press)
    await idle(page)
    return await thumb.get_attribute("aria-valuetext")


class WsTimes:
    """Server-side rerun times of one page, from its websocket frames as Chromium's network stack timestamps
    them (CDP Network.webSocketFrameSent/Received): from the BackMsg that asks for the rerun leaving the
    browser to the ForwardMsg script_finished arriving. Without the browser's drawing, which on this machine
    shares the 2 cores with the server; with the network (localhost) and the server's queueing."""

    def __init__(self):
        self.reruns: list[float] = []  # timestamps (s) of rerun_script BackMsgs sent
        self.finished: list[float] = []  # timestamps (s) of script_finished ForwardMsgs received
        self.session_id: str | None = None  # the server's AppSession.id, from the NewSession message

    async def attach(self, page) -> None:
        cdp = await page.context.new_cdp_session(page)
        cdp.on("Network.webSocketFrameSent", lambda e: self._frame(e, sent=True))
        cdp.on("Network.webSocketFrameReceived", lambda e: self._frame(e, sent=False))
        await cdp.send("Network.enable")

    def _frame(self, event: dict, sent: bool) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        response = event.get("response", {})
        data = response.get("payloadData", "")
        if not sent and len(data) > 400 and self.session_id is not None:  # a script_finished message is a few
            return  # dozen bytes: skip the deltas
        try:
            raw = base64.b64decode(data) if response.get("opcode") == 2 else data.encode()
            message = (BackMsg if sent else ForwardMsg).FromString(raw)
            kind = message.WhichOneof("type")
        except Exception:  # noqa: BLE001 — not a message of this protocol
            return
        if not sent and kind == "new_session" and self.session_id is None:
            self.session_id = message.new_session.initialize.session_id
        elif sent and kind == "rerun_script":
            self.reruns.append(event["timestamp"])
        elif not sent and kind == "script_finished":
            self.finished.append(event["timestamp"])

    def rerun_seconds(self, marks: list[int]) -> list[float | None]:
        """Server-side times of the reruns asked for after each mark (the count of reruns sent when a key was
        pressed), None for a press whose frames were not seen."""
        out: list[float | None] = []
        for i, mark in enumerate(marks):
            upto = marks[i + 1] if i + 1 < len(marks) else len(self.reruns)
            sent = self.reruns[mark] if upto > mark else None
            done = next((t for t in self.finished if t >= sent), None) if sent is not None else None
            out.append(done - sent if done is not None else None)
        return out


@dataclass(frozen=True)
class Press:
    """One measured key press of a slider session."""

    seconds: float  # key press -> rerun finished and charts drawn, in the browser
    during_training: bool
    mark: int  # rerun requests the session had sent before it (WsTimes)
    at: float  # wall clock (epoch seconds) just before the press


@dataclass
class Session:
    name: str
    page: object = None
    errors: list = field(default_factory=list)
    rerun_s: list[Press] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    ws: WsTimes | None = None


async def open_session(browser, url: str, path: str, name: str, record_ws: bool = False) -> Session:
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
    page = await context.new_page()
    session = Session(name, page)
    page.on("pageerror", lambda e: session.errors.append(str(e)))
    if record_ws:
        session.ws = WsTimes()
        await session.ws.attach(page)
    await page.goto(f"{url}/{path}", timeout=PAGE_TIMEOUT)
    await idle(page)
    await page.evaluate(RECORD_STATES)
    return session


# In the trainer's page, on every change of the page (a one-epoch training can come and go between two polls
# from here, and timers may be throttled): when the first "Epoch" progress and the waiting status appeared
# (and its text), and whether that status was still on the page a second into the session's own training.
WATCH_TRAINING = """waiting => {
    const w = window.__watch = {firstEpoch: null, waiting: null, note: null, waitingDuringTraining: null};
    const observer = new MutationObserver(() => {
        const now = performance.now();
        const bars = [...document.querySelectorAll("[data-testid='stProgress']")];
        const shown = document.body.textContent.includes(waiting);
        if (w.waiting === null && shown) {
            w.waiting = now;
            const box = [...document.querySelectorAll("[data-testid='stMarkdownContainer']")]
                .find(e => e.textContent.includes(waiting));
            w.note = box ? box.textContent : null;
        }
        if (w.firstEpoch === null && bars.some(b => b.textContent.includes('Epoch'))) w.firstEpoch = now;
        if (w.firstEpoch !== null && now - w.firstEpoch > 1000) {
            w.waitingDuringTraining = shown && bars.length > 0;
            observer.disconnect();
        }
    });
    observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


async def set_up_trainer(page, seed: int, hidden: int, epochs: int) -> str:
    """Seed, hidden layers and epochs on the MNIST page; returns the parameter count it shows."""
    from nnviz import mlp as nn

    field_ = page.locator(".st-key-mn_seed input")
    await field_.fill(str(seed))
    await field_.press("Enter")
    await idle(page)
    assert await a_press(page, "mn_hidden", "Home") == "0"
    for _ in range(hidden):
        await a_press(page, "mn_hidden", "ArrowRight")
    if epochs == 30:
        assert await a_press(page, "mn_epochs", "End") == "30"
    else:
        assert await a_press(page, "mn_epochs", "Home") == "1"
        for _ in range(epochs - 1):
            await a_press(page, "mn_epochs", "ArrowRight")
    assert await page.locator(".st-key-mn_hidden").get_by_role("slider").get_attribute("aria-valuetext") == str(hidden)
    assert await page.locator(".st-key-mn_epochs").get_by_role("slider").get_attribute("aria-valuetext") == str(epochs)
    assert await field_.input_value() == str(seed)
    units = (128, 64)[:hidden]  # the page's default units
    params = f"{nn.parameter_count(nn.MLPConfig(hidden_units=units, epochs=epochs, seed=seed)):,}"
    assert await a_metric(page, "trainable parameters (as model.summary() reports them)") == params
    return params


async def until_trained(session: Session, since: float, each_poll=None) -> None:
    """Until the page shows a (newly) trained network and has settled after its st.rerun; fails at once on
    an exception. ``each_poll``: a coroutine function awaited at every poll meanwhile."""
    page = session.page
    timeout_s = TRAINING_TIMEOUT / 1000
    accuracy_label = page.locator("[data-testid='stMetricLabel']", has_text=re.compile(r"^\s*test accuracy\s*$"))
    while not (await accuracy_label.count() and await page.evaluate(SETTLED, SETTLE_MS)):
        if each_poll is not None:
            await each_poll()
        shown = await exceptions(page)
        if shown:  # fail now, not after minutes
            raise AssertionError(f"{session.name}: exception while training: {shown}")
        if time.monotonic() - since > timeout_s:
            raise AssertionError(f"{session.name}: no trained network {timeout_s:.0f} s after the click; "
                                 f"{await page.evaluate('() => window.__watch || null')}")
        await page.wait_for_timeout(250)


async def trainer(session: Session, seed: int, hidden: int, epochs: int, everyone_ready: asyncio.Barrier,
                  training: dict, design: Design) -> None:
    page = session.page
    params = await set_up_trainer(page, seed, hidden, epochs)
    units = (128, 64)[:hidden]

    await page.evaluate(WATCH_TRAINING, design.waiting_text)
    await everyone_ready.wait()
    clicked = time.monotonic()
    training["running"] += 1
    try:
        t0 = await page.evaluate("() => performance.now()")
        await page.locator(".st-key-mn_train button:visible").click()
        screenshot = []

        async def picture_of_the_waiting_status():  # the first time it is on the page
            if not screenshot and await page.get_by_text(design.waiting_text).count():
                screenshot.append(True)
                try:
                    await page.get_by_text(design.waiting_text).first.scroll_into_view_if_needed(timeout=2000)
                    await page.screenshot(path=str(SCREENSHOTS / f"load_{'old' if design.workers == 1 else 'new'}_"
                                                                 f"{session.name.replace(' ', '_')}_waiting.png"))
                except Exception as exc:  # noqa: BLE001 — the wait may just have ended
                    print(f"{session.name}: no screenshot of the waiting status ({type(exc).__name__})")

        # done: the evaluation is shown (a fresh session had none) and the page has settled after st.rerun
        await until_trained(session, clicked, picture_of_the_waiting_status)
        done = time.monotonic()
        watch = await page.evaluate("() => window.__watch")
    finally:
        training["running"] -= 1
        training["finished"] += 1
    # a short training may end before the browser ever draws its progress bar (seen for 1 epoch without hidden layer)
    to_first_epoch = round((watch["firstEpoch"] - t0) / 1000, 1) if watch["firstEpoch"] is not None else None

    # this session's own network and numbers, not another's
    assert await exceptions(page) == [], f"{session.name}: exception after training"
    assert await a_metric(page, "epochs trained") == str(epochs), f"{session.name}: epochs trained"
    assert await a_metric(page, "trainable parameters (as model.summary() reports them)") == params
    accuracy = await a_metric(page, "test accuracy")
    curves = await page.locator(".st-key-mn_curves .js-plotly-plot").evaluate(
        "gd => gd._fullData.map(t => ({name: t.name, n: t._length}))")
    assert [c["n"] for c in curves if c["name"].startswith("this run") and c["name"].endswith(": validation")] \
        == [epochs, epochs], curves
    if hidden:
        assert await page.get_by_text(f"first 16 of its {units[0]} units").count() == 1
    else:
        assert await page.get_by_text("With no hidden layer each output unit is one template").count() == 1
    session.info = {"seed": seed, "hidden_layers": hidden, "epochs": epochs, "parameters": params,
                    "test_accuracy": accuracy, "saw_waiting_status": watch["waiting"] is not None,
                    "waiting_status": " ".join((watch["note"] or "").split()) or None,
                    "waiting_status_shown_during_own_training": bool(watch["waitingDuringTraining"]),
                    "seconds_click_to_first_epoch": to_first_epoch,
                    "seconds_click_to_done": round(done - clicked, 1), "clicked_at": clicked}


async def measured_press(page, thumb, press: str) -> float:
    """Press a key on a slider thumb; seconds until the rerun it caused is finished and its charts drawn."""
    t0 = await page.evaluate("() => performance.now()")
    await thumb.focus()
    await thumb.press(press)
    try:
        handle = await page.wait_for_function(RERUN_DONE, arg=t0, timeout=PAGE_TIMEOUT, polling=50)
    except Exception as exc:
        raise AssertionError(f"{press}: no finished rerun; {await page.evaluate(RERUN_STATE, t0)}") from exc
    return (await handle.json_value() - t0) / 1000


async def alone(session: Session, key: str, presses: int = 6) -> list[float]:
    """Rerun times of one session while the nine others are open but idle: the reference for "under load"."""
    thumb = session.page.locator(f".st-key-{key}").get_by_role("slider")
    return [await measured_press(session.page, thumb, "ArrowRight" if i % 2 == 0 else "ArrowLeft")
            for i in range(presses)]


async def slider_mover(session: Session, key: str, everyone_ready: asyncio.Barrier, training: dict,
                       others: list[str], trainers: int) -> None:
    page = session.page
    thumb = page.locator(f".st-key-{key}").get_by_role("slider")
    start_value = await thumb.get_attribute("aria-valuetext")
    others_before = {k: await page.locator(f".st-key-{k}").get_by_role("slider").get_attribute("aria-valuetext")
                     for k in others}
    seen: list[str] = []
    await everyone_ready.wait()
    await page.wait_for_timeout(500)  # the trainers' clicks first
    presses, after_training = 0, 0
    while presses < MAX_PRESSES and (presses < MIN_PRESSES or after_training < PRESSES_AFTER_TRAINING):
        if training["finished"] == trainers:
            after_training += 1
        press = "ArrowRight" if presses % 2 == 0 else "ArrowLeft"
        during_training = training["running"] > 0
        mark, at = len(session.ws.reruns) if session.ws else 0, time.time()
        session.rerun_s.append(Press(await measured_press(page, thumb, press), during_training, mark, at))
        seen.append(await thumb.get_attribute("aria-valuetext"))
        presses += 1
        if THINK_S:
            await page.wait_for_timeout(THINK_S * 1000)
    assert await exceptions(page) == [], f"{session.name}: exception"
    # its own slider went back and forth between its own two values; the other session's slider is untouched
    assert seen[1::2] == [start_value] * len(seen[1::2]), f"{session.name}: {seen}"
    assert len(set(seen[0::2])) == 1 and seen[0] != start_value, f"{session.name}: {seen}"
    for k, before in others_before.items():
        after = await page.locator(f".st-key-{k}").get_by_role("slider").get_attribute("aria-valuetext")
        assert after == before, f"{session.name}: slider {k} changed from {before} to {after} without a press"
    session.info = {"presses": presses, "values": sorted(set(seen))}


async def warm_up(browser, url: str) -> float:
    """Two small trainings at once before the measured scenario, so that TensorFlow is loaded where the design
    runs it (in the old server itself; in both of the new server's workers) and both designs start warm, as in
    the middle of a lecture. Each page of the slider sessions is visited once first, for the same reason (a
    first visit imports what the page needs: seconds of a server's CPU). Returns the seconds it took."""
    started = time.monotonic()
    for path in sorted({p_ for p_, _ in SLIDER_SESSIONS}):
        visit = await open_session(browser, url, path, f"warm-up visit of {path}")
        await visit.page.context.close()
    sessions = await asyncio.gather(*(open_session(browser, url, "mnist", f"warm-up {i + 1}") for i in range(2)))
    try:
        for s in sessions:
            await set_up_trainer(s.page, 0, 0, 1)
        clicked = time.monotonic()
        await asyncio.gather(*(s.page.locator(".st-key-mn_train button:visible").click() for s in sessions))
        await asyncio.gather(*(until_trained(s, clicked) for s in sessions))
        for s in sessions:
            assert await exceptions(s.page) == [] and s.errors == [], f"{s.name}: {s.errors}"
    finally:
        for s in sessions:
            await s.page.context.close()
    return time.monotonic() - started


# In a lecture the ten browsers run on ten students' machines; here they share the server's two cores and take
# most of them. Run at the lowest priority they still draw every page, while the server (and, at their own
# nice level, the workers) get the CPU they would have in a real class. Both designs are measured this way.
BROWSER_NICE = int(os.environ.get("NNVIZ_LOAD_BROWSER_NICE", "19"))
# Niceness alone does not keep the browsers from the server: with two workers training at nice 10 the niced
# browsers got so little CPU that they set the slider sessions' times in both designs (p95 ratio x1.00 while the
# server-side p95 was x0.60). So, for the ten-session scenario, the server and everything it starts (workers,
# TensorFlow's threads) run on core 0 and the browsers with their Playwright driver on the other cores: the server
# gets one core of its own, as on a machine of its own, and the browsers can no longer take it or be starved by
# it. NNVIZ_LOAD_SPLIT_CPUS=0 shares all cores as the first runs did.
ALL_CPUS = set(range(os.cpu_count() or 1))
SPLIT_CPUS = os.environ.get("NNVIZ_LOAD_SPLIT_CPUS", "0") == "1" and len(ALL_CPUS) >= 2
SERVER_CPUS, BROWSER_CPUS = {0}, ALL_CPUS - {0}


def process_tree(pid: int) -> list[int]:
    """``pid`` and every live process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(p) for p in children.read_text().split())
            except OSError:  # the thread ended meanwhile
                pass
    return found


def pin(pids: list[int], cpus: set[int]) -> None:
    """Every thread of ``pids`` onto ``cpus`` (threads and processes they start later inherit it)."""
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                os.sched_setaffinity(int(task.name), cpus)
            except OSError:  # ended meanwhile
                pass


@contextlib.contextmanager
def server_on_its_own_core(server: Server):
    """The server's process tree on SERVER_CPUS for the block (when SPLIT_CPUS), all cores again after it."""
    if not SPLIT_CPUS:
        yield
        return
    pin(process_tree(server.proc.pid), SERVER_CPUS)
    try:
        yield
    finally:
        pin(process_tree(server.proc.pid), ALL_CPUS)


def low_priority_chromium() -> str:
    """A wrapper that starts Chromium at niceness BROWSER_NICE (Playwright takes an executable path).

    Run as root, Chromium raises its own priority: under a plain `nice -n 19` its browser and GPU processes ran at
    nice -8 and its renderers at 0 and 5 (seen in `ps` during the ten-session test, 2026-12-06), above the server
    and the workers the niceness was to leave the CPU to. Without CAP_SYS_NICE (setpriv takes it away, for Chromium
    and all it starts) it cannot: every process stays at BROWSER_NICE or below it (chromium_nice_levels)."""
    wrapper = ARTIFACTS / "chromium-nice.sh"
    keep_low = "setpriv --inh-caps=-sys_nice --bounding-set=-sys_nice " if shutil.which("setpriv") else ""
    wrapper.write_text(f'#!/bin/sh\nexec {keep_low}nice -n {BROWSER_NICE} {chromium_path()} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def chromium_nice_levels() -> dict[int, int]:
    """Niceness -> number of Chromium processes running now (from /proc)."""
    levels: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        stat = proc_stat(int(entry.name)) if entry.name.isdigit() else None  # None too if it ended meanwhile
        if stat and stat[0].startswith("chromium"):
            nice = int(stat[1][16])  # proc(5)'s field 19
            levels[nice] = levels.get(nice, 0) + 1
    return levels


async def ten_sessions(url: str, design: Design) -> tuple[list[Session], list[float], float, dict[int, int]]:
    from playwright.async_api import async_playwright

    if SPLIT_CPUS:  # this thread starts the Playwright driver, which starts Chromium: both inherit it
        os.sched_setaffinity(0, BROWSER_CPUS)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=low_priority_chromium() if BROWSER_NICE else chromium_path(),
                                          headless=True, args=CHROMIUM_FLAGS)
        try:
            warm_up_s = await warm_up(browser, url)
            names = [f"trainer {i + 1}" for i in range(len(TRAINERS))] + [f"{p_}:{k}" for p_, k in SLIDER_SESSIONS]
            paths = ["mnist"] * len(TRAINERS) + [p_ for p_, _ in SLIDER_SESSIONS]
            sessions = await asyncio.gather(*(open_session(browser, url, path, name, record_ws=i >= len(TRAINERS))
                                              for i, (path, name) in enumerate(zip(paths, names))))
            baseline = await alone(sessions[len(TRAINERS)], SLIDER_SESSIONS[0][1])
            everyone_ready = asyncio.Barrier(len(sessions))
            training = {"running": 0, "finished": 0}

            async def guarded(coro):
                try:
                    return await coro
                except BaseException:
                    await everyone_ready.abort()  # the others must not wait for a session that failed
                    raise

            jobs = [trainer(s, *settings, everyone_ready, training, design)
                    for s, settings in zip(sessions, TRAINERS)]
            for s, (path, key) in zip(sessions[len(TRAINERS):], SLIDER_SESSIONS):
                others = [k for p_, k in SLIDER_SESSIONS if p_ == path and k != key]
                jobs.append(slider_mover(s, key, everyone_ready, training, others, len(TRAINERS)))
            outcomes = await asyncio.gather(*map(guarded, jobs), return_exceptions=True)
            failures = [f"{s.name}: {type(o).__name__}: {o}" for s, o in zip(sessions, outcomes)
                        if isinstance(o, BaseException)]
            tag = "old" if design.workers == 1 else "new"
            for s in sessions:
                s.exceptions = await exceptions(s.page)
                try:
                    name = re.sub(r"[^a-z0-9]+", "_", s.name)
                    await s.page.screenshot(path=str(SCREENSHOTS / f"load_{tag}_{name}.png"))
                except Exception as exc:  # noqa: BLE001 — a screenshot is a nicety
                    print(f"no screenshot of {s.name}: {exc}")
            assert not failures, f"{design.name}: sessions failed:\n" + "\n".join(failures)
            return sessions, baseline, warm_up_s, chromium_nice_levels()
        finally:
            await browser.close()


def in_server_seconds(run_log: list[dict], session_id: str | None, pressed_at: list[float]) -> list[float | None]:
    """Per key press of one session, the time inside the server from the rerun request's arrival to the end of
    the script run that answered it (None if the log has none): the first request of that session after the
    press and the first run of the session that started after the request. Timestamps of the server's own clock,
    so the browsers' share of the CPU does not enter, nor does the browser's drawing."""
    requests = sorted(line["request"] for line in run_log if line.get("session") == session_id and "request" in line)
    runs = sorted((line["start"], line["end"]) for line in run_log
                  if line.get("session") == session_id and "start" in line)
    out: list[float | None] = []
    for at in pressed_at:
        request = next((r for r in requests if r >= at), None)
        end = next((e for s_, e in runs if s_ >= request), None) if request is not None else None
        out.append(end - request if end is not None else None)
    return out


def in_own_thread(fn, *args):
    """Run ``fn(*args)`` in a fresh thread: the async Playwright must not share the sync one's thread."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 — handed back to the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="ten-sessions")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def ten_session_scenario(server: Server, design: Design) -> dict:
    """The ten sessions against ``server``; checks what holds in every design, returns the figures."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    load_before = machine_load()
    rss_before = server.rss_mb()
    started = time.monotonic()
    cpu_before = cpu_ticks(server.proc.pid)
    with WorkerWatch(server) as workers, server_on_its_own_core(server):
        sessions, baseline, warm_up_s, browser_nice_seen = in_own_thread(lambda: asyncio.run(ten_sessions(server.url, design)))
    seconds = time.monotonic() - started
    # CPU the server process itself used in the scenario (with the in-process design: the trainings as well)
    server_cpu_s = ((cpu_ticks(server.proc.pid) or 0) - (cpu_before or 0)) / os.sysconf("SC_CLK_TCK")
    rss_after = server.settled_rss_mb()

    for s in sessions:
        assert s.exceptions == [], f"{design.name}, {s.name}: exception box {s.exceptions}"
        assert s.errors == [], f"{design.name}, {s.name}: JavaScript errors {s.errors}"
    assert server.alive() and server.healthy(), design.name

    trainers = [s.info for s in sessions[:len(TRAINERS)]]
    first_click = min(t["clicked_at"] for t in trainers)
    for t in trainers:
        t["clicked_at"] = round(t["clicked_at"] - first_click, 2)
    # more trainings than slots: the queue was visible to somebody, and somebody started without waiting
    # (nothing left over from the warm-up or earlier tests held a slot)
    waited = sum(t["saw_waiting_status"] for t in trainers)
    assert 1 <= waited <= len(trainers) - 1, (design.name, trainers)

    sliders = sessions[len(TRAINERS):]
    times = [p.seconds for s in sliders for p in s.rerun_s]
    during = [p.seconds for s in sliders for p in s.rerun_s if p.during_training]
    idle_times = [p.seconds for s in sliders for p in s.rerun_s if not p.during_training]
    server_side, server_side_during = [], []
    for s in sliders:
        for press, t in zip(s.rerun_s, s.ws.rerun_seconds([p.mark for p in s.rerun_s])):
            if t is not None:
                server_side.append(t)
                if press.during_training:
                    server_side_during.append(t)
    run_log = server.run_log()
    in_server, in_server_during, unmatched = [], [], 0
    for s in sliders:
        for press, t in zip(s.rerun_s, in_server_seconds(run_log, s.ws.session_id, [p.at for p in s.rerun_s])):
            if t is None:
                unmatched += 1
                continue
            in_server.append(t)
            if press.during_training:
                in_server_during.append(t)
    # every press found in the server's log: otherwise the in-server figures would leave out the ones it missed
    assert unmatched == 0 and len(in_server) == len(times), (design.name, unmatched, len(in_server), len(times))
    figures = {"alone_median_s": round(statistics.median(baseline), 3), "alone_max_s": round(max(baseline), 3),
               "reruns": len(times), "median_s": round(statistics.median(times), 3),
               "p95_s": round(percentile(times, 0.95), 3), "max_s": round(max(times), 3),
               "during_training": summary(during), "without_training": summary(idle_times),
               "server_side": summary(server_side), "server_side_during_training": summary(server_side_during),
               "in_server": summary(in_server), "in_server_during_training": summary(in_server_during)}
    per_session = {s.name: {"presses": len(s.rerun_s),
                            "median_s": round(statistics.median([p.seconds for p in s.rerun_s]), 3),
                            "max_s": round(max(p.seconds for p in s.rerun_s), 3)} for s in sliders}
    out = {"design": design.name, "rerun": figures, "per_slider_session": per_session, "trainers": trainers,
           "trainers_who_waited": waited, "server_processes": workers.figures(),
           "tensorflow_files_mapped_in_server": len(server.tensorflow_mapped()),
           "rss_mb": {"before": round(rss_before, 1), "after": round(rss_after, 1)},
           "server_process_cpu_s": round(server_cpu_s, 1), "worker_cpu_s": round(workers.cpu_s, 1),
           "cpus": ({"server": sorted(SERVER_CPUS), "browsers": sorted(BROWSER_CPUS)} if SPLIT_CPUS
                    else f"shared ({len(ALL_CPUS)})"), "browser_nice": BROWSER_NICE,
           "chromium_processes_by_nice": browser_nice_seen, "think_s": THINK_S,
           "seconds": round(seconds, 1), "warm_up_seconds": round(warm_up_s, 1),
           "load_before": load_before, "load_after": machine_load(),
           "all_rerun_s": [round(t, 3) for t in times], "all_server_side_s": [round(t, 3) for t in server_side],
           "all_in_server_s": [round(t, 3) for t in in_server]}
    print(f"\n[{design.name}] reruns under load: {figures}")
    for name, f in per_session.items():
        print(f"  {name}: {f}")
    for t in trainers:
        print(f"  trainer: {t}")
    print(f"  server processes: {workers.figures()}; CPU: server {server_cpu_s:.0f} s, workers {workers.cpu_s:.0f} s; "
          f"server VmRSS {rss_before:.0f} -> {rss_after:.0f} MB; "
          f"{seconds:.0f} s; load before: {load_before['uptime']}; after: {out['load_after']['uptime']}")
    if design is WORKERS:  # the in-process design is the reference: whatever it gives is its figure
        assert figures["p95_s"] < RERUN_P95_BOUND_S, f"{design.name}: p95 rerun {figures['p95_s']} s under load"
    return out


@pytest.fixture()
def in_process_server():
    """A server of the in-process design: `streamlit run` in a detached worktree of 7afc533 (removed after)."""
    have = subprocess.run(["git", "cat-file", "-e", f"{IN_PROCESS_COMMIT}^{{commit}}"], cwd=ROOT, check=False,
                          capture_output=True)
    if have.returncode:
        pytest.fail(f"commit {IN_PROCESS_COMMIT} is not in this clone: the comparison needs the full history "
                    "(git fetch --unshallow)")
    tree = Path(tempfile.mkdtemp(prefix="nnviz-in-process-")) / "nnviz"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), IN_PROCESS_COMMIT], cwd=ROOT, check=True,
                   capture_output=True)
    log = ARTIFACTS / f"load_server_{IN_PROCESS_COMMIT}.log"
    log.write_text("")
    srv = Server(tree, log)
    try:
        srv.start()
        srv.mark_log()
        yield srv
        srv.stop()
    finally:
        if srv.proc is not None and srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait(timeout=15)
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False, capture_output=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=False, capture_output=True)
        shutil.rmtree(tree.parent, ignore_errors=True)


def test_ten_sessions_three_training_seven_moving_sliders(in_process_server, watched, results):
    """The same scenario against the in-process design, then against this one, back to back."""
    old = ten_session_scenario(in_process_server, IN_PROCESS)
    old_log = in_process_server.new_log()
    old["server_log_lines_of_concern"] = log_problems(old_log)[:20]
    results["ten_sessions"] = {"in_process": old}
    assert "Traceback" not in old_log, f"the in-process server logged a traceback; see {in_process_server.log}"
    # the check the memory test relies on finds TensorFlow where it is imported
    assert old["tensorflow_files_mapped_in_server"] > 0, "TensorFlow not found in the in-process server's maps"
    assert not any(t["waiting_status_shown_during_own_training"] for t in old["trainers"]), old["trainers"]

    server = watched
    new = ten_session_scenario(server, WORKERS)
    def p95_ratio(kind: str) -> float | None:
        new_p95, old_p95 = new["rerun"][kind].get("p95_s"), old["rerun"][kind].get("p95_s")
        return round(new_p95 / old_p95, 3) if new_p95 is not None and old_p95 else None

    ratio = round(new["rerun"]["p95_s"] / old["rerun"]["p95_s"], 3)
    results["ten_sessions"].update({"workers": new, "comparison": {
        "bound": P95_RATIO_BOUND,
        "in_server_p95_in_process_s": old["rerun"]["in_server"].get("p95_s"),
        "in_server_p95_workers_s": new["rerun"]["in_server"].get("p95_s"),
        "in_server_p95_ratio": p95_ratio("in_server"),
        "browser_p95_in_process_s": old["rerun"]["p95_s"], "browser_p95_workers_s": new["rerun"]["p95_s"],
        "browser_p95_ratio": ratio,
        "websocket_p95_in_process_s": old["rerun"]["server_side"].get("p95_s"),
        "websocket_p95_workers_s": new["rerun"]["server_side"].get("p95_s"),
        "websocket_p95_ratio": p95_ratio("server_side")}})
    print(f"\nslider sessions' p95 rerun in the server: in-process {old['rerun']['in_server'].get('p95_s')} s, "
          f"workers {new['rerun']['in_server'].get('p95_s')} s (x{p95_ratio('in_server')}, bound x{P95_RATIO_BOUND}); "
          f"in the browsers: {old['rerun']['p95_s']} s vs {new['rerun']['p95_s']} s (x{ratio}); websocket frames: "
          f"{old['rerun']['server_side'].get('p95_s')} s vs {new['rerun']['server_side'].get('p95_s')} s")

    # this design: no TensorFlow in the server, two workers at most, the queue note as the issue words it,
    # never the old status
    assert new["tensorflow_files_mapped_in_server"] == 0, "the server imported TensorFlow"
    assert new["server_processes"]["workers_at_most"] <= WORKERS.workers, new["server_processes"]
    for t in new["trainers"]:
        if t["saw_waiting_status"]:
            assert t["waiting_status"] and QUEUE_NOTE_RE.search(t["waiting_status"]), t
        assert not t["waiting_status_shown_during_own_training"], t
    in_server_ratio = p95_ratio("in_server")
    assert in_server_ratio is not None and in_server_ratio <= P95_RATIO_BOUND, (
        f"slider p95 rerun in the server with workers {new['rerun']['in_server'].get('p95_s')} s is "
        f"x{in_server_ratio} the in-process design's {old['rerun']['in_server'].get('p95_s')} s "
        f"(bound x{P95_RATIO_BOUND})")


# --- 3. kill -9 of a worker in the middle of a training, with other sessions at work ---------------------------

EPOCH_AT_LEAST = """n => [...document.querySelectorAll("[data-testid='stProgress']")]
    .some(b => { const m = b.innerText.match(/Epoch (\\d+)\\//); return m && +m[1] >= n; })"""
PROGRESS_TEXT = """() => { const b = document.querySelector("[data-testid='stProgress']"); return b ? b.innerText : ''; }"""
# Everything alarming that ever appears on a page (a session that must not notice the kill): error boxes,
# exception boxes, the queue note.
WATCH_ALARMS = f"""() => {{
    window.__alarms = [];
    new MutationObserver(() => {{
        const found = [...document.querySelectorAll(
            "[data-testid='stAlertContentError'], [data-testid='stException']")].map(e => e.innerText);
        if (document.body.textContent.includes({json.dumps(QUEUE_NOTE)})) found.push('queue note');
        for (const f of found) if (!window.__alarms.includes(f)) window.__alarms.push(f);
    }}).observe(document.body, {{childList: true, subtree: true, characterData: true}});
}}"""


async def epoch_shown(page) -> tuple[int, int]:
    return epoch_of(await page.evaluate(PROGRESS_TEXT))


async def busiest_worker(server: Server, seconds: float = 2.0) -> tuple[int, dict]:
    """The worker that used the most CPU over ``seconds`` (the one training), and every worker's ticks."""
    pids = server.workers()
    assert pids, "the server has no worker process while a training runs"
    before = {p: cpu_ticks(p) or 0 for p in pids}
    await asyncio.sleep(seconds)
    used = {p: (cpu_ticks(p) or 0) - before[p] for p in pids}
    return max(used, key=used.get), used


async def a_worker_dies(server: Server) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        try:
            victim, other, mover = await asyncio.gather(
                open_session(browser, server.url, "mnist", "victim"),
                open_session(browser, server.url, "mnist", "other trainer"),
                open_session(browser, server.url, "perceptron", "slider"))
            sessions = (victim, other, mover)
            await set_up_trainer(victim.page, 0, 1, 30)
            # batch size 8 (438 batches an epoch): the victim is still mid-way when the other training has
            # started, even if that one waits long for a worker to load TensorFlow on a busy machine
            assert await a_press(victim.page, "mn_batch", "Home") == "1"
            assert await a_press(victim.page, "mn_batch", "ArrowRight") == "8"
            await set_up_trainer(other.page, 2, 1, 30)
            facts: dict = {"workers_before": server.workers()}

            # the slider session moves its slider all along; each rerun is timed
            moving = asyncio.Event()
            killed_at: list[float] = []
            moves: list[tuple[float, bool]] = []  # (seconds, after the kill?)

            async def move_slider() -> None:
                thumb = mover.page.locator(".st-key-perc_w1").get_by_role("slider")
                while not moving.is_set():
                    press = "ArrowRight" if len(moves) % 2 == 0 else "ArrowLeft"
                    moves.append((await measured_press(mover.page, thumb, press), bool(killed_at)))

            slider_task = asyncio.create_task(move_slider())
            try:
                # the victim trains alone first, so that its worker is the one using the CPU
                await victim.page.locator(".st-key-mn_train button:visible").click()
                await victim.page.wait_for_function(EPOCH_AT_LEAST, arg=3, timeout=TRAINING_TIMEOUT)  # 2 epochs done
                pid, used = await busiest_worker(server)
                facts["cpu_ticks_over_2_s"] = used
                # the other session starts its training (on the other worker) and is under way
                other_clicked = time.monotonic()
                await other.page.locator(".st-key-mn_train button:visible").click()
                await other.page.wait_for_function(EPOCH_AT_LEAST, arg=1, timeout=TRAINING_TIMEOUT)
                shown, _ = await epoch_shown(victim.page)
                facts["workers_at_the_kill"] = server.workers()
                for s in (other, mover):  # from here on, nothing alarming may appear on their pages
                    await s.page.evaluate(WATCH_ALARMS)
                os.kill(pid, signal.SIGKILL)
                killed_at.append(time.monotonic())
                facts["killed_worker"] = pid
                facts["victim_epoch_shown_at_the_kill"] = shown

                # the victim is told, and keeps its last completed epoch
                error = victim.page.locator("[data-testid='stAlertContentError']").filter(
                    has_text="The training did not finish")
                await error.wait_for(timeout=60_000)
                facts["seconds_kill_to_message"] = round(time.monotonic() - killed_at[0], 1)
                await victim.page.wait_for_function(SETTLED, arg=SETTLE_MS, timeout=PAGE_TIMEOUT, polling=100)
                assert await exceptions(victim.page) == [], "victim: exception after the kill"
                kept = int(await a_metric(victim.page, "epochs trained"))
                message = " ".join((await error.inner_text()).split())
                facts["epochs_kept"], facts["message"] = kept, message
                assert message == KILLED.format(n=kept), message
                assert shown - 1 <= kept < 30, (shown, kept)
                await a_metric(victim.page, "test accuracy")  # the kept network is evaluated
                assert pid not in server.workers(), "the killed worker is still a (live) child of the server"
                await error.scroll_into_view_if_needed()
                await victim.page.screenshot(path=str(SCREENSHOTS / "load_kill_victim_message.png"))

                # Continue trains on from the kept epoch, in a new worker while the other training runs
                cont = victim.page.locator(".st-key-mn_continue button:visible")
                assert (await cont.inner_text()).strip() == "Continue training (+30 epochs)"
                assert await cont.is_enabled()
                other_running = await other.page.locator(PROGRESS).filter(has_text="Epoch").count() == 1
                await cont.click()
                await victim.page.wait_for_function(EPOCH_AT_LEAST, arg=kept + 1, timeout=TRAINING_TIMEOUT)
                epoch, last_epoch = await epoch_shown(victim.page)
                assert last_epoch == kept + 30 and epoch > kept, (epoch, last_epoch, kept)
                facts["workers_after_continue"] = server.workers()
                facts["other_training_running_at_continue"] = other_running
                new_workers = set(facts["workers_after_continue"]) - set(facts["workers_at_the_kill"])
                if other_running:  # the only other worker was busy: the pool started one for Continue
                    assert new_workers, facts
                assert await victim.page.locator("[data-testid='stAlertContentError']").count() == 0
                await victim.page.wait_for_function(EPOCH_AT_LEAST, arg=kept + 2, timeout=TRAINING_TIMEOUT)
                await victim.page.locator(".st-key-mn_stop button:visible").click()
                await until_trained(victim, time.monotonic())
                trained_on = int(await a_metric(victim.page, "epochs trained"))
                facts["epochs_after_continue_and_stop"] = trained_on
                assert kept + 1 <= trained_on < kept + 30, (kept, trained_on)
                warnings = [" ".join(t.split()) for t in
                            await victim.page.locator("[data-testid='stAlertContentWarning']").all_inner_texts()]
                assert any(stopped_by_stop(trained_on).search(w) for w in warnings), warnings
                assert await victim.page.locator("[data-testid='stAlertContentError']").count() == 0

                # the other training never noticed: it ends normally, with its 30 epochs
                await until_trained(other, other_clicked)
                assert await a_metric(other.page, "epochs trained") == "30"
                await a_metric(other.page, "test accuracy")
                facts["other_seconds_click_to_done"] = round(time.monotonic() - other_clicked, 1)
                for s in (other, mover):
                    facts[f"{s.name}: alarms seen"] = await s.page.evaluate("() => window.__alarms")
                    assert facts[f"{s.name}: alarms seen"] == [], (s.name, facts)
                assert await other.page.locator("[data-testid='stAlertContentWarning']").count() == 0
            finally:
                moving.set()
                await asyncio.gather(slider_task, return_exceptions=True)
            await slider_task  # its failure, if any (a rerun that never finished)
            after = [t for t, late in moves if late]
            facts["slider_reruns"] = {"before_the_kill": summary([t for t, late in moves if not late]),
                                      "after_the_kill": summary(after)}
            assert len(after) >= 3, facts["slider_reruns"]
            for s in sessions:
                assert await exceptions(s.page) == [], f"{s.name}: exception box"
                assert s.errors == [], f"{s.name}: JavaScript errors {s.errors}"
                await s.page.screenshot(path=str(SCREENSHOTS / f"load_kill_{s.name.replace(' ', '_')}.png"))
            return facts
        finally:
            await browser.close()


def test_a_worker_killed_mid_training_fails_only_its_own_training(watched, results):
    server = watched
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    load_before = machine_load()
    started = time.monotonic()
    facts = in_own_thread(lambda: asyncio.run(a_worker_dies(server)))
    facts.update({"seconds": round(time.monotonic() - started, 1), "load_before": load_before,
                  "load_after": machine_load(), "workers_at_the_end": server.workers(),
                  "tensorflow_files_mapped_in_server": server.tensorflow_mapped()})
    results["worker_killed"] = facts
    print(f"\nkill -9 of a worker mid-training: {json.dumps(facts, default=str)}")
    assert len(facts["workers_at_the_end"]) <= WORKERS.workers, facts
    assert facts["tensorflow_files_mapped_in_server"] == [], facts
    assert server.alive() and server.healthy()


# --- 3. bad uploads ------------------------------------------------------------------------------------------


def digit_png(side: int, mode: str) -> bytes:
    """A "7" drawn in black on white ("L"), or on a transparent background ("RGBA"), as PNG bytes."""
    from PIL import Image, ImageDraw

    img = Image.new(mode, (side, side), 255 if mode == "L" else (0, 0, 0, 0))
    ink = 0 if mode == "L" else (20, 20, 20, 255)
    draw = ImageDraw.Draw(img)
    width = max(2, side // 12)
    draw.line([(0.25 * side, 0.2 * side), (0.75 * side, 0.2 * side), (0.45 * side, 0.85 * side)],
              fill=ink, width=width, joint="curve")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def noise_png(megabytes: float) -> bytes:
    """A real PNG of random pixels, about ``megabytes`` MB (random data does not compress)."""
    import numpy as np
    from PIL import Image

    side = int((megabytes * 2**20 / 3) ** 0.5)
    pixels = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="PNG", compress_level=1)
    return out.getvalue()


def test_bad_uploads_get_a_clear_message_and_good_ones_a_prediction(browser, watched, results):
    from PIL import Image

    server = watched
    one_pixel = io.BytesIO()
    Image.new("L", (1, 1), 255).save(one_pixel, format="PNG")
    huge = noise_png(21)
    assert len(huge) > 20 * 2**20
    cases = [  # name, bytes, expected: an app error with this text / "uploader" refuses it / "prediction"
        ("digit.png", b"this is not a picture at all\n" * 40, "not a picture that can be read"),
        ("digit.png", b"", "The file is empty (0 bytes)"),
        ("huge_digit.png", huge, "uploader"),
        ("tiny.png", one_pixel.getvalue(), "only 1×1 pixels"),
        ("big_5000.png", digit_png(5000, "L"), "prediction"),
        ("transparent.png", digit_png(280, "RGBA"), "prediction"),
        ("grey.png", digit_png(200, "L"), "prediction"),
    ]
    context, page = open_mnist(browser, server.url)
    uploader = page.locator(".st-key-mn_upload")
    chips = uploader.locator("[data-testid='stFileChip']")
    errors = page.locator("[data-testid='stAlertContentError']")
    said = page.locator("[data-testid='stMetric']").filter(has_text="the network says")
    seen: dict[str, dict] = {}
    try:
        assert press_slider(page, "mn_hidden", "Home") == "0"
        assert press_slider(page, "mn_epochs", "Home") == "1"
        page.evaluate(RECORD_STATES)
        button(page, "mn_train").click()
        page.locator(PROGRESS).first.wait_for(timeout=TRAINING_TIMEOUT)  # the job's bar (queued or running)
        settle(page)
        assert_clean(page, "after the small training")
        page.get_by_role("tab", name="Upload an image").click()
        upload = uploader.locator("input[type='file']")

        for i, (name, data, expected) in enumerate(cases):
            replace = i == len(cases) - 1  # the last one replaces the previous file without removing it
            if not replace:
                while chips.count():
                    chips.first.locator("[data-testid='stFileChipDeleteBtn'] button").click()
                    wait_until_idle(page)
                assert errors.count() == 0 and said.count() == 0, f"{name}: the previous upload's result stayed"
            started = time.monotonic()
            upload.set_input_files({"name": name, "mimeType": "image/png", "buffer": data})
            wait_until_idle(page)
            seconds = time.monotonic() - started
            assert_clean(page, f"after uploading {name} ({len(data):,} bytes)")
            shown = {"bytes": len(data), "seconds": round(seconds, 1), "chips": chips.all_inner_texts(),
                     "errors": errors.all_inner_texts(), "said": said.all_inner_texts()}
            if expected == "prediction":
                assert errors.count() == 0, f"{name}: {shown}"
                value = metric(page, SAYS)
                assert re.fullmatch(r"\d \((>99|<1|\d+)%\)", value), value
                assert page.locator(".st-key-mn_preprocessing .js-plotly-plot").count() == 1
                shown["prediction"] = value
            elif expected == "uploader":
                # Streamlit refuses it in the browser (server.maxUploadSize = 5): an error chip, no rerun
                bad = chips.filter(has_text=name)
                assert bad.count() == 1 and bad.get_attribute("aria-invalid") == "true", shown
                alert = bad.locator("xpath=..").get_by_role("alert")
                shown["uploader_message"] = alert.inner_text()
                assert "File must be 5.0MB or smaller" in shown["uploader_message"]
                shown["uploader_message_visible_without_hover"] = alert.is_visible() and bool(
                    (alert.bounding_box() or {}).get("width", 0) > 2)
                # a student sees a red chip; the reason shows in a tooltip when the pointer is on the chip
                uploader.scroll_into_view_if_needed()
                page.mouse.move(5, 5)
                bad.locator("[data-testid='stFileChipIconError']").hover()
                tooltip = page.locator("[data-testid='stTooltipErrorContent'], [data-testid='stTooltipContent'], "
                                       "[role='tooltip']").filter(has_text="5.0MB").first
                tooltip.wait_for(timeout=15_000)
                shown["tooltip_on_hover"] = tooltip.inner_text()
                page.screenshot(path=str(SCREENSHOTS / "load_upload_too_large_hover.png"))
                page.mouse.move(5, 5)
                assert errors.count() == 0 and said.count() == 0, shown
                uploader.scroll_into_view_if_needed()
                page.screenshot(path=str(SCREENSHOTS / "load_upload_too_large.png"))
            else:
                assert errors.filter(has_text=expected).count() == 1, f"{name}: {shown}"
                assert said.count() == 0, f"{name}: a prediction next to an error: {shown}"
            if replace:
                assert chips.all_inner_texts() and len(chips.all_inner_texts()) == 1, shown
                assert name in chips.first.inner_text(), shown
            seen[f"{i + 1}. {name} ({expected})"] = shown
        # the page still works after all this: the draw tab, a widget
        page.get_by_role("tab", name="Draw").click()
        assert press_slider(page, "mn_epochs", "ArrowRight") == "2"
        assert_clean(page, "at the end")
    finally:
        results["uploads"] = seen
        print()
        for case, shown in seen.items():
            print(f"  {case}: {shown}")
        context.close()


# --- 4. a cold server: ten students open the app at the same moment ----------------------------------------------

COLD_PATHS = ["perceptron", "activations", "gradient_descent", "loss_vs_accuracy", "softmax", "mnist", "",
              "activations", "softmax", "mnist"]


async def open_all_at_once(url: str) -> dict[str, list[str]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        try:
            sessions = await asyncio.gather(*(open_session(browser, url, path, f"{i + 1}:/{path}")
                                              for i, path in enumerate(COLD_PATHS)))
            return {s.name: await exceptions(s.page) + s.errors for s in sessions}
        finally:
            await browser.close()


def test_a_cold_server_serves_ten_first_visits_at_once(watched, results):
    """Right after a (re)deployment a whole lecture hall opens the app at once: every page must render.

    (Runs last: it restarts the module's server, so that no module has been imported yet.)
    """
    server = watched
    server.restart()
    started = time.monotonic()
    shown = in_own_thread(lambda: asyncio.run(open_all_at_once(server.url)))
    seconds = time.monotonic() - started
    broken = {name: texts for name, texts in shown.items() if texts}
    log = re.sub(r"\x1b\[[0-9;]*m", "", server.new_log())
    server.mark_log()  # reported here (the fixture would report the same traceback once more)
    errors = sorted({line.strip() for line in log.splitlines() if re.match(r"\s*\w+(Error|Exception):", line)})
    results["cold_start"] = {"sessions": len(COLD_PATHS), "seconds_until_all_drawn": round(seconds, 1),
                             "sessions_with_an_exception": broken, "server_errors": errors}
    print(f"\ncold server, {len(COLD_PATHS)} first visits at once: all drawn after {seconds:.1f} s; "
          f"{len(broken)} with an exception; server errors: {errors}")
    assert server.alive() and server.healthy()
    assert not broken, f"first visits to a cold server raised: {broken}; server log: {errors}"
    assert not errors and "Traceback" not in log, f"the server logged errors: {errors}; see {LOG}"
