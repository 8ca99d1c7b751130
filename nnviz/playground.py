"""The Playground: a network on 2-D data that learns in front of you (TensorFlow Playground's model,
trained on ``nnviz.network``).

As in TensorFlow Playground (``src/dataset.ts``, ``src/state.ts``): the data live in the square
[−6, 6]², the points are split into training and test data by a percentage, the inputs are chosen
among x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂, and changing the data, the inputs or the architecture
starts a new network, while the learning rate, the regularisation and the batch size change the
training of the same network. Unlike it, the output is Keras': a sigmoid unit with cross-entropy (or
squared error) for two classes, softmax for three or four, a linear unit for regression, with 0/1
class labels.

Training advances through a pure function, ``train(state, data, epochs) -> state``, which the page's
Step, its live Play loop and the tests all call.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from nnviz import activations as act
from nnviz import network as nw
from nnviz.formatting import count, latex_number, shortened

Array = np.ndarray

BOX = 6.0  # the data live in [−BOX, BOX]²
N_POINTS = 500  # TensorFlow Playground's NUM_SAMPLES_CLASSIFY
GRID = 40  # the output and neuron pictures are computed on GRID × GRID points


# --- Data: TensorFlow Playground's generators, seeded, with 0/1 (or 0..k−1) labels -----------------------


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Class 1 inside radius 2.5, class 0 in the ring 3.5–5; the label is decided after moving the
    point by noise·U(−5, 5) in each coordinate, so noise mislabels points near the gap."""
    half = n // 2
    r = np.concatenate([rng.uniform(0, 2.5, half), rng.uniform(3.5, 5.0, n - half)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    moved = points + rng.uniform(-5, 5, (n, 2)) * noise
    return points, (np.hypot(moved[:, 0], moved[:, 1]) < 2.5).astype(int)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Class 1 where x₁·x₂ ≥ 0 (two opposite quadrants), points kept 0.3 away from the axes."""
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    moved = points + rng.uniform(-5, 5, (n, 2)) * noise
    return points, (moved[:, 0] * moved[:, 1] >= 0).astype(int)


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Two Gaussian clouds around (2, 2) (class 1) and (−2, −2) (class 0); noise widens them
    (variance 0.5 → 4 as noise goes 0 → 0.5)."""
    sd = math.sqrt(0.5 + 7.0 * noise)
    half = n // 2
    points = np.concatenate([rng.normal(2, sd, (half, 2)), rng.normal(-2, sd, (n - half, 2))])
    return points, np.concatenate([np.ones(half, int), np.zeros(n - half, int)])


def spirals(n: int, noise: float, rng: np.random.Generator, k: int = 2) -> tuple[Array, Array]:
    """k interleaved spiral arms, r growing to 5 over 1.75 turns; noise·U(−1, 1) jitter."""
    points, labels = [], []
    for arm in range(k):
        per = n // k + (arm < n % k)
        i = np.arange(per)
        r = i / per * 5
        t = 1.75 * i / per * 2 * np.pi + arm * 2 * np.pi / k
        xy = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (per, 2)) * noise
        points.append(xy)
        labels.append(np.full(per, (arm + 1) % k if k == 2 else arm))  # arm 0 is class 1, as in the original
    return np.concatenate(points), np.concatenate(labels)


def blobs(n: int, noise: float, rng: np.random.Generator, k: int = 3) -> tuple[Array, Array]:
    """k Gaussian blobs on a circle of radius 3.5; noise widens them."""
    sd = 0.6 + 4.0 * noise
    angles = 2 * np.pi * np.arange(k) / k + np.pi / 2
    centres = 3.5 * np.column_stack([np.cos(angles), np.sin(angles)])
    labels = np.arange(n) % k
    return centres[labels] + rng.normal(0, sd, (n, 2)), labels


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Regression: y = (x₁ + x₂)/10 at the point moved by noise·U(−6, 6)."""
    points = rng.uniform(-BOX, BOX, (n, 2))
    moved = points + rng.uniform(-BOX, BOX, (n, 2)) * noise
    return points, np.clip((moved[:, 0] + moved[:, 1]) / 10, -1, 1)


GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def multi_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Regression: six bumps of height ±1 falling linearly to 0 at distance 2; the largest in size wins."""
    points = rng.uniform(-BOX, BOX, (n, 2))
    moved = points + rng.uniform(-BOX, BOX, (n, 2)) * noise
    values = np.array([sign * np.clip(1 - np.hypot(moved[:, 0] - cx, moved[:, 1] - cy) / 2, 0, 1)
                       for cx, cy, sign in GAUSSIANS])
    return points, values[np.argmax(np.abs(values), axis=0), np.arange(n)]


@dataclass(frozen=True)
class DataSet:
    label: str
    generate: Callable[[int, float, np.random.Generator], tuple[Array, Array]]
    classes: int  # 0 for regression

    @property
    def regression(self) -> bool:
        return self.classes == 0


DATASETS: dict[str, DataSet] = {
    "circle": DataSet("Circle", circle, 2),
    "xor": DataSet("Exclusive or", xor, 2),
    "gauss": DataSet("Two Gaussians", gauss, 2),
    "spiral": DataSet("Spiral", spirals, 2),
    "blobs3": DataSet("Three blobs (3 classes)", blobs, 3),
    "spiral3": DataSet("Three spirals (3 classes)", lambda n, noise, rng: spirals(n, noise, rng, 3), 3),
    "blobs4": DataSet("Four blobs (4 classes)", lambda n, noise, rng: blobs(n, noise, rng, 4), 4),
    "plane": DataSet("Plane (regression)", plane, 0),
    "multi_gauss": DataSet("Multi-Gaussian (regression)", multi_gauss, 0),
}

# Each input as a label and a numpy expression in a = x₁, b = x₂: evaluated here, and written as is into the
# Keras panel's code, so the two cannot disagree.
FEATURES: dict[str, tuple[str, str]] = {
    "x1": ("x₁", "a"),
    "x2": ("x₂", "b"),
    "x1sq": ("x₁²", "a * a"),
    "x2sq": ("x₂²", "b * b"),
    "x1x2": ("x₁x₂", "a * b"),
    "sinx1": ("sin x₁", "np.sin(a)"),
    "sinx2": ("sin x₂", "np.sin(b)"),
}
_FEATURE_CODE = {key: compile(expression, key, "eval") for key, (_, expression) in FEATURES.items()}
# How the Keras panel's code calls each data set's generator (the function's source is written above it).
GENERATOR_CALLS: dict[str, tuple[Callable, str]] = {
    "circle": (circle, "circle(n, noise, rng)"),
    "xor": (xor, "xor(n, noise, rng)"),
    "gauss": (gauss, "gauss(n, noise, rng)"),
    "spiral": (spirals, "spirals(n, noise, rng)"),
    "blobs3": (blobs, "blobs(n, noise, rng, 3)"),
    "spiral3": (spirals, "spirals(n, noise, rng, 3)"),
    "blobs4": (blobs, "blobs(n, noise, rng, 4)"),
    "plane": (plane, "plane(n, noise, rng)"),
    "multi_gauss": (multi_gauss, "multi_gauss(n, noise, rng)"),
}

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "l1", "l2")
OPTIMIZERS = ("sgd", "momentum", "adam")
BINARY_LOSSES = ("cross_entropy", "squared_error")
MAX_LAYERS, MAX_UNITS = 6, 8
NOISE_RANGE = (0, 50)  # percent, as TensorFlow Playground's slider
TRAIN_PERCENT_RANGE = (10, 90)
BATCH_RANGE = (1, 30)
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MOMENTUM = 0.9


