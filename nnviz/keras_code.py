"""The tf.keras code shown in each page's Keras panel, generated from the page's settings.

Text only: building these strings never imports TensorFlow. The tests run every
snippet in Keras to make sure what we show really works.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence

from nnviz.activations import Activation, chain_gradient_title
from nnviz.data import PERCEPTRON_DECIMALS

IMPORTS = "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"

SIGNIFICANT_DIGITS = 12  # enough for any widget value; drops float noise such as 0.30000000000000004


def float_literal(value: float) -> str:
    """``value`` written as a Python float literal for generated code: ``1`` → ``"1.0"``, ``1e-05`` stays.

    Keras 3 checks types: ``SGD(learning_rate=1)`` or ``momentum=0`` (ints) raise, so every number
    written into generated code goes through here. A value that is not finite cannot be a literal.
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot be written into code as a number")
    rounded = float(f"{value:.{SIGNIFICANT_DIGITS}g}") + 0.0  # + 0.0 turns -0.0 into 0.0
    return repr(rounded)


def _floats(values: Sequence[float]) -> str:
    return ", ".join(float_literal(v) for v in values)


def _kernel(weights: Sequence[float]) -> str:
    """A one-unit Dense layer's kernel as code: one row per input, e.g. ``np.array([[0.5], [-1.0]])``."""
    return f"np.array([{', '.join(f'[{float_literal(w)}]' for w in weights)}])"


NEURON_INPUTS = (-2.0, -1.0, 0.0, 1.0, 2.0)  # where the activations page tabulates its neuron


def activation_code(neuron: Activation, w: float, b: float, compared: Sequence[Activation], depth: int,
                    chain_w: float, x0: float) -> str:
    """The activations page in Keras: its one neuron a = f(w·x + b) at ``NEURON_INPUTS``, and the gradient
    ∂a_k/∂x at the end of its deep chain of one-unit layers a_l = f(w·a_{l−1}), per compared activation.

    Both print what the page shows for the same settings (the neuron's table, the chain's table).
    The chain runs in float64, as the page does, so that tiny gradients do not underflow.
    """
    if neuron.keras_name is None:  # the step: Keras has none (it could not be trained), so apply it by hand
        layer = "keras.layers.Dense(1)"
        output = 'a = tf.cast(neuron(x) >= 0, "float32")  # z = w·x + b, then the step H(z) by hand: Keras has none'
    else:
        layer = f'keras.layers.Dense(1, activation="{neuron.keras_name}")'
        output = "a = neuron(x)"
    lines = [
        IMPORTS,
        f"# One neuron a = f(w·x + b) with f = {neuron.label}, w = {w:g}, b = {b:g}:",
        f"neuron = keras.Sequential([keras.Input(shape=(1,)), {layer}])",
        f"neuron.layers[0].set_weights([{_kernel([w])}, np.array([{float_literal(b)}])])",
        f'x = np.array([{_floats(NEURON_INPUTS)}], dtype="float32").reshape(-1, 1)  # one input per row',
        output,
        'print("a =", " ".join(f"{v:.4f}" for v in np.ravel(a)))',
        "",
        f"# The deep chain: {depth} one-unit layers a_l = f(w·a_(l-1)) with w = {chain_w:g}, from x = {x0:g}.",
        "# GradientTape gives the gradient that reaches the input (float64, so tiny values do not underflow).",
    ]
    trainable = [a for a in compared if a.keras_name is not None]
    for a in compared:
        if a.keras_name is None:  # the step: applied by hand, the tape finds no gradient through it
            lines += [
                f"# {a.label}: Keras has no such activation; by hand, its gradient is 0 (GradientTape: None).",
                f'x0 = tf.Variable([[{float_literal(x0)}]], dtype="float64")',
                "with tf.GradientTape() as tape:",
                "    a = x0",
                f"    for _ in range({depth}):",
                f'        a = tf.cast({float_literal(chain_w)} * a >= 0, "float64")  # a_l = H(w·a_(l-1))',
                "gradient = tape.gradient(a, x0)",
                f'print(f"{a.label}: {chain_gradient_title(depth)} = {{0.0 if gradient is None else float(gradient[0, 0]):.3g}}")',
            ]
    if trainable:
        # each printed under the page's name for it ('Swish / SiLU', not 'silu': a helper's review)
        names = ", ".join(f'("{a.label}", "{a.keras_name}")' for a in trainable)
        lines += [
            f"for label, name in [{names}]:",
            "    chain = keras.Sequential(",
            '        [keras.Input(shape=(1,), dtype="float64")]',
            '        + [keras.layers.Dense(1, activation=name, use_bias=False, dtype="float64",',
            f"                              kernel_initializer=keras.initializers.Constant({float_literal(chain_w)}))",
            f"           for _ in range({depth})])",
            f'    x0 = tf.Variable([[{float_literal(x0)}]], dtype="float64")',
            "    with tf.GradientTape() as tape:",
            "        a = chain(x0)",
            f'    print(f"{{label}}: {chain_gradient_title(depth)} = {{float(tape.gradient(a, x0)[0, 0]):.3g}}")',
        ]
    return "\n".join(lines) + "\n"


