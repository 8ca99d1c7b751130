"""nnviz.heap: freed memory of the web server goes back to the system (glibc only)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import requires_streamlit

from nnviz import heap

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.unit, pytest.mark.skipif(heap._libc is None, reason="glibc's malloc: Linux only")]


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 2**10


def test_freed_memory_of_a_reader_thread_goes_back_to_the_system():
    """What the server's growth came from: blocks unpickled in a reader thread (its own glibc arena) and freed
    with holes between them stay resident until ``release_free_heap``."""
    import threading

    kept = []

    def read_results():  # 2,400 blocks of 64 kB, like unpickled arrays; every other one is freed
        blocks = [bytes(bytearray(64 * 2**10)) for _ in range(2400)]
        kept.extend(blocks[::2])

    thread = threading.Thread(target=read_results)
    thread.start()
    thread.join()
    freed = _rss_mb()
    heap.release_free_heap()
    trimmed = _rss_mb()
    print(f"RSS {freed:.0f} MB with 75 MB freed in holes, {trimmed:.0f} MB after release_free_heap")
    assert freed - trimmed > 40
    assert len(kept) == 1200



RETAINED = """
import numpy as np
from nnviz import heap
{fix}
def rss():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 2**10
np.ones(2**20).sum()  # an 8 MB temporary, mapped and unmapped: glibc then raises its threshold to 8 MB
before = rss()
blocks = [np.ones(2**19) for _ in range(12)]  # 4 MB arrays (a test set's activations)
kept = blocks[1::2]
del blocks  # every other one is freed: 24 MB in holes
print(rss() - before - 24)
"""


def retained_mb(fix: str) -> float:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(RETAINED.format(fix=fix))], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=60)
    return float(out.stdout.split()[-1])


def test_large_temporaries_go_back_to_the_system_once_freed():
    """What the server's growth over a lecture's trainings came from (50.4 MB over 30, 5.5 MB with the fix)."""
    default = retained_mb("")
    fixed = retained_mb("assert heap.keep_large_blocks_mapped()")
    print(f"24 MB of 4 MB arrays freed: {default:.1f} MB stay with glibc's default, {fixed:.1f} MB pinned")
    assert default > 15 and fixed < 3


@requires_streamlit
def test_the_web_server_pins_the_threshold():
    """nnviz.ui is what every page of the server imports (and only the server)."""
    assert retained_mb("import nnviz.ui") < 3
