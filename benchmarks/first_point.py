"""From a click on "Train a new network" to the first point of the training curve, in headless Chromium.

A fresh `streamlit run` server; one browser session opens /mnist (the page's default settings: 5 epochs on
the offline digits) and, once the page has rendered and ``open_wait`` more seconds have passed, presses
"Train a new network": the **cold** training (no Keras worker yet, unless the page starts one in advance).
Then ``warm`` more trainings in a row, each started once the last has finished and the page has settled:
the worker is warm (TensorFlow imported, the images loaded). Each is timed on the page's clock from the
click to this run's training-loss trace drawn with ≥ 1 point (``benchmarks.mnist_browser.TRAIN_PROBE``).

For each ``open_waits`` entry a new server (and cold training); the warm trainings follow the first one.
Also noted: the server's child processes (Keras workers) just before the click and after each training.
"""

from __future__ import annotations

import time

from benchmarks.common import STATE_PROBE, chromium, descendants, median, new_page, server, wait_charts_drawn
from benchmarks.mnist_browser import TRAIN_PROBE, train_once


def _session(name: str, open_wait: float, warm: int) -> dict:
    with server(name) as s, chromium() as browser:
        context, page = new_page(browser)
        page.add_init_script(STATE_PROBE)
        page.add_init_script(TRAIN_PROBE)
        opened = time.monotonic()
        page.goto(s.url + "/mnist")
        wait_charts_drawn(page)
        rendered_s = time.monotonic() - opened
        if open_wait:
            page.wait_for_timeout(open_wait * 1000)
        workers_at_click = len(descendants(s.pid))
        cold = train_once(page) | {"workers_after": descendants(s.pid)}
        trainings = []
        for _ in range(warm):
            trainings.append(train_once(page) | {"workers_after": descendants(s.pid)})
        exceptions = page.locator("[data-testid='stException']").count()
        errors = list(page.page_errors)
        context.close()
        return {"page_rendered_s": rendered_s, "open_wait_s": open_wait, "workers_at_click": workers_at_click,
                "server_tensorflow_loaded": s.tensorflow_loaded(), "cold": cold, "warm": trainings,
                "exceptions_on_page": exceptions, "javascript_errors": errors}


def measure(warm: int = 5, open_waits: tuple[float, ...] = (0.0, 10.0)) -> dict:
    sessions = [_session(f"first-point-{i}", wait, warm if i == 0 else 0) for i, wait in enumerate(open_waits)]
    first = sessions[0]
    warm_ms = [t["first_point_ms"] for t in first["warm"]]
    return {
        "cold_first_point_ms": first["cold"]["first_point_ms"],
        "cold_click_since_page_open_ms": first["cold"]["click_since_page_open_ms"],
        "warm_first_point_median_ms": median(warm_ms),
        "warm_first_point_max_ms": max((v for v in warm_ms if v is not None), default=None),
        "warm_first_point_ms": warm_ms,
        "warm_trainings": warm,
        "sessions": sessions,
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 5), indent=1))
