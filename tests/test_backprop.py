"""nnviz.backprop: the steps the page shows are the engine's numbers, written out correctly."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import shown_number

from nnviz import backprop as bpm
from nnviz import network as nw
from nnviz.formatting import with_minus_signs

pytestmark = pytest.mark.unit

SETUPS = [
    bpm.BackpropSetup(),
    bpm.BackpropSetup(hidden_layers=2, hidden_units=4, activation="tanh", outputs=3, batch=4, seed=3, label=2),
    bpm.BackpropSetup(hidden_layers=4, hidden_units=2, activation="relu", outputs=2, batch=4, seed=7, label=0),
]


def pass_for(setup: bpm.BackpropSetup) -> bpm.BackwardPass:
    x, y = setup.examples()
    return bpm.backward_pass(bpm.seeded_network(setup), x, y)


def numbers_in(latex: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", latex)]


@pytest.mark.parametrize("setup", SETUPS)
def test_steps_cover_every_unit_twice_from_the_output_back(setup):
    bp = pass_for(setup)
    spec = bp.spec
    assert len(bp.steps) == 2 * sum(spec.sizes[1:])
    layers = [s.layer for s in bp.steps]
    assert layers == sorted(layers, reverse=True)  # output layer first, then back towards the input
    for layer in range(1, spec.n_layers + 1):
        kinds = [s.kind for s in bp.steps if s.layer == layer]
        assert kinds == ["delta"] * spec.sizes[layer] + ["weights"] * spec.sizes[layer]


@pytest.mark.parametrize("setup", SETUPS)
def test_step_values_are_the_engines_deltas_and_gradients(setup):
    bp = pass_for(setup)
    net = bpm.seeded_network(setup)
    fwd = nw.forward(net, bp.x)
    grads = nw.backward(net, fwd, bp.y)
    assert bpm.backward_steps(bp) == bp.steps
    for example in range(len(bp.x)):  # the δs of the example the diagram shows (example 1's were shown for all)
        for step in bpm.backward_steps(bp, example):
            for name, value in step.values.items():
                if step.kind == "delta":
                    assert value == pytest.approx(grads.deltas[step.layer - 1][example, step.unit], abs=1e-15), name
                elif name.startswith("b"):
                    assert value == pytest.approx(grads.biases[step.layer - 1][step.unit], abs=1e-15), name
                else:
                    i = int(name[-2]) - 1
                    assert value == pytest.approx(grads.weights[step.layer - 1][i, step.unit], abs=1e-15), name


@pytest.mark.parametrize("setup", SETUPS)
def test_the_arithmetic_line_ends_in_the_value_it_computes(setup):
    bp = pass_for(setup)
    for step in (s for example in range(len(bp.x)) for s in bpm.backward_steps(bp, example)):
        if step.kind == "delta":
            lines = step.arithmetic.replace(r"\begin{aligned}", "").replace(r"\begin{gathered}", "").split(r"\\")
            (result_line,) = [line for line in lines if line.strip().startswith(r"\delta")]
            shown = numbers_in(result_line.split("=")[-1])[-1]
            assert shown == pytest.approx(next(iter(step.values.values())), rel=1e-3, abs=1e-4), step.title



@pytest.mark.parametrize("setup", SETUPS)
def test_the_equations_set_inline_are_the_arithmetic_one_to_a_line(setup):
    """Lecture mode writes a step's numbers beside the diagram as inline equations, which wrap in a narrow column:
    the same numbers in the same order, no alignment marks or line breaks left, ∂L/∂w with a slash; a weights step
    has one equation for each gradient, ending in its value."""
    for step in pass_for(setup).steps:
        equations = step.equations
        joined = " ".join(equations)
        assert "&" not in joined and r"\\" not in joined and r"\frac{" not in joined, step.title
        assert numbers_in(joined) == numbers_in(step.arithmetic), step.title

        if step.kind == "weights":
            assert len(equations) == len(step.values)
            for equation, value in zip(equations, step.values.values()):
                assert equation.startswith(r"\partial L/\partial ")
                assert numbers_in(equation)[-1] == pytest.approx(value, rel=1e-3, abs=1e-4), equation
        else:
            (result,) = [e for e in equations if e.startswith(r"\delta")]
            assert numbers_in(result)[-1] == pytest.approx(next(iter(step.values.values())), rel=1e-3, abs=1e-4)


# States a student checked by hand (a review): sums of nearly cancelling terms, one example's and a mini-batch's
CHECKED_BY_HAND = SETUPS + [
    bpm.BackpropSetup(hidden_layers=2, activation="tanh"),
    bpm.BackpropSetup(hidden_layers=2, hidden_units=4, seed=7, batch=4),
    bpm.BackpropSetup(hidden_layers=2, hidden_units=2, seed=2, batch=4),
    bpm.BackpropSetup(hidden_layers=2, hidden_units=2, activation="relu"),
] + [bpm.BackpropSetup(hidden_layers=layers, activation=activation, outputs=outputs, batch=batch, seed=seed)
     for layers, activation, outputs, batch, seed in
     [(1, "tanh", 3, 1, 11), (3, "sigmoid", 2, 4, 5), (2, "relu", 1, 4, 9), (3, "tanh", 1, 1, 4)]]


def as_python(latex: str) -> str:
    """The numbers and operations of a step's worked line as a Python expression."""
    expression = re.sub(r"\s*\\cdot 10\^\{(-?\d+)\}", r"e\1", latex)  # 5.394 \cdot 10^{-5} -> 5.394e-5
    for old, new in ((r"\tfrac{1}{4}", "(1/4)*"), (r"\cdot", "*"), (r"\,", "*"), ("^", "**"), ("&", ""),
                     (r"\quad", ""), (r"\qquad", "")):
        expression = expression.replace(old, new)
    return expression


