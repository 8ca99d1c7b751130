"""AppTest of the gradient-descent page: paths change with the learning rate as theory says."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import (
    HANG_FACTOR,
    app_test,
    figures,
    hyphens_as_minus_signs,
    set_to_extreme,
    slowdown,
    texts,
    trace,
    values,
)

from nnviz import gradient_descent as gd
from nnviz.figures.gradient_descent import L_MIN, RETRACED_DASH

PAGE = "app_pages/gradient_descent.py"


def test_renders_all_sections(at):
    assert set(figures(at)) == {"gd_curve", "gd_contour", "gd_losses", "gd_batches", "gd_batch_losses"}


def test_one_weight_presets_give_the_four_regimes(at):
    expected = {"too small": "converges monotonically", "good": "converges monotonically",
                "too large": "oscillates but converges", "much too large": "diverges"}
    for preset, regime in expected.items():
        at.radio(key="gd1_preset").set_value(preset).run()
        assert f"gradient descent **{regime}**" in texts(at), preset
        # the factor multiplies the signed offset w − 3; 'multiplies the distance … by −0.80' made a distance
        # negative (a helper's review)
        assert "multiplies $w - 3$, the signed offset" in texts(at) and "the distance" not in texts(at)
    assert "diverging" in texts(at)  # much too large: said so, not drawn as NaN
    steps = trace(figures(at)["gd_curve"], "steps")
    assert np.all(np.isfinite(values(steps["x"]))) and np.all(np.isfinite(values(steps["y"])))


def test_a_diverging_weight_s_loss_is_written_as_the_metric_above_writes_it(at):
    """'much too large' after 50 steps: the metric read 2.205·10⁵ and the warning under it 2.2·10⁵ (a review)."""
    at.radio(key="gd1_preset").set_value("much too large").run()
    at.slider(key="gd1_steps").set_value(50).run()
    shown = next(m.value for m in at.metric if m.label == "loss after 50 steps")
    assert shown == "2.205·10⁵" and f"after 50 steps the loss is {shown}," in texts(at)


def test_a_preset_chosen_again_shows_its_own_rate_not_one_moved_to_before(at):
    """'much too large' moved to η = 1.0 (which converges), then 'good', then 'much too large' again: it diverges."""
    at.radio(key="gd1_preset").set_value("much too large").run()
    at.select_slider(key="gd1_lr_much too large").set_value(1.0).run()
    assert "gradient descent **oscillates" in texts(at)  # 1 − 2η = −1: it bounces for ever
    at.radio(key="gd1_preset").set_value("good").run()
    at.radio(key="gd1_preset").set_value("much too large").run()
    assert at.select_slider(key="gd1_lr_much too large").value == 1.05
    assert "gradient descent **diverges**" in texts(at)


def test_a_rate_moved_off_its_preset_says_so_under_the_slider(at):
    """'too small' still chosen at η = 0.9, which oscillates: the page says the rate is no longer the preset's."""
    note = "Your own η, not the preset"
    assert note not in texts(at)
    at.radio(key="gd1_preset").set_value("too small").run()
    assert note not in texts(at)
    at.select_slider(key="gd1_lr_too small").set_value(0.9).run()
    assert "Your own η, not the preset 'too small' (η = 0.05)" in texts(at)
    assert "gradient descent **oscillates but converges**" in texts(at)
    at.select_slider(key="gd1_lr_too small").set_value(0.05).run()
    assert note not in texts(at)


def test_one_weight_path_follows_the_update_rule(at):
    at.slider(key="gd1_steps").set_value(3).run()
    w = values(trace(figures(at)["gd_curve"], "steps")["x"])
    expected = [-1.0]
    for _ in range(3):
        expected.append(expected[-1] - 0.3 * gd.curve_grad(expected[-1]))
    np.testing.assert_allclose(w, expected)


def test_bowl_converges_just_below_two_over_lambda_and_diverges_just_above(at):
    at.selectbox(key="gd2_surface").set_value("bowl").run()
    assert next(m.value for m in at.metric if m.label.startswith("stability limit")) == "1"
    at.multiselect(key="gd2_rates_bowl").set_value([0.99, 1.01])
    at.slider(key="gd2_steps").set_value(300).run()
    losses = {t["name"]: values(t["y"]) for t in figures(at)["gd_losses"]["data"]}
    below, above = losses["η = 0.99"], losses["η = 1.01"]
    assert below[-1] < below[0] * 1e-3
    assert above[-1] > above[0]
    assert "**η = 1.01** is diverging" in texts(at) and "**η = 0.99**" not in texts(at)


