"""Load and fault tests (issue #7), on a server of their own: run with `pytest tests/test_load.py -m load -s`.

1. Ten browser sessions on one server at once (one Playwright process, ten contexts): three train MNIST with
   different settings (they queue on the one training slot), seven move sliders on the numpy pages while the
   time of every rerun is measured. Every session finishes with its own numbers, nothing raises, the server
   stays up; the median and p95 rerun time go to tests/artifacts/load_results.json.
2. A widget change and a page switch in the middle of a training: no exception, the history is kept, and
   the server's memory (VmRSS) after more trainings stays within 150 MB of its level after the first one.
3. Bad uploads on the MNIST page (non-image bytes, 0 bytes, 20 MB, 1×1, 5000×5000, RGBA, greyscale):
   a clear message for the bad ones, a prediction for the good ones, nothing crashes.
4. A cold server (just restarted): ten first visits at the same moment all render without an exception.

Order: the memory test runs first, so that its "before the first training" is a server without TensorFlow;
the cold-server test runs last, as it restarts the server. The server's log is tests/artifacts/load_server.log
(appended over restarts); figures go to tests/artifacts/load_results.json, screenshots to
tests/artifacts/screenshots/load_*.png.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ARTIFACTS, CHROMIUM_FLAGS, ROOT, _free_port, chromium_path
from test_browser import IDLE, SCREENSHOTS, wait_until_idle
from test_browser_mnist import (
    PROGRESS,
    assert_clean,
    button,
    metric,
    open_mnist,
    press_slider,
    wait_for_epoch,
)

pytestmark = pytest.mark.load

LOG = ARTIFACTS / "load_server.log"
RESULTS = ARTIFACTS / "load_results.json"
TRAINING_TIMEOUT = 300_000  # ms: trainings queue behind each other on a machine busy with other jobs
PAGE_TIMEOUT = 120_000  # ms: ten pages loading at once on two cores
MEMORY_BUDGET_MB = 150
# Generous: the figure is recorded for the docs. On the 2-core test machine the ten Chromium pages, the trainings
# and the server share the cores (and other jobs may run), so this bounds only "still usable".
RERUN_P95_BOUND_S = 15.0
CHARTS_DRAWN = """(document.querySelectorAll("[data-testid='stSkeleton']").length === 0 &&
    [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
        .every(c => c.querySelector('.main-svg g.trace, .main-svg g.hm')))"""
WAITING = "Another training is running on this server"
STOPPED = "Training was stopped"
SAYS = "the network says (your upload)"


# --- the server ----------------------------------------------------------------------------------------------


class Server:
    """`streamlit run app.py` on a free port, its output appended to tests/artifacts/load_server.log."""

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.log_start = 0  # where the current test's part of the log begins

    def start(self) -> None:
        port = _free_port()
        with open(LOG, "a") as out:
            out.write(f"=== streamlit run app.py on port {port} ===\n")
            out.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while not self.healthy():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"streamlit server did not start; see {LOG}")
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
        """The server's resident memory (VmRSS from /proc/<pid>/status), in MB."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)[1]) / 1024

    def settled_rss_mb(self, seconds: float = 3.0) -> float:
        time.sleep(seconds)  # let the last script run end and Streamlit's garbage collection run
        return self.rss_mb()

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/_stcore/health", timeout=10) as r:
                return r.read().strip() == b"ok"
        except OSError:
            return False

    def alive(self) -> bool:
        return self.proc.poll() is None

    def mark_log(self) -> None:
        self.log_start = LOG.stat().st_size

    def new_log(self) -> str:
        with open(LOG, errors="replace") as f:
            f.seek(self.log_start)
            return f.read()


@pytest.fixture(scope="module")
def server():
    """A server of this module's own (so that its memory can be read)."""
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text("")
    srv = Server()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def results():
    """Figures of this module's tests, written to tests/artifacts/load_results.json at its end."""
    data: dict = {"rss_mb": {}, "seconds": {}}
    yield data
    RESULTS.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(f"\nload figures written to {RESULTS}")


@pytest.fixture()
def watched(server, results, request):
    """Time the test, and check the server's log of the test for tracebacks afterwards."""
    server.mark_log()
    started = time.monotonic()
    yield server
    seconds = time.monotonic() - started
    results["seconds"][request.node.name] = round(seconds, 1)
    print(f"\n[{request.node.name}] {seconds:.1f} s")
    log = server.new_log()
    problems = [line for line in log.splitlines() if re.search(r"Traceback|Error|Exception", line)]
    if problems:
        print("server log lines of concern:\n  " + "\n  ".join(problems[:40]))
    assert "Traceback" not in log, f"the server logged a traceback; see {LOG}:\n{log[-4000:]}"
    assert server.alive() and server.healthy(), "the server died or its health check failed"


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation between order statistics."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# Every change of the app's script state, and the last change inside a plotly chart (the new figure arriving).
# Any change after a key press means its rerun has reached the browser: the attribute alone can miss a run
# whose start and end React renders in one go, under load.
RECORD_STATES = """() => {
    if (window.__states) return;
    window.__states = [];
    window.__lastStateChange = performance.now();
    window.__lastChart = 0;
    new MutationObserver(ms => ms.forEach(m => {
        window.__lastStateChange = performance.now();
        window.__states.push([m.oldValue, m.target.getAttribute('data-test-script-state'), performance.now()]);
    })).observe(document.body, {attributes: true, subtree: true, attributeOldValue: true,
                                attributeFilter: ['data-test-script-state']});
    new MutationObserver(ms => {
        if (ms.some(m => m.target.closest && m.target.closest('.js-plotly-plot'))) window.__lastChart = performance.now();
    }).observe(document.body, {childList: true, attributes: true, subtree: true});
}"""
# Idle for ``ms`` milliseconds on end, no progress bar, charts drawn. After a training the page reruns itself
# (st.rerun): between the two runs the app is briefly 'notRunning' (~50 ms, seen in the browser), and a plain
# wait for 'notRunning' can return there and read the numbers of the run before.
SETTLED = f"""ms => {{
    const app = document.querySelector("[data-testid='stApp']");
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && performance.now() - window.__lastStateChange >= ms
        && document.querySelectorAll("[data-testid='stProgress']").length === 0 && {CHARTS_DRAWN};
}}"""
SETTLE_MS = 1500


def settle(page, timeout: float = TRAINING_TIMEOUT) -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED, arg=SETTLE_MS, timeout=timeout, polling=100)


