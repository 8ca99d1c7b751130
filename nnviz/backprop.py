"""Backpropagation, spelled out: what the Backpropagation page shows, computed on ``nnviz.network``.

The page's network has 2 inputs, 1–4 hidden layers of 2–4 units and either one sigmoid output
(binary cross-entropy) or 2–3 softmax outputs (categorical cross-entropy). Layers with weights are
numbered l = 1..L (L = output layer); units j = 1..n_l; w^{(l)}_{ij} joins unit i of layer l−1 to
unit j of layer l. The chain rule, one unit at a time:

    δ^{(L)}_k = ∂ℓ/∂a_k · f′(z_k)                        (= a_k − y_k for both outputs used here)
    δ^{(l)}_j = (Σ_k w^{(l+1)}_{jk} δ^{(l+1)}_k) · f′(z^{(l)}_j)
    ∂L/∂w^{(l)}_{ij} = mean over the batch of δ^{(l)}_j · a^{(l−1)}_i,   ∂L/∂b^{(l)}_j = mean of δ^{(l)}_j
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

import numpy as np

from nnviz import activations as act
from nnviz import network as nw
from nnviz.formatting import SUBSCRIPT, SUPERSCRIPT, compact, digits_that_add_up, latex_number, listed, significant

Array = np.ndarray

HIDDEN_CHOICES = ("sigmoid", "tanh", "relu")
MAX_HIDDEN_LAYERS = 4
UNIT_RANGE = (2, 4)
OUTPUT_CHOICES = (1, 2, 3)  # 1: one sigmoid unit; 2–3: softmax
BATCH_CHOICES = (1, 4)
# The mini-batch of 4: the student's example first, then three fixed points, one per quadrant.
OTHER_EXAMPLES = ((1.0, 1.0), (-1.0, 1.0), (1.0, -1.0))
SATURATED_SLOPE = 1e-3  # |f′(z)| below this: the unit passes (almost) no gradient back


@dataclass(frozen=True)
class BackpropSetup:
    """Everything the page's controls choose: the network, the data and the weights' seed."""

    hidden_layers: int = 1
    hidden_units: int = 3
    activation: str = "sigmoid"
    outputs: int = 1
    batch: int = 1
    seed: int = 0
    x1: float = 0.5
    x2: float = -1.0
    label: int = 1  # the true class of the student's example

    def __post_init__(self):
        if not 1 <= self.hidden_layers <= MAX_HIDDEN_LAYERS:
            raise ValueError(f"1–{MAX_HIDDEN_LAYERS} hidden layers")
        if not UNIT_RANGE[0] <= self.hidden_units <= UNIT_RANGE[1]:
            raise ValueError(f"{UNIT_RANGE[0]}–{UNIT_RANGE[1]} units per hidden layer")
        if self.activation not in HIDDEN_CHOICES:
            raise ValueError(f"hidden activation must be one of {HIDDEN_CHOICES}")
        if self.outputs not in OUTPUT_CHOICES or self.batch not in BATCH_CHOICES:
            raise ValueError("outputs must be 1, 2 or 3 and the batch 1 or 4")
        if not (math.isfinite(self.x1) and math.isfinite(self.x2)):
            raise ValueError("the inputs must be finite numbers")
        if not 0 <= self.label < max(self.outputs, 2):
            raise ValueError("the label must be a class of the output")

    @property
    def spec(self) -> nw.NetworkSpec:
        sizes = (2, *([self.hidden_units] * self.hidden_layers), self.outputs)
        if self.outputs == 1:
            return nw.NetworkSpec(sizes, self.activation, "sigmoid", "binary_crossentropy")
        return nw.NetworkSpec(sizes, self.activation, "softmax", "categorical_crossentropy")

    @property
    def n_classes(self) -> int:
        return max(self.outputs, 2)

    def example_class(self, n: int) -> int:
        """The true class of example ``n`` (0-based) of the mini-batch: the student's, then the classes after it."""
        return (self.label + n) % self.n_classes

    def examples(self) -> tuple[Array, Array]:
        """Inputs (batch, 2) and targets (batch, outputs): y is 0/1 for a sigmoid, one-hot for softmax.

        The other examples of the mini-batch take the classes after the student's, in turn."""
        points = [(self.x1, self.x2), *OTHER_EXAMPLES][: self.batch]
        labels = [self.example_class(i) for i in range(self.batch)]
        x = np.array(points, dtype=float)
        if self.outputs == 1:
            return x, np.array(labels, dtype=float).reshape(-1, 1)
        return x, np.eye(self.outputs)[labels]


def seeded_network(setup: BackpropSetup) -> nw.Network:
    """Glorot-uniform weights from the seed, zero biases (float64: the page shows exact arithmetic)."""
    return nw.init_network(setup.spec, setup.seed)


