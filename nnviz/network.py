"""A small dense network in numpy that computes what Keras computes, step for step.

The Backpropagation page and the Playground train on it: at their sizes it trains ~70× faster
than ``model.fit`` (docs/PERFORMANCE.md) and needs no TensorFlow. Conventions are Keras':

- a layer computes z = a_prev @ W + b (row vectors: W has shape (n_in, n_out)), then a = f(z);
- the loss of a mini-batch is the mean of the per-example losses ℓᵢ, plus the weight penalties
  l1·Σ|W| + l2·ΣW² of every kernel (``kernel_regularizer=L1L2(l1, l2)``; biases are not penalised);
- cross-entropy after a sigmoid or softmax output is computed from the logits z, as Keras does
  (its TensorFlow backend passes the logits on to the loss: stable, and never clipped). The
  clipping of probabilities to [ε, 1 − ε] applies only to probabilities given directly
  (``nnviz.losses.binary_cross_entropy``). A linear output with a cross-entropy loss is Keras'
  ``from_logits=True``.

Backpropagation, in the notation the page shows (layer l = 1..L, δ_l = ∂ℓ/∂z_l per example):

    δ_L = ∂ℓ/∂a_L ⊙ f_L′(z_L)       (= p − y for softmax or sigmoid with cross-entropy)
    δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ f_l′(z_l)
    ∂L/∂W_l = mean over the batch of a_{l−1}ᵀ δ_l  (+ l1·sign(W_l) + 2·l2·W_l)
    ∂L/∂b_l = mean over the batch of δ_l
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from nnviz import activations as act
from nnviz.activations import glorot_limit

Array = np.ndarray

HIDDEN_ACTIVATIONS = tuple(k for k in act.ACTIVATIONS if k != "step") + (act.LINEAR.key,)
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")
LOSSES = ("binary_crossentropy", "categorical_crossentropy", "mse")


@dataclass(frozen=True)
class NetworkSpec:
    """The architecture and the loss: everything but the weights.

    ``sizes`` = (inputs, hidden units per layer…, outputs); ``hidden_activation`` is one key of
    ``nnviz.activations`` for every hidden layer, or one key per hidden layer.
    """

    sizes: tuple[int, ...]
    hidden_activation: str | tuple[str, ...] = "tanh"
    output_activation: str = "sigmoid"
    loss: str = "binary_crossentropy"
    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "sizes", tuple(int(n) for n in self.sizes))
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"sizes must list at least inputs and outputs, each ≥ 1: {self.sizes}")
        hidden = self.hidden_activation
        if isinstance(hidden, str):
            hidden = (hidden,) * (len(self.sizes) - 2)
        object.__setattr__(self, "hidden_activation", tuple(hidden))
        if len(self.hidden_activation) != len(self.sizes) - 2:
            raise ValueError("give one hidden activation, or one per hidden layer")
        for key in self.hidden_activation:
            if key not in HIDDEN_ACTIVATIONS:
                raise ValueError(f"unknown hidden activation {key!r}; choose from {HIDDEN_ACTIVATIONS}")
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(f"output activation must be one of {OUTPUT_ACTIVATIONS}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}")
        if self.output_activation == "softmax" and self.sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 units")
        if self.loss == "categorical_crossentropy" and self.output_activation == "sigmoid":
            raise ValueError("categorical cross-entropy needs a softmax (or linear, from_logits) output")
        if self.loss == "binary_crossentropy" and self.output_activation == "softmax":
            raise ValueError("binary cross-entropy needs a sigmoid (or linear, from_logits) output")
        if not (self.l1 >= 0 and self.l2 >= 0 and math.isfinite(self.l1) and math.isfinite(self.l2)):
            raise ValueError("the penalties l1 and l2 must be finite and ≥ 0")

    @cached_property
    def n_layers(self) -> int:
        """Layers with weights (hidden layers + the output layer)."""
        return len(self.sizes) - 1

    @cached_property
    def layer_activations(self) -> tuple[act.Activation, ...]:
        """The activation of each layer with weights, output layer last (a softmax output is listed as
        linear here: ``forward`` applies the softmax to the whole row)."""
        out = act.LINEAR if self.output_activation in ("softmax", "linear") else act.get(self.output_activation)
        return tuple(act.get(k) for k in self.hidden_activation) + (out,)


def parameter_views(sizes: Sequence[int], flat: Array) -> list[Array]:
    """[W₁, b₁, W₂, b₂, …] as views into one flat vector, so an optimiser updates all at once: each
    augmented kernel [W; b] (``augmented_kernels``) without its last row, and that row."""
    return [view for kernel in augmented_kernels(sizes, flat) for view in (kernel[:-1], kernel[-1])]


def parameter_count(sizes: Sequence[int]) -> int:
    """Σ (n_in + 1)·n_out: every kernel entry and every bias."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in itertools.pairwise(sizes))


