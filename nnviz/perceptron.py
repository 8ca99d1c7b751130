"""The perceptron: a step-activated neuron and Rosenblatt's learning rule, in numpy.

Conventions: inputs X of shape (n, d), labels y in {0, 1}, weights w of shape (d,),
bias b. The perceptron predicts ŷ = H(w·x + b) with the Heaviside step H(z) = 1 if z ≥ 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from nnviz.activations import sigmoid, step
from nnviz.data import PERCEPTRON_DECIMALS, logic_gate

Array = np.ndarray


Z_DECIMALS = 9  # z is rounded to this many decimals before the step: see weighted_sum


def weighted_sum(X: Array, w: Array, b: float) -> Array:
    """z = w·x + b for every row x of X, rounded to 9 decimals.

    Rounding keeps floating-point noise from deciding the step at the boundary: with
    w = (0.1, 0.2), b = −0.2 the point (0, 1) has z = 0 exactly, but the sum computes
    −2.8·10⁻¹⁷, which would flip H(z) and the whole learning rule.
    """
    return np.round(np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b, Z_DECIMALS) + 0.0


def predict(X: Array, w: Array, b: float) -> Array:
    """ŷ = H(w·x + b): 1 on the side of the boundary the weight vector points to, else 0."""
    return step(weighted_sum(X, w, b)).astype(int)


def misclassified(X: Array, y: Array, w: Array, b: float) -> Array:
    """Boolean mask of the points the perceptron gets wrong."""
    return predict(X, w, b) != np.asarray(y)


def on_the_line(X: Array, w: Array, b: float) -> Array:
    """Boolean mask of the points exactly on the boundary, z = w·x + b = 0 (as weighted_sum rounds it), where H(0) = 1 decides
    their class: AND's learning rule stops at w = (1, 2), b = −3, with (1, 1) on its line. None while w = 0."""
    if not np.any(w):
        return np.zeros(len(X), dtype=bool)
    return weighted_sum(X, w, b) == 0  # rounded to 9 decimals there


@dataclass(frozen=True)
class Update:
    """What one step of the learning rule did with one sample."""

    sample: int  # index into X
    x: Array
    target: int  # y
    output: int  # ŷ before the update
    learning_rate: float  # η used for this update
    delta_w: Array  # η (y − ŷ) x
    delta_b: float  # η (y − ŷ)

    @property
    def error(self) -> int:
        """y − ŷ: +1 (output too low), −1 (too high) or 0 (right: nothing changes)."""
        return self.target - self.output


@dataclass(frozen=True)
class PerceptronState:
    """Where the learning rule is: weights, position in the epoch, and what happened so far."""

    w: Array
    b: float
    epoch: int = 0  # epochs completed
    position: int = 0  # samples of the current epoch already seen
    updates: int = 0  # steps that changed the weights (mistakes)
    steps: int = 0  # samples seen in all
    errors_per_epoch: tuple[int, ...] = ()  # mistakes made during each completed epoch
    errors_this_epoch: int = 0
    last: Update | None = None
    converged_at: int | None = None  # updates when an epoch first went by without a mistake
    previous: tuple[Array, float] | None = field(default=None, repr=False)  # (w, b) before the last step


def initial_state(n_features: int, w0: Array | None = None, b0: float = 0.0) -> PerceptronState:
    """Start from w = 0, b = 0 (Rosenblatt; the convergence bound assumes it) or from given values."""
    w = np.zeros(n_features) if w0 is None else np.asarray(w0, dtype=float).copy()
    return PerceptronState(w=w, b=float(b0))


def epoch_order(n_samples: int, epoch: int, seed: int) -> Array:
    """The order samples are visited in during ``epoch``: a fresh seeded shuffle every epoch."""
    return np.random.default_rng([seed, epoch]).permutation(n_samples)


