"""nnviz.network against Keras as the reference: the same weights and batch, in float32 as Keras computes.

The engine is built with ``dtype=np.float32`` (``from_arrays``) and compared with a float32 Keras
model at rtol 1e-5 / atol 1e-6 (``F32``): a few float32 ulps, since numpy and TensorFlow sum the
matrix products in different orders. Covered pairwise (every pair of values of two factors occurs
once; see ``test_cases_cover_every_pair``): every hidden activation × every output/loss combination
the spec allows × no penalty, L1, L2, both. Training: every optimiser, 100 mini-batch steps against
``model.fit``. Plus the finite-difference check (float64), Keras' clipping detail and Glorot init.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import pickle
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from nnviz import keras_jobs as kj
from nnviz import losses as L
from nnviz import network as nw

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
F32 = {"rtol": 1e-5, "atol": 1e-6}  # float32 engine vs float32 Keras
# float64 engine vs float32 Keras: Keras' own rounding (ε₃₂ ≈ 1.2e-7 per operation, a few dozen
# operations deep, losses up to ~3) is what differs here, so a hundred ulps of float32.
F64_VS_F32 = {"rtol": 1e-4, "atol": 1e-5}

COMBOS = (  # every output activation × loss the spec allows
    ("sigmoid", "binary_crossentropy"), ("softmax", "categorical_crossentropy"), ("linear", "mse"),
    ("sigmoid", "mse"), ("softmax", "mse"), ("linear", "binary_crossentropy"), ("linear", "categorical_crossentropy"),
)
PENALTIES = ((0.0, 0.0), (0.01, 0.0), (0.0, 0.02), (0.01, 0.02))  # (l1, l2)
BATCH = 16


@dataclasses.dataclass(frozen=True)
class Case:
    hidden: str
    output: str
    loss: str
    l1: float
    l2: float
    seed: int

    @property
    def spec(self) -> nw.NetworkSpec:
        n_out = 3 if "softmax" in self.output or self.loss == "categorical_crossentropy" else 1 + self.seed % 2
        return nw.NetworkSpec((3, 5, 4, n_out), self.hidden, self.output, self.loss, self.l1, self.l2)

    @property
    def id(self) -> str:
        return f"{self.hidden}-{self.output}-{self.loss}-l1={self.l1:g}-l2={self.l2:g}"


def pairwise_cases() -> list[Case]:
    """Hidden activation i with output/loss combination j and the penalty (i + j) mod 4: every pair of
    values of any two of the three factors occurs (10 × 7 cases instead of 10 × 7 × 4)."""
    return [Case(hidden, output, loss, *PENALTIES[(i + j) % len(PENALTIES)], seed=7 * i + j)
            for i, hidden in enumerate(nw.HIDDEN_ACTIVATIONS) for j, (output, loss) in enumerate(COMBOS)]


CASES = pairwise_cases()


def make_targets(spec: nw.NetworkSpec, n: int, rng: np.random.Generator) -> np.ndarray:
    """Targets as the page would give them: class labels for softmax + CCE, soft probabilities for the
    from-logits cross-entropies, 0/1 for sigmoid outputs, one-hot rows for softmax + MSE, reals for linear MSE."""
    n_out, out, loss = spec.sizes[-1], spec.output_activation, spec.loss
    if out == "softmax":
        labels = rng.integers(0, n_out, n)
        return labels if loss == "categorical_crossentropy" else np.eye(n_out)[labels]
    if loss == "categorical_crossentropy":
        return rng.dirichlet(np.ones(n_out), n)
    if loss == "binary_crossentropy" and out == "linear":
        return rng.random((n, n_out))
    if out == "sigmoid":
        return rng.integers(0, 2, (n, n_out)).astype(float)
    return rng.normal(size=(n, n_out))


def make_network(spec: nw.NetworkSpec, seed: int, dtype=np.float32) -> nw.Network:
    """Glorot kernels and non-zero biases (so the bias path is exercised), in ``dtype``."""
    net = nw.init_network(spec, seed)
    rng = np.random.default_rng(seed + 1000)
    for b in net.biases:
        b[...] = rng.normal(0.0, 0.5, b.shape)
    return nw.from_arrays(spec, net.weights, net.biases, dtype)


def make_problem(case: Case, n: int = BATCH):
    spec = case.spec
    rng = np.random.default_rng(case.seed)
    x = rng.normal(size=(n, spec.sizes[0])).astype(np.float32)
    return spec, make_network(spec, case.seed), x, make_targets(spec, n, rng)


def split_reference(spec: nw.NetworkSpec, net: nw.Network, x, y) -> dict:
    """The Keras model run one layer at a time under a GradientTape, keeping every layer's z:
    outputs, L, ∂L/∂W, ∂L/∂b and δ_l = ∂ℓᵢ/∂z_l (= batch × ∂(mean ℓ)/∂z_l: ℓⱼ does not depend on z_l of i ≠ j)."""
    plain = dataclasses.asdict(spec)
    model = kj.build_model(plain, net.weights, net.biases)
    loss_fn = kj.loss_object(plain)
    x_t, y_t = tf.constant(x), tf.constant(kj.targets(plain, y))
    with tf.GradientTape(persistent=True) as tape:
        a, zs = x_t, []
        for layer in model.layers:
            z = tf.matmul(a, layer.kernel) + layer.bias
            zs.append(z)
            a = layer.activation(z)  # keras.activations.sigmoid/softmax keep z as the loss's logits
        data_loss = loss_fn(y_t, a)
        total = data_loss + tf.add_n(model.losses) if model.losses else data_loss
    grads = tape.gradient(total, model.trainable_variables)
    deltas = [g.numpy() * len(x) for g in tape.gradient(data_loss, zs)]
    return {"outputs": a.numpy(), "model_outputs": model(x_t).numpy(), "loss": float(total),
            "weights": [g.numpy() for g in grads[0::2]], "biases": [g.numpy() for g in grads[1::2]],
            "deltas": deltas}


@functools.cache
def computed(case: Case) -> dict:
    """Engine (float32), the split Keras model, and keras_jobs.gradient_tape_gradients for one case."""
    spec, net, x, y = make_problem(case)
    fwd = nw.forward(net, x)
    return {"spec": spec, "net": net, "x": x, "y": y, "fwd": fwd, "loss": nw.loss(net, fwd, y),
            "grads": nw.backward(net, fwd, y), "split": split_reference(spec, net, x, y),
            "job": kj.gradient_tape_gradients(dataclasses.asdict(spec), net.weights, net.biases, x, y)}


# --- the cases ---------------------------------------------------------------------------------------------


def test_cases_cover_every_pair():
    hidden_combo = {(c.hidden, (c.output, c.loss)) for c in CASES}
    hidden_penalty = {(c.hidden, (c.l1, c.l2)) for c in CASES}
    combo_penalty = {((c.output, c.loss), (c.l1, c.l2)) for c in CASES}
    assert hidden_combo == set(itertools.product(nw.HIDDEN_ACTIVATIONS, COMBOS))
    assert hidden_penalty == set(itertools.product(nw.HIDDEN_ACTIVATIONS, PENALTIES))
    assert combo_penalty == set(itertools.product(COMBOS, PENALTIES))
    assert set(nw.HIDDEN_ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softplus", "gelu",
                                          "swish", "linear"}
    for output, loss in COMBOS:  # the spec allows each combination ...
        nw.NetworkSpec((2, 3), output_activation=output, loss=loss)
    for output, loss in set(itertools.product(nw.OUTPUT_ACTIVATIONS, nw.LOSSES)) - set(COMBOS):  # ... and no other
        with pytest.raises(ValueError):
            nw.NetworkSpec((2, 3), output_activation=output, loss=loss)


# --- forward, loss, gradients, deltas against GradientTape (float32) ----------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_outputs_and_loss_match_keras(case):
    r = computed(case)
    split, job = r["split"], r["job"]
    np.testing.assert_allclose(split["outputs"], split["model_outputs"], **F32)  # the split is the model
    np.testing.assert_allclose(r["fwd"].output, job["outputs"], **F32)
    assert r["fwd"].output.dtype == np.float32
    assert r["loss"] == pytest.approx(job["loss"], rel=F32["rtol"], abs=F32["atol"])
    assert r["loss"] == pytest.approx(split["loss"], rel=F32["rtol"], abs=F32["atol"])
    net = r["net"]
    assert nw.penalty(net) == pytest.approx(job["penalty"], rel=F32["rtol"], abs=F32["atol"])
    assert (job["penalty"] > 0.01) == bool(case.l1 or case.l2)  # the penalty is really there (or not)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_gradients_match_gradient_tape(case):
    r = computed(case)
    grads = r["grads"]
    assert grads.flat.dtype == np.float32
    for ref in (r["job"], r["split"]):
        for name in ("weights", "biases"):
            assert len(getattr(grads, name)) == len(ref[name]) == r["spec"].n_layers
            for layer, (ours, theirs) in enumerate(zip(getattr(grads, name), ref[name])):
                np.testing.assert_allclose(ours, theirs, **F32, err_msg=f"{name}[{layer}]")
    assert max(float(np.abs(g).max()) for g in r["job"]["weights"]) > 1e-2  # not all (near) zero


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_deltas_match_gradient_tape_wrt_each_layers_z(case):
    r = computed(case)
    deltas = r["grads"].deltas
    assert len(deltas) == r["spec"].n_layers
    for layer, (ours, theirs) in enumerate(zip(deltas, r["split"]["deltas"])):
        assert ours.shape == (BATCH, r["spec"].sizes[layer + 1])
        np.testing.assert_allclose(ours, theirs, **F32, err_msg=f"δ of layer {layer + 1}")


@pytest.mark.parametrize("output, loss", [("sigmoid", "binary_crossentropy"), ("softmax", "categorical_crossentropy")])
def test_output_delta_is_p_minus_y(output, loss):
    """δ_L = p − y for a sigmoid unit with BCE and for softmax with CCE (one-hot y); with k sigmoid
    outputs BCE is the mean over them, so δ_L = (p − y)/k."""
    n_out = 3 if output == "softmax" else 1
    spec = nw.NetworkSpec((2, 4, n_out), "tanh", output, loss)
    net, rng = make_network(spec, 3), np.random.default_rng(3)
    x, y = rng.normal(size=(BATCH, 2)), make_targets(spec, BATCH, rng)
    fwd = nw.forward(net, x)
    y_rows = np.eye(n_out)[y] if output == "softmax" else y
    np.testing.assert_array_equal(nw.output_delta(net, fwd, y), fwd.output - y_rows.astype(np.float32))
    multi = nw.NetworkSpec((2, 4, 2), "tanh", "sigmoid", "binary_crossentropy")
    net2 = make_network(multi, 4)
    y2 = rng.integers(0, 2, (BATCH, 2)).astype(np.float32)
    fwd2 = nw.forward(net2, x)
    np.testing.assert_allclose(nw.output_delta(net2, fwd2, y2), (fwd2.output - y2) / 2, rtol=1e-6)


def test_float64_engine_matches_float32_keras_loosely():
    case = Case("gelu", "softmax", "categorical_crossentropy", 0.01, 0.02, seed=11)
    r = computed(case)
    net64 = nw.from_arrays(r["spec"], r["net"].weights, r["net"].biases, np.float64)  # the same float32 values
    fwd = nw.forward(net64, r["x"])
    grads = nw.backward(net64, fwd, r["y"])
    job = r["job"]
    assert fwd.output.dtype == np.float64
    np.testing.assert_allclose(fwd.output, job["outputs"], **F64_VS_F32)
    assert nw.loss(net64, fwd, r["y"]) == pytest.approx(job["loss"], rel=F64_VS_F32["rtol"])
    for ours, theirs in zip(grads.params, [p for pair in zip(job["weights"], job["biases"]) for p in pair]):
        np.testing.assert_allclose(ours, theirs, **F64_VS_F32)


# --- a reference written with plain TensorFlow ops (independent of keras_jobs) ------------------------------

TF_ACTIVATIONS = {"tanh": tf.tanh, "relu": tf.nn.relu, "elu": tf.nn.elu, "sigmoid": tf.sigmoid}


def plain_tf_reference(spec: nw.NetworkSpec, weights, biases, x, y_rows, dtype, penalty_dtype=None) -> dict:
    """L and its gradients from tf.Variable, tf.matmul, the activations and the loss formulas themselves
    (l1 and l2 rounded to ``penalty_dtype`` if given)."""
    l1, l2 = (spec.l1, spec.l2) if penalty_dtype is None else (float(penalty_dtype(spec.l1)), float(penalty_dtype(spec.l2)))
    ws = [tf.Variable(np.asarray(w, dtype)) for w in weights]
    bs = [tf.Variable(np.asarray(b, dtype)) for b in biases]
    y = tf.constant(np.asarray(y_rows, dtype))
    with tf.GradientTape() as tape:
        a = tf.constant(np.asarray(x, dtype))
        for i, (w, b) in enumerate(zip(ws, bs)):
            z = tf.matmul(a, w) + b
            a = TF_ACTIVATIONS[spec.hidden_activation[i]](z) if i < len(ws) - 1 else z
        if spec.loss == "binary_crossentropy":
            per_example = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=a), axis=1)
        elif spec.loss == "categorical_crossentropy":
            per_example = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=a)
        else:
            out = {"linear": a, "sigmoid": tf.sigmoid(a), "softmax": tf.nn.softmax(a)}[spec.output_activation]
            per_example = tf.reduce_mean(tf.square(out - y), axis=1)
        total = tf.reduce_mean(per_example)
        for w in ws:
            total += l1 * tf.reduce_sum(tf.abs(w)) + l2 * tf.reduce_sum(tf.square(w))
    grads = tape.gradient(total, ws + bs)
    return {"loss": float(total), "weights": [g.numpy() for g in grads[:len(ws)]],
            "biases": [g.numpy() for g in grads[len(ws):]]}


def keras_penalty_dtype(dtype: str) -> type:
    """The precision of l1 and l2 in the installed Keras' L1L2 penalty of a ``dtype`` weight. Keras 3.15 (Python ≥ 3.11)
    multiply by ops.cast(l1, dtype), which goes through a float32 constant: in a float64 model the penalty uses
    l1, l2 rounded to float32 (0.02 → 0.0199999996), ~1e-9 of these losses. Keras 3.12.4 (the last on Python
    3.10) uses them as given."""
    penalty = float(keras.regularizers.L1L2(l2=0.02)(np.ones((1, 1), dtype)))
    assert penalty in (0.02, float(np.float32(0.02)))
    return np.float64 if penalty == 0.02 else np.float32


PLAIN_TF_SPECS = (
    nw.NetworkSpec((2, 4, 1), "tanh", "sigmoid", "binary_crossentropy", l2=0.02),
    nw.NetworkSpec((3, 5, 3), "relu", "softmax", "categorical_crossentropy", l1=0.01),
    nw.NetworkSpec((2, 3, 4, 2), ("elu", "sigmoid"), "linear", "mse", l1=0.01, l2=0.02),
)


@pytest.mark.parametrize("spec", PLAIN_TF_SPECS, ids=lambda s: f"{s.output_activation}-{s.loss}")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_engine_and_keras_job_match_plain_tensorflow_ops(spec, dtype):
    tol = F32 if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-12}
    rng = np.random.default_rng(5)
    net = make_network(spec, 5, np.dtype(dtype))
    x = rng.normal(size=(BATCH, spec.sizes[0]))
    y = make_targets(spec, BATCH, rng)
    y_rows = np.eye(spec.sizes[-1])[y] if y.ndim == 1 else y
    exact_ref = plain_tf_reference(spec, net.weights, net.biases, x, y_rows, dtype)
    keras_ref = plain_tf_reference(spec, net.weights, net.biases, x, y_rows, dtype,
                                   penalty_dtype=keras_penalty_dtype(dtype))
    fwd = nw.forward(net, x)
    grads = nw.backward(net, fwd, y)
    job = kj.gradient_tape_gradients(dataclasses.asdict(spec), net.weights, net.biases, x, y, dtype=dtype)
    for got, ref in (({"loss": nw.loss(net, fwd, y), "weights": grads.weights, "biases": grads.biases}, exact_ref),
                     (job, keras_ref)):
        assert got["loss"] == pytest.approx(ref["loss"], rel=tol["rtol"], abs=tol["atol"])
        for name in ("weights", "biases"):
            for ours, theirs in zip(got[name], ref[name]):
                assert ours.dtype == np.dtype(dtype)
                np.testing.assert_allclose(ours, theirs, **tol)


# --- Keras' clipping detail ------------------------------------------------------------------------------------


def test_saturated_sigmoid_loss_comes_from_the_logits_as_in_keras_and_plain_probabilities_are_clipped():
    """With z = ±30 two examples are confidently wrong: from the logits each costs ln(1 + e³⁰) ≈ 30.
    A Keras model (sigmoid output, BCE) computes exactly that; the engine too. Probabilities given
    directly are clipped to [1e-7, 1 − 1e-7] by keras.losses.binary_crossentropy, as by
    nnviz.losses.binary_cross_entropy: then a wrong example costs only −ln 1e-7 ≈ 16.1."""
    spec = nw.NetworkSpec((2, 1), (), "sigmoid", "binary_crossentropy")
    w, b = [np.array([[30.0], [0.0]])], [np.zeros(1)]
    x = np.array([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [-1.0, 0.0]], np.float32)
    y = np.array([[0.0], [1.0], [1.0], [0.0]], np.float32)
    net = nw.from_arrays(spec, w, b, np.float32)
    engine = nw.loss(net, nw.forward(net, x), y)
    model = kj.build_model(dataclasses.asdict(spec), w, b)
    model.compile(loss=kj.loss_object(dataclasses.asdict(spec)))
    keras_model_loss = model.evaluate(x, y, batch_size=4, verbose=0)  # model.fit's graph path
    job = kj.gradient_tape_gradients(dataclasses.asdict(spec), w, b, x, y)  # eager path
    from_logits = (2 * np.logaddexp(0, 30.0) + 2 * np.logaddexp(0, -30.0)) / 4  # = 15 + 4.7e-14
    assert engine == pytest.approx(from_logits, rel=1e-6)
    assert keras_model_loss == pytest.approx(from_logits, rel=1e-6)
    assert job["loss"] == pytest.approx(from_logits, rel=1e-6)
    # the same outputs as probabilities: both clip
    p = nw.forward(nw.from_arrays(spec, w, b), x.astype(float)).output  # float64: σ(30) = 1 − 9.4e-14
    clipped = L.binary_cross_entropy(y, p)
    keras_plain = float(np.mean(keras.losses.binary_crossentropy(y.astype(float), p).numpy()))
    assert clipped == pytest.approx(keras_plain, rel=1e-9)
    expected_clipped = (2 * -np.log(1e-7) + 2 * -np.log1p(-1e-7)) / 4
    assert clipped == pytest.approx(expected_clipped, rel=1e-9)
    assert from_logits - clipped > 6.9  # 15.0 vs 8.06: the two paths really differ here


def test_saturated_softmax_loss_comes_from_the_logits_as_in_keras():
    spec = nw.NetworkSpec((2, 3), (), "softmax", "categorical_crossentropy")
    w, b = [np.array([[30.0, -30.0, 0.0], [0.0, 0.0, 0.0]])], [np.zeros(3)]
    x = np.array([[1.0, 0.0], [1.0, 0.0]], np.float32)
    labels = np.array([1, 0])  # the first is wrong by a logit gap of 60
    net = nw.from_arrays(spec, w, b, np.float32)
    engine = nw.loss(net, nw.forward(net, x), labels)
    model = kj.build_model(dataclasses.asdict(spec), w, b)
    model.compile(loss=kj.loss_object(dataclasses.asdict(spec)))
    keras_model_loss = model.evaluate(x, np.eye(3)[labels], batch_size=2, verbose=0)
    z = np.array([30.0, -30.0, 0.0])
    log_p = z - np.log(np.exp(z).sum())
    expected = -(log_p[1] + log_p[0]) / 2  # ≈ 30
    assert engine == pytest.approx(expected, rel=1e-6)
    assert keras_model_loss == pytest.approx(expected, rel=1e-6)
    assert expected > 29  # clipped probabilities would cap the wrong example at −ln 1e-7 ≈ 16.1


# --- training: 100 mini-batch steps against model.fit ---------------------------------------------------------

FIT_CASES = {
    "sgd": (nw.NetworkSpec((2, 8, 1), "tanh", "sigmoid", "binary_crossentropy"),
            {"name": "sgd", "learning_rate": 0.1}, 40),
    "sgd-momentum": (nw.NetworkSpec((2, 6, 3), "relu", "softmax", "categorical_crossentropy", l2=0.001),
                     {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9}, 40),
    "sgd-nesterov": (nw.NetworkSpec((2, 6, 5, 2), ("elu", "selu"), "linear", "mse", l1=0.001),
                     {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True}, 40),
    # Adam with Keras' defaults; 38 points: 9 batches of 4 and a last one of 2 (weighted in the history)
    "adam": (nw.NetworkSpec((2, 8, 2), "swish", "linear", "binary_crossentropy", l1=0.001, l2=0.001),
             {"name": "adam"}, 38),
}
FIT_BATCH, FIT_EPOCHS = 4, 10


def engine_optimizer(options: dict):
    options = dict(options)
    return nw.OPTIMIZERS[options.pop("name")](**options)


def traced_fit(net, optimizer, x, y, batch_size, epochs):
    """nw.fit's loop written out with train_step, keeping every batch's loss (before its step) and size,
    and the loss on the whole set at the end of each epoch."""
    batches, end_of_epoch = [], []
    for _ in range(epochs):
        batches.append([(nw.train_step(net, optimizer, x[s:s + batch_size], y[s:s + batch_size]),
                         len(x[s:s + batch_size])) for s in range(0, len(x), batch_size)])
        end_of_epoch.append(nw.loss(net, nw.forward(net, x), y))
    return batches, end_of_epoch


@functools.cache
def fitted(name: str) -> dict:
    spec, options, n = FIT_CASES[name]
    rng = np.random.default_rng(21)
    x = rng.normal(size=(n, spec.sizes[0])).astype(np.float32)
    y = make_targets(spec, n, rng)
    start = make_network(spec, 21)
    engine = start.copy()
    history = nw.fit(engine, engine_optimizer(options), x, y, FIT_BATCH, FIT_EPOCHS)
    traced = start.copy()
    batches, end_of_epoch = traced_fit(traced, engine_optimizer(options), x, y, FIT_BATCH, FIT_EPOCHS)
    ref = kj.fit_weights(dataclasses.asdict(spec), start.weights, start.biases, x, y, options, FIT_BATCH, FIT_EPOCHS)
    return {"start": start, "engine": engine, "history": history, "traced": traced, "batches": batches,
            "end_of_epoch": end_of_epoch, "keras": ref, "steps": sum(len(b) for b in batches)}


@pytest.mark.parametrize("name", FIT_CASES)
def test_weights_after_100_steps_equal_keras_fit(name):
    r = fitted(name)
    assert r["steps"] == 100
    engine, start, ref = r["engine"], r["start"], r["keras"]
    keras_params = [p for pair in zip(ref["weights"], ref["biases"]) for p in pair]
    moved = max(float(np.abs(a - b).max()) for a, b in zip(engine.params, start.params))
    assert moved > 1e-2  # 100× the tolerance: the comparison is not of two unchanged networks
    for i, (ours, theirs) in enumerate(zip(engine.params, keras_params)):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4, err_msg=f"params[{i}]")
    # fit is train_step in order, up to float32 rounding: fit's augmented kernels add the bias inside the product
    # ([a, 1] @ [W; b]), whose summation order numpy's kernels may choose by the buffers' alignment (CI once saw
    # 1-ulp differences in 17 of 33 weights after 100 steps; test_fit_computes_what_train_step_computes allows the same)
    np.testing.assert_allclose(r["traced"].flat, engine.flat, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", FIT_CASES)
def test_history_is_keras_logged_loss(name):
    """Keras logs per epoch the batch-size-weighted mean of the batch losses, each taken before its
    update (penalty included). The engine's history is that; the loss at the end of the epoch is not."""
    r = fitted(name)
    keras_history = np.array(r["keras"]["history"])
    weighted = np.array([sum(v * k for v, k in epoch) / sum(k for _, k in epoch) for epoch in r["batches"]])
    # fit sums the epoch's per-example float32 losses in one array, train_step batch by batch: the
    # same definition, rounded in another order (differences ~5e-8 relative)
    np.testing.assert_allclose(r["history"], weighted, rtol=1e-6)
    np.testing.assert_allclose(r["history"], keras_history, **F32)
    # the comparison tells the definitions apart: the loss after each epoch is well off Keras' log
    assert np.all(np.abs(np.array(r["end_of_epoch"]) - keras_history) > 100 * F32["atol"])