# --- Names: the same symbols in the diagram, the tables and the formulas ----------------------------


def layer_name(spec: nw.NetworkSpec, layer: int) -> str:
    """'input', 'hidden 1', …, 'output' for layer index 0..L."""
    if layer == 0:
        return "input"
    return "output" if layer == spec.n_layers else f"hidden {layer}"


def weight_name(layer: int, i: int, j: int) -> str:
    """w^(l)_ij, 1-based, as plain text (tables)."""
    return f"w({layer})_{i + 1}{j + 1}"


def bias_name(layer: int, j: int) -> str:
    return f"b({layer})_{j + 1}"


def parameter_names(spec: nw.NetworkSpec) -> list[str]:
    """The name of each entry of ``Network.flat``, in order."""
    names = []
    for layer, (fan_in, fan_out) in enumerate(zip(spec.sizes[:-1], spec.sizes[1:]), start=1):
        names += [weight_name(layer, i, j) for i in range(fan_in) for j in range(fan_out)]
        names += [bias_name(layer, j) for j in range(fan_out)]
    return names


# --- The backward pass, one step at a time ------------------------------------------------------------


def _factor(v: float, digits: int = 4) -> str:
    """A number as a factor of a product (or a power): in parentheses if negative or a power of ten."""
    s = latex_number(v, digits)
    return f"({s})" if v < 0 or "cdot" in s else s


def _worked(values, combine, result: float) -> tuple[int, str]:
    """The digits to write the numbers ``values`` of an equation with, and its sign before ``result`` (written to 4
    digits). Written to 4 digits where ``combine`` of them gives the result as written ('='), or misses it by at most
    ``ROUNDING_UNITS`` units of its 4th digit ('≈': rounding, as (−0.01877)·0.5 ≈ −0.009387). Where they miss it by
    more (a sum of nearly cancelling terms was 8 % off: a student's review), with the fewest digits that give it
    (formatting.digits_that_add_up), '≈' if none up to 9 do."""
    if digits_that_add_up(values, combine, result, most=4):
        return 4, "="
    written = [float(f"{v + 0.0:.4g}") for v in values]
    unit = 10.0 ** (math.floor(math.log10(abs(result))) - 3) if result else 1e-4
    if abs(combine(written) - result) <= ROUNDING_UNITS * unit:
        return 4, r"\approx"
    digits = digits_that_add_up(values, combine, result, most=9)  # 8-9 in 26 of 51,300 steps, 4 terms cancelling
    return (digits, "=") if digits else (4, r"\approx")


ROUNDING_UNITS = 2  # a miss of up to this many units of the 4th digit is rounding: written '≈'


def _worked_products(firsts, seconds, result: float, scale: float = 1.0) -> tuple[int, str]:
    """``_worked`` for the line scale · Σ aₖbₖ = ``result``, aₖ from ``firsts`` and bₖ from ``seconds``."""
    return _worked([v for pair in zip(firsts, seconds) for v in pair],
                   lambda v: scale * sum(a * b for a, b in zip(v[0::2], v[1::2])), result)


@dataclass(frozen=True)
class BackwardStep:
    """One step of the backward pass: a δ of one unit, or the gradients of the weights into one unit.

    ``formula`` is the chain-rule product in symbols, ``arithmetic`` the same with the numbers put in
    (LaTeX; for a mini-batch, those of one example, see ``backward_steps``), ``values`` what the step computes
    (names → numbers: that example's δ, the batch's mean gradients).
    """

    kind: str  # "delta" or "weights"
    layer: int  # 1..L
    unit: int  # 0-based
    title: str
    formula: str
    arithmetic: str
    values: dict[str, float]

    @property
    def equations(self) -> list[str]:
        """The arithmetic as one equation to a line, without its alignment (``&``) and its rows cut for width (a
        row that goes on with ``+``): set inline in text, each wraps at its = and + signs to a narrow column, as
        Lecture mode's beside the diagram. ∂L/∂w is written with a slash: a fraction set inline is small."""
        body = re.sub(r"\\(begin|end)\{(aligned|gathered)\}", "", self.arithmetic)
        equations: list[str] = []
        for row in (r.strip() for r in body.split(r"\\")):
            continued = re.match(r"&\s*\\q?quad\s*\+", row)
            if continued and equations:
                equations[-1] += " + " + row[continued.end():].strip()
            elif row:
                equations.append(row.replace("&", "").strip())
        # a power of ten kept whole: set inline, '= 8.215 ·' ended a line and '10⁻⁵' began the next (a review)
        return [re.sub(r"(-?[\d.]+ \\cdot 10\^\{-?\d+\})", r"{\1}", _slashed_fractions(e)) for e in equations]