@dataclass(frozen=True)
class PlaygroundConfig:
    """Everything the controls choose. ``hidden`` lists the units of each hidden layer."""

    dataset: str = "circle"
    noise: int = 0
    train_percent: int = 50
    batch_size: int = 10
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    learning_rate: float = 0.03
    regularization: str = "none"
    regularization_rate: float = 0.0
    optimizer: str = "sgd"
    binary_loss: str = "cross_entropy"
    own_classes: int = 0  # with dataset OWN: the classes of the uploaded points
    own_digest: str = ""  # with dataset OWN: which upload (a new file starts a new network)

    def __post_init__(self):
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(self, "hidden", tuple(int(u) for u in self.hidden))
        problems = []
        if self.dataset not in DATASETS and not (self.dataset == OWN and 2 <= self.own_classes <= MAX_CLASSES):
            problems.append(f"unknown data set {self.dataset!r}")
        if not self.features or any(f not in FEATURES for f in self.features):
            problems.append("choose at least one input feature")
        if len(self.hidden) > MAX_LAYERS or any(not 1 <= u <= MAX_UNITS for u in self.hidden):
            problems.append(f"0–{MAX_LAYERS} hidden layers of 1–{MAX_UNITS} units")
        if not NOISE_RANGE[0] <= self.noise <= NOISE_RANGE[1]:
            problems.append("noise must be 0–50")
        if not TRAIN_PERCENT_RANGE[0] <= self.train_percent <= TRAIN_PERCENT_RANGE[1]:
            problems.append("training data must be 10–90 %")
        if not BATCH_RANGE[0] <= self.batch_size <= BATCH_RANGE[1]:
            problems.append("batch size must be 1–30")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            problems.append("the learning rate must be a positive number")
        if not (math.isfinite(self.regularization_rate) and self.regularization_rate >= 0):
            problems.append("the regularisation rate must be ≥ 0")
        if self.activation not in ACTIVATIONS or self.regularization not in REGULARIZATIONS \
                or self.optimizer not in OPTIMIZERS or self.binary_loss not in BINARY_LOSSES:
            problems.append("unknown activation, regularisation, optimiser or loss")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def data(self) -> DataSet:
        if self.dataset == OWN:
            return DataSet("Your own data", _no_generator, self.own_classes)
        return DATASETS[self.dataset]

    @property
    def spec(self) -> nw.NetworkSpec:
        sizes = (len(self.features), *self.hidden)
        l1 = self.regularization_rate if self.regularization == "l1" else 0.0
        l2 = self.regularization_rate if self.regularization == "l2" else 0.0
        classes = self.data.classes
        if classes == 0:
            return nw.NetworkSpec((*sizes, 1), self.activation, "linear", "mse", l1, l2)
        if classes > 2:
            return nw.NetworkSpec((*sizes, classes), self.activation, "softmax", "categorical_crossentropy", l1, l2)
        loss = "binary_crossentropy" if self.binary_loss == "cross_entropy" else "mse"
        return nw.NetworkSpec((*sizes, 1), self.activation, "sigmoid", loss, l1, l2)

    @property
    def chaotic(self) -> bool:
        """A learning rate at which the page's float64 training and Keras' float32 one can part (CHAOTIC_RATE)."""
        return self.learning_rate >= CHAOTIC_RATE

    def data_key(self) -> tuple:
        """What a new data set is drawn for."""
        return self.dataset, self.noise, self.train_percent, self.seed, self.own_digest

    def network_key(self) -> tuple:
        """What a new network is started for (TensorFlow Playground's rule): the data, the inputs, the
        architecture, the activation and the loss. Learning rate, regularisation, batch size and optimiser
        change the training of the same network."""
        return self.data_key(), self.features, self.hidden, self.activation, self.binary_loss

    def training_key(self) -> tuple:
        """What the same network is trained with: the learning rate, the penalties, the batch size, the optimiser."""
        spec = self.spec
        return self.learning_rate, spec.l1, spec.l2, self.batch_size, self.optimizer

    def make_optimizer(self):
        if self.optimizer == "adam":
            return nw.Adam(self.learning_rate)
        return nw.SGD(self.learning_rate, momentum=MOMENTUM if self.optimizer == "momentum" else 0.0)


