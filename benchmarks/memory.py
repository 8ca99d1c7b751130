"""Memory of the server and its Keras workers while a student trains on the MNIST page again and again.

A fresh `streamlit run` server; one headless Chromium session opens /mnist, sets "epochs per training" to 1
(Home on its slider) and presses "Train a new network" ``trainings`` times in a row, each time waiting until
the training has finished and the page has settled (``benchmarks.mnist_browser.train_once``: no progress bar,
Stop disabled, "test accuracy" shown, every chart drawn). The training runs in a worker process
(``python -m nnviz.training_worker``, a child of the server); the server itself never imports TensorFlow.

Read from /proc, idle (the page open, before any training) and after each training:

- the server's VmRSS (/proc/<pid>/status): its growth from training 1 to the last is the goal;
- PSS (``Pss:`` of /proc/<pid>/smaps_rollup) of the server and of every process below it (the workers),
  summed: what the pool must fit in (``PoolSettings.memory_limit_mb``, 1.6 GB by default with two workers).
  PSS counts a page shared by n processes as 1/n in each, so TensorFlow's library pages shared by workers
  are counted once. The sum of VmRSS (which counts shared pages in every process) is noted too;
- the number of workers and their pids (a worker is replaced after ``jobs_per_worker`` jobs or above its
  memory cap after a job);
- the time from the click to the first point of the training curve (information; ``first_point`` has the goal).

A thread also samples the PSS sum every ``SAMPLE_SECONDS`` while the trainings run: its maximum is the peak
*during* a training, which the readings after each training can miss.

One session uses one worker at a time. So that the pool's limit is also checked with every worker busy, a
second phase follows (not part of the growth figure): a second browser session opens /mnist (its default
5 epochs) and both press Train at the same moment, ``concurrent_rounds`` times; the PSS sum is sampled the
same way and read after each round.

(The control of the in-process design — the same trainings in a plain interpreter, to tell Streamlit's share
of the growth from Keras' — is gone: the server no longer runs Keras, and a worker is a plain interpreter.)
"""

from __future__ import annotations

import os
import threading
import time

from benchmarks.common import (
    ROOT,
    STATE_PROBE,
    chromium,
    median,
    memory_snapshot,
    new_page,
    runs_done,
    server,
    wait_charts_drawn,
    wait_for_run,
)
from benchmarks.mnist_browser import TRAIN_PROBE, start_training, train_once, wait_trained

SAMPLE_SECONDS = 0.5


def pool_settings():
    """The settings the server sizes its pool with (as ``nnviz.ui.training_service``: [training] in
    .streamlit/secrets.toml, then the environment, then the cgroup limit or the default)."""
    from nnviz.training_service import PoolSettings

    configured = {}
    try:
        import tomllib  # Python ≥ 3.11

        configured = tomllib.loads((ROOT / ".streamlit" / "secrets.toml").read_text()).get("training", {})
    except (ImportError, OSError, ValueError):  # no secrets.toml (TOMLDecodeError is a ValueError)
        pass
    return PoolSettings.from_settings(configured, os.environ)


