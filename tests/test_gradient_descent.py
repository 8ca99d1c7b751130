"""nnviz.gradient_descent against finite differences, GradientTape and keras.optimizers.SGD."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from nnviz import gradient_descent as gd

pytestmark = pytest.mark.unit

POINTS = [(-1.5, 2.0), (0.3, -0.7), (1.2, 1.1), (0.0, 0.5)]


def tf_loss(key: str, w: tf.Tensor) -> tf.Tensor:
    """The same surfaces written with TensorFlow ops."""
    w1, w2 = w[0], w[1]
    return {
        "bowl": lambda: w1**2 + w2**2,
        "ravine": lambda: 0.5 * (w1**2 + 20 * w2**2),
        "valleys": lambda: (w1**2 - 1) ** 2 + 0.3 * w1 + w2**2,
        "rosenbrock": lambda: (1 - w1) ** 2 + 100 * (w2 - w1**2) ** 2,
    }[key]()


@pytest.mark.parametrize("key", list(gd.SURFACES))
@pytest.mark.parametrize("point", POINTS)
def test_surface_loss_and_gradient_match_tensorflow(key, point):
    surface = gd.SURFACES[key]
    w = tf.Variable(np.array(point, dtype=np.float64))
    with tf.GradientTape() as tape:
        loss = tf_loss(key, w)
    np.testing.assert_allclose(surface.loss(np.array(point)), loss.numpy(), rtol=1e-12)
    np.testing.assert_allclose(surface.grad(np.array(point)), tape.gradient(loss, w).numpy(), rtol=1e-12)


@pytest.mark.parametrize("key", list(gd.SURFACES))
@pytest.mark.parametrize("point", POINTS)
def test_surface_gradient_matches_finite_differences(key, point):
    surface, w, h = gd.SURFACES[key], np.array(point), 1e-6
    numeric = [(surface.loss(w + h * e) - surface.loss(w - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(surface.grad(w), numeric, rtol=1e-6, atol=1e-6)


def test_minima_are_stationary_points():
    for surface in gd.SURFACES.values():
        for minimum in surface.minima:
            assert np.linalg.norm(surface.grad(np.array(minimum))) < 0.01, surface.key


def test_curve_gradient_matches_tensorflow():
    w = tf.Variable(np.linspace(-5, 8, 27))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((w - gd.CURVE_MINIMUM) ** 2)
    np.testing.assert_allclose(gd.curve_grad(w.numpy()), tape.gradient(loss, w).numpy())


def test_logistic_loss_and_gradient_match_keras():
    x, y = gd.logistic_data(50, seed=1)
    params = np.array([0.7, -0.4])
    w = tf.Variable(params)
    with tf.GradientTape() as tape:
        z = w[0] * x + w[1]
        loss = keras.losses.binary_crossentropy(y[:, None], z[:, None], from_logits=True)
        loss = tf.reduce_mean(loss)
    np.testing.assert_allclose(gd.logistic_loss(params, x, y), loss.numpy(), rtol=1e-6)
    np.testing.assert_allclose(gd.logistic_grad(params, x, y), tape.gradient(loss, w).numpy(), rtol=1e-6)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("key", ["ravine", "rosenbrock"])
def test_steps_equal_keras_sgd(key, momentum):
    """Several steps of nnviz's (momentum) gradient descent equal keras.optimizers.SGD on the same loss."""
    surface = gd.SURFACES[key]
    learning_rate, steps = 0.001 if key == "rosenbrock" else 0.05, 5
    ours = gd.descend(surface.loss, surface.grad, surface.start, learning_rate, steps, momentum)
    w = tf.Variable(np.array(surface.start, dtype=np.float64))
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum)
    for step in range(1, steps + 1):
        with tf.GradientTape() as tape:
            loss = tf_loss(key, w)
        optimizer.apply_gradients([(tape.gradient(loss, w), w)])
        # Keras keeps the learning rate and momentum as float32 variables: agreement to float32 precision
        np.testing.assert_allclose(ours.points[step], w.numpy(), rtol=1e-6, atol=1e-7)


def test_bowl_converges_just_below_the_stability_limit_and_diverges_just_above():
    bowl = gd.SURFACES["bowl"]
    assert bowl.stability_limit == 1.0
    below = gd.descend(bowl.loss, bowl.grad, bowl.start, 0.99, 300)
    above = gd.descend(bowl.loss, bowl.grad, bowl.start, 1.01, 300)
    assert not below.diverging and below.losses[-1] < below.losses[0] * 1e-3
    assert above.diverging and above.losses[-1] > above.losses[0]


