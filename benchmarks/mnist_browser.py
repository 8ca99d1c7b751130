"""The MNIST page's training, driven from headless Chromium: shared by the ``memory`` and ``first_point`` parts.

The page trains in a Keras worker: Train submits the job and reruns the page; a fragment polls the job every
0.4 s and draws the progress bar and the training curves chart (key ``mn_curves``); when the job has ended
the page reruns itself and shows the evaluation. So "the script is not running" is not "done". A training
counts as done when there is no progress bar, Stop (``.st-key-mn_stop button``) is disabled and the metric
"test accuracy" is shown (tests/test_browser_mnist.py ``wait_until_trained``) — after the page has shown
that this training started, since the previous training's page satisfies the same conditions.

``TRAIN_PROBE``, installed in the page, notes on the page's own clock (performance.now(), i.e. ms since
the page was opened):

    clickAt       the click on "Train a new network" (a capture listener)
    startedAt     the first moment after it when the page shows a training going on (a progress bar, Stop
                  enabled, or the evaluation gone)
    resetAt       this run's training-loss trace first seen empty after the click (at once if the chart had
                  no points before: the first training)
    firstPointAt  this run's training-loss trace drawn with ≥ 1 point after that: the first curve point

"This run's training-loss trace" is the trace named "this run: training" in the loss panel ("this run (its
settings): training" once earlier runs are kept for comparison, which come first). Its points are counted in the
drawn SVG path (``M``/``L`` commands, as ``drawn_points`` in tests/test_browser_mnist.py), found through the
calcdata Plotly binds to each trace's group; checked on every DOM mutation and every 10 ms.
"""

from __future__ import annotations

import time

TRAINING_TIMEOUT = 180_000  # ms: a cold first training starts a worker that imports TensorFlow

TRAIN_PROBE = r"""
(() => {
  if (window.__train) return;
  const s = window.__train = {clickAt: null, startedAt: null, resetAt: null, firstPointAt: null, pointsBefore: null,
                              maxPointsSeen: null};
  const points = () => {  // points drawn in this run's training-loss trace; null without the chart
    const gd = document.querySelector('.st-key-mn_curves .js-plotly-plot');
    if (!gd) return null;
    for (const g of gd.querySelectorAll('g.trace.scatter')) {
      const cd = g.__data__, trace = cd && cd[0] && cd[0].trace;
      // 'this run: training', or with earlier runs beside it 'this run (784→128→10 ReLU, …): training'
      if (!trace || !/^this run( \(.*\))?: training$/.test(trace.name) || (trace.xaxis || 'x') !== 'x') continue;
      const path = g.querySelector('path.js-line');
      return path ? ((path.getAttribute('d') || '').match(/[ML]/g) || []).length : 0;
    }
    return 0;  // the chart without this run's trace (not drawn yet)
  };
  const training = () => {
    if (document.querySelector("[data-testid='stProgress']")) return true;
    const stop = document.querySelector('.st-key-mn_stop button');
    if (stop && !stop.disabled) return true;
    return ![...document.querySelectorAll("[data-testid='stMetricLabel']")]
      .some(e => e.innerText.trim() === 'test accuracy');
  };
  window.__trainPoints = points;
  const check = () => {
    if (s.clickAt === null || s.firstPointAt !== null) return;
    const t = performance.now();
    if (s.startedAt === null && training()) s.startedAt = t;
    const n = points();
    if (n !== null) s.maxPointsSeen = Math.max(s.maxPointsSeen || 0, n);
    if (s.resetAt === null && (n === null || n === 0)) s.resetAt = t;
    if (s.resetAt !== null && n !== null && n >= 1) s.firstPointAt = t;
  };
  document.addEventListener('click', e => {
    if (!e.target.closest || !e.target.closest('.st-key-mn_train')) return;
    const n = points();
    Object.assign(s, {clickAt: performance.now(), startedAt: null, resetAt: null, firstPointAt: null,
                      pointsBefore: n, maxPointsSeen: null});
    if (n === null || n === 0) s.resetAt = s.clickAt;
  }, true);
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true,
                                                 characterData: true});
  setInterval(check, 10);
})();
"""

TRAINED = """() => !document.querySelector("[data-testid='stProgress']") &&
                document.querySelector(".st-key-mn_stop button")?.disabled === true &&
                [...document.querySelectorAll("[data-testid='stMetricLabel']")]
                   .some(e => e.innerText.trim() === 'test accuracy')"""


def start_training(page, timeout: float = TRAINING_TIMEOUT) -> float:
    """Press "Train a new network" and wait until the page shows a training going on; returns the click's
    monotonic time."""
    start = time.monotonic()
    page.locator(".st-key-mn_train button:visible").click()
    page.wait_for_function("() => window.__train.startedAt !== null", timeout=timeout, polling=20)
    return start


def wait_trained(page, start: float, timeout: float = TRAINING_TIMEOUT) -> dict:
    """Wait until the page has shown the trained network; returns the probe's times relative to the click (ms),
    the click's time since the page was opened, and the wall time from ``start`` (s)."""
    from benchmarks.common import wait_charts_drawn

    page.wait_for_function(TRAINED, timeout=timeout, polling=50)
    seconds = time.monotonic() - start
    wait_charts_drawn(page, timeout=timeout)
    s = page.evaluate("() => ({...window.__train, points: window.__trainPoints()})")

    def since_click(t):
        return None if t is None else t - s["clickAt"]

    return {
        "click_since_page_open_ms": s["clickAt"],
        "started_ms": since_click(s["startedAt"]),
        "first_point_ms": since_click(s["firstPointAt"]),
        "points_before": s["pointsBefore"],
        "points_after": s["points"],
        "click_to_trained_s": seconds,
    }


def train_once(page, timeout: float = TRAINING_TIMEOUT) -> dict:
    """Press "Train a new network" and wait until the page has shown the trained network (see ``wait_trained``)."""
    return wait_trained(page, start_training(page, timeout), timeout)
