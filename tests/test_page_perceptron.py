"""AppTest of the perceptron page: the neuron's arithmetic, the boundary, and the learning rule's state."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import figures, hyphens_as_minus_signs, metric, set_to_extreme, shown_number, texts, trace, values

from nnviz import data as datasets
from nnviz import perceptron as perc

PAGE = "app_pages/perceptron.py"


def weights_shown(at) -> tuple[np.ndarray, float]:
    """Read w1, w2 and b from the learning section's metrics."""
    w1, w2 = (shown_number(v) for v in metric(at, "w1, w2").split(","))
    return np.array([w1, w2]), shown_number(metric(at, "b"))


def choose(at, dataset: str, lr: float = 1.0):
    at.selectbox(key="perc_dataset").set_value(dataset)
    at.slider(key="perc_lr").set_value(lr).run()
    assert not at.exception


def test_renders_all_sections(at):
    assert set(figures(at)) == {"neuron_diagram", "perc_boundary", "perc_learning", "xor_step", "xor_sigmoid",
                                "perc_sklearn"}


def test_neuron_shows_its_arithmetic(at):
    at.slider(key="neuron_n").set_value(2)
    at.slider(key="neuron_x0").set_value(2.0)
    at.slider(key="neuron_x1").set_value(-1.0)
    at.slider(key="neuron_w0").set_value(1.5)
    at.slider(key="neuron_w1").set_value(0.5)
    at.slider(key="neuron_bias").set_value(-2.0).run()
    formulas = " ".join(latex.value for latex in at.latex)
    assert "(1.5)(2) + (0.5)(-1) + (-2) = 0.50" in formulas  # z = 3 − 0.5 − 2
    assert r"H(0.50) = 1" in formulas
    at.radio(key="neuron_activation").set_value("sigmoid").run()
    assert rf"\sigma(0.50) \approx {1 / (1 + np.exp(-0.5)):.3g}" in " ".join(latex.value for latex in at.latex)
    edges = [t for t in figures(at)["neuron_diagram"]["data"] if t["mode"] == "lines"][:3]
    assert [e["line"]["width"] for e in edges] == pytest.approx([1 + 9 * 1.5 / 2, 1 + 9 * 0.5 / 2, 1 + 9])


def test_the_neuron_can_leave_z_and_its_output_for_the_class_to_work_out(at):
    """Lecture moment 1 asks the class to predict ŷ, and the diagram showed it: with 'show z and ŷ' off the diagram
    and the formula leave both as ?, the inputs, weights and products still shown (a lecturer's review)."""
    def diagram_texts():
        return [a["text"] for a in figures(at)["neuron_diagram"]["layout"]["annotations"]]

    assert "z = −1.00" in diagram_texts() and "<b>ŷ = 0</b>" in diagram_texts()  # (0.8)(1) + (-0.4)(2) + … = -1
    at.toggle(key="neuron_show").set_value(False).run()
    formulas = " ".join(latex.value for latex in at.latex)
    assert "(0.8)(1) + (-0.4)(2) + (0.5)(-1) + (-0.5) = {?}" in formulas and r"H(z) = {?}" in formulas
    assert "-1.00" not in formulas and "H(-1" not in formulas
    assert "z = ?" in diagram_texts() and "<b>ŷ = ?</b>" in diagram_texts() and "w1 = +0.80" in diagram_texts()
    assert "z = -1.00" not in diagram_texts() and not any("ŷ = 0" in text for text in diagram_texts())
    at.toggle(key="neuron_show").set_value(True).run()
    assert "z = −1.00" in diagram_texts() and r"H(-1.00) = 0" in " ".join(latex.value for latex in at.latex)


