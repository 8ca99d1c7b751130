"""nnviz.playground: TensorFlow Playground's data and rules, trained on the numpy engine."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz import network as nw
from nnviz import playground as pg
from nnviz.figures import playground as figs

pytestmark = pytest.mark.unit


def trained(epochs: int, **settings) -> tuple[pg.PlaygroundState, pg.Data]:
    config = pg.PlaygroundConfig(**settings)
    data = pg.make_data(config)
    return pg.train(pg.initial_state(config, data), data, epochs), data


@pytest.mark.parametrize("key", list(pg.DATASETS))
def test_every_data_set_is_seeded_in_the_box_with_its_classes(key):
    config = pg.PlaygroundConfig(dataset=key, noise=20, train_percent=70, seed=3)
    a, b = pg.make_data(config), pg.make_data(config)
    np.testing.assert_array_equal(a.train_points, b.train_points)
    assert len(a.train_points) == 350 and len(a.test_points) == 150
    points = np.concatenate([a.train_points, a.test_points])
    assert np.all(np.abs(points) <= pg.BOX)
    labels = np.concatenate([a.train_labels, a.test_labels])
    if pg.DATASETS[key].regression:
        assert labels.min() >= -1 and labels.max() <= 1 and labels.std() > 0.1
    else:
        assert sorted(set(labels.tolist())) == list(range(pg.DATASETS[key].classes))
    other = pg.make_data(pg.PlaygroundConfig(dataset=key, noise=20, train_percent=70, seed=4))
    assert not np.array_equal(a.train_points, other.train_points)


def test_circle_and_xor_labels_follow_their_rule_without_noise():
    rng = np.random.default_rng(0)
    points, labels = pg.circle(400, 0.0, rng)
    np.testing.assert_array_equal(labels, (np.hypot(*points.T) < 2.5).astype(int))
    points, labels = pg.xor(400, 0.0, rng)
    np.testing.assert_array_equal(labels, (points[:, 0] * points[:, 1] >= 0).astype(int))
    assert np.all(np.abs(points) >= 0.3)


def test_features_are_the_chosen_functions_of_the_point():
    points = np.array([[1.0, 2.0], [-3.0, 0.5]])
    x = pg.features(points, ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))
    np.testing.assert_allclose(x[1], [-3.0, 0.5, 9.0, 0.25, -1.5, np.sin(-3.0), np.sin(0.5)])


def test_the_spec_follows_the_problem():
    assert pg.PlaygroundConfig().spec.sizes == (2, 4, 2, 1)
    assert pg.PlaygroundConfig().spec.loss == "binary_crossentropy"
    assert pg.PlaygroundConfig(binary_loss="squared_error").spec.loss == "mse"
    spec = pg.PlaygroundConfig(dataset="spiral3", hidden=(), features=("x1", "x2", "x1x2")).spec
    assert spec.sizes == (3, 3) and spec.output_activation == "softmax"
    spec = pg.PlaygroundConfig(dataset="plane", regularization="l2", regularization_rate=0.01).spec
    assert spec.output_activation == "linear" and spec.loss == "mse" and spec.l2 == 0.01 and spec.l1 == 0


@pytest.mark.parametrize("bad", [{"dataset": "moon"}, {"features": ()}, {"hidden": (9,)}, {"hidden": (1,) * 7},
                                 {"noise": 60}, {"train_percent": 5}, {"batch_size": 0},
                                 {"learning_rate": float("nan")}, {"learning_rate": 0.0},
                                 {"regularization_rate": -1.0}, {"activation": "elu"}])
def test_config_refuses_what_the_controls_cannot_set(bad):
    with pytest.raises(ValueError):
        pg.PlaygroundConfig(**bad)


def test_loss_falls_on_the_circle_with_a_hidden_layer():
    state, data = trained(150, hidden=(4, 2))
    assert state.epoch == 150 and len(state.train_loss) == 151
    assert state.train_loss[-1] < 0.3 * state.train_loss[0]
    assert pg.accuracy(state, data.test_points, data.test_labels) >= 0.9


def test_the_circle_stays_unsolved_without_hidden_layer_and_solved_with_squares():
    flat, data = trained(300, hidden=())
    assert pg.accuracy(flat, data.test_points, data.test_labels) < 0.75
    assert flat.train_loss[-1] > 0.6
    squares, data = trained(300, hidden=(), features=("x1", "x2", "x1sq", "x2sq"))
    assert pg.accuracy(squares, data.test_points, data.test_labels) >= 0.98


def test_three_blobs_reach_95_percent():
    state, data = trained(100, dataset="blobs3", hidden=(4,))
    assert pg.accuracy(state, data.test_points, data.test_labels) >= 0.95
    counts = pg.confusion(state, data.test_points, data.test_labels, 3)
    assert counts.sum() == len(data.test_points) and np.trace(counts) / counts.sum() >= 0.95


def test_train_is_pure_and_composes():
    config = pg.PlaygroundConfig()
    data = pg.make_data(config)
    start = pg.initial_state(config, data)
    before = start.network.flat.copy()
    ten = pg.train(start, data, 10)
    np.testing.assert_array_equal(start.network.flat, before)  # the given state is left alone
    assert start.epoch == 0
    five_and_five = pg.train(pg.train(start, data, 5), data, 5)
    np.testing.assert_array_equal(ten.network.flat, five_and_five.network.flat)
    assert ten.train_loss == five_and_five.train_loss


def test_train_equals_the_engine_fitting_epoch_by_epoch():
    config = pg.PlaygroundConfig(optimizer="adam", learning_rate=0.01, batch_size=7)
    data = pg.make_data(config)
    state = pg.train(pg.initial_state(config, data), data, 3)
    net, opt = nw.init_network(config.spec, config.seed), nw.Adam(0.01)
    x = pg.features(data.train_points, config.features)
    for epoch in range(3):
        nw.fit(net, opt, x, data.train_labels, 7, 1, shuffle_seed=config.seed * 100_003 + epoch)
    np.testing.assert_array_equal(state.network.flat, net.flat)
    assert state.train_loss[-1] == pytest.approx(nw.loss(net, nw.forward(net, x), data.train_labels))


def test_settings_that_keep_the_network_and_those_that_reset_it():
    config = pg.PlaygroundConfig()
    data = pg.make_data(config)
    state = pg.train(pg.initial_state(config, data), data, 5)
    for kept in ({"learning_rate": 0.3}, {"batch_size": 3}, {"regularization": "l2", "regularization_rate": 0.01},
                 {"optimizer": "adam"}):
        new = pg.with_config(state, pg.PlaygroundConfig(**kept), data)
        assert new.epoch == 5, kept
        np.testing.assert_array_equal(new.network.flat, state.network.flat)
    assert pg.with_config(state, pg.PlaygroundConfig(learning_rate=0.3), data).optimizer.learning_rate == 0.3
    for reset in ({"hidden": (3,)}, {"features": ("x1",)}, {"activation": "relu"}, {"noise": 10}, {"seed": 1},
                  {"dataset": "xor"}):
        assert pg.with_config(state, pg.PlaygroundConfig(**reset), pg.make_data(pg.PlaygroundConfig(**reset))).epoch == 0


def test_the_state_knows_when_its_epochs_mixed_training_settings():
    """The Keras check and code train every epoch with today's settings: the page must know when its curve is not
    that training (the check called a gap of 0.2 'float32 against float64, the same training')."""
    config = pg.PlaygroundConfig()
    data = pg.make_data(config)
    fresh = pg.initial_state(config, data)
    faster, slower = pg.PlaygroundConfig(learning_rate=0.3), config
    assert fresh.settings_changed_after is None and fresh.epochs_as_today == 0
    # changed before any epoch, or changed and changed back with no epoch between: every epoch with today's
    assert pg.with_config(fresh, faster, data).settings_changed_after is None
    trained = pg.train(fresh, data, 3)
    assert pg.with_config(pg.with_config(trained, faster, data), slower, data).settings_changed_after is None
    assert pg.with_config(trained, pg.PlaygroundConfig(regularization="l2"), data).settings_changed_after is None  # rate 0
    for changed in ({"learning_rate": 0.3}, {"batch_size": 3}, {"optimizer": "adam"},
                    {"regularization": "l2", "regularization_rate": 0.01}):
        assert pg.with_config(trained, pg.PlaygroundConfig(**changed), data).settings_changed_after == 3, changed
    assert trained.epochs_as_today == 3
    mixed = pg.train(pg.with_config(trained, faster, data), data, 2)
    assert mixed.settings_changed_after == 3 and mixed.epochs_as_today == 0  # epochs 1-3 were slower
    # back to the first settings after epochs with others: still a mix, from the last change
    back = pg.with_config(mixed, slower, data)
    assert back.settings_changed_after == 5 and back.epochs_as_today == 3  # epochs 1-3 as a training of today's
    assert pg.with_config(mixed, pg.PlaygroundConfig(hidden=(3,)), data).settings_changed_after is None  # a new network
    # Adam to SGD and back after 3 epochs: a new Adam, without the state an unbroken training has at epoch 3
    adam = pg.train(pg.initial_state(pg.PlaygroundConfig(optimizer="adam"), data), data, 3)
    back = pg.with_config(pg.with_config(adam, config, data), adam.config, data)
    assert back.optimizer is not adam.optimizer and back.settings_changed_after == 3 and back.epochs_as_today == 3


def test_a_too_high_learning_rate_stops_with_diverged():
    state, _ = trained(200, activation="linear", hidden=(8, 8), learning_rate=10.0, dataset="plane")
    assert state.diverged and state.epoch < 200
    again = pg.train(state, pg.make_data(state.config), 5)
    assert again is state  # nothing more to do until Reset


@pytest.mark.parametrize("settings", [
    {"dataset": "spiral", "noise": 50, "train_percent": 10, "learning_rate": 10.0, "batch_size": 1,
     "hidden": (8,) * 6, "activation": "relu", "regularization": "l1", "regularization_rate": 10.0},
    {"dataset": "multi_gauss", "noise": 50, "train_percent": 10, "learning_rate": 10.0, "batch_size": 30,
     "hidden": (8,) * 6, "activation": "linear", "optimizer": "adam"}])
def test_a_loss_that_blows_up_without_overflowing_is_a_divergence(settings):
    """A spiral sat at a training loss of 2.6e+104 for 130 epochs, every point class 0, and a regression at 2.3e+23,
    without a word: only a loss that was no longer a number counted as diverged (a helper's review)."""
    config = pg.PlaygroundConfig(**settings)
    data = pg.make_data(config)
    state = pg.train(pg.initial_state(config, data), data, 20)
    assert state.diverged and state.epoch < 20
    assert np.isfinite(state.train_loss[-1]) and state.train_loss[-1] > pg.BLOWN_UP * max(state.train_loss[0], 1)


def test_blew_up_counts_from_the_start_or_from_1():
    assert not pg.blew_up(5e5, 0.5) and pg.blew_up(2e6, 0.5)  # a start below 1 counts as 1
    assert not pg.blew_up(1e8, 1110.0) and pg.blew_up(2e9, 1110.0)
    assert pg.blew_up(float("nan"), 0.7) and pg.blew_up(float("inf"), 0.7)


def test_pictures_cover_every_unit_on_the_grid():
    state, _ = trained(5, hidden=(3, 2))
    p = pg.pictures(state, n=20)
    assert p.inputs.shape == (2, 20, 20) and [h.shape for h in p.hidden] == [(3, 20, 20), (2, 20, 20)]
    assert p.output.shape == (20, 20)
    grid = pg.grid_points(20)
    expected = nw.predict(state.network, pg.features(grid, state.config.features))[:, 0].reshape(20, 20)
    np.testing.assert_allclose(p.output, expected)
    np.testing.assert_allclose(p.inputs[0][0], np.linspace(-6, 6, 20))  # bottom row: x₁ from −6 to 6


def test_colours_and_pictures():
    rgb = figs.diverging_rgb(np.array([-1.0, 0.0, 1.0]))
    assert rgb.tolist() == [[230, 159, 0], [255, 255, 255], [0, 114, 178]]
    assert figs.png_source(np.zeros((4, 4, 3), np.uint8)).startswith("data:image/png;base64,")
    probs = np.stack([np.full((2, 2), 0.8), np.full((2, 2), 0.1), np.full((2, 2), 0.1)])
    assert figs.class_rgb(probs)[0, 0].tolist() != [255, 255, 255]


def test_the_canvas_pastes_each_picture_in_its_box():
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 255
    canvas = figs.network_canvas([red], [(0.1, 0.5, 0.2, 0.25)], right=0.5, width=100, height=40)
    assert canvas.shape == (40, 100, 4)
    inside = canvas[21:29, 21:59]
    assert np.all(inside[..., 0] == 255) and np.all(inside[..., 1] == 0) and np.all(canvas[20:30, 20:60, 3] == 255)
    frame = np.concatenate([canvas[20, 20:60], canvas[29, 20:60], canvas[20:30, 20], canvas[20:30, 59]])
    assert np.all(frame[:, :3] == figs.UNIT_FRAME)  # a white unit is still seen
    assert canvas[..., 3].sum() == 255 * 10 * 40  # nothing outside the box is drawn


def test_long_trainings_send_a_thinned_loss_curve():
    state, data = trained(2, hidden=(2,))
    losses = list(np.linspace(1, 0, 5001))
    p = pg.pictures(state, n=8)
    layers, out = figs.unit_pictures(p.inputs, p.hidden, p.output, "tanh", 2)
    fig = figs.playground_figure(layers, ["inputs", "hidden 1", "output"], state.network.weights, out,
                                 data.train_points, data.train_labels, None, None, losses, losses, 2)
    (curve,) = [t for t in fig.data if t.name == "training loss"]
    assert len(curve.x) <= figs.MAX_CURVE_POINTS + 1 and curve.x[-1] == 5000 and curve.y[-1] == 0


@pytest.mark.parametrize(("hidden", "width", "font_scale", "two_rows"),
                         [((2,), 358, 1.0, False), ((4, 2), 358, 1.0, True), ((8, 8, 8), 358, 1.0, True),
                          ((4, 2), 1080, 22 / 16, False), ((8, 8, 8), 1080, 22 / 16, False)])
def test_layer_titles_are_centred_on_their_columns_in_one_row_where_they_fit(hidden, width, font_scale, two_rows):
    """On a phone (358 px) 'hidden 1', 'hidden 2' ran into each other (and plotly anchored the titles left of 1/3 of
    the width at their left end, off their columns): titles are centred on their columns, in one row where they fit
    side by side (Lecture mode at 1080 px: 'hidden 1' on one line), else in two: 'hidden layers' above the layers'
    numbers, between 'inputs' and 'output'."""
    state, data = trained(2, hidden=hidden)
    p = pg.pictures(state, n=8)
    layers, out = figs.unit_pictures(p.inputs, p.hidden, p.output, "tanh", 2)
    titles = ["inputs", *(f"hidden {k}" for k in range(1, len(hidden) + 1)), "output"]
    fig = figs.playground_figure(layers, titles, state.network.weights, out, data.train_points, data.train_labels,
                                 None, None, state.train_loss, state.test_loss, 2, width_hint=width,
                                 font_scale=font_scale)
    annotations = fig.layout.annotations
    assert all(a.xanchor == "center" for a in annotations)
    handles = next(t for t in fig.data if t.name == "unit handles")
    centres = sorted({round(x, 9) for x in handles.x})  # the columns' centres
    if two_rows:
        numbers = [str(k) for k in range(1, len(hidden) + 1)]
        assert [a.text for a in annotations] == ["inputs", *numbers, "output", "hidden layers"]
        assert [round(a.x, 9) for a in annotations][:-1] == centres
        assert annotations[-1].yshift > 0 and all(not a.yshift for a in annotations[:-1])
        assert annotations[-1].x == pytest.approx((centres[1] + centres[-2]) / 2)
    else:
        assert [a.text for a in annotations] == titles and [round(a.x, 9) for a in annotations] == centres
        assert all(not a.yshift for a in annotations)
    assert fig.layout.margin.t == (64 if two_rows else 40)


def test_the_output_axes_leave_room_beside_the_network():
    """On a phone the output plane's y ticks and title fell on the network's output column: the network ends 0.14
    of the width (~46 px there) left of the plane and the loss curve, whose y titles sit close to their ticks."""
    state, data = trained(2, hidden=(4, 2))
    p = pg.pictures(state, n=8)
    layers, out = figs.unit_pictures(p.inputs, p.hidden, p.output, "tanh", 2)
    fig = figs.playground_figure(layers, ["inputs", "hidden 1", "hidden 2", "output"], state.network.weights, out,
                                 data.train_points, data.train_labels, None, None, state.train_loss,
                                 state.test_loss, 2)
    handles = next(t for t in fig.data if t.name == "unit handles")
    units = next(t for t in fig.data if t.name == "units")
    canvas_width = 420  # network_canvas's default
    assert units.x0 + units.dx * canvas_width == pytest.approx(figs.NETWORK_RIGHT)
    assert max(handles.x) < figs.NETWORK_RIGHT
    for plane in ("2", "3"):
        assert fig.layout[f"xaxis{plane}"].domain[0] - figs.NETWORK_RIGHT >= 0.14 - 1e-9
        assert fig.layout[f"yaxis{plane}"].title.standoff <= 4


@pytest.mark.parametrize("challenge", pg.CHALLENGES, ids=lambda c: c.dataset)
def test_every_challenge_is_solvable_with_its_named_settings(challenge):
    config = pg.PlaygroundConfig(dataset=challenge.dataset, **challenge.solution)
    data = pg.make_data(config)
    start = pg.initial_state(config, data)
    met, why = pg.challenge_status(challenge, pg.train(start, data, challenge.epochs), data)
    assert met, why


def test_a_challenge_names_what_is_missing():
    circle = pg.CHALLENGES[0]
    state, data = trained(1, dataset="xor")
    assert pg.challenge_status(circle, state, data) == (False, "choose the data set “Circle”")
    state, data = trained(1, hidden=(4, 2))  # the circle allows no hidden layer ('6 hidden units: use at most 0' read
    assert pg.challenge_status(circle, state, data) == (False, "remove the hidden layers (they have 6 units)")  # oddly)
    spiral = next(c for c in pg.CHALLENGES if c.dataset == "spiral")
    state, data = trained(1, dataset="spiral", hidden=(8, 5))
    assert pg.challenge_status(spiral, state, data) == (False, "13 hidden units: use at most 12")


def test_unit_formula_has_the_units_weights_and_inputs():
    state, _ = trained(0, hidden=(2,), features=("x1", "sinx2"))
    w, b = state.network.weights[0][:, 1], state.network.biases[0][1]
    formula = pg.unit_formula(state, 1, 1)
    assert formula.startswith(r"a = \tanh\left(") and r"\,x_1" in formula and r"\,\sin x_2" in formula
    assert f"{abs(w[0]):.3g}" in formula and f"{abs(b):.3g}" in formula
    assert pg.unit_formula(state, 0, 1) == r"a = \sin x_2"
    assert pg.unit_formula(state, 2, 0).startswith(r"a = \sigma\left(") and "h^{(1)}_{2}" in pg.unit_formula(state, 2, 0)
    assert pg.unit_label(state.config, 2, 0) == "output" and pg.unit_label(state.config, 0, 1) == "sin x₂"


def test_a_units_formula_names_the_layer_in_parentheses_and_writes_powers_of_ten_as_such():
    """'0.935 h₁²' read as h₁ squared, on a page whose inputs include x₁² (a helper's review): the layer is (2), as
    δ⁽²⁾ on the Backpropagation page. A weight of 1.5e-05 was written so in LaTeX: 1.5·e − 05."""
    state, _ = trained(0, hidden=(2,), features=("x1", "sinx2"))
    state.network.weights[1][0, 0] = -1.5e-05
    formula = pg.unit_formula(state, 2, 0)
    assert "h^{(1)}_{1}" in formula and "h^{(1)}_{2}" in formula and "h^{1}" not in formula
    assert r"- 1.5 \cdot 10^{-5}\,h^{(1)}_{1}" in formula and "e-" not in formula


def test_the_unit_view_of_a_softmax_output_says_it_is_the_likeliest_class_and_gives_every_z():
    """Three blobs: the output's picture (the colour of the likeliest class) was titled 'output, class 0' with
    z₀ = …, p₀ = softmax(z)₀ and 'blue where positive, orange where negative, white near 0' (a helper's review)."""
    state, _ = trained(0, dataset="blobs3", hidden=(2,))
    assert pg.unit_label(state.config, 2, 0) == "output, the likeliest class"
    formula = pg.unit_formula(state, 2, 0)
    assert all(f"z_{{{k}}} &= " in formula for k in range(3)) and r"p &= \mathrm{softmax}(z)" in formula
    assert "likeliest" not in pg.unit_colours(state.config, 1) and "class" in pg.unit_colours(state.config, 2)


@pytest.mark.parametrize(("settings", "layer", "white"), [
    ({"activation": "sigmoid", "hidden": (2,)}, 1, "white at 0.5"),  # a sigmoid unit: 2a − 1 drawn
    ({"hidden": (2,)}, 2, "white at 0.5"),  # two classes: one sigmoid output
    ({"activation": "tanh", "hidden": (2,)}, 1, "white near 0"),
    ({"activation": "relu", "hidden": (2,)}, 1, "white where it is 0"),
    ({"hidden": (2,)}, 0, "white near 0"),  # an input
    ({"dataset": "plane", "hidden": (2,)}, 2, "white near 0"),  # regression: a linear output
])
def test_a_units_picture_says_where_its_white_is(settings, layer, white):
    """A sigmoid unit's picture maps a to 2a − 1: its white is a = 0.5, but the caption said 'white near 0' for
    every unit (a helper's review); a sigmoid is never negative."""
    state, _ = trained(0, **settings)
    assert white in pg.unit_colours(state.config, layer)


SPLIT = {"seed": 0, "train_percent": 50}  # PlaygroundConfig's


def as_set(points: np.ndarray) -> set:
    return set(map(tuple, np.round(points, 9)))


@pytest.mark.parametrize("seed, train_percent", [(0, 50), (7, 30), (3, 90)])
def test_a_click_keeps_every_other_point_where_it_was_training_or_test(seed, train_percent):
    """Each added or erased point split all the points again: points jumped between training and test at every
    click (a helper's review). Added: every point stays in its set, the new one goes where the split's counts
    need it. Erased: as few points change sets as the counts need; and the CSV, read again (the Keras code's
    data), is split the same way."""
    config = pg.PlaygroundConfig(seed=seed, train_percent=train_percent)
    data = pg.make_data(config)
    split = {"seed": seed, "train_percent": train_percent}
    for k in range(5):  # one click after another, each on the data the one before made
        own, problem = pg.edit_points(data, -5.0 + 2.3 * k, 4.0 - 1.7 * k, f"add{k % 2}", **split)
        assert problem is None
        edited_config = pg.PlaygroundConfig(dataset=pg.OWN, own_classes=2, own_digest=own.digest, **split)
        after = pg.make_data(edited_config, own)
        assert as_set(data.train_points) <= as_set(after.train_points)
        assert as_set(data.test_points) <= as_set(after.test_points)
        assert len(after.train_points) == round((k + 1 + pg.N_POINTS) * train_percent / 100)
        data = after
    own, problem = pg.edit_points(data, 0.0, 0.0, "erase", **split)
    assert problem is None
    after = pg.make_data(pg.PlaygroundConfig(dataset=pg.OWN, own_classes=2, own_digest=own.digest, **split), own)
    kept_training = len(as_set(data.train_points) & as_set(own.points))
    moved = len(as_set(after.train_points) - as_set(data.train_points))
    moved += len(as_set(after.test_points) - as_set(data.test_points))
    assert len(own.points) < len(data.train_points) + len(data.test_points)
    assert moved == abs(kept_training - len(after.train_points))  # only what the split's counts ask for
    again, _ = pg.parse_points_csv(pg.points_csv(own).encode(), "edited.csv")
    read_back = pg.make_data(pg.PlaygroundConfig(dataset=pg.OWN, own_classes=2, own_digest=again.digest, **split),
                             again)
    np.testing.assert_allclose(read_back.train_points, after.train_points, atol=1e-5)


def test_clicks_add_and_erase_points_and_never_leave_one_class():
    data = pg.make_data(pg.PlaygroundConfig())
    n = len(data.train_points) + len(data.test_points)
    added, problem = pg.edit_points(data, 1.0, 2.0, "add1", **SPLIT)
    assert problem is None
    new = np.flatnonzero((added.points == [1.0, 2.0]).all(axis=1))
    assert len(added.points) == n + 1 and len(new) == 1 and added.labels[new[0]] == 1
    assert added.class_names == ("0", "1") and added.name == pg.EDITED_NAME
    erased, _ = pg.edit_points(data, 0.0, 0.0, "erase", **SPLIT)
    near = np.hypot(*np.concatenate([data.train_points, data.test_points]).T) <= pg.ERASE_RADIUS
    assert len(erased.points) == n - near.sum() and near.sum() > 0
    assert np.all(np.hypot(*erased.points.T) > pg.ERASE_RADIUS)
    few = pg.Data(np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.0, 4.9], [-5.0, 5.0]]), np.array([0, 0, 1, 1, 0]),
                  np.empty((0, 2)), np.empty(0, int), 2)
    # each refusal says why (one message, "fewer than two classes … nothing was erased", said it for every refusal)
    assert pg.edit_points(few, 5.0, 5.0, "erase", **SPLIT) == (None, ("That would leave 3 points; erasing stops at 4 (some to "
                                                             "train on, some to test): nothing was erased."))
    assert pg.edit_points(few, 3.0, -3.0, "erase", **SPLIT) == (None, "No point within reach of that click: nothing was erased.")
    two = pg.Data(np.array([[0.0, 0.0], [5.0, 5.0]]), np.array([0, 1]), np.empty((0, 2)), np.empty(0, int), 2)
    assert sorted(pg.edit_points(two, 1.0, 1.0, "add0", **SPLIT)[0].labels.tolist()) == [0, 0, 1]  # two points grow
    config = pg.PlaygroundConfig(dataset=pg.OWN, own_classes=2, own_digest=added.digest)
    again = pg.make_data(config, added)
    assert len(again.train_points) + len(again.test_points) == n + 1
    parsed, problem = pg.parse_points_csv(pg.points_csv(added).encode(), "your_points.csv")
    assert problem is None and np.allclose(parsed.points, added.points, atol=1e-5)
    np.testing.assert_array_equal(parsed.labels, added.labels)


