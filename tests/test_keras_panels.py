"""Every Keras panel prints what its page shows, for the page's current settings.

Each test renders a page with AppTest in a few widget states, runs the page's Keras panel as shown
(in this process: Keras is imported once) and compares the printed numbers with the numbers the page
shows next to them (tables, metrics, figure data). That every code block runs as copied in a fresh
interpreter is tested in test_code_blocks.py. The default state of every page is tested by test_notebooks.py:
its notebook's code cell is this panel, run in a fresh kernel with the same checks (PAGE_CHECKS).
"""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest
from conftest import app_test, figures, metric, shown_number, trace, values

from nnviz import gradient_descent as gd

keras = pytest.importorskip("keras")

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")


def run_panel(at) -> str:
    """Run the page's Keras panel (its last code block) as shown; return what it printed."""
    code = at.code[-1].value
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<keras panel>", "exec"), {"__name__": "__keras_panel__"})  # noqa: S102
    return out.getvalue()


def printed_numbers(out: str, prefix: str) -> np.ndarray:
    """The numbers printed on the line that starts with ``prefix`` (after the prefix)."""
    (line,) = [line for line in out.splitlines() if line.startswith(prefix)]
    return np.array([float(v) for v in NUMBER.findall(line[len(prefix):])])


def table_column(at, column: str) -> list[str]:
    (table,) = [t.value for t in at.table if column in t.value.columns]
    return list(table[column])


def apply(at, settings: dict) -> None:
    """Set the widgets one at a time, in order (a select box's options can depend on an earlier widget)."""
    for key, value in settings.items():
        at.session_state[key] = value
        at.run()
        assert not at.exception


# --- Softmax -------------------------------------------------------------------------------------------------

SOFTMAX_STATES = [
    {"sm_classes": 5, "sm_temperature": 0.35, "sm_logit_0": -3.2, "sm_logit_1": 4.1, "sm_logit_2": 0.0,
     "sm_logit_3": 4.0, "sm_logit_4": -10.0, "sm_true": 3},
    {"sm_classes": 2, "sm_temperature": 0.05, "sm_logit_0": 1.0, "sm_logit_1": 1.3, "sm_true": 0},
    {"sm_classes": 10, "sm_temperature": 5.0, "sm_true": 9},
]


def check_softmax(at, out: str) -> None:
    shown_p = np.array([shown_number(v) for v in table_column(at, "÷ sum → p")])
    printed = printed_numbers(out, "p =")
    *printed_p, predicted = printed
    np.testing.assert_allclose(printed_p, shown_p, atol=1.01e-4)
    assert metric(at, "predicted class (argmax)") == f"class {int(predicted)}"

    loss = next(m.value for m in at.metric if m.label.startswith("cross-entropy L"))  # 'cross-entropy L = −ln p₀ …'
    assert printed_numbers(out, "cross-entropy L =")[0] == pytest.approx(float(loss), abs=1.01e-4)
    shown_gradient = values(figures(at)["sm_gradient"]["data"][0]["y"])
    np.testing.assert_allclose(printed_numbers(out, "∂L/∂z = (p − y) / T ="), shown_gradient, atol=1.01e-4)


# --- Activations ---------------------------------------------------------------------------------------------

ACTIVATION_STATES = [
    {"neuron_act": "tanh", "neuron_w": -2.3, "neuron_b": 1.5, "chain_acts": ["sigmoid", "relu", "step", "gelu"],
     "chain_depth": 30, "chain_w": 0.1, "chain_x0": -1.2},
    {"neuron_act": "step", "neuron_w": 0.5, "neuron_b": -0.2, "chain_acts": ["elu", "selu", "swish", "softplus"],
     "chain_depth": 7, "chain_w": 2.5, "chain_x0": 0.0},
    {"neuron_act": "leaky_relu", "neuron_w": 5.0, "neuron_b": -10.0, "chain_acts": ["tanh", "leaky_relu"],
     "chain_depth": 1, "chain_w": 4.0, "chain_x0": 3.0},
]