def test_sliders_move_the_boundary_and_count_mistakes(at):
    choose(at, "AND")
    at.slider(key="perc_w1").set_value(1.0)
    at.slider(key="perc_w2").set_value(1.0)
    at.slider(key="perc_b").set_value(-1.5).run()
    assert metric(at, "misclassified") == "0 of 4"
    line = trace(figures(at)["perc_boundary"], "boundary w·x + b = 0")
    for x1, x2 in zip(line["x"], line["y"]):
        assert x1 + x2 - 1.5 == pytest.approx(0, abs=1e-9)
    at.slider(key="perc_b").set_value(-0.5).run()  # now OR: (0,1) and (1,0) are wrong for AND
    assert metric(at, "misclassified") == "2 of 4"


@pytest.mark.parametrize("lr", [0.1, 0.05, 1.0])
def test_the_rules_numbers_add_up_as_written_step_after_step(at, lr):
    """Separable blobs at η = 0.1 from w = 0 (a Try-this preset): w was written to 2 decimals, each step's Δw too, and
    (−0.15, −0.26) + (+0.31, +0.41) read (0.16, 0.16): off by 0.01 at every other step for a student adding by hand
    (a review). The blobs now have two decimals and the rule is written to η's decimals more."""
    at.radio(key="perc_start").set_value("w = 0, b = 0")
    choose(at, "Separable blobs", lr=lr)
    def written():
        w1, w2 = (shown_number(v) for v in metric(at, "w1, w2").split(", "))
        return np.array([w1, w2, shown_number(metric(at, "b"))])

    before, checked = written(), 0
    for _ in range(25):
        at.button(key="perc_step").click().run()
        after = written()
        rule = " ".join(latex.value for latex in at.latex if r"\Delta\mathbf{w}" in latex.value)
        if rule and not np.array_equal(after, before):
            x1, x2 = (float(v) for v in re.search(r"\\cdot\(([-\d.]+), ([-\d.]+)\) =", rule).groups())
            dw1, dw2 = (float(v) for v in re.search(r"= \(([-+\d.]+), ([-+\d.]+)\), ", rule).groups())
            db = float(re.search(r"\\Delta b = ([-+\d.]+)", rule).group(1))
            sign = 1 if dw1 * x1 > 0 or dw2 * x2 > 0 else -1
            assert (dw1, dw2) == pytest.approx((sign * lr * x1, sign * lr * x2), abs=1e-12)  # η(y − ŷ)x as written
            np.testing.assert_allclose(before + [dw1, dw2, db], after, atol=1e-9)  # old + Δ = new, as written
            checked += 1
        before = after
    assert checked >= 3


def test_step_one_sample_applies_the_rule(at):
    choose(at, "AND", lr=0.5)
    d = datasets.logic_gate("AND")
    expected = perc.initial_state(2)
    for _ in range(3):
        at.button(key="perc_step").click().run()
        expected = perc.learning_step(expected, d.X, d.y, 0.5, 0)
        w, b = weights_shown(at)
        np.testing.assert_allclose(w, expected.w, atol=0.005)
        assert b == pytest.approx(expected.b, abs=0.005)
    assert metric(at, "mistakes so far") == str(expected.updates)
    ring = trace(figures(at)["perc_learning"], "sample just used")
    assert (ring["x"][0], ring["y"][0]) == tuple(d.X[expected.last.sample])
    if expected.last.error:
        formula = " ".join(latex.value for latex in at.latex)
        assert rf"0.5\cdot({expected.last.error:+d})" in formula  # the η that made the update


def test_a_new_learning_rate_starts_the_run_again_so_the_weights_shown_are_a_run_with_the_rate_shown(at):
    choose(at, "AND", lr=1.0)
    at.button(key="perc_epoch").click().run()
    at.slider(key="perc_lr").set_value(0.5).run()
    assert metric(at, "epochs done") == "0" and metric(at, "mistakes so far") == "0"
    assert [t.value for t in at.toast] == ["New data or η: the learning rule starts again."]
    at.button(key="perc_epoch").click().run()
    assert r"\Delta\mathbf{w} = \eta\,(y - \hat y)\,\mathbf{x} = 0.5\cdot" in " ".join(l.value for l in at.latex)