def test_ravine_limit_is_set_by_the_steep_direction():
    ravine = gd.SURFACES["ravine"]
    assert ravine.stability_limit == pytest.approx(0.1)
    assert gd.descend(ravine.loss, ravine.grad, ravine.start, 0.105, 100).diverging
    assert not gd.descend(ravine.loss, ravine.grad, ravine.start, 0.095, 100).diverging


def test_divergence_is_detected_with_the_step_and_no_nan_kept():
    bowl = gd.SURFACES["bowl"]
    t = gd.descend(bowl.loss, bowl.grad, bowl.start, 50.0, 100)
    assert t.diverged_at is not None and t.diverged_at < 10
    assert np.all(np.isfinite(t.points)) and np.all(np.isfinite(t.losses))
    assert len(t.points) == t.diverged_at  # the steps before it


def test_a_path_stops_at_the_first_step_past_the_divergence_limit():
    """The round bowl at η = 1.1: every loss kept is within divergence_limit (10⁶ × (L₀ + 1)), the first step past
    it is where it diverged. The page's note had said '1e+06 times' L₀, which step 38 (2.3·10⁶ = 10⁶ × 2.25·1.04)
    already exceeded."""
    bowl = gd.SURFACES["bowl"]
    t = gd.descend(bowl.loss, bowl.grad, bowl.start, 1.1, 60)
    limit = gd.divergence_limit(t.losses[0])
    assert limit == 1e6 * (t.losses[0] + 1)
    assert t.diverged_at == len(t.losses) and np.all(t.losses <= limit)
    assert t.losses[-1] > gd.DIVERGENCE_FACTOR * t.losses[0]  # over 10⁶ × L₀: not the limit the note gave
    past = gd.descend(bowl.loss, bowl.grad, bowl.start, 1.1, t.diverged_at + 5)
    assert past.diverged_at == t.diverged_at and float(bowl.loss(t.points[-1] - 1.1 * bowl.grad(t.points[-1]))) > limit


def test_momentum_helps_in_the_ravine():
    ravine = gd.SURFACES["ravine"]
    plain = gd.descend(ravine.loss, ravine.grad, ravine.start, 0.05, 60)
    heavy = gd.descend(ravine.loss, ravine.grad, ravine.start, 0.05, 60, momentum=0.8)
    assert heavy.losses[-1] < plain.losses[-1] * 1e-2


@pytest.mark.parametrize("lr, regime", [(0.0, "does not move"), (0.2, "converges monotonically"),
                                        (0.5, "converges in one step"), (0.8, "oscillates but converges"),
                                        (1.0, "oscillates for ever"), (1.2, "diverges")])
def test_learning_rate_regimes_on_the_curve(lr, regime):
    assert gd.learning_rate_regime(lr) == regime
    t = gd.descend(gd.curve_loss, gd.curve_grad, np.array(-1.0), lr, 30)
    if regime.startswith("converges"):
        assert t.losses[-1] < 1e-3
    elif regime == "diverges":
        assert t.diverging


def test_minibatch_sizes_take_the_expected_number_of_steps():
    x, y = gd.logistic_data(200, seed=0)
    start = np.array([-2.0, 2.0])
    full, per_epoch_full = gd.minibatch_descent(x, y, start, 0.5, 200, 5, 0)
    mini, per_epoch_mini = gd.minibatch_descent(x, y, start, 0.5, 16, 5, 0)
    sgd, per_epoch_sgd = gd.minibatch_descent(x, y, start, 0.5, 1, 5, 0)
    assert (per_epoch_full, per_epoch_mini, per_epoch_sgd) == (1, 13, 200)
    assert len(full.points) == 6 and len(mini.points) == 66 and len(sgd.points) == 1001
    # full batch: every step is an exact gradient step, so the loss never goes up with this small η
    assert np.all(np.diff(full.losses) <= 0)
    # one sample per step: noisy, the loss goes up on some steps
    assert np.any(np.diff(sgd.losses) > 0)
    # same seed, same path
    again, _ = gd.minibatch_descent(x, y, start, 0.5, 16, 5, 0)
    np.testing.assert_array_equal(again.points, mini.points)