def test_clicks_on_uploaded_points_keep_their_class_names_and_units():
    """A click on an upload's plane renamed its classes 0, 1 and the download wrote the scaled coordinates."""
    uploaded, _ = pg.parse_points_csv(b"x1,x2,kind\n-40,10,cat\n30,-20,dog\n20,20,cat\n-10,-50,dog\n", "pets.csv")
    assert uploaded.scale == pytest.approx(0.1) and uploaded.class_names == ("cat", "dog")
    config = pg.PlaygroundConfig(dataset=pg.OWN, own_classes=2, own_digest=uploaded.digest)
    edited, _ = pg.edit_points(pg.make_data(config, uploaded), 1.0, 2.0, "add1", uploaded, **SPLIT)
    assert edited.class_names == ("cat", "dog") and edited.scale == uploaded.scale
    again, problem = pg.parse_points_csv(pg.points_csv(edited).encode(), "pets.csv")  # the download, uploaded again
    assert problem is None and again.class_names == ("cat", "dog") and again.scale == pytest.approx(0.1)
    assert sorted(map(tuple, np.round(again.points, 6))) == sorted(map(tuple, np.round(edited.points, 6)))
    assert "10,20,dog" in pg.points_csv(edited)  # the click at (1, 2) of the plane, in the file's units