def test_bowl_defaults_show_the_three_behaviours_in_equal_scale_panels(at):
    """Round bowl: GD paths from one start all lie on one line, so each default rate gets its own panel
    (drawn at equal scale) whose title names 1 − ηλ and the behaviour; the paths show it."""
    fig = figures(at)["gd_contour"]
    layout, box = fig["layout"], gd.SURFACES["bowl"].box
    titles = [a["text"] for a in layout["annotations"]]
    assert titles == ["η = 0.25<br>1 − ηλ = 0.5<br>converges monotonically",
                      "η = 0.8<br>1 − ηλ = −0.6<br>oscillates but converges",
                      "η = 1.1<br>1 − ηλ = −1.2<br>diverges"]
    for suffix in ("", "2", "3"):
        assert layout[f"yaxis{suffix}"]["scaleanchor"] == f"x{suffix}" and layout[f"yaxis{suffix}"]["scaleratio"] == 1
        assert layout[f"xaxis{suffix}"]["range"] == list(box[:2]) and layout[f"yaxis{suffix}"]["range"] == list(box[2:])
    paths = {t["name"]: t for t in fig["data"] if t.get("mode") == "lines+markers"}
    assert {name: t["xaxis"] for name, t in paths.items()} == {"η = 0.25": "x", "η = 0.8": "x2", "η = 1.1": "x3"}
    w1 = {name: values(t["x"]) for name, t in paths.items()}
    assert np.all(w1["η = 0.25"] < 0)  # stays on its side of the minimum
    assert np.all(np.sign(w1["η = 0.8"][1:8]) == -np.sign(w1["η = 0.8"][:7]))  # jumps across it, closing in
    assert np.all(np.abs(np.diff(np.abs(w1["η = 0.8"][:8]))) > 0) and abs(w1["η = 0.8"][7]) < abs(w1["η = 0.8"][0])
    inside = (np.abs(w1["η = 1.1"]) <= box[1]) & (np.abs(values(paths["η = 1.1"]["y"])) <= box[3])
    assert inside[:5].all() and not inside.all()  # ≥ 5 visible steps, each farther out, then it leaves the box
    assert np.all(np.abs(w1["η = 1.1"][1:5]) > np.abs(w1["η = 1.1"][:4]))


def test_loss_curves_stop_at_machine_precision_on_the_page(at):
    curves = {t["name"]: values(t["x"]) for t in figures(at)["gd_losses"]["data"] if t.get("mode") == "lines"}
    assert curves["η = 0.25"][-1] == 26 and curves["η = 0.8"][-1] == 35  # of 60 steps: reached L_min, not stalled
    names = [t["name"] for t in figures(at)["gd_losses"]["data"]]
    assert f"η = 0.25: {L_MIN} reached to machine precision at step 26" in names


def test_momentum_draws_each_rates_two_paths_in_its_panel(at):
    at.selectbox(key="gd2_surface").set_value("ravine").run()
    at.toggle(key="gd2_momentum_on").set_value(True).run()
    fig = figures(at)["gd_contour"]
    paths = {t["name"]: t["xaxis"] for t in fig["data"] if t.get("mode") == "lines+markers"}
    assert paths == {"η = 0.025": "x", "η = 0.025, β = 0.8": "x",
                     "η = 0.095": "x2", "η = 0.095, β = 0.8": "x2",
                     "η = 0.105": "x3", "η = 0.105, β = 0.8": "x3"}
    # each path's behaviour: plain GD diverges at η = 0.105, momentum converges (the title said only 'diverges')
    assert "1 − ηλ = 0.895, −1.1<br>plain: diverges<br>β = 0.8: converges" in fig["layout"]["annotations"][2]["text"]
    at.slider(key="gd2_beta").set_value(0.0).run()  # momentum with β = 0 is plain GD
    assert "plain: diverges<br>β = 0: diverges" in figures(at)["gd_contour"]["layout"]["annotations"][2]["text"]
    at.toggle(key="gd2_momentum_on").set_value(False).run()
    assert "1 − ηλ = 0.895, −1.1<br>diverges" in figures(at)["gd_contour"]["layout"]["annotations"][2]["text"]
    # one panel: both behaviours on one line, the title as tall as without momentum (lecture moment 8 fits a screen)
    at.multiselect(key="gd2_rates_ravine").set_value([0.095])
    at.toggle(key="gd2_momentum_on").set_value(True).run()
    assert figures(at)["gd_contour"]["layout"]["annotations"][0]["text"] == \
        "η = 0.095<br>1 − ηλ = 0.905, −0.9<br>plain: zig-zags but converges; β = 0: converges"