def softmax_code(logits: Sequence[float], temperature: float, true_class: int) -> str:
    """The softmax page's numbers in Keras: p = softmax(z / T), the cross-entropy −ln p_y and its
    gradient (p − y) / T for the logits on the sliders; then an output layer as a model uses it."""
    n_classes = len(logits)
    return f"""{IMPORTS}
# Your logits z (one row: a batch of one example), the temperature T and the true class y
logits = np.array([[{_floats(logits)}]], dtype="float32")
T = {float_literal(temperature)}
y_true = np.array([{int(true_class)}])

probs = keras.activations.softmax(logits / T)  # the stable formula: the max is subtracted first
print("p =", " ".join(f"{{p:.4f}}" for p in probs.numpy()[0]), "  predicted class:", int(np.argmax(probs)))

# Cross-entropy from the logits (from_logits=True: the loss applies the softmax itself, more accurately)
z = tf.Variable(logits / T)
with tf.GradientTape() as tape:
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y_true, z)
print(f"cross-entropy L = {{float(loss):.4f}}")
gradient = tape.gradient(loss, z).numpy()[0] / T  # ∂L/∂(z/T) = p − y, and z/T brings a factor 1/T
print("∂L/∂z = (p − y) / T =", " ".join(f"{{g:+.4f}}" for g in gradient))

# In a model: one output unit per class. Either a softmax layer with the plain loss ...
model = keras.Sequential([
    keras.Input(shape=(784,)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense({n_classes}, activation="softmax"),
])
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
# ... or raw logits with from_logits=True (then apply keras.activations.softmax to predictions yourself).
logits_model = keras.Sequential([
    keras.Input(shape=(784,)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense({n_classes}),  # no activation: logits
])
logits_model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                     metrics=["accuracy"])
"""


# How each perceptron dataset is made, as code a student can run: (nnviz.data builder, call of the snippet).
GATES = ("AND", "OR", "XOR")
# {seed} is filled in with the page's seed later; the decimals are nnviz.data.PERCEPTRON_DECIMALS
BLOB_CALLS = {"Separable blobs": f"blobs(40, {{seed}}, spread=0.6, margin=0.25, decimals={PERCEPTRON_DECIMALS})",
              "Noisy, overlapping blobs": f"blobs(60, {{seed}}, spread=1.0, decimals={PERCEPTRON_DECIMALS})"}


def blobs_source() -> str:
    """The source of ``nnviz.data.blobs`` and its centres: the snippet draws the very same points."""
    from nnviz import data

    return (f"BLOB_CENTRES = np.array({data.BLOB_CENTRES.tolist()})  # class 0, class 1\n"
            "Array = np.ndarray  # the type the function's hints name\n\n\n"
            + inspect.getsource(data.blobs))