class _KernelsAndBiases:
    """``weights`` and ``biases`` of a ``params`` list ordered [W₁, b₁, W₂, b₂, …]."""

    __slots__ = ()

    @property
    def weights(self) -> list[Array]:
        return self.params[0::2]

    @property
    def biases(self) -> list[Array]:
        return self.params[1::2]


class Network(_KernelsAndBiases):
    """A spec and its parameters: ``flat`` holds them all, ``params`` = [W₁, b₁, W₂, b₂, …] are views
    into it (changed in place by the optimisers)."""

    def __init__(self, spec: NetworkSpec, flat: Array):
        if flat.shape != (parameter_count(spec.sizes),):
            raise ValueError(f"{spec.sizes} needs {parameter_count(spec.sizes)} parameters, got {flat.shape}")
        self.spec = spec
        self.flat = flat
        self.params = parameter_views(spec.sizes, flat)
        self._gradient_buffer = None
        # per layer: kernel, bias and the function the forward pass applies (softmax on whole rows)
        last = spec.n_layers - 1
        self.layers = tuple(
            (self.params[2 * i], self.params[2 * i + 1],
             _softmax_rows if i == last and spec.output_activation == "softmax" else f.fn)
            for i, f in enumerate(spec.layer_activations))
        self._cast = flat.dtype != np.float64  # nnviz.activations computes in float64
        self.hidden_derivatives = spec.layer_activations[:-1]

    @property
    def dtype(self):
        return self.flat.dtype

    def copy(self) -> Network:
        return Network(self.spec, self.flat.copy())

    def gradient_buffer(self) -> tuple[Array, list[Array]]:
        """A flat gradient vector and its per-layer views, made once and reused by training steps."""
        if self._gradient_buffer is None:
            self._gradient_buffer = _new_gradient_buffer(self)
        return self._gradient_buffer


def init_network(spec: NetworkSpec, seed: int, dtype=np.float64) -> Network:
    """Glorot-uniform kernels and zero biases, as a fresh Keras Dense layer; numpy's generator, seeded."""
    rng = np.random.default_rng(seed)
    net = Network(spec, np.zeros(parameter_count(spec.sizes), dtype))
    for w in net.weights:
        limit = glorot_limit(*w.shape)
        w[...] = rng.uniform(-limit, limit, w.shape)
    return net


def from_arrays(spec: NetworkSpec, weights: Sequence, biases: Sequence, dtype=np.float64) -> Network:
    """A network with the given kernels and biases (set by hand, or taken from a Keras model)."""
    if not len(weights) == len(biases) == spec.n_layers:
        raise ValueError(f"expected {spec.n_layers} kernels and biases, got {len(weights)} and {len(biases)}")
    net = Network(spec, np.zeros(parameter_count(spec.sizes), dtype))
    for view, value in zip(net.params, [p for pair in zip(weights, biases) for p in pair]):
        view[...] = np.asarray(value, dtype=dtype).reshape(view.shape)
    return net


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to build, and one is built every step
class Forward:
    """Every layer's z and a for a batch: ``zs[l]`` is layer l+1's z; ``activations[0]`` is the input."""

    zs: list[Array]
    activations: list[Array]

    @property
    def output(self) -> Array:
        return self.activations[-1]


def _softmax_rows(z: Array) -> Array:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(net: Network, x: Array) -> Forward:
    """a₀ = x; z_l = a_{l−1} W_l + b_l; a_l = f_l(z_l), for a batch of rows x."""
    dtype = net.flat.dtype
    a = x
    if not (isinstance(x, np.ndarray) and x.dtype == dtype and x.ndim == 2):
        a = np.asarray(x, dtype=dtype).reshape(-1, net.spec.sizes[0])
    zs, outs = [], [a]
    for w, b, f in net.layers:
        z = a @ w
        z += b
        a = f(z)
        if net._cast:  # keep a float32 network in float32
            a = a.astype(dtype, copy=False)
        zs.append(z)
        outs.append(a)
    return Forward(zs, outs)