def test_history_weights_the_smaller_last_batch_as_keras_does():
    r = fitted("adam")
    assert [k for _, k in r["batches"][0]] == [4] * 9 + [2]
    unweighted = np.array([np.mean([v for v, _ in epoch]) for epoch in r["batches"]])
    keras_history = np.array(r["keras"]["history"])
    np.testing.assert_allclose(r["history"], keras_history, **F32)
    assert np.max(np.abs(unweighted - keras_history)) > 10 * F32["atol"]  # a plain mean would fail


def test_optimizer_defaults_are_keras_defaults():
    sgd, adam = keras.optimizers.SGD().get_config(), keras.optimizers.Adam().get_config()
    ours_sgd, ours_adam = nw.SGD(), nw.Adam()
    assert (ours_sgd.learning_rate, ours_sgd.momentum, ours_sgd.nesterov) == pytest.approx(
        (sgd["learning_rate"], sgd["momentum"], sgd["nesterov"]))
    assert (ours_adam.learning_rate, ours_adam.beta_1, ours_adam.beta_2, ours_adam.epsilon) == pytest.approx(
        (adam["learning_rate"], adam["beta_1"], adam["beta_2"], adam["epsilon"]))
    assert adam["amsgrad"] is False


# --- fit's fused steps against train_step, every case ----------------------------------------------------------

