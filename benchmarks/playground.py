"""The Playground while playing: visible updates per second in headless Chromium, and what the server does
per frame, alone and with nine more sessions playing beside the browser.

    python -m benchmarks.playground [seconds]       # prints one JSON object

Three phases on one server (started through benchmarks.timed_server, which logs every live frame's server
time: wall clock and CPU, from the frame's start to the end of its drawing), each ``seconds`` long:

1. *one session alone*: a WebSocket session (``benchmarks.st_client``: the browser's protocol, nothing drawn,
   each frame answered as drawn at once) presses Play on the default setup: its frames per second, the gaps
   between its frames, the server time per frame and the bytes per frame.
2. *the browser alone*: headless Chromium at 1600×1000 presses Play; a probe in the page notes every change
   of the output picture (the heatmap's PNG, once loaded) and of the epoch shown: visible updates per second.
3. *the browser and nine sessions*: nine WebSocket sessions play as well (answering every frame at once: the
   most a browser could ask for); the browser's visible updates per second, every session's frames per
   second and gaps, and the server time per frame over all sessions (p50/p95).
"""

from __future__ import annotations

import itertools
import os
import statistics
import time

from benchmarks.common import IDLE, chromium, percentile, server
from benchmarks.st_client import SessionClient

PAGE = "playground"
PLAY_KEY = "pg_play"
EPOCH = "epoch"
VIEWPORT = {"width": 1600, "height": 1000}
OTHER_SESSIONS = 9
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Notes, every 20 ms, whether the output picture (the last image of the playground figure) or the epoch
# metric changed: a visible update. Runs in the page, so that polling costs no round trips.
VISIBLE_PROBE = """
() => {
  const v = window.__visible = {changes: [], epochs: []};
  let lastPicture = null, lastEpoch = null;
  const metric = () => [...document.querySelectorAll("[data-testid='stMetric']")]
    .find(m => m.querySelector("[data-testid='stMetricLabel']")?.innerText.trim() === "epoch");
  v.timer = setInterval(() => {
    const images = document.querySelectorAll(".js-plotly-plot image");
    const last = images[images.length - 1];
    const picture = last ? (last.getAttribute("href") || last.getAttribute("xlink:href") || null) : null;
    const epoch = metric()?.querySelector("[data-testid='stMetricValue']")?.innerText;
    const now = performance.now();
    if (picture && picture !== lastPicture) { v.changes.push(now); lastPicture = picture; }
    if (epoch !== lastEpoch) { v.epochs.push([now, epoch]); lastEpoch = epoch; }
  }, 20);
}
"""


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def frames_in(client: SessionClient, start: float, end: float) -> list[float]:
    """Arrival times of the session's frames (epoch metric redraws) between ``start`` and ``end``."""
    return [t for t, _ in client.metric_updates(EPOCH) if start <= t <= end]


def gaps_ms(times: list[float]) -> list[float]:
    return [(b - a) * 1000 for a, b in itertools.pairwise(times)]


def playing_session(url: str) -> SessionClient:
    client = SessionClient(url)
    client.open(PAGE)
    client.click(PLAY_KEY)
    return client