def _slashed_fractions(latex: str) -> str:
    """Every ``\\frac{a}{b}`` of ``latex`` as ``a/b`` (the braces' contents kept whole)."""

    def closing(opening: int) -> int:  # the index of the brace that closes the one at ``opening``
        depth = 0
        for i in range(opening, len(latex)):
            depth += {"{": 1, "}": -1}.get(latex[i], 0)
            if depth == 0:
                return i
        raise ValueError(f"unbalanced braces in {latex!r}")

    parts, done = [], 0
    while (start := latex.find(r"\frac{", done)) >= 0:
        numerator_end = closing(start + len(r"\frac"))
        denominator_end = closing(numerator_end + 1)
        parts += [latex[done:start], latex[start + len(r"\frac{"):numerator_end], "/",
                  latex[numerator_end + 2:denominator_end]]
        done = denominator_end + 1
    return "".join(parts) + latex[done:]


@dataclass(frozen=True)
class BackwardPass:
    """The forward pass, the backward pass and its steps, for one network and batch."""

    network: nw.Network
    x: Array
    y: Array
    forward: nw.Forward
    gradients: nw.Gradients
    loss: float
    steps: list[BackwardStep]

    @property
    def spec(self) -> nw.NetworkSpec:
        return self.network.spec


def _f_prime_symbol(spec: nw.NetworkSpec, layer: int) -> str:
    name = act.LATEX_NAMES.get(spec.hidden_activation[layer - 1])
    return f"{name}'" if name else "f'"


def _output_delta_step(bp: BackwardPass, k: int, n: int) -> BackwardStep:
    """δ of output unit ``k`` for example ``n`` of the batch."""
    spec, L = bp.spec, bp.spec.n_layers
    a = bp.forward.output[n, k]
    y = bp.y[n, k]
    delta = bp.gradients.deltas[-1][:, k]
    if spec.output_activation == "sigmoid":
        formula = (rf"\delta^{{({L})}} = \frac{{\partial \ell}}{{\partial a}}\,\sigma'(z) = "
                   r"\frac{a - y}{a(1 - a)}\cdot a(1 - a) = a - y")
    else:
        formula = (rf"\delta^{{({L})}}_{k + 1} = \sum_m \frac{{\partial \ell}}{{\partial p_m}}"
                   rf"\frac{{\partial p_m}}{{\partial z_{k + 1}}} = p_{k + 1} - y_{k + 1}")
    a_sym, y_sym = ("a", "y") if spec.output_activation == "sigmoid" else (f"p_{k + 1}", f"y_{k + 1}")
    digits, equals = _worked([a, y], lambda v: v[0] - v[1], delta[n])
    arithmetic = (rf"\delta^{{({L})}}_{k + 1} = {a_sym} - {y_sym} = {latex_number(a, digits)} - "
                  rf"{latex_number(y, digits)} {equals} {latex_number(delta[n])}")
    if len(delta) > 1:
        arithmetic = r"\begin{gathered}" + arithmetic + _batch_suffix(delta) + r"\end{gathered}"
    return BackwardStep("delta", L, k, f"δ of output unit {k + 1}", formula, arithmetic,
                        {f"δ({L})_{k + 1}": float(delta[n])})


def _batch_suffix(per_example: Array, aligned: bool = False) -> str:
    """For a mini-batch: a line with every example's value after one example's arithmetic."""
    if len(per_example) == 1:
        return ""
    values = (r"\text{examples 1–" + str(len(per_example)) + r": }"
              + ", ".join(latex_number(v, 3) for v in per_example))
    return (r"\\ & " if aligned else r"\\ ") + values


def _f_prime_line(spec: nw.NetworkSpec, layer: int, z: float, a: float, f_prime: float) -> str:
    """f′(z) with its numbers: σ′ = a(1 − a), tanh′ = 1 − a², ReLU′ = 1 if z > 0 else 0."""
    key = spec.hidden_activation[layer - 1]
    symbol = _f_prime_symbol(spec, layer) + "(z)"
    if key == "sigmoid":
        d, equals = _worked([a], lambda v: v[0] * (1 - v[0]), f_prime)
        return (rf"{symbol} &= a(1 - a) = {latex_number(a, d)}\,(1 - {latex_number(a, d)}) {equals} "
                rf"{latex_number(f_prime)}")
    if key == "tanh":
        d, equals = _worked([a], lambda v: 1 - v[0] ** 2, f_prime)
        return rf"{symbol} &= 1 - a^2 = 1 - {_factor(a, d)}^2 {equals} {latex_number(f_prime)}"
    return rf"{symbol} &= [z > 0] = [{latex_number(z)} > 0] = {latex_number(f_prime)}"


TERMS_PER_LINE = 2


