"""The tf.keras code shown in each page's Keras panel, generated from the page's settings.

Text only: building these strings never imports TensorFlow. The tests run every
snippet in Keras to make sure what we show really works.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nnviz.activations import Activation

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
        f"neuron.layers[0].set_weights([np.array([[{float_literal(w)}]]), np.array([{float_literal(b)}])])",
        f'x = np.array([{_floats(NEURON_INPUTS)}], dtype="float32").reshape(-1, 1)  # one input per row',
        output,
        'print("a =", " ".join(f"{v:.4f}" for v in np.ravel(a)))',
        "",
        f"# The deep chain: {depth} one-unit layers a_l = f(w·a_(l-1)) with w = {chain_w:g}, from x = {x0:g}.",
        "# GradientTape gives the gradient that reaches the input (float64, so tiny values do not underflow).",
    ]
    trainable = [a for a in compared if a.keras_name is not None]
    for a in compared:
        if a.keras_name is None:
            lines.append(f"# {a.label}: Keras has no such activation; its gradient is 0 (GradientTape returns None).")
    if trainable:
        names = ", ".join(f'"{a.keras_name}"' for a in trainable)
        lines += [
            f"for name in [{names}]:",
            "    chain = keras.Sequential(",
            '        [keras.Input(shape=(1,), dtype="float64")]',
            '        + [keras.layers.Dense(1, activation=name, use_bias=False, dtype="float64",',
            f"                              kernel_initializer=keras.initializers.Constant({float_literal(chain_w)}))",
            f"           for _ in range({depth})])",
            f'    x0 = tf.Variable([[{float_literal(x0)}]], dtype="float64")',
            "    with tf.GradientTape() as tape:",
            "        a = chain(x0)",
            f'    print(f"{{name}}: ∂a/∂x after {depth} layers = {{float(tape.gradient(a, x0)[0, 0]):.3g}}")',
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


def perceptron_code(w: Sequence[float], b: float) -> str:
    """A single Dense unit holding the perceptron's weights, and its trainable sigmoid cousin."""
    n = len(w)
    kernel = ", ".join(f"[{float_literal(v)}]" for v in w)
    return f"""{IMPORTS}
# The perceptron is one Dense unit: z = w·x + b ...
perceptron = keras.Sequential([keras.Input(shape=({n},)), keras.layers.Dense(1)])
perceptron.layers[0].set_weights([np.array([{kernel}]), np.array([{float_literal(b)}])])
X = np.random.default_rng(0).normal(size=(5, {n})).astype("float32")
z = perceptron(X)
y_hat = tf.cast(z >= 0, "int32")  # ... followed by a step. Keras has no step activation:
print(y_hat.numpy().ravel())       # its gradient is 0, so fit() could not train it.

# What Keras can train: the same unit with a smooth sigmoid, and a loss with a gradient.
neuron = keras.Sequential([keras.Input(shape=({n},)), keras.layers.Dense(1, activation="sigmoid")])
neuron.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy",
               metrics=["accuracy"])
# neuron.fit(X_train, y_train, epochs=20)  # y in {{0, 1}}
"""


def sgd_code(learning_rate: float, batch_size: int, epochs: int, seed: int, start: Sequence[float],
             n_samples: int = 200) -> str:
    """The mini-batch section of the gradient-descent page in Keras: the same seeded data, the same start
    (w, b), the same seeded shuffle into mini-batches each epoch, one ``train_on_batch`` per step; it prints
    each method's final (w, b) and loss, as the page's table shows them.

    ``fit(shuffle=True)`` would draw its own order, so the batches are fed by hand.
    """
    w0, b0 = start
    return f"""{IMPORTS}
# The data: {n_samples} points with P(y = 1 | x) = σ(2x − 1), seed {seed}
rng = np.random.default_rng({int(seed)})
x = rng.normal(0.0, 1.5, ({n_samples}, 1))
y = (rng.random(({n_samples}, 1)) < 1 / (1 + np.exp(-(2 * x - 1)))).astype("float32")
x = x.astype("float32")

for method, batch_size in {{"full batch": {n_samples}, "mini-batch": {int(batch_size)}, "stochastic": 1}}.items():
    model = keras.Sequential([
        keras.Input(shape=(1,)),
        keras.layers.Dense(1, activation="sigmoid"),  # logistic regression: p = σ(w x + b)
    ])
    model.layers[0].set_weights([np.array([[{float_literal(w0)}]]), np.array([{float_literal(b0)}])])  # the start (ring)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate={float_literal(learning_rate)}), loss="binary_crossentropy")
    shuffle = np.random.default_rng({int(seed)})  # a new order of the samples in every epoch
    for epoch in range({int(epochs)}):
        order = shuffle.permutation({n_samples})
        for first in range(0, {n_samples}, batch_size):  # one step per mini-batch: ⌈{n_samples} / batch size⌉ per epoch
            batch = order[first:first + batch_size]
            model.train_on_batch(x[batch], y[batch])
    kernel, bias = model.layers[0].get_weights()
    w, b = float(kernel[0, 0]), float(bias[0])
    loss = keras.losses.BinaryCrossentropy(from_logits=True)(y, w * x + b)  # on all {n_samples} points
    print(f"{{method}} ({{batch_size}}): w = {{w:.3f}}, b = {{b:.3f}}, loss after training = {{float(loss):.3f}}")
"""


def loss_metric_code() -> str:
    """Binary and multi-class compile calls: a smooth loss to optimise, accuracy as a metric."""
    return f"""{IMPORTS}
# Binary classification: a sigmoid output, trained on cross-entropy, *reporting* accuracy.
model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0),
              loss="binary_crossentropy",
              metrics=["accuracy", keras.metrics.Precision(), keras.metrics.Recall()])

# Several classes: softmax output and sparse categorical cross-entropy (labels 0, 1, 2, ...).
multi = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3, activation="softmax")])
multi.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

rng = np.random.default_rng(0)
X = rng.normal(size=(80, 2)).astype("float32")
y = (X[:, 0] + X[:, 1] > 0).astype("float32")
history = model.fit(X, y, epochs=5, verbose=0)
print({{name: round(values[-1], 3) for name, values in history.history.items()}})
"""
