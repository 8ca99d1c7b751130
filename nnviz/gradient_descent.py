"""Gradient descent, momentum and the loss surfaces it is shown on, in numpy.

One step of plain gradient descent is  w ← w − η ∇L(w);  with momentum (as in
``keras.optimizers.SGD(momentum=β)``)  v ← β v − η ∇L(w),  w ← w + v.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnviz.formatting import exponent_as_power, with_minus_signs

Array = np.ndarray

DIVERGENCE_FACTOR = 1e6  # a loss above this many times (the starting loss + 1), or ∞/NaN, counts as diverged


@dataclass(frozen=True)
class Surface:
    """A loss L(w) over two parameters, with its gradient and what to show about it."""

    key: str
    label: str
    loss: Callable[[Array], Array]  # takes (..., 2), returns (...)
    grad: Callable[[Array], Array]  # takes (2,), returns (2,)
    box: tuple[float, float, float, float]  # w1_min, w1_max, w2_min, w2_max to plot
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    formula: str  # LaTeX
    hessian_eigenvalues: tuple[float, ...] | None = None  # for quadratics: the curvatures λ
    log_contours: bool = False
    note: str = ""  # what paths on it show, where it is not a quadratic (the page's note on the paths ends with it)

    @property
    def lowest_loss(self) -> float:
        """L at the best minimum (negative for the two valleys): loss curves plot L − this on a log axis."""
        return float(min(self.loss(np.array(m)) for m in self.minima))

    @property
    def stability_limit(self) -> float | None:
        """η < 2 / λ_max keeps gradient descent on a quadratic from diverging."""
        return 2.0 / max(self.hessian_eigenvalues) if self.hessian_eigenvalues else None

    def limits_at_minima(self) -> list[float]:
        """For each minimum, 2 / λ_max of the Hessian there: near a minimum any smooth surface is close to a
        quadratic, so gradient descent with a larger η cannot settle into it (the Hessian from central differences
        of the gradient)."""
        return [2.0 / float(np.max(np.linalg.eigvalsh(hessian(self.grad, m)))) for m in self.minima]


def hessian(grad: Callable[[Array], Array], w, h: float = 1e-5) -> Array:
    """The Hessian of L at ``w`` from central differences of its gradient: H_ij ≈ (∂_i L(w + h e_j) − ∂_i L(w −
    h e_j)) / 2h, made symmetric."""
    w = np.asarray(w, dtype=float)
    columns = [(grad(w + h * e) - grad(w - h * e)) / (2 * h) for e in np.eye(len(w))]
    H = np.array(columns).T
    return (H + H.T) / 2


def _quadratic(a: float, b: float) -> tuple[Callable, Callable]:
    def loss(w):
        w = np.asarray(w, dtype=float)
        return 0.5 * (a * w[..., 0] ** 2 + b * w[..., 1] ** 2)

    def grad(w):
        return np.array([a * w[0], b * w[1]], dtype=float)

    return loss, grad


def _two_valleys_loss(w):
    w = np.asarray(w, dtype=float)
    return (w[..., 0] ** 2 - 1) ** 2 + 0.3 * w[..., 0] + w[..., 1] ** 2


def _two_valleys_grad(w):
    return np.array([4 * w[0] * (w[0] ** 2 - 1) + 0.3, 2 * w[1]], dtype=float)


# ∂L/∂w₁ = 4w₁³ − 4w₁ + 0.3 = 0 where L'' = 12w₁² − 4 > 0: the minima to full precision (rounded ones
# lie ~10⁻⁶ above the floor, and loss curves of L − L_min would then dip below zero)
_VALLEY_MINIMA = tuple((float(r.real), 0.0) for r in sorted(np.roots([4.0, 0.0, -4.0, 0.3]))
                       if 12 * r.real**2 - 4 > 0)


def rosenbrock(w):
    """L = (1 − w₁)² + 100 (w₂ − w₁²)²: a curved, flat-bottomed valley with its minimum at (1, 1)."""
    w = np.asarray(w, dtype=float)
    return (1 - w[..., 0]) ** 2 + 100 * (w[..., 1] - w[..., 0] ** 2) ** 2


def rosenbrock_grad(w):
    return np.array([-2 * (1 - w[0]) - 400 * w[0] * (w[1] - w[0] ** 2), 200 * (w[1] - w[0] ** 2)], dtype=float)


_bowl_loss, _bowl_grad = _quadratic(2.0, 2.0)
_ravine_loss, _ravine_grad = _quadratic(1.0, 20.0)

SURFACES: dict[str, Surface] = {
    s.key: s
    for s in (
        Surface(
            key="bowl",
            label="Round bowl",
            loss=_bowl_loss,
            grad=_bowl_grad,
            box=(-3, 3, -3, 3),
            start=(-1.2, 0.9),
            minima=((0.0, 0.0),),
            formula=r"L = w_1^2 + w_2^2",
            hessian_eigenvalues=(2.0, 2.0),
        ),
        Surface(
            key="ravine",
            label="Elongated ravine (ill-conditioned)",
            loss=_ravine_loss,
            grad=_ravine_grad,
            box=(-3, 3, -3, 3),
            start=(-2.5, 1.5),
            minima=((0.0, 0.0),),
            formula=r"L = \tfrac12\,(w_1^2 + 20\,w_2^2)",
            hessian_eigenvalues=(1.0, 20.0),
        ),
        Surface(
            key="valleys",
            label="Two valleys and a saddle",
            loss=_two_valleys_loss,
            grad=_two_valleys_grad,
            box=(-2, 2, -2, 2),
            start=(0.05, 1.5),
            minima=_VALLEY_MINIMA,
            formula=r"L = (w_1^2 - 1)^2 + 0.3\,w_1 + w_2^2",
        ),
        Surface(
            key="rosenbrock",
            label="Rosenbrock's banana",
            loss=rosenbrock,
            grad=rosenbrock_grad,
            box=(-2, 2, -1, 3),
            start=(-1.5, 2.0),
            minima=((1.0, 1.0),),
            formula=r"L = (1 - w_1)^2 + 100\,(w_2 - w_1^2)^2",
            log_contours=True,
            note="Its valley's floor is curved and almost flat between steep walls: a rate small enough for the "
                 "walls crawls along the floor. ",
        ),
    )
}


@dataclass(frozen=True)
class Trajectory:
    """The path of an optimiser: parameters and loss after each step (row 0 is the start)."""

    points: Array  # (steps + 1, d)
    losses: Array  # (steps + 1,)
    diverged_at: int | None  # the step at which the loss became non-finite or exploded, if it did

    @property
    def diverging(self) -> bool:
        """Blew up (stopped early), or ended with a higher loss than it started with."""
        return self.diverged_at is not None or self.losses[-1] > self.losses[0]


def divergence_limit(start_loss: float) -> float:
    """The loss above which a path counts as diverged: DIVERGENCE_FACTOR × (|L(w₀)| + 1) (the + 1: a start at the
    minimum, L = 0, would otherwise stop at the first step that is not exactly 0)."""
    return DIVERGENCE_FACTOR * (abs(start_loss) + 1.0)


def descend(
    loss: Callable[[Array], Array],
    grad: Callable[[Array], Array],
    start: Array,
    learning_rate: float,
    steps: int,
    momentum: float = 0.0,
) -> Trajectory:
    """Run ``steps`` steps of gradient descent (with momentum β if given) from ``start``.

    v ← β v − η ∇L(w),  w ← w + v   (β = 0 is plain gradient descent: w ← w − η ∇L(w)).
    Stops early, and says when, if the loss becomes ∞/NaN or grows beyond
    ``divergence_limit`` (a million times the starting loss, + 1): the path is diverging.
    """
    w = np.asarray(start, dtype=float).copy()
    velocity = np.zeros_like(w)
    points, losses = [w.copy()], [float(loss(w))]
    limit = divergence_limit(losses[0])
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, steps + 1):
            velocity = momentum * velocity - learning_rate * grad(w)
            w = w + velocity
            value = float(loss(w))
            if not np.isfinite(value) or abs(value) > limit or not np.all(np.isfinite(w)):
                return Trajectory(np.array(points), np.array(losses), diverged_at=step)
            points.append(w.copy())
            losses.append(value)
    return Trajectory(np.array(points), np.array(losses), diverged_at=None)


# --- 1-D ---------------------------------------------------------------------------------------

CURVE_MINIMUM = 3.0
CURVE_CURVATURE = 2.0  # L''(w): GD converges for η < 2 / 2 = 1 and oscillates for 0.5 < η < 1


def curve_loss(w: Array) -> Array:
    """The 1-D loss L(w) = (w − 3)²."""
    return (np.asarray(w, dtype=float) - CURVE_MINIMUM) ** 2


def curve_grad(w: Array) -> Array:
    """L'(w) = 2 (w − 3)."""
    return 2.0 * (np.asarray(w, dtype=float) - CURVE_MINIMUM)


