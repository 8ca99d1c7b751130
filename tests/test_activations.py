"""nnviz.activations checked against Keras / TensorFlow.

Project rule: Keras is the reference. Every activation and derivative the app
draws is compared with the matching ``keras.activations`` function (values) and
with ``tf.GradientTape`` on that function (derivatives), on the same inputs.
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import pytest
import tensorflow as tf

from nnviz import activations as A
from nnviz.activations import ACTIVATIONS, LINEAR

pytestmark = pytest.mark.unit

KERAS_KEYS = [k for k, a in ACTIVATIONS.items() if a.keras_name is not None] + [LINEAR.key]

# Tolerances: float64 where Keras computes in float64, float32 otherwise.
TOL64 = {"rtol": 1e-6, "atol": 1e-7}
TOL32 = {"rtol": 1e-5, "atol": 1e-6}


@pytest.fixture(scope="module")
def grid() -> np.ndarray:
    """-8..8 in steps of 0.1, plus exactly 0.0 (the kink) and large |x| (saturation)."""
    return np.concatenate([np.linspace(-8.0, 8.0, 161), [0.0, -30.0, 30.0, -50.0, 50.0]])


def keras_value_and_grad(keras_name: str, x: np.ndarray):
    """f(x) and df/dx of ``keras.activations.get(keras_name)``, with the tolerances to use.

    Computed in float64; if Keras cannot (error, or silently downcasts), falls back to
    float32 and float32 tolerances.
    """
    fn = keras.activations.get(keras_name)
    for dtype, tol in ((tf.float64, TOL64), (tf.float32, TOL32)):
        xt = tf.constant(x, dtype=dtype)
        try:
            with tf.GradientTape() as tape:
                tape.watch(xt)
                y = fn(xt)
        except (TypeError, ValueError, tf.errors.InvalidArgumentError):
            continue
        if y.dtype != dtype:
            continue
        g = tape.gradient(y, xt)
        return y.numpy().astype(float), g.numpy().astype(float), tol
    raise AssertionError(f"Keras activation {keras_name!r} runs in neither float64 nor float32")


def keras_step(x: tf.Tensor) -> tf.Tensor:
    """Keras has no step activation: the TF model of nnviz's Heaviside step (H(0) = 1)."""
    return tf.cast(x >= 0, x.dtype)


# --------------------------------------------------------------------------- values and derivatives


@pytest.mark.parametrize("key", KERAS_KEYS)
def test_activation_matches_keras(key, grid):
    act = A.get(key)
    expected, _, tol = keras_value_and_grad(act.keras_name, grid)
    np.testing.assert_allclose(act.fn(grid), expected, **tol)


@pytest.mark.parametrize("key", KERAS_KEYS)
def test_derivative_matches_gradient_tape(key, grid):
    """Includes x = 0, where relu/leaky_relu/elu/selu have a kink: nnviz must pick TF's value."""
    act = A.get(key)
    _, expected, tol = keras_value_and_grad(act.keras_name, grid)
    np.testing.assert_allclose(act.grad(grid), expected, **tol)


@pytest.mark.parametrize("key", KERAS_KEYS)
def test_activation_call_is_fn(key, grid):
    act = A.get(key)
    np.testing.assert_array_equal(act(grid), act.fn(grid))


def test_every_activation_except_step_has_a_keras_name():
    assert [k for k, a in ACTIVATIONS.items() if a.keras_name is None] == ["step"]


def test_linear_is_keras_linear(grid):
    assert A.get("linear") is LINEAR
    assert keras.activations.get(LINEAR.keras_name) is keras.activations.linear
    np.testing.assert_array_equal(LINEAR.fn(grid), keras.activations.linear(tf.constant(grid)).numpy())
    np.testing.assert_array_equal(LINEAR.grad(grid), np.ones_like(grid))


def test_keras_names_resolve_to_distinct_functions():
    """Each keras_name is a string Keras accepts, and no two entries share a function."""
    fns = [keras.activations.get(ACTIVATIONS[k].keras_name) for k in KERAS_KEYS if k != LINEAR.key]
    assert len({id(f) for f in fns}) == len(fns)


# --------------------------------------------------------------------------- step


def test_step_matches_tf_model(grid):
    step = ACTIVATIONS["step"]
    expected = keras_step(tf.constant(grid)).numpy()
    np.testing.assert_array_equal(step.fn(grid), expected)
    assert step.fn(np.array(0.0)) == 1.0


