"""Keras jobs: what Keras computes for a network of ``nnviz.network``, as Streamlit-free functions.

Plain data in, plain data out, so that each job can later run unchanged in a worker interpreter:
the spec is a dict (``dataclasses.asdict(NetworkSpec)``: sizes, hidden_activation,
output_activation, loss, l1, l2), kernels and biases are lists of arrays, and results are dicts of
lists of numpy arrays and floats (picklable). TensorFlow is imported only inside the functions.

The model is a ``keras.Sequential`` of Dense layers, z = a @ W + b, a = f(z), with
``kernel_regularizer=L1L2(l1, l2)`` on every kernel when a penalty is set; its loss is
BinaryCrossentropy, CategoricalCrossentropy or MeanSquaredError, ``from_logits=True`` when the
output is linear and the loss a cross-entropy.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from nnviz import activations as act
from nnviz.keras_training import load_keras

Array = np.ndarray

LOSS_CLASSES = {"binary_crossentropy": "BinaryCrossentropy", "categorical_crossentropy": "CategoricalCrossentropy",
                "mse": "MeanSquaredError"}
OPTIMIZER_CLASSES = {"sgd": "SGD", "adam": "Adam"}


def layer_activations(spec: dict) -> list[str]:
    """The Keras activation name of each Dense layer, output layer last."""
    hidden = spec.get("hidden_activation", "tanh")
    n_hidden = len(spec["sizes"]) - 2
    keys = [hidden] * n_hidden if isinstance(hidden, str) else list(hidden)
    if len(keys) != n_hidden:
        raise ValueError(f"expected {n_hidden} hidden activations, got {keys}")
    return [act.get(k).keras_name for k in keys] + [spec.get("output_activation", "sigmoid")]


def from_logits(spec: dict) -> bool:
    """True when Keras must be told the outputs are logits: a linear output with a cross-entropy.
    (After a sigmoid or softmax, Keras' TensorFlow backend finds the logits by itself.)"""
    return spec.get("output_activation", "sigmoid") == "linear" and spec.get("loss", "binary_crossentropy") != "mse"


def loss_object(spec: dict, dtype: str = "float32"):
    """The Keras loss of the spec: mean over the batch of the per-example loss (penalties not included)."""
    keras = load_keras()
    name = spec.get("loss", "binary_crossentropy")
    cls = getattr(keras.losses, LOSS_CLASSES[name])
    # The loss casts y_pred to its own dtype: it must be the model's, or the cached logits are lost.
    if name == "mse":
        return cls(dtype=dtype)
    return cls(from_logits=from_logits(spec), dtype=dtype)


def build_model(spec: dict, weights: Sequence, biases: Sequence, dtype: str = "float32"):
    """``keras.Sequential([Input, Dense, …, Dense])`` with the given kernels (n_in, n_out) and biases."""
    keras = load_keras()
    sizes = [int(n) for n in spec["sizes"]]
    if not len(weights) == len(biases) == len(sizes) - 1:
        raise ValueError(f"expected {len(sizes) - 1} kernels and biases, got {len(weights)} and {len(biases)}")
    l1, l2 = float(spec.get("l1", 0.0)), float(spec.get("l2", 0.0))
    layers = [keras.Input(shape=(sizes[0],), dtype=dtype)]
    for units, activation in zip(sizes[1:], layer_activations(spec)):
        regularizer = keras.regularizers.L1L2(l1=l1, l2=l2) if l1 or l2 else None
        layers.append(keras.layers.Dense(units, activation=activation, kernel_regularizer=regularizer, dtype=dtype))
    model = keras.Sequential(layers)
    model.set_weights([np.asarray(p, dtype=dtype).reshape(shape) for p, shape in
                       zip([p for pair in zip(weights, biases) for p in pair],
                           [s for a, b in itertools.pairwise(sizes) for s in ((a, b), (b,))])])
    return model


def targets(spec: dict, y, dtype: str = "float32") -> Array:
    """y as a (batch, outputs) array; for a softmax output, class labels are one-hot encoded."""
    n_out = int(spec["sizes"][-1])
    y = np.asarray(y)
    if spec.get("output_activation") == "softmax" and n_out > 1 and (y.ndim == 1 or y.shape[-1] == 1):
        return np.eye(n_out, dtype=dtype)[y.reshape(-1).astype(int)]
    return y.astype(dtype).reshape(-1, n_out)


def gradient_tape_gradients(spec: dict, weights: Sequence, biases: Sequence, x, y, dtype: str = "float32") -> dict:
    """The model's outputs, its loss L = mean ℓᵢ + Σ penalties (``sum(model.losses)``) and
    ∂L/∂W, ∂L/∂b of every layer, from ``tf.GradientTape``.

    Returns {"outputs", "loss", "data_loss", "penalty", "weights": [∂L/∂W₁, …], "biases": [∂L/∂b₁, …]}.
    """
    keras = load_keras()
    import tensorflow as tf

    keras.backend.clear_session()
    model = build_model(spec, weights, biases, dtype)
    loss_fn = loss_object(spec, dtype)
    x = tf.constant(np.asarray(x, dtype=dtype).reshape(-1, int(spec["sizes"][0])))
    y = tf.constant(targets(spec, y, dtype))
    with tf.GradientTape() as tape:
        outputs = model(x, training=True)
        data_loss = loss_fn(y, outputs)
        penalty = tf.add_n(model.losses) if model.losses else tf.zeros((), dtype=dtype)
        total = data_loss + penalty
    grads = [g.numpy() for g in tape.gradient(total, model.trainable_variables)]
    return {"outputs": outputs.numpy(), "loss": float(total), "data_loss": float(data_loss),
            "penalty": float(penalty), "weights": grads[0::2], "biases": grads[1::2]}


def optimizer_object(optimizer: dict):
    """``keras.optimizers.SGD`` or ``Adam`` from {"name": "sgd" | "adam", keyword arguments…}
    (numbers passed as floats: ``SGD(learning_rate=1)`` raises in Keras 3)."""
    keras = load_keras()
    options = dict(optimizer)
    name = str(options.pop("name", "sgd")).lower()
    if name not in OPTIMIZER_CLASSES:
        raise ValueError(f"optimizer must be one of {tuple(OPTIMIZER_CLASSES)}, got {name!r}")
    options = {k: v if isinstance(v, bool) else float(v) for k, v in options.items()}
    return getattr(keras.optimizers, OPTIMIZER_CLASSES[name])(**options)


def fit_weights(spec: dict, weights: Sequence, biases: Sequence, x, y, optimizer: dict, batch_size: int,
                epochs: int, dtype: str = "float32", seed: int = 0) -> dict:
    """``model.fit(x, y, batch_size, epochs, shuffle=False, verbose=0)`` from the given weights.

    Returns {"weights", "biases"} after training and "history": the loss Keras logs per epoch, the
    batch-size-weighted mean of each batch's L = mean ℓᵢ + penalties, taken before that batch's update.
    """
    keras = load_keras()
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)  # nothing is drawn with shuffle off; pins it all the same
    model = build_model(spec, weights, biases, dtype)
    model.compile(optimizer=optimizer_object(optimizer), loss=loss_object(spec, dtype))
    x = np.asarray(x, dtype=dtype).reshape(-1, int(spec["sizes"][0]))
    history = model.fit(x, targets(spec, y, dtype), batch_size=int(batch_size), epochs=int(epochs),
                        shuffle=False, verbose=0)
    params = [np.array(p) for p in model.get_weights()]
    return {"weights": params[0::2], "biases": params[1::2],
            "history": [float(v) for v in history.history["loss"]]}