def test_discretized_output_is_pure_class_colours():
    probs = np.array([[0.2, 0.6], [0.49, 0.51]])
    _, out = figs.unit_pictures(np.zeros((2, 2, 2)), [], probs, "tanh", 2, discretize=True)
    assert {tuple(c) for c in out.reshape(-1, 3)} == {(230, 159, 0), (0, 114, 178)}



def test_a_count_is_in_the_plural_where_it_needs_one():
    from nnviz.formatting import count

    assert (count(1, "epoch"), count(0, "epoch"), count(3, "epoch")) == ("1 epoch", "0 epochs", "3 epochs")


def test_a_wide_figure_gives_the_output_plane_its_whole_height():
    """Lecture mode at 1280x720 (1080 px): the plane, above the loss curve, was limited by the height to ~265 px with
    ~110 px empty beside it. A figure for 900 px or more has the loss curve under the network and the plane the whole
    height beside them, and its legend reaches leftwards from the right end (from 0.6 rightwards its row ran past
    the figure in Lecture mode's fonts, and plotly narrowed every part to make room). Narrower: as before."""
    state, data = trained(2, hidden=(4, 2))
    p = pg.pictures(state, n=8)
    layers, out = figs.unit_pictures(p.inputs, p.hidden, p.output, "tanh", 2)

    def drawn(width: int):
        return figs.playground_figure(layers, ["inputs", "hidden 1", "hidden 2", "output"], state.network.weights,
                                      out, data.train_points, data.train_labels, None, None, state.train_loss,
                                      state.test_loss, 2, width_hint=width, font_scale=22 / 16 if width > 900 else 1)

    wide, narrow = drawn(1080).layout, drawn(358).layout
    assert list(wide.yaxis2.domain) == [0.0, 1.0] and wide.xaxis2.domain[1] - wide.xaxis2.domain[0] >= 0.45
    assert wide.xaxis3.domain[1] <= wide.xaxis2.domain[0] - 0.07  # the loss curve left of the plane ...
    handles = next(t for t in drawn(1080).data if t.name == "unit handles")
    assert max(handles.x) < wide.xaxis2.domain[0] and min(handles.y) - 0.05 > wide.yaxis3.domain[1]  # ... under the net
    assert (wide.legend.x, wide.legend.xanchor) == (1.0, "right")
    assert list(narrow.yaxis2.domain) == [0.42, 1.0] and list(narrow.xaxis2.domain) == [0.62, 0.98]
    assert narrow.legend.x == 0.6