FUSED_OPTIMIZERS = ({"name": "sgd", "learning_rate": 0.1}, {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9},
                    {"name": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True}, {"name": "adam"})


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_fit_computes_what_train_step_computes(case, dtype):
    """fit trains on augmented kernels [W; b] with preallocated buffers; train_step on forward and
    backward as the page shows them. Every activation × output/loss × penalty, with each optimiser in
    turn, 17 points in batches of 5 (a last batch of 2), shuffled: the same weights and history."""
    spec = case.spec
    rng = np.random.default_rng(case.seed)
    x, y = rng.normal(size=(17, spec.sizes[0])), make_targets(spec, 17, rng)
    options = FUSED_OPTIMIZERS[case.seed % len(FUSED_OPTIMIZERS)]
    start = make_network(spec, case.seed, dtype)
    fused = start.copy()
    history = nw.fit(fused, engine_optimizer(options), x, y, 5, 3, shuffle_seed=case.seed)
    stepped, optimizer, expected = start.copy(), engine_optimizer(options), []
    order = np.random.default_rng(case.seed)
    for _ in range(3):
        shuffled = order.permutation(17)
        xs, ys = x[shuffled].astype(dtype), np.asarray(y)[shuffled]
        losses = [(nw.train_step(stepped, optimizer, xs[k:k + 5], ys[k:k + 5]), len(xs[k:k + 5]))
                  for k in range(0, 17, 5)]
        expected.append(sum(v * k for v, k in losses) / 17)
    tight = {"rtol": 1e-12, "atol": 1e-13} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-6}
    assert np.abs(fused.flat - start.flat).max() > 1e-3  # it trained
    np.testing.assert_allclose(fused.flat, stepped.flat, **tight)
    np.testing.assert_allclose(history, expected, **tight)


