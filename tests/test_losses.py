"""nnviz.losses against keras.losses / keras.metrics and GradientTape."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import pytest
import tensorflow as tf

from nnviz import keras_training as kt
from nnviz import losses as L
from nnviz.data import blobs

pytestmark = pytest.mark.unit

RNG = np.random.default_rng(0)
Y = RNG.integers(0, 2, 50)
P = np.concatenate([RNG.random(46), [0.0, 1.0, 0.5, 0.5000001]])  # includes the clipping and threshold edges


def test_binary_cross_entropy_matches_keras():
    expected = keras.losses.binary_crossentropy(Y[:, None].astype("float64"), P[:, None]).numpy().mean()
    assert L.binary_cross_entropy(Y, P) == pytest.approx(float(expected), rel=1e-6)


def test_mse_matches_keras():
    expected = keras.losses.mean_squared_error(Y[:, None].astype("float64"), P[:, None]).numpy().mean()
    assert L.mean_squared_error(Y, P) == pytest.approx(float(expected), rel=1e-12)


def test_accuracy_precision_recall_match_keras_metrics():
    y_hat = (P > 0.5).astype(int)
    for metric, ours in ((keras.metrics.BinaryAccuracy(), L.accuracy(Y, P)),
                         (keras.metrics.Precision(), L.precision(Y, y_hat)),
                         (keras.metrics.Recall(), L.recall(Y, y_hat))):
        metric.update_state(Y.astype("float32"), P.astype("float32"))
        assert ours == pytest.approx(float(metric.result()), abs=1e-6), metric.name


def test_precision_is_undefined_without_positive_predictions_where_keras_says_0():
    y = L.imbalanced_labels(100, 0.05, seed=1)
    none = np.zeros_like(y)
    assert L.precision(y, none) is None and L.recall(y, none) == 0.0
    keras_precision = keras.metrics.Precision()
    keras_precision.update_state(y, none)
    assert float(keras_precision.result()) == 0.0  # Keras reports 0 for 0/0; the page says "undefined"
    assert L.accuracy(y, none) == 0.95 and L.confusion(y, none) == {"TP": 0, "FP": 0, "FN": 5, "TN": 95}


@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_gradients_match_gradient_tape(loss):
    X, y = blobs(40, 3, spread=0.9)
    w, b = np.array([0.8, -0.3]), 0.2
    wv, bv = tf.Variable(w), tf.Variable(b, dtype=tf.float64)
    with tf.GradientTape() as tape:
        p = tf.sigmoid(tf.linalg.matvec(tf.constant(X), wv) + bv)
        value = (keras.losses.binary_crossentropy(y[:, None].astype("float64"), p[:, None]) if loss == "bce"
                 else keras.losses.mean_squared_error(y[:, None].astype("float64"), p[:, None]))
        value = tf.reduce_mean(value)
    gw, gb = tape.gradient(value, [wv, bv])
    ours_w, ours_b = L.gradients(X, y, w, b, loss)
    np.testing.assert_allclose(ours_w, gw.numpy(), rtol=1e-5)
    assert ours_b == pytest.approx(float(gb), rel=1e-5)


def test_tape_gives_no_gradient_through_a_step_and_the_chain_rule_one_through_a_sigmoid():
    X, y = blobs(40, 3, spread=0.9)
    w, b = np.array([0.8, -0.3]), 0.2
    grads = kt.tape_gradients(X, y, w, b)
    assert grads["step"] is None
    np.testing.assert_allclose(grads["sigmoid"], L.gradients(X, y, w, b, "bce")[0], rtol=1e-6)
    assert not np.any(L.gradients(X, y, w, b, "bce", activation="step")[0])


def test_accuracy_is_flat_and_cross_entropy_is_not():
    X, y = blobs(80, 0, spread=0.9)
    sweep = L.sweep_weight(X, y, np.array([1.0, 1.0]), -6.0, 0, np.linspace(-4, 6, 101))
    assert np.all(sweep["d_accuracy"] == 0)
    assert len(np.unique(sweep["accuracy"])) > 5  # ... yet accuracy does change: in jumps
    assert np.all(sweep["d_bce"] != 0)
    # the analytic derivative is the slope of the curve (away from w1 < −3, where Keras' clipping of p at
    # 10⁻⁷ flattens the loss itself for the most wrongly classified points)
    inner = slice(11, -1)
    np.testing.assert_allclose(np.gradient(sweep["bce"], np.linspace(-4, 6, 101))[inner], sweep["d_bce"][inner],
                               rtol=0.05, atol=1e-3)


def test_training_on_the_loss_learns_and_on_accuracy_or_a_step_does_not():
    X, y = blobs(80, 0, spread=0.9)
    w0, b0 = np.array([0.5, -1.0]), 0.3
    ce = L.train(X, y, "bce", 1.0, 60, w0, b0)
    acc = L.train(X, y, "accuracy", 1.0, 60, w0, b0)
    stp = L.train(X, y, "step", 1.0, 60, w0, b0)
    assert ce["accuracy"][-1] > ce["accuracy"][0] + 0.2
    assert ce["loss"][-1] < ce["loss"][0]
    assert np.all(acc["accuracy"] == acc["accuracy"][0]) and np.all(stp["accuracy"] == stp["accuracy"][0])


P_POSITIVE = np.linspace(0.01, 0.99, 25)  # the Loss vs accuracy page's "one positive example" curves


def test_the_losses_of_one_positive_example_match_keras():
    bce, mse = L.losses_for_a_positive(P_POSITIVE)
    ones = np.ones((len(P_POSITIVE), 1))
    np.testing.assert_allclose(bce, keras.losses.binary_crossentropy(ones, P_POSITIVE[:, None]).numpy(), rtol=1e-6)
    np.testing.assert_allclose(mse, keras.losses.mean_squared_error(ones, P_POSITIVE[:, None]).numpy(), rtol=1e-12)


def test_the_pushes_on_the_logit_are_what_gradient_tape_finds():
    z = tf.Variable(np.log(P_POSITIVE / (1 - P_POSITIVE))[:, None])  # p = σ(z)
    ones = tf.ones_like(z)
    with tf.GradientTape(persistent=True) as tape:
        bce = tf.reduce_sum(keras.losses.binary_crossentropy(ones, z, from_logits=True))
        mse = tf.reduce_sum(keras.losses.mean_squared_error(ones, tf.sigmoid(z)))
    push_bce, push_mse = L.logit_pushes(P_POSITIVE)
    np.testing.assert_allclose(push_bce, np.abs(tape.gradient(bce, z).numpy()[:, 0]), rtol=1e-6)
    np.testing.assert_allclose(push_mse, np.abs(tape.gradient(mse, z).numpy()[:, 0]), rtol=1e-6)


def test_the_sweep_puts_each_metric_above_its_derivative_and_beside_it_on_a_phone():
    """Three rows of two were ~110 px each on a projector (Lecture mode draws the figure 560 px tall) and a row's
    titles sat nearer the panel above ('MSE' read as the cross-entropy panel's x title). Two rows of three: the
    metrics on top, each derivative under its metric, every panel over two fifths of the height; on a phone still a
    row per metric, its derivative beside it (two columns fit there)."""
    from nnviz.figures.losses import sweep_figure
    from nnviz.figures.style import axis_suffix

    values = np.linspace(-3, 3, 31)
    sweep = {k: np.zeros(31) for k in ("accuracy", "d_accuracy", "bce", "d_bce", "mse", "d_mse")}
    sweep["accuracy_jumps"] = np.array([0.5])
    fig = sweep_figure(values, sweep, 0.0, "w1").to_dict()
    layout, narrow = fig["layout"], fig["layout"]["meta"]["narrow"]["layout"]

    def axes(keys: dict, name: str) -> tuple[list, list]:
        trace = next(t for t in fig["data"] if t["name"] == name)
        return (keys[f"xaxis{trace['xaxis'][1:]}"]["domain"], keys[f"yaxis{trace['yaxis'][1:]}"]["domain"])

    metrics = ["accuracy", "cross-entropy", "MSE"]
    for k, metric in enumerate(metrics):
        (x, y), (dx, dy) = axes(layout, metric), axes(layout, f"d({metric}) / dw1")
        assert x == dx and dy[1] < y[0]  # under its metric
        assert y[1] - y[0] > 0.4 and dy[1] - dy[0] > 0.4
        if k:
            assert x[0] > axes(layout, metrics[k - 1])[0][1]  # left to right in the page's order
        (x, y), (dx, dy) = axes(narrow, metric), axes(narrow, f"d({metric}) / dw1")
        assert y == dy and x[1] < dx[0]  # beside it on a phone
    # each title right above its own panel, in both layouts
    for keys in (layout, narrow):
        for note in (a for a in keys["annotations"] if a.get("xref") == "paper"):
            x, y = axes(keys, note["text"])
            assert note["y"] == pytest.approx(y[1]) and x[0] <= note["x"] <= x[1] + 0.05, note["text"]
    # tick labels and the x title under the bottom row only
    shown = {t["name"] for t in fig["data"][:6]
             if layout[f"xaxis{axis_suffix(int(t['xaxis'][1:] or 1) - 1)}"]["showticklabels"]}
    assert shown == {f"d({m}) / dw1" for m in metrics}


def test_the_marked_predictions_label_stands_on_white_over_the_curves():
    """At p = 0.01 both panels' cross-entropy curves run through the 'p = 0.01' label at the panels' top left (a
    helper's review): the label is drawn on white, in both panels."""
    from nnviz.figures.losses import bce_vs_mse_figure

    notes = [a for a in bce_vs_mse_figure(np.linspace(0.001, 0.999, 99), 0.01).to_dict()["layout"]["annotations"]
             if a["text"].strip() == "p = 0.01"]
    assert len(notes) == 2 and all(a["bgcolor"] == "white" for a in notes)


@pytest.mark.parametrize("marked", [0.01, 0.05, 0.3, 0.7, 0.99])
def test_the_marked_predictions_label_stands_where_no_curve_runs_beside_its_line(marked):
    """On white, the label still hid the cross-entropy curves at p = 0.01 and 0.05 (a helper's review at 1280x720):
    it stands at the height where, beside the line, no curve comes within half its height (a phone's panel wide);
    beside a line near p = 1 it stands on the line's left, inside the panel."""
    from nnviz import losses as L
    from nnviz.figures.losses import LOSS_RANGE, MARKER_LABEL_SPAN, PUSH_RANGE, bce_vs_mse_figure

    p = np.linspace(0.005, 0.995, 199)
    notes = [a for a in bce_vs_mse_figure(p, marked).to_dict()["layout"]["annotations"] if "p = " in a["text"]]
    for note, curves, (low, high) in zip(notes, (L.losses_for_a_positive(p), L.logit_pushes(p)), (LOSS_RANGE, PUSH_RANGE)):
        left = note["xanchor"] == "left"
        assert left == (marked + MARKER_LABEL_SPAN <= 1)
        start = marked + 0.02 if left else marked - MARKER_LABEL_SPAN  # the label's box, clear of its line
        beside = (p >= start) & (p <= start + MARKER_LABEL_SPAN - 0.02)
        nearest = min(np.min(np.abs((np.clip(c[beside], low, high) - low) / (high - low) - note["y"])) for c in curves)
        assert nearest >= 0.04, (marked, note["y"], nearest)