def learning_step(state: PerceptronState, X: Array, y: Array, learning_rate: float, seed: int) -> PerceptronState:
    """Show the perceptron one sample and apply the rule w ← w + η (y − ŷ) x, b ← b + η (y − ŷ).

    A correctly classified sample changes nothing; a mistake moves the boundary towards
    classifying that sample correctly.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    i = int(epoch_order(len(X), state.epoch, seed)[state.position])
    output = int(predict(X[i:i + 1], state.w, state.b)[0])
    error = int(y[i]) - output
    delta_w = learning_rate * error * X[i]
    delta_b = learning_rate * error
    update = Update(i, X[i], int(y[i]), output, float(learning_rate), delta_w + 0.0, float(delta_b) + 0.0)
    mistakes = state.errors_this_epoch + (error != 0)
    new = replace(
        state, w=state.w + delta_w, b=state.b + delta_b, position=state.position + 1,
        updates=state.updates + (error != 0), steps=state.steps + 1, errors_this_epoch=mistakes,
        last=update, previous=(state.w, state.b) if error else None,  # the line moved only on a mistake
    )
    if new.position == len(X):  # epoch finished
        converged = new.converged_at if new.converged_at is not None else (new.updates if mistakes == 0 else None)
        new = replace(new, epoch=new.epoch + 1, position=0, errors_per_epoch=new.errors_per_epoch + (mistakes,),
                      errors_this_epoch=0, converged_at=converged)
    return new


STEPS_KEPT_FOR_BACK = 500


@dataclass
class RuleRun:
    """The learning rule as a page steps it: the state now, what it was made for (data, seed, η: another
    starts a new run), and the states before each of the last presses, so that Back undoes one (a Step, a tick of
    Play, an epoch or a Run to the end)."""

    made_for: tuple
    state: PerceptronState
    before: list[PerceptronState] = field(default_factory=list, repr=False)

    def go(self, new: PerceptronState) -> None:
        """Move on to ``new``; Back returns to the state of now."""
        if new is not self.state:
            self.before.append(self.state)
            del self.before[:-STEPS_KEPT_FOR_BACK]
            self.state = new

    @property
    def can_go_back(self) -> bool:
        return bool(self.before)

    def back(self) -> None:
        """Undo the last move (nothing at the run's start)."""
        if self.before:
            self.state = self.before.pop()


def rule_decimals(learning_rate: float) -> int:
    """The decimals every number of the learning rule has, with data of at most ``PERCEPTRON_DECIMALS`` (the blobs'
    2, iris' 1, the gates' 0) and a start on a 0.1 grid: Δw = η(y − ŷ)x adds η's decimals to the data's (η = 0.1: 3,
    0.05: 4), and w and b are sums of such steps. Written to these, old w + Δw is the new w as written; to 2, a
    student adding them by hand at η = 0.1 was off by 0.01 at every other step (a review)."""
    eta = f"{learning_rate:g}"
    return max(2, PERCEPTRON_DECIMALS + (len(eta.split(".")[1]) if "." in eta else 0))


def learning_epoch(state: PerceptronState, X: Array, y: Array, learning_rate: float, seed: int) -> PerceptronState:
    """Finish the current epoch (a whole epoch when at its start)."""
    start_epoch = state.epoch
    while state.epoch == start_epoch:
        state = learning_step(state, X, y, learning_rate, seed)
    return state


def train(X: Array, y: Array, learning_rate: float = 1.0, max_epochs: int = 100, seed: int = 0,
          w0: Array | None = None, b0: float = 0.0) -> PerceptronState:
    """Run the learning rule until an epoch makes no mistake (converged) or ``max_epochs`` pass."""
    state = initial_state(np.asarray(X).shape[1], w0, b0)
    while state.epoch < max_epochs and state.converged_at is None:
        state = learning_epoch(state, X, y, learning_rate, seed)
    return state


def novikoff_bound(X: Array, y: Array, w: Array, b: float) -> float:
    """Upper bound (R/γ)² on the perceptron's mistakes (Novikoff 1962), from any separating (w, b).

    With x̃ = (x, 1) and ũ = (w, b)/‖(w, b)‖: R = max ‖x̃‖ and γ = min over samples of
    ±ũ·x̃ (+ for class 1, − for class 0). Any separator gives a valid bound; the best
    separator gives the tightest. Returns inf if (w, b) does not separate the data.
    """
    X_aug = np.hstack([np.asarray(X, dtype=float), np.ones((len(X), 1))])
    u = np.append(np.asarray(w, dtype=float), b)
    u = u / np.linalg.norm(u)
    signs = np.where(np.asarray(y) == 1, 1.0, -1.0)
    margin = float(np.min(signs * (X_aug @ u)))
    if margin <= 0:
        return float("inf")
    radius = float(np.max(np.linalg.norm(X_aug, axis=1)))
    return (radius / margin) ** 2


def two_layer_xor(X: Array, scale: float | None = None) -> tuple[Array, Array]:
    """XOR from two layers of hand-set neurons: h₁ = OR(x₁, x₂), h₂ = AND(x₁, x₂), out = h₁ AND NOT h₂.

    With ``scale=None`` every neuron is a step; with a number, each is a sigmoid σ(scale·z) of
    the same weighted sum — smooth, so gradient descent could learn these weights. Returns
    (hidden activations (n, 2), output (n,)).
    """
    W1, b1, W2, b2 = XOR_WEIGHTS
    def f(z):
        return step(z) if scale is None else sigmoid(scale * z)

    hidden = f(np.asarray(X, dtype=float) @ W1 + b1)
    return hidden, f(hidden @ W2 + b2)


# Hidden unit 1 is OR (x₁ + x₂ − 0.5 ≥ 0), unit 2 is AND (x₁ + x₂ − 1.5 ≥ 0); output h₁ − h₂ − 0.5 ≥ 0.
XOR_WEIGHTS = (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]), np.array([1.0, -1.0]), -0.5)


