"""Keras jobs outside the web server: a pool of warm worker interpreters and the supervisor that feeds them.

Free of Streamlit and TensorFlow (the web server imports this; only the workers import TensorFlow).
A page submits a job — an importable function and its plain-data arguments — and gets a job id; it then
reads the job's progress and result, or asks it to stop:

    service = TrainingService(PoolSettings.from_settings(os.environ))
    job = service.submit("session-1", keras_jobs.fit_weights, {"spec": ..., ...})
    service.status(job)          # JobView: state, progress, result, error, place in the queue, wait
    service.stop(job)            # cooperative: the job stops where it can and returns what it has

Each worker is ``python -m nnviz.training_worker``, started with ``subprocess`` (``multiprocessing``'s spawn
would run the Streamlit page script again in every child) and connected over its own
``multiprocessing.connection`` to this process. One job per worker at a time; a worker that dies fails only
its own job, and the pool starts another. Workers stay warm between jobs, retire after a number of jobs or
above their memory cap, and stop when idle.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Listener
from pathlib import Path
from typing import Any

from nnviz import training_worker as tw
from nnviz.heap import release_free_heap

ROOT = Path(__file__).resolve().parents[1]
SERVER_MB = 400  # the web server: Streamlit, numpy, plotly, scikit-learn and a class's sessions
# a TensorFlow worker training the MNIST MLP: 300-400 MB of its own (training_worker.private_mb), plus its part of
# the ~380 MB of TensorFlow's library pages, which the page cache shares between all workers
WORKER_MB = 600
DEFAULT_WORKERS = 2
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
DEFAULT_JOB_SECONDS = 20.0  # the wait estimate before any job of that kind has finished


# --- settings ---------------------------------------------------------------------------------------------------


def cgroup_memory_limit_mb(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """The container's memory limit (cgroup v2 ``memory.max`` or v1 ``memory.limit_in_bytes``), None without one."""
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        try:
            text = path.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:  # v1 writes a huge number for "no limit", v2 writes "max"
            return int(text) / 2**20
    return None


# the settings' names in the environment (in .streamlit/secrets.toml's [training] table: the field names)
SETTINGS_ENV = {"workers": "NNVIZ_WORKERS", "memory_limit_mb": "NNVIZ_MEMORY_LIMIT_MB",
                "worker_memory_mb": "NNVIZ_WORKER_MEMORY_MB", "jobs_per_worker": "NNVIZ_JOBS_PER_WORKER",
                "idle_seconds": "NNVIZ_WORKER_IDLE_SECONDS", "job_timeout_seconds": "NNVIZ_JOB_TIMEOUT_SECONDS",
                "start_timeout_seconds": "NNVIZ_WORKER_START_TIMEOUT_SECONDS",
                "threads": "NNVIZ_WORKER_THREADS", "nice": "NNVIZ_WORKER_NICE"}