def test_augmented_kernels_are_each_kernel_with_its_bias_row_in_the_same_memory():
    net = make_network(nw.NetworkSpec((3, 4, 2)), 3, np.float64)
    for kernel, w, b in zip(nw.augmented_kernels(net.spec.sizes, net.flat), net.weights, net.biases):
        assert np.shares_memory(kernel, net.flat)
        np.testing.assert_array_equal(kernel, np.vstack([w, b]))
    x = np.random.default_rng(0).normal(size=(6, 3))
    first = nw.augmented_kernels(net.spec.sizes, net.flat)[0]
    np.testing.assert_allclose(np.hstack([x, np.ones((6, 1))]) @ first, x @ net.weights[0] + net.biases[0])


# --- finite differences (float64) -------------------------------------------------------------------------------

FD_SPECS = (
    nw.NetworkSpec((2, 4, 3, 1), ("tanh", "sigmoid"), "sigmoid", "binary_crossentropy", l1=0.01, l2=0.02),
    nw.NetworkSpec((3, 4, 3), "softplus", "softmax", "categorical_crossentropy", l2=0.05),
    nw.NetworkSpec((2, 5, 2), "gelu", "linear", "mse", l1=0.03),
    nw.NetworkSpec((2, 3, 2), "swish", "linear", "binary_crossentropy"),
    nw.NetworkSpec((2, 3, 3), "selu", "softmax", "mse", l1=0.01, l2=0.01),
    nw.NetworkSpec((2, 4, 2), "leaky_relu", "linear", "categorical_crossentropy", l1=0.02),
)