@pytest.mark.parametrize("batch_size", [1, 3, 16, 200])
def test_minibatch_descent_equals_the_textbook_loop(batch_size):
    """The fast paths (plain floats for batch size 1, slices otherwise) take exactly the textbook steps."""
    x, y = gd.logistic_data(60, seed=4)
    ours, _ = gd.minibatch_descent(x, y, np.array([0.5, -1.0]), 0.3, batch_size, 3, seed=9)
    rng, w = np.random.default_rng(9), np.array([0.5, -1.0])
    expected = [w]
    for _ in range(3):
        order = rng.permutation(len(x))
        for first in range(0, len(x), batch_size):
            batch = order[first:first + batch_size]
            w = w - 0.3 * gd.logistic_grad(w, x[batch], y[batch])
            expected.append(w)
    np.testing.assert_allclose(ours.points, np.array(expected), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.losses, [gd.logistic_loss(p, x, y) for p in expected], rtol=1e-12)


def test_paths_leaving_the_plot_are_cut_on_the_box_edge_along_their_last_segment():
    from nnviz.figures.gradient_descent import _cut_at_box

    box = (-1.0, 1.0, -1.0, 1.0)  # grown by 25 %: [-1.5, 1.5]²
    path = np.array([[0.0, 0.0], [1.0, 0.5], [4.0, 2.0], [-9.0, 9.0]])
    cut = _cut_at_box(path, box)
    np.testing.assert_allclose(cut, [[0.0, 0.0], [1.0, 0.5], [1.5, 0.75]])  # on the segment, at x = 1.5
    inside = np.array([[0.0, 0.0], [0.5, 0.5]])
    np.testing.assert_array_equal(_cut_at_box(inside, box), inside)


@pytest.mark.parametrize("key", list(gd.SURFACES))
def test_the_limit_at_each_minimum_is_two_over_tensorflows_largest_curvature_there(key):
    surface = gd.SURFACES[key]
    limits = surface.limits_at_minima()
    assert len(limits) == len(surface.minima)
    for minimum, limit in zip(surface.minima, limits):
        w = tf.Variable(np.array(minimum, dtype=np.float64))
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                loss = tf_loss(key, w)
            gradient = inner.gradient(loss, w)
        hessian = outer.jacobian(gradient, w).numpy()
        assert limit == pytest.approx(2 / np.max(np.linalg.eigvalsh(hessian)), rel=1e-6)
    if surface.stability_limit:  # a quadratic: the same everywhere
        assert limits == [pytest.approx(surface.stability_limit, rel=1e-6)]


def test_a_narrow_range_of_losses_lies_between_labelled_ticks():
    """From w₁ = 0.1 on the two valleys every curve levelled off at 0.6, under an axis labelled 1 and 2 only (a
    student's review); a wide range keeps at most 4 ticks."""
    from nnviz.figures.gradient_descent import loss_axis_ticks

    for values in (np.linspace(0.6, 2.4, 50), np.linspace(0.11, 0.9, 50), np.geomspace(0.3, 1.5, 9)):
        ticks = loss_axis_ticks(values)
        assert ticks["type"] == "log" and len(ticks["tickvals"]) <= 4
        assert ticks["tickvals"][0] <= values.min() and values.max() <= ticks["tickvals"][-1], ticks
    for values in (np.geomspace(1e-16, 10, 50), np.geomspace(3e-3, 0.04, 9)):  # three or four ticks among them
        ticks = loss_axis_ticks(values)
        assert 3 <= len(ticks["tickvals"]) <= 4 and "range" not in ticks


def test_valleys_lowest_loss_is_negative_and_loss_curves_are_offset():
    from nnviz.figures.gradient_descent import loss_curves_figure

    valleys = gd.SURFACES["valleys"]
    assert valleys.lowest_loss == pytest.approx(-0.3054, abs=1e-3)
    path = gd.descend(valleys.loss, valleys.grad, valleys.start, 0.05, 50)
    fig = loss_curves_figure({"η": path}, lowest=valleys.lowest_loss)
    y = np.asarray(fig.data[0].y)
    assert np.all(y > 0) and y[-1] < 1e-3  # it ends in the lower valley, near its floor