def check_activations(at, out: str) -> None:
    shown_a = [shown_number(v) for v in table_column(at, "a = f(z)")]
    np.testing.assert_allclose(printed_numbers(out, "a ="), shown_a, atol=1.01e-4)

    from nnviz import activations as act

    depth = at.slider(key="chain_depth").value
    column = act.chain_gradient_title(depth)
    shown = dict(zip(table_column(at, "activation"), table_column(at, column)))
    compared = [act.get(k) for k in at.multiselect(key="chain_acts").value]
    keras_lines = {line.split(":")[0]: line for line in out.splitlines() if column in line}
    for a in compared:
        if a.keras_name is None:  # the step: the code says why Keras has none, and prints the page's 0
            assert f"# {a.label}: Keras has no such activation" in at.code[-1].value
            assert shown_number(shown[a.label]) == 0
        printed = float(keras_lines[a.label].rsplit("=", 1)[1])  # under the page's name for it
        assert printed == pytest.approx(shown_number(shown[a.label]), rel=6e-3, abs=1e-300), a.key


# --- Gradient descent ----------------------------------------------------------------------------------------

GD_STATES = [
    {"gd3_batch": 7, "gd3_lr": 2.0, "gd3_epochs": 4, "gd3_seed": 3},
    {"gd3_batch": 200, "gd3_lr": 1.0, "gd3_epochs": 1, "gd3_seed": 42},
    {"gd3_batch": 50, "gd3_lr": 0.01, "gd3_epochs": 2, "gd3_seed": 9999},
]


def check_gradient_descent(at, out: str) -> None:
    batch = at.slider(key="gd3_batch").value
    rate = at.select_slider(key="gd3_lr").value
    epochs = at.slider(key="gd3_epochs").value
    seed = int(at.number_input(key="gd3_seed").value)
    shown_losses = [shown_number(v) for v in table_column(at, "loss after training")]
    x, y = gd.logistic_data(200, seed)
    paths = figures(at)["gd_batches"]
    for (method, size), shown_loss in zip((("full batch", 200), ("mini-batch", batch), ("stochastic", 1)),
                                          shown_losses):
        w, b, loss = printed_numbers(out, f"{method} ({size}):")
        assert loss == pytest.approx(shown_loss, abs=1.6e-3), method
        # the run ends where the page's path ends (the path drawn from the ring)
        page_run, _ = gd.minibatch_descent(x, y, np.array([-0.5, 1.5]), rate, size, epochs, seed)
        assert (w, b) == pytest.approx(tuple(page_run.points[-1]), abs=2e-3), method
        drawn = trace(paths, next(t["name"] for t in paths["data"] if t.get("name", "").startswith(method)))
        assert (values(drawn["x"])[0], values(drawn["y"])[0]) == (-0.5, 1.5)  # the ring is the snippet's start


# --- Perceptron ------------------------------------------------------------------------------------------------

PERCEPTRON_STATES = [
    {"perc_dataset": "Separable blobs", "perc_seed": 17, "perc_w1": 0.3, "perc_w2": 0.7, "perc_b": -3.2},
    {"perc_dataset": "AND", "perc_w1": 0.3, "perc_w2": 0.7, "perc_b": -1.0},  # z = 0 exactly at (1, 1)
    {"perc_dataset": "Noisy, overlapping blobs", "perc_seed": 5, "perc_w1": -2.0, "perc_w2": -1.5, "perc_b": 9.0},
]


def check_perceptron(at, out: str) -> None:
    wrong, total = printed_numbers(out, "misclassified:")
    assert metric(at, "misclassified") == f"{int(wrong)} of {int(total)}"


# --- Loss vs accuracy ------------------------------------------------------------------------------------------

LOSS_STATES = [
    {"la_seed": 12, "la_lr": 3.0, "la_epochs": 200},
    {"la_seed": 3, "la_lr": 0.1, "la_epochs": 7},
    {"la_lr": 0.0, "la_epochs": 1},
    {"la_seed": 4, "la_lr": 0.3, "la_epochs": 150, "la_share": 1},  # 71 of 80: Keras' float32 printed 88.7 %, not 88.8 %
]