def test_ravine_limit_and_momentum(at):
    at.selectbox(key="gd2_surface").set_value("ravine").run()
    assert next(m.value for m in at.metric if m.label.startswith("stability limit")) == "0.1"
    at.multiselect(key="gd2_rates_ravine").set_value([0.025])
    at.toggle(key="gd2_momentum_on").set_value(True).run()
    losses = {t["name"]: values(t["y"]) for t in figures(at)["gd_losses"]["data"]}
    assert set(losses) == {"η = 0.025", "η = 0.025, β = 0.8"}
    assert losses["η = 0.025, β = 0.8"][-1] < losses["η = 0.025"][-1] * 1e-2  # plain GD crawls


def test_the_note_beside_the_paths_is_about_the_surface_shown(at):
    """The quadratic's note (1 − ηλ, the bowl and the ravine) stood beside the two valleys' paths, and nothing said
    why a path levelled off above L_min (a student's review)."""
    assert "On a quadratic each step" in texts(at)  # the round bowl
    at.button(key="try_gradient_descent_4_0").click().run()  # the two valleys, from w₁ = 0.1
    said = texts(at)
    assert "On a quadratic each step" not in said and "The factors in the panels' titles" not in said
    valleys = gd.SURFACES["valleys"]
    assert [f"{limit:.2g}" for limit in valleys.limits_at_minima()] == ["0.23", "0.28"]
    # which limit is whose (a student's review): the left minimum's curvature is the larger
    assert ("a rate above 2/λ (0.23 at the minimum w = (−1.04, 0.00); 0.28 at the minimum w = (0.96, 0.00)) "
            "cannot settle into it") in said
    assert "levels off at 0.6 instead of falling to machine precision" in said
    # the minus sign of the title's own 'L − L_min', and its subscript's markup whole (its '-'s are not minus signs)
    assert figures(at)["gd_losses"]["layout"]["yaxis"]["title"]["text"] == \
        f"L − {L_MIN} (log scale), {L_MIN} = −0.305"
    ends = [values(t["y"])[-1] for t in figures(at)["gd_losses"]["data"] if t.get("mode") == "lines"]
    assert ends and all(end == pytest.approx(0.6, abs=0.05) for end in ends), ends  # the gap said above
    at.selectbox(key="gd2_surface").set_value("rosenbrock").run()
    assert "(0.002) cannot settle into it" in texts(at) and "crawls along the floor. **Momentum**" in texts(at)


def test_far_divergence_stops_the_path_and_keeps_the_plot_finite(at):
    at.selectbox(key="gd2_surface").set_value("rosenbrock").run()
    at.multiselect(key="gd2_rates_rosenbrock").set_value([2.0]).run()
    assert "**η = 2** diverged at step" in texts(at)
    path = trace(figures(at)["gd_contour"], "η = 2")
    assert np.all(np.isfinite(values(path["x"]))) and np.all(np.isfinite(values(path["y"])))
    assert np.max(np.abs(values(path["x"]))) <= 2 + 4  # clipped to the box plus a margin


def test_a_diverged_one_weight_path_says_where_it_ends_as_its_metric_does(at):
    """η = 3 from w = 8 blows up at step 5: the note said 'diverged at step 5 … the path stops there' beside 'loss
    after 4 steps' and a steps slider at 50 (a helper's review). The note names the step the path ends at: the
    metric's."""
    at.slider(key="gd1_start").set_value(8.0)
    at.slider(key="gd1_steps").set_value(50)
    at.select_slider(key="gd1_lr_good").set_value(3.0).run()
    assert not at.exception
    steps = next(m.label for m in at.metric if m.label.startswith("loss after"))
    assert steps == "loss after 4 steps"
    assert "**η = 3** diverged at step 5: there the loss blew up" in texts(at)
    assert "so the path ends at step 4, the last before it." in texts(at)
    # the limit it names is the one the run applies: 10⁶ × (L(8) + 1) = 10⁶ × 26 ('1e+06 times that' said 10⁶ × 25)
    assert "past 26,000,000 (a million times the starting loss plus one: 10⁶ × (25 + 1))" in texts(at)


