"""Losses, metrics and their gradients for a binary classifier, in numpy.

The model is one neuron p = f(w·x + b) with labels y ∈ {0, 1}. Definitions follow Keras:
``keras.losses.binary_crossentropy`` (probabilities clipped to [ε, 1 − ε], ε = 10⁻⁷),
``keras.losses.mean_squared_error`` and ``keras.metrics.binary_accuracy`` (ŷ = 1 if p > 0.5).
"""

from __future__ import annotations

import numpy as np

from nnviz.activations import sigmoid, step

Array = np.ndarray

EPSILON = 1e-7  # keras.config.epsilon()
THRESHOLD = 0.5


def binary_cross_entropy(y: Array, p: Array) -> float:
    """L = −mean[y ln p + (1 − y) ln(1 − p)], with p clipped to [ε, 1 − ε] as Keras does."""
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)
    y = np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def mean_squared_error(y: Array, p: Array) -> float:
    """L = mean[(y − p)²]."""
    return float(np.mean((np.asarray(y, dtype=float) - np.asarray(p, dtype=float)) ** 2))


def losses_for_a_positive(p: Array) -> tuple[Array, Array]:
    """Each loss of one positive example (y = 1) predicted as p: cross-entropy −ln p and squared error (1 − p)²."""
    p = np.asarray(p, dtype=float)
    return -np.log(p), (1 - p) ** 2


def logit_gradient(y: Array, p: Array, loss: str = "bce") -> Array:
    """∂L/∂z of one example's loss through a sigmoid output p = σ(z).

    Cross-entropy: p − y (the log cancels σ′), largest when the prediction is worst.
    Squared error: 2(p − y)·σ′(z) = 2(p − y)·p(1 − p), which vanishes as p → 0 or 1: a confident mistake is
    hardly corrected.
    """
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    return p - y if loss == "bce" else 2 * (p - y) * p * (1 - p)


def logit_pushes(p: Array) -> tuple[Array, Array]:
    """How hard each loss of a positive example (y = 1) pushes its logit: |∂L/∂z| for cross-entropy and for
    squared error (``logit_gradient``)."""
    return np.abs(logit_gradient(1.0, p, "bce")), np.abs(logit_gradient(1.0, p, "mse"))


def accuracy(y: Array, p: Array, threshold: float = THRESHOLD) -> float:
    """Fraction right when ŷ = 1 if p > threshold else 0."""
    return float(np.mean((np.asarray(p) > threshold).astype(int) == np.asarray(y)))


def confusion(y: Array, y_hat: Array) -> dict[str, int]:
    """Counts of true/false positives/negatives."""
    y, y_hat = np.asarray(y).astype(bool), np.asarray(y_hat).astype(bool)
    return {"TP": int(np.sum(y & y_hat)), "FP": int(np.sum(~y & y_hat)),
            "FN": int(np.sum(y & ~y_hat)), "TN": int(np.sum(~y & ~y_hat))}


def precision(y: Array, y_hat: Array) -> float | None:
    """TP / (TP + FP): of the predicted positives, how many are right. None when nothing is predicted positive."""
    c = confusion(y, y_hat)
    return c["TP"] / (c["TP"] + c["FP"]) if c["TP"] + c["FP"] else None


def recall(y: Array, y_hat: Array) -> float | None:
    """TP / (TP + FN): of the real positives, how many are found. None when there are no positives."""
    c = confusion(y, y_hat)
    return c["TP"] / (c["TP"] + c["FN"]) if c["TP"] + c["FN"] else None


def neuron_output(X: Array, w: Array, b: float, activation: str = "sigmoid") -> Array:
    """p = σ(w·x + b) (or the step H(w·x + b)) for every row of X."""
    z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b
    return sigmoid(z) if activation == "sigmoid" else step(z)