def worked_equations(arithmetic: str) -> list[tuple[str, str, str]]:
    """(numbers and operations, sign, result) of each line of a step that works something out with numbers."""
    text = re.sub(r"\\\\ &\\q?quad \+", " +", arithmetic)  # a sum's continuation lines, one line again
    for marker in (r"\begin{aligned}", r"\end{aligned}", r"\begin{gathered}", r"\end{gathered}"):
        text = text.replace(marker, "")
    equations = []
    for line in text.split(r"\\"):
        if r"\text" in line or "[" in line:  # a list of examples' values; ReLU′'s [z > 0]
            continue
        parts = re.split(r"(=|\\approx)", line)
        if len(parts) >= 5 and not re.search(r"[a-z{]", as_python(parts[-3]).replace("e-", "").replace("e", "")):
            equations.append((parts[-3], parts[-2], parts[-1]))
    return equations


@pytest.mark.parametrize("setup", CHECKED_BY_HAND)
def test_each_worked_line_gives_the_result_it_writes_or_says_approximately(setup):
    """A student working a step out from the numbers as written gets the number written after '=' (to its 4
    digits): a sum of three products was shown as 0.0001473 where its written terms give 0.0001363, and
    (−0.01877)·0.5 as −0.009387. Where the written numbers miss by a unit or two of the 4th digit, the line says ≈;
    where they would miss by more, they are written with more digits. Every example's steps."""
    bp, worked = pass_for(setup), 0
    for step in (s for example in range(len(bp.x)) for s in bpm.backward_steps(bp, example)):
        for expression, sign, result in worked_equations(step.arithmetic):
            value, written = eval(as_python(expression)), float(eval(as_python(result)))
            if sign == "=":
                assert f"{value + 0.0:.4g}" == f"{written + 0.0:.4g}", (step.title, expression, result)
            else:  # rounding: a unit or two of the result's 4th digit (and half a unit, the result's own), never more
                unit = 10.0 ** (np.floor(np.log10(abs(written))) - 3) if written else 1e-4
                assert abs(value - written) <= 2.5 * unit, (step.title, expression, result)
            worked += 1
    assert worked >= len(bp.steps)  # every δ step has one at least, every weights step one a weight


def test_set_inline_a_power_of_ten_is_one_group_that_does_not_break():
    """Lecture mode beside the diagram: '= 8.215 ·' ended a line and '10⁻⁵' began the next (a review)."""
    setup = bpm.BackpropSetup(hidden_layers=2, hidden_units=4, seed=7, batch=4)
    (equation, *_) = pass_for(setup).steps[9].equations
    assert equation.endswith(r"= {8.215 \cdot 10^{-5}}")


def test_a_fraction_set_inline_is_written_with_a_slash_its_braces_kept_whole():
    assert bpm._slashed_fractions(r"\frac{\partial L}{\partial w^{(2)}_{11}} = \tfrac{1}{4}(a)") == (
        r"\partial L/\partial w^{(2)}_{11} = \tfrac{1}{4}(a)")

def test_hidden_delta_line_multiplies_what_it_says():
    """δ = (Σ w·δ_next) · f′(z): the numbers written in the line give the stated result."""
    bp = pass_for(SETUPS[0])
    step = next(s for s in bp.steps if s.kind == "delta" and s.layer == 1)
    w_next, d_next = bp.network.weights[1][0, 0], bp.gradients.deltas[1][0, 0]
    a = bp.forward.activations[1][0, 0]
    assert f"{w_next:.4g}" in step.arithmetic and f"{d_next:.4g}" in step.arithmetic
    assert step.values["δ(1)_1"] == pytest.approx(w_next * d_next * a * (1 - a))


def test_output_delta_is_p_minus_y_for_softmax_and_sigmoid():
    for setup in (SETUPS[0], SETUPS[1]):
        bp = pass_for(setup)
        expected = bp.forward.output - bp.y
        np.testing.assert_allclose(bp.gradients.deltas[-1], expected, atol=1e-15)
        assert "p_" in bp.steps[0].formula or "a - y" in bp.steps[0].formula


def test_mini_batch_gradient_is_the_mean_of_the_examples():
    setup = SETUPS[1]
    bp = pass_for(setup)
    singles = []
    for k in range(setup.batch):
        one = bpm.backward_pass(bp.network, bp.x[k:k + 1], bp.y[k:k + 1])
        singles.append(one.gradients.flat)
    np.testing.assert_allclose(bp.gradients.flat, np.mean(singles, axis=0), atol=1e-15)
    assert r"\tfrac{1}{4}" in next(s for s in bp.steps if s.kind == "weights").arithmetic


def test_examples_of_the_batch_take_the_next_classes():
    x, y = bpm.BackpropSetup(outputs=3, batch=4, label=2).examples()
    assert x.shape == (4, 2) and x[0].tolist() == [0.5, -1.0]
    assert y.argmax(axis=1).tolist() == [2, 0, 1, 2]
    x, y = bpm.BackpropSetup(batch=4, label=1).examples()
    assert y.ravel().tolist() == [1, 0, 1, 0]
    assert [bpm.BackpropSetup(outputs=3, batch=4, label=2).example_class(n) for n in range(4)] == [2, 0, 1, 2]


@pytest.mark.parametrize("bad", [{"hidden_layers": 0}, {"hidden_units": 5}, {"activation": "elu"},
                                 {"outputs": 4}, {"batch": 2}, {"x1": float("nan")}, {"label": 2}])
def test_setup_refuses_what_the_page_cannot_draw(bad):
    with pytest.raises(ValueError):
        bpm.BackpropSetup(**bad)


def test_hand_set_values_replace_the_named_parameters_only():
    net = bpm.seeded_network(SETUPS[0])
    changed = bpm.with_values(net, {"w(2)_11": 5.0, "b(1)_2": -1.0, "nonsense": 3.0, "w(1)_11": float("nan")})
    names = bpm.parameter_names(net.spec)
    differs = [n for n, a, b in zip(names, net.flat, changed.flat) if a != b]
    assert differs == ["b(1)_2", "w(2)_11"]
    assert changed.weights[1][0, 0] == 5.0 and changed.biases[0][1] == -1.0
    assert net.weights[1][0, 0] != 5.0  # the seeded network is left alone


