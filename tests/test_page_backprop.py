"""AppTest of the Backpropagation page: stepping through the backward pass shows the engine's numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import (
    HANG_FACTOR,
    app_test,
    figures,
    hyphens_as_minus_signs,
    metric,
    set_to_extreme,
    shown_number,
    texts,
    trace,
)
from widget_states import open_tab, tab_sets, unfold

from nnviz import backprop as bpm
from nnviz import network as nw
from nnviz import ui
from nnviz.formatting import decimals_written, loss_text, with_minus_signs

PAGE = "app_pages/backprop.py"
SECTION_KEY = "bp_section"
SECTIONS = {  # tab -> the figure it draws
    "Which weights matter": "bp_sensitivity",
    "One SGD step": "bp_rate_curve",
    "Check the gradient": None,
    "Why backpropagation": None,
    "Vanishing gradients": "bp_spread",
}


def engine(setup: bpm.BackpropSetup, overrides: dict | None = None):
    """The engine's own forward and backward pass for a setup: what the page must show."""
    net = bpm.with_values(nw.init_network(setup.spec, setup.seed), overrides or {})
    x, y = setup.examples()
    fwd = nw.forward(net, x)
    return net, fwd, nw.backward(net, fwd, y), nw.loss(net, fwd, y)


def so_far(at) -> dict[str, str]:
    table = next(d.value for d in at.dataframe if "quantity" in d.value.columns)
    return dict(zip(table["quantity"], table["value"]))


def gradient_table(at) -> dict[str, tuple[str, str]]:
    table = next(d.value for d in at.dataframe if list(d.value.columns) == ["parameter", "value", "∂L/∂θ"])
    return {p: (v, g) for p, v, g in zip(table["parameter"], table["value"], table["∂L/∂θ"])}


def open_section(at, label: str) -> None:
    open_tab(at, SECTION_KEY, label)
    assert not at.exception


def test_renders_every_section(at):
    assert tab_sets(at) == {SECTION_KEY: list(SECTIONS)}
    assert set(figures(at)) == {"bp_diagram", "bp_sensitivity"}  # only the open tab runs
    assert metric(at, "step (of 8)") == "0"
    _, _, _, loss = engine(bpm.BackpropSetup())
    assert metric(at, "loss L") == f"{loss:.4f}"
    for label, figure in SECTIONS.items():
        open_section(at, label)
        expected = {figure, "bp_delta_layers"} if figure == "bp_spread" else {figure} if figure else set()
        assert set(figures(at)) - {"bp_diagram"} == expected, label
        assert at.code[0].language == "python" and "GradientTape" in at.code[0].value  # under every tab
    open_section(at, "Why backpropagation")
    assert "Backpropagation gets **every** gradient" in texts(at)


def test_the_cost_of_finite_differences_says_what_it_is_compared_with(at):
    """'101,133 times more work': a student divided by the backward pass alone and got about 201,000 (a review).
    The ratio is to a forward and a backward pass together, and the text says so."""
    open_section(at, "Why backpropagation")
    shown = {m.label: m.value for m in at.metric}
    forward, backward = (int(shown[name].replace(",", "")) for name in
                         ("forward pass", "backward pass (all gradients)"))
    finite = shown_number(shown["finite differences"])  # 2.07·10¹⁰
    ratio = re.search(r"([\d,]+) times the work of a forward and a backward pass together", texts(at))
    assert ratio, texts(at)
    assert int(ratio.group(1).replace(",", "")) == pytest.approx(finite / (forward + backward), rel=2e-3)