def _targets(net: Network, y: Array) -> Array:
    """Targets as a (batch, outputs) array in the network's dtype (class labels are one-hot encoded)."""
    n_out = net.spec.sizes[-1]
    if isinstance(y, np.ndarray) and y.ndim == 2 and y.dtype == net.dtype and y.shape[1] == n_out:
        return y
    y = np.asarray(y)
    if net.spec.output_activation == "softmax" and (y.ndim == 1 or y.shape[-1] == 1) and n_out > 1:
        labels = y.reshape(-1).astype(int)
        return np.eye(n_out, dtype=net.dtype)[labels]
    return y.astype(net.dtype, copy=False).reshape(-1, n_out)


def example_losses(net: Network, fwd: Forward, y: Array) -> Array:
    """ℓᵢ for each example, without the penalties (Keras' per-sample loss).

    BCE from logits: mean over outputs of ln(1 + e^z) − z·y  (= −y ln σ(z) − (1 − y) ln(1 − σ(z))).
    CCE from logits: −Σ_k y_k ln softmax(z)_k.  MSE: mean over outputs of (a − y)².
    """
    y = _targets(net, y)
    z = fwd.zs[-1]
    if net.spec.loss == "mse":
        return np.square(fwd.output - y).sum(axis=1) / y.shape[1]
    if net.spec.loss == "binary_crossentropy":
        return (np.logaddexp(0.0, z) - z * y).sum(axis=1) / y.shape[1]
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.sum(y * log_p, axis=1)


def penalty(net: Network) -> float:
    """l1·Σ|W| + l2·ΣW² over every kernel."""
    spec = net.spec
    total = 0.0
    for w in net.weights:
        if spec.l1:
            total += spec.l1 * float(np.abs(w).sum())
        if spec.l2:
            total += spec.l2 * float(np.square(w).sum())
    return total


def loss(net: Network, fwd: Forward, y: Array) -> float:
    """L = mean ℓᵢ + penalty: the number Keras' ``fit`` reports for a batch."""
    z = fwd.zs[-1]
    if net.spec.loss == "binary_crossentropy":  # the mean over every output of every example, in one pass
        y = _targets(net, y)
        value = float((np.logaddexp(0.0, z) - z * y).sum()) / z.size
    else:
        value = float(example_losses(net, fwd, y).sum()) / len(z)
    return value + penalty(net) if net.spec.l1 or net.spec.l2 else value


def output_delta(net: Network, fwd: Forward, y: Array) -> Array:
    """δ_L = ∂ℓᵢ/∂z_L for each example."""
    return _output_delta(net.spec, fwd.output, fwd.zs[-1], _targets(net, y), net.dtype)


def _output_delta(spec: NetworkSpec, a: Array, z: Array, y: Array, dtype) -> Array:
    """δ_L from the output layer's a and z and the targets y (already as ``_targets`` gives them)."""
    n_out = spec.sizes[-1]
    if spec.loss == "binary_crossentropy":  # from the logits: ∂ℓ/∂z = (σ(z) − y) / n_out
        p = a if spec.output_activation == "sigmoid" else act.sigmoid(z).astype(dtype, copy=False)
        return p - y if n_out == 1 else (p - y) / n_out
    if spec.loss == "categorical_crossentropy":  # softmax(z)·Σy − y, which is p − y for one-hot y
        p = a if spec.output_activation == "softmax" else _softmax_rows(z)
        return p * y.sum(axis=1, keepdims=True) - y
    d_a = 2.0 * (a - y) / n_out  # MSE
    if spec.output_activation == "softmax":  # Jacobian of softmax: diag(p) − p pᵀ
        return a * (d_a - np.sum(d_a * a, axis=1, keepdims=True))
    return d_a * spec.layer_activations[-1].grad(z).astype(dtype, copy=False)