def sidebar_link(page, title: str):
    return page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True)


# --- 2. a widget change and a page switch in the middle of a training; memory --------------------------------


def test_interrupted_trainings_keep_history_and_memory_returns(browser, watched, results):
    server = watched
    context, page = open_mnist(browser, server.url)
    page.evaluate(RECORD_STATES)
    rss = {"before any training": server.settled_rss_mb()}
    trainings: list[float] = []

    def train_to_end(expected_epochs: int) -> None:
        started = time.monotonic()
        button(page, "mn_train").click()
        page.locator(PROGRESS).filter(has_text="Epoch").wait_for(timeout=TRAINING_TIMEOUT)
        settle(page)
        trainings.append(round(time.monotonic() - started, 1))
        assert_clean(page, "after a full training")
        assert metric(page, "epochs trained") == str(expected_epochs)
        metric(page, "test accuracy")  # shown

    try:
        # the first training (it also imports TensorFlow): the default network, 2 epochs
        for _ in range(3):
            press_slider(page, "mn_epochs", "ArrowLeft")
        train_to_end(2)
        rss["after the first training"] = server.settled_rss_mb()

        # a builder widget changed during a training stops it; the history is kept
        assert press_slider(page, "mn_epochs", "End") == "30"
        button(page, "mn_train").click()
        wait_for_epoch(page, 2)  # one full epoch done
        page.wait_for_timeout(1000)
        pressed = time.monotonic()
        assert press_slider(page, "mn_batch", "ArrowLeft") == "16"  # waits for the page to settle, checks it
        stop_seconds = time.monotonic() - pressed
        warning = page.locator("[data-testid='stAlertContentWarning']").filter(has_text=STOPPED)
        assert warning.count() == 1, "no 'Training was stopped' warning after a widget change during training"
        epochs_kept = int(metric(page, "epochs trained"))
        assert 1 <= epochs_kept < 30
        assert f"after {epochs_kept} full epoch" in warning.inner_text()
        metric(page, "test accuracy")  # the stopped network is evaluated
        assert page.locator(PROGRESS).count() == 0

        # a page switch during a training: the other page works, and back on /mnist the network is there
        button(page, "mn_train").click()
        wait_for_epoch(page, 2)
        page.wait_for_timeout(1000)
        sidebar_link(page, "Softmax output").click()
        page.wait_for_url("**/softmax", timeout=60_000)
        wait_until_idle(page)
        assert_clean(page, "on /softmax after leaving a training")
        assert page.locator(".st-key-sm_temperature").count() == 1
        sidebar_link(page, "MNIST MLP").click()
        page.wait_for_url("**/mnist", timeout=60_000)
        wait_until_idle(page, TRAINING_TIMEOUT)
        assert_clean(page, "back on /mnist after leaving a training")
        warning = page.locator("[data-testid='stAlertContentWarning']").filter(has_text=STOPPED)
        assert warning.count() == 1, "the network trained before the page switch is not shown as stopped"
        epochs_kept_2 = int(metric(page, "epochs trained"))
        assert 1 <= epochs_kept_2 < 30
        metric(page, "test accuracy")
        assert page.locator(PROGRESS).count() == 0
        assert page.get_by_text(WAITING).count() == 0
        rss["after the two interrupted trainings"] = server.settled_rss_mb()

        # five more full trainings (1 epoch each): the slot is free again, memory does not pile up
        assert press_slider(page, "mn_epochs", "Home") == "1"
        for i in range(5):
            train_to_end(1)
            rss[f"after full training {i + 2}"] = server.rss_mb()
        rss["at the end"] = server.settled_rss_mb()
    finally:
        context.close()

    growth = rss["at the end"] - rss["after the first training"]
    results["rss_mb"]["memory test"] = {k: round(v, 1) for k, v in rss.items()}
    results["memory_test"] = {"growth_after_first_training_mb": round(growth, 1), "budget_mb": MEMORY_BUDGET_MB,
                              "epochs_kept_after_widget_change": epochs_kept,
                              "epochs_kept_after_page_switch": epochs_kept_2,
                              "seconds_from_widget_change_to_stopped_page": round(stop_seconds, 1),
                              "full_training_seconds": trainings}
    print("\nserver VmRSS (MB): " + ", ".join(f"{k}: {v:.0f}" for k, v in rss.items()))
    print(f"growth after the first training: {growth:+.0f} MB (budget {MEMORY_BUDGET_MB} MB); "
          f"epochs kept: {epochs_kept} (widget change), {epochs_kept_2} (page switch); "
          f"widget change -> stopped page shown in {stop_seconds:.1f} s; full trainings took {trainings} s")
    assert growth <= MEMORY_BUDGET_MB, f"server memory grew {growth:.0f} MB after the first training"


