"""Run the nnviz benchmarks (issue #7): measurements with goals, not timed tests.

    python -m benchmarks                          # everything, ~8-10 minutes on 2 cores
    python -m benchmarks --only reruns,browser    # some parts
    python -m benchmarks --list                   # the parts

Prints a table (one row per measurement, with its goal and PASS/FAIL) and writes
benchmarks/results.json: the machine, the date, every figure and the raw samples. The machine may
be noisy: figures are medians, and each page's rerun is measured side by side with a reference page
holding one plotly chart. Take the numbers that matter on a quiet machine (see ``loadavg`` in the
results: the 1-minute load average before and after each part) and read them with the machine's speed beside
them (``loop_seconds``: a Python loop of 10^7 additions before and after each part).

Parts:
  reruns      per page (AppTest, a fresh interpreter per page): first render, median rerun after a
              widget change next to the reference page, bytes of figure data, TensorFlow imported?
              (MNIST: also after a 1-epoch training in the same session)
  cold_start  `streamlit run` spawned → home page rendered in headless Chromium; RSS; TensorFlow?
  training    MNIST training as the page runs it, in a warm Keras worker (TrainingService, one worker),
              vs plain model.fit in a fresh interpreter with the workers' TensorFlow thread count (and,
              for information, with TensorFlow's default threads); interleaved medians
  first_point headless Chromium on a fresh server: click on "Train a new network" → first point of the
              training curve, the first (cold) training and 5 more (warm worker); again on a second
              fresh server with the click 10 s after the page rendered
  memory      30 one-epoch trainings in a row from one browser session on a fresh server: server RSS
              growth; PSS of server + workers after each (and sampled during) vs the pool's memory limit;
              then two sessions training at once (every worker busy), 3 times: PSS again
  browser     headless Chromium: slider key press → its chart redrawn, 20 presses on each numpy page
  engine      the numpy network engine vs Keras model.fit: epochs per second on the playground's default
              task (250 points, 2-8-8-1 tanh/sigmoid, BCE, batch 10, SGD 0.03), interleaved medians
  playground  the Playground playing: visible updates per second in headless Chromium, server time and
              data per frame; then with nine more sessions playing (WebSocket clients): every session's
              frames per second and the server's frame time p95
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from benchmarks.common import ROOT, loop_seconds, machine, now_iso, write_json
from benchmarks.engine import REPEATS as ENGINE_REPEATS

PARTS = ("reruns", "cold_start", "training", "first_point", "memory", "browser", "engine", "playground")
RESULTS = Path(__file__).with_name("results.json")

GOALS = {
    "rerun_ms": 50,  # median rerun after a widget change, per math page
    "figure_kb": 500,  # figure data sent per page
    "cold_start_s": 3.0,  # server spawn -> first page rendered
    "training_ratio": 1.10,  # training in a warm worker / plain model.fit in a plain process, same threads
    "first_point_warm_s": 1.5,  # click on Train -> first curve point, warm worker, median
    "memory_growth_mb": 20,  # server RSS growth from training 1 to training 30
    "memory_total": "pool limit",  # PSS of server + workers <= PoolSettings.memory_limit_mb (1600 MB by default)
    "redraw_ms": 200,  # slider change -> chart redrawn in the browser, median (issue #15; 150 ms the stretch)
    "redraw_p95_ms": 300,  # ... and its 95th percentile
    "section_run_ms": 20,  # the server's script run for that change (a section's fragment), median wall time
    "engine_ratio": 50,  # numpy engine epochs/s / Keras model.fit epochs/s, playground's default task
    "engine_epochs_per_s": 500,  # numpy engine, loss recorded
    "live_updates_per_s": 5,  # playground playing: visible updates per second in headless Chromium
    "live_frame_ms": 100,  # playground playing: server time per frame, one session
    "live_frame_kb": 200,  # playground playing: data sent per frame
    "live_frame_p95_loaded_ms": 250,  # server time per frame, p95, with ten sessions playing
    "live_frames_per_s_loaded": 1,  # every one of ten sessions playing at once
}
KB = 1000


# --- running the parts ----------------------------------------------------------------------------------------


def run_part(name: str, args) -> dict:
    if name == "reruns":
        from benchmarks import pages

        return pages.measure()
    if name == "cold_start":
        from benchmarks import cold_start

        return cold_start.measure(args.cold_starts)
    if name == "training":
        from benchmarks import training

        return training.measure(args.repeats, args.training_epochs)
    if name == "first_point":
        from benchmarks import first_point

        return first_point.measure(args.warm_trainings, tuple(float(w) for w in args.open_waits.split(",") if w))
    if name == "memory":
        from benchmarks import memory

        return memory.measure(args.trainings, args.concurrent_rounds)
    if name == "browser":
        from benchmarks import browser

        return browser.measure(args.presses)
    if name == "engine":
        from benchmarks import engine

        return engine.measure(args.engine_repeats)
    if name == "playground":
        from benchmarks import playground

        return playground.measure(args.play_seconds)
    raise ValueError(name)


# --- the table ------------------------------------------------------------------------------------------------


def _row(part, what, value, goal="", verdict="info"):
    return {"part": part, "measurement": what, "value": value, "goal": goal, "verdict": verdict}


def _check(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _page_name(page: str) -> str:
    return Path(page).stem


def rows_reruns(result: dict) -> list[dict]:
    from benchmarks.pages import MNIST_PAGE, NUMPY_PAGES

    rows = []
    for page, r in result.items():
        name = _page_name(page)
        if "error" in r:
            rows.append(_row("reruns", f"{name}: error", r["error"][-200:], "", "ERROR"))
            continue
        rows.append(_row("reruns", f"{name}: first render, cold process / new session",
                         f"{r['first_render_cold_ms']:.0f} / {r['first_render_new_session_ms']:.0f} ms "
                         f"(reference {r['reference_first_render_ms']:.0f} ms)"))
        if "rerun_median_ms" in r:
            math_page = page in NUMPY_PAGES
            rows.append(_row(
                "reruns", f"{name}: median rerun after a widget change",
                f"{r['rerun_median_ms']:.1f} ms (reference {r['reference_rerun_median_ms']:.1f} ms, "
                f"×{r['rerun_median_ms'] / r['reference_rerun_median_ms']:.1f}; of it AppTest recompiling "
                f"the scripts {r['script_compile_ms']:.0f} ms; not in it: gc after each run "
                f"{r['gc_collect_ms']:.0f} ms)",
                f"≤ {GOALS['rerun_ms']} ms" if math_page else "",
                _check(r["rerun_median_ms"] <= GOALS["rerun_ms"]) if math_page else "info"))
        figure_kb = max(r["figure_bytes_first_render"], r.get("figure_bytes_max_rerun", 0)) / KB
        rows.append(_row("reruns", f"{name}: figure data sent (largest run)",
                         f"{figure_kb:.0f} kB in {r['charts']} charts (first render "
                         f"{r['figure_bytes_first_render'] / KB:.0f} kB)",
                         f"≤ {GOALS['figure_kb']} kB", _check(figure_kb <= GOALS["figure_kb"])))
        rows.append(_row("reruns", f"{name}: imported TensorFlow", "yes" if r["tensorflow_imported"] else "no",
                         "no", _check(not r["tensorflow_imported"])))
        if page == MNIST_PAGE and "after_training" in r:
            t = r["after_training"]
            rows.append(_row("reruns", "mnist: first 1-epoch training in the session (TensorFlow import included)",
                             f"{t['first_training_1_epoch_s']:.1f} s (second: {t['second_training_1_epoch_s']:.1f} s)"))
            rows.append(_row(
                "reruns", "mnist after a training: median rerun after a widget change",
                f"{t['rerun_median_ms']:.1f} ms (reference, same process {t['reference_rerun_median_ms']:.1f} ms, "
                f"×{t['rerun_median_ms'] / t['reference_rerun_median_ms']:.1f}; gc after each run "
                f"{t['gc_collect_ms']:.0f} ms)"))
            kb = max(t["figure_bytes_after_training"], t["figure_bytes_max_rerun"]) / KB
            rows.append(_row("reruns", "mnist after a training: figure data sent (largest run)",
                             f"{kb:.0f} kB in {t['charts_after_training']} charts", f"≤ {GOALS['figure_kb']} kB",
                             _check(kb <= GOALS["figure_kb"])))
    return rows


def rows_cold_start(r: dict) -> list[dict]:
    s = r["samples"][len(r["samples"]) // 2]
    p = s["in_page"]
    return [
        _row("cold_start", "server spawn → home page rendered in Chromium (median)",
             f"{r['home_rendered_median_s']:.2f} s (script done on the page's clock {r['home_done_median_s']:.2f} s; "
             f"health {r['health_median_s']:.2f} s)",
             f"≤ {GOALS['cold_start_s']:.0f} s", _check(r["home_rendered_median_s"] <= GOALS["cold_start_s"])),
        _row("cold_start", "  after the page request (one sample)",
             f"HTML {p['html_ms']:.0f} ms, DOMContentLoaded {p['dom_content_loaded_ms']:.0f} ms "
             f"({p['js_files']} JS files, {p['js_bytes'] / 1e6:.1f} MB), "
             f"script running {p['script_running_ms']:.0f} ms, "
             f"done {p['script_done_ms']:.0f} ms"),
        _row("cold_start", "TensorFlow loaded by the server at start-up", "yes" if r["tensorflow_loaded"] else "no",
             "no", _check(not r["tensorflow_loaded"])),
        _row("cold_start", "server RSS after the home page", f"{r['rss_at_start_median_mb']:.0f} MB"),
    ]


def _s(ms) -> str:
    """Milliseconds as seconds with two decimals ("?" when not measured)."""
    return "?" if ms is None else f"{ms / 1000:.2f}"


def rows_training(r: dict) -> list[dict]:
    pool, n = r["pool"], r["config"]["epochs"]
    rest = r["worker_job_s"] - (r["worker_fit_elapsed_s"] or 0)
    return [
        _row("training", f"MNIST training in a warm worker ÷ plain model.fit, {pool['threads']} TF thread(s) each",
             f"×{r['ratio']:.3f} ({r['worker_job_s']:.2f} s vs {r['plain_fit_same_threads_s']:.2f} s, {n} epochs, "
             f"median of {r['repeats']}; CPU time ×{r['cpu_ratio']:.3f}; fastest ÷ fastest "
             f"×{r.get('ratio_of_minimums', float('nan')):.3f}, median of pairs "
             f"×{r.get('ratio_median_of_pairs', float('nan')):.3f})",
             f"≤ {GOALS['training_ratio']:.2f}", _check(r["ratio"] <= GOALS["training_ratio"])),
        _row("training", "  plain model.fit with TensorFlow's default threads (information)",
             f"{r['plain_fit_default_threads_s']:.2f} s, CPU {r['plain_cpu_default_threads_s']:.2f} s "
             f"(worker ÷ it ×{r['ratio_vs_default_threads']:.3f})"),
        _row("training", "  the worker's job, from submit: first progress / first curve point reaches the server; "
                         "fit on the worker's clock / the rest",
             f"{r['worker_first_progress_s']:.2f} / {_s((r.get('worker_first_point_s') or float('nan')) * 1000)}; "
             f"{r['worker_fit_elapsed_s']:.2f} / {rest:.2f} s "
             f"(nice {pool['nice']}; {r['workers_started']} worker started for {r['repeats'] + 1} jobs)"),
        _row("training", "  in the plain process after its fit: one checkpoint (weights + optimizer variables) / "
                         "the .keras file / clear_session + gc.collect",
             f"{r['checkpoint_s'] * 1000:.1f} / {r.get('model_file_s', float('nan')) * 1000:.0f} / "
             f"{r['clear_session_and_gc_s'] * 1000:.0f} ms (a job makes {n} checkpoints, one file, clears once)"),
    ]


def rows_first_point(r: dict) -> list[dict]:
    ok = r["warm_first_point_median_ms"] is not None and r["warm_first_point_median_ms"] / 1000 <= \
        GOALS["first_point_warm_s"]
    rows = [
        _row("first_point", "click on Train → first curve point, warm worker (median)",
             f"{_s(r['warm_first_point_median_ms'])} s (max {_s(r['warm_first_point_max_ms'])} s; "
             f"{r['warm_trainings']} trainings after the first)",
             f"≤ {GOALS['first_point_warm_s']} s", _check(ok)),
    ]
    for session in r["sessions"]:
        cold = session["cold"]
        rows.append(_row(
            "first_point", f"  cold: first training on a fresh server, click {_s(cold['click_since_page_open_ms'])} s "
                           f"after opening the page",
            f"{_s(cold['first_point_ms'])} s (page rendered at {session['page_rendered_s']:.2f} s, then "
            f"{session['open_wait_s']:.0f} s wait; workers at the click: {session['workers_at_click']})"))
    rows.append(_row("first_point", "exceptions; TensorFlow in the server",
                     f"{sum(x['exceptions_on_page'] + len(x['javascript_errors']) for x in r['sessions'])}; "
                     f"{'yes' if any(x['server_tensorflow_loaded'] for x in r['sessions']) else 'no'}", "0; no",
                     _check(not any(x['exceptions_on_page'] or x['javascript_errors'] or x['server_tensorflow_loaded']
                                    for x in r["sessions"]))))
    return rows


def rows_memory(r: dict) -> list[dict]:
    n, limit, two = r["trainings"], r["pool"]["memory_limit_mb"], r.get("two_sessions")
    highest = max(r["total_pss_max_after_training_mb"], r["total_pss_peak_sampled_mb"] or 0)
    at = r["total_pss_max_after_training"]
    rows = [
        _row("memory", "server RSS: idle (MNIST page open) / before training 1 / after 1 / after the last",
             f"{r['server_rss_idle_mb']:.0f} / {r['server_rss_before_first_training_mb']:.0f} / "
             f"{r['server_rss_after_first_training_mb']:.0f} / {r['server_rss_after_last_training_mb']:.0f} MB"),
        _row("memory", f"server RSS growth training 1 → {n} ({r['epochs_per_training']} epoch each)",
             f"{r['server_rss_growth_first_to_last_mb']:.1f} MB ({r['server_rss_growth_per_training_mb']:.2f} MB per "
             f"training; from before training 1: {r['server_rss_growth_before_first_to_last_mb']:.1f} MB)",
             f"≤ {GOALS['memory_growth_mb']} MB",
             _check(r["server_rss_growth_first_to_last_mb"] <= GOALS["memory_growth_mb"])),
        _row("memory", f"PSS of server + workers, {n} trainings: max after a training / peak sampled during them",
             f"{r['total_pss_max_after_training_mb']:.0f} / {r['total_pss_peak_sampled_mb'] or float('nan'):.0f} MB "
             f"(at the max: server {at['server_pss_mb']:.0f} MB + {at['children']} worker(s) "
             f"{at['children_pss_mb']:.0f} MB)",
             f"≤ {limit:.0f} MB", _check(highest <= limit)),
        _row("memory", "  sum of VmRSS of server + workers, max after a training (information)",
             f"{r['total_rss_max_after_training_mb']:.0f} MB (shared library pages counted in every process)"),
        _row("memory", "  workers: most at once / distinct processes over the trainings",
             f"{r['workers_max']} / {r['workers_seen']} (pool: {r['pool']['workers']} workers, replaced after "
             f"{r['pool']['jobs_per_worker']} jobs or above {r['pool']['worker_memory_mb']:.0f} MB)"),
        _row("memory", "  click → first curve point: training 1 / median of the others",
             f"{_s(r['first_point_first_training_ms'])} / {_s(r['first_point_median_later_ms'])} s"),
        _row("memory", "exceptions; TensorFlow in the server",
             f"{r['exceptions_on_page'] + len(r['javascript_errors'])}; "
             f"{'yes' if r['server_tensorflow_loaded'] else 'no'}", "0; no",
             _check(not (r["exceptions_on_page"] or r["javascript_errors"] or r["server_tensorflow_loaded"]))),
    ]
    if two:
        peak = max(two["total_pss_max_after_round_mb"], two["total_pss_peak_sampled_mb"] or 0)
        at = two["total_pss_max_after_round"]
        rows.insert(3, _row(
            "memory", f"  then two sessions training at once ({two['rounds']} rounds): PSS max after a round / peak "
                      f"sampled",
            f"{two['total_pss_max_after_round_mb']:.0f} / {two['total_pss_peak_sampled_mb'] or float('nan'):.0f} MB "
            f"(at the max: server {at['server_pss_mb']:.0f} MB + {at['children']} worker(s) "
            f"{at['children_pss_mb']:.0f} MB; {two['workers_max']} workers at most)",
            f"≤ {limit:.0f} MB", _check(peak <= limit)))
    return rows


def _ms(value) -> str:
    return "?" if value is None else f"{value:.0f}"


def _count(sections) -> str:
    return "no section" if not sections else f"{sections:.0f} section" + "s" * (sections != 1)


def rows_browser(r: dict) -> list[dict]:
    rows = []
    for path, p in r.items():
        if not isinstance(p, dict):
            continue
        b = p["breakdown_median_ms"]
        ok = (p["redraw_median_ms"] is not None and p["redraw_median_ms"] <= GOALS["redraw_ms"]
              and p["redraw_p95_ms"] <= GOALS["redraw_p95_ms"])
        rows.append(_row("browser", f"{path}: slider {p['slider']} → chart {p['chart']} redrawn",
                         f"median {p['redraw_median_ms']:.0f} ms, p95 {p['redraw_p95_ms']:.0f} ms "
                         f"({len(p['samples'])} presses, {p['not_redrawn']} without redraw)",
                         f"≤ {GOALS['redraw_ms']} ms, p95 ≤ {GOALS['redraw_p95_ms']} ms", _check(ok)))
        run_ms = b["server_run_ms"]
        rows.append(_row("browser", f"{path}: server run of the change (median wall time)", f"{_ms(run_ms)} ms",
                         f"≤ {GOALS['section_run_ms']} ms",
                         _check(run_ms is not None and run_ms <= GOALS["section_run_ms"])))
        section_ms = b.get("slowest_section_ms")
        sections = p.get("sections_rerun_median")
        rows.append(_row("browser", f"{path}: its slowest section's rerun ({_count(sections)} rerun per change, "
                                    "median wall time)", f"{_ms(section_ms)} ms", f"≤ {GOALS['section_run_ms']} ms",
                         _check(section_ms is not None and section_ms <= GOALS["section_run_ms"])))
        rows.append(_row("browser", "  breakdown (medians from the key press)",
                         f"sent {b['sent_ms']:.0f}, "
                         f"server run {_ms(b['server_run_start_ms'])}–{_ms(b['server_run_end_ms'])} "
                         f"({_ms(b['server_run_ms'])} ms wall, {_ms(b['server_run_cpu_ms'])} ms CPU; "
                         f"gc.collect {_ms(b['server_run_gc_ms'])} ms wall), last message "
                         f"{b['last_message_ms']:.0f}, done {b['done_ms']:.0f}, drawn {b['redraw_ms']:.0f} ms; "
                         f"browser long tasks {_ms(b['long_tasks_ms'])} ms; "
                         f"{p['charts_replotted_median']:.0f} of {p['charts_on_page']} charts redrawn"))
        rows.append(_row("browser", f"{path}: WebSocket bytes, first render / per rerun",
                         f"{p['websocket_bytes_first_render'] / KB:.0f} / "
                         f"{p['websocket_bytes_per_rerun'] / KB:.0f} kB"))
    return rows


def rows_engine(r: dict) -> list[dict]:
    e, t, same = r["epochs_per_s"], r["task"], r["same_results"]
    task = (f"{t['points']} points, {'-'.join(map(str, t['sizes']))} {t['hidden']}/{t['output']}, batch "
            f"{t['batch_size']}, median of {r['repeats']}")
    return [
        _row("engine", "numpy engine, loss recorded (float64)", f"{e['engine_record_loss']:.0f} epochs/s ({task})",
             f"≥ {GOALS['engine_epochs_per_s']}/s", _check(e["engine_record_loss"] >= GOALS["engine_epochs_per_s"])),
        _row("engine", "numpy engine, loss not recorded", f"{e['engine_no_record']:.0f} epochs/s"),
        _row("engine", "  loss recorded, before TensorFlow was imported",
             f"{r['engine_record_loss_before_tensorflow_epochs_per_s']:.0f} epochs/s"),
        _row("engine", f"Keras model.fit (float32, traced, {t['epochs_per_run']['keras']} epochs per call)",
             f"{e['keras_fit']:.1f} epochs/s"),
        _row("engine", "  one epoch per fit call", f"{e['keras_fit_1_epoch_per_call']:.1f} epochs/s"),
        _row("engine", "  per CPU second: engine / Keras fit",
             f"{r['epochs_per_cpu_s']['engine_record_loss']:.0f} / {r['epochs_per_cpu_s']['keras_fit']:.1f} epochs "
             f"(×{r['cpu_ratio_record_loss']:.0f})"),
        _row("engine", "engine (loss recorded) / Keras fit", f"×{r['ratio_record_loss']:.0f} "
             f"(not recorded ×{r['ratio_no_record']:.0f}; vs one epoch per call "
             f"×{r['ratio_record_loss_vs_keras_1_epoch_per_call']:.0f})",
             f"≥ ×{GOALS['engine_ratio']}", _check(r["ratio_record_loss"] >= GOALS["engine_ratio"])),
        _row("engine", f"same task, same weights: max |Δw| after {same['epochs']} epochs (float64 vs float32)",
             f"{same['max_abs_weight_diff']:.1e} (history {same['max_abs_history_diff']:.1e})"),
    ]


def rows_playground(r: dict) -> list[dict]:
    one, alone, loaded, others = (r["one_session"], r["browser_alone"], r["browser_with_others"],
                                  r["other_sessions_playing"])
    n = r["other_sessions"] + 1
    slowest = min(others["frames_per_s_min"], loaded["picture_updates_per_s"])
    return [
        _row("playground", "headless Chromium playing alone: visible updates (output picture changed)",
             f"{alone['picture_updates_per_s']:.1f}/s (epoch shown {alone['epoch_updates_per_s']:.1f}/s; gap p95 "
             f"{_ms(alone['picture_gap_p95_ms'])} ms)", f"≥ {GOALS['live_updates_per_s']}/s",
             _check(alone["picture_updates_per_s"] >= GOALS["live_updates_per_s"])),
        _row("playground", "one session playing: server time per frame (median / p95; CPU)",
             f"{_ms(one['server_frame_p50_ms'])} / {_ms(one['server_frame_p95_ms'])} ms "
             f"(CPU {_ms(one['server_frame_cpu_p50_ms'])} ms; {one['frames_per_s_median']:.1f} frames/s)",
             f"≤ {GOALS['live_frame_ms']} ms", _check((one["server_frame_p50_ms"] or 1e9) <= GOALS["live_frame_ms"])),
        _row("playground", "one session playing: data sent per frame", f"{one['bytes_per_frame'] / KB:.0f} kB",
             f"≤ {GOALS['live_frame_kb']} kB", _check(one["bytes_per_frame"] / KB <= GOALS["live_frame_kb"])),
        _row("playground", f"{n} sessions playing: server time per frame, p95 (median)",
             f"{_ms(others['server_frame_p95_ms'])} ms ({_ms(others['server_frame_p50_ms'])} ms; server "
             f"{others['server_cpu_cores_busy']:.2f} cores busy)", f"≤ {GOALS['live_frame_p95_loaded_ms']} ms",
             _check((others["server_frame_p95_ms"] or 1e9) <= GOALS["live_frame_p95_loaded_ms"])),
        _row("playground", f"{n} sessions playing: frames per second, slowest session",
             f"{slowest:.1f}/s (browser {loaded['picture_updates_per_s']:.1f}/s; WebSocket sessions "
             f"{others['frames_per_s_min']:.1f}–{others['frames_per_s_median']:.1f}/s, gap p95 "
             f"{_ms(others['gap_p95_ms'])} ms)", f"≥ {GOALS['live_frames_per_s_loaded']}/s",
             _check(slowest >= GOALS["live_frames_per_s_loaded"])),
        _row("playground", "exceptions; TensorFlow in the server",
             f"{r['browser_exceptions'] + len(others['exceptions']) + len(one['exceptions'])}; "
             f"{'yes' if r['server_tensorflow_loaded'] else 'no'}", "0; no",
             _check(r["browser_exceptions"] + len(others["exceptions"]) + len(one["exceptions"]) == 0
                    and not r["server_tensorflow_loaded"])),
    ]


ROWS = {"reruns": rows_reruns, "cold_start": rows_cold_start, "training": rows_training,
        "first_point": rows_first_point, "memory": rows_memory, "browser": rows_browser, "engine": rows_engine,
        "playground": rows_playground}


def print_table(rows: list[dict]) -> None:
    widths = [max(len(r[k]) for r in rows) for k in ("measurement", "value", "goal")]
    widths = [min(w, limit) for w, limit in zip(widths, (70, 100, 12))]
    header = f"{'measurement':<{widths[0]}}  {'value':<{widths[1]}}  {'goal':<{widths[2]}}  verdict"
    print(header)
    print("-" * len(header))
    part = None
    for r in rows:
        if r["part"] != part:
            part = r["part"]
            print(f"[{part}]")
        print(f"{r['measurement']:<{widths[0]}}  {r['value']:<{widths[1]}}  {r['goal']:<{widths[2]}}  {r['verdict']}")


def with_earlier_parts(results: dict, path: Path) -> dict:
    """``results`` plus the parts of the file at ``path`` that this run did not measure (so that
    ``--only engine`` updates the engine's figures and keeps the others), each with its rows."""
    try:
        earlier = json.loads(path.read_text())
    except (OSError, ValueError):
        return results
    kept = {name: entry for name, entry in earlier.get("parts", {}).items() if name not in results["parts"]}
    if not kept:
        return results
    for entry in kept.values():
        entry.setdefault("date", earlier.get("date"))
    rows = [row for row in earlier.get("table", []) if row.get("part") in kept]
    return results | {"parts": kept | results["parts"], "table": rows + results["table"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of: {', '.join(PARTS)}")
    parser.add_argument("--list", action="store_true", help="list the parts and exit")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="training part: timed trainings per variant")
    parser.add_argument("--training-epochs", type=int, default=5, help="training part: epochs per training")
    parser.add_argument("--warm-trainings", type=int, default=5, help="first_point part: trainings after the first")
    parser.add_argument("--open-waits", default="0,10",
                        help="first_point part: seconds between the page rendered and the cold click, one fresh "
                             "server each (default: %(default)s)")
    parser.add_argument("--trainings", type=int, default=30, help="memory part: trainings in a row")
    parser.add_argument("--concurrent-rounds", type=int, default=3,
                        help="memory part: then two sessions training at once, this many times")
    parser.add_argument("--presses", type=int, default=20, help="browser part: slider presses per page")
    parser.add_argument("--cold-starts", type=int, default=3, help="cold_start part: server starts")
    parser.add_argument("--engine-repeats", type=int, default=ENGINE_REPEATS, help="engine part: interleaved repeats")
    parser.add_argument("--play-seconds", type=float, default=8.0, help="playground part: seconds per phase")
    args = parser.parse_args(argv)
    if args.list:
        print(__doc__.split("Parts:\n", 1)[1])
        return 0
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {unknown}; choose from {', '.join(PARTS)}")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    results = {"date": now_iso(), "command": " ".join(["python -m benchmarks", *(argv or sys.argv[1:])]),
               "machine": machine(), "goals": GOALS, "parts": {}}
    rows = []
    started = time.monotonic()
    for name in parts:
        print(f"… {name}", file=sys.stderr, flush=True)
        entry = {"date": now_iso(), "loadavg_before": os.getloadavg(), "loop_seconds_before": loop_seconds()}
        t = time.monotonic()
        try:
            entry["result"] = run_part(name, args)
            part_rows = ROWS[name](entry["result"])
        except Exception as error:  # noqa: BLE001 -- report it, go on with the other parts
            entry["error"] = "".join(traceback.format_exception(error))[-4000:]
            part_rows = [_row(name, "error", str(error).strip().splitlines()[-1][:150] if str(error) else
                              type(error).__name__, "", "ERROR")]
        entry["seconds"] = time.monotonic() - t
        entry["loadavg_after"] = os.getloadavg()
        entry["loop_seconds_after"] = loop_seconds()
        print(f"  {name}: 10^7 additions {entry['loop_seconds_before']} s before, {entry['loop_seconds_after']} s "
              "after (the development VM: ~0.85 s when fast)", file=sys.stderr, flush=True)
        results["parts"][name] = entry
        rows += part_rows
        print(f"  {name}: {entry['seconds']:.0f} s", file=sys.stderr, flush=True)
    results["seconds"] = time.monotonic() - started
    results["table"] = rows
    print()
    print_table(rows)
    verdicts = [r["verdict"] for r in rows]
    print(f"\n{verdicts.count('PASS')} pass, {verdicts.count('FAIL')} fail, {verdicts.count('ERROR')} error; "
          f"{results['seconds']:.0f} s; load average {os.getloadavg()[0]:.1f} on {results['machine']['nproc']} cores "
          f"(take final numbers on a quiet machine)")
    write_json(args.out, with_earlier_parts(results, args.out))
    print(f"written: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 1 if "ERROR" in verdicts else 0


if __name__ == "__main__":
    sys.exit(main())