@pytest.mark.parametrize("rate, curvatures, behaviour", [
    (0.25, (2.0, 2.0), "converges monotonically"), (0.5, (2.0, 2.0), "converges in one step"),
    (0.8, (2.0, 2.0), "oscillates but converges"), (1.0, (2.0, 2.0), "oscillates for ever"),
    (1.1, (2.0, 2.0), "diverges"), (0.0, (2.0, 2.0), "does not move"),
    (0.025, (1.0, 20.0), "converges monotonically"), (0.095, (1.0, 20.0), "zig-zags but converges"),
    (0.105, (1.0, 20.0), "diverges"), (0.1, (1.0, 20.0), "oscillates for ever"),
])
def test_quadratic_behaviour_follows_the_factors_and_the_path(rate, curvatures, behaviour):
    """The words come from 1 − ηλ; the path shows them: each coordinate is multiplied by 1 − ηλ per step."""
    assert gd.quadratic_behaviour(rate, curvatures) == behaviour
    surface = gd.SURFACES["bowl" if curvatures == (2.0, 2.0) else "ravine"]
    path = gd.descend(surface.loss, surface.grad, surface.start, rate, 8).points
    for coordinate, factor in zip(path.T, (1 - rate * lam for lam in curvatures)):
        np.testing.assert_allclose(coordinate[1:], coordinate[:-1] * factor, atol=1e-12)
    w2 = path[:, 1]  # the steep direction
    if behaviour == "converges monotonically":
        assert np.all(np.sign(w2[1:]) == np.sign(w2[0])) and np.all(np.abs(np.diff(np.abs(w2))) > 0)
    if behaviour in ("oscillates but converges", "zig-zags but converges", "diverges"):
        assert np.all(np.sign(w2[1:]) == -np.sign(w2[:-1]))  # crosses the minimum every step
        growing = np.abs(w2[1:]) > np.abs(w2[:-1])
        assert np.all(growing) if behaviour == "diverges" else not np.any(growing)


def test_describe_rate_names_the_factors_and_the_behaviour():
    assert gd.describe_rate(0.25, (2.0, 2.0)) == "1 − ηλ = 0.5 → converges monotonically"
    assert gd.describe_rate(0.095, (20.0, 1.0), sep="\n") == "1 − ηλ = 0.905, −0.9\nzig-zags but converges"
    # η = 0.0001 on the ravine read '1 − ηλ = 1 … converges' (a factor of 1 never moves; a helper's review)
    assert gd.describe_rate(0.0001, (20.0, 1.0)) == "1 − ηλ = 0.9999, 0.998 → converges monotonically"
    assert [gd.factor_text(f) for f in (1.0, -1.0, 0.0, -1.0002, 1e-5)] == ["1", "−1", "0", "−1.0002", "1·10⁻⁵"]


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.8, 0.95])
@pytest.mark.parametrize("surface_key", ["bowl", "ravine"])
def test_momentum_behaviour_is_what_the_momentum_path_does(surface_key, beta):
    """'converges' exactly when the path with momentum closes in on the minimum: 0 < ηλ < 2(1 + β) for every λ
    (η = 0.105 on the ravine: plain GD diverges, with β = 0.8 it converges)."""
    surface = gd.SURFACES[surface_key]
    curvatures = surface.hessian_eigenvalues
    limit = 2 * (1 + beta) / max(curvatures)  # the largest η that converges with momentum
    for rate in limit * np.array([0.1, 0.5, 0.9, 1.1, 1.5]):
        behaviour = gd.momentum_behaviour(rate, curvatures, beta)
        slow = max(gd.momentum_factor(rate, lam, beta) for lam in curvatures) >= gd.SLOW_FACTOR
        assert behaviour == ("diverges" if rate > limit else "converges slowly" if slow else "converges"), (rate, beta)
        path = gd.descend(surface.loss, surface.grad, surface.start, rate, 3000, beta)
        gap = path.losses - surface.lowest_loss
        if behaviour.startswith("converges"):
            assert path.diverged_at is None and gap[-1] < 1e-6 * gap[0], (rate, beta, gap[-1])
        else:
            assert path.diverged_at is not None, (rate, beta)
    if surface_key == "ravine":
        assert (gd.quadratic_behaviour(0.105, curvatures), gd.momentum_behaviour(0.105, curvatures, 0.8)) == \
            ("diverges", "converges")
    assert gd.momentum_behaviour(0.0, curvatures, beta) == "does not move"
    if surface_key == "ravine":  # the Try-this presets: β = 0.8 converges, 0.99 only slowly (√0.99 a step)
        assert [gd.momentum_behaviour(0.05, curvatures, b) for b in (0.8, 0.99)] == ["converges", "converges slowly"]
    # β = 0 is plain gradient descent: the factor is |1 − ηλ|
    assert gd.momentum_factor(0.3, 2.0, 0.0) == pytest.approx(0.4)


