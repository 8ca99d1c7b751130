"""Server cold start: from spawning `python -m streamlit run app.py` to the home page rendered in
headless Chromium, and whether the server imported TensorFlow on the way.

Chromium is started first (not timed). Timed from the spawn: the health endpoint answering, then
the home page's script run finished and drawn in the browser
(``[data-testid='stApp'][data-test-script-state='notRunning']``, no skeleton), as the harness sees it
(``home_rendered_s``, which includes Playwright's polling) and on the page's clock (``home_done_s``:
the moment the script state turned notRunning). The server's RSS
(VmRSS) and whether ``libtensorflow`` is mapped into it are read right after. Repeated; medians.
"""

from __future__ import annotations

import time

from benchmarks.common import STATE_PROBE, Server, chromium, median, new_page, wait_charts_drawn


def once(browser) -> dict:
    context, page = new_page(browser)
    page.add_init_script(STATE_PROBE)
    page.goto("about:blank")
    s = Server("cold-start")
    try:
        health_s = s.wait_healthy()
        goto_s = time.monotonic() - s.start
        page.goto(s.url + "/")
        wait_charts_drawn(page)
        page.wait_for_function("() => window.__bench && window.__bench.runs >= 1")
        rendered_s = time.monotonic() - s.start
        # on the page's clock, from its navigation start (performance.now() == 0)
        in_page = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
            const js = performance.getEntriesByType('resource').filter(r => r.name.endsWith('.js'));
            return {html_ms: n.responseEnd, dom_content_loaded_ms: n.domContentLoadedEventEnd,
                    load_ms: n.loadEventEnd, js_files: js.length,
                    js_bytes: js.reduce((a, r) => a + (r.encodedBodySize || 0), 0),
                    script_running_ms: window.__bench.runningAt, script_done_ms: window.__bench.doneAt,
                    time_origin: performance.timeOrigin}; }""")
        # the home page's script run over, on the page's clock, from the spawn (both wall-clock based)
        done_s = (in_page.pop("time_origin") + in_page["script_done_ms"]) / 1000 - s.start_epoch
        title_ok = page.get_by_text("Introduction to Neural Networks, interactively").count() > 0
        result = {"health_s": health_s, "goto_s": goto_s, "home_rendered_s": rendered_s, "home_done_s": done_s,
                  "in_page": in_page, "rss_mb": s.rss_mb(),
                  "tensorflow_loaded": s.tensorflow_loaded(), "home_title_shown": title_ok,
                  "exceptions_on_page": page.locator("[data-testid='stException']").count()}
    finally:
        s.stop()
        context.close()
    return result


def measure(repeats: int = 3) -> dict:
    with chromium() as browser:
        samples = [once(browser) for _ in range(repeats)]
    return {
        "home_rendered_median_s": median(s["home_rendered_s"] for s in samples),
        "home_done_median_s": median(s["home_done_s"] for s in samples),
        "health_median_s": median(s["health_s"] for s in samples),
        "rss_at_start_median_mb": median(s["rss_mb"] for s in samples),
        "tensorflow_loaded": any(s["tensorflow_loaded"] for s in samples),
        "samples": samples,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