def _hidden_delta_step(bp: BackwardPass, layer: int, j: int, n: int) -> BackwardStep:
    """δ of unit ``j`` of hidden layer ``layer`` for example ``n`` of the batch."""
    spec = bp.spec
    w_next = bp.network.weights[layer]  # W^(layer+1): (n_layer, n_next)
    delta_next = bp.gradients.deltas[layer][n]
    z = bp.forward.zs[layer - 1][n, j]
    a = bp.forward.activations[layer][n, j]
    f_prime = float(spec.layer_activations[layer - 1].grad(np.array(z)))
    delta = bp.gradients.deltas[layer - 1][:, j]
    total = float(w_next[j] @ delta_next)
    sum_digits, sum_equals = _worked_products(w_next[j], delta_next, total)
    terms = [rf"{_factor(w, sum_digits)}\cdot{_factor(d, sum_digits)}" for w, d in zip(w_next[j], delta_next)]
    digits, equals = _worked_products([total], [f_prime], delta[n])
    rows = [" + ".join(terms[k:k + TERMS_PER_LINE]) for k in range(0, len(terms), TERMS_PER_LINE)]
    fp = _f_prime_symbol(spec, layer)
    formula = (rf"\delta^{{({layer})}}_{{{j + 1}}} = \Big(\sum_k w^{{({layer + 1})}}_{{{j + 1}k}}\,"
               rf"\delta^{{({layer + 1})}}_k\Big)\cdot {fp}(z^{{({layer})}}_{{{j + 1}}})")
    lines = [rf"\textstyle\sum_k w_{{{j + 1}k}}\,\delta_k &= " + r"\\ &\quad + ".join(rows)
             + f" {sum_equals} {latex_number(total)}",
             _f_prime_line(spec, layer, z, a, f_prime),
             (rf"\delta^{{({layer})}}_{{{j + 1}}} &= {_factor(total, digits)}\cdot {latex_number(f_prime, digits)}"
              rf" {equals} {latex_number(delta[n])}")]
    arithmetic = r"\begin{aligned}" + r"\\ ".join(lines) + _batch_suffix(delta, aligned=True) + r"\end{aligned}"
    return BackwardStep("delta", layer, j, f"δ of unit {j + 1} in {layer_name(spec, layer)}", formula,
                        arithmetic, {f"δ({layer})_{j + 1}": float(delta[n])})


def _weights_step(bp: BackwardPass, layer: int, j: int) -> BackwardStep:
    spec = bp.spec
    a_prev = bp.forward.activations[layer - 1]
    delta = bp.gradients.deltas[layer - 1][:, j]
    d_w = bp.gradients.weights[layer - 1][:, j]
    d_b = bp.gradients.biases[layer - 1][j]
    source = "x" if layer == 1 else f"a^{{({layer - 1})}}"
    batch = len(delta)
    if batch == 1:
        formula = (rf"\frac{{\partial L}}{{\partial w^{{({layer})}}_{{i{j + 1}}}}} = \delta^{{({layer})}}_{{{j + 1}}}"
                   rf"\cdot {source}_i \qquad \frac{{\partial L}}{{\partial b^{{({layer})}}_{{{j + 1}}}}}"
                   rf" = \delta^{{({layer})}}_{{{j + 1}}}")
        lines = []
        for i in range(len(d_w)):
            digits, equals = _worked_products([delta[0]], [a_prev[0, i]], d_w[i])
            lines.append(rf"\frac{{\partial L}}{{\partial w^{{({layer})}}_{{{i + 1}{j + 1}}}}} = "
                         rf"{_factor(delta[0], digits)}\cdot{_factor(a_prev[0, i], digits)} {equals} "
                         rf"{latex_number(d_w[i])}")
    else:
        formula = (rf"\frac{{\partial L}}{{\partial w^{{({layer})}}_{{i{j + 1}}}}} = \frac{{1}}{{{batch}}}\sum_n"
                   rf"\delta^{{({layer})}}_{{{j + 1},n}}\cdot {source}_{{i,n}} \qquad"
                   rf"\frac{{\partial L}}{{\partial b^{{({layer})}}_{{{j + 1}}}}} = \frac{{1}}{{{batch}}}\sum_n"
                   rf"\delta^{{({layer})}}_{{{j + 1},n}}")
        # example by example for the first weight only: four products a line would not fit the column
        digits, equals = _worked_products(delta, a_prev[:, 0], d_w[0], 1 / batch)
        products = [rf"{_factor(d, digits)}\cdot{_factor(a, digits)}" for d, a in zip(delta, a_prev[:, 0])]
        lines = [rf"\frac{{\partial L}}{{\partial w^{{({layer})}}_{{1{j + 1}}}}} = \tfrac{{1}}{{{batch}}}("
                 + " + ".join(products[:2]) + r"\\ &\qquad + " + " + ".join(products[2:])
                 + rf") {equals} {latex_number(d_w[0])}"]
        lines += [rf"\frac{{\partial L}}{{\partial w^{{({layer})}}_{{{i + 1}{j + 1}}}}} = {latex_number(d_w[i])}"
                  for i in range(1, len(d_w))]
    lines.append(rf"\frac{{\partial L}}{{\partial b^{{({layer})}}_{{{j + 1}}}}} = {latex_number(d_b)}")
    arithmetic = r"\begin{aligned}&" + r"\\ &".join(lines) + r"\end{aligned}"
    values = {weight_name(layer, i, j): float(d_w[i]) for i in range(len(d_w))}
    values[bias_name(layer, j)] = float(d_b)
    return BackwardStep("weights", layer, j, f"gradients of the weights into unit {j + 1} of "
                        f"{layer_name(spec, layer)}", formula, arithmetic, values)


