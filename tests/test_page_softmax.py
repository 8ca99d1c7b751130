"""AppTest of the softmax page: sliders drive the numbers and bars exactly as softmax says."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import figures, hyphens_as_minus_signs, set_to_extreme, shown_number, texts, trace, values

from nnviz import softmax as sm
from nnviz import ui
from nnviz.formatting import with_minus_signs

PAGE = "app_pages/softmax.py"


def shown_logits(at) -> np.ndarray:
    return values(figures(at)["sm_bars"]["data"][0]["y"])


def shown_probs(at) -> np.ndarray:
    return values(figures(at)["sm_bars"]["data"][1]["y"])


def metric(at, label_start: str) -> str:
    (m,) = [m for m in at.metric if m.label.startswith(label_start)]
    return m.value


def test_renders_all_sections(at):
    assert set(figures(at)) == {"sm_bars", "sm_temperature_fig", "sm_gradient", "sm_two_class"}
    assert len(at.table) == 2  # the step-by-step table and the stability table


def test_logit_sliders_drive_the_probabilities(at):
    at.slider(key="sm_logit_1").set_value(4.0).run()
    logits = shown_logits(at)
    np.testing.assert_allclose(logits, [2.0, 4.0, 0.1])
    np.testing.assert_allclose(shown_probs(at), sm.softmax(logits))
    assert metric(at, "predicted class") == "class 1"
    assert metric(at, "p(class 1)") == f"{sm.softmax(logits)[1]:.3f}"


def test_number_of_classes_sets_the_bars(at):
    at.slider(key="sm_classes").set_value(10).run()
    assert len(shown_probs(at)) == 10
    assert shown_probs(at).sum() == pytest.approx(1.0)
    at.slider(key="sm_classes").set_value(2).run()
    assert len(shown_probs(at)) == 2


def test_hidden_logits_keep_their_values(at):
    at.slider(key="sm_classes").set_value(5).run()
    at.slider(key="sm_logit_4").set_value(-7.5).run()
    at.slider(key="sm_classes").set_value(2).run()
    at.slider(key="sm_classes").set_value(5).run()
    assert shown_logits(at)[4] == -7.5
    assert not at.warning


def test_step_table_shows_the_exp_and_normalise_steps(at):
    table = at.table[0].value
    steps = sm.softmax_steps([2.0, 1.0, 0.1])
    assert list(table["z/T − m"]) == [with_minus_signs(f"{v:.3f}") for v in steps.shifted]
    assert list(table["e^(z/T − m)"]) == [f"{v:.5f}" for v in steps.exps]
    assert list(table["÷ sum → p"]) == [f"{v:.4f}" for v in steps.probs]


def sum_of_the_exponentials(at) -> float:
    caption = next(c.value for c in at.caption if c.value.startswith("Sum of the exponentials"))
    return float(re.match(r"Sum of the exponentials: (\d+\.\d+)", caption).group(1))


@pytest.mark.parametrize("settings", [{}, {"sm_classes": 9, "sm_temperature": 0.2}, {"sm_temperature": 3.0}])
def test_each_exponential_divided_by_the_sum_as_written_gives_its_p_as_written(at, settings):
    """With 4 significant digits 0.3679 / 1.517 = 0.2425 beside p = 0.2424, and nine classes at T = 0.2 gave a sum of
    '1.09' (1.0895) beside p = 0.9179 (1 / 1.09 = 0.9174): a student's review."""
    for key, value in settings.items():
        at.slider(key=key).set_value(value)
    at.run()
    table, total = at.table[0].value, sum_of_the_exponentials(at)
    assert [f"{float(e) / total:.4f}" for e in table["e^(z/T − m)"]] == list(table["÷ sum → p"])
    decimals = len(table["e^(z/T − m)"][0].split(".")[1])
    column = f"{sum(float(e) for e in table['e^(z/T − m)']):.{decimals}f}"  # a student adding the column up
    caption = next(c.value for c in at.caption if c.value.startswith("Sum"))
    assert column == f"{total:.{decimals}f}" or f"the column as written adds up to {column}: each is rounded" in caption
    tiny = any(p == "0.0000" for p in table["÷ sum → p"])
    assert ("a tiny one shows as 0.0000" in next(c.value for c in at.caption if c.value.startswith("Sum"))) == tiny