def test_the_learning_rate_try_this_compares_two_whole_runs_with_the_same_line(at):
    """From w = 0 every update is η times a sum of ±x and ±1: η scales w and b, and the line stays."""
    at.button(key="try_perceptron_4_0").click().run()  # blobs, η = 0.1
    at.button(key="perc_run").click().run()
    slow = weights_shown(at)
    at.button(key="try_perceptron_4_1").click().run()  # blobs, η = 2: a new run, not the finished one
    assert metric(at, "epochs done") == "0"
    at.button(key="perc_run").click().run()
    fast = weights_shown(at)
    assert "Converged" in texts(at)
    np.testing.assert_allclose(fast[0], 20 * slow[0], rtol=0.02)
    assert fast[1] == pytest.approx(20 * slow[1], rel=0.02) and slow[1] != 0


def test_learning_state_survives_other_widgets_and_resets_on_new_data(at):
    choose(at, "OR")
    at.button(key="perc_epoch").click().run()
    before = weights_shown(at)
    at.slider(key="neuron_bias").set_value(1.0)
    at.slider(key="xor_steepness").set_value(12.0)
    at.slider(key="perc_w1").set_value(-2.0).run()
    assert weights_shown(at)[1] == before[1] and np.array_equal(weights_shown(at)[0], before[0])
    assert metric(at, "epochs done") == "1"
    at.selectbox(key="perc_dataset").set_value("AND").run()
    assert metric(at, "epochs done") == "0" and weights_shown(at)[1] == 0.0
    assert [t.value for t in at.toast] == ["New data or η: the learning rule starts again."]  # the run is lost
    at.selectbox(key="perc_dataset").set_value("XOR").run()  # nothing had run: no toast (it covered Next in a lecture)
    assert not at.toast and metric(at, "epochs done") == "0"


@pytest.mark.parametrize("steepness, solved", [(1.0, False), (2.0, False), (2.5, True), (5.0, True)])
def test_sigmoids_too_flat_for_xor_are_said_to_be(at, steepness, solved):
    """At s = 1 the sigmoid network's output is 0.42-0.44 at all four points: it says 0 everywhere, while the figure's
    title said 'the same, but smooth' (a helper's review). Below s = 2.5 title and text say it gives no XOR."""
    at.slider(key="xor_steepness").set_value(steepness).run()
    assert not at.exception
    title = figures(at)["xor_sigmoid"]["layout"]["title"]["text"]
    assert perc.computes_xor(steepness) is solved
    if solved:
        assert title.endswith("the same, but smooth") and "too flat" not in texts(at)
    else:
        outputs = perc.two_layer_xor(np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), steepness)[1]
        assert (outputs < 0.5).all()
        assert title == f"sigmoid neurons, s = {steepness:g}: too flat, all < 0.5"
        assert (f"the output is {outputs.min():.2f} to {outputs.max():.2f} at the four points, all under 0.5" in texts(at)
                and "From $s = 2.5$ on" in texts(at))


def test_runs_to_convergence_on_and_but_not_on_xor(at):
    choose(at, "AND")
    at.button(key="perc_run").click().run()
    assert "Converged" in texts(at)
    assert figures(at)["perc_errors"]["data"][0]["y"][-1] == 0
    # it stops at w = (1, 2), b = −3: (1, 1) on the line, right only because H(0) = 1 (a student's review)
    assert (metric(at, "w1, w2"), metric(at, "b")) == ("1.00, 2.00", "−3.00")  # the formulas' minus sign
    said = " ".join(c.value for c in at.caption)
    assert "1 sample on the line itself, z = 0: (1, 1). The step function says H(0) = 1, so it counts as" in said
    choose(at, "XOR")
    at.button(key="perc_run").click().run()
    shown = texts(at)
    assert "After 100 epochs it still makes mistakes in every epoch" in shown and "cycles" in shown
    assert metric(at, "epochs done") == "100"
    assert min(figures(at)["perc_errors"]["data"][0]["y"]) > 0


