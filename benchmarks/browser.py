"""In headless Chromium: from a slider's key press to its chart redrawn, on each numpy page.

For each page a slider thumb is focused and ArrowRight pressed ``presses`` times. Each press is
timed on the page's own clock (performance.now()):

    key        the keydown event
    sent       the browser sends the widget change to the server (WebSocket.send, patched to note the time)
    first/last message   the first and last WebSocket message from the server after it (noted by a
               listener added before the app's own, so before the app handles the message)
    running    the app's script state turns "running"
    done       it turns "notRunning" again (the server's script run is over, its elements received);
               these two can be missing when React sets both in one go
    drawn      the last DOM mutation inside the slider's chart, once the page has been quiet for 0.4 s

and "redraw" = drawn − key. The server is started through ``benchmarks.timed_server``, which logs
each script run's wall-clock start and end, its CPU time and its time in garbage collection
(Streamlit runs ``gc.collect(2)`` after every run): the server's share of each press; and each section (fragment)
that run reruns, with its own wall time: a slider that several sections read reruns them all in one run.
The page also sums the main-thread "long tasks" (> 50 ms) after each key press: time the browser
itself was busy. The same page load also counts the bytes the server sent over the WebSocket for the page's first
render, and how many charts were redrawn (DOM changes inside their plotly graph) at each press.
"""

from __future__ import annotations

import time

from benchmarks.common import (
    STATE_PROBE,
    chromium,
    median,
    new_page,
    percentile,
    server,
    wait_charts_drawn,
)
from nnviz.ui import CHART_SELECTOR

# name -> (page url with its query, slider widget key, key of the chart it drives, whether to alternate
# ArrowRight / ArrowLeft: for a slider with fewer positions than presses)
SLIDERS = {
    "perceptron": ("perceptron", "perc_w1", "perc_boundary", False),
    "activations": ("activations", "neuron_w", "neuron", False),
    "gradient_descent": ("gradient_descent", "gd1_steps", "gd_curve", False),
    "loss_vs_accuracy": ("loss_vs_accuracy", "la_current", "la_sweep", False),
    # T is every section's: it reruns them all (the shift c and the true class fewer)
    "softmax": ("softmax", "sm_temperature", "sm_bars", False),
    # η reruns its section only (a fragment); 21 rates: room for the 20 presses
    "backprop": ("backprop?bp_section=One+SGD+step", "bp_rate", "bp_rate_curve", False),
    # the network's width reruns the whole page
    "backprop (network)": ("backprop", "bp_units", "bp_diagram", True),
}
QUIET_MS = 400

# Notes every DOM mutation's time, the last one inside the target chart, which charts changed, and
# when the page sent something over its WebSocket.
MUTATION_PROBE = """
(() => {
  if (window.__redraw) return;
  const r = window.__redraw = {target: null, lastAny: 0, lastTarget: null, firstTarget: null, charts: new Set(),
                               sentAt: null};
  r.firstMsg = null; r.lastMsg = null; r.longTasks = [];
  try {  // main-thread tasks over 50 ms (script, layout, plotly drawing): the browser's own share
    new PerformanceObserver(list => { for (const e of list.getEntries()) r.longTasks.push([e.startTime, e.duration]); })
      .observe({type: 'longtask'});
  } catch (e) { r.longTasks = null; }
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (...args) { r.sentAt = performance.now(); return send.apply(this, args); };
  const NativeWebSocket = window.WebSocket;  // note when each message arrives, before the app handles it
  window.WebSocket = function (...args) {
    const ws = new NativeWebSocket(...args);
    ws.addEventListener('message', () => {
      const t = performance.now();
      if (r.firstMsg === null) r.firstMsg = t;
      r.lastMsg = t;
    });
    return ws;
  };
  Object.assign(window.WebSocket, NativeWebSocket);
  window.WebSocket.prototype = NativeWebSocket.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) window.WebSocket[k] = NativeWebSocket[k];
  const drawsPlot = m => {  // a change inside a plotly graph div, or a graph div added/removed
    const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
    if (el && el.closest('.js-plotly-plot')) return el;
    for (const n of [...m.addedNodes, ...m.removedNodes])
      if (n.nodeType === 1 && (n.matches('.js-plotly-plot') || n.querySelector('.js-plotly-plot'))) return el;
    return null;
  };
  new MutationObserver(records => {
    const t = performance.now();
    r.lastAny = t;
    for (const m of records) {
      const el = drawsPlot(m);
      const chart = el && el.closest("[class*='st-key-']");
      if (!chart) continue;
      const key = [...chart.classList].find(c => c.startsWith('st-key-'));
      r.charts.add(key);
      if (r.target && key === 'st-key-' + r.target) {
        r.lastTarget = t;
        if (r.firstTarget === null) r.firstTarget = t;
      }
    }
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();
"""