def perceptron_data_code(dataset: str, seed: int) -> str:
    """Code that makes the perceptron page's dataset ``dataset`` (a key of ``PERCEPTRON_DATASETS``) as X, y."""
    from nnviz.data import logic_gate

    if dataset.startswith("Iris"):
        return ("from sklearn.datasets import load_iris  # ships with scikit-learn\n\n"
                "iris = load_iris()\n"
                "X = iris.data[:, 2:4]  # petal length and width (cm)\n"
                "y = (iris.target == 0).astype(int)  # 1 = Iris setosa\n")
    if dataset in GATES:
        gate = logic_gate(dataset)
        return (f"X = np.array({gate.X.tolist()})  # the truth table's inputs\n"
                f"y = np.array({gate.y.tolist()})  # {dataset}\n")
    return f"{blobs_source()}\n\nX, y = {BLOB_CALLS[dataset].format(seed=int(seed))}\n"


def perceptron_code(dataset: str, seed: int, w: Sequence[float], b: float) -> str:
    """One Dense unit holding the line set on the perceptron page, followed by a step, on the page's data:
    it prints how many points the line gets wrong, as the page does. Then its trainable sigmoid cousin."""
    return f"""{IMPORTS}
# The data: {dataset}
{perceptron_data_code(dataset, seed)}
# The perceptron is one Dense unit: z = w·x + b ...
perceptron = keras.Sequential([keras.Input(shape=(2,), dtype="float64"), keras.layers.Dense(1, dtype="float64")])
perceptron.layers[0].set_weights([{_kernel(w)}, np.array([{float_literal(b)}])])
z = np.round(perceptron(X).numpy().ravel(), 9)  # rounded, so that float noise cannot decide the step at z = 0
y_hat = (z >= 0).astype(int)  # ... followed by a step H(z). Keras has no step activation: its gradient is 0,
print(f"misclassified: {{np.sum(y_hat != y)}} of {{len(y)}}")  # so fit() could not train it.

# What Keras can train: the same unit with a smooth sigmoid, and a loss with a gradient.
neuron = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
neuron.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy", metrics=["accuracy"])
history = neuron.fit(X, y, epochs=5, verbose=0)
"""


def sgd_code(learning_rate: float, batch_size: int, epochs: int, seed: int, start: Sequence[float],
             n_samples: int = 200) -> str:
    """The mini-batch section of the gradient-descent page in Keras: the same seeded data, the same start
    (w, b), the same seeded shuffle into mini-batches each epoch, one ``train_on_batch`` per step; it prints
    each method's final (w, b) and loss, as the page's table shows them, and keeps each method's path (``paths``:
    (w, b) at the start and after every step), which the page draws.

    ``fit(shuffle=True)`` would draw its own order, so the batches are fed by hand.
    """
    w0, b0 = start
    return f"""{IMPORTS}
# The data: {n_samples} points with P(y = 1 | x) = σ(2x − 1), seed {seed}
rng = np.random.default_rng({int(seed)})
x = rng.normal(0.0, 1.5, ({n_samples}, 1))
y = (rng.random(({n_samples}, 1)) < 1 / (1 + np.exp(-(2 * x - 1)))).astype("float32")
x = x.astype("float32")

paths = {{}}  # each method's path: (w, b) at the start and after every step, as the page draws it
for method, batch_size in {{"full batch": {n_samples}, "mini-batch": {int(batch_size)}, "stochastic": 1}}.items():
    model = keras.Sequential([
        keras.Input(shape=(1,)),
        keras.layers.Dense(1, activation="sigmoid"),  # logistic regression: p = σ(w x + b)
    ])
    model.layers[0].set_weights([{_kernel([w0])}, np.array([{float_literal(b0)}])])  # the start (ring)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate={float_literal(learning_rate)}), loss="binary_crossentropy")
    path = [({float_literal(w0)}, {float_literal(b0)})]
    shuffle = np.random.default_rng({int(seed)})  # a new order of the samples in every epoch
    for epoch in range({int(epochs)}):
        order = shuffle.permutation({n_samples})
        for first in range(0, {n_samples}, batch_size):  # one step per mini-batch: ⌈{n_samples} / batch size⌉ per epoch
            batch = order[first:first + batch_size]
            model.train_on_batch(x[batch], y[batch])
            kernel, bias = model.layers[0].get_weights()
            path.append((float(kernel[0, 0]), float(bias[0])))
    paths[method] = np.array(path)
    w, b = path[-1]
    loss = keras.losses.BinaryCrossentropy(from_logits=True)(y, w * x + b)  # on all {n_samples} points
    print(f"{{method}} ({{batch_size}}): w = {{w:.3f}}, b = {{b:.3f}}, loss after training = {{float(loss):.3f}}")
"""


