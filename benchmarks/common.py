"""Shared helpers of the benchmarks: the machine, a real `streamlit run` server, its memory, Chromium."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from nnviz.ui import CHARTS_DRAWN_JS

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHROMIUM = "/usr/bin/chromium"
LOG_DIR = Path(tempfile.gettempdir()) / "nnviz-benchmarks"


def chromium_flags() -> list[str]:
    """The flags the browser tests use (tests/conftest.CHROMIUM_FLAGS)."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from conftest import CHROMIUM_FLAGS

    return list(CHROMIUM_FLAGS)


# --- statistics -------------------------------------------------------------------------------------------


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation, like numpy's default."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    pos = (len(values) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


# --- the machine ------------------------------------------------------------------------------------------


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def run_module_json(module: str, args: list[str], timeout: float, env: dict | None = None) -> dict:
    """``python -m module *args`` in a fresh interpreter (TensorFlow quiet; ``env`` changes the environment,
    a None value removes the variable); its last stdout line as JSON."""
    env = {name: value for name, value in (os.environ | {"TF_CPP_MIN_LOG_LEVEL": "2"} | (env or {})).items()
           if value is not None}
    out = subprocess.run([sys.executable, "-m", module, *args], check=False, cwd=ROOT, capture_output=True,
                         text=True, timeout=timeout, env=env)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def loop_seconds(additions: int = 10**7) -> float:
    """Seconds for a Python loop of ``additions`` additions at a module's top level (as ``python -c "s=0; for i in
    range(10**7): s+=i"``, the figure docs/PERFORMANCE.md quotes): the machine's speed at that moment. The VM these
    benchmarks were written on has phases (~0.85 s when fast, up to 2.2 s when slow), so a run's figures are read
    with the loop's time beside them."""
    code = compile(f"total = 0\nfor i in range({additions}):\n    total += i\n", "<loop>", "exec")
    start = time.perf_counter()
    exec(code, {})  # noqa: S102 -- our own constant code: a loop over globals, as at a module's top level
    return round(time.perf_counter() - start, 2)


def machine() -> dict:
    meminfo = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, value = line.split(":", 1)
            if key in ("MemTotal", "MemAvailable"):
                meminfo[key] = value.strip()
    except OSError:
        pass
    try:
        nproc = int(subprocess.run(["nproc"], check=False, capture_output=True, text=True).stdout.strip())
    except (OSError, ValueError):
        nproc = os.cpu_count()
    cpu = None
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), None)
    except OSError:
        pass
    tf = _version("tensorflow") or _version("tensorflow-cpu") or _version("tensorflow_cpu")
    return {
        "nproc": nproc, "cpu": cpu, "meminfo": meminfo, "platform": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {"streamlit": _version("streamlit"), "tensorflow": tf, "keras": _version("keras"),
                     "plotly": _version("plotly"), "numpy": _version("numpy"), "playwright": _version("playwright")},
        "loadavg": os.getloadavg(),
    }


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