def test_valley_minima_are_exact_so_l_minus_l_min_never_goes_negative():
    valleys = gd.SURFACES["valleys"]
    for minimum in valleys.minima:
        assert np.linalg.norm(valleys.grad(np.array(minimum))) < 1e-12
    path = gd.descend(valleys.loss, valleys.grad, (-0.5, 0.5), 0.05, 500)
    assert np.min(path.losses - valleys.lowest_loss) > -gd.LOSS_PRECISION


def test_precision_is_reached_where_l_minus_l_min_is_round_off():
    bowl = gd.SURFACES["bowl"]
    path = gd.descend(bowl.loss, bowl.grad, bowl.start, 0.25, 60)  # L_k = L_0 / 4^k
    k = gd.precision_reached_at(path.losses, 0.0)
    assert path.losses[k] <= gd.LOSS_PRECISION < path.losses[k - 1]
    assert k == int(np.ceil(np.log(path.losses[0] / gd.LOSS_PRECISION) / np.log(4)))
    assert gd.precision_reached_at(path.losses[:k], 0.0) is None
    assert gd.precision_reached_at(np.array([1.0, -0.3054 + 1e-17]), -0.3054) == 1  # below L_min by round-off


def test_loss_curves_stop_at_machine_precision_and_say_so():
    from nnviz.figures.gradient_descent import L_MIN, loss_curves_figure

    bowl = gd.SURFACES["bowl"]
    fast = gd.descend(bowl.loss, bowl.grad, bowl.start, 0.25, 60)
    slow = gd.descend(bowl.loss, bowl.grad, bowl.start, 0.05, 60)
    k = gd.precision_reached_at(fast.losses, 0.0)
    fig = loss_curves_figure({"η = 0.25": fast, "η = 0.05": slow})
    curves = {t.name: t for t in fig.data if t.mode == "lines"}
    assert max(curves["η = 0.25"].x) == k and min(curves["η = 0.25"].y) >= gd.LOSS_PRECISION  # stops: no floor line
    assert max(curves["η = 0.05"].x) == 60  # still far from the minimum: drawn to the end
    notes = [t for t in fig.data if "machine precision" in (t.name or "")]
    assert any(t.name == f"η = 0.25: {L_MIN} reached to machine precision at step {k}" and list(t.x) == [k]
               for t in notes)
    assert any(t.showlegend is not False for t in notes)  # the legend says what the star means
    assert list(fig.layout.xaxis.range)[1] >= 60  # the axis shows all steps: the stop is visible


def test_the_loss_panel_grows_with_its_legend_and_keeps_its_plot():
    """With momentum the loss panel's legend has eight paths and the stars' note: it squeezed the plot until the
    y title (with L_min's value) was cut in Lecture mode. Lines beyond three now add to the figure and its bottom
    margin, so the plot keeps its height; one path is drawn as before."""
    from nnviz.figures.gradient_descent import loss_curves_figure

    bowl = gd.SURFACES["bowl"]
    paths = {f"η = {rate}": gd.descend(bowl.loss, bowl.grad, bowl.start, rate, 60) for rate in (0.01, 0.05, 0.25, 1.2)}
    one = loss_curves_figure({"η = 0.01": paths["η = 0.01"]})
    few = loss_curves_figure(paths)
    many = loss_curves_figure(paths | {f"{name}, β = 0": path for name, path in paths.items()})
    assert (one.layout.height, one.layout.margin.b) == (380, 100)  # as before
    assert 380 <= few.layout.height < many.layout.height
    for fig in (few, many):
        assert fig.layout.margin.b - 100 == fig.layout.height - 380  # the rows' room: the plot keeps its 240 px