@pytest.mark.parametrize("spec", FD_SPECS, ids=lambda s: f"{'-'.join(s.hidden_activation)}-{s.output_activation}-{s.loss}")
def test_backward_matches_central_differences(spec):
    rng = np.random.default_rng(8)
    net = make_network(spec, 8, np.float64)
    x, y = rng.normal(size=(10, spec.sizes[0])), make_targets(spec, 10, rng)
    assert np.abs(net.flat).min() > 1e-4  # no parameter within h of the kink of |w|
    analytic = nw.backward(net, nw.forward(net, x), y)
    numeric = nw.numerical_gradients(net, x, y)
    # h = 1e-6 in float64: truncation ~h² and rounding ~1e-16 · L / h ≈ 1e-10
    for i, (ours, theirs) in enumerate(zip(analytic.params, numeric)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8, err_msg=f"params[{i}]")
    if spec.l1 or spec.l2:  # the penalty's gradient is in there: without it the check fails
        bare = nw.from_arrays(dataclasses.replace(spec, l1=0.0, l2=0.0), net.weights, net.biases)
        without = nw.backward(bare, nw.forward(bare, x), y)
        assert np.abs(without.flat - np.concatenate([g.ravel() for g in numeric])).max() > 1e-4


# --- Glorot initialisation ---------------------------------------------------------------------------------------