@dataclass(frozen=True)
class Data:
    """Points in [−6, 6]², with class labels 0..k−1 (or regression targets), split by a seeded shuffle."""

    train_points: Array
    train_labels: Array
    test_points: Array
    test_labels: Array
    classes: int  # 0 for regression


def make_data(config: PlaygroundConfig, own: OwnData | None = None) -> Data:
    """The seeded data set of ``config``: N_POINTS points in the box (points a wide cloud throws further out
    are put on its edge), or the uploaded ``own`` points; the first train_percent % after a shuffle are
    for training."""
    rng = np.random.default_rng(config.seed)
    if config.dataset == OWN:
        if own is None:
            raise ValueError("the own data set needs its points")
        points, labels = own.points, own.labels
    else:
        points, labels = config.data.generate(N_POINTS, config.noise / 100, rng)
        points = np.clip(points, -BOX, BOX)  # wide noisy clouds would leave the pictures: keep them on the edge
    train, test = split(rng, len(points), config.train_percent)
    return Data(points[train], labels[train], points[test], labels[test], config.data.classes)


def training_count(n: int, train_percent: int) -> int:
    """How many of ``n`` points are for training."""
    return round(n * train_percent / 100)


def split(rng: np.random.Generator, n: int, train_percent: int) -> tuple[Array, Array]:
    """The indices of the training and the test points: the first train_percent % of a shuffle, and the rest."""
    order = rng.permutation(n)
    n_train = training_count(n, train_percent)
    return order[:n_train], order[n_train:]


# --- Your own data: a CSV of x₁, x₂ and a class label ---------------------------------------------------------

OWN = "own"
MAX_CLASSES = 4
MAX_ROWS = 5_000


def _no_generator(n, noise, rng):  # an uploaded data set is not generated
    raise ValueError("uploaded points are not generated")


@dataclass(frozen=True)
class OwnData:
    """Uploaded points (scaled into the box if they were outside it) with class labels 0..k−1."""

    name: str
    points: Array
    labels: Array
    class_names: tuple[str, ...]
    scale: float  # the factor the points were multiplied by (1.0: as uploaded)
    digest: str

    @property
    def classes(self) -> int:
        return len(self.class_names)