def test_stepping_through_shows_the_engines_deltas_and_gradients(at):
    setup = bpm.BackpropSetup()
    _net, fwd, grads, _ = engine(setup)
    at.button(key="bp_next").click().run()
    assert metric(at, "step (of 8)") == "1"
    assert so_far(at) == {"δ(2)_1": with_minus_signs(f"{grads.deltas[1][0, 0]:.4g}")}
    latex = [e.value for e in at.latex]
    a, y = fwd.output[0, 0], 1.0
    assert any(f"= {a:.4g} - {y:.4g} = {grads.deltas[1][0, 0]:.4g}" in v for v in latex)
    at.button(key="bp_next").click().run()  # the gradients of the output unit's weights
    shown = so_far(at)
    for i in range(3):
        assert shown[f"∂L/∂w(2)_{i + 1}1"] == with_minus_signs(f"{grads.weights[1][i, 0]:.4g}")
    assert shown["∂L/∂b(2)_1"] == with_minus_signs(f"{grads.biases[1][0]:.4g}")
    at.button(key="bp_all").click().run()
    shown = so_far(at)
    assert metric(at, "step (of 8)") == "8"
    for j in range(3):
        assert shown[f"δ(1)_{j + 1}"] == with_minus_signs(f"{grads.deltas[0][0, j]:.4g}")
        for i in range(2):
            assert shown[f"∂L/∂w(1)_{i + 1}{j + 1}"] == with_minus_signs(f"{grads.weights[0][i, j]:.4g}")
    at.button(key="bp_back").click().run()
    assert metric(at, "step (of 8)") == "7"
    assert "∂L/∂w(1)_13" not in so_far(at)


def test_the_diagram_follows_the_step(at):
    setup = bpm.BackpropSetup()
    net, fwd, grads, _ = engine(setup)
    units = trace(figures(at)["bp_diagram"], "units")
    assert [t.split("<br>")[1] for t in units["text"][2:5]] == [with_minus_signs(f"{v:.3g}") for v in fwd.activations[1][0]]
    assert units["text"][2].startswith("<span") and "h¹₁</span>" in units["text"][2]
    assert trace(figures(at)["bp_diagram"], "deltas")["text"] == []
    assert trace(figures(at)["bp_diagram"], "current unit")["x"] == []
    at.slider(key="bp_step").set_value(3).run()  # δ of hidden unit 1: its outgoing edge is lit
    deltas = trace(figures(at)["bp_diagram"], "deltas")["text"]
    assert deltas == [with_minus_signs(f"<b>δ = {g:.3g}</b>") for g in (grads.deltas[0][0, 0], grads.deltas[1][0, 0])]
    assert trace(figures(at)["bp_diagram"], "current unit")["x"] == [1.0]
    labels = trace(figures(at)["bp_diagram"], "labels")["text"]
    lit = [t for t in labels if t.startswith("<b>") and t[3:-4] not in ("inputs", "hidden 1", "output")]
    assert lit == [f"<b>{net.weights[1][0, 0]:.3g}</b>"]


def test_mini_batch_softmax_and_more_layers(at):
    at.selectbox(key="bp_outputs").set_value(3).run()
    at.radio(key="bp_batch").set_value(4)
    at.slider(key="bp_layers").set_value(2)
    at.selectbox(key="bp_activation").set_value("tanh")
    at.selectbox(key="bp_label").set_value(2).run()
    assert not at.exception
    setup = bpm.BackpropSetup(hidden_layers=2, activation="tanh", outputs=3, batch=4, label=2)
    _net, fwd, grads, loss = engine(setup)
    assert metric(at, "loss L (mean of 4)") == f"{loss:.4f}"
    at.button(key="bp_all").click().run()
    shown = so_far(at)
    assert len(shown) == 3 + 3 * 4 + 3 + 3 * 4 + 3 + 2 * 3 + 3
    assert shown["∂L/∂w(3)_23"] == with_minus_signs(f"{grads.weights[2][1, 2]:.4g}")  # mean over the four examples
    assert shown["δ(1)_2"] == with_minus_signs(f"{grads.deltas[0][0, 1]:.4g}")  # example 1's δ
    assert "softmax's own derivative" not in texts(at)  # only at the output's δ step
    at.slider(key="bp_step").set_value(1).run()
    assert "cancel to p_k − y_k" in texts(at)
    at.selectbox(key="bp_example").set_value(2).run()  # the diagram shows example 3
    units = trace(figures(at)["bp_diagram"], "units")
    assert [t.split("<br>")[1] for t in units["text"][:2]] == [with_minus_signs(f"{v:.3g}") for v in fwd.activations[0][2]]
    # and the step works out example 3's δ, not example 1's beside it (a student's review): p − y with its p and
    # its y (class 1 = unit 2: the classes after the student's class 2, in turn)
    assert at.selectbox(key="bp_example").format_func(2) == "example 3: x = (-1, 1), class 1"
    arithmetic = next(m.value for m in at.latex if "p_1 - y_1 =" in m.value)
    assert f"p_1 - y_1 = {fwd.output[2, 0]:.4f} - 0 = {grads.deltas[-1][2, 0]:.4f}" in arithmetic, arithmetic
    assert "class 1 is unit 2 (y_2 = 1)" in " ".join(c.value for c in at.caption)
    at.button(key="bp_all").click().run()
    assert "(δ of example 3;" in texts(at)
    assert so_far(at)["δ(1)_2"] == with_minus_signs(f"{grads.deltas[0][2, 1]:.4g}")