def check_loss_vs_accuracy(at, out: str) -> None:
    before, after = printed_numbers(out, "gradient descent on cross-entropy (sigmoid):")
    shown = [float(v) for v in NUMBER.findall(metric(at, "gradient descent on cross-entropy (sigmoid)"))]
    # as the page prints them (the code turns Keras' float32 accuracy into a count of the 80 points: 71/80 printed
    # as 88.7 % beside the page's 88.8 %, which this test let pass by comparing counts)
    assert [before, after] == shown


# --- Backpropagation -------------------------------------------------------------------------------------------

BACKPROP_STATES = [
    {"bp_activation": "relu", "bp_seed": 4, "bp_label": 0},
    {"bp_batch": 4},
    # a saturated output (σ(−30)): the loss in float32 lost Keras' logits and clipped p to 1e-7 (L = 16.12, gradients 0)
    {"bp_hand_set": "b(2)_1=-30"},
]


def check_backprop(at, out: str) -> None:
    """The loss metric, and every ∂L/∂θ of the page's gradient table (each to the 4 significant digits shown)."""
    shown_loss = float(next(m.value for m in at.metric if m.label.startswith("loss L")))
    assert printed_numbers(out, "L =")[0] == pytest.approx(shown_loss, abs=1e-4)
    (table,) = [d.value for d in at.dataframe if "∂L/∂θ" in d.value.columns and "parameter" in d.value.columns]
    assert len(table) > 0
    for name, shown in zip(table["parameter"], table["∂L/∂θ"]):
        assert printed_numbers(out, f"dL/d{name} =")[0] == pytest.approx(shown_number(shown), rel=1e-3, abs=1e-12), name


# --- Playground ------------------------------------------------------------------------------------------------

PLAYGROUND_STATES = [
    {"pg_dataset": "xor", "pg_shape": "3", "pg_activation": "relu", "pg_seed": 2},
]


def check_playground(at, out: str) -> None:
    epoch, train_loss, test_loss = printed_numbers(out, "epoch")
    assert f"{int(epoch):,}" == metric(at, "epoch")
    assert train_loss == pytest.approx(float(metric(at, "training loss")), abs=2e-4)  # Keras computes in float32
    assert test_loss == pytest.approx(float(metric(at, "test loss")), abs=2e-4)
    if any(m.label == "test accuracy" for m in at.metric):  # classes (a regression has none)
        assert f"{printed_numbers(out, 'test accuracy')[0]:.1f}%" == metric(at, "test accuracy")
    else:
        assert "accuracy" not in out


# --- MNIST (its panel trains a network: run as a notebook in test_notebooks.py) ----------------------------------

ACCURACY_POINTS = 1.0  # percentage points between two trainings of the same network on the same data


def check_mnist(at, out: str) -> None:
    """A trained page: the script's test accuracy is the page's, within ACCURACY_POINTS (training on a CPU is
    not bit-for-bit the same from one process to another)."""
    printed_accuracy = printed_numbers(out, "test accuracy:")[0]
    shown = float(metric(at, "test accuracy").rstrip("%"))
    assert printed_accuracy == pytest.approx(shown, abs=ACCURACY_POINTS)


PAGE_CHECKS = {"softmax": check_softmax, "activations": check_activations, "gradient_descent": check_gradient_descent,
               "perceptron": check_perceptron, "loss_vs_accuracy": check_loss_vs_accuracy, "backprop": check_backprop,
               "playground": check_playground, "mnist": check_mnist}

PANEL_STATES = [(key, settings) for key, states in (
    ("softmax", SOFTMAX_STATES), ("activations", ACTIVATION_STATES), ("gradient_descent", GD_STATES),
    ("perceptron", PERCEPTRON_STATES), ("loss_vs_accuracy", LOSS_STATES), ("backprop", BACKPROP_STATES),
    ("playground", PLAYGROUND_STATES)) for settings in states]


@pytest.mark.parametrize(("key", "settings"), PANEL_STATES,
                         ids=[f"{key}-{i}" for i, (key, _) in enumerate(PANEL_STATES)])
def test_the_keras_panel_prints_the_numbers_the_page_shows(key, settings):
    at = app_test(f"app_pages/{key}.py")
    apply(at, settings)
    PAGE_CHECKS[key](at, run_panel(at))