# --- 1. ten sessions at once ---------------------------------------------------------------------------------

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

RERUN_DONE = f"""t0 => {{
    const reached = window.__states.some(s => s[2] >= t0) || window.__lastChart >= t0;
    const app = document.querySelector("[data-testid='stApp']");
    return reached && app && app.getAttribute('data-test-script-state') === 'notRunning' && {CHARTS_DRAWN}
        ? performance.now() : false;
}}"""
RERUN_STATE = """t0 => ({now: performance.now(), t0, lastChart: window.__lastChart,
    state: document.querySelector("[data-testid='stApp']").getAttribute('data-test-script-state'),
    states: window.__states.slice(-6), skeletons: document.querySelectorAll("[data-testid='stSkeleton']").length})"""


async def idle(page, timeout: float = PAGE_TIMEOUT) -> None:
    await page.wait_for_timeout(300)
    await page.wait_for_selector(IDLE, timeout=timeout)
    await page.wait_for_function(f"() => {CHARTS_DRAWN}", timeout=timeout)


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


@dataclass
class Session:
    name: str
    page: object = None
    errors: list = field(default_factory=list)
    rerun_s: list = field(default_factory=list)
    info: dict = field(default_factory=dict)


async def open_session(browser, url: str, path: str, name: str) -> Session:
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
    page = await context.new_page()
    session = Session(name, page)
    page.on("pageerror", lambda e: session.errors.append(str(e)))
    await page.goto(f"{url}/{path}", timeout=PAGE_TIMEOUT)
    await idle(page)
    await page.evaluate(RECORD_STATES)
    return session