@pytest.mark.parametrize(("features", "width", "font_scale"),
                         [(("x1", "x2"), 358, 1.0), (("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"), 358, 1.0),
                          (("x1", "x2", "x1sq", "x2sq"), 1080, 22 / 16)])
def test_the_inputs_are_named_left_of_their_pictures(features, width, font_scale):
    """Lecture moment 14 adds x₁² and x₂² to the inputs: their pictures had no names (a lecturer could not point
    at them). Each input's name is written at its picture's height, right-aligned in room left of the pictures,
    inside the figure."""
    config = pg.PlaygroundConfig(dataset="circle", features=features, hidden=(2,))
    data = pg.make_data(config)
    state = pg.initial_state(config, data)
    p = pg.pictures(state, n=8)
    layers, out = figs.unit_pictures(p.inputs, p.hidden, p.output, "tanh", 2)
    names = [pg.unit_label(config, 0, unit) for unit in range(len(features))]
    fig = figs.playground_figure(layers, ["inputs", "hidden 1", "output"], state.network.weights, out,
                                 data.train_points, data.train_labels, None, None, state.train_loss,
                                 state.test_loss, 2, width_hint=width, font_scale=font_scale, input_names=names)
    written = [a for a in fig.layout.annotations if a.text in names]
    assert [a.text for a in written] == names == [pg.FEATURES[f][0] for f in features]
    handles = next(t for t in fig.data if t.name == "unit handles")
    inputs = [(x, y) for (layer, _), x, y in zip(handles.customdata, handles.x, handles.y) if layer == 0]
    picture_left = inputs[0][0] - figs.PICTURE / 2  # at most PICTURE wide
    for a, (_, y) in zip(written, inputs):
        assert a.xanchor == "right" and a.y == pytest.approx(y)
        width_px = figs._text_width(a.text, figs.INPUT_NAME_FONT * font_scale)
        assert a.x * width - width_px >= 0  # inside the figure
        assert a.x < picture_left  # left of the pictures
    # and at epoch 0 the loss curve's axis counts whole epochs (plotly ticked 0.2, 0.4 …)
    assert fig.layout.xaxis3.dtick == 1 and list(fig.layout.xaxis3.range) == [0, 1]