def computes_xor(scale: float | None = None) -> bool:
    """Whether the two-layer network (``scale`` as in ``two_layer_xor``) gives XOR at the four corners when its
    output is read as 1 from 0.5 on. Sigmoids too flat (σ(s·z) with s ≤ 2) leave every output under 0.5: 0 everywhere."""
    xor = logic_gate("XOR")
    return bool(np.array_equal(two_layer_xor(xor.X, scale)[1] >= 0.5, xor.y == 1))


def sklearn_perceptron(X: Array, y: Array, seed: int, max_epochs: int = 100) -> tuple[Array, float, Array]:
    """scikit-learn's Perceptron on the same data (η = 1, from w = 0, shuffled with ``seed``).

    Returns (w, b, predictions). scikit-learn uses labels ±1 and updates w ← w + η y x whenever
    y·z ≤ 0: the same rule, except at a tie z = 0, which it counts as a mistake for both
    classes and predicts as class 0 (here H(0) = 1). Its sample order differs too.
    """
    from sklearn.linear_model import Perceptron  # imported here: ~0.5 s, only when a page asks

    model = Perceptron(eta0=1.0, max_iter=max_epochs, tol=None, shuffle=True, random_state=seed)
    model.fit(np.asarray(X, dtype=float), np.asarray(y))
    return model.coef_[0].astype(float), float(model.intercept_[0]), model.predict(X).astype(int)


def xor_over_square(scale: float | None = None, lo: float = -0.5, hi: float = 1.5, n: int = 61) -> tuple[Array, Array]:
    """The two-layer XOR network's output over the square [lo, hi]² (``scale`` as in ``two_layer_xor``):
    (the n grid values along each axis, the outputs as an n × n array, rows along x₂)."""
    grid = np.linspace(lo, hi, n)
    mesh = np.array(np.meshgrid(grid, grid)).reshape(2, -1).T
    return grid, two_layer_xor(mesh, scale)[1].reshape(n, n)
