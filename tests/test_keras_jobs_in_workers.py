"""Every Keras button runs its job in a worker of nnviz.training_service (ui.run_job): the page shows the
result, and the web server's process never imports TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import HANG_FACTOR, ROOT
from streamlit.testing.v1 import AppTest

from nnviz import training_service as ts
from nnviz import ui

KERAS_BUTTONS = {  # page: (the tab to open first or None, the button, the session key its result lands in)
    "app_pages/loss_vs_accuracy.py": (None, "la_tape", "la_tape_result"),
    "app_pages/backprop.py": (("bp_section", "Check the gradient"), "bp_tape_button", "bp_tape"),
    "app_pages/playground.py": (None, "pg_keras", "pg_keras_result"),
    "app_pages/gradient_descent.py": (None, "gd4_run", "gd4_sweep"),
}


def test_keras_buttons_run_in_workers_and_the_server_never_imports_tensorflow():
    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT / 'tests')!r})
from conftest import HANG_FACTOR, app_test, train_on_page
from widget_states import open_tab
result = {{}}
for page, (tab, button, key) in {KERAS_BUTTONS!r}.items():
    at = app_test(page, timeout=240 * HANG_FACTOR)  # a press waits for its job: a cold worker loads TensorFlow
    if tab:
        open_tab(at, *tab)
    at.button(key=button).click().run()
    result[page] = {{"exception": [e.value for e in at.exception], "errors": [e.value for e in at.error],
                     "result": key in at.session_state, "tensorflow": "tensorflow" in sys.modules,
                     "keras": "keras" in sys.modules}}
at = app_test("app_pages/mnist.py", timeout=240 * HANG_FACTOR)
at.slider(key="mn_epochs").set_value(1).run()
for button in ("mn_train", "mn_continue"):
    train_on_page(at, button)
result["app_pages/mnist.py"] = {{"exception": [e.value for e in at.exception], "errors": [e.value for e in at.error],
                               "result": at.session_state["mn_state"].run.history.completed_epochs == 2,
                               "tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules}}
from nnviz import ui
result["workers"] = len(ui.training_service().worker_pids())
print(json.dumps(result))
"""
    out = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, capture_output=True, text=True,
                         timeout=600 * HANG_FACTOR)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result.pop("workers") >= 1
    for page in [*KERAS_BUTTONS, "app_pages/mnist.py"]:  # MNIST: Train, then Continue
        assert result[page] == {"exception": [], "errors": [], "result": True, "tensorflow": False,
                                "keras": False}, page


def _job_page():
    import streamlit as st

    from nnviz import ui

    kind = st.session_state.get("kind", "add")
    if kind == "add":
        st.session_state["result"] = ui.run_job("Adding …", "tests.service_jobs:add", share=True, a=1, b=2)
    elif kind == "fail":
        st.session_state["result"] = ui.run_job("Failing …", "tests.service_jobs:fail")


def test_a_job_that_fails_is_explained_and_shared_results_are_reused():
    at = AppTest.from_function(_job_page, default_timeout=120 * HANG_FACTOR)
    at.run()
    assert not at.exception and at.session_state["result"] == 3
    shared = [v for k, v in ui._SHARED_RESULTS.items() if v == 3]
    assert shared  # a second session asking for the same job gets it without a worker
    at.session_state["kind"] = "fail"
    at.run()
    assert not at.exception and at.session_state["result"] is None
    assert at.error[0].value.startswith("The Keras job did not finish: ValueError: bad input")


def test_queue_note_says_how_many_are_ahead_and_how_long():
    assert ui.queue_note(ts.JobView("j", ts.QUEUED, position=1, wait_seconds=12.4)) == (
        "Every Keras worker of this server is busy: yours is next. Estimated wait: about 12 s.")
    assert "3 jobs ahead of yours" in ui.queue_note(ts.JobView("j", ts.QUEUED, position=4, wait_seconds=80))
