"""AppTest of the activation-functions page: the widgets change what is drawn, as the maths says."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import figures, hyphens_as_minus_signs, set_to_extreme, texts, trace, values

from nnviz import activations as act

PAGE = "app_pages/activations.py"


def test_renders_all_sections(at):
    assert set(figures(at)) == {"act_curves", "act_step", "neuron", "chain", "collapse"}
    assert [h.value for h in at.header][:2] == [
        "The functions and their derivatives", "Why the step function gives gradient descent nothing to follow"]
    assert "In Keras" in [s.value for s in at.subheader]


def test_the_formula_table_sets_its_fractions_full_size(at):
    """Inline, σ's and tanh's e^−x were ~5 px tall on a projector (a lecturer's review)."""
    table = next(m.value for m in at.markdown if m.value.startswith("| function |"))
    assert r"\sigma(x) = \dfrac{1}{1 + e^{-x}}" in table and r"\frac" not in table


def panel(fig: dict, xaxis: str) -> list[dict]:
    """The traces drawn in one panel: x = f(x), x2 = f'(x), x3 = the saturation strip."""
    return [t for t in fig["data"] if t.get("xaxis", "x") == xaxis]


def saturated_ranges(strip_trace: dict) -> list[tuple[float, float]]:
    """The strip draws each saturated interval as a segment [x0, x1] followed by a gap (None)."""
    xs = strip_trace["x"]
    return [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 3) if xs[i] is not None]


def test_chosen_functions_and_their_derivatives_are_drawn(at):
    at.multiselect(key="act_choice").set_value(["elu", "gelu"]).run()
    fig = figures(at)["act_curves"]
    functions, derivatives = panel(fig, "x"), panel(fig, "x2")
    assert [t["name"] for t in functions] == [t["name"] for t in derivatives] == ["ELU (α = 1)", "GELU"]
    x = values(functions[0]["x"])
    np.testing.assert_allclose(values(functions[0]["y"]), act.elu(x))
    np.testing.assert_allclose(values(derivatives[1]["y"]), act.gelu_grad(x))


def test_overlay_has_a_legend_naming_each_function_once(at):
    """Several curves in one colour code need a key: one legend entry per function, in its colour."""
    at.multiselect(key="act_choice").set_value(["sigmoid", "tanh", "relu"]).run()
    fig = figures(at)["act_curves"]
    assert fig["layout"]["showlegend"] is True
    entries = [t for t in fig["data"] if t.get("showlegend", True)]
    assert [t["name"] for t in entries] == ["Sigmoid (logistic)", "Tanh", "ReLU"]
    colours = [t["line"]["color"] for t in entries]
    assert len(set(colours)) == 3
    # the derivative of each function is drawn in the colour its legend entry shows
    assert [t["line"]["color"] for t in panel(fig, "x2")] == colours


def test_range_slider_sets_the_x_grid(at):
    at.slider(key="act_range").set_value((-15.0, 2.0)).run()
    fig = figures(at)["act_curves"]
    x = values(fig["data"][0]["x"])
    assert (x[0], x[-1]) == (-15.0, 2.0)
    assert fig["layout"]["xaxis3"]["range"] == [-15.0, 2.0]


def test_saturation_strip_marks_where_the_derivative_is_small(at):
    at.multiselect(key="act_choice").set_value(["sigmoid", "relu", "leaky_relu"]).run()
    sigmoid_row, relu_row, leaky_row = panel(figures(at)["act_curves"], "x3")
    assert sigmoid_row["y"][0] == "Sigmoid (logistic)"
    (left, right) = saturated_ranges(sigmoid_row)
    threshold = np.log((1 + np.sqrt(0.8)) / (1 - np.sqrt(0.8)))  # σ'(x) = 0.05
    assert left[0] == -6.0 and right[1] == 6.0
    assert left[1] == pytest.approx(-threshold, abs=0.05) and right[0] == pytest.approx(threshold, abs=0.05)
    ((lo, hi),) = saturated_ranges(relu_row)
    assert lo == -6.0 and hi == pytest.approx(0.0, abs=0.05)
    assert saturated_ranges(leaky_row) == []  # slope 0.2 on the left: never saturated


def test_side_by_side_gives_one_panel_per_function_with_shaded_saturation(at):
    at.multiselect(key="act_choice").set_value(list(act.ACTIVATIONS)).run()
    at.radio(key="act_layout").set_value("Side by side").run()
    layout = figures(at)["act_curves"]["layout"]
    assert {f"xaxis{i}" for i in range(2, 11)} <= set(layout)
    titles = [a["text"] for a in layout["annotations"]]
    assert titles[0] == "Step (Heaviside): f solid, f′ dotted"  # the key, in place of a legend
    assert titles[1:] == [a.label for a in list(act.ACTIVATIONS.values())[1:]]
    step_band = [s for s in layout["shapes"] if s["xref"] == "x"]  # panel 1 is the step function
    assert [(s["x0"], s["x1"]) for s in step_band] == [(-6.0, 6.0)]