def test_a_divergence_note_writes_the_start_with_the_digits_that_give_its_limit(at):
    """'past 4,260,006 (… 10⁶ × (3.26 + 1))': 10⁶ × 4.26 is 4,260,000 (a student's review). The starting loss is
    3.26000625: written with the digits that give the limit."""
    at.selectbox(key="gd2_surface").set_value("valleys").run()
    at.toggle(key="gd2_momentum_on").set_value(True).run()
    said = texts(at)
    limit, start = re.search(r"past ([\d,]+) \(a million times the starting loss plus one: 10⁶ × \(([\d.]+) \+ 1\)\)",
                             said).groups()
    assert limit == "4,260,006" and f"{1e6 * (float(start) + 1):,.0f}" == limit


@pytest.mark.parametrize("lr, batch, warned", [(5.0, 200, ["stochastic (1)"]), (0.5, 16, [])])
def test_the_batch_section_says_when_a_path_leaves_its_plot(at, lr, batch, warned):
    """At η = 5 the stochastic path left the plot at step 1, drawn as one line off its edge, with a loss above its
    start, and nothing said so (a student's review)."""
    at.slider(key="gd3_batch").set_value(batch)
    at.slider(key="gd3_epochs").set_value(20)
    at.select_slider(key="gd3_lr").set_value(lr).run()
    batch_methods = ("full batch", "mini-batch", "stochastic")
    notes = [w.value for w in at.warning if w.value.split("**")[1].startswith(batch_methods)]
    assert [n.split("**")[1] for n in notes] == warned
    if warned:
        assert notes[0].startswith("**stochastic (1)** is diverging: after 4000 steps the loss is 2.477, higher than "
                                   "where it started (1.394). Its path leaves the plot at step 1 and is drawn up to "
                                   "the plot's edge"), notes[0]


def test_three_d_toggle_draws_a_surface(at):
    at.toggle(key="gd2_3d").set_value(True).run()
    fig = figures(at)["gd_3d"]
    assert fig["data"][0]["type"] == "surface"
    assert np.asarray(values(fig["data"][0]["z"])).size <= 60 * 60  # downsampled


def test_batch_size_sets_the_steps_per_epoch(at):
    at.slider(key="gd3_batch").set_value(50)
    at.slider(key="gd3_epochs").set_value(2).run()
    table = at.table[0].value
    assert list(table["steps per epoch"]) == [1, 4, 200]
    paths = {t["name"]: t for t in figures(at)["gd_batches"]["data"] if t.get("mode") == "lines+markers"}
    assert len(values(paths["mini-batch (50)"]["x"])) == 2 * 4 + 1
    assert len(values(paths["full batch (200)"]["x"])) == 2 + 1


@pytest.mark.parametrize("size, other", [(1, "stochastic (1)"), (200, "full batch (200)")])
def test_a_mini_batch_of_one_or_of_all_samples_says_it_takes_the_others_path(at, size, other):
    """Lecture plan moment 9 sets a batch of 1: the mini-batch path lies exactly under the stochastic one, and a
    student who found three names in the legend saw two paths. The later of the two is drawn dashed (its arrowheads
    or dots half size), so that the one under it shows between the dashes, on the paths and on the loss curves."""
    at.slider(key="gd3_batch").set_value(size).run()
    paths = {t["name"]: t for t in figures(at)["gd_batches"]["data"] if t.get("mode") == "lines+markers"}
    name = f"mini-batch ({size}) = {other.split(' (')[0]}"
    assert set(paths) == {"full batch (200)", name, "stochastic (1)"}
    for axis in ("x", "y"):
        assert np.array_equal(values(paths[name][axis]), values(paths[other][axis]))
    assert at.table[0].value["method"][1] == name
    later, earlier = ("stochastic (1)", name) if size == 1 else (name, other)  # drawn in the legend's order
    curves = {t["name"]: t for t in figures(at)["gd_batch_losses"]["data"] if t.get("mode") == "lines"}
    for figure in (paths, curves):
        assert figure[later]["line"]["dash"] == RETRACED_DASH
        assert {figure[label]["line"]["dash"] for label in set(figure) - {later}} == {"solid"}
    assert paths[later]["marker"]["size"] == paths[earlier]["marker"]["size"] // 2
    at.slider(key="gd3_batch").set_value(2).run()
    paths = {t["name"]: t for t in figures(at)["gd_batches"]["data"] if t.get("mode") == "lines+markers"}
    assert "mini-batch (2)" in paths
    assert {t["line"]["dash"] for t in paths.values()} == {"solid"}