def test_gradient_table_and_sensitivity_view_show_every_gradient(at):
    net, _, grads, _ = engine(bpm.BackpropSetup())
    table = gradient_table(at)
    for name, g in zip(bpm.parameter_names(net.spec), grads.flat):
        assert table[name][1] == with_minus_signs(f"{g + 0.0:.4g}")
    labels = trace(figures(at)["bp_sensitivity"], "labels")["text"]
    assert labels[:9] == [with_minus_signs(f"{g:.3g}") for g in grads.weights[0].ravel()] + [with_minus_signs(f"{g:.3g}") for g in grads.weights[1].ravel()]


def test_the_sensitivity_view_says_on_a_mini_batch_that_its_edges_are_means(at):
    """With the mini-batch of 4 the edges show gradients averaged over the batch, the units example 1's δ: δ · a on
    an edge did not give its number and nothing said why (a helper's review)."""
    assert "mean over the batch" not in texts(at)  # one example: δ · a is the edge's number
    at.radio(key="bp_batch").set_value(4).run()
    assert "mini-batch of 4 examples each edge's ∂L/∂w is the **mean over the batch**" in texts(at)


def test_hand_set_weight_changes_the_pass(at):
    unfold(at)
    at.selectbox(key="bp_hand_name").set_value("w(2)_11").run()
    at.number_input(key="bp_hand_value").set_value(5.0).run()
    setup = bpm.BackpropSetup()
    _, _, _grads, loss = engine(setup, {"w(2)_11": 5.0})
    assert gradient_table(at)["w(2)_11"][0] == "5"
    assert metric(at, "loss L") == f"{loss:.4f}"
    assert at.text_input(key="bp_hand_set").value == "w(2)_11=5"  # so the page's link carries it
    at.button(key="bp_hand_reset").click().run()
    assert gradient_table(at)["w(2)_11"][0] != "5"
    assert at.text_input(key="bp_hand_set").value == ""


def test_the_weights_set_by_hand_are_made_only_while_unfolded_or_in_use(at):
    """Folded and empty, its widgets were made at every change of the network (a third of that run's server time)
    for nothing on the screen. Unfolding makes them; folded with a weight set, they stay (the weight with them)."""
    assert [w.key for w in at.text_input] == []
    assert [e.label for e in at.expander if e.label == "Set weights by hand"] == ["Set weights by hand"]
    unfold(at)
    at.selectbox(key="bp_hand_name").set_value("w(2)_11").run()
    at.number_input(key="bp_hand_value").set_value(5.0).run()
    at.session_state["bp_hand_open"] = False
    at.slider(key="bp_units").set_value(4).run()
    assert at.text_input(key="bp_hand_set").value == "w(2)_11=5"
    assert gradient_table(at)["w(2)_11"][0] == "5"
    assert not next(e for e in at.expander if e.label == "Set weights by hand").proto.expanded