def test_glorot_init_limits_zero_biases_and_seeds():
    spec = nw.NetworkSpec((60, 40, 30, 3), "relu", "softmax", "categorical_crossentropy")
    net = nw.init_network(spec, seed=4)
    for w in net.weights:
        limit = np.sqrt(6.0 / sum(w.shape))
        assert nw.glorot_limit(*w.shape) == pytest.approx(limit, rel=1e-15)
        assert np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.9 * limit  # uniform over the whole range ...
        assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.2)  # ... with U(−r, r)'s spread
        assert abs(w.mean()) < 0.1 * limit
    assert all(not b.any() for b in net.biases)
    np.testing.assert_array_equal(nw.init_network(spec, seed=4).flat, net.flat)
    assert not np.allclose(nw.init_network(spec, seed=5).flat, net.flat)
    net32 = nw.init_network(spec, seed=4, dtype=np.float32)
    assert net32.flat.dtype == np.float32
    np.testing.assert_allclose(net32.flat, net.flat, rtol=1e-7)


def test_glorot_limit_is_keras_glorot_uniform():
    """Keras' GlorotUniform draws within the same limit and fills it (different generator: other numbers)."""
    for shape in ((60, 40), (30, 50)):
        drawn = keras.initializers.GlorotUniform(seed=0)(shape).numpy()
        limit = nw.glorot_limit(*shape)
        assert np.abs(drawn).max() <= limit * (1 + 1e-6)
        assert np.abs(drawn).max() > 0.75 * limit