def test_on_a_phone_the_plane_and_the_loss_stand_under_the_network():
    """stacked (a small screen): the network across the top, the plane under it, the loss curve at the bottom, each
    nearly the figure's width (side by side the plane was ~115 px of a phone's 358)."""
    state, data = trained(2, hidden=(4, 2))
    p = pg.pictures(state, n=8)
    layers, out = figs.unit_pictures(p.inputs, p.hidden, p.output, "tanh", 2)
    fig = figs.playground_figure(layers, ["inputs", "hidden 1", "hidden 2", "output"], state.network.weights, out,
                                 data.train_points, data.train_labels, None, None, state.train_loss,
                                 state.test_loss, 2, stacked=True)
    handles = next(t for t in fig.data if t.name == "unit handles")
    assert fig.layout.height == figs.STACKED_HEIGHT
    assert min(handles.y) > fig.layout.yaxis2.domain[1]  # every unit above the plane
    assert fig.layout.yaxis3.domain[1] < fig.layout.yaxis2.domain[0]  # the loss curve under it
    assert fig.layout.xaxis2.domain[1] - fig.layout.xaxis2.domain[0] > 0.8
    assert max(handles.x) > 0.8  # the network uses the width
    # the loss curve tall enough for its ticks and its title beside them (at 89 px 'loss' stood against '0.5')
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert (fig.layout.yaxis3.domain[1] - fig.layout.yaxis3.domain[0]) * plot_px >= 120
    assert fig.layout.yaxis3.title.standoff >= 8


