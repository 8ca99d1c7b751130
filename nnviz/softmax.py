"""Softmax, cross-entropy and their pieces, in numpy.

Everything here is computed the numerically stable way (subtract the largest
logit first), as TensorFlow does; ``naive_softmax`` is the textbook formula
kept only to show what goes wrong without that trick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnviz.formatting import digits_that_add_up, exponent_as_power

Array = np.ndarray

FLOAT32_EXP_OVERFLOW = float(np.log(np.finfo(np.float32).max))  # ≈ 88.72: e^x is inf above it
FLOAT32_EXP_SUBNORMAL = float(np.log(np.finfo(np.float32).tiny))  # ≈ −87.34: e^x is subnormal below it, few digits
FLOAT32_EXP_UNDERFLOW = float(np.log(float(np.finfo(np.float32).smallest_subnormal) / 2))  # ≈ −103.97: e^x rounds to 0


def naive_softmax_safe_shifts(logits: Array, temperature: float = 1.0) -> tuple[float, float]:
    """The range of c for which the naive float32 formula still works on (z + c) / T.

    Above it Σ e^((z_j + c)/T) overflows to ∞, i.e. c/T + ln Σ e^(z_j/T) > 88.72; below it every
    e^(…) rounds to 0 (the largest exponent (max z + c)/T < −103.97) and the result is 0/0.
    """
    scaled = np.asarray(logits, dtype=float) / temperature
    top = float(scaled.max())
    log_sum_exp = top + float(np.log(np.exp(scaled - top).sum()))
    return temperature * (FLOAT32_EXP_UNDERFLOW - top), temperature * (FLOAT32_EXP_OVERFLOW - log_sum_exp)


def naive_softmax_subnormal_shift(logits: Array, temperature: float = 1.0) -> float:
    """The c below which every e^((z_j + c)/T) of the naive float32 formula is subnormal (the largest exponent
    (max z + c)/T < −87.34): from there on it loses digits, until it gives 0/0 (``naive_softmax_safe_shifts``)."""
    return temperature * (FLOAT32_EXP_SUBNORMAL - float(np.max(np.asarray(logits, dtype=float) / temperature)))


def is_broken(probs: Array) -> bool:
    """True when a softmax result is not a probability distribution (NaN/∞, or not summing to 1)."""
    p = np.asarray(probs, dtype=float)
    return not (np.all(np.isfinite(p)) and abs(p.sum() - 1.0) < 1e-3)


@dataclass(frozen=True)
class SoftmaxSteps:
    """The intermediate numbers of p = softmax(z / T), for display."""

    logits: Array  # z
    scaled: Array  # z / T
    shifted: Array  # z / T − max(z / T)
    exps: Array  # e^(shifted)
    total: float  # Σ e^(shifted)
    probs: Array  # exps / total


def softmax_steps(logits: Array, temperature: float = 1.0) -> SoftmaxSteps:
    """softmax(z / T)_k = e^(z_k/T − m) / Σ_j e^(z_j/T − m), with m = max_j z_j/T.

    Subtracting m changes nothing mathematically (it cancels in the ratio) but
    keeps every exponent ≤ 0, so e^(…) never overflows.
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    z = np.asarray(logits, dtype=float)
    scaled = z / temperature
    shifted = scaled - scaled.max()
    exps = np.exp(shifted)
    total = float(exps.sum())
    return SoftmaxSteps(z, scaled, shifted, exps, total, exps / total)


def written_decimals(steps: SoftmaxSteps, decimals: int = 4, most: int = 7) -> int:
    """The decimals to write the exponentials (all in (0, 1]) and their sum with, so that each exponential ÷ the sum
    as written gives its p as written (to ``decimals`` decimals). With 4 significant digits 0.3679 / 1.517 gave
    0.2425 beside p = 0.2424, and with nine classes at T = 0.2 the sum 1.0895 read 1.09 (a student's review)."""
    target = [f"{p:.{decimals}f}" for p in steps.probs]
    for d in range(decimals, most + 1):
        total = round(steps.total, d)
        if [f"{round(float(e), d) / total:.{decimals}f}" for e in steps.exps] == target:
            return d
    return most