def test_contour_panels_are_drawn_at_equal_scale_one_rate_each():
    from nnviz.figures.gradient_descent import contour_figure

    bowl = gd.SURFACES["bowl"]
    paths = {f"η = {r:g}": gd.descend(bowl.loss, bowl.grad, bowl.start, r, 20) for r in (0.25, 0.8, 1.1)}
    w1, w2, loss = gd.loss_grid(bowl.loss, bowl.box, 20)
    panels = [(f"η = {r:g}\nsomething", [f"η = {r:g}"]) for r in (0.25, 0.8, 1.1)]
    fig = contour_figure(w1, w2, loss, paths, bowl.box, bowl.minima, panels=panels).to_dict()
    layout = fig["layout"]
    for suffix in ("", "2", "3"):
        assert layout[f"yaxis{suffix}"]["scaleanchor"] == f"x{suffix}" and layout[f"yaxis{suffix}"]["scaleratio"] == 1
        assert layout[f"xaxis{suffix}"]["range"] == [-3, 3] and layout[f"yaxis{suffix}"]["range"] == [-3, 3]
    axes = {t["name"]: t["xaxis"] for t in fig["data"] if t.get("name", "").startswith("η")}
    assert axes == {"η = 0.25": "x", "η = 0.8": "x2", "η = 1.1": "x3"}
    assert [a["text"] for a in layout["annotations"]] == [f"η = {r:g}<br>something" for r in (0.25, 0.8, 1.1)]
    single = contour_figure(w1, w2, loss, paths, bowl.box).to_dict()["layout"]  # one panel (mini-batch section)
    assert single["yaxis"]["scaleanchor"] == "x"


def test_a_step_number_near_a_panels_right_or_top_edge_is_written_inside_the_panel():
    """η = 1.1 on the bowl (the page's third panel) reaches w₁ = 2.99 at step 5, 0.01 from the panel's edge: its
    number goes to the left of the point, where plotly does not cut it; elsewhere numbers stay above and right."""
    from nnviz.figures.gradient_descent import NUMBER_ROOM, contour_figure

    bowl = gd.SURFACES["bowl"]
    x0, x1, y0, y1 = bowl.box
    paths = {f"η = {r:g}": gd.descend(bowl.loss, bowl.grad, bowl.start, r, 20) for r in (0.25, 0.8, 1.1)}
    w1, w2, loss = gd.loss_grid(bowl.loss, bowl.box, 20)
    panels = [(f"η = {r:g}", [f"η = {r:g}"]) for r in (0.25, 0.8, 1.1)]
    fig = contour_figure(w1, w2, loss, paths, bowl.box, bowl.minima, panels=panels)
    placed = [(float(x), float(y), text, side) for t in fig.data if getattr(t, "mode", None) == "text"
              for x, y, text, side in zip(t.x, t.y, t.text, t.textposition)]
    assert ("5", "top left") in [(text, side) for x, y, text, side in placed if x > 2.9]
    for x, y, text, side in placed:
        near_right, near_top = x > x1 - NUMBER_ROOM * (x1 - x0), y > y1 - NUMBER_ROOM * (y1 - y0)
        assert side == f"{'bottom' if near_top else 'top'} {'left' if near_right else 'right'}", (x, y, text, side)
    assert sum(side == "top right" for *_, side in placed) >= 5  # the usual place, for most


def test_small_multiples_carry_a_layout_that_stacks_them_on_a_phone():
    """layout.meta.narrow (drawn by nnviz.ui's figures in place below its width): one panel under the other, each
    square at a phone's plotting width with its own tick labels and y title, its title's lines above it and room
    for its x axis below it; the side-by-side layout is left as it was."""
    from nnviz.figures.gradient_descent import (
        LEGEND_PAD,
        PATH_LEGEND_ROW,
        PHONE_PLOT_WIDTH,
        contour_figure,
    )
    from nnviz.figures.style import NARROW_BELOW

    bowl = gd.SURFACES["bowl"]
    paths = {f"η = {r:g}": gd.descend(bowl.loss, bowl.grad, bowl.start, r, 20) for r in (0.25, 0.8, 1.1)}
    w1, w2, loss = gd.loss_grid(bowl.loss, bowl.box, 20)
    panels = [(f"η = {r:g}\nsomething", [f"η = {r:g}"]) for r in (0.25, 0.8, 1.1)]
    layout = contour_figure(w1, w2, loss, paths, bowl.box, bowl.minima, panels=panels).to_dict()["layout"]
    narrow = layout["meta"]["narrow"]
    assert narrow["below"] == NARROW_BELOW
    stacked = narrow["layout"]
    plot_px = stacked["height"] - stacked["margin"]["t"] - stacked["margin"]["b"]
    domains = [stacked[f"yaxis{s}"]["domain"] for s in ("", "2", "3")]
    assert all(stacked[f"xaxis{s}"]["domain"] == [0, 1] for s in ("", "2", "3"))
    assert domains[0][1] < 1 and all(upper[0] > lower[1] for upper, lower in itertools.pairwise(domains))
    for low, high in domains:
        assert round((high - low) * plot_px) == PHONE_PLOT_WIDTH
    gaps = [round((upper[0] - lower[1]) * plot_px) for upper, lower in itertools.pairwise(domains)]
    assert gaps == [60 + 2 * 28] * 2  # an x axis below, a two-line title above
    # the last panel ends the plot: its x axis, then the legend (two rows of two entries), fill the bottom margin,
    # with no room kept twice (the row kept 60 px for the x axis and the margin 130 px: ~88 px blank on a phone)
    assert domains[-1][0] == 0 and stacked["margin"]["b"] == 60 + LEGEND_PAD + 2 * PATH_LEGEND_ROW
    assert stacked["margin"]["b"] < layout["margin"]["b"] + 30
    for s in ("", "2", "3"):
        axis = stacked[f"yaxis{s}"]
        assert axis["showticklabels"] and axis["title"]["text"] == "w₂" and axis["scaleanchor"] == f"x{s}"
    assert layout["yaxis2"]["showticklabels"] is False and layout["yaxis2"]["domain"] == [0, 1]  # side by side
    # one panel (the mini-batch section): square at a phone's width, its x axis and legend (2 rows) under it,
    # where the wide layout's 590 px left ~150 px blank under the square on a phone
    single = contour_figure(w1, w2, loss, paths, bowl.box).to_dict()["layout"]
    alone = single["meta"]["narrow"]["layout"]
    assert alone["yaxis"]["domain"] == [0, 1] and alone["xaxis"]["domain"] == [0, 1]
    assert alone["height"] - alone["margin"]["t"] - alone["margin"]["b"] == PHONE_PLOT_WIDTH
    assert alone["margin"]["b"] == 60 + LEGEND_PAD + 2 * PATH_LEGEND_ROW < single["margin"]["b"] + 30
    assert alone["height"] < single["height"] - 100


