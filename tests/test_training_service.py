"""nnviz.training_service with fake jobs (tests/service_jobs.py) in worker interpreters without TensorFlow
(``preload=False``), and one real Keras job in a TensorFlow worker."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import requires_streamlit

from nnviz import network as nw
from nnviz import training_service as ts

pytestmark = pytest.mark.unit
TESTS = str(Path(__file__).resolve().parent)
FAST = ts.PoolSettings(workers=1, preload=False, nice=0, idle_seconds=60, job_timeout_seconds=60)


@pytest.fixture
def make_service():
    services = []

    def make(owner_alive=None, **changes):
        service = ts.TrainingService(dataclasses.replace(FAST, **changes), owner_alive, extra_paths=(TESTS,))
        services.append(service)
        return service

    yield make
    for service in services:
        service.shutdown()


def until(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


@requires_streamlit  # the worker is to have none though the process that starts it has
def test_a_job_runs_in_a_worker_interpreter_without_streamlit(make_service):
    service = make_service()
    view = service.wait(service.submit("s1", "service_jobs:add", {"a": 2, "b": 3}), timeout=30)
    assert (view.state, view.result, view.error) == (ts.DONE, 5, None)
    import streamlit  # noqa: F401
    where = service.wait(service.submit("s1", "service_jobs:whereami"), timeout=30).result
    assert where["pid"] != os.getpid() and where["pid"] in service.worker_pids()
    assert where["streamlit"] is False and where["tensorflow"] is False


def test_a_key_reported_now_and_then_stays_in_the_progress_until_reported_again(make_service):
    """The MNIST training sends its checkpoint once per epoch and progress many times a second: a page that
    polls after several reports must still find the epoch's checkpoint (CI lost one, 2026-12-01)."""
    service = make_service()
    view = service.wait(service.submit("s1", "service_jobs:count_with_milestones", {"n": 2000, "every": 300}),
                        timeout=30)
    assert view.state == ts.DONE
    assert view.progress == {"i": 2000, "milestone": 1800}


def test_progress_streams_back_and_stop_is_cooperative(make_service):
    service = make_service()
    job = service.submit("s1", "service_jobs:count", {"n": 500, "pause": 0.01})
    seen = until(lambda: (service.status(job).progress or {}).get("i", 0) >= 5 and service.status(job).progress)
    later = until(lambda: service.status(job).progress["i"] > seen["i"] and service.status(job).progress)
    assert later["i"] > seen["i"] and service.status(job).state == ts.RUNNING
    service.stop(job)
    view = service.wait(job, timeout=30)
    assert view.state == ts.DONE and view.result["stopped"] and later["i"] <= view.result["counted"] < 500
    assert view.stop_asked


def test_a_failing_job_reports_its_error_and_the_worker_carries_on(make_service):
    service = make_service()
    before = service.wait(service.submit("s1", "service_jobs:whereami"), timeout=30).result["pid"]
    view = service.wait(service.submit("s1", "service_jobs:fail"), timeout=30)
    assert view.state == ts.FAILED and view.error.startswith("ValueError: bad input")
    assert service.wait(service.submit("s1", "service_jobs:whereami"), timeout=30).result["pid"] == before


def test_a_killed_worker_fails_only_its_own_job_and_is_replaced(make_service):
    service = make_service(workers=2)
    doomed = service.submit("s1", "service_jobs:count", {"n": 100_000, "pause": 0.01})
    other = service.submit("s2", "service_jobs:count", {"n": 150, "pause": 0.01})
    progress = until(lambda: service.status(doomed).progress)
    until(lambda: service.status(other).progress)
    os.kill(progress["pid"], signal.SIGKILL)
    view = service.wait(doomed, timeout=30)
    assert view.state == ts.FAILED and "killed" in view.error
    assert view.progress["i"] >= 1  # the last progress stays for the page
    survivor = service.wait(other, timeout=60)
    assert survivor.state == ts.DONE and survivor.result == {"counted": 150, "stopped": False,
                                                             "pid": survivor.result["pid"]}
    assert survivor.result["pid"] != progress["pid"]
    again = service.wait(service.submit("s1", "service_jobs:add", {"a": 1, "b": 1}), timeout=30)
    assert (again.state, again.result) == (ts.DONE, 2)  # a new worker took over
    assert progress["pid"] not in service.worker_pids()


