"""nnviz.perceptron and the datasets: the learning rule, convergence, XOR, and scikit-learn agreement."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest

from nnviz import data
from nnviz import perceptron as perc
from nnviz.data import PERCEPTRON_DATASETS
from nnviz.figures.perceptron import (
    WEIGHT_LABEL,
    boundary_segment,
    decision_boundary_figure,
    half_plane_polygon,
    neuron_diagram,
    xor_regions_figure,
)
from nnviz.figures.playground import CLASS_COLORS, diverging_hex

pytestmark = pytest.mark.unit

SEPARABLE = ["Iris petals: setosa vs rest", "Separable blobs", "AND", "OR"]


def test_prediction_is_the_step_of_the_weighted_sum():
    X = np.array([[1.0, 2.0], [-1.0, 0.0], [0.5, -0.25]])
    w, b = np.array([2.0, -1.0]), 0.0
    np.testing.assert_array_equal(perc.weighted_sum(X, w, b), [0.0, -2.0, 1.25])
    np.testing.assert_array_equal(perc.predict(X, w, b), [1, 0, 1])  # H(0) = 1


def test_one_learning_step_follows_the_rule():
    X = np.array([[2.0, 1.0]])
    state = perc.initial_state(2, np.array([-1.0, 0.0]), 0.5)  # z = −1.5: predicts 0
    after = perc.learning_step(state, X, np.array([1]), learning_rate=0.5, seed=0)
    update = after.last
    assert (update.target, update.output, update.error) == (1, 0, 1)
    np.testing.assert_allclose(update.delta_w, 0.5 * 1 * X[0])
    np.testing.assert_allclose(after.w, [-1.0 + 1.0, 0.0 + 0.5])
    assert after.b == 1.0 and after.updates == 1
    assert after.epoch == 1 and after.errors_per_epoch == (1,)  # one sample = one epoch


def test_a_right_answer_changes_nothing():
    state = perc.initial_state(2, np.array([1.0, 1.0]), 0.0)
    after = perc.learning_step(state, np.array([[1.0, 1.0]]), np.array([1]), 1.0, 0)
    np.testing.assert_array_equal(after.w, state.w)
    assert after.b == state.b and after.updates == 0 and after.last.error == 0


def test_learning_rate_zero_never_moves_the_weights():
    d = data.logic_gate("AND")
    state = perc.learning_epoch(perc.initial_state(2, np.array([1.0, -1.0]), 0.3), d.X, d.y, 0.0, 0)
    np.testing.assert_array_equal(state.w, [1.0, -1.0])
    assert state.b == 0.3 and state.errors_per_epoch[0] > 0


def test_each_epoch_visits_every_sample_once_in_a_seeded_order():
    order = perc.epoch_order(10, epoch=3, seed=7)
    assert sorted(order) == list(range(10))
    np.testing.assert_array_equal(order, perc.epoch_order(10, 3, 7))
    assert not np.array_equal(order, perc.epoch_order(10, 4, 7))


@pytest.mark.parametrize("name", SEPARABLE)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_converges_on_separable_data_within_novikoffs_bound(name, seed):
    d = data.PERCEPTRON_DATASETS[name](seed)
    state = perc.train(d.X, d.y, learning_rate=1.0, max_epochs=1000, seed=seed)
    assert state.converged_at is not None
    assert not perc.misclassified(d.X, d.y, state.w, state.b).any()
    assert state.errors_per_epoch[-1] == 0
    # (R/γ)² with the margin of the separator it found is a valid (loose) bound from w = 0 ...
    assert state.updates <= perc.novikoff_bound(d.X, d.y, state.w, state.b)
    # ... and so is the one from a max-margin separator, which is much tighter.
    from sklearn.svm import SVC

    svm = SVC(kernel="linear", C=1e6).fit(d.X, d.y)
    assert state.updates <= perc.novikoff_bound(d.X, d.y, svm.coef_[0], svm.intercept_[0])


def test_points_exactly_on_the_line_count_as_class_1_despite_rounding_noise():
    X = np.array([[0.0, 1.0]])
    b = -(0.1 + 0.1 + 0.1)  # a bias reached by three updates of η = 0.1: −0.30000000000000004
    assert 0.3 * 1.0 + b < 0  # in floating point the point is just below the line ...
    assert perc.weighted_sum(X, np.array([0.1, 0.3]), b)[0] == 0.0  # ... but z is 0
    assert perc.predict(X, np.array([0.1, 0.3]), b)[0] == 1


def test_updates_record_their_learning_rate_and_the_previous_line_only_on_mistakes():
    d = data.logic_gate("OR")
    state = perc.initial_state(2, np.array([1.0, 1.0]), -0.5)  # already right for OR
    right = perc.learning_step(state, d.X, d.y, 0.7, 0)
    assert right.last.error == 0 and right.previous is None and right.last.learning_rate == 0.7
    wrong = perc.learning_step(perc.initial_state(2), d.X, d.y, 0.7, 0)
    if wrong.last.error:
        assert wrong.previous is not None


@pytest.mark.parametrize("name", ["AND", "OR", "Separable blobs"])
def test_learning_rate_only_scales_the_line_from_zero(name):
    d = data.PERCEPTRON_DATASETS[name](0)
    slow, fast = perc.train(d.X, d.y, 0.1, 200, 0), perc.train(d.X, d.y, 1.0, 200, 0)
    assert slow.updates == fast.updates
    np.testing.assert_allclose(slow.w * 10, fast.w, atol=1e-9)
    assert slow.b * 10 == pytest.approx(fast.b)


def test_learning_rate_does_not_change_the_path_from_zero():
    """From w = 0 every update is a multiple of η, so η only scales w and b: same line, same mistakes."""
    d = data.separable_blobs(40, 3)
    slow, fast = perc.train(d.X, d.y, 0.1, 100, 3), perc.train(d.X, d.y, 2.0, 100, 3)
    assert slow.updates == fast.updates
    np.testing.assert_allclose(slow.w * 20, fast.w)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_never_converges_on_xor_and_the_errors_cycle(seed):
    d = data.logic_gate("XOR")
    state = perc.train(d.X, d.y, 1.0, max_epochs=200, seed=seed)
    assert state.converged_at is None and state.epoch == 200
    assert min(state.errors_per_epoch) > 0
    # the weights stay bounded and come back to where they were: the rule goes round in circles
    seen, state = set(), perc.initial_state(2)
    for _ in range(50):
        state = perc.learning_epoch(state, d.X, d.y, 1.0, 0)
        seen.add((*state.w, state.b))
    assert len(seen) < 50 and max(abs(v) for point in seen for v in point) <= 4


def test_noisy_blobs_are_not_separable_by_the_rule():
    d = data.noisy_blobs(60, 0)
    state = perc.train(d.X, d.y, 1.0, 100, 0)
    assert state.converged_at is None


def test_two_layer_network_computes_xor():
    d = data.logic_gate("XOR")
    hidden, out = perc.two_layer_xor(d.X)
    np.testing.assert_array_equal(hidden[:, 0], [0, 1, 1, 1])  # OR
    np.testing.assert_array_equal(hidden[:, 1], [0, 0, 0, 1])  # AND
    np.testing.assert_array_equal(out, d.y)
    _, smooth = perc.two_layer_xor(d.X, scale=20.0)
    np.testing.assert_array_equal(np.round(smooth), d.y)
    assert np.all((smooth > 0) & (smooth < 1))


def test_agrees_with_scikit_learn_on_iris():
    d = data.iris_petals()
    ours = perc.train(d.X, d.y, 1.0, 100, 0)
    sk_w, sk_b, sk_pred = perc.sklearn_perceptron(d.X, d.y, seed=0)
    np.testing.assert_array_equal(sk_pred, perc.predict(d.X, ours.w, ours.b))
    np.testing.assert_array_equal(sk_pred, d.y)
    # scikit-learn's line is a line of the same family: its predictions are H(w·x + b) too
    np.testing.assert_array_equal((d.X @ sk_w + sk_b > 0).astype(int), sk_pred)


@pytest.mark.parametrize("name", list(data.PERCEPTRON_DATASETS))
def test_datasets_are_seeded_two_dimensional_and_labelled(name):
    a, b = data.PERCEPTRON_DATASETS[name](5), data.PERCEPTRON_DATASETS[name](5)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape[1] == 2 and set(np.unique(a.y)) == {0, 1} and len(a.X) >= 4
    if a.separable:
        assert perc.train(a.X, a.y, 1.0, 1000, 0).converged_at is not None


def test_iris_is_setosa_against_the_rest():
    d = data.iris_petals()
    assert d.X.shape == (150, 2) and d.y.sum() == 50
    assert d.X[d.y == 1, 0].max() < d.X[d.y == 0, 0].min()  # setosa petals are shorter


def test_half_plane_polygon_and_boundary_segment():
    box = (0.0, 2.0, 0.0, 2.0)
    polygon = half_plane_polygon(np.array([1.0, 0.0]), -1.0, box)  # x ≥ 1
    assert sorted(polygon) == sorted([(1.0, 0.0), (2.0, 0.0), (2.0, 2.0), (1.0, 2.0)])
    assert half_plane_polygon(np.array([1.0, 0.0]), -5.0, box) == []  # nowhere in the box
    assert len(half_plane_polygon(np.array([0.0, 0.0]), 1.0, box)) == 4  # w = 0, b > 0: everywhere
    assert boundary_segment(np.array([1.0, 1.0]), -2.0, box) == [(0.0, 2.0), (2.0, 0.0)]
    assert boundary_segment(np.array([0.0, 0.0]), 1.0, box) is None
    assert boundary_segment(np.array([1.0, 0.0]), -5.0, box) is None


@pytest.mark.parametrize("name", list(PERCEPTRON_DATASETS))
@pytest.mark.parametrize("seed", [0, 7])
def test_the_keras_panel_makes_the_pages_data(name, seed):
    """The data part of the Keras panel draws exactly the points the page draws (no nnviz needed)."""
    from nnviz.keras_code import perceptron_data_code

    namespace: dict = {"np": np}
    exec(perceptron_data_code(name, seed), namespace)  # noqa: S102
    data = PERCEPTRON_DATASETS[name](seed)
    np.testing.assert_array_equal(namespace["X"], data.X)
    np.testing.assert_array_equal(namespace["y"], data.y)



def test_xor_over_the_square_is_the_two_layer_network_at_every_grid_point():
    grid, out = perc.xor_over_square(5.0, n=7)
    assert out.shape == (7, 7) and grid[0] == -0.5 and grid[-1] == 1.5
    for row, x2 in enumerate(grid):
        for col, x1 in enumerate(grid):
            assert out[row, col] == perc.two_layer_xor(np.array([[x1, x2]]), 5.0)[1][0]
    _, steps = perc.xor_over_square()
    assert set(np.unique(steps)) <= {0.0, 1.0}


def test_the_xor_figure_marks_the_inputs_and_leaves_the_corner_to_neither_axis():
    """At the square's corner (−0.5, −0.5) the two axes' '−0.5' labels touched in Lecture mode."""
    grid, out = perc.xor_over_square()
    d = data.logic_gate("XOR")
    layout = xor_regions_figure(grid, out, d.X, d.y, "step").to_dict()["layout"]
    for name in ("xaxis", "yaxis"):
        assert list(layout[name]["tickvals"]) == [0, 0.5, 1] and list(layout[name]["range"]) == [-0.5, 1.5]


def test_the_classes_have_the_playgrounds_and_the_notebooks_colours():
    """Class 1 (the perceptron's 'yes', z ≥ 0) blue and class 0 orange on every perceptron figure, as on the
    Playground (orange −1 / class 0, blue +1 / class 1); the perceptron had them the other way round."""
    d = data.logic_gate("AND")
    names = ("no", "yes")
    fig = decision_boundary_figure(d.X, d.y, np.array([1.0, 1.0]), -1.5, class_names=names).to_dict()
    traces = {t["name"]: t for t in fig["data"]}
    playground = dict(zip((0, 1), diverging_hex(np.array([-1.0, 1.0]))))
    for label in (0, 1):
        assert traces[names[label]]["marker"]["color"].upper() == CLASS_COLORS[label].upper() \
            == playground[label].upper()
        assert traces[f"predicted class {label}"]["fillcolor"] == CLASS_COLORS[label]
    grid, out = perc.xor_over_square()
    xor = data.logic_gate("XOR")
    heat, *points = xor_regions_figure(grid, out, xor.X, xor.y, "step").to_dict()["data"]
    assert [p["marker"]["color"] for p in points] == list(CLASS_COLORS[:2])
    low, high = heat["colorscale"][0][1], heat["colorscale"][-1][1]  # output 0 looks like class 0, 1 like class 1
    assert _hue(low) == pytest.approx(_hue(CLASS_COLORS[0]), abs=0.05)
    assert _hue(high) == pytest.approx(_hue(CLASS_COLORS[1]), abs=0.05)


def _hue(hex_colour: str) -> float:
    return colorsys.rgb_to_hsv(*(int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0]


@pytest.mark.parametrize(("output", "activation", "label"), [(0.99975, "sigmoid σ(z)", "ŷ ≈ 1"),
                                                            (0.3781, "sigmoid σ(z)", "ŷ ≈ 0.378"),
                                                            (1.0, "step H(z)", "ŷ = 1"), (0.0, "step H(z)", "ŷ = 0"),
                                                            # σ(−8): 'ŷ ≈ 3e-04' (a student's review), then an
                                                            # exception once written as a power of ten
                                                            (3.3535e-4, "sigmoid σ(z)", "ŷ ≈ 3·10⁻⁴")])
def test_the_neurons_output_is_written_approximately_where_it_is_rounded(output, activation, label):
    """z = 20.7 through a sigmoid read 'ŷ = 1' in the diagram (a helper's review): a sigmoid never reaches 1. The
    formula under it already said σ(20.70) ≈ 1."""
    fig = neuron_diagram([1.0, 2.0], [0.5, -0.5], 0.0, -0.5, output, activation)
    assert any(a.text == f"<b>{label}</b>" for a in fig.layout.annotations)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_the_neurons_inputs_are_evenly_spaced_and_their_weights_a_line_apart_on_a_projector(n):
    """With four inputs the bias's node sat 0.45 below x4 while the inputs were 0.67 apart, and 'w4 = …' and
    'b = …' touched in Lecture mode (a review). Every node is as far from the next; in Lecture mode (fonts × 22/16,
    the figure drawn taller) the weights' labels are a blank line apart, and none is written on its own input."""
    from nnviz.figures.style import FONT_SIZE, LECTURE_FONT_FACTOR, lecture_height_factor

    fig = neuron_diagram([1.0] * n, [0.8, -0.4, 0.5, 1.0][:n], -0.5, 0.3, 1.0, "step H(z)").to_dict()
    nodes = next(t for t in fig["data"] if t.get("marker", {}).get("size") == 26)
    assert np.allclose(np.diff(nodes["y"]), np.diff(nodes["y"])[0])  # the bias's node last, as far as the others
    layout = fig["layout"]
    height = layout["height"] * lecture_height_factor(layout["height"])
    y_px = (height - layout["margin"]["t"] - layout["margin"]["b"]) / np.ptp(layout["yaxis"]["range"])
    x_px = 700 / np.ptp(layout["xaxis"]["range"])  # Lecture mode's column at 1280 px (the narrowest it is drawn)
    size = FONT_SIZE * LECTURE_FONT_FACTOR
    weights = [a for a in layout["annotations"] if a["text"][:1] in "wb" and " = " in a["text"]]
    assert len(weights) == n + 1
    gaps = -np.diff([a["y"] for a in weights]) * y_px
    assert np.all(gaps >= 2 * size), gaps
    for label, node_y in zip(weights, nodes["y"]):
        if abs(label["y"] - node_y) * y_px < size:  # beside its input: clear of the circle (26 px, 13 px radius)
            # half the label's width: Source Sans' digits and letters are about half an em wide (label_width's
            # 0.62 em, meant for bold text, is ~30 % wider than these labels are drawn)
            assert label["x"] * x_px - 0.5 * size * len(label["text"]) / 2 > 13, label


def test_a_chart_without_its_line_says_why_and_what_every_point_gets():
    """After the first update on Iris (w = (−4, −1.3), b = −1) the line left the view: the chart was all one colour
    without 'boundary' in its legend and no word; with w = 0 (XOR's end) the scikit-learn comparison was empty
    (a student's review)."""
    X, y = np.array([[4.5, 1.0], [5.5, 1.5], [6.5, 2.0], [7.0, 2.5]]), np.array([0, 0, 1, 1])

    def said(*args, **kwargs):
        layout = decision_boundary_figure(X, y, *args, feature_names=("a", "b"), class_names=("no", "yes"),
                                          **kwargs).to_dict()["layout"]
        return [a["text"] for a in layout.get("annotations", []) if not a.get("showarrow") and a.get("name") != WEIGHT_LABEL]

    assert said(np.array([-4.0, -1.3]), -1.0) == [("the line w·x + b = 0 is outside this view:<br>every point here "
                                                   "is predicted no")]
    assert said(np.zeros(2), 0.5, other_line=(np.zeros(2), 0.0, "scikit-learn")) == [
        "this page: no line (w = 0):<br>every point here is predicted yes<br>scikit-learn: no line (w = 0)"]
    assert said(np.array([1.0, 0.0]), -6.0) == []  # the line in view: nothing to say


def test_w_is_written_beyond_its_arrows_tip_not_on_the_boundary_line():
    """The arrow's own text sat at its tail, the middle of the boundary: 'w' stood on the line (a review, on a phone
    and in Lecture mode). It is written at the tip, anchored on the tip's side; on a phone the arrow is longer, with a
    smaller head (its head was all of it)."""
    X, y = np.array([[4.5, 1.0], [5.5, 1.5], [6.5, 2.0], [7.0, 2.5]]), np.array([0, 0, 1, 1])
    for w, b in ((np.array([1.0, 1.0]), -7.5), (np.array([-1.0, 2.0]), 3.0), (np.array([1.0, 0.0]), -6.0)):
        layout = decision_boundary_figure(X, y, w, b, feature_names=("a", "b"), class_names=("no", "yes")).layout
        arrow, label = layout.annotations[:2]
        assert arrow.showarrow and arrow.text == "" and label.name == WEIGHT_LABEL and label.text == "<b>w</b>"
        assert (label.x, label.y) == (arrow.x, arrow.y) and float(np.dot(w, [arrow.x, arrow.y]) + b) > 0
        anchors = {"x": {-1: "right", 0: "center", 1: "left"}, "y": {-1: "top", 0: "middle", 1: "bottom"}}
        unit = w / np.linalg.norm(w)
        assert label.xanchor == anchors["x"][int(np.sign(unit[0])) if abs(unit[0]) >= 0.38 else 0]
        assert label.yanchor == anchors["y"][int(np.sign(unit[1])) if abs(unit[1]) >= 0.38 else 0]
        phone_arrow, phone_label = layout.meta["narrow"]["layout"]["annotations"][:2]
        tail = np.array([arrow.ax, arrow.ay])
        assert np.linalg.norm(np.array([phone_arrow["x"], phone_arrow["y"]]) - tail) > \
            np.linalg.norm(np.array([arrow.x, arrow.y]) - tail)
        assert phone_arrow["arrowsize"] == 1.0 < arrow.arrowsize and phone_label["name"] == WEIGHT_LABEL
        # not on white: a white box hid AND's positive sample behind it (a student's review)
        assert label.bgcolor is None and "bgcolor" not in phone_label


@pytest.mark.parametrize("name", ["Iris petals: setosa vs rest", "XOR"])
def test_on_a_phone_the_chart_is_as_tall_as_its_equal_scales_need_with_the_legend_right_under_it(name):
    """On a phone the Iris chart kept the wide figure's 480 px: equal scales left its plot 120 px tall in a band of
    white, the legend 100 px under it. Its layout for narrow places is the plot's height at a phone's width (the
    data's aspect), the x axis, and the legend's rows."""
    from nnviz.figures.style import LEGEND_ROW, PHONE_PLOT_WIDTH

    d = PERCEPTRON_DATASETS[name](0)
    w, b = np.array([1.0, 1.0]), -1.5
    layout = decision_boundary_figure(d.X, d.y, w, b, wrong=perc.misclassified(d.X, d.y, w, b)).to_dict()["layout"]
    narrow = layout["meta"]["narrow"]["layout"]
    x_range, y_range = layout["xaxis"]["range"], layout["yaxis"]["range"]
    plot_px = narrow["height"] - narrow["margin"]["t"] - narrow["margin"]["b"]
    assert plot_px == pytest.approx(PHONE_PLOT_WIDTH * (y_range[1] - y_range[0]) / (x_range[1] - x_range[0]), abs=1)
    # under the x axis, a row per entry (each too wide for two side by side): class 0, class 1, misclassified, line
    assert narrow["margin"]["b"] - 4 * LEGEND_ROW == 70
    assert narrow["legend"]["yref"] == "container" and narrow["legend"]["y"] == 0


def test_the_points_on_the_line_are_those_with_z_exactly_zero():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert perc.on_the_line(X, np.array([1.0, 2.0]), -3.0).tolist() == [False, False, False, True]
    assert perc.on_the_line(X, np.array([0.1, 0.2]), -0.3).tolist() == [False, False, False, True]  # 0.1 + 0.2 − 0.3
    assert not perc.on_the_line(X, np.zeros(2), 0.0).any()  # no line while w = 0


@pytest.mark.parametrize(("errors", "dtick"), [((2, 2, 1, 3, 0), 1), ((6,), 1), ((7, 40, 3), 10), ((), 1),
                                               ((100, 98, 100), 20)])
def test_mistakes_per_epoch_are_counted_in_whole_numbers(errors, dtick):
    from nnviz.figures.perceptron import errors_per_epoch_figure

    assert errors_per_epoch_figure(errors).layout.yaxis.dtick == dtick


def test_the_neuron_s_weight_labels_hide_the_edge_under_them():
    """Through a 0.85 white box the edge crossed 'w2 = −0.40' legibly on a projector (a lecturer's review of moment
    1): each weight's label is on opaque white, a little wider than its text, on a phone too."""
    from nnviz.figures.perceptron import neuron_diagram

    layout = neuron_diagram([1.0, 2.0, -1.0], [0.8, -0.4, 0.5], -0.5, -1.0, 0.0, "step H(z)").layout
    labels = [a for a in layout.annotations if a.text.startswith(("w", "b ="))]
    assert [a.text for a in labels] == ["w1 = +0.80", "w2 = −0.40", "w3 = +0.50", "b = −0.50"]
    assert all(a.bgcolor == "white" and a.borderpad >= 2 for a in labels)
    phone = [a for a in layout.meta["narrow"]["layout"]["annotations"] if a.get("text", "").startswith(("+", "−"))]
    assert len(phone) == 4 and all(a["bgcolor"] == "white" for a in phone)


def test_mistakes_per_epoch_are_ticked_in_steps_of_one_two_or_five_times_a_power_of_ten():
    """100 mistakes an epoch were ticked 0, 17, 34, … 102 (a sixth of the top, a student's review)."""
    from nnviz.figures.perceptron import whole_tick_step

    assert [whole_tick_step(top) for top in (0, 3, 6, 7, 12, 13, 30, 100, 1134)] == [1, 1, 1, 2, 2, 5, 5, 20, 200]


def test_a_rule_run_goes_back_through_the_states_it_went_through():
    X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 0, 0, 1])
    run = perc.RuleRun(("AND", 0, 1.0), perc.initial_state(2))
    states = [run.state]
    for _ in range(3):
        run.go(perc.learning_step(run.state, X, y, 1.0, 0))
        states.append(run.state)
    run.go(run.state)  # no move: nothing to undo
    for expected in reversed(states[:-1]):
        assert run.can_go_back
        run.back()
        assert run.state is expected
    assert not run.can_go_back
    run.back()
    assert run.state is states[0]
    for _ in range(perc.STEPS_KEPT_FOR_BACK + 5):  # a long Play: the oldest are let go
        run.go(perc.learning_step(run.state, X, y, 1.0, 0))
    assert len(run.before) == perc.STEPS_KEPT_FOR_BACK
