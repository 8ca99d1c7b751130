"""The web server's C heap (glibc's malloc): keep freed memory from staying with the process.

Free of Streamlit and TensorFlow. Two glibc behaviours made the server's RSS grow by steps over a lecture's
trainings (50 MB over 30, then flat), though nothing was kept alive:

- its *dynamic mmap threshold*: a large block (a numpy temporary of a few MB, e.g. evaluating a trained
  network on the test images) is at first mapped on its own and unmapped when freed, but glibc then raises the
  threshold to that size, so the next ones come from the heap and their pages stay with the process when freed.
  ``keep_large_blocks_mapped`` pins the threshold (as ``MALLOC_MMAP_THRESHOLD_`` in the environment would):
  over 30 trainings the growth fell from 50.4 to 5.5 MB.
- per-thread heaps (arenas), which glibc does not shrink by itself: a job's result is unpickled in the thread
  that reads its worker. ``release_free_heap`` hands their free pages back.

Elsewhere than glibc both do nothing.
"""

from __future__ import annotations

import sys

M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
MMAP_THRESHOLD_BYTES = 128 * 2**10  # glibc's initial value: blocks from 128 kB up are mapped on their own


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.malloc_trim, libc.mallopt  # noqa: B018 -- musl has neither (AttributeError)
        return libc
    except (OSError, AttributeError):
        return None


_libc = _glibc()


def keep_large_blocks_mapped(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Blocks of ``threshold`` bytes and more are always mapped on their own, so freeing one returns its memory
    to the system at once. Returns whether it took effect."""
    return bool(_libc is not None and _libc.mallopt(M_MMAP_THRESHOLD, threshold))


def release_free_heap() -> None:
    """Hand the free pages of every heap (the main one and each thread's) back to the system (``malloc_trim``)."""
    if _libc is not None:
        _libc.malloc_trim(0)