def test_four_panel_titles_are_wrapped_to_fit_their_panels():
    from nnviz.figures.gradient_descent import TITLE_CHARACTERS, contour_figure

    bowl = gd.SURFACES["bowl"]
    rates = (0.25, 0.8, 1.1, 0.5)
    paths = {f"η = {r:g}": gd.descend(bowl.loss, bowl.grad, bowl.start, r, 5) for r in rates}
    w1, w2, loss = gd.loss_grid(bowl.loss, bowl.box, 10)
    panels = [(f"η = {r:g}\n" + gd.describe_rate(r, (2.0, 2.0), sep="\n"), [f"η = {r:g}"]) for r in rates]
    titles = [a.text for a in contour_figure(w1, w2, loss, paths, bowl.box, panels=panels).layout.annotations]
    assert titles[0] == "η = 0.25<br>1 − ηλ = 0.5<br>converges<br>monotonically"
    assert max(len(line) for title in titles for line in title.split("<br>")) <= TITLE_CHARACTERS[4]


def test_the_step_numbers_of_stars_close_together_go_to_either_side():
    """On a 500-step axis the stars of η = 0.25 and η = 0.8 (steps 28 and 37) wrote their numbers into one another
    (a helper's review read '237'); stars far apart keep theirs above them."""
    from nnviz.figures.gradient_descent import loss_curves_figure

    bowl = gd.SURFACES["bowl"]

    def stars(steps):
        paths = {f"η = {r:g}": gd.descend(bowl.loss, bowl.grad, np.array([3.0, 3.0]), r, steps) for r in (0.25, 0.8)}
        return sorted((t.x[0], t.textposition) for t in loss_curves_figure(paths, lowest=bowl.lowest_loss).data
                      if t.mode == "markers+text")

    assert stars(500) == [(28, "top left"), (37, "top right")]
    assert [position for _, position in stars(40)] == ["top center", "top center"]  # 9 of 40 steps apart


def test_each_step_of_the_one_weight_curve_is_numbered_beside_its_point_outside_the_bowl():
    """'Much too large' (η = 1.05 from w = −1): each number stood above its point, so '0' stood next to step 2's point
    (the path comes back just above its start) and '2' was left out as too close to it (two helpers' reviews). The
    numbers stand beside their points now, on the bowl's outer side: left of the minimum to the left, right of it to
    the right; all of the first ten are written, and the last (step 10: the loss the page gives after 10 steps)."""
    from nnviz.figures.gradient_descent import curve_figure

    trajectory = gd.descend(gd.curve_loss, gd.curve_grad, np.array(-1.0), 1.05, 10)
    w_grid = np.linspace(*gd.curve_window(trajectory.points), 201)
    fig = curve_figure(w_grid, gd.curve_loss(w_grid), trajectory, gd.curve_grad).to_dict()
    (steps,) = [trace for trace in fig["data"] if trace["name"] == "steps"]
    written = [int(text) for text in steps["text"] if text]
    assert written == list(range(11))
    sides = ["left" if w < gd.CURVE_MINIMUM else "right" for w in trajectory.points.ravel()[:len(steps["text"])]]
    assert sides == ["left", "right"] * 5 + ["left"]
    # step 10 (w = −7.37) is 0.83 from the plot's left edge: its number above it and inward, where plotly does not cut it
    assert steps["textposition"] == [f"middle {side}" for side in sides[:-1]] + ["top right"]