def loss_metric_code(seed: int, start_w: Sequence[float], start_b: float, learning_rate: float, epochs: int) -> str:
    """The loss-vs-accuracy page's training on cross-entropy in Keras: its 80 seeded points, its start, full-batch
    gradient descent at its η for its epochs, accuracy reported as a metric; prints accuracy before → after and
    keeps the accuracy per epoch (``history``), which the page draws."""
    return f"""{IMPORTS}
# The page's 80 points: two overlapping clouds (seed {int(seed)})
{blobs_source()}

X, y = blobs(80, {int(seed)}, spread=0.9)

# A sigmoid neuron trained on cross-entropy (loss=), *reporting* accuracy (metrics=)
model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
model.layers[0].set_weights([{_kernel(start_w)}, np.array([{float_literal(start_b)}])])  # the poor start
model.compile(optimizer=keras.optimizers.SGD(learning_rate={float_literal(learning_rate)}), loss="binary_crossentropy",
              metrics=["accuracy"])
_, before = model.evaluate(X, y, verbose=0)
# one full-batch step per epoch; history.history["accuracy"]: each epoch's accuracy, measured before its step
history = model.fit(X, y, batch_size=len(X), epochs={int(epochs)}, shuffle=False, verbose=0)
_, after = model.evaluate(X, y, verbose=0)
# Keras reports accuracy in float32, which can fall just under the true share (71 of 80 points, say, comes back as
# 0.8874999…, not 0.8875): rounded to a count of the points it is exact, and prints with the digits it has (88.75%)
before, after = round(before * len(X)) / len(X), round(after * len(X)) / len(X)
print(f"gradient descent on cross-entropy (sigmoid): {{100 * before:g}}% → {{100 * after:g}}%")

# The other two ways cannot be written in Keras at all: accuracy and a step have no gradient
# (GradientTape returns None), so fit() has nothing to follow.
# More metrics for imbalanced data: metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()]
"""


def _matrix(rows) -> str:
    return "np.array([" + ", ".join("[" + _floats(row) + "]" for row in rows) + "])"