def test_step_function_has_zero_derivative_everywhere(at):
    fig = figures(at)["act_step"]
    step_grad = panel(fig, "x2")[0]
    assert step_grad["name"] == "Step (Heaviside)"
    assert np.all(values(step_grad["y"]) == 0)
    assert saturated_ranges(panel(fig, "x3")[0]) == [(-6.0, 6.0)]


def test_neuron_weight_and_bias_move_the_curve(at):
    at.slider(key="neuron_w").set_value(2.0)
    at.slider(key="neuron_b").set_value(3.0).run()
    fig = figures(at)["neuron"]
    curve = next(t for t in fig["data"] if t["name"].startswith("a = f("))
    x = values(curve["x"])
    np.testing.assert_allclose(values(curve["y"]), act.sigmoid(2.0 * x + 3.0))
    assert fig["layout"]["shapes"][0]["x0"] == pytest.approx(-1.5)
    assert any(note["text"].endswith("at x = −1.50") for note in fig["layout"]["annotations"])
    assert "−b/w: −1.50" in texts(at).replace("switch point x = ", "")  # the formulas' minus sign


def test_the_neurons_reference_curve_is_drawn_over_its_curve_where_they_coincide(at):
    """At w = 1, b = 0 (the page's start) a = f(x): the grey dashed reference lay under the blue curve, and its legend
    entry named a line nobody could see (a student's review). Drawn over it, dashed, both show; the legend keeps it
    first."""
    fig = figures(at)["neuron"]
    curve, reference = fig["data"]
    assert curve["name"].startswith("a = f(1·x + 0)") and reference["name"].startswith("f(x), ")
    np.testing.assert_array_equal(values(curve["y"]), values(reference["y"]))
    assert reference["line"]["dash"] == "dash" and reference["legendrank"] < curve["legendrank"]


def test_neuron_with_zero_weight_is_explained_not_crashed(at):
    at.slider(key="neuron_w").set_value(0.0).run()
    assert not at.exception
    assert "the input is ignored" in texts(at)
    curve = next(t for t in figures(at)["neuron"]["data"] if t["name"].startswith("a = f("))
    np.testing.assert_allclose(values(curve["y"]), 0.5)  # σ(0·x + 0)


def test_deep_sigmoid_chain_vanishes_and_relu_does_not(at):
    at.slider(key="chain_depth").set_value(20).run()
    fig = figures(at)["chain"]
    sigmoid_line = values(trace(fig, "Sigmoid (logistic)")["y"])
    relu_line = values(trace(fig, "ReLU")["y"])
    assert len(sigmoid_line) == 20
    np.testing.assert_allclose(sigmoid_line, np.abs(act.chain_gradients(act.get("sigmoid"), 20, 0.5, 1.0)))
    assert sigmoid_line[-1] < 0.25**20 and np.all(np.diff(sigmoid_line) < 0)
    np.testing.assert_allclose(relu_line, 1.0)


def test_dead_relu_gradient_is_reported_not_plotted(at):
    at.slider(key="chain_x0").set_value(-1.0).run()
    relu_line = values(trace(figures(at)["chain"], "ReLU")["y"])
    assert np.all(np.isnan(relu_line))
    assert "Exactly zero (not drawn on the log axis): ReLU" in texts(at)


def test_linear_stack_collapses_and_nonlinear_does_not(at):
    fig = figures(at)["collapse"]
    assert fig["data"][0]["yaxis"] == "y2"  # its own axis: a deep sigmoid stack can be nearly flat
    nonlinear, linear, collapsed = (values(t["y"]) for t in fig["data"])
    np.testing.assert_allclose(linear, collapsed, atol=1e-12)
    assert np.max(np.abs(nonlinear - linear)) > 0.1
    x = values(fig["data"][1]["x"])
    assert np.allclose(np.diff(linear, 2), 0, atol=1e-9)  # a straight line
    at.selectbox(key="collapse_act").set_value("linear").run()
    # None (linear) is the network without activation: one entry for it, not a second line drawn over the same one
    # (lecture plan moment 6: three entries, one line to see, a lecturer's review)
    linear_net, one_layer = figures(at)["collapse"]["data"]
    assert linear_net["name"] == "3 hidden layers with None (linear): no activation"
    assert one_layer["name"] == "one layer y = Wx + b (collapsed): the same line" and one_layer["line"]["dash"] == "dash"
    np.testing.assert_allclose(values(linear_net["y"]), linear)
    np.testing.assert_allclose(values(one_layer["y"]), collapsed)
    assert "yaxis2" not in figures(at)["collapse"]["layout"]  # no empty right axis for a line that is not there
    assert len(x) == len(linear)


def test_the_collapse_text_says_which_network_is_one_layer(at):
    """Beside a ReLU network it said 'all 4 layers equal one layer y = …: a straight line, however deep' without
    naming the orange copy without activation it meant (a helper's review)."""
    said = texts(at)
    assert "Without an activation (orange: the same weights" in said and "With ReLU between them" in said
    # the count beside the slider's 'hidden layers 3': 'all 4 layers' read as a disagreement (a helper's review)
    assert "all 4 layers (3 hidden and the output) equal **one** layer" in said
    at.selectbox(key="collapse_act").set_value("linear").run()
    said = texts(at)
    assert "Without an activation (orange" in said and "between them" not in said