@pytest.mark.parametrize("values", [{}, {"w(2)_11": 5.0}, {"b(1)_2": -0.1, "w(1)_12": 123.456789, "w(3)_21": 1e-7}])
def test_weights_set_by_hand_read_back_from_their_text(values):
    text = bpm.hand_values_text(values)
    assert bpm.parse_hand_values(text, 1000.0) == (values, [])


def test_hand_set_text_says_what_it_cannot_read_and_the_last_value_of_a_name_wins():
    values, unreadable = bpm.parse_hand_values(
        " w(1)_11 = 0.5 ; b(2)_1=-1,, w(1)_11=2, x=1, w(1)_12=nan, b(1)_1=1e400, w(1)_21=1001, w(1)_22", 1000.0)
    assert values == {"b(2)_1": -1.0, "w(1)_11": 2.0}
    assert unreadable == ["x=1 (not name=value)", "w(1)_12=nan (not a number)", "b(1)_1=1e400 (not a number)",
                          "w(1)_21=1001 (beyond ±1000)", "w(1)_22 (not name=value)"]


def test_hand_set_text_takes_the_pages_minus_and_refuses_a_decimal_comma():
    """Copied from the page, −30 (U+2212) is a number; 'w(1)_11=0,5' set w(1)_11 to 0 and called '5' not name=value."""
    values, unreadable = bpm.parse_hand_values("b(2)_1=−30, w(1)_11=0,5, w(1)_12=2", 1000.0)
    assert values == {"b(2)_1": -30.0, "w(1)_12": 2.0}
    assert unreadable == ["w(1)_11=0,5 (a decimal comma: write 0.5)"]
    # capitals and spaces inside a name were "not name=value"
    assert bpm.parse_hand_values("W(1)_11=2, b ( 2 ) _ 1 = 3", 1000.0) == ({"w(1)_11": 2.0, "b(2)_1": 3.0}, [])


def test_parameter_names_follow_the_flat_order():
    spec = bpm.BackpropSetup(outputs=2).spec
    names = bpm.parameter_names(spec)
    assert names[:7] == ["w(1)_11", "w(1)_12", "w(1)_13", "w(1)_21", "w(1)_22", "w(1)_23", "b(1)_1"]
    assert len(names) == nw.parameter_count(spec.sizes) == 2 * 3 + 3 + 3 * 2 + 2


@pytest.mark.parametrize("setup", SETUPS)
def test_the_gradient_table_lists_every_parameter_the_largest_gradient_first(setup):
    bp = pass_for(setup)
    rows = bpm.gradient_rows(bp)
    by_name = dict(zip(bpm.parameter_names(bp.spec), zip(bp.network.flat, bp.gradients.flat)))
    assert sorted(rows["parameter"]) == sorted(by_name)  # each once
    assert [by_name[name] for name in rows["parameter"]] == list(zip(rows["value"], rows["∂L/∂θ"]))
    sizes = np.abs(rows["∂L/∂θ"])
    assert np.all(np.diff(sizes) <= 0) and sizes[0] == np.max(np.abs(bp.gradients.flat))


def test_gradient_check_agrees_with_backprop():
    for setup in SETUPS:
        check = bpm.gradient_check(pass_for(setup))
        assert max(check["|difference|"]) < 1e-7
        np.testing.assert_allclose(check["backprop"], check["finite difference"], atol=1e-7)


def test_sgd_step_lowers_the_loss_for_a_small_rate_and_not_for_a_huge_one():
    bp = pass_for(SETUPS[1])
    small = bpm.sgd_step(bp, 0.01)
    np.testing.assert_allclose(small.after.flat, bp.network.flat - 0.01 * bp.gradients.flat)
    assert small.loss_after < small.loss_before
    curve = bpm.loss_after_one_step(bp, np.geomspace(0.001, 100, 41))
    assert curve[0] < bp.loss and np.nanmax(curve) > bp.loss


def test_problems_name_dead_relus_and_saturated_sigmoids():
    setup = bpm.BackpropSetup(activation="relu")
    net = bpm.with_values(bpm.seeded_network(setup), {"b(1)_2": -50.0})
    bp = bpm.backward_pass(net, *setup.examples())
    (note,) = bpm.problems(bp)
    dead = note.split("unit(s) ")[1].split(" have")[0].split(", ")
    assert "2" in dead and note.startswith("Hidden 1")
    assert all(np.all(bp.forward.zs[0][:, int(u) - 1] <= 0) for u in dead)
    assert np.all(bp.gradients.weights[0][:, 1] == 0)
    setup = bpm.BackpropSetup(activation="sigmoid")
    net = bpm.with_values(bpm.seeded_network(setup), {"b(1)_1": 900.0})
    notes = bpm.problems(bpm.backward_pass(net, *setup.examples()))
    assert any("unit(s) 1 are saturated" in n for n in notes)
    assert bpm.problems(pass_for(SETUPS[0])) == []


def test_huge_weights_give_finite_losses_through_the_logits():
    setup = bpm.BackpropSetup(outputs=3)
    names = bpm.parameter_names(setup.spec)
    net = bpm.with_values(bpm.seeded_network(setup), {n: 1000.0 for n in names})
    bp = bpm.backward_pass(net, *setup.examples())
    assert np.isfinite(bp.loss) and np.all(np.isfinite(bp.gradients.flat))


def test_gradient_cost_counts_multiply_adds():
    cost = bpm.gradient_cost((784, 128, 10))
    assert cost.parameters == 784 * 128 + 128 + 128 * 10 + 10 == 101_770
    assert cost.forward == 784 * 128 + 128 * 10
    assert cost.backward == cost.forward + 128 * 10
    assert cost.finite_differences == 2 * cost.parameters * cost.forward
    assert cost.ratio > 10_000