# --- keras_jobs: plain data in and out ----------------------------------------------------------------------------


def test_build_model_layers_regularizers_and_loss_flags():
    spec = nw.NetworkSpec((2, 4, 3, 3), ("swish", "leaky_relu"), "softmax", "categorical_crossentropy", l1=0.01)
    plain = dataclasses.asdict(spec)
    net = make_network(spec, 2)
    model = kj.build_model(plain, net.weights, net.biases)
    assert [layer.activation.__name__ for layer in model.layers] == ["silu", "leaky_relu", "softmax"]
    assert [layer.units for layer in model.layers] == [4, 3, 3]
    for layer in model.layers:
        assert layer.kernel_regularizer.get_config() == pytest.approx({"l1": 0.01, "l2": 0.0})
    for ours, theirs in zip(net.params, model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    bare = kj.build_model({**plain, "l1": 0.0}, net.weights, net.biases)
    assert all(layer.kernel_regularizer is None for layer in bare.layers) and not bare.losses
    flags = {(o, loss): kj.loss_object({**plain, "output_activation": o, "loss": loss}).get_config().get("from_logits")
             for o, loss in COMBOS}
    assert flags == {("sigmoid", "binary_crossentropy"): False, ("softmax", "categorical_crossentropy"): False,
                     ("linear", "mse"): None, ("sigmoid", "mse"): None, ("softmax", "mse"): None,
                     ("linear", "binary_crossentropy"): True, ("linear", "categorical_crossentropy"): True}


def test_gradient_tape_job_takes_labels_or_one_hot_and_returns_picklable_plain_data():
    case = Case("relu", "softmax", "categorical_crossentropy", 0.0, 0.01, seed=9)
    spec, net, x, labels = make_problem(case)
    plain = dataclasses.asdict(spec)
    by_label = kj.gradient_tape_gradients(plain, net.weights, net.biases, x, labels)
    by_row = kj.gradient_tape_gradients(plain, [w.tolist() for w in net.weights], [b.tolist() for b in net.biases],
                                        x.tolist(), np.eye(3)[labels])
    assert by_label["loss"] == by_row["loss"]
    for a, b in zip(by_label["weights"] + by_label["biases"], by_row["weights"] + by_row["biases"]):
        np.testing.assert_array_equal(a, b)
    again = pickle.loads(pickle.dumps(by_label))
    assert set(again) >= {"outputs", "loss", "weights", "biases"}
    assert isinstance(again["loss"], float) and all(type(g) is np.ndarray for g in again["weights"])


def test_fit_job_takes_integer_learning_rates_and_rejects_unknown_optimizers():
    spec = nw.NetworkSpec((2, 3, 1), "tanh", "sigmoid", "binary_crossentropy")
    net = make_network(spec, 1)
    x, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0.0, 1.0])
    r = kj.fit_weights(dataclasses.asdict(spec), net.weights, net.biases, x, y, {"name": "sgd", "learning_rate": 1},
                       batch_size=2, epochs=1)
    engine = net.copy()
    history = nw.fit(engine, nw.SGD(1.0), x, y, 2, 1)
    assert r["history"] == pytest.approx(history, rel=1e-6)
    for ours, theirs in zip(engine.weights, r["weights"]):
        np.testing.assert_allclose(ours, theirs, **F32)
    pickle.dumps(r)
    with pytest.raises(ValueError, match="optimizer"):
        kj.optimizer_object({"name": "rmsprop"})