# In the trainer's page, on every change of the page (a one-epoch training can come and go between two polls
# from here, and timers may be throttled): when the first "Epoch" progress and the "another training" status
# appeared, and whether that status was still on the page a second into the session's own training.
WATCH_TRAINING = f"""() => {{
    const w = window.__watch = {{firstEpoch: null, waiting: null, waitingDuringTraining: null}};
    const observer = new MutationObserver(() => {{
        const now = performance.now();
        const bars = [...document.querySelectorAll("[data-testid='stProgress']")];
        const waiting = document.body.textContent.includes({json.dumps(WAITING)});
        if (w.waiting === null && waiting) w.waiting = now;
        if (w.firstEpoch === null && bars.some(b => b.textContent.includes('Epoch'))) w.firstEpoch = now;
        if (w.firstEpoch !== null && now - w.firstEpoch > 1000) {{
            w.waitingDuringTraining = waiting && bars.length > 0;
            observer.disconnect();
        }}
    }});
    observer.observe(document.body, {{childList: true, subtree: true, characterData: true}});
}}"""


async def trainer(session: Session, seed: int, hidden: int, epochs: int, everyone_ready: asyncio.Barrier,
                  training: dict) -> None:
    from nnviz import mlp as nn

    page = session.page
    field_ = page.locator(".st-key-mn_seed input")
    await field_.fill(str(seed))
    await field_.press("Enter")
    await idle(page)
    assert await a_press(page, "mn_hidden", "Home") == "0"
    for _ in range(hidden):
        await a_press(page, "mn_hidden", "ArrowRight")
    assert await a_press(page, "mn_epochs", "Home") == "1"
    for _ in range(epochs - 1):
        await a_press(page, "mn_epochs", "ArrowRight")
    assert await page.locator(".st-key-mn_hidden").get_by_role("slider").get_attribute("aria-valuetext") == str(hidden)
    assert await field_.input_value() == str(seed)
    units = (128, 64)[:hidden]  # the page's default units
    params = f"{nn.parameter_count(nn.MLPConfig(hidden_units=units, epochs=epochs, seed=seed)):,}"
    assert await a_metric(page, "trainable parameters (as model.summary() reports them)") == params

    await page.evaluate(WATCH_TRAINING)
    await everyone_ready.wait()
    clicked = time.monotonic()
    training["running"] += 1
    accuracy_label = page.locator("[data-testid='stMetricLabel']", has_text=re.compile(r"^\s*test accuracy\s*$"))
    screenshot = False
    try:
        t0 = await page.evaluate("() => performance.now()")
        await page.locator(".st-key-mn_train button:visible").click()
        # done: the evaluation is shown (a fresh session had none) and the page has settled after st.rerun
        while not (await accuracy_label.count() and await page.evaluate(SETTLED, SETTLE_MS)):
            shown = await exceptions(page)
            if shown:  # fail now, not after minutes
                raise AssertionError(f"{session.name}: exception while training: {shown}")
            if time.monotonic() - clicked > TRAINING_TIMEOUT / 1000:
                raise AssertionError(f"{session.name}: no trained network {TRAINING_TIMEOUT / 1000:.0f} s after the click; "
                                     f"{await page.evaluate('() => window.__watch')}")
            watch = await page.evaluate("() => window.__watch")
            if not screenshot and watch["waitingDuringTraining"]:  # a picture of it, if it is still there
                screenshot = True
                try:
                    await page.get_by_text(WAITING).first.scroll_into_view_if_needed(timeout=2000)
                    await page.screenshot(path=str(SCREENSHOTS / f"load_{session.name.replace(' ', '_')}_training.png"))
                except Exception as exc:  # noqa: BLE001 — the training may just have ended
                    print(f"{session.name}: no screenshot of the status during training ({type(exc).__name__})")
            await page.wait_for_timeout(250)
        done = time.monotonic()
        watch = await page.evaluate("() => window.__watch")
    finally:
        training["running"] -= 1
        training["finished"] += 1
    saw_waiting = watch["waiting"] is not None
    still_waiting_shown = bool(watch["waitingDuringTraining"])
    # a short training may end before the browser ever draws its progress bar (seen for 1 epoch without hidden layer)
    to_first_epoch = round((watch["firstEpoch"] - t0) / 1000, 1) if watch["firstEpoch"] is not None else None

    # this session's own network and numbers, not another's
    assert await exceptions(page) == [], f"{session.name}: exception after training"
    assert await a_metric(page, "epochs trained") == str(epochs), f"{session.name}: epochs trained"
    assert await a_metric(page, "trainable parameters (as model.summary() reports them)") == params
    accuracy = await a_metric(page, "test accuracy")
    curves = await page.locator(".st-key-mn_curves .js-plotly-plot").evaluate(
        "gd => gd._fullData.map(t => ({name: t.name, n: t._length}))")
    assert [c["n"] for c in curves if c["name"] == "this run: validation"] == [epochs, epochs], curves
    if hidden:
        assert await page.get_by_text(f"first 16 of its {units[0]} units").count() == 1
    else:
        assert await page.get_by_text("With no hidden layer each output unit is one template").count() == 1
    session.info = {"seed": seed, "hidden_layers": hidden, "epochs": epochs, "parameters": params,
                    "test_accuracy": accuracy, "saw_waiting_status": saw_waiting,
                    "waiting_status_shown_during_own_training": still_waiting_shown,
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
                       others: list[str]) -> None:
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
        if training["finished"] == len(TRAINERS):
            after_training += 1
        press = "ArrowRight" if presses % 2 == 0 else "ArrowLeft"
        during_training = training["running"] > 0
        session.rerun_s.append((await measured_press(page, thumb, press), during_training))
        seen.append(await thumb.get_attribute("aria-valuetext"))
        presses += 1
    assert await exceptions(page) == [], f"{session.name}: exception"
    # its own slider went back and forth between its own two values; the other session's slider is untouched
    assert seen[1::2] == [start_value] * len(seen[1::2]), f"{session.name}: {seen}"
    assert len(set(seen[0::2])) == 1 and seen[0] != start_value, f"{session.name}: {seen}"
    for k, before in others_before.items():
        after = await page.locator(f".st-key-{k}").get_by_role("slider").get_attribute("aria-valuetext")
        assert after == before, f"{session.name}: slider {k} changed from {before} to {after} without a press"
    session.info = {"presses": presses, "values": sorted(set(seen))}