def test_glorot_keeps_tanh_gradients_steady_where_small_weights_make_them_vanish():
    small = bpm.layer_spread("tanh", "small")
    glorot = bpm.layer_spread("tanh", "glorot")
    assert small.activation_std[-1] < 1e-6 and small.gradient_std.max() < 1e-10  # the signal dies both ways
    assert 0.1 < glorot.gradient_ratio < 10 and glorot.gradient_std.min() > 1e-4
    sigmoid = bpm.layer_spread("sigmoid", "glorot")
    assert sigmoid.gradient_ratio < 1e-3  # sigmoid's slope ≤ 0.25 shrinks δ layer by layer even with Glorot
    he = bpm.layer_spread("relu", "he")
    glorot_relu = bpm.layer_spread("relu", "glorot")
    assert 0.3 < he.activation_std[-1] / he.activation_std[0] < 3
    assert glorot_relu.activation_std[-1] < 0.1 * glorot_relu.activation_std[0]
    large = bpm.layer_spread("relu", "large")
    assert large.activation_std[-1] > 1e5


@pytest.mark.parametrize("setup", SETUPS)
def test_each_delta_is_written_in_its_signs_colour_as_the_sensitivity_view_colours_a_gradient(setup):
    """Every δ was vermilion, the colour the 'which weights matter' view gives a negative ∂L/∂w: a positive δ there
    read as negative (a student's review)."""
    from nnviz.figures.backprop import NEGATIVE, POSITIVE, network_figure
    from nnviz.figures.style import BLACK

    bp = pass_for(setup)
    diagram = bpm.diagram(bp, len(bp.steps))
    deltas = next(t for t in network_figure(diagram).data if t.name == "deltas")
    values = [n.delta for n in diagram.nodes if n.above]
    assert len(values) == len(deltas.text) == sum(setup_sizes(setup)[1:])
    assert list(deltas.textfont.color) == [POSITIVE if d > 0 else NEGATIVE if d < 0 else BLACK for d in values]
    assert (NEGATIVE in deltas.textfont.color, POSITIVE in deltas.textfont.color) == {
        0: (True, False), 1: (True, True), 2: (True, True)}[SETUPS.index(setup)]  # the setups' signs, both there


def test_the_diagram_writes_a_power_of_ten_as_the_equations_do():
    """'∂L/∂w = 6.78e-05' on an edge beside '6.781·10⁻⁵' in its equation (a review): the diagram's labels and hovers
    write the power of ten as the equations do, and each such label is the number it stands for."""
    setup = bpm.BackpropSetup(hidden_layers=1, hidden_units=4, activation="sigmoid", outputs=1, batch=4, seed=3)
    bp = pass_for(setup)
    plain, sensitivity = bpm.diagram(bp, len(bp.steps)), bpm.diagram(bp, len(bp.steps), sensitivity=True)
    texts = ([t for n in plain.nodes for t in (n.above, n.below, n.hover)]
             + [t for e in sensitivity.edges for t in (e.label, e.hover)])
    assert not [t for t in texts if re.search(r"\de[-+]\d", t)]
    powers = [e for e in sensitivity.edges if "·10" in e.label]
    assert powers  # this network has gradients below 10⁻⁴
    for edge in powers:
        assert shown_number(edge.label) == pytest.approx(edge.weight, rel=5e-3)
        assert shown_number(edge.hover.split("∂L/∂w = ")[1]) == pytest.approx(edge.weight, rel=5e-4)


def setup_sizes(setup: bpm.BackpropSetup) -> list[int]:
    return [2] + [setup.hidden_units] * setup.hidden_layers + [setup.outputs]


def test_diagram_shows_delta_only_where_the_backward_pass_has_been():
    bp = pass_for(SETUPS[0])
    d0 = bpm.diagram(bp, 0)
    assert all(n.above == "" for n in d0.nodes)
    assert [n.value for n in d0.nodes if n.layer == 1] == [with_minus_signs(f"{a:.3g}") for a in bp.forward.activations[1][0]]
    assert [e.label for e in d0.edges if e.layer == 2] == [with_minus_signs(f"{w:.3g}") for w in bp.network.weights[1][:, 0]]
    d1 = bpm.diagram(bp, 1)
    (out,) = [n for n in d1.nodes if n.layer == 2]
    assert out.lit and out.above == with_minus_signs(f"δ = {bp.gradients.deltas[1][0, 0]:.3g}")
    d2 = bpm.diagram(bp, 2)  # the output unit's incoming weights
    assert [e.lit for e in d2.edges] == [e.layer == 2 for e in d2.edges]
    sens = bpm.diagram(bp, len(bp.steps), sensitivity=True)
    assert [e.weight for e in sens.edges] == [float(g) for g in bp.gradients.weights[0].ravel()] + [
        float(g) for g in bp.gradients.weights[1].ravel()]


def test_every_label_of_the_diagram_but_the_titles_lies_on_a_box_over_the_edges():
    """A thick edge (12 px in the sensitivity view) ran through its label: every edge label, z and δ is drawn on a
    white box that is drawn after every edge, under its text, and taller than the thickest edge."""
    from nnviz.figures.backprop import network_figure

    bp = pass_for(SETUPS[0])
    fig = network_figure(bpm.diagram(bp, len(bp.steps), sensitivity=True))
    names = [t.name for t in fig.data]
    boxes = [t for t in fig.data if t.name == "label boxes"]
    labels, deltas = (next(t for t in fig.data if t.name == name) for name in ("labels", "deltas"))
    last_edge = max(i for i, t in enumerate(fig.data) if t.mode == "lines")
    assert last_edge < names.index("label boxes") and names.index("deltas") < names.index("units")
    assert [b.name for b in fig.data[last_edge + 1:last_edge + 3]] == ["label boxes", "label boxes"]
    under_labels, under_deltas = boxes
    titled = len(bp.network.spec.sizes)  # the layers' titles end the labels: nothing crosses them
    assert list(under_labels.x) == list(labels.x[:-titled]) and list(under_labels.y) == list(labels.y[:-titled])
    assert list(under_deltas.x) == list(deltas.x) and list(under_deltas.y) == list(deltas.y) and len(deltas.x)
    thickest = max(t.line.width for t in fig.data if t.mode == "lines")
    assert thickest == 12 and min(under_labels.marker.line.width, under_deltas.marker.line.width) > thickest
    for box, text, size in ((under_labels, labels.text, labels.textfont.size), (under_deltas, deltas.text,
                                                                              deltas.textfont.size)):
        shown = [re.sub("<[^>]+>", "", t) for t in text]
        assert all(width >= 0.55 * size * len(t) for width, t in zip(box.marker.size, shown))