def backprop_code(sizes: Sequence[int], hidden_activation: str, output_activation: str, loss: str,
                  weights: Sequence, biases: Sequence, x, y) -> str:
    """The Backpropagation page's network in Keras, with its weights and batch: a ``tf.GradientTape``
    gives ∂L/∂w and ∂L/∂b, printed as the page's table names them (w(l)_ij: from unit i of layer l−1
    to unit j of layer l). Float64, as the page computes, so the printed digits agree."""
    from nnviz.keras_jobs import LOSS_CLASSES  # no TensorFlow import: only the class names

    loss_class = LOSS_CLASSES[loss]
    layers = [f'    keras.layers.Dense({n}, activation="{hidden_activation}", dtype="float64"),' for n in sizes[1:-1]]
    layers.append(f'    keras.layers.Dense({sizes[-1]}, activation="{output_activation}", dtype="float64"),')
    lines = [
        IMPORTS,
        "model = keras.Sequential([",
        f'    keras.Input(shape=({sizes[0]},), dtype="float64"),',
        *layers,
        "])",
        "# The page's weights: kernel[i, j] joins unit i of the layer below to unit j.",
    ]
    for k, (w, b) in enumerate(zip(weights, biases)):
        lines.append(f"model.layers[{k}].set_weights([{_matrix(w)}, np.array([{_floats(b)}])])")
    lines += [
        f"x = {_matrix(x)}",
        f"y = {_matrix(y)}  # {'one-hot classes' if loss == 'categorical_crossentropy' else 'targets'}",
        # float64 as the model: a loss of another dtype casts the outputs, and with them goes what Keras keeps of a
        # sigmoid's or softmax's logits; it then clips the probabilities to [1e-7, 1 − 1e-7], so a saturated
        # output's loss stops at 16.12 and its gradients are 0
        f'loss_fn = keras.losses.{loss_class}(dtype="float64")  # the mean over the batch',
        "with tf.GradientTape() as tape:",
        "    loss = loss_fn(y, model(x))",
        "gradients = tape.gradient(loss, model.trainable_variables)",
        'print(f"L = {float(loss):.4f}")',
        "for layer, (d_kernel, d_bias) in enumerate(zip(gradients[0::2], gradients[1::2]), start=1):",
        "    for (i, j), g in np.ndenumerate(d_kernel.numpy()):",
        '        print(f"dL/dw({layer})_{i + 1}{j + 1} = {g + 0.0:.4g}")',
        "    for j, g in enumerate(d_bias.numpy()):",
        '        print(f"dL/db({layer})_{j + 1} = {g + 0.0:.4g}")',
    ]
    return "\n".join(lines) + "\n"


PLAYGROUND_LOSSES = {"binary_crossentropy": '"binary_crossentropy"', "mse": '"mse"',
                     "categorical_crossentropy": '"sparse_categorical_crossentropy"'}  # labels 0..k−1