def test_a_killed_workers_temporary_files_are_removed(make_service):
    """A worker killed mid-job (out of memory, its time limit) cannot remove its own temporary files, such as a
    training's TensorBoard logs: they are in a folder of its own, which the service removes once it has ended."""
    service = make_service()
    job = service.submit("s1", "service_jobs:hang_with_temporary_files")
    progress = until(lambda: service.status(job).progress)
    folder = Path(progress["folder"])
    assert folder.is_dir() and folder.parent.name.startswith("nnviz-worker-")  # in the worker's own TMPDIR
    os.kill(progress["pid"], signal.SIGKILL)
    assert service.wait(job, timeout=30).state == ts.FAILED
    until(lambda: not folder.parent.exists())


def test_a_job_past_its_time_limit_is_killed_with_its_worker(make_service):
    service = make_service(job_timeout_seconds=1.0)
    job = service.submit("s1", "service_jobs:hang")
    pid = until(lambda: service.status(job).progress)["pid"]
    view = service.wait(job, timeout=30)
    assert view.state == ts.FAILED and "longer than the limit of 1 s" in view.error
    until(lambda: pid not in service.worker_pids())


def fake_python(tmp_path: Path, body: str) -> str:
    """An executable the service starts in place of Python: a worker that never says hello."""
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize(("body", "message"), [
    ("exit 3", "The training could not start: the worker process ended as it started (exit code 3)."),
    ("exec sleep 600", "The training could not start: the worker process did not start within 1 s."),
])
def test_a_worker_that_cannot_start_fails_the_job_waiting_for_it_and_is_not_started_again(tmp_path, body, message):
    """A worker process that ends, or hangs, before it connects (TensorFlow that cannot be imported, no memory):
    the job it was started for fails with a message the page shows, instead of waiting for ever while worker after
    worker is started."""
    service = ts.TrainingService(dataclasses.replace(FAST, start_timeout_seconds=1.0), python=fake_python(tmp_path, body))
    try:
        view = service.wait(service.submit("s1", "service_jobs:add", {"a": 2, "b": 3}), timeout=20)
        assert (view.state, view.error) == (ts.FAILED, message)
        time.sleep(1.5)  # the supervisor's next rounds: nothing is queued, so no worker is started again
        assert service.workers_started == 1 and until(lambda: service.worker_pids() == [], timeout=10)
    finally:
        service.shutdown()


def test_queue_positions_wait_estimates_and_one_pending_job_per_owner(make_service):
    service = make_service()
    first = service.submit("a", "service_jobs:count", {"n": 10_000, "pause": 0.01})
    until(lambda: service.status(first).state == ts.RUNNING)
    second = service.submit("b", "service_jobs:add", {"a": 1, "b": 2})
    third = service.submit("c", "service_jobs:add", {"a": 3, "b": 4})
    assert [service.status(j).position for j in (first, second, third)] == [0, 1, 2]
    assert 0 < service.status(second).wait_seconds < service.status(third).wait_seconds
    with pytest.raises(ts.JobPending) as pending:
        service.submit("a", "service_jobs:add", {"a": 0, "b": 0})
    assert pending.value.job_id == first and service.pending("a").id == first
    service.stop(third)
    assert service.status(third).state == ts.CANCELLED and service.status(second).position == 1
    service.stop(first)
    assert service.wait(second, timeout=30).result == 3
    assert service.pending("a") is None and service.pending("b") is None


def test_the_wait_counts_the_running_jobs_time_left_and_the_jobs_ahead():
    """A helper's third student was told 'about 8 s' (the past jobs' mean, once per worker) for 26 s, behind two
    trainings with ~25 s left; the estimate never went down."""
    assert ts.estimated_wait([25.0, 23.0], 2, []) == 23.0  # next: when the first running job ends
    assert ts.estimated_wait([25.0, 23.0], 2, [8.0]) == 25.0  # one ahead takes the slot freed at 23 s
    assert ts.estimated_wait([25.0, 23.0], 2, [8.0, 8.0]) == 31.0  # the second one ahead, the slot of 25 s
    assert ts.estimated_wait([10.0], 2, []) == 0.0  # a slot is free
    assert ts.estimated_wait([], 1, [5.0, 5.0]) == 10.0
    assert ts.estimated_wait([20.0, 3.0], 2, []) < ts.estimated_wait([20.0, 13.0], 2, [])  # it goes down as they run