def test_the_sensitivity_view_draws_a_zero_gradient_grey_not_as_a_positive_one():
    """With ReLU (the page's 'ReLU' preset) the weights into a unit that is off have ∂L/∂w = 0 exactly; they were
    drawn blue, the colour the text gives ∂L/∂w > 0 (a helper's review in Lecture mode)."""
    from nnviz.figures.backprop import NEGATIVE, POSITIVE, _positions, network_figure
    from nnviz.figures.style import GREY

    bp = pass_for(bpm.BackpropSetup(activation="relu"))
    d = bpm.diagram(bp, len(bp.steps), sensitivity=True)
    assert any(e.weight == 0 for e in d.edges) and any(e.weight > 0 for e in d.edges)
    fig = network_figure(d)
    colour_of = {}  # each edge's end points -> the colour of the trace that draws it
    for trace in (t for t in fig.data if t.mode == "lines"):
        xs, ys = list(trace.x), list(trace.y)
        for k in range(0, len(xs), 3):
            colour_of[(xs[k], ys[k], xs[k + 1], ys[k + 1])] = trace.line.color
    pos = _positions(d.sizes)
    for e in d.edges:
        (x0, y0), (x1, y1) = pos[e.layer - 1][e.i], pos[e.layer][e.j]
        expected = POSITIVE if e.weight > 0 else NEGATIVE if e.weight < 0 else GREY
        assert colour_of[(x0, y0, x1, y1)] == expected, (e.hover, e.weight)


def test_the_diagram_writes_a_weight_only_where_it_fits_and_every_other_on_hover():
    """The default network labels every edge; the largest (4 × 4, 3 outputs: 68 edges) labels those that cover
    nothing at Lecture mode's size, puts every other edge's value on an invisible point for hover, and says so under
    the diagram; its height grows so that z and δ fit between the units."""
    from nnviz.figures.backprop import DELTA_NOTE, UNLABELLED_NOTE, network_figure

    small = pass_for(SETUPS[0])
    fig = network_figure(bpm.diagram(small, 4))
    labels = next(t for t in fig.data if t.name == "labels")
    n_edges = len(bpm.diagram(small, 4).edges)
    assert [t.name for t in fig.data].count("unlabelled edges") == 0 and not fig.layout.annotations
    assert len(labels.text) == n_edges + len(small.spec.sizes) + sum(small.spec.sizes)  # edges, z per unit, titles
    assert fig.layout.height == 460

    largest = bpm.BackpropSetup(hidden_layers=bpm.MAX_HIDDEN_LAYERS, hidden_units=bpm.UNIT_RANGE[1],
                                outputs=max(bpm.OUTPUT_CHOICES), batch=4, seed=3)
    bp = pass_for(largest)
    d = bpm.diagram(bp, 5)
    fig = network_figure(d)
    labels = next(t for t in fig.data if t.name == "labels")
    hidden = next(t for t in fig.data if t.name == "unlabelled edges")
    written = len(labels.text) - len(bp.spec.sizes) - sum(bp.spec.sizes)
    assert 0 < written < len(d.edges) == 68 and written + len(hidden.x) == len(d.edges)
    assert sorted([*labels.hovertext[:written], *hidden.hovertext]) == sorted(e.hover for e in d.edges)  # each once
    assert hidden.marker.color == "rgba(0, 0, 0, 0)" and hidden.hoverinfo == "text"
    assert [a.text for a in fig.layout.annotations] == [f"{UNLABELLED_NOTE} {DELTA_NOTE}"]  # its δs: see below
    assert fig.layout.height > 460  # four units a layer: z and δ need the room
    # the larger values go first: those written are larger, on the whole, than those on hover only
    by_hover = {e.hover: abs(e.weight) for e in d.edges}
    assert np.mean([by_hover[h] for h in labels.hovertext[:written]]) > np.mean([by_hover[h] for h in hidden.hovertext])


def test_the_deltas_of_neighbouring_layers_do_not_run_into_each_other():
    """With 4 hidden layers in Lecture mode (640 px) a layer's 'δ = -0.00877' was wider than the room to the next
    layer's: 'δ = 0.000483δ = 0.00269' (a helper's review). Where they do not fit, the δs drop their 'δ = ', as z its
    'z = ', and the note under the diagram says what the orange numbers are; the default network keeps them."""
    from nnviz.figures.backprop import (
        DELTA_NOTE,
        DELTA_SIZE,
        LECTURE_FONT_FACTOR,
        PLACE_WIDTH,
        _number_width,
        network_figure,
    )

    def deltas_and_room(setup):
        bp = pass_for(setup)
        fig = network_figure(bpm.diagram(bp, len(bp.steps)))
        deltas = next(t for t in fig.data if t.name == "deltas")
        x_range = fig.layout.xaxis.range
        px_per_layer = (PLACE_WIDTH - 20) / (x_range[1] - x_range[0])
        widest = max(_number_width(t, DELTA_SIZE * LECTURE_FONT_FACTOR) for t in deltas.text)
        return fig, list(deltas.text), widest, px_per_layer

    fig, texts, widest, room = deltas_and_room(SETUPS[0])
    assert all("δ = " in t for t in texts) and widest < room and not fig.layout.annotations
    deep = bpm.BackpropSetup(hidden_layers=4, hidden_units=3, outputs=1, batch=1, seed=0)
    fig, texts, widest, room = deltas_and_room(deep)
    assert not any("δ" in t for t in texts) and widest < room - 4, (widest, room)
    assert DELTA_NOTE in next(a.text for a in fig.layout.annotations)
    first = network_figure(bpm.diagram(pass_for(deep), 1))  # one δ so far: already without 'δ = ', as later
    assert not next(t for t in first.data if t.name == "deltas").text[0].startswith("<b>δ")
    assert all("δ" in h for h in next(t for t in fig.data if t.name == "deltas").hovertext)  # the hover names it