def test_step_gradient_is_zero_like_tf(grid):
    """GradientTape finds no path through the comparison: None (or zeros), as step_grad says."""
    xt = tf.constant(grid)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = keras_step(xt)
    g = tape.gradient(y, xt)
    tf_grad = np.zeros_like(grid) if g is None else g.numpy()
    np.testing.assert_array_equal(tf_grad, np.zeros_like(grid))
    np.testing.assert_array_equal(ACTIVATIONS["step"].grad(grid), tf_grad)


# --------------------------------------------------------------------------- saturated_intervals

SAT_X = np.linspace(-10.0, 10.0, 2001)  # spacing 0.01
SAT_DX = 0.01


def _sat(key: str, tol: float = 0.05):
    act = A.get(key)
    return A.saturated_intervals(SAT_X, act.grad(SAT_X), tol)


def test_saturated_intervals_sigmoid():
    """σ'(x) = σ(1 − σ) = 0.05 at σ = (1 ± √0.8)/2, i.e. |x| = ln(σ/(1 − σ)) ≈ 2.887."""
    s = (1 + math.sqrt(1 - 4 * 0.05)) / 2
    x_star = math.log(s / (1 - s))
    (lo1, hi1), (lo2, hi2) = _sat("sigmoid")
    assert lo1 == -10.0 and hi2 == 10.0
    assert -x_star - SAT_DX <= hi1 < -x_star
    assert x_star < lo2 <= x_star + SAT_DX


def test_saturated_intervals_tanh():
    """tanh'(x) = 1 − tanh² = 0.05 at |x| = artanh(√0.95) ≈ 2.178."""
    x_star = math.atanh(math.sqrt(0.95))
    (lo1, hi1), (lo2, hi2) = _sat("tanh")
    assert lo1 == -10.0 and hi2 == 10.0
    assert -x_star - SAT_DX <= hi1 < -x_star
    assert x_star < lo2 <= x_star + SAT_DX


def test_saturated_intervals_relu_covers_x_le_0():
    assert _sat("relu") == [(-10.0, 0.0)]


def test_saturated_intervals_step_covers_everything():
    assert _sat("step") == [(-10.0, 10.0)]


@pytest.mark.parametrize("key", ["leaky_relu", "linear"])
def test_never_saturated(key):
    """Leaky ReLU's smallest slope (0.2) and linear's (1) are above tol."""
    assert _sat(key) == []


@pytest.mark.parametrize("key, x_min", [("swish", -1.2784645), ("gelu", -0.7517916)])
def test_saturated_intervals_non_monotonic(key, x_min):
    """swish and gelu: the far-left tail, plus a short run around their minimum where f' = 0."""
    (lo1, hi1), (lo2, hi2) = _sat(key)
    assert lo1 == -10.0
    assert hi1 < lo2 <= x_min <= hi2 < 0.0
    assert hi2 - lo2 < 0.6


@pytest.mark.parametrize("key", list(ACTIVATIONS))
def test_saturated_intervals_are_exactly_the_flat_runs(key):
    """Rebuilding the mask from the intervals gives back |f'| < tol point for point."""
    dydx = A.get(key).grad(SAT_X)
    mask = np.zeros_like(SAT_X, dtype=bool)
    for lo, hi in A.saturated_intervals(SAT_X, dydx, 0.05):
        mask |= (SAT_X >= lo) & (SAT_X <= hi)
    np.testing.assert_array_equal(mask, np.abs(dydx) < 0.05)


def test_saturated_intervals_all_false():
    x = np.linspace(-1, 1, 11)
    assert A.saturated_intervals(x, np.ones_like(x)) == []


def test_saturated_intervals_all_true():
    x = np.linspace(-1, 1, 11)
    assert A.saturated_intervals(x, np.zeros_like(x)) == [(-1.0, 1.0)]


def test_saturated_intervals_single_points_and_strict_tol():
    """Isolated saturated points give one-point intervals; |f'| == tol is not saturated."""
    x = np.arange(6.0)
    dydx = np.array([0.0, 1.0, -0.01, 0.05, 1.0, 0.0])
    assert A.saturated_intervals(x, dydx, 0.05) == [(0.0, 0.0), (2.0, 2.0), (5.0, 5.0)]


