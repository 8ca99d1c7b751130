"""Training real Keras models: the only nnviz module that imports TensorFlow, and only when called.

Free of Streamlit: progress is reported through plain callbacks and results come back as
plain numbers, so everything here can be tested alone (and moved to a worker process later).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

_frozen = False


def load_keras():
    """Import Keras/TensorFlow (quietly) and return the ``keras`` module.

    The first call also runs ``gc.freeze()``: TensorFlow brings ~10⁶ Python objects, and
    Streamlit runs a full garbage collection after every script run, which then costs ~200 ms
    per rerun of *every* page in the process. Frozen objects are skipped by the collector.
    """
    global _frozen
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True
    return keras


@dataclass(frozen=True)
class Split:
    x_train: Array
    y_train: Array
    x_val: Array
    y_val: Array


def digits_split(seed: int = 0, validation: float = 0.2) -> Split:
    """scikit-learn's 1,797 8×8 handwritten digits (shipped with the package: no download),
    scaled to [0, 1] and split into training and validation sets with a seeded shuffle."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = digits.target.astype("int64")
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = int(len(x) * validation)
    val, train = order[:n_val], order[n_val:]
    return Split(x[train], y[train], x[val], y[val])


def small_classifier(learning_rate: float, seed: int, n_inputs: int = 64, n_classes: int = 10):
    """Dense(32, relu) → Dense(10, softmax), compiled with plain SGD at ``learning_rate``."""
    keras = load_keras()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input(shape=(n_inputs,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


SWEEP_MIN_RATE, SWEEP_MAX_RATE = 1e-4, 10.0  # the range the learning-rate finder plans to sweep
BLOW_UP = 4.0  # the sweep stops once the loss is this many times its lowest value so far (or NaN)


def learning_rate_sweep(split: Split, seed: int = 0, min_rate: float = SWEEP_MIN_RATE,
                        max_rate: float = SWEEP_MAX_RATE, steps: int = 200, batch_size: int = 32,
                        on_step: Callable[[int, int], None] | None = None) -> tuple[Array, Array]:
    """Géron's learning-rate finder: train from scratch while multiplying the learning rate by a
    constant factor after every batch, from ``min_rate`` to ``max_rate`` over ``steps`` batches.

    Returns (learning rates, loss of each batch). Stops early once the loss is NaN or has grown
    to BLOW_UP × its lowest value (it has clearly blown up: larger rates only make it worse), so
    the rates usually end well before ``max_rate``; ``sweep_stop`` says where and why.
    """
    keras = load_keras()
    import tensorflow as tf

    model = small_classifier(min_rate, seed)
    optimizer, loss_fn = model.optimizer, keras.losses.SparseCategoricalCrossentropy()
    factor = (max_rate / min_rate) ** (1.0 / (steps - 1))
    rng = np.random.default_rng(seed)
    rates, losses = [], []
    order = rng.permutation(len(split.x_train))
    for step in range(steps):
        first = (step * batch_size) % len(order)
        if first + batch_size > len(order):
            order, first = rng.permutation(len(split.x_train)), 0
        batch = order[first:first + batch_size]
        rate = min_rate * factor**step
        optimizer.learning_rate.assign(rate)
        with tf.GradientTape() as tape:
            loss = loss_fn(split.y_train[batch], model(split.x_train[batch], training=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        value = float(loss)
        rates.append(rate)
        losses.append(value)
        if on_step:
            on_step(step + 1, steps)
        if not np.isfinite(value) or value > BLOW_UP * min(losses):
            break
    return np.array(rates), np.array(losses)


def sweep_stop(rates: Array, losses: Array, max_rate: float = SWEEP_MAX_RATE) -> str | None:
    """Why a sweep ended before ``max_rate`` — 'the loss became NaN' or 'the loss passed 4× its
    lowest' — or None if it swept the whole range."""
    if len(rates) and rates[-1] >= max_rate * (1 - 1e-9):
        return None
    if len(losses) and not np.isfinite(losses[-1]):
        return "the loss became NaN"
    return f"the loss passed {BLOW_UP:g}× its lowest"


@dataclass(frozen=True)
class RateSuggestion:
    turning_point: float  # where the loss turns up (starts to climb): the lowest point of the smoothed loss
    suggested: float  # about 10× lower than the turning point (Géron's rule of thumb)
    too_low: float  # 100× below the suggestion
    too_high: float  # 3× the turning point (at most the last rate swept): the loss is climbing there


SMOOTHING = 9  # batches in the moving average the turning point is read from


def moving_average(rates: Array, losses: Array, smoothing: int = SMOOTHING) -> tuple[Array, Array]:
    """The sweep's loss averaged over ``smoothing`` consecutive batches, each mean at the rate of the window's
    middle batch (a loss that is not finite counts as the largest finite one)."""
    losses = np.where(np.isfinite(losses), losses, np.nanmax(np.where(np.isfinite(losses), losses, np.nan)))
    window = max(1, min(smoothing, len(losses)))
    smoothed = np.convolve(losses, np.ones(window) / window, mode="valid")
    return np.asarray(rates)[window // 2: window // 2 + len(smoothed)], smoothed


def suggest_learning_rates(rates: Array, losses: Array, smoothing: int = SMOOTHING) -> RateSuggestion:
    """Read the sweep as Géron does (ch. 10): the loss falls, then turns up and shoots up; the rate
    where it turns up (starts to climb) is too high already, so train about 10× below it.

    The per-batch loss is noisy: the turning point is the lowest point of its moving average."""
    middle_rates, smoothed = moving_average(rates, losses, smoothing)
    turning = float(middle_rates[int(np.argmin(smoothed))])
    suggested = turning / 10
    # 3× past the turn, but not beyond what was swept: where the loss was seen to climb
    too_high = max(turning, min(turning * 3, float(rates[-1])))
    return RateSuggestion(turning, suggested, too_low=suggested / 100, too_high=too_high)


def train_briefly(split: Split, learning_rate: float, epochs: int = 10, seed: int = 0, batch_size: int = 32,
                  on_epoch: Callable[[int, dict], None] | None = None) -> dict[str, list[float]]:
    """``model.fit`` for a few epochs at one learning rate; returns the Keras history (per epoch)."""
    keras = load_keras()
    model = small_classifier(learning_rate, seed)
    callbacks = [keras.callbacks.TerminateOnNaN()]
    if on_epoch:
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: on_epoch(epoch + 1, logs)))
    history = model.fit(split.x_train, split.y_train, validation_data=(split.x_val, split.y_val), epochs=epochs,
                        batch_size=batch_size, verbose=0, shuffle=True, callbacks=callbacks)
    return {name: [float(v) for v in values] for name, values in history.history.items()}


def sweep_digits(seed: int) -> tuple[Array, Array]:
    """The Gradient descent page's learning-rate finder: ``learning_rate_sweep`` on the digits split by ``seed``."""
    return learning_rate_sweep(digits_split(seed), seed)


def compare_rates(seed: int, rates: tuple[float, float, float]) -> dict[str, dict[str, list[float]]]:
    """``train_briefly`` for 10 epochs at each of the finder's three rates (too low, suggested, too high)."""
    split = digits_split(seed)
    labels = ("too low", "suggested", "too high")
    return {f"{label}: η = {rate:.2g}": train_briefly(split, rate, 10, seed) for label, rate in zip(labels, rates)}


def tape_gradients(X: Array, y: Array, w: Array, b: float) -> dict[str, Array | None]:
    """What ``tf.GradientTape`` returns for ∂(binary cross-entropy)/∂w of one neuron with a sigmoid
    and with a step activation (written as tf.cast(z ≥ 0)): a vector, and None — no gradient at all."""
    load_keras()
    import tensorflow as tf

    X = tf.constant(np.asarray(X, dtype="float64"))
    y = tf.constant(np.asarray(y, dtype="float64"))
    result = {}
    for name in ("sigmoid", "step"):
        wv, bv = tf.Variable(np.asarray(w, dtype="float64")), tf.Variable(float(b), dtype=tf.float64)
        with tf.GradientTape() as tape:
            z = tf.linalg.matvec(X, wv) + bv
            p = tf.sigmoid(z) if name == "sigmoid" else tf.cast(z >= 0, tf.float64)
            p = tf.clip_by_value(p, 1e-7, 1 - 1e-7)
            loss = -tf.reduce_mean(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p))
        gradient = tape.gradient(loss, wv)
        result[name] = None if gradient is None else gradient.numpy()
    return result