def parse_points_csv(raw: bytes, name: str = "upload.csv") -> tuple[OwnData | None, str | None]:
    """A CSV with two numeric columns (x₁, x₂) and a label column, a header row optional, up to MAX_ROWS
    rows and 2–4 classes. Returns the data, or None and a message saying what is wrong."""
    import csv
    import hashlib

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, f"{name} is not a text (UTF-8) file."
    try:  # (line number, cells) of the lines with something in them
        rows = [(line, r) for line, r in enumerate(csv.reader(text.splitlines()), start=1)
                if any(cell.strip() for cell in r)]
    except csv.Error as error:  # e.g. a field longer than the csv module's limit (131,072 characters)
        return None, f"{name} could not be read as CSV ({error})."
    first = rows[0][1] if rows else []
    if first and not _is_number(first[0]) and not (len(first) > 1 and _is_number(first[1])):
        rows = rows[1:]  # a header (as the Keras code reads it too: its first cell is not a number)
    if not rows:
        return None, f"{name} has no rows of data."
    if len(rows) > MAX_ROWS:
        return None, f"{name} has {len(rows):,} rows; the playground takes at most {MAX_ROWS:,}."
    points = np.empty((len(rows), 2))
    labels = []
    for i, (line, row) in enumerate(rows):
        if len(row) < 3 or any(cell.strip() for cell in row[3:]):
            hint = (" Its values look separated by semicolons: use commas." if len(row) == 1 and ";" in row[0] else
                    " Decimal commas? Write 0.5, not 0,5." if len(row) > 3 else "")
            return None, (f"Line {line} of {name} has {count(len([c for c in row if c.strip()]), 'value')}; each "
                          f"row needs exactly x₁, x₂ and a label.{hint}")
        for j in (0, 1):
            value = _to_float(row[j])
            if value is None:
                hint = " (write the minus as -, not −)" if "−" in row[j] else ""
                return None, f"Line {line} of {name}: “{shortened(row[j].strip())}” is not a finite number{hint}."
            points[i, j] = value
        if not row[2].strip():  # '1,2,' was a class of its own, named '' ('classes , x', a helper's review)
            return None, f"Line {line} of {name} has no label: each row needs x₁, x₂ and its class."
        labels.append(row[2].strip())
    names = tuple(sorted(set(labels), key=lambda v: (_to_float(v) is None, _to_float(v) or 0.0, v)))
    numbers = [_to_float(v) for v in names]
    twins = [(a, b) for (a, x), (b, y) in itertools.pairwise(zip(names, numbers)) if x is not None and x == y]
    if twins:  # 1 and 1.0: one class for a reader, two for a comparison of texts (and for the Keras code)
        a, b = twins[0]
        return None, (f"{name} writes one label two ways, “{shortened(a)}” and “{shortened(b)}”: write each class "
                      "the same way in every row.")
    if len(names) < 2:
        return None, f"{name} has only one class ({shortened(names[0])!r}): a classifier needs at least two."
    if len(names) > MAX_CLASSES:
        return None, f"{name} has {len(names)} classes; the playground takes 2–{MAX_CLASSES}."
    largest = float(np.abs(points).max())
    scale = 5.0 / largest if largest > BOX else 1.0
    index = {v: k for k, v in enumerate(names)}
    digest = hashlib.sha1(raw).hexdigest()[:12]
    return OwnData(name, points * scale, np.array([index[v] for v in labels]), names, scale, digest), None


