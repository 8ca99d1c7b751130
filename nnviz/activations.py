"""Activation functions and their derivatives, in numpy.

Each function follows the definition Keras uses (``keras.activations``), with
the same default constants, so that the curves the app draws are the curves a
``Dense(..., activation=...)`` layer computes. At a kink (x = 0) the derivative
takes the value TensorFlow's gradient returns there.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnviz.formatting import count

Array = np.ndarray

LEAKY_RELU_SLOPE = 0.2  # keras.activations.leaky_relu(x, negative_slope=0.2)
ELU_ALPHA = 1.0  # keras.activations.elu(x, alpha=1.0)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_erfc = np.frompyfunc(math.erfc, 1, 1)


def step(x: Array) -> Array:
    """Heaviside step: 1 if x >= 0 else 0 (the perceptron's activation)."""
    return np.where(np.asarray(x) >= 0, 1.0, 0.0)


def step_grad(x: Array) -> Array:
    """0 everywhere (undefined at x = 0): nothing for gradient descent to follow."""
    return np.zeros_like(np.asarray(x, dtype=float))


def sigmoid(x: Array) -> Array:
    """σ(x) = 1 / (1 + e^(−x)), computed as exp(−ln(1 + e^(−x))) with ``logaddexp``: no overflow for
    large |x|, and three array operations (the numpy network engine calls it on every step)."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=float)))


def sigmoid_grad(x: Array) -> Array:
    """σ'(x) = σ(x)(1 − σ(x)); at most 0.25, at x = 0."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x: Array) -> Array:
    """tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)) = 2σ(2x) − 1."""
    return np.tanh(np.asarray(x, dtype=float))


def tanh_grad(x: Array) -> Array:
    """tanh'(x) = 1 − tanh²(x); at most 1, at x = 0."""
    return 1.0 - np.tanh(np.asarray(x, dtype=float)) ** 2


def relu(x: Array) -> Array:
    """ReLU(x) = max(0, x)."""
    return np.maximum(0.0, np.asarray(x, dtype=float))


def relu_grad(x: Array) -> Array:
    """ReLU'(x) = 1 if x > 0 else 0."""
    return np.where(np.asarray(x) > 0, 1.0, 0.0)


def leaky_relu(x: Array, slope: float = LEAKY_RELU_SLOPE) -> Array:
    """LeakyReLU(x) = x if x > 0 else αx (α = 0.2 in Keras)."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, slope * x)


def leaky_relu_grad(x: Array, slope: float = LEAKY_RELU_SLOPE) -> Array:
    """LeakyReLU'(x) = 1 if x > 0 else α: never exactly zero, so units cannot die."""
    return np.where(np.asarray(x) > 0, 1.0, slope)


def elu(x: Array, alpha: float = ELU_ALPHA) -> Array:
    """ELU(x) = x if x > 0 else α(e^x − 1)."""
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_grad(x: Array, alpha: float = ELU_ALPHA) -> Array:
    """ELU'(x) = 1 if x ≥ 0 else αe^x."""
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def selu(x: Array) -> Array:
    """SELU(x) = λ·ELU_α(x) with λ ≈ 1.0507 and α ≈ 1.6733 (self-normalising)."""
    return SELU_SCALE * elu(x, SELU_ALPHA)


def selu_grad(x: Array) -> Array:
    """SELU'(x) = λ if x ≥ 0 else λαe^x."""
    return SELU_SCALE * elu_grad(x, SELU_ALPHA)


def softplus(x: Array) -> Array:
    """softplus(x) = ln(1 + e^x), a smooth ReLU."""
    return np.logaddexp(0.0, np.asarray(x, dtype=float))


def softplus_grad(x: Array) -> Array:
    """softplus'(x) = σ(x)."""
    return sigmoid(x)


def _std_normal_cdf(x: Array) -> Array:
    """Φ(x) = erfc(−x/√2) / 2: to full precision in the left tail, where (1 + erf(x/√2)) / 2 cancels (GELU′ after 30
    layers came out 1 % off, a helper's review; GELU(−10) was 0)."""
    return 0.5 * np.asarray(_erfc(-np.asarray(x, dtype=float) / math.sqrt(2.0)), dtype=float)


def gelu(x: Array) -> Array:
    """GELU(x) = x·Φ(x), Φ the standard normal CDF (exact form, Keras' default)."""
    x = np.asarray(x, dtype=float)
    return x * _std_normal_cdf(x)


def gelu_grad(x: Array) -> Array:
    """GELU'(x) = Φ(x) + x·φ(x), φ the standard normal density."""
    x = np.asarray(x, dtype=float)
    pdf = np.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi)
    return _std_normal_cdf(x) + x * pdf