@dataclass(frozen=True)
class PoolSettings:
    """How many workers, and the caps that keep server + workers inside ``memory_limit_mb``."""

    workers: int = DEFAULT_WORKERS
    memory_limit_mb: float = SERVER_MB + DEFAULT_WORKERS * WORKER_MB  # what the pool was sized for
    worker_memory_mb: float = WORKER_MB  # a worker above it after a job is replaced
    jobs_per_worker: int = 20  # …and after this many jobs
    idle_seconds: float = 600.0  # an idle worker stops after this long
    job_timeout_seconds: float = 900.0  # a job still running after this long is killed with its worker
    # a worker that has not connected after this long (it imports TensorFlow first: 106 s was seen on a loaded CI
    # machine) is killed, and the job it was started for fails with a message instead of waiting for ever
    start_timeout_seconds: float = 300.0
    threads: int = 1  # TensorFlow's intra- and inter-op threads per worker
    nice: int = 10  # workers run at a lower priority than the web server
    preload: bool = True  # workers import TensorFlow as they start (off in the service's own tests)

    @classmethod
    def sized_for(cls, memory_limit_mb: float, cpus: int, **overrides) -> PoolSettings:
        """As many workers as the memory holds beside the server (at least 1, at most one per core), and
        per-worker cap = (limit − server) ÷ workers, unless ``worker_memory_mb`` is given."""
        workers = overrides.pop("workers", None) or max(1, min(cpus, int((memory_limit_mb - SERVER_MB) // WORKER_MB)))
        cap = overrides.pop("worker_memory_mb", None) or max(1.0, (memory_limit_mb - SERVER_MB) / workers)
        return cls(workers=int(workers), memory_limit_mb=memory_limit_mb, worker_memory_mb=cap, **overrides)

    @classmethod
    def from_settings(cls, *sources: Mapping[str, Any], cgroup_root: Path = Path("/sys/fs/cgroup")) -> PoolSettings:
        """Settings from mappings such as Streamlit's ``st.secrets["training"]`` (keys as the field names) and
        ``os.environ`` (``NNVIZ_…`` names, see ``SETTINGS_ENV``); a later source wins. Without a memory limit set, the
        container's cgroup limit is used; without one, the pool is sized for the default 1.6 GB."""
        values: dict[str, Any] = {}
        for source in sources:
            for name, env in SETTINGS_ENV.items():
                for key in (name, env):
                    if key in source and str(source[key]).strip() != "":
                        values[name] = source[key]
        types = {"workers": int, "jobs_per_worker": int, "threads": int, "nice": int}
        try:
            values = {name: types.get(name, float)(value) for name, value in values.items()}
        except (TypeError, ValueError) as error:
            raise ValueError(f"a training setting is not a number: {error}") from None
        limit = values.pop("memory_limit_mb", None) or cgroup_memory_limit_mb(cgroup_root)
        cpus = os.cpu_count() or 1
        if limit is None:
            workers = values.pop("workers", None) or min(DEFAULT_WORKERS, cpus)
            limit = SERVER_MB + workers * WORKER_MB
            values["workers"] = workers
        settings = cls.sized_for(limit, cpus, **values)
        if settings.workers < 1 or settings.jobs_per_worker < 1 or settings.threads < 1:
            raise ValueError(f"workers, jobs per worker and threads must be ≥ 1: {settings}")
        return settings


# --- jobs -------------------------------------------------------------------------------------------------------


class JobPending(RuntimeError):
    """The owner (a browser session) already has a job queued or running: one at a time."""

    def __init__(self, job_id: str):
        super().__init__(f"job {job_id} is still queued or running")
        self.job_id = job_id


@dataclass
class _Job:
    id: str
    owner: str
    function: str  # "module:function"
    kwargs: dict
    submitted: float
    state: str = QUEUED
    progress: Any = None  # the job's reports so far, merged (see _merge_progress)
    result: Any = None
    error: str | None = None
    started: float | None = None
    finished: float | None = None
    stop_asked: bool = False
    orphaned_at: float | None = None  # when its owner was found gone
    worker: str | None = None


def estimated_wait(running_left: Sequence[float], workers: int, ahead: Sequence[float]) -> float:
    """Seconds until a queued job starts, with ``workers`` slots: the running jobs free theirs after
    ``running_left`` seconds (the other slots are free), and each job ahead in the queue (its expected duration)
    takes the first slot that frees."""
    slots = max(workers, 1)
    free = sorted(running_left)[:slots]
    free = [0.0] * (slots - len(free)) + free
    heapq.heapify(free)
    for seconds in ahead:
        heapq.heappush(free, heapq.heappop(free) + seconds)
    return free[0]


@dataclass(frozen=True)
class JobView:
    """A job as a page sees it. ``position`` is its place in the queue (1 = next; 0 when not queued);
    ``wait_seconds`` estimates how long until it starts."""

    id: str
    state: str
    progress: Any = None
    result: Any = None
    error: str | None = None
    position: int = 0
    wait_seconds: float = 0.0
    elapsed_seconds: float = 0.0
    stop_asked: bool = False

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


def function_path(function: Callable | str) -> str:
    """"module:function" for an importable top-level function (what a worker can import)."""
    if isinstance(function, str):
        return function
    path = f"{function.__module__}:{function.__qualname__}"
    if "." in function.__qualname__ or function.__module__ == "__main__":
        raise ValueError(f"{path} is not an importable top-level function")
    return path


# --- workers ----------------------------------------------------------------------------------------------------


def _merge_progress(before: Any, report: Any) -> Any:
    """A job's progress after its latest report. Dict reports are merged: a key keeps its last reported
    value until reported again. So what a job reports now and then (the MNIST training's checkpoint,
    once per epoch) is not lost when several reports arrive between two polls of the page."""
    if isinstance(before, dict) and isinstance(report, dict):
        return {**before, **report}
    return report


@dataclass
class _Worker:
    name: str
    process: subprocess.Popen
    started: float
    connection: Any = None  # set when the worker has said hello
    job: str | None = None
    idle_since: float = field(default_factory=time.monotonic)
    retiring: bool = False
    kill_reason: str | None = None
    reader: threading.Thread | None = None  # reads its messages until the connection closes
    # its TMPDIR, removed once it has ended: a worker killed mid-job cannot remove its own temporary files
    # (TensorBoard logs, model files)
    temp_dir: str | None = None
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message) -> bool:
        with self.send_lock:
            try:
                self.connection.send(message)
                return True
            except Exception:  # noqa: BLE001 -- broken pipe, closed connection, or a job that cannot be pickled
                return False


def _remove_temp_dir(worker: _Worker) -> None:
    if worker.temp_dir:
        shutil.rmtree(worker.temp_dir, ignore_errors=True)


class TrainingService:
    """The supervisor: a queue of jobs, at most ``settings.workers`` worker interpreters, one job each.

    ``owner_alive(owner)`` (optional) says whether a job's owner — a browser session — still exists; a job
    whose owner has gone is cancelled (queued) or stopped (running). Thread-safe: every session of the web
    server calls it."""

    OWNER_CHECK_SECONDS = 2.0
    STOP_GRACE_SECONDS = 10.0  # a job stopped because its owner left is killed if it has not ended by then

    def __init__(self, settings: PoolSettings, owner_alive: Callable[[str], bool] | None = None,
                 python: str = sys.executable, extra_paths: tuple[str, ...] = ()):
        self.settings = settings
        self.owner_alive = owner_alive
        self.python = python
        self.extra_paths = extra_paths
        self._changed = threading.Condition()
        self._jobs: dict[str, _Job] = {}
        self._queue: deque[str] = deque()
        self._workers: dict[str, _Worker] = {}
        self._durations: dict[str, deque] = {}
        self._ids = itertools.count(1)
        self._key = secrets.token_bytes(32)
        self._listener = Listener(("127.0.0.1", 0), authkey=self._key)
        self._closed = False
        self._last_owner_check = 0.0
        self._trim_due = False
        self.workers_started = 0
        threading.Thread(target=self._accept, name="nnviz-training-accept", daemon=True).start()
        threading.Thread(target=self._supervise, name="nnviz-training-supervisor", daemon=True).start()

    # --- the interface --------------------------------------------------------------------------------

    def submit(self, owner: str, function: Callable | str, kwargs: Mapping[str, Any] | None = None) -> str:
        """Queue ``function(**kwargs)`` for ``owner``; returns the job id. Raises JobPending if the owner has a
        job queued or running."""
        path = function_path(function)
        with self._changed:
            if self._closed:
                raise RuntimeError("the training service has shut down")
            for job in self._jobs.values():
                if job.owner == owner and job.state in (QUEUED, RUNNING):
                    raise JobPending(job.id)
            job = _Job(f"job-{next(self._ids)}", owner, path, dict(kwargs or {}), time.monotonic())
            self._jobs[job.id] = job
            self._queue.append(job.id)
            self._changed.notify_all()
        return job.id

    def status(self, job_id: str) -> JobView:
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None:
                return JobView(job_id, CANCELLED, error="This job is no longer known to the server.")
            return self._view(job)

    def pending(self, owner: str) -> JobView | None:
        """The owner's job that is queued or running, if any."""
        with self._changed:
            for job in self._jobs.values():
                if job.owner == owner and job.state in (QUEUED, RUNNING):
                    return self._view(job)
        return None

    def wait(self, job_id: str, timeout: float | None = None, on_update: Callable[[JobView], None] | None = None,
             poll: float = 0.2) -> JobView:
        """Block until the job has finished (or ``timeout``); ``on_update`` gets the job's view at every poll."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            view = self.status(job_id)
            if on_update:
                on_update(view)
            if view.finished or (deadline is not None and time.monotonic() >= deadline):
                return view
            with self._changed:
                self._changed.wait(poll)

    def stop(self, job_id: str) -> None:
        """A queued job is cancelled; a running one is asked to stop (it returns what it has)."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is None or job.state in FINISHED:
                return
            if job.state == QUEUED:
                self._queue.remove(job.id)
                self._finish(job, CANCELLED, error="Cancelled before it started.")
                return
            job.stop_asked = True
            worker = self._workers.get(job.worker or "")
        if worker is not None:
            worker.send(("stop", job_id))

    def forget(self, job_id: str) -> None:
        """Drop a finished job (its result may be large)."""
        with self._changed:
            job = self._jobs.get(job_id)
            if job is not None and job.state in FINISHED:
                del self._jobs[job_id]
                self._trim_due = True  # the supervisor thread trims (nnviz.heap): not on a page's time

    def warm_up(self) -> None:
        """Start a worker now if none is running or starting, so that the first job finds TensorFlow loaded
        (a page with a Keras button calls this when it opens; an unused worker stops after ``idle_seconds``)."""
        with self._changed:
            if not self._closed and not any(not w.retiring for w in self._workers.values()):
                self._start_worker()

    def worker_pids(self) -> list[int]:
        with self._changed:
            return [w.process.pid for w in self._workers.values() if w.process.poll() is None]

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every worker (asking first, then killing) and cancel what is queued."""
        with self._changed:
            self._closed = True
            for job_id in list(self._queue):
                self._finish(self._jobs[job_id], CANCELLED, error="The server is shutting down.")
            self._queue.clear()
            workers = list(self._workers.values())
            self._changed.notify_all()
        for worker in workers:
            worker.send(("exit",))
        deadline = time.monotonic() + timeout
        for worker in workers:
            try:
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
            _remove_temp_dir(worker)
        self._listener.close()

    # --- inside -----------------------------------------------------------------------------------------

    def _view(self, job: _Job) -> JobView:
        now = time.monotonic()
        position = self._queue.index(job.id) + 1 if job.state == QUEUED else 0
        wait = 0.0
        if position:
            running = [self._seconds_left(j, now) for j in self._jobs.values() if j.state == RUNNING]
            ahead = [self._typical_seconds(self._jobs[i].function) for i in itertools.islice(self._queue, position - 1)]
            wait = estimated_wait(running, self.settings.workers, ahead)
        elapsed = (job.finished or now) - job.started if job.started else 0.0
        return JobView(job.id, job.state, job.progress, job.result, job.error, position, wait, elapsed,
                       job.stop_asked)

    def _seconds_left(self, job: _Job, now: float) -> float:
        """A running job's own estimate of its time left (a progress with a finite ``remaining``, as the MNIST
        training reports), else its kind's typical duration less what it has run; at least a second."""
        progress = job.progress.get("progress") if isinstance(job.progress, dict) else job.progress
        left = getattr(progress, "remaining", None)
        if not (isinstance(left, (int, float)) and math.isfinite(left)):
            left = self._typical_seconds(job.function) - (now - (job.started or now))
        return max(float(left), 1.0)

    def _typical_seconds(self, function: str) -> float:
        seen = self._durations.get(function)
        return sum(seen) / len(seen) if seen else DEFAULT_JOB_SECONDS

    def _finish(self, job: _Job, state: str, result: Any = None, error: str | None = None) -> None:
        job.state, job.result, job.error, job.finished = state, result, error, time.monotonic()
        if state == DONE and job.started:
            self._durations.setdefault(job.function, deque(maxlen=20)).append(job.finished - job.started)
        self._changed.notify_all()

    def _start_worker(self) -> None:
        self.workers_started += 1
        name = f"worker-{self.workers_started}"
        s = self.settings
        env = dict(os.environ)
        temp_dir = tempfile.mkdtemp(prefix=f"nnviz-{name}-")
        env.update({
            "TMPDIR": temp_dir,
            tw.ADDRESS_ENV: f"{self._listener.address[0]}:{self._listener.address[1]}", tw.KEY_ENV: self._key.hex(),
            tw.NAME_ENV: name, tw.JOBS_ENV: str(s.jobs_per_worker), tw.MEMORY_ENV: str(s.worker_memory_mb),
            tw.THREADS_ENV: str(s.threads), tw.NICE_ENV: str(s.nice), tw.PRELOAD_ENV: "1" if s.preload else "0",
            "TF_NUM_INTRAOP_THREADS": str(s.threads), "TF_NUM_INTEROP_THREADS": str(s.threads),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONPATH": os.pathsep.join([str(ROOT), *self.extra_paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        })
        process = subprocess.Popen([self.python, "-m", "nnviz.training_worker"], env=env, cwd=str(ROOT),
                                   stdin=subprocess.DEVNULL)
        self._workers[name] = _Worker(name, process, time.monotonic(), temp_dir=temp_dir)

    def _accept(self) -> None:
        while True:
            try:
                connection = self._listener.accept()
                hello = connection.recv()
            except (OSError, EOFError):
                if self._closed:
                    return
                continue  # a failed handshake (wrong key, a process that died connecting)
            with self._changed:
                worker = self._workers.get(hello[1]) if hello[0] == "hello" else None
                if worker is None or worker.process.pid != hello[2]:
                    connection.close()
                    continue
                worker.connection = connection
                worker.idle_since = time.monotonic()
                self._changed.notify_all()
                worker.reader = threading.Thread(target=self._read, args=(worker,), name=f"nnviz-{worker.name}",
                                                 daemon=True)
                worker.reader.start()

    def _read(self, worker: _Worker) -> None:
        """Messages from one worker, until its connection closes."""
        while True:
            try:
                message = worker.connection.recv()
            except (EOFError, OSError):
                return
            with self._changed:
                kind = message[0]
                job = self._jobs.get(message[1]) if kind in ("progress", "done", "failed") else None
                if kind == "progress" and job is not None and job.state == RUNNING:
                    job.progress = _merge_progress(job.progress, message[2])
                elif kind in ("done", "failed"):
                    worker.retiring = worker.retiring or bool(message[3])
                    if job is not None and job.state == RUNNING:
                        if kind == "done":
                            self._finish(job, DONE, result=message[2])
                        else:
                            self._finish(job, FAILED, error=message[2])
                    worker.job, worker.idle_since = None, time.monotonic()
                self._changed.notify_all()

    def _supervise(self) -> None:
        while True:
            with self._changed:
                if self._closed:
                    return
                try:
                    now = time.monotonic()
                    self._reap(now)
                    self._enforce_time_limits(now)
                    if self.owner_alive and now - self._last_owner_check >= self.OWNER_CHECK_SECONDS:
                        self._last_owner_check = now
                        self._drop_orphans(now)
                    self._dispatch()
                    self._retire_idle(now)
                except Exception:  # noqa: BLE001 -- the supervisor must outlive any bug: every job waits on it
                    traceback.print_exc()
                self._changed.wait(0.1)
                trim, self._trim_due = self._trim_due, False
            if trim:
                release_free_heap()

    def _reap(self, now: float) -> None:
        """Workers whose process has ended: their running job fails (the page keeps its last progress). One that
        ended before it connected fails the first queued job instead: that job is what it was started for, and
        starting another worker for it could go on for ever (TensorFlow that cannot be imported, no memory)."""
        for name, worker in list(self._workers.items()):
            code = worker.process.poll()
            if code is None or (worker.reader is not None and worker.reader.is_alive()):
                continue  # running, or its last messages (a retiring worker's result) are still being read
            del self._workers[name]
            _remove_temp_dir(worker)
            if worker.connection is None and self._queue:
                reason = worker.kill_reason or f"the worker process ended as it started (exit code {code})"
                self._finish(self._jobs[self._queue.popleft()], FAILED, error=f"The training could not start: {reason}.")
            job = self._jobs.get(worker.job or "")
            if job is not None and job.state == RUNNING:
                reason = worker.kill_reason or (
                    "the worker process was killed (signal 9: e.g. out of memory)" if code == -9 else
                    f"the worker process ended unexpectedly (exit code {code})")
                self._finish(job, FAILED, error=f"The training stopped: {reason}.")
            if worker.connection is not None:
                worker.connection.close()

    def _enforce_time_limits(self, now: float) -> None:
        limit, start_limit = self.settings.job_timeout_seconds, self.settings.start_timeout_seconds
        for worker in self._workers.values():
            if worker.connection is None and not worker.kill_reason and now - worker.started > start_limit:
                worker.kill_reason = f"the worker process did not start within {start_limit:g} s"
                worker.process.kill()
            job = self._jobs.get(worker.job or "")
            if job is None or job.state != RUNNING or worker.kill_reason:
                continue
            if now - job.started > limit:
                worker.kill_reason = f"it ran longer than the limit of {limit:g} s"
                worker.process.kill()

    def _drop_orphans(self, now: float) -> None:
        for job in list(self._jobs.values()):
            if job.state in FINISHED:
                if now - job.finished > 600:  # nobody came back for it
                    del self._jobs[job.id]
                continue
            try:
                alive = self.owner_alive(job.owner)
            except Exception:  # noqa: BLE001 -- a failing check must not stop the supervisor
                alive = True
            if alive:
                continue
            if job.state == QUEUED:
                self._queue.remove(job.id)
                self._finish(job, CANCELLED, error="Its browser session ended.")
                continue
            worker = self._workers.get(job.worker or "")
            if not job.stop_asked:
                job.stop_asked, job.orphaned_at = True, now
                if worker is not None:
                    worker.send(("stop", job.id))
            elif worker is not None and now - (job.orphaned_at or now) > self.STOP_GRACE_SECONDS:
                worker.kill_reason = "its browser session ended"
                worker.process.kill()

    def _dispatch(self) -> None:
        while self._queue:
            idle = next((w for w in self._workers.values()
                         if w.connection is not None and w.job is None and not w.retiring), None)
            if idle is None:  # start workers for the jobs that the ones starting up will not take
                starting = sum(w.connection is None for w in self._workers.values())
                live = sum(not w.retiring for w in self._workers.values())
                for _ in range(min(len(self._queue) - starting, self.settings.workers - live)):
                    self._start_worker()  # it takes a job once it has connected
                return
            job = self._jobs[self._queue.popleft()]
            job.state, job.started, job.worker = RUNNING, time.monotonic(), idle.name
            idle.job = job.id
            if not idle.send(("job", job.id, job.function, job.kwargs)):
                idle.kill_reason = "the connection to the worker broke"
                idle.process.kill()

    def _retire_idle(self, now: float) -> None:
        for worker in self._workers.values():
            if (worker.connection is not None and worker.job is None and not worker.retiring
                    and now - worker.idle_since > self.settings.idle_seconds):
                worker.retiring = True
                worker.send(("exit",))