def test_weights_typed_by_hand_apply_and_what_cannot_be_used_is_said(at):
    unfold(at)
    at.text_input(key="bp_hand_set").set_value("w(2)_11 = 5; b(1)_2=x, w(9)_11=1, junk").run()
    assert not at.exception
    assert gradient_table(at)["w(2)_11"][0] == "5"
    assert any("b(1)_2=x (not a number)" in w.value and "junk (not name=value)" in w.value for w in at.warning)
    assert "Not in this network, so not used: w(9)_11." in texts(at)
    at.selectbox(key="bp_hand_name").set_value("b(1)_1").run()
    at.number_input(key="bp_hand_value").set_value(-0.5).run()  # the picker edits the text, keeping what it has
    assert at.text_input(key="bp_hand_set").value == "w(2)_11=5, w(9)_11=1, b(1)_1=-0.5"
    assert "Set by hand: w(2)_11 = 5 (output layer), b(1)_1 = −0.5 (hidden layer 1)." in texts(at)
    # with a second hidden layer the same name sets that layer, and the page says so (it changed without a word)
    at.slider(key="bp_layers").set_value(2).run()
    assert "Set by hand: w(2)_11 = 5 (hidden layer 2), b(1)_1 = −0.5 (hidden layer 1)." in texts(at)


def test_one_sgd_step_shows_the_loss_before_and_after(at):
    open_section(at, "One SGD step")
    setup = bpm.BackpropSetup()
    net, _fwd, grads, loss = engine(setup)
    x, y = setup.examples()
    for rate in (0.1, 100.0):
        at.select_slider(key="bp_rate").set_value(rate).run()
        after = nw.Network(net.spec, net.flat - rate * grads.flat)
        expected = nw.loss(after, nw.forward(after, x), y)
        assert metric(at, "loss before") == loss_text(loss)
        assert metric(at, "loss after one step") == loss_text(expected)
        assert_the_change_is_the_difference_shown(at)
    curve = figures(at)["bp_rate_curve"]
    assert trace(curve, "your η")["x"] == [100.0]
    assert curve["layout"]["yaxis"]["title"]["text"] == "loss L on the example"  # not 'on the batch' (a review)
    assert trace(curve, "your η")["y"] == [pytest.approx(expected)]  # on the curve (a loss above it: see below)
    # the axis ends at the largest η, with room for the marker's half
    assert np.log10(100.0) < curve["layout"]["xaxis"]["range"][1] < np.log10(100.0) + 0.3
    # the curve is the loss after one step of each η on its axis, the same whichever η is chosen (computed once)
    rates = np.asarray(trace(curve, "loss after one step")["x"], float)
    bp = bpm.backward_pass(net, x, y)
    expected_curve = bpm.loss_after_one_step(bp, rates)
    shown = np.array([np.nan if v is None else v for v in trace(curve, "loss after one step")["y"]], float)
    finite = np.isfinite(expected_curve)
    assert len(rates) == 81 and np.allclose(shown[finite], expected_curve[finite])
    at.select_slider(key="bp_rate").set_value(0.1).run()
    again = figures(at)["bp_rate_curve"]
    assert trace(again, "loss after one step")["y"] == trace(curve, "loss after one step")["y"]
    assert trace(again, "your η")["x"] == [0.1]


def assert_the_change_is_the_difference_shown(at) -> None:
    delta = next(m.delta for m in at.metric if m.label == "loss after one step")
    shown_change = shown_number(metric(at, "loss after one step")) - shown_number(metric(at, "loss before"))
    assert shown_number(delta) == pytest.approx(shown_change, abs=0.5 * 10.0 ** -decimals_written(delta)), delta
    assert f"went down by {delta.lstrip('-')}" in texts(at) if shown_change < 0 else "goes **up**" in texts(at)


def test_the_change_of_the_loss_is_the_difference_of_the_two_losses_shown():
    """A mini-batch of 4 at η = 10 showed 0.6972 → 0.8000 with a change of +0.1027, at η = 100 0.6972 → 6.921 with
    +6.2237: the change was taken before the losses were rounded (a student's review)."""
    at = app_test(PAGE)
    open_section(at, "One SGD step")
    at.radio(key="bp_batch").set_value(4)
    for rate in (10.0, 100.0, 0.1):
        at.select_slider(key="bp_rate").set_value(rate).run()
        assert_the_change_is_the_difference_shown(at)
    assert figures(at)["bp_rate_curve"]["layout"]["yaxis"]["title"]["text"] == "loss L on the mini-batch"