# --------------------------------------------------------------------------- chain_gradients

CHAIN_PARAMS = [(0.5, 1.0, 0.0), (-1.2, 2.5, 0.3), (2.0, -1.5, -0.5), (0.1, 4.0, -0.2)]
DEPTH = 12


def tape_chain_gradients(keras_name: str, depth: int, x0: float, w: float, b: float) -> np.ndarray:
    """∂a_k/∂x0, k = 1..depth, for a_k = f(w·a_{k−1} + b) built from the Keras activation."""
    f = keras.activations.get(keras_name)
    x = tf.constant(x0, dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        a, outs = x, []
        for _ in range(depth):
            a = f(w * a + b)
            outs.append(a)
    grads = [tape.gradient(a_k, x) for a_k in outs]
    del tape
    return np.array([0.0 if g is None else float(g) for g in grads])


@pytest.mark.parametrize("x0, w, b", CHAIN_PARAMS)
@pytest.mark.parametrize("key", ["sigmoid", "tanh", "relu"])
def test_chain_gradients_match_gradient_tape(key, x0, w, b):
    """Entry k − 1 of the depth-12 result is the gradient of a depth-k chain, k = 1..12."""
    act = ACTIVATIONS[key]
    got = A.chain_gradients(act, DEPTH, x0, w, b)
    expected = tape_chain_gradients(act.keras_name, DEPTH, x0, w, b)
    assert got.shape == (DEPTH,)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("depth", range(1, DEPTH + 1))
def test_chain_gradients_shorter_chain_is_a_prefix(depth):
    act = ACTIVATIONS["tanh"]
    full = A.chain_gradients(act, DEPTH, 0.3, 1.7, 0.1)
    np.testing.assert_array_equal(A.chain_gradients(act, depth, 0.3, 1.7, 0.1), full[:depth])


def test_chain_gradients_depth_one_is_w_times_slope():
    act = ACTIVATIONS["sigmoid"]
    got = A.chain_gradients(act, 1, 0.0, 3.0, 0.0)
    np.testing.assert_allclose(got, [3.0 * 0.25], rtol=1e-15)


@pytest.mark.parametrize("x0, w, b", CHAIN_PARAMS + [(0.0, 1.0, 0.0), (0.0, -6.0, 3.0)])
def test_sigmoid_chain_gradient_vanishes_geometrically(x0, w, b):
    """|∂a_k/∂x| ≤ (0.25·|w|)^k since σ' ≤ 0.25."""
    grads = A.chain_gradients(ACTIVATIONS["sigmoid"], DEPTH, x0, w, b)
    bound = (0.25 * abs(w)) ** np.arange(1, DEPTH + 1)
    assert np.all(np.abs(grads) <= bound * (1 + 1e-12))


# --------------------------------------------------------------------------- dense stacks


def keras_dense_stack(layers, keras_name: str) -> keras.Sequential:
    """A float64 Keras model with the given (W, b): hidden layers use keras_name, the output is linear."""
    model = keras.Sequential(
        [keras.Input(shape=(1,), dtype="float64")]
        + [keras.layers.Dense(w.shape[1], activation=keras_name, dtype="float64") for w, _ in layers[:-1]]
        + [keras.layers.Dense(1, dtype="float64")]
    )
    model.set_weights([p for layer in layers for p in layer])
    return model


def test_random_dense_stack_shapes_and_ranges():
    layers = A.random_dense_stack(n_hidden=3, width=5, seed=0)
    assert [(w.shape, b.shape) for w, b in layers] == [((1, 5), (5,)), ((5, 5), (5,)), ((5, 5), (5,)), ((5, 1), (1,))]
    for w, b in layers:
        fan_in, fan_out = w.shape
        assert np.all(np.abs(w) <= math.sqrt(6.0 / (fan_in + fan_out)))  # Glorot-uniform limit
        assert np.all(np.abs(b) <= 1.0)


def test_random_dense_stack_same_seed_same_weights():
    first, second = A.random_dense_stack(2, 8, seed=42), A.random_dense_stack(2, 8, seed=42)
    for (w1, b1), (w2, b2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)


def test_random_dense_stack_different_seed_different_weights():
    w_a = A.random_dense_stack(2, 8, seed=1)[0][0]
    w_b = A.random_dense_stack(2, 8, seed=2)[0][0]
    assert not np.allclose(w_a, w_b)


@pytest.mark.parametrize("n_hidden, width, seed", [(1, 4, 0), (3, 16, 7)])
@pytest.mark.parametrize("key", ["relu", "tanh"])
def test_dense_stack_forward_matches_keras_sequential(key, n_hidden, width, seed):
    act = ACTIVATIONS[key]
    layers = A.random_dense_stack(n_hidden, width, seed)
    x = np.linspace(-3.0, 3.0, 61)
    model = keras_dense_stack(layers, act.keras_name)
    expected = model(x.reshape(-1, 1), training=False).numpy().ravel()
    got = A.dense_stack_forward(x, layers, act)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_collapse_linear_stack_equals_the_linear_stack():
    layers = A.random_dense_stack(n_hidden=4, width=10, seed=3)
    w, b = A.collapse_linear_stack(layers)
    assert w.shape == (1, 1) and b.shape == (1,)
    x = np.linspace(-5.0, 5.0, 101)
    collapsed = (x.reshape(-1, 1) @ w + b).ravel()
    np.testing.assert_allclose(collapsed, A.dense_stack_forward(x, layers, LINEAR), rtol=0, atol=1e-10)
    keras_out = keras_dense_stack(layers, "linear")(x.reshape(-1, 1)).numpy().ravel()
    np.testing.assert_allclose(collapsed, keras_out, rtol=0, atol=1e-10)


# --------------------------------------------------------------------------- neuron


@pytest.mark.parametrize("w, b", [(1.0, 0.0), (2.5, -1.0), (-0.7, 0.4)])
@pytest.mark.parametrize("key", KERAS_KEYS)
def test_neuron_matches_keras_dense_1(key, w, b):
    act = A.get(key)
    x = np.linspace(-6.0, 6.0, 49)
    layer = keras.layers.Dense(1, activation=act.keras_name, dtype="float64")
    layer.build((None, 1))
    layer.set_weights([np.array([[w]]), np.array([b])])
    expected = layer(x.reshape(-1, 1)).numpy().ravel()
    np.testing.assert_allclose(A.neuron(x, w, b, act), expected, **TOL64)


def test_collapse_demo_linear_stack_equals_its_single_affine_map():
    x = np.linspace(-6, 6, 101)
    demo = A.collapse_demo(x, n_hidden=4, width=8, seed=3, activation=A.get("relu"))
    np.testing.assert_allclose(demo.linear, demo.collapsed, atol=1e-12)
    np.testing.assert_allclose(demo.collapsed, demo.w * x + demo.b, atol=1e-12)
    assert np.max(np.abs(np.diff(demo.nonlinear, 2))) > 1e-3  # ReLU bends it
    flat = A.collapse_demo(x, 4, 8, 3, A.LINEAR)
    np.testing.assert_allclose(flat.nonlinear, flat.linear)


def test_an_activation_function_has_one_colour_on_every_figure_whatever_is_drawn_beside_it():
    """At the page's defaults ReLU was green in the curves (sigmoid, tanh, ReLU) and orange in the deep chains
    (sigmoid, ReLU): a lecturer's 'the orange curve' named two functions (a helper's review)."""
    from nnviz.figures.activations import activation_figure, chain_gradient_figure

    x = np.linspace(-3, 3, 50)

    def colours(fig) -> dict:  # the label of each function's traces -> their colour (one per function)
        found = {}
        for trace in fig.data:
            found.setdefault(trace.name, set()).add(trace.line.color)
        assert all(len(c) == 1 for c in found.values())
        return {name: c.pop() for name, c in found.items()}

    curves = activation_figure(x, [A.get(k) for k in ("sigmoid", "tanh", "relu")], side_by_side=False)
    chains = chain_gradient_figure({A.get(k).label: A.chain_gradients(A.get(k), 5, 0.5, 1.0) for k in ("sigmoid", "relu")})
    others = chain_gradient_figure({A.get(k).label: A.chain_gradients(A.get(k), 5, 0.5, 1.0) for k in ("relu", "tanh")})
    relu = A.get("relu").label
    assert colours(curves)[relu] == colours(chains)[relu] == colours(others)[relu]
    assert colours(curves)[A.get("tanh").label] == colours(others)[A.get("tanh").label] != colours(curves)[relu]


def test_on_a_phone_the_saturation_strips_title_is_on_two_lines():
    """'saturated: |f′(x)| < 0.05', centred under the right column of a phone, ran out of the figure ('< 0.0', a
    helper's review): there it breaks after 'saturated:'."""
    from nnviz.figures.activations import activation_figure

    fig = activation_figure(np.linspace(-6, 6, 50), [A.get("step"), A.get("sigmoid")], side_by_side=False)
    assert fig.layout.meta["narrow"]["layout"]["xaxis3"]["title"]["text"] == "saturated:<br>|f′(x)| < 0.05"
    assert fig.layout.xaxis3.title.text == "saturated: |f′(x)| < 0.05"  # wider places: one line


def test_on_a_phone_the_legend_has_room_for_its_rows_above_the_panels():
    """At 390x844 the legend of 'Step (Heaviside)' and 'Sigmoid (logistic)' took two rows beside its title, and the
    second lay on the panels' titles: the room above the panels was Lecture mode's, one row (a review). On a phone
    the figure is taller by the rows it needs there; wider places keep their layout."""
    from nnviz.figures.activations import (
        LEGEND_TOP,
        PHONE_LEGEND_FROM_TOP,
        PHONE_LEGEND_ROW,
        PHONE_LEGEND_WIDTH,
        activation_figure,
    )
    from nnviz.figures.style import grouped_legend_lines

    for keys in (("step", "sigmoid"), ("sigmoid", "tanh", "relu"), tuple(A.ACTIVATIONS)):
        fig = activation_figure(np.linspace(-6, 6, 50), [A.get(k) for k in keys], side_by_side=False)
        narrow = fig.layout.meta["narrow"]["layout"]
        rows = grouped_legend_lines([A.get(k).label for k in keys], PHONE_LEGEND_WIDTH)
        top = narrow.get("margin", {}).get("t", fig.layout.margin.t)
        assert top >= LEGEND_TOP + PHONE_LEGEND_FROM_TOP + rows * PHONE_LEGEND_ROW, keys
        assert narrow.get("height", fig.layout.height) - top == fig.layout.height - fig.layout.margin.t  # same plot
    two = activation_figure(np.linspace(-6, 6, 50), [A.get("step"), A.get("sigmoid")], side_by_side=False)
    assert two.layout.meta["narrow"]["layout"]["margin"]["t"] > two.layout.margin.t == 70


def test_gelu_and_its_derivative_keep_their_precision_in_the_left_tail():
    """Φ(x) as (1 + erf(x/√2)) / 2 cancels for negative x: GELU(−10) came out 0 and GELU′(−8) 3·10⁻⁴ off, so the
    activations page's ∂a/∂x after 30 GELU layers was 1 % off Keras' (a helper's review). References: 50-digit
    mpmath."""
    for x, value, slope in ((-10.0, -7.619853024160526e-23, -7.618400096464814e-22),
                            (-8.0, -4.976768459417427e-15, -3.979607261086796e-14),
                            (-5.0, -1.4332578593959695e-06, -7.146946001792295e-06),
                            (-30.0, -1.472014178144456e-196, -4.416031690708495e-195)):
        assert A.gelu(np.array(x)) == pytest.approx(value, rel=1e-12, abs=0), x
        assert A.gelu_grad(np.array(x)) == pytest.approx(slope, rel=1e-12, abs=0), x


def test_the_chains_gradient_is_titled_with_its_layers_counted():
    """The page's column and the Keras code's printout read '∂a/∂x after 1 layers'."""
    assert A.chain_gradient_title(1) == "∂a/∂x after 1 layer"
    assert A.chain_gradient_title(30) == "∂a/∂x after 30 layers"


@pytest.mark.parametrize("depth, dtick", [(1, 1), (3, 1), (10, 1), (30, None)])
def test_the_chains_depth_axis_ticks_whole_layers(depth, dtick):
    """At one layer plotly's own ticks read '0.6 0.8 1 1.2 1.4' layers (a helper's review): up to ten layers a tick a
    layer; beyond, plotly's own (5, 10, 15 …) are whole already."""
    from nnviz.figures.activations import chain_gradient_figure

    fig = chain_gradient_figure({"sigmoid": A.chain_gradients(A.get("sigmoid"), depth, 0.5, 1.0)})
    assert fig.to_dict()["layout"]["xaxis"].get("dtick") == dtick