# --- processes --------------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def private_mb(pid: int) -> float:
    """A process's own resident pages (RssAnon + RssShmem), in MB: what a worker's memory cap counts
    (nnviz.training_worker.private_mb)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("RssAnon:", "RssShmem:")):
            key, value = line.split(":", 1)
            fields[key] = int(value.split()[0])
    return sum(fields.values()) / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size (``Pss:`` of /proc/<pid>/smaps_rollup), in MB: the process's own pages plus its
    share of pages it shares with others (TensorFlow's library pages shared by workers count once in a sum)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children from /proc/<pid>/task/*/children, then theirs)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            for child in children:
                if child not in found:
                    found.append(child)
                    todo.append(child)
    return found


def memory_snapshot(pid: int) -> dict:
    """PSS and VmRSS of a process and of its descendants (the training workers of a server), in MB."""
    server = {"pss_mb": pss_mb(pid), "rss_mb": rss_mb(pid)}
    children = {}
    for child in descendants(pid):
        try:
            children[child] = {"pss_mb": pss_mb(child), "rss_mb": rss_mb(child), "private_mb": private_mb(child)}
        except (OSError, RuntimeError):  # ended meanwhile
            continue
    return {
        "server_pss_mb": server["pss_mb"], "server_rss_mb": server["rss_mb"],
        "children": len(children), "children_pids": sorted(children),
        "children_pss_mb": sum(c["pss_mb"] for c in children.values()),
        "children_rss_mb": sum(c["rss_mb"] for c in children.values()),
        "children_private_mb": {str(pid): c["private_mb"] for pid, c in children.items()},
        "total_pss_mb": server["pss_mb"] + sum(c["pss_mb"] for c in children.values()),
        "total_rss_mb": server["rss_mb"] + sum(c["rss_mb"] for c in children.values()),
    }


def tensorflow_loaded(pid: int) -> bool:
    """Whether the process has TensorFlow's shared library mapped (i.e. imported tensorflow)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return "libtensorflow" in maps or "_pywrap_tensorflow" in maps


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m streamlit run app.py` on a free port; ``start`` is the monotonic time of the spawn."""

    def __init__(self, name: str, timed_runs: bool = False, root: Path = ROOT):
        """``timed_runs``: start it through benchmarks.timed_server, which logs every script run's
        start, end and CPU time (see ``script_runs``). ``root``: the checkout whose app it runs (another commit's
        worktree, to compare)."""
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = LOG_DIR / f"server-{name}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 -- open while the server runs
        # a server as deployed: sections as fragments, whatever a test process importing conftest has set
        # (NNVIZ_BENCH_FRAGMENTS=0 measures the pages without them, for comparison)
        fragments = os.environ.get("NNVIZ_BENCH_FRAGMENTS", "1")
        env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": "2", "NNVIZ_FRAGMENTS": fragments}
        self.runs_path = None
        launcher = ["-m", "streamlit"]
        if timed_runs:
            self.runs_path = LOG_DIR / f"runs-{name}.jsonl"
            self.runs_path.write_text("")
            for suffix in (".frames", ".fragments"):
                Path(str(self.runs_path) + suffix).write_text("")
            env["NNVIZ_BENCH_RUN_LOG"] = str(self.runs_path)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))  # this timed_server
            launcher = ["-m", "benchmarks.timed_server"]
        self.start = time.monotonic()
        self.start_epoch = time.time()
        self.proc = subprocess.Popen(
            [sys.executable, *launcher, "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=root, stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )
        self.pid = self.proc.pid

    def wait_healthy(self, timeout: float = 60) -> float:
        """Poll /_stcore/health; returns seconds since the spawn."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return time.monotonic() - self.start
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit server did not start; see {self.log_path}")
            time.sleep(0.02)

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def script_runs(self) -> list[dict]:
        """Every script run so far: {"session", "start", "end"} (epoch seconds) and "cpu" (thread CPU seconds)."""
        if self.runs_path is None:
            return []
        lines = (json.loads(line) for line in self.runs_path.read_text().splitlines() if line.strip())
        return [line for line in lines if "start" in line]  # not the rerun requests

    def section_reruns(self) -> list[dict]:
        """Every section rerun on its own so far (timed runs only): {"fragment" (its key), "start", "end" (epoch
        seconds), "cpu" (thread CPU seconds)}; a script run holds one for each section it reruns."""
        path = Path(str(self.runs_path) + ".fragments") if self.runs_path else None
        if path is None or not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def live_frames(self) -> list[dict]:
        """Every live frame so far (timed runs only): {"session", "end" (epoch seconds), "wall", "cpu"
        (seconds), "playing" (sessions playing then)}."""
        path = Path(str(self.runs_path) + ".frames") if self.runs_path else None
        if path is None or not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def tensorflow_loaded(self) -> bool:
        return tensorflow_loaded(self.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@contextmanager
def server(name: str, timed_runs: bool = False, root: Path = ROOT):
    s = Server(name, timed_runs, root)
    try:
        s.wait_healthy()
        yield s
    finally:
        s.stop()


@contextmanager
def chromium():
    """Headless Debian Chromium through Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found (apt-get install -y chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=chromium_flags())
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, **kwargs):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, device_scale_factor=1, **kwargs)
    page = context.new_page()
    page.page_errors = []
    page.on("pageerror", lambda e: page.page_errors.append(str(e)))
    return context, page


# Installed in every page: counts finished script runs and remembers when the run state changed, and
# when each keydown happened, on the page's own clock (performance.now()) and on the system's (Date.now(), the
# server's time.time(): performance.timeOrigin + now() drifted ~200 ms from it in a run, 2026-12-04).
STATE_PROBE = """
(() => {
  if (window.__bench) return;
  const b = window.__bench = {runs: 0, state: null, runningAt: null, doneAt: null, keyAt: null, keyEpoch: null,
                              log: []};
  document.addEventListener('keydown', e => { b.keyAt = performance.now(); b.keyEpoch = Date.now(); }, true);
  const watch = app => {
    b.state = app.getAttribute('data-test-script-state');
    new MutationObserver(records => {  // every value the attribute took, even if it flipped twice in a task
      const t = performance.now();
      const values = [...records.slice(1).map(m => m.oldValue), app.getAttribute('data-test-script-state')];
      for (const s of values) {
        if (s === b.state) continue;
        if (s === 'running') b.runningAt = t;
        if (s === 'notRunning' && b.state === 'running') { b.runs += 1; b.doneAt = t; }
        b.state = s;
      }
    }).observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  };
  const find = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (app) watch(app); else setTimeout(find, 5);
  };
  find();
})();
"""


def runs_done(page) -> int:
    return page.evaluate("() => window.__bench ? window.__bench.runs : 0")


def wait_for_run(page, before: int, timeout: float = 60_000) -> None:
    """Wait until a script run that started after ``runs_done == before`` has finished."""
    page.wait_for_function(f"() => window.__bench && window.__bench.runs > {before}", timeout=timeout)


def wait_charts_drawn(page, timeout: float = 60_000) -> None:
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_function(
        f"() => {CHARTS_DRAWN_JS}",
        timeout=timeout,
    )


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1, default=float) + "\n")