def test_jobs_of_a_session_that_ended_are_cancelled_or_stopped(make_service):
    alive = {"here": True, "gone": True}
    service = make_service(owner_alive=lambda owner: alive[owner])
    service.OWNER_CHECK_SECONDS = 0.1
    running = service.submit("gone", "service_jobs:count", {"n": 100_000, "pause": 0.01})
    until(lambda: service.status(running).progress)
    queued = service.submit("here", "service_jobs:add", {"a": 1, "b": 1})
    alive["gone"] = False
    view = service.wait(running, timeout=30)
    assert view.state == ts.DONE and view.result["stopped"]  # asked to stop, as Stop would
    assert service.wait(queued, timeout=30).result == 2  # the other session's job goes on
    alive["here"] = False  # a job submitted after its session ended does not run on
    late = service.wait(service.submit("here", "service_jobs:count", {"n": 100_000, "pause": 0.01}), timeout=30)
    assert late.state == ts.CANCELLED or (late.state == ts.DONE and late.result["stopped"])


def test_workers_retire_after_their_jobs_or_above_their_memory_cap_and_stop_when_idle(make_service):
    service = make_service(jobs_per_worker=2)
    pids = [service.wait(service.submit("s", "service_jobs:whereami"), timeout=30).result["pid"] for _ in range(3)]
    assert pids[0] == pids[1] != pids[2]
    capped = make_service(worker_memory_mb=150)
    small = capped.wait(capped.submit("s", "service_jobs:hold_memory", {"mb": 1}), timeout=30).result
    assert capped.wait(capped.submit("s", "service_jobs:hold_memory", {"mb": 1}), timeout=30).result == small
    big = capped.wait(capped.submit("s", "service_jobs:hold_memory", {"mb": 200}), timeout=30).result
    assert big == small  # it ran there, and the worker retired after it
    assert capped.wait(capped.submit("s", "service_jobs:whereami"), timeout=30).result["pid"] != big
    idle = make_service(idle_seconds=0.3)
    idle.wait(idle.submit("s", "service_jobs:add", {"a": 1, "b": 1}), timeout=30)
    until(lambda: not idle.worker_pids(), timeout=10)


def test_a_retiring_workers_last_result_arrives(make_service):
    """A worker retiring after its job ends right after sending the result: the job is done, not failed
    (the supervisor saw the process gone before it had read a large result)."""
    service = make_service(jobs_per_worker=1)
    for _ in range(3):
        view = service.wait(service.submit("s", "service_jobs:large_result", {"mb": 40}), timeout=60)
        assert (view.state, len(view.result or b"")) == (ts.DONE, 40 * 2**20), view.error


class Unpicklable:
    """As a class of a module Streamlit reloaded mid-session: "it's not the same object"."""

    def __reduce__(self):
        import pickle

        raise pickle.PicklingError("Can't pickle <class 'Unpicklable'>: it's not the same object")


def test_a_job_that_cannot_be_sent_fails_alone(make_service):
    """Arguments that cannot be pickled fail that job; the supervisor goes on serving the others."""
    service = make_service()
    bad = service.wait(service.submit("s", "service_jobs:add", {"a": Unpicklable(), "b": 2}), timeout=30)
    assert bad.state == ts.FAILED
    assert service.wait(service.submit("s", "service_jobs:add", {"a": 2, "b": 3}), timeout=30).result == 5


def test_pool_size_and_caps_follow_the_memory_limit(tmp_path):
    cpus = os.cpu_count() or 1
    (tmp_path / "memory.max").write_text(str(2 * 2**30))
    sized = ts.PoolSettings.from_settings({}, cgroup_root=tmp_path)
    assert sized.memory_limit_mb == 2048 and sized.workers == min(cpus, 2)
    assert sized.worker_memory_mb == pytest.approx((2048 - ts.SERVER_MB) / sized.workers)
    (tmp_path / "memory.max").write_text(str(700 * 2**20))  # Community Cloud's smallest: one worker
    small = ts.PoolSettings.from_settings({}, cgroup_root=tmp_path)
    assert (small.workers, small.worker_memory_mb) == (1, 300)
    (tmp_path / "memory.max").write_text("max")  # no limit: the default 1.6 GB for two workers
    default = ts.PoolSettings.from_settings({}, cgroup_root=tmp_path)
    assert default.memory_limit_mb == ts.SERVER_MB + default.workers * ts.WORKER_MB
    secrets = {"workers": 3, "memory_limit_mb": 4000, "job_timeout_seconds": 60}
    env = {"NNVIZ_WORKERS": "1", "NNVIZ_WORKER_THREADS": "2"}
    chosen = ts.PoolSettings.from_settings(secrets, env, cgroup_root=tmp_path)
    assert (chosen.workers, chosen.threads, chosen.job_timeout_seconds) == (1, 2, 60)  # the environment wins
    assert chosen.worker_memory_mb == 4000 - ts.SERVER_MB
    capped = ts.PoolSettings.from_settings({"worker_memory_mb": 900}, {"NNVIZ_WORKER_MEMORY_MB": "800"},
                                           cgroup_root=tmp_path)
    assert capped.worker_memory_mb == 800  # a cap set by hand is kept
    with pytest.raises(ValueError, match="not a number"):
        ts.PoolSettings.from_settings({"NNVIZ_WORKERS": "two"}, cgroup_root=tmp_path)
    with pytest.raises(ValueError, match="≥ 1"):
        ts.PoolSettings.from_settings({"NNVIZ_WORKER_THREADS": "0"}, cgroup_root=tmp_path)