def backward_pass(network: nw.Network, x: Array, y: Array) -> BackwardPass:
    """Forward and backward through ``network`` for the batch (x, y), and the steps of the backward pass:
    layer by layer from the output, first every δ of the layer, then the gradients of its weights."""
    fwd = nw.forward(network, x)
    grads = nw.backward(network, fwd, y)
    bp = BackwardPass(network, np.asarray(x, float), np.asarray(y, float), fwd, grads,
                      nw.loss(network, fwd, y), [])
    bp.steps.extend(backward_steps(bp))
    return bp


def backward_steps(bp: BackwardPass, example: int = 0) -> list[BackwardStep]:
    """The steps of the backward pass with the δs of ``example`` (0-based) of the batch worked out: layer by layer
    from the output, first every δ of the layer, then the gradients of its weights (the batch's mean). The diagram
    shows one example; its steps must work out the same numbers (they were example 1's beside example 2's diagram,
    a student's review)."""
    spec = bp.spec
    steps: list[BackwardStep] = []
    for layer in range(spec.n_layers, 0, -1):
        for j in range(spec.sizes[layer]):
            steps.append(_output_delta_step(bp, j, example) if layer == spec.n_layers
                         else _hidden_delta_step(bp, layer, j, example))
        for j in range(spec.sizes[layer]):
            steps.append(_weights_step(bp, layer, j))
    return steps


def gradient_rows(bp: BackwardPass) -> dict[str, list]:
    """Every parameter with its value and ∂L/∂θ (the 'which weights matter' table), the largest |∂L/∂θ| first
    (ties and NaN in the parameters' order, NaN last): the table's top rows are the diagram's thickest edges, and in
    Lecture mode the table shows only its first seven."""
    names, values, gradients = parameter_names(bp.spec), bp.network.flat, bp.gradients.flat
    order = np.argsort(-np.abs(gradients), kind="stable")
    return {"parameter": [names[i] for i in order], "value": list(values[order]), "∂L/∂θ": list(gradients[order])}


# --- Health of the pass: dead, saturated, non-finite ----------------------------------------------------


def problems(bp: BackwardPass) -> list[str]:
    """Plain-language notes on what stops the gradient: dead ReLUs, saturated units, overflow."""
    notes = []
    spec = bp.spec
    if not (np.all(np.isfinite(bp.network.flat)) and math.isfinite(bp.loss)):
        notes.append("Some numbers overflowed (∞ or NaN): the weights are too large for float64.")
        return notes
    for layer in range(1, spec.n_layers):
        z = bp.forward.zs[layer - 1]
        slope = spec.layer_activations[layer - 1].grad(z)
        if spec.hidden_activation[layer - 1] == "relu":
            dead = [j + 1 for j in range(z.shape[1]) if np.all(z[:, j] <= 0)]
            if dead:
                notes.append(f"{layer_name(spec, layer).capitalize()}: unit(s) {', '.join(map(str, dead))} have "
                             "z ≤ 0, so ReLU′ = 0 and their δ is 0: no gradient reaches the weights into them "
                             "('dead' ReLUs). Other inputs or weights can bring them back.")
        else:
            flat = [j + 1 for j in range(z.shape[1]) if np.all(np.abs(slope[:, j]) < SATURATED_SLOPE)]
            if flat:
                notes.append(f"{layer_name(spec, layer).capitalize()}: unit(s) {', '.join(map(str, flat))} are "
                             f"saturated (|z| large, f′(z) < {SATURATED_SLOPE:g}): their δ and the gradients "
                             "of the weights into them are almost 0, whatever the error.")
    return notes


# --- One SGD step ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SGDStep:
    learning_rate: float
    before: nw.Network
    after: nw.Network
    loss_before: float
    loss_after: float


def sgd_step(bp: BackwardPass, learning_rate: float) -> SGDStep:
    """θ ← θ − η ∂L/∂θ for every weight and bias, and the loss on the same batch before and after."""
    after = nw.Network(bp.spec, bp.network.flat - learning_rate * bp.gradients.flat)
    with np.errstate(over="ignore", invalid="ignore"):
        loss_after = nw.loss(after, nw.forward(after, bp.x), bp.y)
    return SGDStep(learning_rate, bp.network, after, bp.loss, loss_after)