def test_too_large_a_step_is_called_out():
    """A seed where a large η overshoots: the loss goes up, and the page says so."""
    at = app_test(PAGE)
    open_section(at, "One SGD step")
    at.radio(key="bp_batch").set_value(4)
    at.select_slider(key="bp_rate").set_value(100.0).run()
    setup = bpm.BackpropSetup(batch=4)
    bp = bpm.backward_pass(bpm.seeded_network(setup), *setup.examples())
    result = bpm.sgd_step(bp, 100.0)
    assert result.loss_after > result.loss_before  # the chosen mini-batch really overshoots
    assert "loss goes **up**" in texts(at)
    assert "too large for this network and mini-batch" in texts(at)  # it said 'and example' (a helper's review)


def test_gradient_check_table_is_backprop_beside_finite_differences(at):
    open_section(at, "Check the gradient")
    table = next(d.value for d in at.dataframe if "finite difference" in d.value.columns)
    assert "tf.GradientTape" not in table.columns
    backprop = table["backprop"].map(shown_number).to_numpy()
    numeric = table["finite difference"].map(shown_number).to_numpy()
    np.testing.assert_allclose(backprop, numeric, rtol=1e-4, atol=1e-8)


def test_on_a_phone_a_steps_numbers_are_set_inline_to_wrap(at, monkeypatch):
    """A sum written to the digits that add up was a display formula 725-1002 px wide in a phone's 358 px column, its
    results out of sight (a review on a phone): there each equation is set inline, where it wraps at = and +."""
    unfold(at)
    at.slider(key="bp_layers").set_value(2)
    at.selectbox(key="bp_activation").set_value("tanh").run()
    at.slider(key="bp_step").set_value(10).run()
    setup = bpm.BackpropSetup(hidden_layers=2, activation="tanh")
    step = bpm.backward_pass(bpm.seeded_network(setup), *setup.examples()).steps[9]
    assert any(step.arithmetic in latex.value for latex in at.latex)
    monkeypatch.setattr(ui, "screen_size", lambda: "small")
    at.run()
    assert not any(step.arithmetic in latex.value for latex in at.latex)
    inline = "  \n".join(f"${equation}$" for equation in step.equations)
    assert inline in [m.value for m in at.markdown] and "0.8701448" in inline


def test_the_gradient_check_names_relus_kink_where_backprop_and_the_finite_difference_disagree(at):
    """Four ReLU layers, seed 2: a gap of 0.21 was captioned 'rounding in the finite difference' under a text saying
    backpropagation can be checked numerically (a student's review). It is ReLU's kink: z = 0 exactly."""
    open_section(at, "Check the gradient")
    assert any("rounding in the finite difference" in c.value for c in at.caption)
    unfold(at)
    at.slider(key="bp_layers").set_value(4)
    at.selectbox(key="bp_activation").set_value("relu")
    at.number_input(key="bp_seed").set_value(2).run()
    assert not at.exception
    caption = next(c.value for c in at.caption if "Largest |difference|" in c.value)
    assert caption.startswith("Largest |difference|: 0.21, at ReLU's kink: z(3)_1, z(3)_2, z(3)_3, z(4)_1")
    assert "take ReLU′(0) = 0" in caption and "rounding in the finite difference" not in caption


def test_gradient_tape_button_adds_keras_column(at):
    open_section(at, "Check the gradient")
    at.button(key="bp_tape_button").click().run(timeout=120 * HANG_FACTOR)
    assert not at.exception
    table = next(d.value for d in at.dataframe if "finite difference" in d.value.columns)
    np.testing.assert_allclose(table["tf.GradientTape"].map(shown_number), table["backprop"].map(shown_number), rtol=1e-5,
                               atol=1e-9)
    at.number_input(key="bp_x1").set_value(2.0).run()  # new inputs: the old Keras column must go
    table = next(d.value for d in at.dataframe if "finite difference" in d.value.columns)
    assert "tf.GradientTape" not in table.columns