@pytest.mark.parametrize(("layers", "units", "outputs"), [(4, 4, 1), (4, 4, 3), (3, 4, 2), (1, 3, 1)])
def test_on_a_phone_the_deltas_fit_between_the_layers_and_the_inputs_in_the_figure(layers, units, outputs):
    """On a phone (390x844), 4 hidden layers of 4 units: neighbouring δs ran together ('0.000456-0.00352'), the
    inputs' circles were cut at the figure's left edge and the second note under the diagram was cut after
    'Orange, al' (a helper's review). There a δ keeps the digits that fit the room between two layers (hover has
    them all), the inputs have room for their circles, and the notes stand one under the other."""
    from nnviz.figures import backprop as fb
    from nnviz.figures.style import PHONE_FIGURE_WIDTH

    bp = pass_for(bpm.BackpropSetup(hidden_layers=layers, hidden_units=units, outputs=outputs, batch=4, seed=3))
    d = bpm.diagram(bp, len(bp.steps), sensitivity=True)
    fig = fb.network_figure(d, narrow=True)
    deltas = next(t for t in fig.data if t.name == "deltas")
    left, right = fig.layout.xaxis.range
    px_per_layer = (PHONE_FIGURE_WIDTH - 2 * fb.MARGIN) / (right - left)
    assert len(deltas.text) == sum(bp.spec.sizes[1:])
    assert max(fb._number_width(t, deltas.textfont.size) for t in deltas.text) <= px_per_layer - 4 + 1e-9
    assert deltas.textfont.size >= 0.9 * fb.DELTA_SIZE  # smaller type only as much as one digit's room takes
    for text, node in zip(deltas.text, [n for n in d.nodes if n.layer > 0]):  # each the δ it stands for
        assert shown_number(text.removeprefix("<b>").removesuffix("</b>").removeprefix("δ = ")) == pytest.approx(
            node.delta, rel=0.5, abs=1e-12)
    assert -left * px_per_layer >= fb.NODE_SIZE / 2 + 1
    for note in fig.layout.annotations:
        assert all(len(line) <= 52 for line in note.text.split("<br>")), note.text  # ~330 px in 13 px text
    labels = next(t for t in fig.data if t.name == "labels")
    titles = list(labels.text[-len(bp.spec.sizes):])  # each layer's title fits between its neighbours
    assert max(fb._number_width(t, fb.EDGE_SIZE) for t in titles[1:-1]) <= px_per_layer - 4, titles
    assert titles[1] == ("<b>h¹</b>" if layers == 4 else "<b>hidden 1</b>")  # short as its units' names begin: h¹₁


@pytest.mark.parametrize(("layers", "units", "outputs"), [(4, 4, 1), (4, 4, 3), (4, 3, 1), (3, 4, 2), (1, 3, 1)])
def test_an_edge_label_keeps_clear_of_every_unit(layers, units, outputs):
    """With 4 hidden layers of 4 units in Lecture mode, '0.2' sat 2 px from the units on either side of its edge,
    wedged between them as if part of them (a helper's review). Every weight written on an edge keeps UNIT_CLEARANCE
    px (its box has 2 px more) from every unit, where the labels are placed (PLACE_WIDTH, Lecture mode's fonts)."""
    from nnviz.figures import backprop as fb

    bp = pass_for(bpm.BackpropSetup(hidden_layers=layers, hidden_units=units, outputs=outputs, batch=1, seed=0))
    d = bpm.diagram(bp, 0)
    fig = fb.network_figure(d)
    labels = next(t for t in fig.data if t.name == "labels")
    units_trace = next(t for t in fig.data if t.name == "units")
    written = len(labels.text) - len(bp.spec.sizes) - sum(bp.spec.sizes)
    x_range = fig.layout.xaxis.range
    place = fb._Place((fb.PLACE_WIDTH - 2 * fb.MARGIN) / (x_range[1] - x_range[0]),
                      fb._rows(max(d.sizes), bool(fig.layout.annotations), 460).px_y, fb.LECTURE_FONT_FACTOR)
    radius = fb.NODE_SIZE * place.font / 2 + 1  # to the outside of its outline
    nearest = min(np.hypot(max(left - cx, 0, cx - right), max(bottom - cy, 0, cy - top)) - radius
                  for x, y, text in zip(labels.x[:written], labels.y[:written], labels.text[:written])
                  for left, right, bottom, top in [place.label(x, y, text, fb.EDGE_SIZE)]
                  for cx, cy in [place.point(ux, uy) for ux, uy in zip(units_trace.x, units_trace.y)])
    assert written > 0 and nearest >= fb.UNIT_CLEARANCE, nearest


def test_the_room_for_a_bold_label_is_what_its_width_counts():
    from nnviz.figures import backprop as fb
    from nnviz.formatting import em_width

    for width, size in ((60.0, 14.0), (120.0, 18.9)):
        room = fb._bold_em_room(width, size)
        text = "8" * 40
        fitting = next(k for k in range(40, 0, -1) if em_width(text[:k]) <= room)
        assert fb._number_width(f"<b>{text[:fitting]}</b>", size) <= width < fb._number_width(
            f"<b>{text[:fitting + 1]}</b>", size)