def _reset(page, target: str) -> None:
    page.evaluate("""t => { const r = window.__redraw; r.target = t; r.lastTarget = null; r.firstTarget = null;
                            r.charts = new Set(); r.sentAt = null; r.firstMsg = null; r.lastMsg = null;
                            const b = window.__bench; b.keyAt = null; b.keyEpoch = null; b.runningAt = null; b.doneAt = null;
                            }""", target)


def _server_run_after(srv, epoch_ms: float, timeout: float = 30) -> dict | None:
    """The first script run the server started after ``epoch_ms``, once it has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = [x for x in srv.script_runs() if x["start"] * 1000 >= epoch_ms - 5]
        if runs:
            return runs[0]
        time.sleep(0.02)
    return None


def press_once(page, thumb, target: str, srv, key: str = "ArrowRight") -> dict:
    _reset(page, target)
    value_before = thumb.input_value()
    thumb.press(key)
    key_epoch_ms = page.evaluate("() => window.__bench.keyEpoch")  # the server's clock: its runs are timed on it
    run = _server_run_after(srv, key_epoch_ms)  # (the page's script state can flip too fast to be seen)
    try:  # the run is over on the page, the chart has changed and nothing has moved for QUIET_MS
        page.wait_for_function(
            f"""() => {{ const r = window.__redraw, b = window.__bench;
                        return b.state === 'notRunning' && r.lastTarget !== null &&
                               performance.now() - r.lastAny > {QUIET_MS}; }}""",
            timeout=10_000 if run else 1000, polling=50)
    except Exception:  # noqa: BLE001, S110 -- no redraw: recorded as None, counted in "not_redrawn"
        pass
    r = page.evaluate("""() => { const r = window.__redraw, b = window.__bench;
        return {origin: performance.timeOrigin, key: b.keyAt, sent: r.sentAt, firstMsg: r.firstMsg,
                lastMsg: r.lastMsg, running: b.runningAt, done: b.doneAt, first: r.firstTarget,
                drawn: r.lastTarget, lastAny: r.lastAny, charts: [...r.charts],
                longTasks: r.longTasks && r.longTasks.filter(([s, d]) => s + d > b.keyAt)
                                                     .reduce((a, [s, d]) => a + d, 0)}; }""")
    key = r["key"]

    def since_key(t):
        return None if t is None or key is None else t - key

    sections = run and [x for x in srv.section_reruns() if run["start"] <= x["start"] <= run["end"]]
    return {
        "sections_rerun": sections and sorted(x["fragment"] for x in sections),
        "slowest_section_ms": max((x["end"] - x["start"]) * 1000 for x in sections) if sections else None,
        "server_run_start_ms": run and run["start"] * 1000 - key_epoch_ms,
        "server_run_end_ms": run and run["end"] * 1000 - key_epoch_ms,
        "server_run_ms": run and (run["end"] - run["start"]) * 1000,
        "server_run_cpu_ms": run and run["cpu"] * 1000,
        "server_run_gc_ms": run and run.get("gc", 0) * 1000,
        "value": f"{value_before}→{thumb.input_value()}",
        "redraw_ms": since_key(r["drawn"]),
        "sent_ms": since_key(r["sent"]),
        "first_message_ms": since_key(r["firstMsg"]),
        "running_ms": since_key(r["running"]),
        "last_message_ms": since_key(r["lastMsg"]),
        "done_ms": since_key(r["done"]),
        "first_chart_mutation_ms": since_key(r["first"]),
        "last_mutation_ms": since_key(r["lastAny"]),
        "charts_replotted": len(r["charts"]),
        "long_tasks_ms": r["longTasks"],
    }


def open_slider(browser, srv, name: str, presses: int, received: list[int] | None = None):
    """Open the page of ``SLIDERS[name]`` with the probes, its charts drawn, and focus its slider with room for
    ``presses`` presses. Returns (context, page, thumb, load seconds, the key of each press); ``received`` collects
    the sizes of the WebSocket frames the page receives."""
    path, slider_key, _, alternate = SLIDERS[name]
    context, page = new_page(browser)
    if received is not None:
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    page.add_init_script(STATE_PROBE)
    page.add_init_script(MUTATION_PROBE)
    start = time.monotonic()
    page.goto(f"{srv.url}/{path}")
    wait_charts_drawn(page)
    load_s = time.monotonic() - start
    page.wait_for_timeout(QUIET_MS)
    thumb = page.locator(f".st-key-{slider_key}").get_by_role("slider")
    lo, hi, step = (float(thumb.get_attribute(a) or default) for a, default in (("min", 0), ("max", 1), ("step", 1)))
    alternate = alternate or (hi - lo) / step < presses  # too few positions for one way: right and left in turn
    thumb.focus()
    if not alternate and hi - float(thumb.input_value()) < presses * step:  # no room: start from the minimum
        thumb.press("Home")
        page.wait_for_timeout(1000)
        wait_charts_drawn(page)
    if alternate and float(thumb.input_value()) >= hi:
        thumb.press("ArrowLeft")
        page.wait_for_timeout(1000)
        wait_charts_drawn(page)
    keys = ["ArrowLeft" if alternate and n % 2 else "ArrowRight" for n in range(presses)]
    return context, page, thumb, load_s, keys


def measure_page(browser, srv, name: str, presses: int) -> dict:
    slider_key, chart_key = SLIDERS[name][1:3]
    received: list[int] = []
    context, page, thumb, load_s, keys = open_slider(browser, srv, name, presses, received)
    first_render_bytes = sum(received)
    n_charts = page.locator(CHART_SELECTOR).count()
    samples = []
    received.clear()
    for n in range(presses):
        samples.append(press_once(page, thumb, chart_key, srv, keys[n]))
    rerun_bytes = sum(received) / presses
    errors = page.locator("[data-testid='stException']").count()
    page_errors = list(page.page_errors)
    context.close()
    redraws = [s["redraw_ms"] for s in samples]
    missing = sum(r is None for r in redraws)
    return {
        "slider": slider_key, "chart": chart_key, "charts_on_page": n_charts,
        "page_load_s": load_s, "websocket_bytes_first_render": first_render_bytes,
        "websocket_bytes_per_rerun": rerun_bytes,
        "redraw_median_ms": median(redraws), "redraw_p95_ms": percentile(redraws, 0.95),
        "not_redrawn": missing,
        "breakdown_median_ms": {k: median(s[k] for s in samples) for k in
                                ("sent_ms", "server_run_start_ms", "first_message_ms", "running_ms",
                                 "server_run_end_ms", "last_message_ms", "done_ms", "server_run_ms",
                                 "server_run_cpu_ms", "server_run_gc_ms", "slowest_section_ms",
                                 "first_chart_mutation_ms",
                                 "long_tasks_ms", "redraw_ms")},
        "charts_replotted_median": median(s["charts_replotted"] for s in samples),
        "sections_rerun_median": median(len(s["sections_rerun"] or ()) for s in samples),
        "exceptions_on_page": errors, "javascript_errors": page_errors,
        "samples": samples,
    }


def measure(presses: int = 20, pages=tuple(SLIDERS)) -> dict:
    with server("browser", timed_runs=True) as s, chromium() as browser:
        results = {name: measure_page(browser, s, name, presses) for name in pages}
        results["server_tensorflow_loaded"] = s.tensorflow_loaded()
        results["server_rss_mb_after"] = s.rss_mb()
    return results


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 20), indent=1))