def test_relu_dead_units_and_huge_weights_are_explained(at):
    unfold(at)
    at.selectbox(key="bp_activation").set_value("relu").run()
    at.selectbox(key="bp_hand_name").set_value("b(1)_1").run()
    at.number_input(key="bp_hand_value").set_value(-1000.0).run()
    assert any("dead" in w.value and "unit(s) 1" in w.value for w in at.warning)
    at.selectbox(key="bp_activation").set_value("sigmoid").run()
    at.number_input(key="bp_hand_value").set_value(1000.0).run()
    assert any("saturated" in w.value for w in at.warning)
    assert not at.exception


def test_a_dead_relu_s_zero_delta_is_written_0_not_minus_0(at):
    unfold(at)
    at.selectbox(key="bp_activation").set_value("relu").run()
    at.selectbox(key="bp_hand_name").set_value("b(1)_1").run()
    at.number_input(key="bp_hand_value").set_value(-1000.0).run()  # hidden unit 1 dead: its δ is 0 (−0 from w·δ·0)
    at.button(key="bp_all").click().run()
    table = next(d.value for d in at.dataframe if "quantity" in d.value.columns)
    assert "0" in list(table["value"])
    assert not any(v.startswith(("-0", "−0")) and shown_number(v) == 0 for v in table["value"])


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("end", ["min", "max"])
def test_every_widget_at_its_extremes(at, end, section):
    unfold(at)  # the weights set by hand too
    open_section(at, section)
    set_to_extreme(at, end)
    at.run()
    assert not at.exception
    at.button(key="bp_all").click().run()
    assert not at.exception
    assert "nan" not in texts(at).lower()
    assert hyphens_as_minus_signs(at) == []  # negative numbers in our text with the formulas' '−'


def test_lecture_mode_draws_the_tables_as_static_tables_whose_text_grows():
    """st.dataframe draws on a canvas in its own small font; in Lecture mode the same numbers come as st.table."""
    at = app_test(PAGE)
    normal = next(d.value for d in at.dataframe if list(d.value.columns) == ["parameter", "value", "∂L/∂θ"])
    at.session_state["lecture_mode"] = True
    at.run()
    assert not at.exception
    assert not [d for d in at.dataframe if "parameter" in d.value.columns]
    lecture = next(t.value for t in at.table if list(t.value.columns) == ["parameter", "value", "∂L/∂θ"])
    assert lecture.reset_index(drop=True).equals(normal.reset_index(drop=True))


def test_lecture_mode_writes_a_steps_numbers_beside_the_diagram():
    """Lecture moment 10: the step's arithmetic was under the diagram, below a projector's screen. In Lecture mode
    its equations stand in the column beside the diagram, under the step's title and above the metrics; under the
    diagram only the formula in symbols stays."""
    at = app_test(PAGE)
    at.session_state["lecture_mode"] = True
    at.run()
    for _ in range(3):
        at.button(key="bp_next").click().run()
    assert not at.exception
    step = pass_for_the_default_setup().steps[2]
    beside = [m.value for m in at.get("markdown") if m.value == "  \n".join(f"${e}$" for e in step.equations)]
    assert len(beside) == 1 and r"\sigma'(z) = a(1 - a)" in beside[0]
    latex = "".join(e.value for e in at.latex)
    assert step.formula in latex and step.arithmetic not in latex
    at.session_state["lecture_mode"] = False
    at.run()
    assert step.arithmetic in "".join(e.value for e in at.latex)
    assert not [m for m in at.get("markdown") if m.value.startswith("$") and step.equations[0] in m.value]