def test_temperature_sharpens_and_flattens_but_keeps_the_argmax(at):
    at.slider(key="sm_temperature").set_value(0.05).run()
    cold = shown_probs(at)
    assert cold[0] > 0.999 and np.argmax(cold) == 0
    at.slider(key="sm_temperature").set_value(5.0).run()
    hot = shown_probs(at)
    np.testing.assert_allclose(hot, sm.softmax([2.0, 1.0, 0.1], 5.0))
    assert hot.max() < 0.45 and np.argmax(hot) == 0
    marker = figures(at)["sm_temperature_fig"]["layout"]["shapes"][0]
    assert marker["x0"] == 5.0


def test_adding_a_constant_changes_nothing_even_at_1000(at):
    before = shown_probs(at)
    assert metric(at, "largest change") == "0" and "float64 rounding" not in texts(at)
    at.slider(key="sm_shift").set_value(1000.0).run()
    np.testing.assert_allclose(shown_probs(at), before)  # the bars use the logits without c
    change = shown_number(metric(at, "largest change"))
    assert 0 < change < 1e-12 and "this is float64 rounding" in texts(at)  # said, not left to puzzle over
    stability = at.table[1].value
    assert list(stability["naive e^x / Σ e^x (float32)"]) == ["NaN"] * 3  # as the text writes it
    assert list(stability["stable, max subtracted"]) == [f"{p:.4f}" for p in before]
    assert "The naive formula broke down" in texts(at)


def test_naive_formula_fails_exactly_where_the_page_says(at):
    said = texts(at)  # 88.7 − ln Σe^z, −87.3 − max z, −104.0 − max z
    # said without 'drag' or 'the slider above': a classroom link may hide the slider (a helper's review)
    assert "With c above 86 the naive formula overflows (its sum of e^(…) reaches ∞: zeros or NaN); below −89 " \
           "its e^(…) leave float32's normal " \
           "range and lose digits (the numbers can go wrong), and below −106 they all round to 0 (NaN)." in said
    assert "slider above" not in said and "Drag c above" not in said
    at.slider(key="sm_shift").set_value(80.0).run()
    assert "Both formulas agree" in texts(at)
    at.slider(key="sm_shift").set_value(90.0).run()  # e^92 overflows float32
    assert "The naive formula broke down" in texts(at)
    at.slider(key="sm_shift").set_value(-80.0).run()
    assert "Both formulas agree" in texts(at)
    at.slider(key="sm_shift").set_value(-90.0).run()  # past -89: subnormal, and still right to 4 decimals
    assert "have already left float32's normal range" in texts(at) and "below −89" not in texts(at)
    at.slider(key="sm_shift").set_value(-100.0).run()  # subnormal floats: finite but imprecise
    assert "still returns numbers, but wrong ones" in texts(at)
    at.slider(key="sm_shift").set_value(-110.0).run()  # every e^z underflows to 0: 0/0
    assert "The naive formula broke down" in texts(at)


@pytest.mark.parametrize("settings", [{}, {"sm_true": 2}, {"sm_temperature": 0.05, "sm_true": 2},
                                      {"sm_classes": 10, "sm_temperature": 0.35, "sm_true": 7}])
def test_the_loss_s_label_writes_a_p_whose_minus_ln_is_the_loss_shown(at, settings):
    """A student takes −ln of the probability to check L: the label writes p_y with the digits that give it."""
    if "sm_classes" in settings:
        at.slider(key="sm_classes").set_value(settings["sm_classes"]).run()
    if "sm_temperature" in settings:
        at.slider(key="sm_temperature").set_value(settings["sm_temperature"]).run()
    if "sm_true" in settings:
        at.selectbox(key="sm_true").set_value(settings["sm_true"]).run()
    (loss,) = [m for m in at.metric if m.label.startswith("cross-entropy L")]
    label = settings.get("sm_true", 0)
    prefix = f"cross-entropy L = −ln p{'₀₁₂₃₄₅₆₇₈₉'[label]} = −ln "
    assert loss.label.startswith(prefix), loss.label
    p = shown_number(loss.label.removeprefix(prefix))
    assert f"{max(0.0, -np.log(p)):.4f}" == loss.value