CURVE_HALF_WIDTH = 5.0  # the one-weight plot shows w = 3 ± 5, every starting weight of its slider (−2 … 8) ...
CURVE_WIDEST_HALF_WIDTH = 20.0  # ... and widens to 3 ± 20 at most for a path that overshoots further


def curve_window(points: Array, half_width: float = CURVE_HALF_WIDTH,
                 widest: float = CURVE_WIDEST_HALF_WIDTH) -> tuple[float, float]:
    """The w range of the one-weight plot, centred on the minimum: ± ``half_width``, widened (up to ± ``widest``) so
    that a path that overshoots further, e.g. diverging at η = 1.05, is drawn with 8 % room to spare."""
    offsets = np.abs(np.asarray(points, dtype=float).ravel() - CURVE_MINIMUM)
    offsets = offsets[np.isfinite(offsets)]
    reach = 1.08 * float(offsets.max()) if offsets.size else 0.0
    half = min(max(half_width, reach), widest)
    return CURVE_MINIMUM - half, CURVE_MINIMUM + half


def learning_rate_regime(learning_rate: float, curvature: float = CURVE_CURVATURE) -> str:
    """What plain GD does on a quadratic with curvature λ: each step multiplies the error by (1 − ηλ)."""
    return quadratic_behaviour(learning_rate, (curvature,))