class _Sampler(threading.Thread):
    """The PSS sum of the server and its children, every ``SAMPLE_SECONDS``, until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples = pid, None, 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(SAMPLE_SECONDS):
            try:
                snapshot = memory_snapshot(self.pid)
            except (OSError, RuntimeError):
                continue
            self.samples += 1
            if self.peak is None or snapshot["total_pss_mb"] > self.peak["total_pss_mb"]:
                self.peak = snapshot


def _two_sessions(browser, s, page, rounds: int) -> dict:
    """Both sessions press Train at once, ``rounds`` times; PSS sampled during and read after each round."""
    other_context, other = new_page(browser)
    other.add_init_script(STATE_PROBE)
    other.add_init_script(TRAIN_PROBE)
    other.goto(s.url + "/mnist")
    wait_charts_drawn(other)
    sampler = _Sampler(s.pid)
    sampler.start()
    after, timings = [], []
    try:
        for _ in range(rounds):
            started = [start_training(page), start_training(other)]
            timings.append([wait_trained(page, started[0]), wait_trained(other, started[1])])
            after.append(memory_snapshot(s.pid))
    finally:
        sampler.stopped.set()
        sampler.join()
    errors = other.locator("[data-testid='stException']").count() + len(other.page_errors)
    other_context.close()
    highest = max(after, key=lambda a: a["total_pss_mb"])
    return {"rounds": rounds, "total_pss_max_after_round_mb": highest["total_pss_mb"],
            "total_pss_max_after_round": highest,
            "total_pss_peak_sampled_mb": sampler.peak and sampler.peak["total_pss_mb"],
            "total_pss_peak_sampled": sampler.peak, "pss_samples": sampler.samples,
            "workers_max": max(max(a["children"] for a in after), sampler.peak["children"] if sampler.peak else 0),
            "worker_pids_seen": sorted({pid for a in after for pid in a["children_pids"]}),
            "after_each_round": after, "trainings": timings, "errors_second_session": errors}


def measure(trainings: int = 30, concurrent_rounds: int = 3) -> dict:
    settings = pool_settings()
    with server("memory") as s, chromium() as browser:
        context, page = new_page(browser)
        page.add_init_script(STATE_PROBE)
        page.add_init_script(TRAIN_PROBE)
        page.goto(s.url + "/mnist")
        wait_charts_drawn(page)
        page.wait_for_timeout(500)
        idle = memory_snapshot(s.pid)

        thumb = page.locator(".st-key-mn_epochs").get_by_role("slider")
        thumb.focus()
        before = runs_done(page)
        thumb.press("Home")
        wait_for_run(page, before)
        wait_charts_drawn(page)
        epochs = thumb.input_value()
        before_first = memory_snapshot(s.pid)

        sampler = _Sampler(s.pid)
        sampler.start()
        after, timings = [], []
        try:
            for _ in range(trainings):
                timings.append(train_once(page))
                after.append(memory_snapshot(s.pid))
        finally:
            sampler.stopped.set()
            sampler.join()
        epochs_trained = page.locator("[data-testid='stMetric']").filter(has_text="epochs trained") \
            .locator("[data-testid='stMetricValue']").inner_text()
        two = _two_sessions(browser, s, page, concurrent_rounds) if concurrent_rounds else None
        exceptions = page.locator("[data-testid='stException']").count()
        page_errors = list(page.page_errors)
        context.close()
        time.sleep(1)
        after_close = memory_snapshot(s.pid)
        tensorflow_in_server = s.tensorflow_loaded()

    rss = [a["server_rss_mb"] for a in after]
    highest = max(after, key=lambda a: a["total_pss_mb"])
    worker_pids = sorted({pid for a in after for pid in a["children_pids"]})
    first_point = [t["first_point_ms"] for t in timings]
    return {
        "trainings": trainings,
        "epochs_per_training": epochs,
        "pool": {"workers": settings.workers, "memory_limit_mb": settings.memory_limit_mb,
                 "worker_memory_mb": settings.worker_memory_mb, "jobs_per_worker": settings.jobs_per_worker},
        "idle": idle,
        "before_first_training": before_first,
        "server_rss_idle_mb": idle["server_rss_mb"],
        "server_rss_before_first_training_mb": before_first["server_rss_mb"],
        "server_rss_after_first_training_mb": rss[0],
        "server_rss_after_last_training_mb": rss[-1],
        "server_rss_growth_first_to_last_mb": rss[-1] - rss[0],
        "server_rss_growth_per_training_mb": (rss[-1] - rss[0]) / max(trainings - 1, 1),
        "server_rss_growth_before_first_to_last_mb": rss[-1] - before_first["server_rss_mb"],
        "server_rss_max_mb": max(rss),
        "server_rss_after_session_closed_mb": after_close["server_rss_mb"],
        "total_pss_max_after_training_mb": highest["total_pss_mb"],
        "total_pss_max_after_training": highest,
        "total_pss_peak_sampled_mb": sampler.peak and sampler.peak["total_pss_mb"],
        "total_pss_peak_sampled": sampler.peak,
        "pss_samples": sampler.samples,
        "total_rss_max_after_training_mb": max(a["total_rss_mb"] for a in after),
        "workers_max": max(a["children"] for a in after),
        "workers_seen": len(worker_pids),
        "worker_pids_seen": worker_pids,
        "after_session_closed": after_close,
        "after_each_training": after,
        "server_rss_after_each_training_mb": rss,
        "first_point_ms": first_point,
        "first_point_first_training_ms": first_point[0],
        "first_point_median_later_ms": median(first_point[1:]),
        "click_to_trained_s": [t["click_to_trained_s"] for t in timings],
        "trainings_detail": timings,
        "epochs_trained_shown": epochs_trained,
        "exceptions_on_page": exceptions,
        "javascript_errors": page_errors,
        "server_tensorflow_loaded": tensorflow_in_server,
        "two_sessions": two,
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 30), indent=1))
