"""Slider → chart redrawn on this checkout and on another commit, press by press in turn.

    python -m benchmarks.redraw_ab REF [--pages perceptron,softmax] [--presses 20]

This machine's speed changes from minute to minute (docs/PERFORMANCE.md, issue #15: the same page 235 ms and
317 ms half an hour apart), so two runs of ``python -m benchmarks --only browser`` cannot show a change of 10–20 %.
Here both servers run at once (this checkout and a git worktree of REF), one Chromium opens the same page on each,
and the presses alternate: A, B, A, B, … Each press is timed as in ``benchmarks.browser`` (key → the slider's
chart redrawn). Prints, per page, each side's median and p95, and the median of the paired differences (B − A of
consecutive presses), which the machine's drift cancels out of.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from benchmarks.browser import SLIDERS, open_slider, press_once
from benchmarks.common import ROOT, chromium, median, percentile, server


def worktree(ref: str, where: Path) -> Path:
    """A detached git worktree of ``ref`` in ``where`` (removed by the caller)."""
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(where), ref], cwd=ROOT, check=True,
                   capture_output=True)
    return where


def compare(ref: str, pages: list[str], presses: int) -> dict:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        other = worktree(ref, Path(tmp) / "ref")
        try:
            with server("ab-this", timed_runs=True) as this, server("ab-ref", timed_runs=True, root=other) as old, \
                    chromium() as browser:
                for name in pages:
                    chart_key = SLIDERS[name][2]
                    opened = {side: open_slider(browser, srv, name, presses) for side, srv in
                              (("ref", old), ("this", this))}
                    times: dict[str, list[float | None]] = {"ref": [], "this": []}
                    server_times: dict[str, list[float | None]] = {"ref": [], "this": []}
                    server_cpu: dict[str, list[float | None]] = {"ref": [], "this": []}
                    for n in range(presses):
                        for side, srv in (("ref", old), ("this", this)):
                            _, page, thumb, _, keys = opened[side]
                            press = press_once(page, thumb, chart_key, srv, keys[n])
                            times[side].append(press["redraw_ms"])
                            server_times[side].append(press["server_run_ms"])
                            server_cpu[side].append(press["server_run_cpu_ms"])
                    for context, *_ in opened.values():
                        context.close()
                    pairs = [b - a for a, b in zip(times["ref"], times["this"]) if a is not None and b is not None]
                    results[name] = {
                        **{f"{side}_median_ms": median([t for t in ts if t is not None]) for side, ts in times.items()},
                        **{f"{side}_p95_ms": percentile([t for t in ts if t is not None], 0.95)
                           for side, ts in times.items()},
                        **{f"{side}_server_run_median_ms": median(ts) for side, ts in server_times.items()},
                        **{f"{side}_server_cpu_median_ms": median(ts) for side, ts in server_cpu.items()},
                        "paired_difference_median_ms": median(pairs), "samples": times,
                    }
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False,
                           capture_output=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the commit to compare with (e.g. HEAD~1)")
    parser.add_argument("--pages", default=",".join(SLIDERS), help=f"comma-separated, of: {', '.join(SLIDERS)}")
    parser.add_argument("--presses", type=int, default=20)
    args = parser.parse_args()
    results = compare(args.ref, args.pages.split(","), args.presses)
    print(f"{'page':22} {args.ref + ' median / p95':>26} {'this checkout':>20} {'this − ref (paired)':>22}"
          f" {'server run: ref / this':>24} {'its CPU':>12}")
    for name, r in results.items():
        print(f"{name:22} {r['ref_median_ms']:14.0f} / {r['ref_p95_ms']:4.0f} ms {r['this_median_ms']:9.0f} / "
              f"{r['this_p95_ms']:4.0f} ms {r['paired_difference_median_ms']:+18.0f} ms"
              f" {r['ref_server_run_median_ms']:15.0f} / {r['this_server_run_median_ms']:3.0f} ms"
              f" {r['ref_server_cpu_median_ms']:5.1f} / {r['this_server_cpu_median_ms']:4.1f} ms")


if __name__ == "__main__":
    main()