def test_reset_can_start_from_the_line_set_above(at):
    choose(at, "Separable blobs")
    at.slider(key="perc_w1").set_value(2.0)
    at.slider(key="perc_w2").set_value(-0.5)
    at.slider(key="perc_b").set_value(1.0)
    at.radio(key="perc_start").set_value("the line set above")
    at.button(key="perc_reset").click().run()
    w, b = weights_shown(at)
    np.testing.assert_allclose(w, [2.0, -0.5])
    assert b == 1.0


def test_learning_rate_zero_is_explained_and_learns_nothing(at):
    choose(at, "AND", lr=0.0)
    at.button(key="perc_epoch").click().run()
    assert "η = 0" in texts(at)
    w, b = weights_shown(at)
    assert not w.any() and b == 0.0
    # a wrong sample says that nothing changes, as its Δb = +0.00 below (it said 'so b changes', a student's review)
    for _ in range(4):  # the epoch's last sample, (1, 1), was right: step to a wrong one
        at.button(key="perc_step").click().run()
        if ": wrong" in texts(at):
            break
    assert ": wrong, but with η = 0 **nothing changes**." in texts(at) and "so b changes" not in texts(at)


def test_play_advances_one_sample_per_tick_until_paused(at):
    choose(at, "Iris petals: setosa vs rest")
    at.button(key="perc_play").click().run()
    assert at.session_state["perceptron_playing"] is True
    steps = at.session_state["perceptron_run"].state.steps
    at.run()  # what the fragment's timer does
    at.run()
    assert at.session_state["perceptron_run"].state.steps == steps + 2
    assert at.button(key="perc_pause").label == "■ Pause"  # in Play's place
    at.button(key="perc_pause").click().run()
    assert at.session_state["perceptron_playing"] is False
    assert at.button(key="perc_play").label == "▶ Play"
    steps = at.session_state["perceptron_run"].state.steps
    at.run()
    assert at.session_state["perceptron_run"].state.steps == steps


def test_back_undoes_the_last_press_and_the_page_shows_the_state_before_it(at):
    """A lecturer who pressed Step once too often could only Reset and step again from the start."""
    choose(at, "Iris petals: setosa vs rest")
    assert at.button(key="perc_back").disabled  # nothing to undo
    at.button(key="perc_step").click().run()
    shown = (metric(at, "w1, w2"), metric(at, "b"), metric(at, "mistakes so far"), texts(at))
    at.button(key="perc_epoch").click().run()
    assert at.session_state["perceptron_run"].state.epoch == 1
    at.button(key="perc_back").click().run()
    assert at.session_state["perceptron_run"].state.steps == 1 and at.session_state["perceptron_run"].state.epoch == 0
    assert (metric(at, "w1, w2"), metric(at, "b"), metric(at, "mistakes so far"), texts(at)) == shown
    assert not at.button(key="perc_back").disabled
    at.button(key="perc_back").click().run()  # to the start: nothing more to undo
    assert at.session_state["perceptron_run"].state.steps == 0 and at.button(key="perc_back").disabled
    at.button(key="perc_run").click().run()
    at.button(key="perc_back").click().run()  # Run to the end is one press
    assert at.session_state["perceptron_run"].state.steps == 0


def test_back_is_off_while_it_plays(at):
    choose(at, "Iris petals: setosa vs rest")
    at.button(key="perc_play").click().run()
    at.run()  # a tick
    assert at.button(key="perc_back").disabled
    at.button(key="perc_pause").click().run()
    steps = at.session_state["perceptron_run"].state.steps
    at.button(key="perc_back").click().run()
    assert at.session_state["perceptron_run"].state.steps == steps - 1


