"""AppTest of the loss-vs-accuracy page: the sweep is flat for accuracy and not for cross-entropy,
and the ways of training diverge as described."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import (
    HANG_FACTOR,
    figures,
    hyphens_as_minus_signs,
    metric,
    set_to_extreme,
    shown_number,
    texts,
    trace,
    values,
)

from nnviz import losses as L
from nnviz.data import blobs

PAGE = "app_pages/loss_vs_accuracy.py"


def sweep_series(at) -> dict[str, np.ndarray]:
    return {t["name"]: values(t["y"]) for t in figures(at)["la_sweep"]["data"]}


def test_renders_all_sections(at):
    assert set(figures(at)) == {"la_sweep", "la_training", "la_bce_mse"}


def test_sweep_is_flat_for_accuracy_and_not_for_cross_entropy(at):
    for index in (0, 1):
        at.radio(key="la_index").set_value(index).run()
        series = sweep_series(at)
        name = f"w{index + 1}"
        d_accuracy = series[f"d(accuracy) / d{name}"]
        assert np.all(d_accuracy[np.isfinite(d_accuracy)] == 0)
        assert len(np.unique(series["accuracy"])) > 3  # plateaus with jumps, not a constant
        assert np.all(series[f"d(cross-entropy) / d{name}"] != 0)
        assert np.ptp(series["cross-entropy"]) > 0.5
    assert metric(at, "swept w2 values with d(accuracy)/dw2 = 0") == "201 of 201"  # the last weight swept


def test_a_swept_value_on_a_jump_has_no_derivative_and_is_counted(at):
    """With the other weight and b at 0 every z is 0 at w1 = 0, a swept value: the finite difference there, 62,500,
    ran off the panel beside the 'a jump: undefined' mark, and the metric read '100%' for 200 of 201 (a helper's
    review). The derivative is undefined there (not drawn), and the metric counts."""
    at.slider(key="la_other").set_value(0.0).run()
    at.slider(key="la_bias").set_value(0.0).run()
    d_accuracy = sweep_series(at)["d(accuracy) / dw1"]
    assert np.nanmax(np.abs(d_accuracy)) == 0 and np.sum(np.isnan(d_accuracy)) >= 1
    assert metric(at, "swept w1 values with d(accuracy)/dw1 = 0") == "200 of 201"


def test_accuracy_derivative_breaks_and_is_marked_at_every_jump(at):
    """d(accuracy)/dw is 0 between the jumps and undefined at them: no line may run through a jump."""
    fig = figures(at)["la_sweep"]
    accuracy = trace(fig, "accuracy")
    sweep_x, sweep_acc = values(accuracy["x"]), values(accuracy["y"])
    derivative = trace(fig, "d(accuracy) / dw1")
    marks = values(trace(fig, "undefined: accuracy jumps")["x"])
    # every change of the sampled accuracy has a marked jump between the two samples
    changed = np.flatnonzero(np.diff(sweep_acc) != 0)
    assert len(changed) > 3
    for i in changed:
        assert np.any((marks > sweep_x[i]) & (marks < sweep_x[i + 1])), (sweep_x[i], sweep_x[i + 1])
    # the accuracy really jumps at each mark (a point crosses the boundary there)
    X, y = blobs(80, 0, spread=0.9)
    for mark in marks:
        left, right = (L.accuracy(y, L.neuron_output(X, np.array([v, 1.0]), -6.0)) for v in (mark - 1e-6, mark + 1e-6))
        assert left != right, mark
    # the zero line has a gap (None) around each jump, and no drawn segment spans a jump
    xs = derivative["x"]
    segments, current = [], []
    for x in xs:
        if x is None:
            segments.append(current)
            current = []
        else:
            current.append(x)
    segments.append(current)
    assert len(segments) >= len(changed) + 1
    for segment in segments:
        assert not np.any((marks > segment[0]) & (marks < segment[-1]))


def test_sweep_follows_the_other_weight_and_bias(at):
    before = sweep_series(at)["cross-entropy"]
    at.slider(key="la_bias").set_value(-3.0).run()
    after = sweep_series(at)["cross-entropy"]
    X, y = blobs(80, 0, spread=0.9)
    expected = L.sweep_weight(X, y, np.array([1.0, 1.0]), -3.0, 0, np.linspace(-4, 6, 201))["bce"]
    np.testing.assert_allclose(after, expected)
    assert not np.allclose(before, after)


def test_step_neuron_has_zero_chain_rule_gradient(at):
    table = at.table[0].value
    assert list(table["∂L/∂w₁ (app, chain rule)"])[1] == "0"
    assert shown_number(next(iter(table["∂L/∂w₁ (app, chain rule)"]))) != 0


def test_gradient_tape_on_demand(at):
    at.button(key="la_tape").click().run(timeout=120 * HANG_FACTOR)
    assert not at.exception
    tape_table = at.table[1].value
    assert list(tape_table["∂L/∂w₁ (GradientTape)"])[1] == list(tape_table["∂L/∂w₂ (GradientTape)"])[1] == \
        "None: no gradient"
    for sub in "₁₂":  # written as the app's table beside it (numpy's '[-1.4286 -1.6408]' was not)
        app, tape = (next(iter(table[f"∂L/∂w{sub} ({name})"])) for table, name in (
            (at.table[0].value, "app, chain rule"), (tape_table, "GradientTape")))
        assert shown_number(tape) == pytest.approx(shown_number(app), abs=1e-4) and len(tape) == len(app) == 7
    at.slider(key="la_current").set_value(2.0).run()
    assert "Computed for earlier weights" in texts(at)
    # where the sigmoid's gradient is nearly 0, both tables give its digits: '-0.0000' beside numpy's
    # '-2.6723e-05' (a student's review)
    at.slider(key="la_other").set_value(-2.9).run()
    at.slider(key="la_bias").set_value(-0.7).run()
    at.slider(key="la_current").set_value(4.95).run()
    at.button(key="la_tape").click().run(timeout=120 * HANG_FACTOR)
    app, tape = (next(iter(at.table[i].value[f"∂L/∂w₁ ({name})"])) for i, name in ((0, "app, chain rule"),
                                                                                   (1, "GradientTape")))
    assert app.endswith("·10⁻⁵") and shown_number(tape) == pytest.approx(shown_number(app), rel=1e-3), (app, tape)


def test_training_on_the_loss_learns_the_others_are_stuck(at):
    curves = {t["name"]: values(t["y"]) for t in figures(at)["la_training"]["data"]}
    ce = curves["gradient descent on cross-entropy (sigmoid)"]
    assert ce[-1] > ce[0] + 0.2
    for stuck in ("gradient descent on accuracy", "step neuron, gradient descent on MSE"):
        assert np.all(curves[stuck] == curves[stuck][0]), stuck
    # one on the other, as the text says: two legend entries and one line to see (a student's review)
    assert np.array_equal(curves["gradient descent on accuracy"], curves["step neuron, gradient descent on MSE"])
    assert "their two flat lines lie one on the other" in texts(at)
    assert metric(at, "gradient descent on accuracy").split(" → ")[0] == metric(at, "gradient descent on accuracy").split(" → ")[1]


def test_the_training_text_says_what_the_curves_did_and_nothing_at_a_rate_of_zero(at):
    """It said 'cross-entropy improves the accuracy epoch after epoch' beside three metrics '47.5% → 47.5%' at
    η = 0 (a helper's review)."""
    before, after = metric(at, "gradient descent on cross-entropy (sigmoid)").split(" → ")
    assert f"took the accuracy from {before} to {after}" in texts(at)
    at.slider(key="la_lr").set_value(0.0).run()
    assert not at.exception
    shown = texts(at)
    assert "took the accuracy" not in shown and "η = 0: no weight moves" in shown
    assert metric(at, "gradient descent on cross-entropy (sigmoid)") == f"{before} → {before}"


def test_accuracies_on_the_80_points_are_shown_with_the_digits_they_have(at):
    """71 of 80 is 88.75 %: rounded to one decimal (half to even) 57/80 read '71.2%' and 67/80 '83.8%', which a student
    working the counts out by hand cannot follow (a lecturer's note)."""
    at.slider(key="la_lr").set_value(0.2).run()
    at.slider(key="la_epochs").set_value(3).run()  # 47.5 → 65 → 70 → 71.25 %
    assert metric(at, "gradient descent on cross-entropy (sigmoid)") == "47.5% → 71.25%"
    assert "took the accuracy from 47.5% to 71.25%" in texts(at)


def test_the_training_text_says_the_accuracy_dipped_only_where_it_did(at):
    """At η = 0.2 over 3 epochs the accuracy rose at every epoch (47.5 → 65 → 70 → 71.25 %) beside '(not up at
    every epoch …)', under an epoch axis with ticks at 0.5, 1.5, 2.5 (a helper's review)."""
    def cross_entropy_curve():
        return values(next(t for t in figures(at)["la_training"]["data"]
                           if t["name"] == "gradient descent on cross-entropy (sigmoid)")["y"])

    assert np.any(np.diff(cross_entropy_curve()) < 0) and "not up at every epoch" in texts(at)  # the defaults dip
    at.slider(key="la_lr").set_value(0.2).run()
    at.slider(key="la_epochs").set_value(3).run()
    assert np.all(np.diff(cross_entropy_curve()) >= 0) and "not up at every epoch" not in texts(at)
    assert figures(at)["la_training"]["layout"]["xaxis"]["dtick"] == 1  # whole epochs


def test_mse_barely_pushes_a_confidently_wrong_prediction(at):
    at.slider(key="la_p").set_value(0.02).run()
    bce_push = float(metric(at, "push from cross-entropy |p − 1|"))
    mse_push = float(metric(at, "push from MSE |2(p − 1)p(1 − p)|"))
    assert bce_push == pytest.approx(0.98) and mse_push < 0.05
    at.slider(key="la_p").set_value(0.99).run()  # a right prediction: small pushes, not 0.000 (a student's review)
    assert metric(at, "push from MSE |2(p − 1)p(1 − p)|") == "0.000198"
    assert metric(at, "push from cross-entropy |p − 1|") == "0.01"


def test_always_no_scores_high_accuracy_on_imbalanced_data(at):
    at.slider(key="la_share").set_value(1).run()
    assert metric(at, "accuracy of always saying 'no'") == "99.0%"
    assert metric(at, "recall (positives found)") == "0%"
    assert metric(at, "precision").startswith("undefined")
    matrix = at.table[-1].value
    assert list(matrix["predicted negative"]) == [10, 990]


@pytest.mark.parametrize("end", ["min", "max"])
def test_every_widget_at_its_extremes_raises_nothing(at, end):
    for index in (0, 1):
        at.radio(key="la_index").set_value(index)
        set_to_extreme(at, end)
        at.run()
        assert not at.exception
        assert hyphens_as_minus_signs(at) == []  # negative numbers in our text with the formulas' '−'
        for fig in figures(at).values():
            for t in fig["data"]:
                ys = [v for v in t["y"] if v is not None] if isinstance(t["y"], list) else t["y"]  # None: a gap
                assert np.all(np.isfinite(values(ys))), t.get("name")