def test_the_loss_curves_legend_stands_under_the_loss_curve():
    """Wide (Lecture mode, 1080 px): the loss curve is under the network, left, and the figure's legend under the
    plane, right; '— training loss - - test loss' stood under the plane (a helper's review). There the curves have a
    legend of their own under their panel, which moves down with Lecture mode's fonts as the other does; narrow and on
    a phone, where the loss curve is under the plane, they keep the one legend."""
    from nnviz.figures.style import LECTURE_FONT_FACTOR, scaled_fonts

    state, data = trained(2, hidden=(4,))
    p = pg.pictures(state, n=8)
    layers, out = figs.unit_pictures(p.inputs, p.hidden, p.output, "tanh", 2)

    def drawn(**kwargs):
        return figs.playground_figure(layers, ["inputs", "hidden 1", "output"], state.network.weights, out,
                                      data.train_points, data.train_labels, None, None, state.train_loss,
                                      state.test_loss, 2, keras_loss=[0.7, 0.6], **kwargs)

    wide = drawn(width_hint=1080)
    losses = [t for t in wide.data if "loss" in (t.name or "")]
    assert [t.name for t in losses] == ["training loss", "test loss", "Keras: training loss"]
    assert {t.legend for t in losses} == {"legend2"}
    assert {t.legend for t in wide.data if t.name and t.name.startswith("training:")} <= {None, "legend"}
    assert wide.layout.legend2.x == wide.layout.xaxis3.domain[0] < wide.layout.xaxis2.domain[0]
    assert wide.layout.legend2.xanchor == "left" and wide.layout.legend2.y == wide.layout.legend.y
    projected = scaled_fonts(wide, LECTURE_FONT_FACTOR)
    assert projected.layout.legend2.y == projected.layout.legend.y < wide.layout.legend.y
    for kwargs in ({}, {"stacked": True}):
        assert {t.legend for t in drawn(**kwargs).data if "loss" in (t.name or "")} <= {None, "legend"}