def test_only_importable_functions_can_be_jobs():
    assert ts.function_path(nw.fit) == "nnviz.network:fit"
    with pytest.raises(ValueError, match="importable"):
        ts.function_path(lambda: 1)


def test_a_keras_job_runs_in_a_tensorflow_worker_and_equals_the_engine(make_service):
    """The Backpropagation page's GradientTape job, in a worker that imported TensorFlow as it started."""
    from nnviz import keras_jobs as kj

    service = make_service(preload=True, threads=1)
    spec = nw.NetworkSpec((2, 3, 1), "tanh", "sigmoid", "binary_crossentropy")
    net = nw.init_network(spec, 4)
    x, y = np.array([[0.5, -1.0], [1.5, 0.2]]), np.array([1.0, 0.0])
    job = service.submit("s", kj.gradient_tape_gradients, {"spec": dataclasses.asdict(spec), "weights": net.weights,
                                                            "biases": net.biases, "x": x, "y": y})
    view = service.wait(job, timeout=120)
    assert view.state == ts.DONE, view.error
    ours = nw.backward(net, nw.forward(net, x), y)
    for theirs, mine in zip(view.result["weights"], ours.weights):
        np.testing.assert_allclose(theirs, mine, rtol=1e-5, atol=1e-6)
    where = service.wait(service.submit("s", "service_jobs:whereami"), timeout=30).result
    assert where["tensorflow"] and not where["streamlit"]


def test_warm_up_starts_one_worker_that_the_first_job_then_uses(make_service):
    service = make_service(workers=2)
    service.warm_up()
    service.warm_up()  # one is starting: no second
    pid = until(lambda: service.worker_pids())[0]
    assert service.workers_started == 1
    where = service.wait(service.submit("s", "service_jobs:whereami"), timeout=30).result
    assert where["pid"] == pid


def test_a_worker_whose_server_has_gone_exits_quietly():
    """The server process dies mid-job (kill -9): its worker ends without a traceback on the shared stderr."""
    import subprocess
    import sys

    script = f"""
import sys, time
sys.path.insert(0, {TESTS!r})
from nnviz import training_service as ts
service = ts.TrainingService(ts.PoolSettings(workers=1, preload=False, nice=0), extra_paths=({TESTS!r},))
job = service.submit("s", "service_jobs:count", {{"n": 1000, "pause": 0.02}})
while not service.status(job).progress:
    time.sleep(0.02)
print(service.worker_pids()[0], flush=True)
time.sleep(60)
"""
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    worker = int(server.stdout.readline())
    server.send_signal(signal.SIGKILL)
    server.wait()
    server.stdout.close()
    until(lambda: not Path(f"/proc/{worker}").exists())
    errors = server.stderr.read()  # ends when the worker, the pipe's last writer, has gone
    server.stderr.close()
    assert "Traceback" not in errors, errors


def test_forgetting_a_finished_job_has_the_supervisor_release_the_heap(make_service, monkeypatch):
    trims = []
    monkeypatch.setattr(ts, "release_free_heap", lambda: trims.append(0))
    service = make_service()
    job = service.submit("s", "service_jobs:add", {"a": 1, "b": 2})
    assert service.wait(job, timeout=30).state == ts.DONE
    time.sleep(0.3)  # three supervisor rounds
    assert trims == []  # the page has not taken the result yet: nothing was freed
    service.forget(job)
    assert until(lambda: trims, timeout=5) == [0]