def swish(x: Array) -> Array:
    """swish(x) = SiLU(x) = x·σ(x)."""
    x = np.asarray(x, dtype=float)
    return x * sigmoid(x)


def swish_grad(x: Array) -> Array:
    """swish'(x) = σ(x) + x·σ(x)(1 − σ(x))."""
    s = sigmoid(x)
    return s + np.asarray(x, dtype=float) * s * (1.0 - s)


def identity(x: Array) -> Array:
    """linear(x) = x: what a layer does with no activation."""
    return np.asarray(x, dtype=float)


def identity_grad(x: Array) -> Array:
    """linear'(x) = 1."""
    return np.ones_like(np.asarray(x, dtype=float))


@dataclass(frozen=True)
class Activation:
    """One activation function, with everything the app shows about it."""

    key: str
    label: str
    fn: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    formula: str  # LaTeX
    derivative: str  # LaTeX
    output_range: str  # LaTeX
    keras_name: str | None  # the string Dense(activation=...) accepts; None if Keras has none
    note: str
    # f′ written with the output a = f(z) where that is simpler (σ′ = a(1 − a), tanh′ = 1 − a²): a
    # network that kept a from the forward pass saves recomputing f in the backward pass
    grad_from_output: Callable[[Array], Array] | None = None

    def __call__(self, x: Array) -> Array:
        return self.fn(x)