def test_cross_entropy_and_gradient_for_the_true_class(at):
    at.selectbox(key="sm_true").set_value(2).run()
    logits = np.array([2.0, 1.0, 0.1])
    assert metric(at, "cross-entropy") == f"{-np.log(sm.softmax(logits)[2]):.4f}"
    grad = values(figures(at)["sm_gradient"]["data"][0]["y"])
    np.testing.assert_allclose(grad, sm.softmax(logits) - [0, 0, 1])
    assert grad[2] < 0 and np.all(grad[:2] > 0) and grad.sum() == pytest.approx(0, abs=1e-12)


def test_true_class_beyond_fewer_classes_is_handled(at):
    at.slider(key="sm_classes").set_value(10).run()
    at.selectbox(key="sm_true").set_value(9).run()
    at.slider(key="sm_classes").set_value(2).run()
    assert not at.exception
    assert len(values(figures(at)["sm_gradient"]["data"][0]["y"])) == 2


def test_two_classes_point_sits_on_the_sigmoid(at):
    at.slider(key="sm_logit_0").set_value(-1.0)
    at.slider(key="sm_logit_1").set_value(2.0).run()
    fig = figures(at)["sm_two_class"]
    point = trace(fig, "your z₀ and z₁ alone")  # three classes: not the bars' p₁
    assert point["x"] == [3.0] and point["y"][0] == pytest.approx(1 / (1 + np.exp(-3.0)))
    np.testing.assert_allclose(values(fig["data"][0]["y"]), values(fig["data"][1]["y"]), atol=1e-12)


def test_two_classes_point_is_the_probability_of_the_bars_at_any_temperature(at):
    at.slider(key="sm_classes").set_value(2)
    at.slider(key="sm_temperature").set_value(5.0).run()
    point = trace(figures(at)["sm_two_class"], "your logits")
    assert point["x"][0] == pytest.approx((1.0 - 2.0) / 5.0)
    assert point["y"][0] == pytest.approx(float(sm.softmax(np.array([2.0, 1.0]), 5.0)[1]), rel=1e-12)
    assert point["y"][0] == pytest.approx(0.450, abs=5e-4)  # the top section's p(class 1), written there as 0.450
    # what the axis and the legend name is what is plotted: the gap divided by T (they said z₁ − z₀, which is −1)
    fig = figures(at)["sm_two_class"]
    assert fig["layout"]["xaxis"]["title"]["text"].endswith("(z₁ − z₀)/T")
    assert [t["name"] for t in fig["data"]] == ["σ((z₁ − z₀)/T)", "softmax([z₀, z₁]/T)₁", "your logits"]


def test_on_a_phone_the_stability_table_writes_its_classes_and_logits_short(at, monkeypatch):
    """In a phone's 358 px column 'class 0' and '(z + c)/T' broke over two lines (a lecturer's look at a phone)."""
    def stability_table():
        return next(t.value for t in at.table if "stable, max subtracted" in t.value.columns)

    assert list(stability_table()["class"]) == ["class 0", "class 1", "class 2"]
    monkeypatch.setattr(ui, "screen_size", lambda: "small")
    at.run()
    table = stability_table()
    assert list(table["class"]) == ["0", "1", "2"] and list(table.columns)[:2] == ["class", "(z+c)/T"]


def test_keras_panel_follows_classes_and_temperature(at):
    at.slider(key="sm_classes").set_value(7)
    at.slider(key="sm_temperature").set_value(0.5).run()
    code = at.code[0].value
    assert 'Dense(7, activation="softmax")' in code and "from_logits=True" in code and "T = 0.5\n" in code
    assert code.count(", ") >= 6 and "logits = np.array([[2.0, 1.0, 0.1, -1.0, 0.5, -0.5, 1.5]]" in code