async def ten_sessions(url: str) -> list[Session]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        try:
            names = [f"trainer {i + 1}" for i in range(len(TRAINERS))] + [f"{p_}:{k}" for p_, k in SLIDER_SESSIONS]
            paths = ["mnist"] * len(TRAINERS) + [p_ for p_, _ in SLIDER_SESSIONS]
            sessions = await asyncio.gather(*(open_session(browser, url, path, name)
                                              for path, name in zip(paths, names)))
            baseline = await alone(sessions[len(TRAINERS)], SLIDER_SESSIONS[0][1])
            everyone_ready = asyncio.Barrier(len(sessions))
            training = {"running": 0, "finished": 0}

            async def guarded(coro):
                try:
                    return await coro
                except BaseException:
                    await everyone_ready.abort()  # the others must not wait for a session that failed
                    raise

            jobs = [trainer(s, *settings, everyone_ready, training)
                    for s, settings in zip(sessions, TRAINERS)]
            for s, (path, key) in zip(sessions[len(TRAINERS):], SLIDER_SESSIONS):
                others = [k for p_, k in SLIDER_SESSIONS if p_ == path and k != key]
                jobs.append(slider_mover(s, key, everyone_ready, training, others))
            outcomes = await asyncio.gather(*map(guarded, jobs), return_exceptions=True)
            failures = [f"{s.name}: {type(o).__name__}: {o}" for s, o in zip(sessions, outcomes)
                        if isinstance(o, BaseException)]
            for s in sessions:
                s.exceptions = await exceptions(s.page)
                try:
                    await s.page.screenshot(path=str(SCREENSHOTS / f"load_{re.sub(r'[^a-z0-9]+', '_', s.name)}.png"))
                except Exception as exc:  # noqa: BLE001 — a screenshot is a nicety
                    print(f"no screenshot of {s.name}: {exc}")
            assert not failures, "sessions failed:\n" + "\n".join(failures)
            return sessions, baseline
        finally:
            await browser.close()


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