@dataclass(slots=True)
class Gradients(_KernelsAndBiases):
    """δ_l per example for every layer, and ∂L/∂W_l, ∂L/∂b_l of the batch loss (penalties included)."""

    deltas: list[Array]
    flat: Array  # every ∂L/∂θ, in the order of ``Network.flat``
    params: list[Array]  # [∂L/∂W₁, ∂L/∂b₁, …]: views into ``flat``


def backward(net: Network, fwd: Forward, y: Array, reuse_buffer: bool = False) -> Gradients:
    """Backpropagation: δ from the output back to the first layer, then the mean gradients.

    With ``reuse_buffer`` the gradients are written into one buffer kept on the network (what a training
    loop wants: no allocation per step); the next such call overwrites them.
    """
    spec = net.spec
    flat, grads = net.gradient_buffer() if reuse_buffer else _new_gradient_buffer(net)
    delta = output_delta(net, fwd, y)
    deltas = [delta]
    acts, zs = fwd.activations, fwd.zs
    for i in range(spec.n_layers - 1, -1, -1):
        np.matmul(acts[i].T, delta, out=grads[2 * i])
        np.add.reduce(delta, axis=0, out=grads[2 * i + 1])  # delta.sum(axis=0), without its Python wrapper
        if i > 0:
            f = net.hidden_derivatives[i - 1]
            # σ′ = a(1 − a), tanh′ = 1 − a², ReLU′ = [a > 0] from the kept a: no second pass through f
            f_prime = f.grad_from_output(acts[i]) if f.grad_from_output is not None else f.grad(zs[i - 1])
            delta = delta @ net.layers[i][0].T
            delta *= f_prime
            deltas.append(delta)
    flat *= 1.0 / acts[0].shape[0]  # sums over the batch → means
    if spec.l1 or spec.l2:
        _add_penalty_gradients(spec, net.weights, grads[0::2])
    deltas.reverse()
    return Gradients(deltas, flat, grads)


def _new_gradient_buffer(net: Network) -> tuple[Array, list[Array]]:
    flat = np.empty_like(net.flat)
    return flat, parameter_views(net.spec.sizes, flat)


def numerical_gradients(net: Network, x: Array, y: Array, h: float = 1e-6) -> list[Array]:
    """Central finite differences (L(θ + h) − L(θ − h)) / 2h for every parameter (float64 advised)."""
    probe = net.copy()
    flat = np.zeros_like(net.flat)
    for k, keep in enumerate(net.flat):
        probe.flat[k] = keep + h
        up = loss(probe, forward(probe, x), y)
        probe.flat[k] = keep - h
        down = loss(probe, forward(probe, x), y)
        probe.flat[k] = keep
        flat[k] = (up - down) / (2 * h)
    return parameter_views(net.spec.sizes, flat)


# --- Optimisers: Keras 3's update rules and defaults ---------------------------------------------------


@dataclass
class SGD:
    """keras.optimizers.SGD. Without momentum w ← w − η g. With momentum m ← μm − ηg, then
    w ← w + m, or with Nesterov w ← w + μm − ηg."""

    learning_rate: float = 0.01
    momentum: float = 0.0
    nesterov: bool = False
    _velocity: Array | None = field(default=None, repr=False)

    def apply(self, params: Array, grads: Array) -> None:
        """Update the flat parameter vector in place."""
        if not self.momentum:
            params -= self.learning_rate * grads
            return
        if self._velocity is None:
            self._velocity = np.zeros_like(params)
        m = self._velocity
        m *= self.momentum
        m -= self.learning_rate * grads
        if self.nesterov:
            params += self.momentum * m - self.learning_rate * grads
        else:
            params += m


@dataclass
class Adam:
    """keras.optimizers.Adam: m ← m + (g − m)(1 − β₁), v ← v + (g² − v)(1 − β₂),
    w ← w − α m / (√v + ε) with α = η √(1 − β₂ᵗ) / (1 − β₁ᵗ) at step t = 1, 2, …"""

    learning_rate: float = 0.001
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    iterations: int = 0
    _m: Array | None = field(default=None, repr=False)
    _v: Array | None = field(default=None, repr=False)

    def apply(self, params: Array, grads: Array) -> None:
        """Update the flat parameter vector in place."""
        if self._m is None:
            self._m, self._v = np.zeros_like(params), np.zeros_like(params)
        self.iterations += 1
        t = self.iterations
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        self._m += (grads - self._m) * (1 - self.beta_1)
        self._v += (grads * grads - self._v) * (1 - self.beta_2)
        params -= self._m * alpha / (np.sqrt(self._v) + self.epsilon)


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def predict(net: Network, x: Array) -> Array:
    """The network's outputs for a batch of rows x."""
    return forward(net, x).output