def step_factors(learning_rate: float, curvatures) -> tuple[float, ...]:
    """1 − ηλ for each distinct curvature λ (Hessian eigenvalue), largest λ last.

    On a quadratic, w_k − w* = (1 − ηλ)^k (w₀ − w*) along each eigenvector: the factor says
    how much of the error is left after one step, and its sign whether it changes sides.
    """
    return tuple(float(1.0 - learning_rate * lam) for lam in sorted(set(curvatures)))


def quadratic_behaviour(learning_rate: float, curvatures, tolerance: float = 1e-9) -> str:
    """What plain gradient descent does on a quadratic with these curvatures, from the factors 1 − ηλ:

    0 ≤ 1 − ηλ < 1 everywhere: converges monotonically (0 < ηλ < 1; exactly 0: in one step);
    −1 < 1 − ηλ ≤ 0 everywhere: oscillates but converges (1 < ηλ < 2);
    both signs, all |1 − ηλ| < 1: zig-zags (across the steep direction) but converges;
    some |1 − ηλ| = 1: oscillates for ever;  some |1 − ηλ| > 1 (ηλ > 2): diverges.
    """
    if learning_rate <= 0:
        return "does not move"
    factors = np.array(step_factors(learning_rate, curvatures))
    worst = float(np.max(np.abs(factors)))
    if worst > 1 + tolerance:
        return "diverges"
    if worst >= 1 - tolerance:
        return "oscillates for ever"
    if np.all(np.abs(factors) <= tolerance):
        return "converges in one step"
    if np.all(factors >= -tolerance):
        return "converges monotonically"
    if np.all(factors <= tolerance):
        return "oscillates but converges"
    return "zig-zags but converges"


def momentum_factor(learning_rate: float, curvature: float, beta: float) -> float:
    """How much of the error along a direction of curvature λ momentum β leaves per step, in the long run.

    On a quadratic, v ← βv − ηλe and e ← e + v give e_{k+1} = (1 + β − ηλ) e_k − β e_{k−1}, so the error
    goes as r^k for the roots of r² − (1 + β − ηλ) r + β = 0: the factor is the larger |r| (β = 0: |1 − ηλ|).
    """
    roots = np.roots([1.0, -(1.0 + beta - learning_rate * curvature), beta])
    return float(np.max(np.abs(roots)))


SLOW_FACTOR = 0.99  # an error that shrinks by less than 1 % a step: ~230 steps for each factor of 10


def momentum_behaviour(learning_rate: float, curvatures, beta: float, tolerance: float = 1e-9) -> str:
    """What gradient descent with momentum β (0 ≤ β < 1) does on a quadratic with these curvatures: it converges
    when every factor (``momentum_factor``) is below 1, i.e. 0 < ηλ < 2(1 + β) for every λ, slowly when one is
    SLOW_FACTOR or more; diverges when one is above 1. (β = 0.99 on the ravine: factor √0.99 ≈ 0.995, the loss
    still ~0.1 after 400 steps under a title that said 'converges', a helper's review.)"""
    if learning_rate <= 0:
        return "does not move"
    worst = max(momentum_factor(learning_rate, lam, beta) for lam in set(curvatures))
    if worst > 1 + tolerance:
        return "diverges"
    if worst >= 1 - tolerance:
        return "oscillates for ever"
    return "converges slowly" if worst >= SLOW_FACTOR else "converges"


def describe_rate(learning_rate: float, curvatures, sep: str = " → ") -> str:
    """'1 − ηλ = 0.5 → converges monotonically': the step factors and what they make GD do."""
    factors = ", ".join(factor_text(f) for f in step_factors(learning_rate, curvatures))
    return f"1 − ηλ = {factors}{sep}{quadratic_behaviour(learning_rate, curvatures)}"