def test_seed_changes_the_random_weights_reproducibly(at):
    first = values(figures(at)["collapse"]["data"][0]["y"])
    at.number_input(key="collapse_seed").set_value(7).run()
    seven = values(figures(at)["collapse"]["data"][0]["y"])
    at.number_input(key="collapse_seed").set_value(0).run()
    np.testing.assert_array_equal(values(figures(at)["collapse"]["data"][0]["y"]), first)
    assert not np.allclose(seven, first)


def test_empty_choices_and_empty_range_give_messages(at):
    at.multiselect(key="act_choice").set_value([])
    at.multiselect(key="chain_acts").set_value([])
    at.slider(key="act_range").set_value((3.0, 3.0)).run()
    assert not at.exception
    shown = texts(at)
    assert "Pick at least one activation function above" in shown
    assert "Pick at least one activation function to compare" in shown
    assert "The range of x is empty: drag the two ends of the slider at least 1 apart" in shown
    assert "act_curves" not in figures(at) and "neuron" in figures(at)
    at.slider(key="act_range").set_value((2.0, 2.5)).run()  # not empty: 'empty' was wrong (a helper's review)
    assert "The range of x is only 0.5 wide: drag the two ends of the slider at least 1 apart" in texts(at)


def test_keras_panel_follows_the_neuron_and_the_chain(at):
    """The panel builds the neuron of 'One neuron' and the chains of 'Deep chains' (what it prints is
    compared with the page's tables in test_keras_panels.py)."""
    at.selectbox(key="neuron_act").set_value("selu")
    at.slider(key="neuron_w").set_value(-1.5)
    at.multiselect(key="chain_acts").set_value(["tanh", "step"])
    at.slider(key="chain_depth").set_value(12).run()
    code = at.code[0].value
    assert 'keras.layers.Dense(1, activation="selu")' in code and "np.array([[-1.5]])" in code
    assert 'for label, name in [("Tanh", "tanh")]:' in code and "for _ in range(12)" in code
    assert "# Step (Heaviside): Keras has no such activation" in code


@pytest.mark.parametrize("end", ["min", "max"])
def test_every_widget_at_its_extremes_raises_nothing(at, end):
    at.multiselect(key="act_choice").set_value(list(act.ACTIVATIONS))
    at.multiselect(key="chain_acts").set_value(list(act.ACTIVATIONS))
    set_to_extreme(at, end)
    at.run()
    assert not at.exception
    for layout in ("Overlay", "Side by side"):
        at.radio(key="act_layout").set_value(layout).run()
        assert not at.exception
    for key in act.ACTIVATIONS:
        at.selectbox(key="neuron_act").set_value(key)
        at.selectbox(key="collapse_act").set_value(key).run()
        assert not at.exception, key
        assert hyphens_as_minus_signs(at) == [], key  # negative numbers in our text with the formulas' '−'
        for fig in figures(at).values():
            for t in fig["data"]:
                if t.get("xaxis") == "x3":
                    continue  # the saturation strip: category rows, not numbers
                y = values(t["y"])
                assert not np.any(np.isinf(y)), (key, t["name"])


def test_the_formulas_fit_a_phone(at):
    """On a phone the formula table (~440 px) scrolled the page sideways and the collapse identity (~385 px) was cut
    at 358 px: the table sits in a box whose CSS turns each row into a block of lines when the box is narrow, and the
    identity is written on two lines."""
    styles = [e.proto.body for e in at.get("html")]
    (table_css,) = [body for body in styles if ".st-key-act_formulas" in body]
    assert "container-type: inline-size" in table_css and "@container (max-width: 520px)" in table_css
    for rule in ("display: block", "thead { display: none; }", 'content: "output range: "', 'content: "derivative: "'):
        assert rule in table_css, rule
    assert any(m.value.startswith("| function | formula | output range | derivative |") for m in at.markdown)
    identity = [e.value.strip("$\n") for e in at.latex if "W_2 W_1" in e.value]
    assert identity == [r"\begin{aligned} &W_2(W_1 x + b_1) + b_2 \\ &\quad = (W_2 W_1)\,x + (W_2 b_1 + b_2) \end{aligned}"]


def test_the_strip_names_its_rows_top_down_with_room_under_the_last_for_the_x_ticks():
    """At x from −20 to 20 the last row's name ran into the strip's first x tick label ('−20') in Lecture mode."""
    from nnviz.figures.activations import STRIP_FOOT, activation_figure

    chosen = [act.ACTIVATIONS[k] for k in ("step", "sigmoid", "relu")]
    layout = activation_figure(np.linspace(-20, 20, 201), chosen).to_dict()["layout"]
    strip = layout["yaxis3"]
    assert strip["categoryarray"] == [a.label for a in chosen]
    assert strip["range"] == [2.5 + STRIP_FOOT, -0.5] and STRIP_FOOT >= 0.3  # reversed: the first row on top