def train_step(net: Network, optimizer, x: Array, y: Array, record_loss: bool = True) -> float | None:
    """One mini-batch step: forward, backward, update in place. Returns the batch loss before the step
    (None when ``record_loss`` is off: a little faster)."""
    fwd = forward(net, x)
    value = loss(net, fwd, y) if record_loss else None
    optimizer.apply(net.flat, backward(net, fwd, y, reuse_buffer=True).flat)
    return value


def augmented_kernels(sizes: Sequence[int], flat: Array) -> list[Array]:
    """[[W₁; b₁], [W₂; b₂], …]: each kernel with its bias as one more row, (n_in + 1) × n_out.

    The same memory as ``parameter_views`` (W is stored row by row and b right after it), so with a
    column of ones appended to the layer's input, z = [a, 1]·[W; b] is one matrix product, and
    [a, 1]ᵀ δ writes ∂W and ∂b at once. ``fit`` trains on these: half the array operations per layer.
    """
    views, start = [], 0
    for fan_in, fan_out in itertools.pairwise(sizes):
        views.append(flat[start:start + (fan_in + 1) * fan_out].reshape(fan_in + 1, fan_out))
        start += (fan_in + 1) * fan_out
    return views


def _with_ones(a: Array) -> Array:
    """[a, 1]: the rows of a with a 1 appended (the bias's input)."""
    return np.hstack([a, np.ones((len(a), 1), a.dtype)])


# Hidden activations that one numpy call can write straight into a buffer; the others are computed by
# nnviz.activations and copied in (float32 networks always are: the activations compute in float64)
_WRITE_ACTIVATION = {
    "tanh": lambda z, out: np.tanh(z, out=out),
    "relu": lambda z, out: np.maximum(z, 0.0, out=out),
    "linear": lambda z, out: np.copyto(out, z),
}


class _FusedSteps:
    """``fit``'s training step, computing exactly what ``train_step`` computes (forward, backward,
    update) on augmented kernels and preallocated buffers: each hidden layer's activations live in
    a buffer [a, 1] whose last column stays 1, one per batch size. Every view the step uses is made
    once (the kernels are views of ``net.flat``, which the optimiser changes in place)."""

    def __init__(self, net: Network):
        spec = self.spec = net.spec
        self.net = net
        self.kernels = augmented_kernels(spec.sizes, net.flat)
        self.back_kernels = [k[:-1].T for k in self.kernels]  # Wᵀ: δ_{l−1} = (δ_l W_lᵀ) ⊙ f′
        self.grad_flat, _ = net.gradient_buffer()
        self.grad_kernels = augmented_kernels(spec.sizes, self.grad_flat)
        fast = net.dtype == np.float64
        self.writers = [
            _WRITE_ACTIVATION[f.key] if fast and f.key in _WRITE_ACTIVATION else self._copy_into(f.fn)
            for f in spec.layer_activations[:-1]]
        self.output_fn = net.layers[-1][2]
        self.derivatives = net.hidden_derivatives
        self._buffers: dict[int, list[Array]] = {}

    @staticmethod
    def _copy_into(fn):
        def write(z, out):
            out[...] = fn(z)
        return write

    def batch(self, x_ones: Array) -> tuple[list[Array], list[Array], list[Array]]:
        """([x, 1] and every hidden layer's [a, 1] buffer; their transposes; the hidden a's, i.e. the
        buffers without their column of ones) for a batch of inputs [x, 1]."""
        rows = len(x_ones)
        if rows not in self._buffers:
            self._buffers[rows] = [np.ones((rows, n + 1), self.net.dtype) for n in self.spec.sizes[1:-1]]
        with_ones = [x_ones, *self._buffers[rows]]
        return with_ones, [r.T for r in with_ones], [r[:, :-1] for r in with_ones[1:]]

    def step(self, optimizer, batch, y: Array, z_out: Array | None = None, a_out: Array | None = None) -> None:
        """One mini-batch step on a ``batch(x_ones)`` with targets y; the output layer's z and a before
        the step (for the loss) are written to ``z_out`` and ``a_out`` when given."""
        spec, net = self.spec, self.net
        with_ones, transposed, hidden = batch
        zs = []
        for a, out, write, kernel in zip(with_ones, hidden, self.writers, self.kernels):
            z = a @ kernel
            write(z, out)
            zs.append(z)
        z = np.matmul(with_ones[-1], self.kernels[-1], out=z_out)
        a = self.output_fn(z)
        if net._cast:
            a = a.astype(net.dtype, copy=False)
        if a_out is not None:
            np.copyto(a_out, a)
        delta = _output_delta(spec, a, z, y, net.dtype)
        delta *= 1.0 / len(y)  # so that the gradients below are means over the batch
        for i in range(spec.n_layers - 1, 0, -1):
            np.matmul(transposed[i], delta, out=self.grad_kernels[i])
            f = self.derivatives[i - 1]
            f_prime = f.grad_from_output(hidden[i - 1]) if f.grad_from_output is not None else f.grad(zs[i - 1])
            delta = delta @ self.back_kernels[i]
            delta *= f_prime
        np.matmul(transposed[0], delta, out=self.grad_kernels[0])
        if spec.l1 or spec.l2:
            _add_penalty_gradients(spec, net.weights, self.grad_kernels)
        optimizer.apply(net.flat, self.grad_flat)