def test_reset_while_playing_stops_at_the_start(at):
    """Reset during Play: the run starts again and stays at its start (it advanced one tick before)."""
    choose(at, "Iris petals: setosa vs rest")
    at.button(key="perc_play").click().run()
    at.run()  # a tick
    at.button(key="perc_pause").click().run()
    at.button(key="perc_play").click().run()
    at.button(key="perc_reset").click().run()
    state = at.session_state["perceptron_run"].state
    assert at.session_state["perceptron_playing"] is False
    assert state.steps == 0 and state.last is None
    assert at.button(key="perc_play").label == "▶ Play"
    at.run()  # what a leftover timer tick would do
    assert at.session_state["perceptron_run"].state.steps == 0


def test_agreement_with_scikit_learn_is_reported(at):
    assert metric(at, "predictions that agree") == "100%"  # iris is separable: both separate it
    sk_line = trace(figures(at)["perc_sklearn"], "scikit-learn's Perceptron")
    assert len(sk_line["x"]) == 2
    # the other line is named for whose it is (the legend said 'boundary w·x + b = 0' alone, a student's review)
    assert len(trace(figures(at)["perc_sklearn"], "this page's perceptron: w·x + b = 0")["x"]) == 2
    assert "because any separating line stops the rule" in texts(at)


@pytest.mark.parametrize("dataset", ["XOR", "Noisy, overlapping blobs"])
def test_the_comparison_does_not_say_a_separating_line_stopped_a_rule_that_never_stopped(at, dataset):
    """It said 'the lines can differ because any separating line stops the rule' on XOR and the overlapping blobs,
    where no line separates and both rules ran all their epochs (a student's review)."""
    at.selectbox(key="perc_dataset").set_value(dataset).run()
    assert "any separating line stops the rule" not in texts(at)
    assert "the rule found no separating line in 100 epochs" in texts(at)


@pytest.mark.parametrize("end", ["min", "max"])
def test_every_widget_at_its_extremes_raises_nothing(at, end):
    at.slider(key="neuron_n").set_value(4).run()
    for name in datasets.PERCEPTRON_DATASETS:
        at.selectbox(key="perc_dataset").set_value(name)
        set_to_extreme(at, end)
        at.run()
        assert not at.exception, name
        for button in ("perc_step", "perc_epoch", "perc_run", "perc_reset"):
            at.button(key=button).click().run()
            assert not at.exception, (name, button)
            assert hyphens_as_minus_signs(at) == [], (name, button)  # negative numbers with the formulas' '−'
        for fig in figures(at).values():
            for t in fig["data"]:
                if t["type"] == "scatter" and t.get("y") is not None:
                    y = values(t["y"]) if isinstance(t["y"], dict) else np.array(
                        [v for v in t["y"] if v is not None], dtype=float)
                    assert np.all(np.isfinite(y)), (name, t.get("name"))


def test_a_mistake_that_leaves_w_at_zero_does_not_say_the_line_moves(at):
    """XOR's sample (0, 0) wrong at w = 0: only b changes and there is no line, yet the page said 'wrong, so the line
    moves' (a student's review)."""
    at.selectbox(key="perc_dataset").set_value("XOR").run()
    said = []
    for _ in range(4):
        at.button(key="perc_step").click().run()
        said += [m.value for m in at.markdown if m.value.startswith("**Last sample")]
    assert any(s.endswith("x = (0.00, 0.00), y = 0, ŷ = 1: wrong, so b changes; w = 0 now, so there is no line.")
               for s in said), said
    assert any(s.endswith("wrong, so the line moves.") for s in said), said  # once w is not 0


def test_the_first_line_is_said_to_appear_not_to_move(at):
    """AND's first mistake from w = 0, b = 0: the page said 'wrong, so the line moves' where there was no line to
    move (a student's review)."""
    at.selectbox(key="perc_dataset").set_value("AND").run()
    at.button(key="perc_step").click().run()
    said = [m.value for m in at.markdown if m.value.startswith("**Last sample")]
    assert said and said[0].endswith("wrong, so w and b change: now there is a line, w·x + b = 0."), said