ACTIVATIONS: dict[str, Activation] = {
    a.key: a
    for a in (
        Activation(
            key="step",
            label="Step (Heaviside)",
            fn=step,
            grad=step_grad,
            formula=r"H(x) = \begin{cases}1 & x \ge 0\\ 0 & x < 0\end{cases}",
            derivative=r"H'(x) = 0 \;\; (x \ne 0)",
            output_range=r"\{0, 1\}",
            keras_name=None,
            note="The perceptron's activation. Its derivative is zero wherever it exists.",
        ),
        Activation(
            key="sigmoid",
            label="Sigmoid (logistic)",
            fn=sigmoid,
            grad=sigmoid_grad,
            formula=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
            derivative=r"\sigma'(x) = \sigma(x)\,(1 - \sigma(x))",
            output_range=r"(0, 1)",
            keras_name="sigmoid",
            note="Smooth step; saturates on both sides, derivative at most 0.25.",
            grad_from_output=lambda a: a * (1.0 - a),
        ),
        Activation(
            key="tanh",
            label="Tanh",
            fn=tanh,
            grad=tanh_grad,
            formula=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
            derivative=r"\tanh'(x) = 1 - \tanh^2(x)",
            output_range=r"(-1, 1)",
            keras_name="tanh",
            note="Zero-centred sigmoid; saturates on both sides, derivative at most 1.",
            grad_from_output=lambda a: 1.0 - a * a,
        ),
        Activation(
            key="relu",
            label="ReLU",
            fn=relu,
            grad=relu_grad,
            formula=r"\mathrm{ReLU}(x) = \max(0, x)",
            derivative=r"\mathrm{ReLU}'(x) = \begin{cases}1 & x > 0\\ 0 & x \le 0\end{cases}",
            output_range=r"[0, \infty)",
            keras_name="relu",
            note="Does not saturate for x > 0; the usual choice for hidden layers. Zero gradient for x < 0.",
            grad_from_output=lambda a: (a > 0).astype(a.dtype),
        ),
        Activation(
            key="leaky_relu",
            label="Leaky ReLU (α = 0.2)",
            fn=leaky_relu,
            grad=leaky_relu_grad,
            formula=r"\mathrm{LeakyReLU}(x) = \begin{cases}x & x > 0\\ \alpha x & x \le 0\end{cases}",
            derivative=r"\mathrm{LeakyReLU}'(x) = \begin{cases}1 & x > 0\\ \alpha & x \le 0\end{cases}",
            output_range=r"(-\infty, \infty)",
            keras_name="leaky_relu",
            note="A small slope for x < 0 keeps units from 'dying'. (The LeakyReLU layer's default slope is 0.3.)",
        ),
        Activation(
            key="elu",
            label="ELU (α = 1)",
            fn=elu,
            grad=elu_grad,
            formula=r"\mathrm{ELU}(x) = \begin{cases}x & x > 0\\ \alpha (e^{x} - 1) & x \le 0\end{cases}",
            derivative=r"\mathrm{ELU}'(x) = \begin{cases}1 & x \ge 0\\ \alpha e^{x} & x < 0\end{cases}",
            output_range=r"(-\alpha, \infty)",
            keras_name="elu",
            note="Smooth for x < 0 with negative outputs, which keeps mean activations near 0.",
        ),
        Activation(
            key="selu",
            label="SELU",
            fn=selu,
            grad=selu_grad,
            formula=r"\mathrm{SELU}(x) = \lambda \begin{cases}x & x > 0\\ \alpha (e^{x} - 1) & x \le 0\end{cases}",
            derivative=r"\mathrm{SELU}'(x) = \lambda \begin{cases}1 & x \ge 0\\ \alpha e^{x} & x < 0\end{cases}",
            output_range=r"(-\lambda\alpha, \infty)",
            keras_name="selu",
            note="λ ≈ 1.0507, α ≈ 1.6733: self-normalising in plain dense stacks (Géron ch. 11).",
        ),
        Activation(
            key="softplus",
            label="Softplus",
            fn=softplus,
            grad=softplus_grad,
            formula=r"\mathrm{softplus}(x) = \ln(1 + e^{x})",
            derivative=r"\mathrm{softplus}'(x) = \sigma(x)",
            output_range=r"(0, \infty)",
            keras_name="softplus",
            note="A smooth ReLU; its derivative is the sigmoid.",
        ),
        Activation(
            key="gelu",
            label="GELU",
            fn=gelu,
            grad=gelu_grad,
            formula=r"\mathrm{GELU}(x) = x\,\Phi(x)",
            derivative=r"\mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)",
            output_range=r"[\approx -0.17, \infty)",
            keras_name="gelu",
            note=("Φ, φ: standard normal CDF and density. Used in Transformers. Its derivative also passes 0 at the "
                  "minimum (x ≈ −0.75): a short blip in the saturation strip."),
        ),
        Activation(
            key="swish",
            label="Swish / SiLU",
            fn=swish,
            grad=swish_grad,
            formula=r"\mathrm{swish}(x) = x\,\sigma(x)",
            derivative=r"\mathrm{swish}'(x) = \sigma(x) + x\,\sigma(x)(1 - \sigma(x))",
            output_range=r"[\approx -0.28, \infty)",
            keras_name="silu",
            note=("Smooth, non-monotonic; Keras accepts 'swish' and 'silu'. Its derivative passes 0 at the minimum "
                  "(x ≈ −1.28): a short blip in the saturation strip."),
        ),
    )
}

LINEAR = Activation(
    key="linear",
    label="None (linear)",
    fn=identity,
    grad=identity_grad,
    formula=r"f(x) = x",
    derivative=r"f'(x) = 1",
    output_range=r"(-\infty, \infty)",
    keras_name="linear",
    note="No activation: the layer stays a linear (affine) map.",
)


def get(key: str) -> Activation:
    """The activation called ``key`` (one of ``ACTIVATIONS`` or ``'linear'``)."""
    if key == LINEAR.key:
        return LINEAR
    return ACTIVATIONS[key]


def short_label(key: str) -> str:
    """The activation's name as a diagram writes it, without its parameters: 'Leaky ReLU' for 'Leaky ReLU (α = 0.2)',
    'linear' for 'None (linear)' (a selector's label; the MNIST diagram wrote Keras' 'leaky_relu' beside it)."""
    return "linear" if key == LINEAR.key else get(key).label.split(" (")[0]


def saturated_intervals(x: Array, dydx: Array, tol: float = 0.05) -> list[tuple[float, float]]:
    """The x-intervals where |f'(x)| < ``tol``: the unit barely passes a gradient back.

    ``x`` must be sorted. Each interval runs from the first to the last grid point
    of a run of saturated points.
    """
    x = np.asarray(x, dtype=float)
    flat = np.abs(np.asarray(dydx, dtype=float)) < tol
    intervals = []
    start = None
    for i, is_flat in enumerate(flat):
        if is_flat and start is None:
            start = i
        if start is not None and (not is_flat or i == len(flat) - 1):
            end = i if is_flat else i - 1
            intervals.append((float(x[start]), float(x[end])))
            start = None
    return intervals


