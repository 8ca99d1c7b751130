"""Rerun budget: a page answers a widget change in ~50 ms server-side (DESIGN.md, issue #2).

Measured by tests/rerun_timing.py in a fresh interpreter, side by side with a reference page
holding one plotly chart, and printed (see it with pytest -s). About half of an AppTest rerun is
AppTest's own work (parsing every element the page sent); the page scripts themselves take
~30 ms. The assertion allows 2× the budget: on this shared 2-core machine the same page's median
moved between 41 and 64 ms from one run to the next, and a red CI blocks everything; it still
catches a page that grew a slow computation. The machine itself also runs slower at times (the
one-chart reference page took 5 ms in one run and 8 ms in another, and every page with it), so the
allowance grows with the reference page's time above REFERENCE_RERUN_MS, and a page over it is measured
once more before the test fails.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REFERENCE_RERUN_MS, ROOT

pytestmark = pytest.mark.timing  # alone, not beside the other test process: it measures time

BUDGET_MS = 50
NOISE_ALLOWANCE = 2.0


def limit_ms(reference_ms: float) -> float:
    """The assertion's limit: the budget with its noise allowance, scaled up when the machine is slow now."""
    return BUDGET_MS * NOISE_ALLOWANCE * max(1.0, reference_ms / REFERENCE_RERUN_MS)


def measure() -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "rerun_timing.py")], check=False, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def over_limit(results: dict) -> list[str]:
    return [page for page, r in results.items() if r["page"] >= limit_ms(r["reference"])]


def test_rerun_after_a_widget_change_is_within_budget(capsys):
    results = measure()
    if over_limit(results):  # once more: a slow moment of a shared machine is not a slow page
        results = measure()
    with capsys.disabled():
        for page, r in results.items():
            widgets = ", ".join(f"{k} {v:.1f}" for k, v in r.items()
                                if k not in ("page", "reference", "tensorflow_imported"))
            print(f"\n{page}: median rerun {r['page']:.1f} ms (reference one-chart page {r['reference']:.1f} ms, "
                  f"limit {limit_ms(r['reference']):.0f} ms); {widgets}")
    for page, r in results.items():
        assert not r["tensorflow_imported"], page
    assert not over_limit(results), {page: results[page]["page"] for page in over_limit(results)}


def test_the_limit_follows_the_machine():
    assert limit_ms(4.0) == limit_ms(5.0) == 100.0  # never below the budget's allowance
    assert limit_ms(8.0) == 160.0  # a machine 1.6x slower on the reference page: 1.6x the limit