@pytest.mark.parametrize("end", ["min", "max"])
def test_every_widget_at_its_extremes_raises_nothing(at, end):
    at.slider(key="sm_classes").set_value(10).run()
    set_to_extreme(at, end)
    at.run()
    assert not at.exception
    for true_class in range(len(at.selectbox(key="sm_true").options)):
        at.selectbox(key="sm_true").set_value(true_class).run()
        assert not at.exception
        assert hyphens_as_minus_signs(at) == []  # negative numbers in our text with the formulas' '−'
        assert np.isfinite(float(metric(at, "cross-entropy")))
    probs = shown_probs(at)
    assert len(probs) == (2 if end == "min" else 10)
    assert np.all(np.isfinite(probs)) and probs.sum() == pytest.approx(1.0)


def test_the_temperature_legend_goes_under_the_plot_on_a_phone(at):
    """Beside the plot the legend left it 115 of a phone's 358 px: the figure carries a layout for narrow places
    (layout.meta.narrow) with the legend below, a class a row, and keeps its legend beside the plot elsewhere."""
    from nnviz.figures.style import LEGEND_ROW, NARROW_BELOW

    layout = figures(at)["sm_temperature_fig"]["layout"]
    narrow = layout["meta"]["narrow"]
    assert narrow["below"] == NARROW_BELOW and "orientation" not in layout.get("legend", {})
    assert narrow["layout"]["legend"]["orientation"] == "h" and narrow["layout"]["legend"]["yref"] == "container"
    assert narrow["layout"]["height"] == layout["height"] + 3 * LEGEND_ROW  # 3 classes
    at.slider(key="sm_classes").set_value(10).run()
    assert figures(at)["sm_temperature_fig"]["layout"]["meta"]["narrow"]["layout"]["height"] == (
        layout["height"] + 10 * LEGEND_ROW)


def test_the_temperature_buttons_beside_its_figure_set_the_slider_and_every_section(at):
    """The T slider is two screens above the temperature figure in Lecture mode (lecture moment 16): the buttons over
    the figure set it, and every section follows (the bars, the figure's marker, the entropy)."""
    at.button(key="sm_set_temperature_5").click().run()
    assert at.slider(key="sm_temperature").value == 5.0
    expected = sm.softmax(np.array([2.0, 1.0, 0.1]), 5.0)
    np.testing.assert_allclose(shown_probs(at), expected)
    marker = [a["text"] for a in figures(at)["sm_temperature_fig"]["layout"]["annotations"]]
    assert any(text.strip() == "T = 5" for text in marker), marker
    assert metric(at, "entropy of p") == f"{sm.entropy(expected):.3f}"
    at.button(key="sm_set_temperature_0.05").click().run()
    assert at.slider(key="sm_temperature").value == 0.05
    assert shown_probs(at)[0] > 0.999


def test_with_three_classes_the_two_class_point_is_named_for_what_it_is(at):
    """Three classes (the default): the point is σ(z₁ − z₀) = 0.269, named 'your logits' beside a p(class 1) of
    0.242 above (a student's review); it is now 'your z₀ and z₁ alone', and a caption gives both numbers."""
    fig = figures(at)["sm_two_class"]
    point = trace(fig, "your z₀ and z₁ alone")
    p = sm.softmax(np.array([2.0, 1.0, 0.1]))
    assert point["y"][0] == pytest.approx(1 / (1 + np.exp(1.0))) and point["y"][0] != pytest.approx(p[1], abs=1e-3)
    assert f"the bars above give p₁ = {p[1]:.3f}" in texts(at) and f"σ(−1.00) = {point['y'][0]:.3f}" in texts(at)
    at.slider(key="sm_classes").set_value(2).run()
    assert "your logits" in [t["name"] for t in figures(at)["sm_two_class"]["data"]]
    assert "the bars above give p₁" not in texts(at)