def neuron(x: Array, w: float, b: float, activation: Activation) -> Array:
    """One artificial neuron with a scalar input: a = f(w·x + b)."""
    return activation(w * np.asarray(x, dtype=float) + b)


def chain_gradient_title(depth: int) -> str:
    """The page's column and the Keras code's printout: '∂a/∂x after 1 layer', '… after 30 layers'."""
    return f"∂a/∂x after {count(depth, 'layer')}"


def chain_gradients(activation: Activation, depth: int, x0: float, w: float, b: float = 0.0) -> Array:
    """∂a_k/∂x for k = 1..depth in a chain of one-unit layers a_k = f(w·a_{k−1} + b), a_0 = x0.

    By the chain rule ∂a_k/∂x = Π_{l ≤ k} w·f'(z_l), z_l = w·a_{l−1} + b: with a
    sigmoid each factor is at most 0.25·|w|, so the gradient shrinks geometrically
    with depth (vanishing gradients).
    """
    grads = np.empty(depth)
    a, g = float(x0), 1.0
    for k in range(depth):
        z = w * a + b
        g *= w * float(activation.grad(np.array(z)))
        a = float(activation(np.array(z)))
        grads[k] = g
    return grads


LATEX_NAMES = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{ReLU}", "linear": ""}  # f in formulas


def glorot_limit(fan_in: int, fan_out: int) -> float:
    """Glorot (Xavier) uniform draws W from U(−r, r), r = √(6 / (fan_in + fan_out)): Keras' default."""
    return math.sqrt(6.0 / (fan_in + fan_out))


def random_dense_stack(n_hidden: int, width: int, seed: int) -> list[tuple[Array, Array]]:
    """Seeded (W, b) for a 1 → width → … → width → 1 network with ``n_hidden`` hidden layers.

    Weights are Glorot-uniform (Keras' default initializer); biases are drawn too
    (Keras starts them at 0) so that the kinks of ReLU-like units spread over x.
    """
    rng = np.random.default_rng(seed)
    sizes = [1] + [width] * n_hidden + [1]
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        limit = glorot_limit(fan_in, fan_out)
        layers.append((rng.uniform(-limit, limit, (fan_in, fan_out)), rng.uniform(-1.0, 1.0, fan_out)))
    return layers


def dense_stack_forward(x: Array, layers: list[tuple[Array, Array]], activation: Activation) -> Array:
    """Output of the stack for scalar inputs ``x``: hidden layers use ``activation``, the output is linear."""
    a = np.asarray(x, dtype=float).reshape(-1, 1)
    for i, (w, b) in enumerate(layers):
        a = a @ w + b
        if i < len(layers) - 1:
            a = activation(a)
    return a.ravel()


def collapse_linear_stack(layers: list[tuple[Array, Array]]) -> tuple[Array, Array]:
    """The single affine map W x + b that a stack of linear layers equals.

    W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂), and so on for every layer
    (row-vector convention: x @ W + b, as in Keras).
    """
    w_total, b_total = layers[0]
    for w, b in layers[1:]:
        w_total, b_total = w_total @ w, b_total @ w + b
    return w_total, b_total


@dataclass(frozen=True)
class CollapseDemo:
    """The same seeded weights used with no activation and with one, on inputs x."""

    linear: Array  # the stack's output without activations
    collapsed: Array  # the single affine map W x + b it equals
    nonlinear: Array  # the stack's output with the activation between layers
    w: float  # the collapsed map's slope ...
    b: float  # ... and intercept


def collapse_demo(x: Array, n_hidden: int, width: int, seed: int, activation: Activation) -> CollapseDemo:
    """Everything the 'depth buys nothing without an activation' demo shows."""
    x = np.asarray(x, dtype=float)
    layers = random_dense_stack(n_hidden, width, seed)
    w_total, b_total = collapse_linear_stack(layers)
    return CollapseDemo(dense_stack_forward(x, layers, LINEAR), (x.reshape(-1, 1) @ w_total + b_total).ravel(),
                        dense_stack_forward(x, layers, activation), float(w_total.item()), float(b_total.item()))