def test_empty_rate_selection_is_explained(at):
    at.multiselect(key="gd2_rates_bowl").set_value([]).run()
    assert not at.exception and "Pick at least one learning rate" in texts(at)


@pytest.mark.parametrize("end", ["min", "max"])
def test_every_widget_at_its_extremes_raises_nothing(at, end):
    at.toggle(key="gd2_momentum_on").set_value(True).run()  # enables the β slider
    for key in gd.SURFACES:
        at.selectbox(key="gd2_surface").set_value(key).run()
        at.multiselect(key=f"gd2_rates_{key}").set_value(
            [min(at.multiselect(key=f"gd2_rates_{key}").options, key=float)] if end == "min"
            else [max(at.multiselect(key=f"gd2_rates_{key}").options, key=float)])
        set_to_extreme(at, end)
        at.run()
        assert not at.exception, key
        assert hyphens_as_minus_signs(at) == [], key  # negative numbers in our text with the formulas' '−'
        at.toggle(key="gd2_3d").set_value(True).run()
        assert not at.exception, key
        at.toggle(key="gd2_3d").set_value(False).run()
        for fig in figures(at).values():
            for t in fig["data"]:
                if t["type"] in ("scatter", "scatter3d") and isinstance(t.get("y"), (dict, list)):
                    y = values(t["y"]) if isinstance(t["y"], dict) else np.array(
                        [v for v in t["y"] if v is not None], dtype=float)
                    assert np.all(np.isfinite(y)), (key, t.get("name"))


@pytest.mark.timing  # alone, after the parallel run: it measures wall time
def test_learning_rate_finder_runs_to_the_end_within_a_minute():
    import time

    budget = 60 * slowdown()  # a minute at full speed, scaled to this machine now
    at = app_test(PAGE)
    assert "gd_sweep" not in figures(at)
    start = time.perf_counter()
    at.button(key="gd4_run").click().run(timeout=180 * HANG_FACTOR)
    assert not at.exception
    sweep = figures(at)["gd_sweep"]
    _per_batch, average, *lines = sweep["data"]
    marks = {t["name"].split(":")[0]: t["x"][0] for t in lines}
    assert set(marks) == {"too low", "suggested (10× lower)", "loss turns up", "too high"}
    # the text reads the turn off the moving average: it is drawn, and lowest at the mark (it was not drawn)
    assert average["name"] == "moving average of 9 batches"
    assert values(average["x"])[np.argmin(values(average["y"]))] == pytest.approx(marks["loss turns up"])
    assert marks["suggested (10× lower)"] == pytest.approx(marks["loss turns up"] / 10)
    # text and plot agree: the axis spans the planned 10⁻⁴ … 10, and where the sweep stopped is shown and said
    assert sweep["layout"]["xaxis"]["range"] == [-4, 1]
    stopped_at = values(sweep["data"][0]["x"])[-1]
    assert sweep["layout"]["shapes"][0]["x0"] == pytest.approx(stopped_at) and stopped_at < 10
    assert sweep["layout"]["annotations"][0]["text"] == "not swept"
    assert f"The sweep stopped at η = {stopped_at:.2g}, of the planned 10⁻⁴ … 10" in texts(at)
    assert "stops as soon as the loss has blown up" in texts(at)
    assert "10× below the rate where the loss turns up" in texts(at)
    assert "bottom" not in texts(at)
    at.button(key="gd4_compare").click().run(timeout=180 * HANG_FACTOR)
    elapsed = time.perf_counter() - start
    assert not at.exception
    table = at.table[-1].value
    accuracy = [float(v.rstrip("%")) for v in table["validation accuracy after 10 epochs"]]
    assert accuracy[1] > 85 and accuracy[1] > accuracy[0] and accuracy[1] > accuracy[2]
    assert elapsed < budget, f"learning-rate finder and comparison took {elapsed:.0f} s (budget {budget:.0f} s)"
    at.slider(key="gd1_steps").set_value(12).run()  # other widgets keep the results
    assert "gd_sweep" in figures(at) and "gd_compare" in figures(at)


