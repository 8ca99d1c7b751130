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


def dense_activation_code(activations: Sequence[Activation], units: int = 32) -> str:
    """One hidden ``Dense`` layer per chosen activation, in a model that builds and runs."""
    lines = [IMPORTS, "# One hidden layer per activation you picked (inputs with 2 features):",
             "model = keras.Sequential([", "    keras.Input(shape=(2,)),"]
    for act in activations:
        if act.keras_name is None:
            lines.append(f"    # {act.label}: Keras has no such activation -- its gradient is 0, so it cannot be trained.")
        else:
            lines.append(f'    keras.layers.Dense({units}, activation="{act.keras_name}"),')
    lines += ["    keras.layers.Dense(1),", "])",
              "",
              "# The activation on its own, as a function:",
              "x = np.linspace(-5, 5, 11).astype(\"float32\")"]
    for act in activations:
        if act.keras_name is not None:
            lines.append(f'print("{act.keras_name}", keras.activations.get("{act.keras_name}")(x).numpy())')
    return "\n".join(lines) + "\n"


def softmax_code(n_classes: int, temperature: float = 1.0) -> str:
    """A softmax output layer with its loss, the from_logits variant, and temperature."""
    return f"""{IMPORTS}
# Softmax output layer: one unit per class, trained with sparse categorical cross-entropy
# (labels are class numbers 0..{n_classes - 1}, not one-hot vectors).
model = keras.Sequential([
    keras.Input(shape=(784,)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense({n_classes}, activation="softmax"),
])
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

# Numerically safer variant: output raw logits and let the loss apply softmax itself.
logits_model = keras.Sequential([
    keras.Input(shape=(784,)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense({n_classes}),  # no activation: logits
])
logits_model.compile(
    optimizer="sgd",
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)

# Probabilities from logits, with temperature T = {temperature:g}:
logits = logits_model(np.zeros((1, 784), dtype="float32"))
probs = keras.activations.softmax(logits / {temperature:g})
print(probs.numpy().round(3), "predicted class:", int(tf.argmax(probs, axis=-1)[0]))
"""


def perceptron_code(w: Sequence[float], b: float) -> str:
    """A single Dense unit holding the perceptron's weights, and its trainable sigmoid cousin."""
    n = len(w)
    kernel = ", ".join(f"[{v:.4g}]" for v in w)
    return f"""{IMPORTS}
# The perceptron is one Dense unit: z = w·x + b ...
perceptron = keras.Sequential([keras.Input(shape=({n},)), keras.layers.Dense(1)])
perceptron.layers[0].set_weights([np.array([{kernel}]), np.array([{b:.4g}])])
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


def sgd_code(learning_rate: float, momentum: float, batch_size: int, epochs: int = 3) -> str:
    """Plain or momentum SGD in Keras, with the mini-batch size passed to fit."""
    return f"""{IMPORTS}
model = keras.Sequential([
    keras.Input(shape=(1,)),
    keras.layers.Dense(1, activation="sigmoid"),  # logistic regression: p = σ(w x + b)
])
optimizer = keras.optimizers.SGD(learning_rate={learning_rate:g}, momentum={momentum:g})
model.compile(optimizer=optimizer, loss="binary_crossentropy")

rng = np.random.default_rng(0)
x = rng.normal(0, 1.5, (200, 1)).astype("float32")
y = (rng.random((200, 1)) < 1 / (1 + np.exp(-(2 * x - 1)))).astype("float32")
history = model.fit(x, y, batch_size={batch_size}, epochs={epochs}, verbose=0)  # ⌈200 / {batch_size}⌉ steps per epoch
print(history.history["loss"])
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