def test_importing_keras_jobs_does_not_import_tensorflow():
    code = "import sys, nnviz.keras_jobs, nnviz.network; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_at_relus_kink_backprop_takes_the_slope_tensorflow_takes_and_the_finite_difference_does_not():
    """The Backpropagation page's gradient check with 4 ReLU layers, seed 2: layer 2 is dead and the biases 0, so every
    unit of layers 3 and 4 has z = 0 exactly. There backprop and tf.GradientTape both take ReLU′(0) = 0, and the central
    difference measures ½ (the mean of the slopes on either side): the page blamed a 0.21 gap on rounding (a student's
    review); it now names the kink (nnviz.backprop.relu_kinks)."""
    from nnviz import backprop as bpm

    setup = bpm.BackpropSetup(hidden_layers=4, activation="relu", seed=2)
    bp = bpm.backward_pass(bpm.seeded_network(setup), *setup.examples())
    assert bpm.relu_kinks(bp) == [f"z({layer})_{k}" for layer in (3, 4) for k in (1, 2, 3)]
    net = bp.network
    tape = kj.gradient_tape_gradients(dataclasses.asdict(net.spec), net.weights, net.biases, bp.x, bp.y, "float64")
    np.testing.assert_allclose(np.concatenate([b.ravel() for b in tape["biases"][2:4]]),
                               np.concatenate([b.ravel() for b in bp.gradients.biases[2:4]]), atol=1e-12)
    assert not np.any(np.concatenate([b.ravel() for b in bp.gradients.biases[2:4]]))  # ReLU′(0) = 0
    check = bpm.gradient_check(bp)
    differing = {name for name, d in zip(check["parameter"], check["|difference|"]) if d > 1e-6}
    assert differing and all(name.startswith(("b(3)", "b(4)")) for name in differing)
    no_kink = bpm.BackpropSetup(hidden_layers=4, activation="relu", seed=0)
    assert bpm.relu_kinks(bpm.backward_pass(bpm.seeded_network(no_kink), *no_kink.examples())) == []