def loss_after_one_step(bp: BackwardPass, learning_rates: Array) -> Array:
    """The batch loss after one step θ − η ∂L/∂θ, for each η."""
    return np.array([sgd_step(bp, float(lr)).loss_after for lr in learning_rates])


# --- Checking the gradient -------------------------------------------------------------------------------


FD_STEP = 1e-6


KINK_ZONE = 1e-4  # |z| this near ReLU's kink: a parameter's nudge of ±h (times an activation) below it may cross it


def relu_kinks(bp: BackwardPass) -> list[str]:
    """The hidden ReLU units (as 'z(l)_k') whose z lies at the kink, |z| < ``KINK_ZONE``, for an example of the batch.
    ReLU has no derivative at 0: backpropagation takes ReLU′(0) = 0, as TensorFlow does, while a central difference
    across the kink measures the mean of the slopes on either side (½), so the two can disagree there. A dead layer
    under zero biases puts every unit above it at z = 0 exactly."""
    return [f"z({layer})_{k + 1}"
            for layer, (name, z) in enumerate(zip(bp.spec.hidden_activation, bp.forward.zs), start=1)
            if name == "relu" for k in np.flatnonzero(np.any(np.abs(z) < KINK_ZONE, axis=0))]


def gradient_check(bp: BackwardPass, h: float = FD_STEP) -> dict[str, list]:
    """Each analytic ∂L/∂θ beside its central difference (L(θ + h) − L(θ − h)) / 2h."""
    numeric = np.concatenate([g.ravel() for g in nw.numerical_gradients(bp.network, bp.x, bp.y, h)])
    analytic = bp.gradients.flat
    return {"parameter": parameter_names(bp.spec), "backprop": list(analytic), "finite difference": list(numeric),
            "|difference|": list(np.abs(analytic - numeric))}


# --- Why backprop: the cost of a gradient -------------------------------------------------------------------


@dataclass(frozen=True)
class GradientCost:
    """Multiply-adds for one example: a forward pass, backprop, and central finite differences."""

    parameters: int
    forward: int  # Σ n_in·n_out
    backward: int  # every ∂L/∂w (a forward pass) plus δ back to every hidden layer: ≤ 2 forward passes
    finite_differences: int  # 2 forward passes per parameter

    @property
    def ratio(self) -> float:
        """How many times more work finite differences do than forward + backward."""
        return self.finite_differences / (self.forward + self.backward)


def gradient_cost(sizes) -> GradientCost:
    """Count multiply-adds: forward Σ n_in n_out; backward the same for ∂L/∂W plus the same for every
    δ that goes back through a weight matrix (not into the inputs); finite differences 2P forward passes."""
    pairs = list(itertools.pairwise(sizes))
    forward = sum(a * b for a, b in pairs)
    backward = forward + sum(a * b for a, b in pairs[1:])
    params = nw.parameter_count(sizes)
    return GradientCost(params, forward, backward, 2 * params * forward)


# --- Vanishing and exploding gradients, and the initialisation that tames them -------------------------------


INIT_SCHEMES = {
    "small": "too small: N(0, 0.01²)",
    "large": "too large: N(0, 1)",
    "glorot": "Glorot uniform (Keras' default)",
    "he": "He normal: N(0, 2 / fan_in)",
}


def init_weights(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator) -> Array:
    """A kernel drawn by one of ``INIT_SCHEMES``.

    Glorot keeps Var(w) = 2 / (fan_in + fan_out), the variance that keeps signals the same size forwards
    and backwards through tanh/sigmoid-like layers; He's Var(w) = 2 / fan_in does it for ReLU, which
    zeroes half of its inputs. (Keras' HeNormal truncates the normal at 2σ; this one does not.)
    """
    if scheme == "small":
        return rng.normal(0.0, 0.01, (fan_in, fan_out))
    if scheme == "large":
        return rng.normal(0.0, 1.0, (fan_in, fan_out))
    if scheme == "glorot":
        limit = nw.glorot_limit(fan_in, fan_out)
        return rng.uniform(-limit, limit, (fan_in, fan_out))
    if scheme == "he":
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), (fan_in, fan_out))
    raise ValueError(f"unknown initialisation {scheme!r}; choose from {tuple(INIT_SCHEMES)}")


@dataclass(frozen=True)
class LayerSpread:
    """Per hidden layer 1..depth: the standard deviation of the activations and of ∂L/∂W."""

    activation_std: Array
    gradient_std: Array

    @property
    def gradient_ratio(self) -> float:
        """std of ∂L/∂W in the first hidden layer over the last: ≪ 1 vanishing, ≫ 1 exploding."""
        return float(self.gradient_std[0] / self.gradient_std[-1])