def factor_text(factor: float) -> str:
    """A step factor 1 − ηλ to 3 significant digits, with more where those would round it to 1, −1 or 0, which
    say the opposite of what it does: η = 0.0001 on the ravine read '1 − ηλ = 1 … converges' (1 would never move),
    0.9999 is what it is (a helper's review). A power of ten is written as one (1·10⁻⁵, not 1e-05)."""
    for digits in range(3, 16):
        text = f"{factor:.{digits}g}"
        if float(text) == factor or float(text) not in (1.0, -1.0, 0.0):
            break
    return with_minus_signs(exponent_as_power(text))


LOSS_PRECISION = 4 * np.finfo(float).eps  # L − L_min below this (× max(1, |L_min|)) is float64 round-off


def precision_reached_at(losses: Array, lowest: float) -> int | None:
    """The first step at which L − L_min is at machine precision (≤ LOSS_PRECISION · max(1, |L_min|)),
    or None. From there on the difference is round-off: a log plot of it would show noise or zeros."""
    gap = np.asarray(losses, dtype=float) - lowest
    reached = np.flatnonzero(gap <= LOSS_PRECISION * max(1.0, abs(lowest)))
    return int(reached[0]) if reached.size else None


# --- mini-batches on a real problem ----------------------------------------------------------------

def logistic_data(n: int = 200, seed: int = 0) -> tuple[Array, Array]:
    """One feature x and labels y ∈ {0, 1} drawn from P(y = 1 | x) = σ(2x − 1)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.5, n)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(2.0 * x - 1.0)))).astype(float)
    return x, y


def logistic_loss(params: Array, x: Array, y: Array) -> Array:
    """Mean binary cross-entropy of p = σ(w x + b) for params = (w, b); works on grids (..., 2)."""
    params = np.asarray(params, dtype=float)
    z = params[..., 0, None] * x + params[..., 1, None]
    # −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(z) − y z, computed without overflow
    return np.mean(np.logaddexp(0.0, z) - y * z, axis=-1)


def logistic_grad(params: Array, x: Array, y: Array) -> Array:
    """∂L/∂w = mean((p − y) x), ∂L/∂b = mean(p − y)."""
    z = params[0] * x + params[1]
    error = 1.0 / (1.0 + np.exp(-z)) - y
    return np.array([np.mean(error * x), np.mean(error)])


def _sigmoid_scalar(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def minibatch_descent(x: Array, y: Array, start: Array, learning_rate: float, batch_size: int, epochs: int,
                      seed: int) -> tuple[Trajectory, int]:
    """Mini-batch gradient descent on the logistic loss: each step uses ``batch_size`` samples.

    batch_size = len(x) is full-batch GD; 1 is stochastic GD. The samples are reshuffled
    every epoch (seeded). Losses are on the full data set. Returns (trajectory, steps per epoch).
    """
    n = len(x)
    batch_size = max(1, min(batch_size, n))
    rng = np.random.default_rng(seed)
    w = np.asarray(start, dtype=float).copy()
    w_, b_ = float(w[0]), float(w[1])
    points = [(w_, b_)]
    for _ in range(epochs):
        order = rng.permutation(n)
        xs, ys = x[order], y[order]
        if batch_size == 1:  # stochastic GD: thousands of one-sample steps, done in plain floats
            for xi, yi in zip(xs.tolist(), ys.tolist()):
                error = _sigmoid_scalar(w_ * xi + b_) - yi
                w_ -= learning_rate * error * xi
                b_ -= learning_rate * error
                points.append((w_, b_))
            continue
        for first in range(0, n, batch_size):
            xb, yb = xs[first:first + batch_size], ys[first:first + batch_size]
            error = 1.0 / (1.0 + np.exp(-(w_ * xb + b_))) - yb  # logistic_grad, inlined: thousands of steps
            w_ -= learning_rate * float(np.mean(error * xb))
            b_ -= learning_rate * float(np.mean(error))
            points.append((w_, b_))
    points = np.array(points)
    with np.errstate(over="ignore"):
        losses = logistic_loss(points, x, y)  # all steps at once: one (steps × n) array
    return Trajectory(points, losses, None), -(-n // batch_size)


def loss_grid(loss: Callable[[Array], Array], box: tuple[float, float, float, float], n: int = 60) -> tuple[Array, Array, Array]:
    """(w1 values, w2 values, L on the n × n grid) for contour and surface plots."""
    w1 = np.linspace(box[0], box[1], n)
    w2 = np.linspace(box[2], box[3], n)
    grid = np.stack(np.meshgrid(w1, w2), axis=-1)
    return w1, w2, loss(grid)