def test_the_planes_click_handles_tile_the_largest_plane():
    """A click anywhere on the plane lands on a handle: on a large screen's plane (the wide layout's, the figure's
    whole height less its margins, ~424 px) 12 px circles 14.1 px apart left holes where a click did nothing."""
    state, data = trained(2, hidden=(4,))
    p = pg.pictures(state, n=8)
    layers, out = figs.unit_pictures(p.inputs, p.hidden, p.output, "tanh", 2)
    fig = figs.playground_figure(layers, ["inputs", "hidden 1", "output"], state.network.weights, out,
                                 data.train_points, data.train_labels, None, None, state.train_loss, state.test_loss,
                                 2, clickable_plane=True, width_hint=figs.WIDE)
    handles = next(t for t in fig.data if t.name == "plane handles")
    grid = np.unique(handles.x)
    assert len(grid) == figs.PLANE_HANDLES and np.allclose(np.diff(grid), grid[1] - grid[0])
    plane_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b  # the plane spans the whole height
    assert tuple(fig.layout.yaxis2.domain) == (0, 1) and tuple(fig.layout.xaxis2.range) == (-6, 6)
    spacing_px = (grid[1] - grid[0]) / 12 * plane_px
    assert handles.marker.symbol == "square" and handles.marker.size >= spacing_px