def layer_spread(activation: str, scheme: str, depth: int = 10, width: int = 50, n: int = 500,
                 seed: int = 0) -> LayerSpread:
    """Push n standard-normal inputs through ``depth`` hidden layers of ``width`` units (one linear
    output, MSE to standard-normal targets) and backpropagate: how the spread of a and of ∂L/∂W
    changes from layer to layer."""
    rng = np.random.default_rng(seed)
    spec = nw.NetworkSpec((width,) * (depth + 1) + (1,), activation, "linear", "mse")
    net = nw.Network(spec, np.zeros(nw.parameter_count(spec.sizes)))
    for w in net.weights:
        w[...] = init_weights(scheme, *w.shape, rng)
    x = rng.normal(size=(n, width))
    y = rng.normal(size=(n, 1))
    with np.errstate(over="ignore", invalid="ignore"):
        fwd = nw.forward(net, x)
        grads = nw.backward(net, fwd, y)
        acts = np.array([a.std() for a in fwd.activations[1:-1]])
        grad_std = np.array([g.std() for g in grads.weights[:-1]])
    return LayerSpread(acts, grad_std)


# --- The diagram: what each node and edge shows, as plain data for nnviz.figures.backprop ---------------


@dataclass(frozen=True)
class Node:
    layer: int  # 0 = inputs
    unit: int
    name: str  # x₁, h¹₂, o₁
    value: str  # inside the circle: a (x for inputs)
    below: str  # z = …
    above: str  # δ = … once the backward pass reached it
    hover: str
    lit: bool = False
    delta: float | None = None  # its δ, once the backward pass reached it (``above`` writes it)


@dataclass(frozen=True)
class Edge:
    layer: int  # the layer the edge feeds (1..L)
    i: int
    j: int
    label: str
    hover: str
    weight: float  # the edge's value: w, or ∂L/∂w in the sensitivity view
    lit: bool = False


@dataclass(frozen=True)
class Diagram:
    sizes: tuple[int, ...]
    nodes: list[Node]
    edges: list[Edge]
    sensitivity: bool  # edges coloured by the sign and sized by |∂L/∂w|


def node_name(spec: nw.NetworkSpec, layer: int, unit: int) -> str:
    """x₁ for inputs, h¹₂ for hidden unit 2 of hidden layer 1, o₁ for outputs."""
    sub = str(unit + 1).translate(SUBSCRIPT)
    if layer == 0:
        return f"x{sub}"
    if layer == spec.n_layers:
        return f"o{sub}"
    return f"{hidden_layer_name(layer)}{sub}"


def hidden_layer_name(layer: int) -> str:
    """h¹ for hidden layer 1: what its units' names (h¹₂) start with."""
    return f"h{str(layer).translate(SUPERSCRIPT)}"


def _short(v: float) -> str:
    return significant(v, 3)  # a power of ten as the equations write it: 6.78·10⁻⁵ beside their 6.781·10⁻⁵


def diagram(bp: BackwardPass, steps_done: int = 0, example: int = 0, sensitivity: bool = False) -> Diagram:
    """The network for one example of the batch: a and z on every node, w on every edge; δ on the
    nodes the first ``steps_done`` backward steps reached; the last step's node and edges lit.

    In the sensitivity view every edge shows ∂L/∂w (of the batch loss) instead of w."""
    spec = bp.spec
    done = bp.steps[:steps_done]
    current = done[-1] if done and not sensitivity else None
    reached = {(s.layer, s.unit) for s in done if s.kind == "delta"}
    weights_done = {(s.layer, s.unit) for s in done if s.kind == "weights"}
    nodes = []
    for layer, size in enumerate(spec.sizes):
        for unit in range(size):
            a = bp.forward.activations[layer][example, unit]
            name = node_name(spec, layer, unit)
            if layer == 0:
                nodes.append(Node(layer, unit, name, compact(a), "", "", f"{name} = {significant(a)}"))
                continue
            z = bp.forward.zs[layer - 1][example, unit]
            delta = bp.gradients.deltas[layer - 1][example, unit]
            shown = (layer, unit) in reached or sensitivity
            lit = current is not None and current.kind == "delta" and (current.layer, current.unit) == (layer, unit)
            bias = bp.network.biases[layer - 1][unit]  # on no edge: said in the hover (a student's review)
            nodes.append(Node(layer, unit, name, compact(a), f"z = {_short(z)}", f"δ = {_short(delta)}" if shown else "",
                              f"{name}: z = {significant(z)} ({bias_name(layer, unit)} = {significant(bias)}), "
                              f"a = {significant(a)}"
                              + (f", δ = {significant(delta)}" if shown else ""), lit,
                              float(delta) if shown else None))
    edges = []
    for layer in range(1, spec.n_layers + 1):
        w = bp.network.weights[layer - 1]
        g = bp.gradients.weights[layer - 1]
        for i in range(spec.sizes[layer - 1]):
            for j in range(spec.sizes[layer]):
                name = weight_name(layer, i, j)
                has_grad = sensitivity or (layer, j) in weights_done
                lit = current is not None and (
                    (current.kind == "weights" and (current.layer, current.unit) == (layer, j))
                    or (current.kind == "delta" and current.layer == layer - 1 and current.unit == i))
                label = _short(g[i, j]) if sensitivity else _short(w[i, j])
                gradient = f", ∂L/∂w = {significant(g[i, j])}" if has_grad else ""
                hover = f"{name} = {significant(w[i, j])}{gradient}"
                edges.append(Edge(layer, i, j, label, hover, float(g[i, j] if sensitivity else w[i, j]), lit))
    return Diagram(spec.sizes, nodes, edges, sensitivity)