def softmax(logits: Array, temperature: float = 1.0) -> Array:
    """p_k = e^(z_k/T) / Σ_j e^(z_j/T) (stable form): probabilities that sum to 1."""
    return softmax_steps(logits, temperature).probs


def softmax_rows(logits: Array) -> Array:
    """Row-wise softmax of a batch of logits (n, k): p_ik = e^(z_ik − m_i) / Σ_j e^(z_ij − m_i), m_i = max_j z_ij."""
    z = np.asarray(logits, dtype=float)
    exps = np.exp(z - z.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1, keepdims=True)


def naive_softmax(logits: Array, dtype=np.float32) -> Array:
    """p_k = e^(z_k) / Σ_j e^(z_j) evaluated literally, in ``dtype`` (float32, as in Keras).

    For z_k above ≈ 88.7 (float32) e^(z_k) is ∞ and the result is NaN (or all 0 when only
    the sum overflows); for very negative logits every e^(z_k) underflows to 0 and the
    result is 0/0 = NaN.
    """
    z = np.asarray(logits, dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        exps = np.exp(z)
        return exps / exps.sum()


def log_softmax(logits: Array, temperature: float = 1.0) -> Array:
    """log p_k = z_k/T − m − ln Σ_j e^(z_j/T − m): finite even where p_k underflows to 0."""
    steps = softmax_steps(logits, temperature)
    return steps.shifted - np.log(steps.total)


def cross_entropy(logits: Array, true_class: int, temperature: float = 1.0) -> float:
    """L = −ln p_y for the true class y, computed from the logits via log-softmax.

    This is what ``sparse_categorical_crossentropy(y, z, from_logits=True)`` computes. Never below 0, not even
    −0.0 (shown as "-0.0000" where p_y rounds to 1).
    """
    return max(0.0, float(-log_softmax(logits, temperature)[true_class]))


LOSS_DECIMALS = 4  # the loss as the page writes it


def loss_probability_text(loss: float) -> str:
    """p_y = e^(−L) written with the fewest significant digits (4 or more) whose −ln, to LOSS_DECIMALS decimals, is
    the loss as written, so that a student who takes −ln of it gets the loss shown: p = 0.0986 gave 2.3167 beside
    L = 2.3170 (a review), 0.09857 gives it. A power of ten is written as one (1.934·10⁻¹⁷⁴); '≈ ' in front
    where even 9 digits do not do it (a loss on a rounding boundary)."""
    probability = float(np.exp(-loss))
    digits = digits_that_add_up([probability], lambda written: max(0.0, -math.log(written[0])), loss, most=9,
                                written=lambda x: f"{x:.{LOSS_DECIMALS}f}")
    text = exponent_as_power(f"{probability:.{digits or 9}g}")
    return text if digits else f"≈ {text}"


def one_hot(true_class: int, n_classes: int) -> Array:
    """y as a vector: 1 at the true class, 0 elsewhere."""
    y = np.zeros(n_classes)
    y[true_class] = 1.0
    return y


def cross_entropy_grad(logits: Array, true_class: int, temperature: float = 1.0) -> Array:
    """∂L/∂z = (p − y) / T: push the true logit up, every other logit down.

    At T = 1 this is the famous p − y.
    """
    p = softmax(logits, temperature)
    return (p - one_hot(true_class, len(p))) / temperature


def entropy(probs: Array) -> float:
    """H(p) = −Σ p_k ln p_k (nats): 0 when certain, ln K when uniform over K classes."""
    p = np.asarray(probs, dtype=float)
    nz = p[p > 0]
    return float(-(nz * np.log(nz)).sum())


def two_class_softmax(logit_gap: Array) -> Array:
    """softmax([0, d])₁ = e^d / (1 + e^d) = σ(d): with two classes softmax is a sigmoid of the gap."""
    d = np.asarray(logit_gap, dtype=float)
    m = np.maximum(0.0, d)  # the larger of the two logits, subtracted as in softmax_steps
    return np.exp(d - m) / (np.exp(-m) + np.exp(d - m))