def test_a_value_inside_a_unit_fits_its_circle():
    """A saturated unit's activation (hand-set weights of ±1000) was written as '2.05e-217', wider than the unit;
    the perceptron's ŷ = 4.66e-15 ran out of its diagram in Lecture mode."""
    from nnviz.formatting import compact

    assert [compact(v) for v in (0.535, -0.939, 2.05e-217, 1e-54, 123456.0, 0.0, -0.0)] == [
        "0.535", "−0.939", "2·10⁻²¹⁷", "1·10⁻⁵⁴", "1·10⁵", "0", "0"]
    # a power of ten as the formulas write it: the perceptron's 'ŷ ≈ 3e-04' (a student's review)
    assert [compact(v) for v in (4.66e-15, 0.731, 1.0, 0.0123, 3.354e-4)] == ["5·10⁻¹⁵", "0.731", "1", "0.0123",
                                                                            "3·10⁻⁴"]
    # a negative value between -0.1 and -0.01 keeps two digits where three do not fit: tanh(-0.0898) was drawn
    # '-9e-02' beside its 'z = -0.0898' (a helper's review); with the minus sign of the formulas
    assert [compact(v) for v in (-0.0896, 0.0896, -0.535, -2.05e-217)] == ["−0.09", "0.0896", "−0.535", "−2·10⁻²¹⁷"]


def _gradients_for_each_class(**setup) -> tuple[np.ndarray, np.ndarray]:
    def gradients(label):
        s = bpm.BackpropSetup(label=label, **setup)
        return bpm.backward_pass(bpm.seeded_network(s), *s.examples()).gradients.flat
    return gradients(0), gradients(1)


@pytest.mark.parametrize("outputs", [1, 2])
@pytest.mark.parametrize(("activation", "seed"), [("sigmoid", 0), ("tanh", 3), ("relu", 5)])
def test_with_one_example_and_one_or_two_outputs_the_other_class_flips_every_gradient(outputs, activation, seed):
    """The Try-this prompt: δ_out = a − y (sigmoid) or p − y (two softmax units) changes sign with y, and every
    other δ and gradient is it times the same factors."""
    g0, g1 = _gradients_for_each_class(outputs=outputs, activation=activation, seed=seed, batch=1)
    moved = np.abs(g0) + np.abs(g1) > 0
    assert moved.sum() > len(g0) // 2 and np.all(np.sign(g0[moved]) == -np.sign(g1[moved]))


@pytest.mark.parametrize("setup", [{"outputs": 3, "batch": 1}, {"outputs": 1, "batch": 4}])
def test_with_three_outputs_or_four_examples_not_every_gradient_flips(setup):
    g0, g1 = _gradients_for_each_class(seed=0, **setup)
    assert np.any((np.sign(g0) == np.sign(g1)) & (g0 != 0))


@pytest.mark.parametrize("setup", [bpm.BackpropSetup(), bpm.BackpropSetup(hidden_units=2)])
def test_no_other_edge_runs_through_an_edge_label(setup):
    """Lecture moment 10: '−1.06' (x₂→h₁) sat where x₁→h₂ crosses it, so it could be either edge's weight (its white
    box hid the other edge there). Each label sits where no other edge passes under it (in the default network and
    with two hidden units; in larger ones where the fewest do)."""
    from nnviz.figures import backprop as fb

    d = bpm.diagram(pass_for(setup), 0)
    pos = fb._positions(d.sizes)
    segments = [(pos[e.layer - 1][e.i], pos[e.layer][e.j]) for e in d.edges]
    place = fb._Place(180.0, 150.0, fb.LECTURE_FONT_FACTOR)
    spots = fb._edge_label_spots(d, segments, [], place)
    in_px = [(place.point(*start), place.point(*end)) for start, end in segments]
    assert None not in spots
    for k, (x, y) in enumerate(spots):
        box = place.label(x, y, d.edges[k].label, fb.EDGE_SIZE)
        assert fb._crosses(in_px[k], box)  # on its own edge
        assert not any(fb._crosses(s, box) for j, s in enumerate(in_px) if j != k), d.edges[k].label
        # nor grazes it: '-1.06' (x₂→h₁) and '-1.01' (x₁→h₃) sat one over the other either side of their crossing
        others = [s for j, s in enumerate(in_px) if j != k]
        clearance = fb._distance_to_segments(box, np.array([a for a, _ in others]), np.array([b for _, b in others]))
        assert clearance >= fb.CLEARANCE, (d.edges[k].label, clearance)


def test_a_segment_crosses_a_box_only_where_it_passes_through_it():
    from nnviz.figures.backprop import _crosses

    box = (0.0, 2.0, 0.0, 1.0)  # left, right, bottom, top
    assert _crosses(((-1, 0.5), (3, 0.5)), box) and _crosses(((1, -1), (1, 2)), box)  # across
    assert _crosses(((-1, -1), (3, 2)), box) and _crosses(((0.5, 0.5), (5, 5)), box)  # diagonal; from inside
    assert not _crosses(((-1, 2), (3, 2)), box) and not _crosses(((3, -1), (3, 2)), box)  # above; beside
    assert not _crosses(((-1, 0.9), (0.0, 1.5)), box) and not _crosses(((2.5, 0), (5, -3)), box)  # past a corner


def test_the_distance_from_a_box_to_segments():
    from nnviz.figures.backprop import _distance_to_segments

    box = (0.0, 4.0, 0.0, 2.0)  # left, right, bottom, top
    starts, ends = np.array([[6.0, -5.0], [2.0, 5.0]]), np.array([[6.0, 5.0], [9.0, 5.0]])  # 2 right of it; 3 above
    assert _distance_to_segments(box, starts, ends) == pytest.approx(2.0)
    assert _distance_to_segments(box, starts[1:], ends[1:]) == pytest.approx(3.0)
    assert _distance_to_segments(box, starts[:0], ends[:0]) == float("inf")