def test_ten_sessions_three_training_seven_moving_sliders(watched, results):
    server = watched
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    rss_before = server.rss_mb()
    sessions, baseline = in_own_thread(lambda: asyncio.run(ten_sessions(server.url)))
    rss_after = server.settled_rss_mb()

    for s in sessions:
        assert s.exceptions == [], f"{s.name}: exception box {s.exceptions}"
        assert s.errors == [], f"{s.name}: JavaScript errors {s.errors}"
    assert server.alive() and server.healthy()

    trainers = [s.info for s in sessions[:len(TRAINERS)]]
    first_click = min(t["clicked_at"] for t in trainers)
    for t in trainers:
        t["clicked_at"] = round(t["clicked_at"] - first_click, 2)
    # one trained at a time: the queue was visible to somebody, and somebody got the slot without waiting
    # (nothing left over from earlier tests held it)
    waited = sum(t["saw_waiting_status"] for t in trainers)
    assert 1 <= waited <= len(trainers) - 1, trainers

    times = [t for s in sessions[len(TRAINERS):] for t, _ in s.rerun_s]
    during = [t for s in sessions[len(TRAINERS):] for t, busy in s.rerun_s if busy]
    idle_times = [t for s in sessions[len(TRAINERS):] for t, busy in s.rerun_s if not busy]
    figures = {"alone_median_s": round(statistics.median(baseline), 3), "alone_max_s": round(max(baseline), 3),
               "reruns": len(times), "median_s": round(statistics.median(times), 3),
               "p95_s": round(percentile(times, 0.95), 3), "max_s": round(max(times), 3),
               "reruns_during_training": len(during),
               "median_during_training_s": round(statistics.median(during), 3) if during else None,
               "p95_during_training_s": round(percentile(during, 0.95), 3) if during else None,
               "reruns_without_training": len(idle_times),
               "median_without_training_s": round(statistics.median(idle_times), 3) if idle_times else None,
               "p95_without_training_s": round(percentile(idle_times, 0.95), 3) if idle_times else None}
    per_session = {s.name: {"presses": len(s.rerun_s), "median_s": round(statistics.median([t for t, _ in s.rerun_s]), 3),
                            "max_s": round(max(t for t, _ in s.rerun_s), 3)} for s in sessions[len(TRAINERS):]}
    results["ten_sessions"] = {"rerun": figures, "per_slider_session": per_session, "trainers": trainers,
                               "all_rerun_s": [round(t, 3) for t in times]}
    results["rss_mb"]["ten sessions"] = {"before": round(rss_before, 1), "after": round(rss_after, 1)}
    print(f"\nreruns under load: {figures}")
    for name, f in per_session.items():
        print(f"  {name}: {f}")
    for t in trainers:
        print(f"  trainer: {t}")
    print(f"server VmRSS: {rss_before:.0f} MB before, {rss_after:.0f} MB after the ten sessions")
    assert figures["p95_s"] < RERUN_P95_BOUND_S, f"p95 rerun {figures['p95_s']} s under load"


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
        page.locator(PROGRESS).filter(has_text="Epoch").wait_for(timeout=TRAINING_TIMEOUT)
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
                assert re.fullmatch(r"\d \(\d+%\)", value), value
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