def gradients(X: Array, y: Array, w: Array, b: float, loss: str = "bce",
              activation: str = "sigmoid") -> tuple[Array, float]:
    """∂L/∂w and ∂L/∂b for one neuron by the chain rule, L = mean over samples.

    Sigmoid + BCE: ∂L/∂z = p − y.   Sigmoid + MSE: ∂L/∂z = 2 (p − y) p (1 − p).
    Step: ∂p/∂z = 0 wherever it is defined, so every gradient is 0.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    p = neuron_output(X, w, b, activation)
    if activation == "step":
        dz = np.zeros(len(y))
    else:
        dz = logit_gradient(y, p, loss)
    return X.T @ dz / len(y), float(np.mean(dz))


def accuracy_gradient(X: Array, y: Array, w: Array, b: float, h: float = 1e-6) -> tuple[Array, float]:
    """∂(accuracy)/∂w and ∂/∂b of the sigmoid neuron by central differences with step ``h``.

    Accuracy only changes when a point crosses the boundary, so for almost every (w, b)
    moving a little changes nothing: the result is exactly 0.
    """
    w = np.asarray(w, dtype=float)

    def acc(wv, bv):
        return accuracy(y, neuron_output(X, wv, bv))

    gw = np.array([(acc(w + h * e, b) - acc(w - h * e, b)) / (2 * h) for e in np.eye(len(w))])
    return gw, (acc(w, b + h) - acc(w, b - h)) / (2 * h)


def sweep_weight(X: Array, y: Array, w: Array, b: float, index: int, values: Array) -> dict[str, Array]:
    """Accuracy, cross-entropy and MSE of the sigmoid neuron as weight ``index`` takes each of ``values``,
    with their derivatives d/dw (analytic for the losses, ``accuracy_gradient`` for accuracy)."""
    values = np.asarray(values, dtype=float)
    result = {name: np.empty(len(values)) for name in ("accuracy", "bce", "mse", "d_bce", "d_mse")}
    for i, v in enumerate(values):
        wv = np.array(w, dtype=float)
        wv[index] = v
        p = neuron_output(X, wv, b)
        result["accuracy"][i] = accuracy(y, p)
        result["bce"][i] = binary_cross_entropy(y, p)
        result["mse"][i] = mean_squared_error(y, p)
        result["d_bce"][i] = gradients(X, y, wv, b, "bce")[0][index]
        result["d_mse"][i] = gradients(X, y, wv, b, "mse")[0][index]
        result.setdefault("d_accuracy", np.empty(len(values)))[i] = accuracy_gradient(X, y, wv, b)[0][index]
    result["accuracy_jumps"] = accuracy_jumps(X, y, w, b, index, values[0], values[-1])
    # a swept value on a jump (w₁ = 0 with w₂ = b = 0: every z is 0 there): the finite difference measured the
    # jump, 0.125 / 2h = 62,500; the derivative is undefined there (NaN, not drawn)
    on_jump = np.isclose(values[:, None], result["accuracy_jumps"][None, :], rtol=0, atol=1e-9).any(axis=1)
    result["d_accuracy"][on_jump] = np.nan
    return result


def accuracy_jumps(X: Array, y: Array, w: Array, b: float, index: int, lo: float, hi: float) -> Array:
    """The values of weight ``index`` in [lo, hi] where the accuracy jumps (sorted).

    Sample k's prediction flips where its z = w·x_k + b crosses 0, i.e. at
    w_index = −(z_k − w_index·x_k,index) / x_k,index. There accuracy changes by 1/n, so its
    derivative is undefined; everywhere else it is exactly 0. Flips at the same value that
    cancel out (one right → wrong, one wrong → right) are no jump.
    """
    X = np.asarray(X, dtype=float)
    w = np.array(w, dtype=float)
    w[index] = 0.0
    rest, slope = X @ w + b, X[:, index]
    with np.errstate(divide="ignore", invalid="ignore"):
        crossings = np.unique(-rest[slope != 0] / slope[slope != 0])
    crossings = crossings[(crossings >= lo) & (crossings <= hi)]
    eps = 1e-9 * max(1.0, float(np.max(np.abs(crossings), initial=0.0)))

    def accuracy_at(v: float) -> float:
        wv = w.copy()
        wv[index] = v
        return accuracy(y, neuron_output(X, wv, b))

    return np.array([c for c in crossings if accuracy_at(c - eps) != accuracy_at(c + eps)])


def train(X: Array, y: Array, objective: str, learning_rate: float = 0.5, epochs: int = 50,
          w0: Array | None = None, b0: float = 0.0, h: float = 1e-6) -> dict[str, Array]:
    """Full-batch gradient descent on one objective, reporting accuracy (the metric) every epoch.

    objective: "bce" (sigmoid + cross-entropy, analytic gradient), "accuracy" (maximise accuracy
    with a finite-difference gradient of step ``h``: almost always exactly 0) or "step" (a step
    neuron trained on MSE: its chain-rule gradient is 0).
    """
    w = np.zeros(np.asarray(X).shape[1]) if w0 is None else np.asarray(w0, dtype=float).copy()
    b = float(b0)
    history = {"accuracy": [], "loss": []}
    for _ in range(epochs + 1):
        p = neuron_output(X, w, b, "step" if objective == "step" else "sigmoid")
        history["accuracy"].append(accuracy(y, p))
        history["loss"].append(binary_cross_entropy(y, neuron_output(X, w, b)))
        if objective == "bce":
            gw, gb = gradients(X, y, w, b, "bce")
        elif objective == "step":
            gw, gb = gradients(X, y, w, b, "mse", activation="step")
        else:  # ascend accuracy (descend on −accuracy), with its finite-difference gradient
            gw, gb = accuracy_gradient(X, y, w, b, h)
            gw, gb = -gw, -gb
        w, b = w - learning_rate * gw, b - learning_rate * gb
    return {k: np.array(v) for k, v in history.items()}


def imbalanced_labels(n: int = 1000, positive_share: float = 0.05, seed: int = 0) -> Array:
    """Seeded labels with a small share of positives (e.g. a rare disease)."""
    rng = np.random.default_rng(seed)
    y = np.zeros(n, dtype=int)
    y[rng.choice(n, round(n * positive_share), replace=False)] = 1
    return y