def playground_code(dataset: str, noise: int, train_percent: int, seed: int, features: Sequence[str],
                    sizes: Sequence[int], hidden_activation: str, output_activation: str, loss: str, l1: float,
                    l2: float, optimizer: str, learning_rate: float, batch_size: int, weights: Sequence,
                    biases: Sequence, epochs: int, own: dict | None = None) -> str:
    """The Playground in Keras: the same data (the page's generator, written out), inputs, network with
    its starting weights, optimiser and batches, trained for ``epochs`` epochs; prints the training and
    test loss the page shows (to float32's precision) and, for classes, its test accuracy."""
    from nnviz import playground as pg

    columns = ", ".join(pg.FEATURES[f][1] for f in features)
    labels = ", ".join(pg.FEATURES[f][0] for f in features)
    regularizer = ""
    if l1 or l2:
        regularizer = f", kernel_regularizer=keras.regularizers.L1L2(l1={float_literal(l1)}, l2={float_literal(l2)})"
    layers = [f'    keras.layers.Dense({n}, activation="{hidden_activation}"{regularizer}),' for n in sizes[1:-1]]
    layers.append(f'    keras.layers.Dense({sizes[-1]}, activation="{output_activation}"{regularizer}),')
    if optimizer == "adam":
        opt = f"keras.optimizers.Adam(learning_rate={float_literal(learning_rate)})"
    else:
        momentum = pg.MOMENTUM if optimizer == "momentum" else 0.0
        opt = f"keras.optimizers.SGD(learning_rate={float_literal(learning_rate)}, momentum={float_literal(momentum)})"
    starting = ", ".join(f"{_matrix(w)}, np.array([{_floats(b)}])" for w, b in zip(weights, biases))
    target = "labels[train]" if loss == "categorical_crossentropy" else "labels[train].reshape(-1, 1)"
    test_target = "labels[test]" if loss == "categorical_crossentropy" else "labels[test].reshape(-1, 1)"
    if own is None:
        generator, call = pg.GENERATOR_CALLS[dataset]
        data_lines = [
            IMPORTS.replace("import numpy as np\n", "import math\n\nimport numpy as np\n"),
            f"BOX = {float_literal(pg.BOX)}  # the data live in [-6, 6]²",
            f"GAUSSIANS = {list(pg.GAUSSIANS)}  # (x₁, x₂, sign) of the multi-Gaussian bumps",
            "Array = np.ndarray  # the type the function's hints name",
            "",
            "",
            inspect.getsource(generator),
            "",
            (f"# The page's data: {pg.DATASETS[dataset].label}, noise {noise} %, seed {seed}, "
             f"{train_percent} % for training"),
            f"n, noise, rng = {pg.N_POINTS}, {float_literal(noise / 100)}, np.random.default_rng({int(seed)})",
            f"points, labels = {call}",
            "points = np.clip(points, -BOX, BOX)",
        ]
    else:
        data_lines = [
            IMPORTS.replace("import numpy as np\n", "import csv\n\nimport numpy as np\n"),
            f"# Your points: {own['name']} (put it next to this script), {train_percent} % for training",
            f"BOX = {float_literal(pg.BOX)}  # the page draws the plane [-6, 6]²; your points are scaled to fit it",
            f"with open({own['name']!r}, newline=\"\", encoding=\"utf-8-sig\") as file:",
            "    rows = [row for row in csv.reader(file) if any(cell.strip() for cell in row)]",
            "try:",
            "    float(rows[0][0])",
            "except ValueError:",
            "    rows = rows[1:]  # a header row",
            f"CLASSES = {list(own['class_names'])}  # your labels as classes 0, 1, …",
            f"points = np.array([[float(row[0]), float(row[1])] for row in rows]) * {float_literal(own['scale'])}",
            "labels = np.array([CLASSES.index(row[2].strip()) for row in rows])",
            f"rng = np.random.default_rng({int(seed)})",
        ]
    lines = [
        *data_lines,
        "order = rng.permutation(len(points))",
        f"train, test = np.split(order, [round(len(points) * {int(train_percent)} / 100)])",
        "",
        "",
        "def inputs(points):",
        f'    """The chosen inputs {labels} of each point."""',
        "    a, b = points[:, 0], points[:, 1]",
        f"    return np.column_stack([{columns}])",
        "",
        "",
        f"x_train, y_train = inputs(points[train]), {target}",
        f"x_test, y_test = inputs(points[test]), {test_target}",
        "model = keras.Sequential([",
        f"    keras.Input(shape=({sizes[0]},)),",
        *layers,
        "])",
        f"model.set_weights([{starting}])  # the page's starting weights (Glorot-uniform, seed {int(seed)})",
        f"model.compile(optimizer={opt}, loss={PLAYGROUND_LOSSES[loss]})",
        f"EPOCHS = {int(epochs)}  # each epoch is one fit call here (~20-50 ms)",
        "for epoch in range(EPOCHS):  # the page shuffles the batches of each epoch with a seeded generator",
        f"    order = np.random.default_rng({int(seed)} * 100003 + epoch).permutation(len(x_train))",
        (f"    model.fit(x_train[order], y_train[order], batch_size={int(batch_size)}, epochs=1, shuffle=False, "
        "verbose=0)"),
        'print(f"epoch {EPOCHS}: training loss {model.evaluate(x_train, y_train, verbose=0):#.4g}, "',
        '      f"test loss {model.evaluate(x_test, y_test, verbose=0):#.4g}")',
    ]
    if output_activation != "linear":  # classes (whatever the loss: two classes may train on the squared error):
        # the share of the test points the network puts in their class
        pick = ("[:, 0] >= 0.5  # class 1 where its output p ≥ 0.5" if output_activation == "sigmoid" else
                ".argmax(axis=1)  # the class of the largest output")
        lines += [f"predicted = model.predict(x_test, verbose=0){pick}",
                  'print(f"test accuracy {np.mean(predicted == labels[test]):.1%}")']
    return "\n".join(lines) + "\n"