def _to_float(cell: str) -> float | None:
    try:
        value = float(cell.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _is_number(cell: str) -> bool:
    try:
        float(cell.strip())
    except ValueError:
        return False
    return True


def features(points: Array, keys: tuple[str, ...]) -> Array:
    """The network's inputs for points (x₁, x₂): one column per chosen feature."""
    namespace = {"np": np, "a": points[:, 0], "b": points[:, 1]}
    return np.column_stack([eval(_FEATURE_CODE[k], namespace) for k in keys])


# --- The state and its one transition ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlaygroundState:
    """A network in training: its weights and optimiser, the epochs done and the loss after each."""

    config: PlaygroundConfig
    network: nw.Network
    optimizer: object
    epoch: int = 0
    train_loss: tuple[float, ...] = ()
    test_loss: tuple[float, ...] = ()
    diverged: bool = False
    _key: tuple = field(default=(), repr=False)
    # (epochs done when they were set, training_key()) for each of the training settings its epochs were trained
    # with, in order; one entry while every epoch had today's settings
    trained_with: tuple[tuple[int, tuple], ...] = ()

    @property
    def settings_changed_after(self) -> int | None:
        """The epoch after which the learning rate, regularisation, batch size or optimiser last changed, if this
        network's epochs were trained with more than one of those settings (None: all with today's)."""
        return self.trained_with[-1][0] if len(self.trained_with) > 1 else None

    @property
    def epochs_as_today(self) -> int:
        """How many of the first epochs were one training with today's settings (what Keras repeats from the
        starting weights): all of them unless the settings changed during the training."""
        if len(self.trained_with) <= 1:
            return self.epoch
        return self.trained_with[1][0] if self.trained_with[0][1] == self.config.training_key() else 0


def starting_network(config: PlaygroundConfig) -> nw.Network:
    """The network every training of ``config`` starts from: Glorot-uniform from the seed, zero biases."""
    return nw.init_network(config.spec, config.seed)


def initial_state(config: PlaygroundConfig, data: Data) -> PlaygroundState:
    """A fresh network (``starting_network``) and its losses before training."""
    network = starting_network(config)
    train, test = evaluate(network, config, data)
    return PlaygroundState(config, network, config.make_optimizer(), 0, (train,), (test,), False, config.network_key(),
                           trained_with=((0, config.training_key()),))


def evaluate(network: nw.Network, config: PlaygroundConfig, data: Data) -> tuple[float, float]:
    """Loss on the training and on the test points (penalty included, as Keras reports it)."""
    with np.errstate(all="ignore"):
        results = []
        for points, labels in ((data.train_points, data.train_labels), (data.test_points, data.test_labels)):
            if len(points) == 0:
                results.append(float("nan"))
                continue
            x = features(points, config.features)
            results.append(nw.loss(network, nw.forward(network, x), labels))
    return results[0], results[1]


def with_config(state: PlaygroundState, config: PlaygroundConfig, data: Data) -> PlaygroundState:
    """The state under new settings: a new network if the data, inputs or architecture changed, else the
    same network with the new learning rate, regularisation, batch size or optimiser."""
    if config.network_key() != state._key:
        return initial_state(config, data)
    network = nw.Network(config.spec, state.network.flat.copy())  # the penalties live in the spec
    optimizer = state.optimizer if state.config.optimizer == config.optimizer else config.make_optimizer()
    if optimizer is state.optimizer and optimizer.learning_rate != config.learning_rate:
        optimizer = copy.deepcopy(optimizer)
        optimizer.learning_rate = config.learning_rate
    # a new momentum or Adam optimiser after some epochs starts without the state an unbroken training has there
    restarted = optimizer is not state.optimizer and config.optimizer != "sgd" and state.epoch > 0
    return replace(state, config=config, network=network, optimizer=optimizer,
                   trained_with=_trained_with(state.trained_with, state.epoch, config.training_key(), restarted))


def _trained_with(before: tuple[tuple[int, tuple], ...], epoch: int, key: tuple,
                  restarted: bool = False) -> tuple[tuple[int, tuple], ...]:
    """``before`` with the training settings ``key`` from ``epoch`` on. Settings that trained no epoch are dropped,
    so going back to the settings before, with no epoch in between, is no change, unless the optimiser
    ``restarted`` (lost its state)."""
    if before and before[-1][1] == key and not restarted:
        return before
    if before and before[-1][0] == epoch:  # the last settings trained nothing
        before = before[:-1]
    return before if before and before[-1][1] == key and not restarted else (*before, (epoch, key))


# Keras' training losses within this share of the page's largest are the same training (float32 against float64:
# ~1e-7 at the page's default rate); beyond it, as at learning rates from ~CHAOTIC_RATE on, rounding differences
# grew from step to step into another training (1.229 against 0.644 after 5 epochs at rate 10, a helper's review)
SAME_TRAINING = 1e-3
CHAOTIC_RATE = 1.0

# A training loss this many times its value at epoch 0 (or 1, if that is larger) is a training that blew up: a
# spiral at learning rate 10 with L1 at 10 sat at a loss of 2.6e+104 for 130 epochs, every point class 0, no word
BLOWN_UP = 1e6


def blew_up(loss: float, start: float) -> bool:
    """Whether a training whose loss was ``start`` at epoch 0 has diverged at ``loss``: not a number any more, or
    ``BLOWN_UP`` times its start."""
    return not math.isfinite(loss) or loss > BLOWN_UP * max(start, 1.0)


def train(state: PlaygroundState, data: Data, epochs: int) -> PlaygroundState:
    """``epochs`` more epochs of mini-batch training (batches reshuffled each epoch from the seed and the
    epoch number), returning a new state; the given one is left as it was. Stops at the first epoch
    whose loss is not finite or blew up (``diverged``, ``blew_up``)."""
    if state.diverged or epochs <= 0 or len(data.train_points) == 0:
        return state
    network, optimizer = state.network.copy(), copy.deepcopy(state.optimizer)
    x = features(data.train_points, state.config.features)
    train_loss, test_loss = list(state.train_loss), list(state.test_loss)
    epoch, diverged = state.epoch, False
    for _ in range(epochs):
        with np.errstate(all="ignore"):
            nw.fit(network, optimizer, x, data.train_labels, state.config.batch_size, 1,
                   shuffle_seed=shuffle_seed(state.config, epoch), record_loss=False)
        epoch += 1
        train, test = evaluate(network, state.config, data)
        train_loss.append(train)
        test_loss.append(test)
        if not np.all(np.isfinite(network.flat)) or blew_up(train, train_loss[0]):
            diverged = True
            break
    return replace(state, network=network, optimizer=optimizer, epoch=epoch, train_loss=tuple(train_loss),
                   test_loss=tuple(test_loss), diverged=diverged)


# --- What the page shows ------------------------------------------------------------------------------------


def grid_points(n: int = GRID) -> Array:
    """n × n points covering the box, row by row from the bottom (x₂ = −6) up."""
    axis = np.linspace(-BOX, BOX, n)
    a, b = np.meshgrid(axis, axis)
    return np.column_stack([a.ravel(), b.ravel()])


@dataclass(frozen=True)
class Pictures:
    """Every unit's output over the grid: the inputs' features, each hidden unit, and the output."""

    inputs: Array  # (n_features, n, n)
    hidden: list[Array]  # per hidden layer (units, n, n)
    output: Array  # (n, n) for one output unit; (classes, n, n) for softmax


def pictures(state: PlaygroundState, n: int = GRID) -> Pictures:
    x = features(grid_points(n), state.config.features)
    with np.errstate(all="ignore"):
        fwd = nw.forward(state.network, x)

    def planes(a: Array) -> Array:
        return a.T.reshape(a.shape[1], n, n)

    out = planes(fwd.output)
    return Pictures(planes(x), [planes(a) for a in fwd.activations[1:-1]], out[0] if len(out) == 1 else out)


def predict_classes(state: PlaygroundState, points: Array) -> Array:
    """The predicted class of each point (probability ≥ 0.5 for one sigmoid unit, else the argmax)."""
    with np.errstate(all="ignore"):
        out = nw.predict(state.network, features(points, state.config.features))
    return (out[:, 0] >= 0.5).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)