def pass_for_the_default_setup() -> bpm.BackwardPass:
    setup = bpm.BackpropSetup()
    return bpm.backward_pass(bpm.seeded_network(setup), *setup.examples())


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_deep_network_text_says_what_its_figure_shows(at, activation):
    """It said 'Glorot keeps the spread steady for tanh': the figure showed tanh's spread falling 0.63 → 0.22 with
    Glorot and 0.72 → 0.54 with He (a student's review). The text now says that tanh's spread shrinks slowly even
    with Glorot, and a caption gives both runs' numbers; ReLU's 'too large' (10⁷) no longer flattens the other lines
    on a linear axis."""
    open_section(at, "Vanishing gradients")
    at.radio(key="bp_deep_activation").set_value(activation).run()
    glorot, he = (bpm.layer_spread(activation, key).activation_std for key in ("glorot", "he"))
    caption = " ".join(c.value for c in at.caption)
    assert (f"from hidden layer 1 to 10 the spread of a goes {glorot[0]:.2g} → {glorot[-1]:.2g} with Glorot and "
            f"{he[0]:.2g} → {he[-1]:.2g} with He") in caption
    assert glorot[-1] < glorot[0] and abs(np.log(he[-1] / he[0])) < abs(np.log(glorot[-1] / glorot[0]))  # He steadier
    assert "even with Glorot its spread shrinks slowly" in texts(at)
    layout = figures(at)["bp_spread"]["layout"]
    assert layout["yaxis"]["type"] == "log" and layout["yaxis2"]["type"] == "log"


def test_a_softmax_outputs_delta_says_which_unit_is_the_true_class(at):
    """'true class y = class 1' and then 'p₂ − y₂ = 0.351 − 1': the classes count from 0, the units from 1, and y_k
    was never said to be one-hot (a student's review)."""
    at.selectbox(key="bp_outputs").set_value(3).run()
    at.button(key="bp_next").click().run()
    said = " ".join(c.value for c in at.caption)
    assert "y is one-hot" in said and "class 1 is unit 2 (y_2 = 1)" in said, said
    assert "1[m = k] is 1 if m = k and 0 otherwise" in said


def test_one_sgd_steps_table_adds_up_as_written_and_its_loss_keeps_four_digits(at):
    """At η = 100 a student worked −1.006 − 100·(−0.003428) = −0.6632 out beside the table's −0.6629, and the loss
    after the step read 0.0000 (0.000339 at η = 10): θ and ∂L/∂θ carry the digits their new value needs, and the
    losses four significant digits."""
    open_section(at, "One SGD step")
    at.select_slider(key="bp_rate").set_value(100.0).run()
    table = next(d.value for d in at.dataframe if "θ − η ∂L/∂θ" in d.value.columns)
    for theta, grad, after in zip(table["θ"], table["∂L/∂θ"], table["θ − η ∂L/∂θ"]):
        assert f"{shown_number(theta) - 100.0 * shown_number(grad) + 0.0:.4g}" == f"{shown_number(after):.4g}", (
            theta, grad, after)
    assert max(len(t) for t in table["θ"]) > 6  # some needed more than 4 digits
    at.select_slider(key="bp_rate").set_value(10.0).run()
    assert metric(at, "loss after one step") == "0.0003386"  # was 0.0003


def test_what_is_computed_so_far_lists_the_latest_step_first(at):
    """The table is 300 px high: from step 5 on its newest values were below its fold (a student's review)."""
    at.button(key="bp_all").click().run()
    table = next(d.value for d in at.dataframe if "quantity" in d.value.columns)
    quantities = list(table["quantity"])
    assert quantities[0].startswith(("∂L/∂w(1)", "∂L/∂b(1)")) and quantities[-1].startswith("δ"), quantities
    assert "the latest step first" in texts(at)


def test_the_forward_pass_says_which_biases_are_not_zero_and_the_hover_gives_each(at):
    """A unit's z = 1.56 beside its edges' 2.06: the bias −0.5 set by hand was on no edge and in no hover (a
    student's review)."""
    assert "Every bias is 0, so each z is the sum of its edges' w·a." in texts(at)
    unfold(at)
    at.text_input(key="bp_hand_set").set_value("b(1)_1=-0.5").run()
    assert "plus the unit's bias, shown when you point at the unit: b(1)_1 = −0.5; every other bias is 0." in texts(at)
    hovers = [text for t in figures(at)["bp_diagram"]["data"] for text in (t.get("hovertext") or [])
              if isinstance(text, str)]
    first = next(h for h in hovers if h.startswith("h¹₁:"))
    assert "(b(1)_1 = −0.5)" in first and any("(b(1)_2 = 0)" in h for h in hovers), first
