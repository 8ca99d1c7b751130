"""Jobs for tests/test_training_service.py: importable by a worker (the service adds tests/ to its path)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

_kept = []  # memory a job leaves behind in its worker


def add(a, b):
    return a + b


def whereami():
    """The worker's pid and which of the web server's and TensorFlow's modules it has imported."""
    return {"pid": os.getpid(), "streamlit": "streamlit" in sys.modules, "tensorflow": "tensorflow" in sys.modules}


def count(n: int, pause: float, report, stop_requested):
    """Counts to n, reporting each number; stops early when asked and says where."""
    for i in range(1, n + 1):
        if stop_requested():
            return {"counted": i - 1, "stopped": True, "pid": os.getpid()}
        time.sleep(pause)
        report({"i": i, "pid": os.getpid()})
    return {"counted": n, "stopped": False, "pid": os.getpid()}


def count_with_milestones(n: int, every: int, report):
    """Counts to n as fast as it can, reporting each number and, at every ``every``-th, the milestone."""
    for i in range(1, n + 1):
        report({"i": i, "milestone": i} if i % every == 0 else {"i": i})
    return n


def fail():
    raise ValueError("bad input")


def hang(report):
    report({"started": True, "pid": os.getpid()})
    time.sleep(3600)


def hang_with_temporary_files(report):
    """As the MNIST training does: a temporary folder (TensorBoard's logs) that only the job's end would remove."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nnviz-tensorboard-") as folder:
        (Path(folder) / "events.out.tfevents").write_bytes(b"x" * 1000)
        report({"folder": folder, "pid": os.getpid()})
        time.sleep(3600)


def hold_memory(mb: int):
    _kept.append(bytearray(mb * 2**20))
    return os.getpid()


def large_result(mb: int) -> bytes:
    return bytes(mb * 2**20)