def test_a_diverging_path_widens_the_one_weight_plot_so_that_every_step_is_drawn(at):
    """'much too large' (η = 1.05) from w₀ = -1: each step 1.1 times further from the minimum. The plot stayed at
    w = -2 … 8 and drew steps 0-2 of 10 (a lecture moment of divergence showing three steps); it now widens to hold
    all ten, and to 3 ± 20 at most (50 steps leave it: said so)."""
    at.radio(key="gd1_preset").set_value("much too large").run()
    fig = figures(at)["gd_curve"]
    steps = values(trace(fig, "steps")["x"])
    assert len(steps) == 11
    low, high = fig["layout"]["xaxis"]["range"]
    assert low < steps.min() and steps.max() < high and high - 3 == pytest.approx(3 - low)
    assert high - low < 2 * 1.1 * np.abs(steps - 3).max()  # not wider than the path needs
    assert "not drawn" not in texts(at)
    at.slider(key="gd1_steps").set_value(50).run()
    fig = figures(at)["gd_curve"]
    assert fig["layout"]["xaxis"]["range"] == [-17, 23]
    assert len(values(trace(fig, "steps")["x"])) < 51 and "Steps that leave the plot are not drawn." in texts(at)
    at.radio(key="gd1_preset").set_value("good").run()
    assert figures(at)["gd_curve"]["layout"]["xaxis"]["range"] == [-2, 8]  # a converging path: the plot as before


def test_curve_window_is_centred_on_the_minimum_and_bounded():
    assert gd.curve_window(np.array([-1.0, 2.0])) == (-2.0, 8.0)
    low, high = gd.curve_window(np.array([-1.0, 7.4, -1.84]))
    assert (low, high) == pytest.approx((3 - 1.08 * 4.84, 3 + 1.08 * 4.84))
    assert gd.curve_window(np.array([0.0, 1e6, np.inf, np.nan])) == (-17.0, 23.0)


def test_the_momentum_experiment_has_two_step_counts_to_compare(at):
    """'Switch on momentum: how many steps does it save?' At η = 0.025 and 200 steps only momentum reached its
    precision mark (plain GD needs ~750, beyond the slider's 500): nothing to compare (a student's review). At
    η = 0.05 and 400 steps both reach it: plain GD at step 349, momentum (β = 0.8) at 157."""
    at.button(key="try_gradient_descent_3_0").click().run()
    at.button(key="try_gradient_descent_3_1").click().run()
    names = [t["name"] for t in figures(at)["gd_losses"]["data"]]
    reached = {name.split(":")[0]: int(name.rsplit(" ", 1)[1]) for name in names if "reached to machine precision at step" in name}
    assert reached == {"η = 0.05": 349, "η = 0.05, β = 0.8": 157}


@pytest.mark.parametrize(("button", "beta"), [(1, 0.8), (2, 0.99)])
def test_each_momentum_button_shows_the_ravine_the_experiment_is_about(at, button, beta):
    """Pressed first, 'momentum β = 0.8' and 'β = 0.99' switched momentum on over the round bowl at η = 0.25, 0.8,
    1.1, not the ravine at η = 0.05 the experiment's text talks about (a helper's review in Lecture mode)."""
    at.button(key=f"try_gradient_descent_3_{button}").click().run()
    assert not at.exception
    assert at.selectbox(key="gd2_surface").value == "ravine" and at.multiselect(key="gd2_rates_ravine").value == [0.05]
    assert at.toggle(key="gd2_momentum_on").value and at.slider(key="gd2_beta").value == beta
    names = [t["name"] for t in figures(at)["gd_losses"]["data"]]
    assert any(name.startswith(f"η = 0.05, β = {beta:g}") for name in names), names