def wait_playing(clients: list[SessionClient], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for client in clients:
        while len(client.metric_updates(EPOCH)) < 3:
            if time.monotonic() > deadline:
                raise TimeoutError("a session did not start playing")
            time.sleep(0.05)


def sessions_summary(clients: list[SessionClient], start: float, end: float) -> dict:
    per_session = [frames_in(c, start, end) for c in clients]
    rates = [len(f) / (end - start) for f in per_session]
    gaps = [g for f in per_session for g in gaps_ms(f)]
    return {
        "sessions": len(clients),
        "frames_per_s_min": min(rates), "frames_per_s_median": statistics.median(rates),
        "gap_p50_ms": percentile(gaps, 0.5), "gap_p95_ms": percentile(gaps, 0.95), "gap_max_ms": max(gaps, default=None),
        "exceptions": [e for c in clients for e in c.exceptions],
    }


def server_frames(srv, start_epoch: float, end_epoch: float) -> dict:
    """The server's live frames that ended in the window: time per frame (ms), p50/p95, wall and CPU."""
    frames = [f for f in srv.live_frames() if start_epoch <= f["end"] <= end_epoch]
    wall, cpu = [1000 * f["wall"] for f in frames], [1000 * f["cpu"] for f in frames]
    return {"server_frames": len(frames), "server_frame_p50_ms": percentile(wall, 0.5),
            "server_frame_p95_ms": percentile(wall, 0.95), "server_frame_cpu_p50_ms": percentile(cpu, 0.5),
            "playing_seen_by_server": max((f["playing"] for f in frames), default=0)}


def phase_one_session(srv, seconds: float) -> dict:
    client = playing_session(srv.url)
    try:
        wait_playing([client])
        time.sleep(1.0)
        bytes_before, cpu_before = client.bytes_received, process_cpu_seconds(srv.pid)
        start, start_epoch = time.monotonic(), time.time()
        time.sleep(seconds)
        end, cpu = time.monotonic(), process_cpu_seconds(srv.pid) - cpu_before
        frames = frames_in(client, start, end)
        result = sessions_summary([client], start, end) | server_frames(srv, start_epoch, time.time())
        result |= {"server_cpu_cores_busy": cpu / (end - start),
                   "bytes_per_frame": (client.bytes_received - bytes_before) / max(len(frames), 1)}
        client.click(PLAY_KEY)  # pause
        return result
    finally:
        client.close()


def visible_updates(page, seconds: float) -> dict:
    page.evaluate(VISIBLE_PROBE)
    page.wait_for_timeout(seconds * 1000)
    v = page.evaluate("() => { clearInterval(window.__visible.timer); return window.__visible; }")
    pictures, epochs = v["changes"][1:], v["epochs"][1:]  # the first note is the state at the start
    return {"picture_updates_per_s": len(pictures) / seconds, "epoch_updates_per_s": len(epochs) / seconds,
            "picture_gap_p95_ms": percentile([b - a for a, b in itertools.pairwise(pictures)], 0.95),
            "epochs_shown": [e for _, e in epochs[:1] + epochs[-1:]]}


def measure(seconds: float = 8.0) -> dict:
    result: dict = {"seconds_per_phase": seconds, "other_sessions": OTHER_SESSIONS}
    with server("playground", timed_runs=True) as srv, chromium() as browser:
        result["one_session"] = phase_one_session(srv, seconds)

        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{srv.url}/{PAGE}")
        page.wait_for_selector(".js-plotly-plot image", timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        page.get_by_role("button", name="▶ Play").click()
        page.wait_for_timeout(2000)
        result["browser_alone"] = visible_updates(page, seconds)

        others = [playing_session(srv.url) for _ in range(OTHER_SESSIONS)]
        try:
            wait_playing(others)
            time.sleep(1.0)
            cpu_before, start, start_epoch = process_cpu_seconds(srv.pid), time.monotonic(), time.time()
            result["browser_with_others"] = visible_updates(page, seconds)
            end = time.monotonic()
            result["other_sessions_playing"] = sessions_summary(others, start, end) | {
                "server_cpu_cores_busy": (process_cpu_seconds(srv.pid) - cpu_before) / (end - start)
            } | server_frames(srv, start_epoch, time.time())
        finally:
            for client in others:
                client.close()
        page.get_by_role("button", name="■ Pause").click()
        page.wait_for_selector(IDLE, timeout=60_000)
        result["browser_exceptions"] = page.locator("[data-testid='stException']").count()
        result["server_tensorflow_loaded"] = srv.tensorflow_loaded()
    return result


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure(float(sys.argv[1]) if len(sys.argv) > 1 else 8.0), indent=1))
