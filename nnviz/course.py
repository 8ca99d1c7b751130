"""The course session this app serves: learning objectives, pages and readings.

One source of truth for the home page, the navigation and each page's header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OBJECTIVES: dict[str, str] = {
    "neurons": "Explain what is meant by artificial neurons, and how these are linked to form "
    "artificial neural networks.",
    "perceptron": "Explain what a perceptron is, and how it transforms an input vector to an output, "
    "including the importance of weights and biases.",
    "structure": "Discuss how to structure a neural network.",
    "sgd": "Discuss and summarize the method of (stochastic) gradient descent and how it is used to "
    "train a neural network, including how the learning rate influences results.",
    "problems": "Reflect upon the problems caused by using (a) perceptrons as artificial neurons and "
    "(b) the accuracy as the metric to optimize during model training, including how these problems "
    "can be solved using activation and loss functions, respectively.",
    "activations": "Sketch different activation functions, including the sigmoid, tanh and ReLU "
    "functions, and discuss why the softmax activation function is generally used in the output layer.",
    "keras": "Implement a neural network in python using the tensorflow.keras module.",
}


@dataclass(frozen=True)
class PageInfo:
    """A page of the app: where it lives, what it is for, where to read more."""

    key: str
    section: str  # navigation group
    title: str
    icon: str
    lead: str  # one sentence: what the page lets you see
    objectives: tuple[str, ...]  # keys of OBJECTIVES
    reading: tuple[str, ...] = field(default_factory=tuple)
    script: str | None = None  # path of the page script; None while the page is being written

    @property
    def available(self) -> bool:
        return self.script is not None


PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        key="perceptron",
        section="Neurons and activations",
        title="Perceptron",
        icon=":material/linear_scale:",
        lead="From one artificial neuron to the perceptron learning rule and its limits.",
        objectives=("neurons", "perceptron", "problems"),
        reading=(("Géron ch. 10: From Biological to Artificial Neurons; Logical Computations with Neurons; "
                  "The Perceptron"),
                 "3Blue1Brown ch. 1: But what is a neural network?"),
        script="app_pages/perceptron.py",
    ),
    PageInfo(
        key="activations",
        section="Neurons and activations",
        title="Activation functions",
        icon=":material/show_chart:",
        lead=("Plot activation functions and their derivatives, and see why a network needs "
              "smooth non-linear ones."),
        objectives=("activations", "neurons", "problems", "structure"),
        reading=("Géron ch. 10: The Multilayer Perceptron and Backpropagation (activation functions)",
                 "Géron ch. 11: The Vanishing/Exploding Gradients Problems; Better Activation Functions",
                 "3Blue1Brown ch. 1 (sigmoid and ReLU) and ch. 4: Backpropagation calculus"),
        script="app_pages/activations.py",
    ),
    PageInfo(
        key="gradient_descent",
        section="How networks learn",
        title="Gradient descent",
        icon=":material/trending_down:",
        lead="How a network learns by following the gradient, and what the learning rate does.",
        objectives=("sgd",),
        reading=("Géron ch. 4: Gradient Descent (batch, stochastic, mini-batch)",
                 "Géron ch. 11: Faster Optimizers (momentum); Learning Rate Scheduling",
                 "3Blue1Brown ch. 2: Gradient descent, how neural networks learn"),
        script="app_pages/gradient_descent.py",
    ),
    PageInfo(
        key="backprop",
        section="How networks learn",
        title="Backpropagation",
        icon=":material/account_tree:",
        lead="How the gradient reaches every weight of a network: the chain rule, one unit at a time.",
        objectives=("sgd", "structure", "activations"),
        reading=("Géron ch. 10: The Multilayer Perceptron and Backpropagation (the backpropagation algorithm)",
                 "Géron ch. 11: The Vanishing/Exploding Gradients Problems; Glorot and He Initialization",
                 "3Blue1Brown ch. 3: What is backpropagation really doing?; ch. 4: Backpropagation calculus"),
        script="app_pages/backprop.py",
    ),
    PageInfo(
        key="loss_vs_accuracy",
        section="How networks learn",
        title="Loss vs accuracy",
        icon=":material/balance:",
        lead="Why we train on a smooth loss and only report accuracy.",
        objectives=("problems",),
        reading=(("Géron ch. 10: Classification MLPs (loss functions); Géron ch. 3: Performance Measures "
                  "(precision and recall)"), "3Blue1Brown ch. 2: Gradient descent"),
        script="app_pages/loss_vs_accuracy.py",
    ),
    PageInfo(
        key="playground",
        section="How networks learn",
        title="Playground",
        icon=":material/scatter_plot:",
        lead=("Build a network on 2-D data and watch every unit learn: depth, width, inputs, activation, "
              "learning rate, batch size and regularisation, in seconds."),
        objectives=("structure", "sgd", "activations"),
        reading=("Géron ch. 10: Fine-Tuning Neural Network Hyperparameters (layers, neurons, learning rate, batch size)",
                 "Géron ch. 11: Avoiding Overfitting Through Regularization (ℓ1 and ℓ2)",
                 "TensorFlow Playground (playground.tensorflow.org), which this page follows"),
        script="app_pages/playground.py",
    ),
    PageInfo(
        key="softmax",
        section="Outputs and a real network",
        title="Softmax output",
        icon=":material/bar_chart:",
        lead=("Turn a network's raw outputs (logits) into class probabilities, and see the "
              "cross-entropy loss and its gradient."),
        objectives=("activations", "structure"),
        reading=("Géron ch. 10: Classification MLPs (softmax output, cross-entropy)",
                 "Géron ch. 4: Softmax Regression"),
        script="app_pages/softmax.py",
    ),
    PageInfo(
        key="mnist",
        section="Outputs and a real network",
        title="MNIST MLP",
        icon=":material/draw:",
        lead="Build, train and inspect a real tf.keras network on handwritten digits.",
        objectives=("keras", "structure", "sgd"),
        reading=("Géron ch. 10: Implementing MLPs with Keras (the Sequential API, compile, fit, evaluate, predict)",
                 ("3Blue1Brown ch. 1: But what is a neural network? (the 784-16-16-10 digit network); "
                  "ch. 2–3: Gradient descent, backpropagation")),
        script="app_pages/mnist.py",
    ),
)

PAGES_BY_KEY: dict[str, PageInfo] = {p.key: p for p in PAGES}


def pages_for_objective(objective: str) -> list[PageInfo]:
    """The pages that serve a learning objective, in navigation order."""
    return [p for p in PAGES if objective in p.objectives]


def objective_text(objective: str, page_key: str) -> str:
    """The objective as a page lists it, with the other pages that serve it: an objective is the course's whole
    sentence, and a page serves part of it (the activations page listed 'why softmax is used in the output layer'
    and never spoke of softmax, a student's review)."""
    others = [p.title for p in pages_for_objective(objective) if p.key != page_key and p.available]
    return OBJECTIVES[objective] + (f" *(also on: {', '.join(others)})*" if others else "")


# --- The lecture plan --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    """One moment of the lecture: a page opened in a given state (URL parameters, as a link writes them: select
    boxes by the label they show), in one line what to show there, and the element it is about (a figure's or a
    widget's key): the page opens scrolled to it, since on a projector's 720 px it is often screens down."""

    page: str  # key of PAGES
    show: str
    settings: dict[str, str] = field(default_factory=dict)
    focus: str = ""
    # buttons in the moment bar for the moment's next step (a label, then widget key -> value, as a Try-this
    # preset): set from the bar, where the widget itself may be screens above the element in view
    steps: tuple[tuple[str, dict[str, object]], ...] = ()


MOMENT_PARAM = "moment"  # ?moment=3: the page was opened as moment 3 of LECTURE_PLAN (Previous / Next follow it)

LECTURE_PLAN: tuple[Moment, ...] = (
    # it opens with z and ŷ hidden: the diagram showed ŷ before the class could predict it (a lecturer's review)
    Moment("perceptron", "One neuron: weights, a bias and the step function. Work out z and ŷ, then show them.",
           {"neuron_show": "false"}, focus="neuron_diagram", steps=(("Show z and ŷ", {"neuron_show": True}),)),
    # b = -0.5: the line in the plot, on the wrong side of (0, 1) and (1, 0) (at b = -3 it lay outside the plot)
    Moment("perceptron", "A perceptron draws a straight line: find a bias that separates AND with w1 = w2 = 1.",
           {"perc_dataset": "AND", "perc_w1": "1", "perc_w2": "1", "perc_b": "-0.5"}, focus="perc_boundary"),
    Moment("perceptron", "XOR: no line separates it. Run the learning rule to the end: it never converges.",
           {"perc_dataset": "XOR"}, focus="perc_learning"),
    Moment("activations", "Sigmoid, tanh and ReLU with their derivatives: where does each saturate?",
           focus="act_curves"),
    Moment("activations", "A deep chain of sigmoids: the gradient vanishes, even with w = 4 in every layer.",
           {"chain_w": "4", "chain_depth": "20"}, focus="chain"),
    Moment("activations", "Without an activation, five hidden layers and the output (6 layers) collapse into one straight line.",
           {"collapse_layers": "5", "collapse_act": "None (linear)"}, focus="collapse"),
    Moment("gradient_descent", "Too large a learning rate overshoots the minimum; 'much too large' diverges.",
           {"gd1_preset": "too large"}, focus="gd_curve"),
    # short: the moment bar's line wrapped to three lines here, the bar and header taking 180 of 720 px
    # the step counts are in the loss curves, beside the paths' one panel (gradient_descent.beside_its_losses)
    # '…damps it; right, it needs a third of the steps' read 'right' as an interjection (a review): the panel named
    Moment("gradient_descent", "The ravine: momentum (β = 0.5) damps plain gradient descent's zig-zag and needs a "
                               "third of the steps (see the loss curves).",
           {"gd2_surface": "Elongated ravine (ill-conditioned)", "gd2_rates_ravine": "0.095",
            "gd2_momentum_on": "true", "gd2_beta": "0.5", "gd2_steps": "200"}, focus="gd_contour"),
    Moment("gradient_descent", "Stochastic gradient descent: with batch size 1 each step follows one example.",
           {"gd3_batch": "1"}, focus="gd_batches"),
    Moment("backprop", "The backward pass, one step at a time: each δ is the chain rule with numbers.",
           focus="bp_diagram"),
    Moment("backprop", "One SGD step on a mini-batch: raise η until the loss goes up instead of down.",
           {"bp_section": "One SGD step", "bp_batch": "mini-batch of 4"}, focus="bp_rate_curve"),
    Moment("loss_vs_accuracy", "Accuracy is flat with jumps, the loss is smooth: we train on the loss.",
           focus="la_sweep"),
    Moment("loss_vs_accuracy", "1 % positives: always saying 'no' is 99 % accurate and finds no patient.",
           {"la_share": "1"}, focus="la_share"),
    # the inputs' boxes are folded away in Lecture mode, above the figure: the step is a button in the bar
    # it opens at epoch 0, the Play button a screen above the figure: the line says which key trains (a helper's review)
    Moment("playground", "Circle, no hidden layer: Play (P) fails on x₁ and x₂; add x₁² and x₂² and one unit "
                         "solves it.",
           {"pg_dataset": "Circle", "pg_shape": ""}, focus="pg_figure",
           steps=(("Add x₁² and x₂²", {"pg_f_x1sq": True, "pg_f_x2sq": True}),)),
    Moment("playground", "The spiral needs depth: press Play (P) to train 8,8,8 ReLU units with Adam.",
           {"pg_dataset": "Spiral", "pg_shape": "8,8,8", "pg_activation": "ReLU", "pg_optimizer": "Adam",
            "pg_rate": "0.01"}, focus="pg_figure"),
    Moment("softmax", "Temperature: T → 0 gives argmax; a larger T flattens p towards uniform; the argmax never "
                      "changes.",
           {"sm_temperature": "0.05"}, focus="sm_temperature_buttons"),
    Moment("softmax", "Numerical stability: add c = 1000 to every logit and the naive softmax returns NaN.",
           {"sm_shift": "1000"}, focus="sm_numerical_stability"),
    Moment("mnist", "A real Keras network on handwritten digits: press Train and watch the curves.", focus="mn_train"),
    Moment("mnist", "η = 10: the loss explodes and the accuracy falls to chance.", {"mn_lr_sgd": "10.0"},
           focus="mn_train"),
)