def _add_penalty_gradients(spec: NetworkSpec, weights: list[Array], grads: list[Array]) -> None:
    """∂/∂W of l1·Σ|W| + l2·ΣW², added to each kernel's gradient (the rows above a bias row, if any)."""
    for w, d_w in zip(weights, grads):
        d_w = d_w[:len(w)]
        if spec.l1:
            d_w += spec.l1 * np.sign(w)
        if spec.l2:
            d_w += 2.0 * spec.l2 * w


def fit(net: Network, optimizer, x: Array, y: Array, batch_size: int, epochs: int,
        shuffle_seed: int | None = None, record_loss: bool = True) -> list[float]:
    """Mini-batch training as ``model.fit``: each epoch takes the batches in order (or shuffled by a
    seeded generator), the last one smaller if the batch size does not divide the data. Each step
    computes what ``train_step`` does, in fewer array operations (``_FusedSteps``).

    Returns each epoch's loss as Keras logs it: the mean of the batch losses before each step,
    weighted by batch size (an empty list when ``record_loss`` is off). That is the mean over the
    epoch's examples of their loss before their step, so the outputs of each step's forward pass are
    kept and the losses computed once per epoch: one array operation instead of one per step.
    """
    x_ones = _with_ones(np.asarray(x, dtype=net.dtype).reshape(-1, net.spec.sizes[0]))
    y = _targets(net, y)
    n = len(x_ones)
    steps = _FusedSteps(net)
    rng = np.random.default_rng(shuffle_seed) if shuffle_seed is not None else None
    penalised = bool(net.spec.l1 or net.spec.l2)
    # the epoch's outputs before each step, written in place by the steps (a only where the loss needs it)
    before = Forward([np.empty_like(y)], [np.empty_like(y)])
    z_out = before.zs[0] if record_loss else None
    a_out = before.output if record_loss and net.spec.loss == "mse" else None
    history = []
    y_epoch = y

    def batches_of(x_epoch, y_epoch):
        return [(steps.batch(x_epoch[k:k + batch_size]), y_epoch[k:k + batch_size],
                 None if z_out is None else z_out[k:k + batch_size],
                 None if a_out is None else a_out[k:k + batch_size]) for k in range(0, n, batch_size)]

    if rng is None:  # in order: the same batches every epoch, sliced once
        batches = batches_of(x_ones, y)
    for _ in range(epochs):
        if rng is not None:
            order = rng.permutation(n)
            y_epoch = y[order]
            batches = batches_of(x_ones[order], y_epoch)
        penalties = 0.0
        for batch, yb, zb, ab in batches:
            if record_loss and penalised:
                penalties += penalty(net) * len(yb)
            steps.step(optimizer, batch, yb, zb, ab)
        if record_loss:
            history.append(float(example_losses(net, before, y_epoch).sum() + penalties) / n)
    return history