def accuracy(state: PlaygroundState, points: Array, labels: Array) -> float:
    if len(points) == 0:
        return float("nan")
    return float(np.mean(predict_classes(state, points) == labels))


def confusion(state: PlaygroundState, points: Array, labels: Array, classes: int) -> Array:
    """counts[true, predicted]."""
    counts = np.zeros((classes, classes), int)
    np.add.at(counts, (labels.astype(int), predict_classes(state, points)), 1)
    return counts


# --- Challenges: a target on one data set, checked live ---------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    """Reach ``target`` for ``measure`` ('test loss' at most, or 'test accuracy' at least) on ``dataset``,
    with at most ``max_hidden_units`` hidden units (None: any network). ``solution`` names settings that
    do it within ``epochs`` epochs (a test trains them)."""

    title: str
    dataset: str
    measure: str
    target: float
    max_hidden_units: int | None
    hint: str
    solution: dict
    epochs: int


CHALLENGES = (
    Challenge("Circle: test loss ≤ 0.05 with no hidden layer", "circle", "test loss", 0.05, 0,
              "A single unit draws one straight line… unless its inputs are not straight. Look at the features.",
              {"hidden": (), "features": ("x1", "x2", "x1sq", "x2sq")}, 200),
    Challenge("Exclusive or: test accuracy ≥ 97 % with no hidden layer", "xor", "test accuracy", 0.97, 0,
              "Which single feature is positive in two opposite quadrants and negative in the others?",
              {"hidden": (), "features": ("x1x2",)}, 100),
    Challenge("Spiral: test accuracy ≥ 95 % with at most 12 hidden units", "spiral", "test accuracy", 0.95, 12,
              "Two small layers are enough if the inputs already wiggle (sin), and Adam helps.",
              {"hidden": (8, 4), "activation": "tanh", "optimizer": "adam", "learning_rate": 0.01,
               "features": ("x1", "x2", "sinx1", "sinx2")}, 400),
)


def challenge_status(challenge: Challenge, state: PlaygroundState, data: Data) -> tuple[bool, str]:
    """Whether the current network meets the challenge, and a short reason when it does not."""
    config = state.config
    if config.dataset != challenge.dataset:
        return False, f"choose the data set “{DATASETS[challenge.dataset].label}”"
    units = sum(config.hidden)
    if challenge.max_hidden_units is not None and units > challenge.max_hidden_units:
        if challenge.max_hidden_units == 0:
            return False, f"remove the hidden layers (they have {count(units, 'unit')})"
        return False, f"{count(units, 'hidden unit')}: use at most {challenge.max_hidden_units}"
    if challenge.measure == "test loss":
        value = state.test_loss[-1]
        met = math.isfinite(value) and value <= challenge.target
        return met, f"test loss {value:.3f}, target ≤ {challenge.target:g}"
    value = accuracy(state, data.test_points, data.test_labels)
    return value >= challenge.target, f"test accuracy {value:.1%}, target ≥ {challenge.target:.0%}"


KERAS_CHECK_MAX_EPOCHS = 30  # Keras needs ~0.3 s an epoch here (a fit and two evaluate calls): ~10 s


def shuffle_seed(config: PlaygroundConfig, epoch: int) -> int:
    """The seed of the batches' order in epoch ``epoch`` (0-based): what ``train`` and the Keras check use."""
    return config.seed * 100_003 + epoch