def biases_note(network: nw.Network) -> str:
    """What the diagram's edges do not show: z = Σ w·a + b, and which biases b are not 0 (a student summed a unit's
    edges to 2.06 beside its z = 1.56, the −0.5 of its bias set by hand nowhere on the diagram)."""
    set_ = [f"{bias_name(layer + 1, j)} = {significant(b)}" for layer, biases in enumerate(network.biases)
            for j, b in enumerate(biases) if b != 0]
    if not set_:
        return "Every bias is 0, so each z is the sum of its edges' w·a."
    others = sum(len(biases) for biases in network.biases) - len(set_)
    return ("Each z is the sum of its edges' w·a plus the unit's bias, shown when you point at the unit: "
            f"{listed(set_, most=4, separator=', ')}{'; every other bias is 0' if others else ''}.")


def delta_by_layer(bp: BackwardPass) -> Array:
    """Mean |δ| of each layer with weights, over its units and the batch (layer 1 first)."""
    return np.array([float(np.mean(np.abs(d))) for d in bp.gradients.deltas])


HAND_ENTRY = re.compile(r"([wb]\(\d+\)_\d+)=(\S+)", re.IGNORECASE)  # w(2)_11=0.5, as parameter_names writes it


def hand_values_text(values: dict[str, float]) -> str:
    """Weights set by hand as the page's text field (and so its link) holds them: ``w(2)_11=5, b(1)_1=-0.5``."""
    return ", ".join(f"{name}={value:.10g}" for name, value in values.items())


def parse_hand_values(text: str, limit: float) -> tuple[dict[str, float], list[str]]:
    """The weights set by hand in ``text`` (``name=value`` entries separated by commas or semicolons; the last
    value of a name wins), and each entry that could not be read, with why. A name that this network does not
    have is still read (``with_values`` skips it), so that it applies again when the architecture comes back."""
    values: dict[str, float] = {}
    unreadable = []
    # without whitespace ('W ( 1 ) _ 1 1 = 0.5' is w(1)_11=0.5), and with − as typeset on the page read as -
    entries = [e for e in (re.sub(r"\s+", "", part) for part in re.split(r"[,;]", text.replace("−", "-"))) if e]
    for k, entry in enumerate(entries):
        match = HAND_ENTRY.fullmatch(entry)
        following = entries[k + 1] if k + 1 < len(entries) else ""
        try:
            value = float(match.group(2)) if match else math.nan
        except ValueError:
            value = math.nan
        if match and following.isdigit():  # w(1)_11=0,5: a decimal comma
            values.pop(match.group(1).lower(), None)
            unreadable.append(f"{entry[:40]},{following[:10]} (a decimal comma: write {match.group(2)}.{following[:10]})")
        elif not match and entry.isdigit() and k and HAND_ENTRY.fullmatch(entries[k - 1]):
            continue  # the decimals of the entry before, said with it
        elif not match:
            unreadable.append(f"{entry[:40]} (not name=value)")
        elif not math.isfinite(value):
            unreadable.append(f"{entry[:40]} (not a number)")
        elif abs(value) > limit:
            unreadable.append(f"{entry[:40]} (beyond ±{limit:g})")
        else:
            name = match.group(1).lower()
            values.pop(name, None)
            values[name] = value + 0.0  # -0 typed is 0 (else shown as "-0")
    return values, unreadable


def with_values(network: nw.Network, values: dict[str, float]) -> nw.Network:
    """A copy of ``network`` with the named parameters (``parameter_names``) set to ``values``."""
    changed = network.copy()
    index = {name: k for k, name in enumerate(parameter_names(network.spec))}
    for name, value in values.items():
        if name in index and math.isfinite(value):
            changed.flat[index[name]] = value
    return changed