def test_the_last_step_of_the_one_weight_curve_is_numbered_only_where_it_stands_apart():
    """'Too small' (η = 0.05, 10 steps) creeps down the bowl: its last point lies among steps 8 and 9 and keeps no
    number of its own; 'good' (η = 0.3) comes to rest at the minimum among steps 4 to 9: no '10' there either."""
    from nnviz.figures.gradient_descent import curve_figure

    for rate in (0.05, 0.3):
        trajectory = gd.descend(gd.curve_loss, gd.curve_grad, np.array(-1.0), rate, 10)
        w_grid = np.linspace(*gd.curve_window(trajectory.points), 201)
        fig = curve_figure(w_grid, gd.curve_loss(w_grid), trajectory, gd.curve_grad).to_dict()
        (steps,) = [trace for trace in fig["data"] if trace["name"] == "steps"]
        assert steps["text"][-1] == "", rate


@pytest.mark.parametrize("rate", [0.05, 0.1, 0.2, 0.3])
@pytest.mark.parametrize("start", [-2.0, -1.0, 8.0])
def test_a_path_that_slows_down_on_the_curve_is_numbered_without_gaps(rate, start):
    """Near the minimum the steps crowd: '3' was left out as too close to step 2, and '4', far enough from '2', stood
    beside step 3's point, where it read as that point's number (Lecture mode, the default η = 0.3: 0, 1, 2, 4). A
    number is written only where its point stands apart from every step before it: 0, 1, 2, … with no gap."""
    from nnviz.figures.gradient_descent import curve_figure

    trajectory = gd.descend(gd.curve_loss, gd.curve_grad, np.array(start), rate, 10)
    w_grid = np.linspace(*gd.curve_window(trajectory.points), 201)
    fig = curve_figure(w_grid, gd.curve_loss(w_grid), trajectory, gd.curve_grad).to_dict()
    (steps,) = [trace for trace in fig["data"] if trace["name"] == "steps"]
    written = [int(text) for text in steps["text"] if text]
    assert written == list(range(len(written))) and len(written) >= 3, written


@pytest.mark.parametrize("momentum", [False, True])
def test_on_a_phone_the_loss_curves_keep_their_plot_and_the_legend_stands_under_the_axis(momentum):
    """The legend below the loss curves was placed at a share of the plot's height: on a phone, with more rows, the
    x title 'step' landed on its first row (a helper's review), and six paths' legend squeezed the plot. On a phone
    the plot keeps its height, the axis its room, and the legend its rows at the figure's bottom."""
    from nnviz.figures.gradient_descent import PHONE_LOSS_PLOT_PX, loss_curves_figure
    from nnviz.figures.style import LEGEND_ROW, PHONE_X_AXIS_PX

    surface = gd.SURFACES["bowl"]
    paths = {f"η = {rate:g}": gd.descend(surface.loss, surface.grad, surface.start, rate, 60) for rate in (0.25, 0.8)}
    if momentum:
        paths |= {f"η = {rate:g}, β = 0.8": gd.descend(surface.loss, surface.grad, surface.start, rate, 60, momentum=0.8)
                  for rate in (0.25, 0.8)}
    layout = loss_curves_figure(paths).to_dict()["layout"]
    narrow = layout["meta"]["narrow"]["layout"]
    assert narrow["legend"]["yref"] == "container" and narrow["legend"]["y"] == 0
    legend_px = narrow["margin"]["b"] - PHONE_X_AXIS_PX
    assert legend_px >= (4 if momentum else 2) * LEGEND_ROW  # a row for each (two fit side by side without momentum)
    assert narrow["height"] - narrow["margin"]["t"] - narrow["margin"]["b"] == PHONE_LOSS_PLOT_PX