def keras_check_job(state: PlaygroundState, data: Data) -> dict:
    """The keyword arguments of ``nnviz.keras_jobs.train_like_engine`` for the same training from the start:
    the first min(epochs done, KERAS_CHECK_MAX_EPOCHS) epochs with the current settings (plain data only)."""
    from dataclasses import asdict

    config = state.config
    start = starting_network(config)
    epochs = min(max(state.epoch, 1), KERAS_CHECK_MAX_EPOCHS)
    optimizer = ({"name": "adam", "learning_rate": config.learning_rate} if config.optimizer == "adam" else
                 {"name": "sgd", "learning_rate": config.learning_rate,
                  "momentum": MOMENTUM if config.optimizer == "momentum" else 0.0})
    return {"spec": asdict(config.spec), "weights": start.weights, "biases": start.biases,
            "x_train": features(data.train_points, config.features), "y_train": data.train_labels,
            "x_test": features(data.test_points, config.features), "y_test": data.test_labels,
            "optimizer": optimizer, "batch_size": config.batch_size,
            "shuffle_seeds": [shuffle_seed(config, e) for e in range(epochs)]}


# --- One unit, large: what it computes -------------------------------------------------------------------


def unit_label(config: PlaygroundConfig, layer: int, unit: int) -> str:
    """'x₁²' for an input, 'hidden 2, unit 3', 'output', or for a softmax output (one picture of all its units)
    'output, the likeliest class'."""
    n_layers = len(config.hidden) + 1
    if layer == 0:
        return FEATURES[config.features[unit]][0]
    if layer == n_layers:
        return "output" if config.spec.sizes[-1] == 1 else "output, the likeliest class"
    return f"hidden {layer}, unit {unit + 1}"


def unit_colours(config: PlaygroundConfig, layer: int) -> str:
    """What the colours of a unit's picture mean (figures.playground.unit_pictures draws them): a sigmoid's (0, 1)
    is stretched over the whole scale, so its white is 0.5, not 0 (a sigmoid is never negative)."""
    n_layers = len(config.hidden) + 1
    output = layer == n_layers
    if output and config.spec.output_activation == "softmax":
        return ("each point in the colour of the class with the largest pᵢ there, paler where the network is less "
                "sure (white where the classes are equally likely).")
    name = config.spec.output_activation if output else (config.activation if layer else "input")
    if name == "sigmoid":
        return "blue where it is near 1, orange where it is near 0, white at 0.5."
    if name == "relu":
        return "blue where it is positive (the darkest at its largest on the plane), white where it is 0."
    return "blue where it is positive, orange where it is negative, white near 0."


def unit_formula(state: PlaygroundState, layer: int, unit: int) -> str:
    """a = f(Σᵢ wᵢ aᵢ + b) for the unit, with its current weights and the names of its inputs (LaTeX). A softmax
    output is one picture of all its units (``unit_label``): each one's z, then p = softmax(z)."""
    config = state.config
    if layer == 0:
        return rf"a = {_latex_feature(config.features[unit])}"
    output = layer == len(config.hidden) + 1
    if output and config.spec.output_activation == "softmax":
        lines = [rf"z_{{{k}}} &= {_weighted_sum(state, layer, k)}" for k in range(config.spec.sizes[-1])]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r" \\ p &= \mathrm{softmax}(z) \end{aligned}"
    name = config.spec.output_activation if output else config.activation
    f = act.LATEX_NAMES.get(name, "")
    total = _weighted_sum(state, layer, unit)
    return rf"a = {f}\left({total}\right)" if f else rf"a = {total}"


def _weighted_sum(state: PlaygroundState, layer: int, unit: int) -> str:
    """Σᵢ wᵢ aᵢ + b of a unit, with its current weights and the names of its inputs (LaTeX)."""
    w = state.network.weights[layer - 1][:, unit]
    b = float(state.network.biases[layer - 1][unit])
    sources = ([_latex_feature(f) for f in state.config.features] if layer == 1
               else [rf"h^{{({layer - 1})}}_{{{i + 1}}}" for i in range(len(w))])  # (2): layer 2, not a square
    terms = " ".join(f"{'-' if v < 0 else '+'} {latex_number(abs(v), 3)}\\,{s}" for v, s in zip(w, sources))
    return f"{terms.lstrip('+ ')} {'-' if b < 0 else '+'} {latex_number(abs(b), 3)}"


