"""nnviz.mlp_training: training the MNIST MLP with progress reports, stop/continue, NaN, reproducibility."""

from __future__ import annotations

import time

import numpy as np
import pytest

from nnviz import mlp as nn
from nnviz import mnist_data


@pytest.fixture(scope="module")
def mt():
    from nnviz import mlp_training

    return mlp_training


@pytest.fixture(scope="module")
def digits():
    return mnist_data.offline_dataset(seed=0)


class Interrupt(BaseException):
    """Stands in for Streamlit's StopException/RerunException (BaseExceptions raised inside a callback)."""


def train(mt, config, data, report=None, model=None, history=None):
    model = model or mt.build_model(config)
    history = history or nn.TrainingHistory()
    mt.train(model, config, data, history, report)
    return model, history


def test_default_settings_reach_90_percent_on_the_offline_digits_quickly(mt, digits):
    config = nn.MLPConfig()  # the page's defaults
    start = time.perf_counter()
    model, history = train(mt, config, digits)
    seconds = time.perf_counter() - start
    evaluation = nn.evaluate(model.get_weights(), config.activation, digits.x_test, digits.y_test)
    print(f"default training: {seconds:.1f} s, test accuracy {evaluation.accuracy:.1%}")
    assert evaluation.accuracy >= 0.90
    assert seconds < 60
    assert history.completed_epochs == config.epochs and history.stopped_by is None
    assert history.epochs["epoch"] == [1, 2, 3, 4, 5]
    assert history.epochs["loss"][-1] < history.epochs["loss"][0]


def test_same_seed_same_run_other_seed_other_run(mt, digits):
    config = nn.MLPConfig((32,), epochs=2)
    _, first = train(mt, config, digits)
    _, again = train(mt, config, digits)
    np.testing.assert_allclose(first.epochs["val_loss"], again.epochs["val_loss"], rtol=1e-5)
    _, other = train(mt, nn.MLPConfig((32,), epochs=2, seed=1), digits)
    assert not np.allclose(first.epochs["val_loss"], other.epochs["val_loss"], rtol=1e-5)


def test_progress_is_reported_a_few_times_a_second_and_ends_at_one(mt, digits):
    reports = []
    start = time.perf_counter()
    train(mt, nn.MLPConfig((32,), epochs=3, batch_size=16), digits, reports.append)
    seconds = time.perf_counter() - start
    steps = int(np.ceil(3500 / 16))
    assert reports[-1].fraction == 1.0 and reports[-1].epoch == 3 and reports[-1].step == steps == reports[-1].steps
    assert len(reports) <= 3 + seconds / 0.25 + 2  # throttled: at most one every 0.25 s, plus each epoch's end
    assert len(reports) >= 3
    fractions = [r.fraction for r in reports]
    assert fractions == sorted(fractions)
    assert all(r.remaining >= 0 for r in reports) and reports[-1].remaining == pytest.approx(0)


def test_the_live_curve_averages_the_batches_between_updates(mt, digits):
    """Recorded at every batch, the live curve is each batch's own loss: their mean is Keras' epoch loss."""
    config = nn.MLPConfig((32,), epochs=2, batch_size=50)  # 70 equal batches per epoch
    model = mt.build_model(config)
    history = nn.TrainingHistory()
    mt.train(model, config, digits, history, interval=0.0)
    steps = np.array(history.steps["epoch"])
    assert len(steps) == 140
    for epoch in (1, 2):
        in_epoch = (steps > epoch - 1) & (steps <= epoch)
        for name in ("loss", "accuracy"):
            batch_values = np.array(history.steps[name])[in_epoch]
            assert batch_values.mean() == pytest.approx(history.epochs[name][epoch - 1], rel=1e-4)
    assert np.array(history.steps["loss"])[:5].std() > 0  # single batches, not a running mean


def test_an_interrupted_run_keeps_its_history_and_weights_and_can_continue(mt, digits):
    config = nn.MLPConfig((32,), epochs=4)
    model = mt.build_model(config)
    initial = [w.copy() for w in model.get_weights()]
    history = nn.TrainingHistory()

    def stop_in_second_epoch(progress):
        if progress.epoch == 2 and progress.step < progress.steps:
            raise Interrupt

    with pytest.raises(Interrupt):
        mt.train(model, config, digits, history, stop_in_second_epoch)
    assert history.completed_epochs == 1  # the first epoch is kept
    assert max(history.steps["epoch"]) > 1  # and the steps reported inside the second
    assert not np.allclose(model.get_weights()[0], initial[0])
    accuracy_then = nn.evaluate(model.get_weights(), "relu", digits.x_test, digits.y_test).accuracy
    assert accuracy_then > 0.8

    mt.train(model, config, digits, history)  # Continue: 4 more epochs, numbered on
    assert history.epochs["epoch"] == [1, 2, 3, 4, 5]
    assert history.stopped_by is None
    assert nn.evaluate(model.get_weights(), "relu", digits.x_test, digits.y_test).accuracy >= accuracy_then - 0.02


def test_divergence_is_stopped_by_terminate_on_nan(mt, digits):
    config = nn.MLPConfig((128,), activation="linear", learning_rate=10.0, epochs=3)
    model, history = train(mt, config, digits)
    assert history.stopped_by == "nan"
    epoch, batch = history.diverged_at
    assert epoch == 1 and batch < 110  # caught within the first epoch, not after three
    assert not np.isfinite(history.steps["loss"][-1])
    assert history.completed_epochs <= 1


def test_model_file_round_trip(mt, digits):
    config = nn.MLPConfig((16,), epochs=1)
    model, _ = train(mt, config, digits)
    data = mt.model_bytes(model)
    assert data[:2] == b"PK"  # a .keras file is a zip archive
    loaded = mt.load_model_bytes(data)
    x = digits.x_test[:20] / 255.0
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