def test_the_spread_figure_keeps_its_panels_apart_and_stacks_them_on_a_phone():
    """In Lecture mode the right panel's y title lay on the left panel's last points, and on a phone the two titles
    were printed over each other (a helper's review): the panels stand further apart, and on a phone (its layout for
    narrow places) one under the other, each the plot's width with its title above it; every line lies between two
    labelled ticks."""
    from nnviz.figures.backprop import spread_figure

    spreads = {key: (bpm.layer_spread("sigmoid", key).activation_std, bpm.layer_spread("sigmoid", key).gradient_std)
               for key in bpm.INIT_SCHEMES}
    layout = spread_figure(spreads, bpm.INIT_SCHEMES).to_dict()["layout"]
    assert layout["xaxis2"]["domain"][0] - layout["xaxis"]["domain"][1] == pytest.approx(0.16)
    for name, column in (("yaxis", 0), ("yaxis2", 1)):
        values = np.concatenate([pair[column] for pair in spreads.values()])
        ticks = layout[name]["tickvals"]
        assert ticks[0] <= values[values > 0].min() and values.max() <= ticks[-1], name
    narrow = layout["meta"]["narrow"]["layout"]
    assert narrow["xaxis"]["domain"] == narrow["xaxis2"]["domain"] == [0, 1]
    top, bottom = narrow["yaxis"]["domain"], narrow["yaxis2"]["domain"]
    assert bottom[1] < top[0]  # the gradients' panel under the activations'
    assert [(a["x"], a["y"]) for a in narrow["annotations"]] == [(0.5, top[1]), (0.5, bottom[1])]
    assert narrow["legend"]["orientation"] == "h" and narrow["height"] > layout["height"]


def test_a_power_of_ten_in_the_steps_arithmetic_is_written_as_one():
    """With 4 hidden layers (the page's own suggestion) step 21 read 'δ = 0.0003047 · 0.177 = 5.394e − 05': LaTeX
    sets 'e' as a variable and '-05' as a difference (a helper's review). Every number is LaTeX's 5.394 · 10^{-5}."""
    from nnviz.formatting import latex_number

    assert [latex_number(v) for v in (5.394e-05, -5.418e-10, 0.1234567, -0.0, 2e20)] == [
        r"5.394 \cdot 10^{-5}", r"-5.418 \cdot 10^{-10}", "0.1235", "0", r"2 \cdot 10^{20}"]
    bp = pass_for(bpm.BackpropSetup(hidden_layers=4, seed=0))
    texts = [t for s in bp.steps for t in (s.formula, s.arithmetic)]
    assert not any(re.search(r"\de[-+]\d", t) for t in texts)
    assert any(r"\cdot 10^{-" in t for t in texts)  # this network's small δs are there, written so


def test_on_a_phone_the_one_step_figures_legend_stands_under_its_axis_title():
    """Lecture moment 11 opened on a phone: the three legend entries, one under the other there, lay on 'learning
    rate η' (a helper's review). On a phone the legend stands at the figure's bottom, with room made for it."""
    from nnviz.figures.backprop import one_step_figure

    rates = np.geomspace(1e-3, 100, 30)
    fig = one_step_figure(rates, 0.7 + 0.01 * rates, 0.7, 1.0, 0.71)
    narrow = fig.layout.meta["narrow"]["layout"]
    assert narrow["legend"]["yref"] == "container" and narrow["legend"]["y"] == 0
    assert narrow["margin"]["b"] >= fig.layout.margin.b + 3 * 20 and narrow["height"] > fig.layout.height


def test_too_large_weights_give_the_largest_gradients_as_the_deep_views_text_says():
    """The text said only 'too large: units saturate' where the figure showed N(0, 1)'s gradients the highest curve
    for sigmoid and tanh (a student's review). What it says now: tanh's grow going back, sigmoid's shrink yet stay
    the largest of the four at every layer."""
    tanh = bpm.layer_spread("tanh", "large")
    assert tanh.activation_std[-1] > 0.9  # saturated: near ±1
    assert tanh.gradient_std[0] > 10 * tanh.gradient_std[-1]  # grow going back, towards the input
    sigmoid = {scheme: np.asarray(bpm.layer_spread("sigmoid", scheme).gradient_std) for scheme in bpm.INIT_SCHEMES}
    assert sigmoid["large"][0] < sigmoid["large"][-1]  # they shrink going back
    assert all(np.all(sigmoid["large"] > spread) for scheme, spread in sigmoid.items() if scheme != "large")


def test_the_one_step_figure_keeps_room_for_its_marker_at_either_end_of_the_rates():
    """At η = 100 the 'your η' diamond was cut at the plot's right edge (a student's review)."""
    from nnviz.figures.backprop import one_step_figure

    rates = np.geomspace(0.001, 100.0, 21)
    inside = one_step_figure(rates, 0.7 + 0.01 * rates, 0.7, 1.0, 0.71).layout.xaxis.range
    assert tuple(inside) == pytest.approx((-3.0, 2.0))
    high = one_step_figure(rates, 0.7 + 0.01 * rates, 0.7, 100.0, 1.7).layout.xaxis.range
    low = one_step_figure(rates, 0.7 + 0.01 * rates, 0.7, 0.001, 0.7).layout.xaxis.range
    assert high[0] == pytest.approx(-3.0) and high[1] > 2.1 and low[0] < -3.1 and low[1] == pytest.approx(2.0)


def test_the_mean_delta_bars_name_their_scale_and_write_powers_of_ten():
    """Log for sigmoid and ReLU, linear for tanh, under one title 'mean |δ|' (a student's review)."""
    from nnviz.figures.backprop import delta_by_layer_figure

    spread = delta_by_layer_figure(np.array([4.6e-1, 3e-2, 5.2e-5]), ["1", "2", "3"])
    assert spread.layout.yaxis.type == "log" and spread.layout.yaxis.title.text == "mean |δ| (log scale)"
    assert list(spread.data[0].text) == ["0.46", "0.03", "5.2·10⁻⁵"]
    even = delta_by_layer_figure(np.array([0.2, 0.1, 0.05]), ["1", "2", "3"])
    assert even.layout.yaxis.type != "log" and even.layout.yaxis.title.text == "mean |δ|"