def train_like_engine(spec: dict, weights: Sequence, biases: Sequence, x_train, y_train, x_test, y_test,
                      optimizer: dict, batch_size: int, shuffle_seeds: Sequence[int], dtype: str = "float32") -> dict:
    """The Playground's training in Keras: from the given weights, one ``fit`` call per epoch on the training
    data in the order ``np.random.default_rng(seed).permutation`` gives for that epoch's seed (as
    ``nnviz.network.fit`` shuffles), and the training and test loss (``evaluate``, penalties included)
    before the first epoch and after each.

    Returns {"train_loss": [...], "test_loss": [...], "weights", "biases"}.
    """
    keras = load_keras()
    keras.backend.clear_session()
    model = build_model(spec, weights, biases, dtype)
    model.compile(optimizer=optimizer_object(optimizer), loss=loss_object(spec, dtype))
    n_in = int(spec["sizes"][0])
    x_train = np.asarray(x_train, dtype=dtype).reshape(-1, n_in)
    x_test = np.asarray(x_test, dtype=dtype).reshape(-1, n_in)
    y_train, y_test = targets(spec, y_train, dtype), targets(spec, y_test, dtype)

    def losses() -> tuple[float, float]:
        test = float(model.evaluate(x_test, y_test, verbose=0)) if len(x_test) else float("nan")
        return float(model.evaluate(x_train, y_train, verbose=0)), test

    train_loss, test_loss = map(list, zip(losses()))
    for seed in shuffle_seeds:
        order = np.random.default_rng(int(seed)).permutation(len(x_train))
        model.fit(x_train[order], y_train[order], batch_size=int(batch_size), epochs=1, shuffle=False, verbose=0)
        train, test = losses()
        train_loss.append(train)
        test_loss.append(test)
    params = [np.array(p) for p in model.get_weights()]
    return {"train_loss": train_loss, "test_loss": test_loss, "weights": params[0::2], "biases": params[1::2]}