@pytest.mark.parametrize(("losses", "expected"), [
    ([0.69, 0.7], (1.0, 0.5)), ([1.3], (2.0, 1.0)), ([0.1], (0.2, 0.1)), ([2.3], (4.0, 2.0)), ([0.012], (0.02, 0.01)),
    ([9.9], (20.0, 10.0))])
def test_a_single_epochs_loss_axis_is_zero_a_round_step_and_twice_it(losses, expected):
    axis = figs.single_point_range(losses)
    assert (axis["range"][1], axis["dtick"]) == pytest.approx(expected)


def test_a_single_epoch_without_a_finite_loss_leaves_the_axis_to_plotly():
    assert figs.single_point_range([float("nan"), float("inf")]) == {} == figs.single_point_range([0.0])


def test_a_config_is_chaotic_from_the_chaotic_rate_on():
    assert pg.PlaygroundConfig(learning_rate=pg.CHAOTIC_RATE).chaotic
    assert not pg.PlaygroundConfig(learning_rate=pg.CHAOTIC_RATE * 0.99).chaotic


def test_a_regressions_legend_says_which_colour_is_which_value():
    """A regression's points and plane are coloured by value: its legend shows the colours of y = −1 and y = +1 (the
    points alone did not say which colour was positive). Classification's legend names its classes instead."""
    for key, classes in (("plane", 0), ("circle", 2)):
        state, data = trained(1, dataset=key, hidden=(2,))
        p = pg.pictures(state, n=8)
        layers, out = figs.unit_pictures(p.inputs, p.hidden, p.output, "tanh", classes)
        fig = figs.playground_figure(layers, ["inputs", "hidden 1", "output"], state.network.weights, out,
                                     data.train_points, data.train_labels, None, None, state.train_loss,
                                     state.test_loss, classes)
        key_entries = {t.name: t.marker.color for t in fig.data if t.name and t.name.startswith("y = ")}
        if classes:
            assert key_entries == {}
            continue
        assert key_entries == {"y = −1": figs.diverging_hex(np.array([-1.0]))[0],
                               "y = +1": figs.diverging_hex(np.array([1.0]))[0]}
        points = next(t for t in fig.data if t.name == "training points")
        lowest, highest = np.argmin(data.train_labels), np.argmax(data.train_labels)
        # the points' colours run the key's way: the lowest value orange-ish, the highest blue-ish
        assert points.marker.color[lowest] == figs.diverging_hex(data.train_labels[[lowest]])[0]
        assert data.train_labels[lowest] < 0 < data.train_labels[highest]
        assert all(t.showlegend is not False for t in fig.data if t.name in key_entries)
