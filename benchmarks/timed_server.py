"""`streamlit run` with each script run's wall-clock start/end, thread CPU time and time spent in
garbage collection appended to a log, and each rerun request's arrival.

    NNVIZ_BENCH_RUN_LOG=/tmp/runs.jsonl python -m benchmarks.timed_server run app.py ...

Used by the browser benchmark to split "key press → chart redrawn" into the server's script run
and the rest. It wraps ``ScriptRunner._run_script`` (script, session-state upkeep, Streamlit's
``gc.collect`` after the run) and ``AppSession.handle_backmsg`` (a line ``{"session", "request"}`` when a
rerun_script message arrives), and changes nothing else. Both lines name the session (``AppSession.id``, which
the browser receives in its NewSession message), so a load test can pair each key press with the rerun it caused
and time it inside the server, where the browsers' share of the CPU does not count. Each section a run reruns on its
own (a fragment the runner looks up: a widget's ``st.rerun(keys)``, a fragment's own widget) is logged to the same
path with ``.fragments`` added: its key, wall-clock start and end and CPU time. Once the app has imported ``nnviz.ui``, every live
frame that ``ui.FRAME_PACER`` records (the Playground while playing) is also logged, with its wall-clock
and CPU time, to the same path with ``.frames`` added.
"""

from __future__ import annotations

import json
import os
import sys
import time


def install(log_path: str) -> None:
    import gc
    import threading

    from streamlit.runtime import app_session, fragment
    from streamlit.runtime.scriptrunner import script_runner

    log = open(log_path, "a", buffering=1)  # noqa: SIM115 -- open for the server's lifetime
    original = script_runner.ScriptRunner._run_script
    gc_seconds: dict[int, float] = {}  # per script thread: time spent in garbage collection
    gc_started: dict[int, float] = {}

    def on_gc(phase, info):
        thread = threading.get_ident()
        if thread not in gc_seconds:
            return
        if phase == "start":
            gc_started[thread] = time.perf_counter()
        elif thread in gc_started:
            gc_seconds[thread] += time.perf_counter() - gc_started.pop(thread)

    gc.callbacks.append(on_gc)

    frame_log = open(log_path + ".frames", "a", buffering=1)  # noqa: SIM115 -- open for the server's lifetime

    def log_frames() -> None:
        """Wrap FramePacer.record (once nnviz.ui is imported: importing it here would start Streamlit's
        component registry before the server)."""
        ui = sys.modules.get("nnviz.ui")
        pacer_class = getattr(ui, "FramePacer", None)  # not in older commits (the load test's in-process design)
        if pacer_class is None or getattr(pacer_class.record, "timed", False):
            return
        record = pacer_class.record

        def timed_record(pacer, session, start, end, cpu):
            frame_log.write(json.dumps({"session": session, "end": time.time(), "wall": end - start, "cpu": cpu,
                                        "playing": pacer.playing()}) + "\n")
            return record(pacer, session, start, end, cpu)

        timed_record.timed = True
        pacer_class.record = timed_record

    fragment_log = open(log_path + ".fragments", "a", buffering=1)  # noqa: SIM115 -- open for the server's lifetime
    # Written after the run, not as each section ends: a file write lets go of the GIL, and the event loop, which
    # has the section's messages to send, takes it; the run waited up to 5 ms (sys.getswitchinterval) for it back at
    # each section (py-spy, softmax T: 9 % of the script thread's samples in this write).
    sections_run: dict[int, list[str]] = {}  # per script thread: this run's lines, not yet written
    lookup = fragment.MemoryFragmentStorage.lookup

    def timed_lookup(storage, fragment_id):
        """The fragment the runner reruns, timed: one section's rerun within a script run."""
        section = lookup(storage, fragment_id)
        name = storage._target_key_by_id.get(fragment_id, fragment_id)

        def timed_section(*args, **kwargs):
            start, cpu = time.time(), time.thread_time()
            try:
                return section(*args, **kwargs)
            finally:
                sections_run.setdefault(threading.get_ident(), []).append(json.dumps(
                    {"fragment": name, "start": start, "end": time.time(), "cpu": time.thread_time() - cpu}))

        return timed_section

    fragment.MemoryFragmentStorage.lookup = timed_lookup

    def timed(self, *args, **kwargs):
        thread = threading.get_ident()
        gc_seconds[thread] = 0.0
        start, cpu = time.time(), time.thread_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            end, used = time.time(), time.thread_time() - cpu
            # before the run's line: a reader that has that line has these
            fragment_log.writelines(line + "\n" for line in sections_run.pop(thread, []))
            log.write(json.dumps({"session": self._session_id, "start": start, "end": end, "cpu": used,
                                  "gc": gc_seconds.pop(thread, 0.0)}) + "\n")
            log_frames()

    script_runner.ScriptRunner._run_script = timed
    handle_backmsg = app_session.AppSession.handle_backmsg

    def logged_backmsg(self, msg):
        if msg.WhichOneof("type") == "rerun_script":
            log.write(json.dumps({"session": self.id, "request": time.time()}) + "\n")
        return handle_backmsg(self, msg)

    app_session.AppSession.handle_backmsg = logged_backmsg


if __name__ == "__main__":
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)  # run by its path (the load test, from another checkout): benchmarks/ is no package root
    install(os.environ["NNVIZ_BENCH_RUN_LOG"])
    from streamlit.web.cli import main

    sys.argv = ["streamlit", *sys.argv[1:]]
    sys.exit(main())