def _latex_feature(key: str) -> str:
    return {"x1": "x_1", "x2": "x_2", "x1sq": "x_1^2", "x2sq": "x_2^2", "x1x2": "x_1 x_2",
            "sinx1": r"\sin x_1", "sinx2": r"\sin x_2"}[key]


# --- Points added or erased by clicking on the plane ---------------------------------------------------------

EDITED_NAME = "your_points.csv"
ERASE_RADIUS = 0.8
MIN_ERASED_TO = 4  # points an erasing click leaves at least


def own_from_points(points: Array, labels: Array, class_names: Sequence[str], scale: float = 1.0,
                    name: str = EDITED_NAME) -> OwnData:
    """Points (in the plane's units) and labels 0..k−1 named ``class_names`` as an own data set (what a click on the
    plane edits); ``scale``: the factor uploaded points were multiplied by to fit the plane."""
    import hashlib

    points = np.asarray(points, float).reshape(-1, 2)
    labels = np.asarray(labels, int)
    digest = hashlib.sha1(points.tobytes() + labels.tobytes()).hexdigest()[:12]
    return OwnData(name, points, labels, tuple(class_names), scale, digest)


def edit_points(data: Data, x1: float, x2: float, action: str, own: OwnData | None = None, *, seed: int,
                train_percent: int) -> tuple[OwnData | None, str | None]:
    """All of ``data``'s points with one more of class k at (x₁, x₂) (``action`` 'add0', 'add1', …), or without
    those within ERASE_RADIUS of it (``action`` 'erase'). ``own``: the uploaded data ``data`` was made of, whose class
    names and scale the edited points keep. ``seed`` and ``train_percent``: the split's (make_data), which the edited
    points keep (see ordered_for_split). Returns the points, or None and why nothing changed."""
    points = np.concatenate([data.train_points, data.test_points])
    labels = np.concatenate([data.train_labels, data.test_labels]).astype(int)
    training = np.arange(len(points)) < len(data.train_points)
    if action == "erase":
        keep = np.hypot(points[:, 0] - x1, points[:, 1] - x2) > ERASE_RADIUS
        if keep.all():
            return None, "No point within reach of that click: nothing was erased."
        points, labels, training = points[keep], labels[keep], training[keep]
    else:
        points = np.vstack([points, [[float(np.clip(x1, -BOX, BOX)), float(np.clip(x2, -BOX, BOX))]]])
        labels = np.append(labels, int(action.removeprefix("add")))
        training = np.append(training, training.sum() < training_count(len(points), train_percent))
    if action == "erase" and len(points) < MIN_ERASED_TO:
        return None, (f"That would leave {count(len(points), 'point')}; erasing stops at {MIN_ERASED_TO} (some to "
                      "train on, some to test): nothing was erased.")
    if len(set(labels.tolist())) < 2:
        return None, "That would leave fewer than two classes: nothing was erased."
    if len(points) > MAX_ROWS:
        return None, f"The playground takes at most {MAX_ROWS:,} points: nothing was added."
    names = own.class_names if own is not None else tuple(str(k) for k in range(data.classes))
    order = ordered_for_split(training, seed, train_percent)
    return own_from_points(points[order], labels[order], names, own.scale if own is not None else 1.0), None


def ordered_for_split(training: Array, seed: int, train_percent: int) -> Array:
    """An order of points (indices) in which make_data's seeded split (the first train_percent % of
    ``default_rng(seed).permutation``) makes the points marked ``training`` the training points: a click that adds
    or erases a point moved others between training and test, as the whole set was split again (a helper's
    review). Where the marked count is not the split's (an erase), the last marked points change sets, as few as
    the counts need. In that order the CSV and the Keras code split them as the page does."""
    n = len(training)
    n_train = training_count(n, train_percent)
    marked, unmarked = np.flatnonzero(training), np.flatnonzero(~training)
    if len(marked) > n_train:
        marked, unmarked = marked[:n_train], np.concatenate([unmarked, marked[n_train:]])
    elif len(marked) < n_train:
        moved = n_train - len(marked)
        marked, unmarked = np.concatenate([marked, unmarked[-moved:]]), unmarked[:-moved]
    train, test = split(np.random.default_rng(seed), n, train_percent)  # make_data's, for OWN points
    order = np.empty(n, int)
    order[train], order[test] = marked, unmarked
    return order


def points_csv(own: OwnData) -> str:
    """The own data as the CSV the Keras code reads (x1, x2, label), in the units they were uploaded in."""
    rows = [f"{x:.6g},{y:.6g},{own.class_names[k]}" for (x, y), k in zip(own.points / own.scale, own.labels)]
    return "x1,x2,label\n" + "\n".join(rows) + "\n"
