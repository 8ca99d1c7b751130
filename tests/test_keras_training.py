"""nnviz.keras_training: the learning-rate finder and short training runs on a real Keras model."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from nnviz import keras_training as kt

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def split():
    return kt.digits_split(seed=0)


def test_digits_split_is_seeded_scaled_and_disjoint(split):
    again = kt.digits_split(seed=0)
    np.testing.assert_array_equal(split.x_train, again.x_train)
    assert split.x_train.shape == (1438, 64) and split.x_val.shape == (359, 64)
    assert split.x_train.min() >= 0 and split.x_train.max() <= 1
    assert set(np.unique(split.y_val)) == set(range(10))
    other = kt.digits_split(seed=1)
    assert not np.array_equal(split.y_val, other.y_val)


def test_loading_keras_freezes_the_objects_it_brought():
    """Streamlit collects garbage after every rerun; TensorFlow's objects must not be scanned each time."""
    kt.load_keras()
    assert gc.get_freeze_count() > 100_000


def test_sweep_multiplies_the_rate_and_the_loss_falls_then_blows_up(split):
    rates, losses = kt.learning_rate_sweep(split, seed=0, steps=200)
    ratios = rates[1:] / rates[:-1]
    np.testing.assert_allclose(ratios, (10.0 / 1e-4) ** (1 / 199), rtol=1e-9)
    assert rates[0] == pytest.approx(1e-4)
    assert len(rates) < 200  # stopped early once the loss had blown up
    assert losses[-1] > kt.BLOW_UP * losses.min() or not np.isfinite(losses[-1])
    assert kt.sweep_stop(rates, losses) is not None
    assert losses.min() < losses[0] / 2  # in between, it learned


def test_suggestion_reads_the_curve():
    rates = np.geomspace(1e-4, 10, 100)
    losses = (np.log10(rates) - np.log10(0.5)) ** 2 + 1.0  # bottom at η = 0.5
    s = kt.suggest_learning_rates(rates, losses)
    assert s.turning_point == pytest.approx(0.5, rel=0.15)
    assert s.suggested == pytest.approx(s.turning_point / 10)
    assert s.too_low < s.suggested < s.turning_point < s.too_high <= rates[-1]
    assert kt.suggest_learning_rates(rates[:60], losses[:60]).too_high == rates[59]  # not beyond the sweep


def test_suggestion_is_ten_times_below_where_the_loss_turns_up():
    """Géron's rule: the loss falls, then turns up (starts to climb) at some rate; train ~10× below it."""
    rates = np.geomspace(1e-4, 3.0, 150)
    turn = 0.3
    losses = np.where(rates < turn, 2.3 - 0.4 * np.log10(rates / 1e-4), 2.3 - 0.4 * np.log10(turn / 1e-4))
    losses = losses + np.where(rates > turn, 5 * np.log10(rates / turn), 0.0)  # climbs past the turn
    s = kt.suggest_learning_rates(rates, losses)
    # a 9-batch moving average finds the turn to within half its window (here 0.13 decades: a factor 1.35)
    assert turn / 1.35 <= s.turning_point <= turn * 1.35
    assert s.suggested == pytest.approx(s.turning_point / 10)


def test_sweep_stop_says_why_the_sweep_ended_early():
    full = np.geomspace(kt.SWEEP_MIN_RATE, kt.SWEEP_MAX_RATE, 200)
    assert kt.sweep_stop(full, np.ones(200)) is None
    assert kt.sweep_stop(full[:150], np.r_[np.ones(149), 5.0]) == "the loss passed 4× its lowest"
    assert kt.sweep_stop(full[:150], np.r_[np.ones(149), np.nan]) == "the loss became NaN"


def test_sweep_figure_spans_the_planned_range_and_shades_what_was_not_swept():
    from nnviz.figures.gradient_descent import learning_rate_sweep_figure

    rates = np.geomspace(1e-4, 10, 200)[:170]  # stopped at η ≈ 1.8
    losses = np.r_[np.full(169, 2.0), 9.0]
    fig = learning_rate_sweep_figure(rates, losses, {"loss turns up": 0.5}, planned=(1e-4, 10.0),
                                     stop="the loss passed 4× its lowest")
    assert list(fig.layout.xaxis.range) == [-4, 1]  # the axis shows 10⁻⁴ … 10, as the text says
    (shade,) = fig.layout.shapes
    assert shade.x0 == pytest.approx(rates[-1]) and shade.x1 == 10.0
    (note,) = fig.layout.annotations
    assert note.text == "not swept" and note.hovertext == f"stopped at η = {rates[-1]:.2g}: the loss passed 4× its lowest"


def test_the_sweep_figure_draws_the_moving_average_the_turn_is_read_from():
    from nnviz.figures.gradient_descent import learning_rate_sweep_figure

    rates = np.geomspace(1e-4, 3.0, 150)
    losses = (np.log10(rates) + 0.5) ** 2 + 1.0 + 0.3 * np.random.default_rng(0).standard_normal(150)  # noisy
    s = kt.suggest_learning_rates(rates, losses)
    middle, smoothed = kt.moving_average(rates, losses)
    assert len(middle) == len(smoothed) == 150 - kt.SMOOTHING + 1
    np.testing.assert_allclose(smoothed[0], losses[:kt.SMOOTHING].mean())
    fig = learning_rate_sweep_figure(rates, losses, {"loss turns up": s.turning_point},
                                     average=(middle, smoothed, kt.SMOOTHING))
    drawn = fig.data[1]
    assert drawn.name == "moving average of 9 batches"
    assert drawn.x[int(np.argmin(drawn.y))] == s.turning_point  # where the text says the loss turns up


def test_suggested_rate_trains_and_the_extremes_do_not(split):
    rates, losses = kt.learning_rate_sweep(split, seed=0)
    s = kt.suggest_learning_rates(rates, losses)
    seen_epochs = []
    good = kt.train_briefly(split, s.suggested, epochs=10, seed=0, on_epoch=lambda e, logs: seen_epochs.append(e))
    low = kt.train_briefly(split, s.too_low, epochs=10, seed=0)
    high = kt.train_briefly(split, s.too_high, epochs=10, seed=0)
    assert seen_epochs == list(range(1, 11))
    assert good["val_accuracy"][-1] > 0.85
    assert low["val_accuracy"][-1] < 0.5 and low["loss"][-1] > good["loss"][-1]
    assert high["val_accuracy"][-1] < good["val_accuracy"][-1]


def test_same_seed_same_history(split):
    a = kt.train_briefly(split, 0.05, epochs=2, seed=3)
    b = kt.train_briefly(split, 0.05, epochs=2, seed=3)
    assert a["loss"] == pytest.approx(b["loss"], rel=1e-5)
