"""nnviz.mlp against Keras: parameter counts, the forward pass, evaluation, and the code the app runs."""

from __future__ import annotations

import itertools
import sys
import types

import numpy as np
import pytest

from nnviz import mlp as nn

pytestmark = pytest.mark.unit

CONFIGS = [
    nn.MLPConfig(()),
    nn.MLPConfig((128,)),
    nn.MLPConfig((64, 32), activation="tanh", optimizer="adam", learning_rate=0.001),
    nn.MLPConfig((16, 16, 16, 16), activation="selu"),
]


@pytest.fixture(scope="module")
def mt():
    from nnviz import mlp_training

    return mlp_training


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).integers(0, 256, (40, 28, 28)).astype(np.uint8)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.describe())
def test_parameter_table_equals_the_keras_model(mt, config):
    model = mt.build_model(config)
    rows = nn.layer_table(config)
    assert [r.params for r in rows] == [layer.count_params() for layer in model.layers]
    assert [r.output_shape for r in rows] == [str(tuple(layer.output.shape)) for layer in model.layers]
    assert nn.parameter_count(config) == model.count_params()
    summary = mt.summary_text(model)
    assert f"Trainable params: {nn.parameter_count(config):,}" in summary


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Keras 3.12.4, the last for Python 3.10, fails inside "
                    "clear_session run from another thread (name_scope_stack is None); Streamlit, which clears the "
                    "session so, needs Python 3.11 anyway")
def test_models_build_while_streamlit_clears_the_keras_session(mt):
    """Streamlit calls keras.backend.clear_session() after every script run of any session, which
    resets Keras' automatic layer names; a model built meanwhile in another session's thread must
    not end up with two layers of the same name (so the layers are named explicitly)."""
    import threading

    import keras

    done = threading.Event()

    def keep_clearing():
        while not done.is_set():
            keras.backend.clear_session(free_memory=False)

    clearer = threading.Thread(target=keep_clearing)
    clearer.start()
    try:
        for _ in range(10):
            model = mt.build_model(nn.MLPConfig((8, 8, 8, 8)))
            assert [layer.name for layer in model.layers] == [
                "flatten", "hidden_1", "hidden_2", "hidden_3", "hidden_4", "output"]
    finally:
        done.set()
        clearer.join()


def test_parameter_count_formula():
    config = nn.MLPConfig((300, 100))  # Géron's MNIST MLP: 784·300+300 + 300·100+100 + 100·10+10
    assert nn.parameter_count(config) == 235_500 + 30_100 + 1_010 == 266_610


def test_the_model_is_built_by_the_code_shown(mt):
    config = nn.MLPConfig((32,), activation="gelu", optimizer="sgd", learning_rate=0.03, momentum=0.5, seed=7)
    code = nn.model_code(config)
    assert "keras.utils.set_random_seed(7)" in code and 'Dense(32, activation="gelu", name="hidden_1")' in code
    assert "SGD(learning_rate=0.03, momentum=0.5)" in code
    model = mt.build_model(config)
    assert model.layers[1].activation.__name__ == "gelu"
    assert type(model.optimizer).__name__ == "SGD"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.03)
    assert float(model.optimizer.momentum) == pytest.approx(0.5)
    # The same code twice gives the same initial weights: the seed is in the code.
    again = mt.build_model(config)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("activation", list(nn.HIDDEN_ACTIVATIONS))
def test_numpy_forward_pass_equals_keras(mt, images, activation):
    """Every layer's output, and the softmax output, as Keras computes them."""
    import keras

    config = nn.MLPConfig((24, 12), activation=activation, seed=3)
    model = mt.build_model(config)
    ours = nn.layer_outputs(model.get_weights(), activation, images)
    x = images.astype("float32") / 255.0
    probe = keras.Model(model.inputs[0], [layer.output for layer in model.layers])
    theirs = [np.asarray(t) for t in probe(x)]
    np.testing.assert_allclose(ours[0], theirs[0], atol=1e-6)  # flattened, scaled input
    for a, b in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(nn.predict_proba(model.get_weights(), activation, images, batch=7),
                               model.predict(x, verbose=0), rtol=1e-4, atol=1e-6)


def test_evaluation_equals_keras_evaluate(mt, images):
    import keras

    config = nn.MLPConfig((32,), seed=1)
    model = mt.build_model(config)
    labels = np.random.default_rng(1).integers(0, 10, len(images))
    evaluation = nn.evaluate(model.get_weights(), config.activation, images, labels)
    loss, accuracy = model.evaluate(images / 255.0, labels, verbose=0)
    assert evaluation.loss == pytest.approx(loss, rel=1e-5)
    assert evaluation.accuracy == pytest.approx(accuracy, abs=1e-7)
    import tensorflow as tf

    np.testing.assert_array_equal(evaluation.confusion,
                                  tf.math.confusion_matrix(labels, evaluation.predicted, num_classes=10).numpy())
    crossentropy = keras.losses.SparseCategoricalCrossentropy()(labels, evaluation.probs.astype("float32"))
    assert nn.cross_entropy(evaluation.probs, labels) == pytest.approx(float(crossentropy), rel=1e-5)


def test_confusion_cells_mistakes_and_per_class_accuracy():
    labels = np.array([0, 0, 1, 1, 2, 2, 2])
    probs = np.full((7, 10), 0.01)
    predicted = [0, 1, 1, 1, 0, 2, 1]
    confidence = [0.9, 0.6, 0.9, 0.8, 0.95, 0.9, 0.7]
    for i, (p, c) in enumerate(zip(predicted, confidence)):
        probs[i, p] = c
    evaluation = nn.Evaluation(probs, labels, np.array(predicted), 0.0, 4 / 7,
                               nn.confusion_matrix(labels, np.array(predicted)), np.array([]))
    assert evaluation.confusion[2].tolist()[:3] == [1, 1, 1]
    assert evaluation.cell(2, 0).tolist() == [4] and evaluation.cell(0, 1).tolist() == [1]
    assert evaluation.cell(1, 0).size == 0
    # wrong: #1 (0→1, 0.6), #4 (2→0, 0.95), #6 (2→1, 0.7); most confident first
    assert evaluation.most_confident_mistakes(2).tolist() == [4, 6]
    assert evaluation.most_confused() == (0, 1)  # three mistakes of one image each: the first wins
    full = nn.evaluate([np.zeros((784, 10)), np.log(np.arange(1, 11.0))], "relu", np.zeros((4, 28, 28)),
                       np.array([9, 9, 3, 3]))
    assert full.predicted.tolist() == [9, 9, 9, 9]
    assert full.per_class_accuracy[9] == 1.0 and full.per_class_accuracy[3] == 0.0
    assert np.isnan(full.per_class_accuracy[0])  # no test images of class 0


def test_history_records_epochs_and_writes_csv():
    history = nn.TrainingHistory()
    history.add_step(0.5, {"loss": 1.5, "accuracy": 0.5})
    history.add_epoch(1, {"loss": 1.0, "accuracy": 0.6, "val_loss": 1.1, "val_accuracy": 0.55})
    history.add_epoch(2, {"loss": 0.5, "accuracy": 0.8, "val_loss": 0.7, "val_accuracy": 0.75})
    assert history.completed_epochs == 2 and history.last("val_accuracy") == 0.75
    lines = history.to_csv().splitlines()
    assert lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy"
    assert lines[2] == "2,0.5,0.8,0.7,0.75"
    assert np.isnan(nn.TrainingHistory().last("loss"))


def test_a_diverged_network_is_described_by_what_its_weights_are():
    history = nn.TrainingHistory(stopped_by="nan", diverged_at=(3, 11), steps_per_epoch=110)
    assert history.diverged and history.diverged_epoch == pytest.approx(2.1)
    assert not nn.TrainingHistory(stopped_by="interrupted").diverged
    huge = [np.array([[1.0, -3.88e19]]), np.array([2.0])]
    assert nn.describe_diverged_weights(huge) == "the largest |w| is 3.9·10¹⁹"
    assert nn.describe_diverged_weights([np.full((2, 3), np.nan)]) == "all 6 weights are NaN (not a number)"
    mixed = [np.array([np.nan, np.inf, -np.inf, 5.0])]
    assert nn.describe_diverged_weights(mixed) == ("1 of the 4 weights are NaN; 2 of the 4 weights are infinite; "
                                                   "the largest finite |w| is 5")
    assert nn.power_of_ten(2.5e-7) == "2.5·10⁻⁷" and nn.power_of_ten(0.5) == "0.5"
    note = nn.diverged_network_note(huge, float("nan"))
    assert note.startswith("After the last step the largest |w| is 3.9·10¹⁹.") and "outputs are then NaN" in note
    assert "outputs are then NaN" not in nn.diverged_network_note(huge, 2.5)  # says only what Keras measured


def test_config_validation_and_continuing():
    with pytest.raises(ValueError):
        nn.MLPConfig((8,) * 5)
    with pytest.raises(ValueError):
        nn.MLPConfig((0,))
    with pytest.raises(ValueError):
        nn.MLPConfig(activation="step")  # no gradient: Keras has no such activation
    with pytest.raises(ValueError):
        nn.MLPConfig(learning_rate=0.0)
    config = nn.MLPConfig((64,), epochs=5)
    assert config.can_continue_as(nn.MLPConfig((64,), epochs=12))
    assert not config.can_continue_as(nn.MLPConfig((64,), learning_rate=0.01))
    assert not config.can_continue_as(nn.MLPConfig((64,), seed=1))
    assert config.describe() == "784→64→10 ReLU, SGD η=0.1 β=0.9, batch 32"
    assert nn.MLPConfig((), optimizer="adam", learning_rate=0.001).describe() == "784→10, Adam η=0.001, batch 32"


def test_the_page_state_knows_when_a_job_has_drawn_its_first_point():
    """The MNIST page polls its job often until the job's first curve point, then less often (app_pages/mnist.py)."""
    dataset = types.SimpleNamespace(key="digits")
    state = nn.MnistPageState()
    assert not state.job_has_a_point  # no run
    state.start(nn.MLPConfig(), dataset, new=True)
    assert not state.job_has_a_point
    history = nn.TrainingHistory()
    history.steps = {"epoch": [0.1], "loss": [2.0], "accuracy": [0.3]}
    state.follow({"history": history})
    assert state.job_has_a_point
    # Continue: the points of the training before are not this job's
    history.steps = {"epoch": [0.1, 1.0], "loss": [2.0, 0.5], "accuracy": [0.3, 0.9]}
    state.run.history, state.run.optimizer_state = history, [np.zeros(1)]
    state.start(nn.MLPConfig(), dataset, new=False)
    assert not state.job_has_a_point


def test_the_page_polls_a_queued_job_seldom_a_new_one_often_then_once_a_second():
    """The MNIST page's polling interval (each poll re-renders the student's page, ~0.1 s of CPU): none without a
    job, seldom while it waits for a worker, often until its first curve point, then once a second."""
    dataset = types.SimpleNamespace(key="digits")
    state = nn.MnistPageState()
    assert state.poll_seconds is None
    state.start(nn.MLPConfig(), dataset, new=True)
    state.job, state.job_queued = "job-1", True
    assert state.poll_seconds == nn.QUEUED_POLL_SECONDS > nn.POLL_SECONDS
    state.job_queued = False  # a worker took it
    assert state.poll_seconds == nn.FIRST_POINT_POLL_SECONDS < nn.POLL_SECONDS
    history = nn.TrainingHistory()
    history.steps = {"epoch": [0.05], "loss": [2.0], "accuracy": [0.3]}
    state.follow({"history": history})
    assert state.poll_seconds == nn.POLL_SECONDS
    state.finish({"history": history, "weights": None, "model_file": None, "tensorboard_logs": None})
    assert state.poll_seconds is None
    state.follow({"history": nn.TrainingHistory(steps={"epoch": [0.1, 1.0, 1.1], "loss": [2.0, 0.5, 0.4],
                                                       "accuracy": [0.3, 0.9, 0.9]})})
    assert state.job_has_a_point


def test_fit_code_continues_from_the_trained_epochs():
    config = nn.MLPConfig(epochs=5, batch_size=64)
    assert "batch_size=64, epochs=5," in nn.fit_code(config)
    assert "initial_epoch=5, epochs=10" in nn.fit_code(config, initial_epoch=5)


def test_the_full_script_runs_as_shown(tmp_path, monkeypatch):
    """What a student copies from the page runs on its own (offline digits, one epoch)."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(nn.full_code(nn.MLPConfig((32,), epochs=1), "digits_5k"), namespace)  # noqa: S102
    assert len(namespace["x_train"]) == 3500 and len(namespace["x_val"]) == 500 and len(namespace["x_test"]) == 1000
    assert namespace["test_accuracy"] > 0.7
    assert (tmp_path / "history.csv").read_text().startswith("epoch,")
    online = nn.full_code(nn.MLPConfig(), "fashion")
    assert "keras.datasets.fashion_mnist.load_data()" in online
    compile(online, "shown", "exec")


def test_model_code_writes_float_literals_keras_accepts():
    """Keras 3 rejects SGD(learning_rate=1, momentum=0): numbers go into the code as float literals."""
    code = nn.model_code(nn.MLPConfig(learning_rate=1, momentum=0))
    assert "SGD(learning_rate=1.0, momentum=0.0)" in code
    assert "Adam(learning_rate=3.0)" in nn.model_code(nn.MLPConfig(optimizer="adam", learning_rate=3))


def test_the_curves_name_this_runs_settings_beside_earlier_runs():
    """Lecture moment 19 (η = 10 after η = 0.1): the legend named the earlier run's settings but called the new one
    only 'this run'. Alone, it is 'this run'."""
    from nnviz.figures.mnist import training_curves_figure

    history = nn.TrainingHistory(steps={"epoch": [0.5, 1.0], "loss": [1.0, 0.5], "accuracy": [0.5, 0.8]},
                                 epochs={"epoch": [1], "val_loss": [0.6], "val_accuracy": [0.8]})
    fast = nn.MLPConfig(learning_rate=10.0)
    earlier = [nn.EarlierRun(1, nn.MLPConfig(), history)]
    fig = training_curves_figure(history, earlier, config=fast)
    # the settings in which they differ: the whole of both, each twice, took 4 lines of a projector (a review)
    assert {t.name for t in fig.data} == {"this run (η=10): training", "this run (η=10): validation",
                                          "run 1 (η=0.1): training", "run 1 (η=0.1): validation"}
    hovers = {t.hovertemplate.split("<extra>")[1] for t in fig.data}  # all of each run's settings
    assert hovers == {f"this run: {fast.describe()}</extra>", f"run 1: {nn.MLPConfig().describe()}</extra>"}
    alone = {t.name for t in training_curves_figure(history, config=fast).data}
    assert alone == {"this run: training", "this run: validation"}
    same = {t.name for t in training_curves_figure(history, earlier, config=nn.MLPConfig()).data}
    assert same == {"this run: training", "this run: validation", "run 1: training", "run 1: validation"}


def test_runs_are_told_apart_by_the_settings_they_do_not_share():
    def differing(*configs: nn.MLPConfig) -> list[str]:
        return nn.distinguishing_settings([config.settings() for config in configs])

    assert differing(nn.MLPConfig(), nn.MLPConfig(activation="tanh", batch_size=64)) == ["ReLU, batch 32",
                                                                                          "Tanh, batch 64"]
    assert differing(nn.MLPConfig((), momentum=0), nn.MLPConfig(optimizer="adam", learning_rate=0.001)) \
        == ["784→10, SGD η=0.1", "784→128→10 ReLU, Adam η=0.001"]
    assert differing(nn.MLPConfig(), nn.MLPConfig()) == ["", ""]


def test_an_activation_of_two_words_is_one_setting_named_as_the_selector_names_it():
    """The legend wrote Keras' 'relu' beside the selector's 'ReLU'; 'Leaky ReLU' beside 'ReLU' split into 'Leaky'
    and '' (the words were the settings)."""
    leaky, relu = nn.MLPConfig(activation="leaky_relu"), nn.MLPConfig()
    assert leaky.describe() == "784→128→10 Leaky ReLU, SGD η=0.1 β=0.9, batch 32"
    assert nn.distinguishing_settings([leaky.settings(), relu.settings()]) == ["Leaky ReLU", "ReLU"]
    assert relu.changes_to(leaky) == ["activation ReLU → Leaky ReLU"]


def test_each_runs_training_and_validation_share_its_colour_the_validation_dashed():
    """This run's validation was orange beside its blue training, and each earlier run green and green: a student
    paired this run's validation with the earlier run (a helper's review). One colour a run, validation dashed."""
    from nnviz.figures.mnist import training_curves_figure

    history = nn.TrainingHistory(steps={"epoch": [0.5, 1.0], "loss": [1.0, 0.5], "accuracy": [0.5, 0.8]},
                                 epochs={"epoch": [1], "val_loss": [0.6], "val_accuracy": [0.8]})
    traces = training_curves_figure(history, [nn.EarlierRun(1, nn.MLPConfig(), history),
                                              nn.EarlierRun(2, nn.MLPConfig(), history)], number=3).data
    colours: dict[str, set] = {}
    for t in traces:
        run, kind = t.name.rsplit(": ", 1)
        colours.setdefault(run, set()).add(t.line.color)
        assert (t.line.dash == "dash") == (kind == "validation"), t.name
    assert all(len(c) == 1 for c in colours.values()) and len({c.pop() for c in colours.values()}) == 3, colours


def test_a_run_keeps_its_colour_when_it_becomes_an_earlier_run():
    """Run 1 was blue while it trained and green beside run 2, which took the blue (a student's review)."""
    from nnviz.figures.mnist import training_curves_figure

    history = nn.TrainingHistory(steps={"epoch": [0.5, 1.0], "loss": [1.0, 0.5], "accuracy": [0.5, 0.8]},
                                 epochs={"epoch": [1], "val_loss": [0.6], "val_accuracy": [0.8]})

    def colours(fig) -> dict[str, str]:
        return {t.name.rsplit(": ", 1)[0].split(" (")[0]: t.line.color for t in fig.data}

    first = colours(training_curves_figure(history, number=1))["this run"]
    second = colours(training_curves_figure(history, [nn.EarlierRun(1, nn.MLPConfig(()), history)], config=nn.MLPConfig(),
                                           number=2))
    assert second["run 1"] == first and second["this run"] != first


def test_an_exploded_trainings_loss_axis_labels_every_decade_where_the_curves_lie():
    """η = 10 after η = 0.1: one loss of 15,400, the new run at 3.7-8.6, the earlier at 0.14-2.3, and the log axis
    labelled only 1, 10² and 10⁴ (a student's review): every decade the curves span is labelled."""
    from nnviz.figures.mnist import training_curves_figure

    rng = np.random.default_rng(0)
    exploded = nn.TrainingHistory(steps={"epoch": list(np.linspace(0.05, 1, 20)),
                                         "loss": [15400.0, *rng.uniform(3.7, 8.6, 19)], "accuracy": [0.1] * 20},
                                  epochs={"epoch": [1], "val_loss": [5.0], "val_accuracy": [0.1]})
    earlier = nn.TrainingHistory(steps={"epoch": list(np.linspace(0.05, 1, 20)), "loss": list(np.geomspace(2.3, 0.14, 20)),
                                        "accuracy": [0.9] * 20}, epochs={"epoch": [1], "val_loss": [0.3], "val_accuracy": [0.9]})
    axis = training_curves_figure(exploded, [nn.EarlierRun(1, nn.MLPConfig(), earlier)], number=2).layout.yaxis
    assert axis.type == "log" and {1.0, 10.0} <= set(axis.tickvals) and max(axis.tickvals) == 1e4
    assert len(axis.tickvals) <= 5  # still few: Lecture mode's short panel (six decades piled up, a review)


def test_the_accuracy_curves_hover_a_percent_and_the_confusion_matrix_counts_its_images():
    """Accuracy hovered 0.9687 beside an axis and metrics of 97 %; a cell of 1 said '1 images', an empty one 'click
    to see them' (a student's review)."""
    from nnviz.figures.mnist import confusion_figure, training_curves_figure

    history = nn.TrainingHistory(steps={"epoch": [0.5, 1.0], "loss": [1.0, 0.5], "accuracy": [0.5, 0.8]},
                                 epochs={"epoch": [1], "val_loss": [0.6], "val_accuracy": [0.8]})
    hovers = {t.hovertemplate for t in training_curves_figure(history).data if t.yaxis == "y2"}
    assert all("accuracy %{y:.2%}" in h for h in hovers) and len(hovers) == 2
    cell = confusion_figure(np.array([[5, 1], [0, 4]]), ["cat", "dog"]).data[0]
    assert list(cell.hovertext) == ["true cat, predicted cat: 5 images<br>click to see them",
                                    "true cat, predicted dog: 1 image<br>click to see them",
                                    "true dog, predicted cat: 0 images", "true dog, predicted dog: 4 images<br>click to see them"]


def test_the_network_diagram_names_the_activation_as_the_selector_does():
    """The diagram wrote Keras' 'leaky_relu' under the layers, the selector 'Leaky ReLU (α = 0.2)' (a review)."""
    from nnviz.figures.mnist import network_figure

    texts = [a["text"] for a in network_figure(nn.MLPConfig(activation="leaky_relu"), [str(k) for k in range(10)])
             .to_dict()["layout"]["annotations"]]
    assert any(t.endswith("<br>Leaky ReLU") or "<br>Leaky ReLU<br>" in t for t in texts), texts
    assert not any("leaky_relu" in t for t in texts)


def test_a_hidden_layer_whose_units_all_output_zero_is_said_so_in_its_panel_and_under_it():
    """After η = 10 every ReLU of hidden 1 gave 0: its panel was empty, its axis −1 to 1, and nothing said why (a
    helper's review). The panel says 'all 128 units: 0' on an axis from 0; the caption says which layer and, for
    ReLU, why; a layer with a unit above 0 is left as it was."""
    from nnviz.figures.mnist import activations_figure

    names = ["hidden 1: 8 units", "hidden 2: 4 units"]
    hidden = [np.zeros(8), np.array([0.0, 0.3, 0.0, 0.0])]
    layout = activations_figure([np.zeros(784), *hidden, np.full(10, 0.1)], np.zeros((28, 28)),
                                [str(k) for k in range(10)], names).to_dict()["layout"]
    assert [a["text"] for a in layout["annotations"]][-1] == "all 8 units: 0"
    assert list(layout["yaxis2"]["range"]) == [0, 1] and "range" not in layout["yaxis3"]
    assert "all 8 units: 0" in [a["text"] for a in layout["meta"]["narrow"]["layout"]["annotations"]]  # on a phone
    note = nn.silent_layers_note(names, hidden, "relu")
    assert note.startswith("In hidden 1 every unit outputs 0 for this image. With ReLU") and "hidden 2" not in note
    assert nn.silent_layers_note(names, hidden, "tanh") == "In hidden 1 every unit outputs 0 for this image."
    assert nn.silent_layers_note(names, [np.ones(8), hidden[1]], "relu") == ""


def test_the_curves_of_a_queued_run_span_its_epochs_and_a_loss_from_zero():
    """While a training waits for a worker its figure had plotly's axes for no data: loss −1 … 4, epochs 0 … 6."""
    from nnviz.figures.mnist import training_curves_figure

    fig = training_curves_figure(nn.TrainingHistory(), [], total_epochs=2)
    assert list(fig.layout.yaxis.range) == [0, 2.5] and list(fig.layout.xaxis.range) == [0, 2.05]
    trained = nn.TrainingHistory(steps={"epoch": [0.5], "loss": [9.0], "accuracy": [0.5]})
    assert training_curves_figure(trained, [], total_epochs=2).layout.yaxis.range is None  # data: plotly's own


def test_the_curves_axis_reaches_the_epoch_planned_or_the_longest_run_drawn():
    """After a Stop the axis keeps the epochs planned (it jumped to the epochs done, the curves stretched across it);
    an earlier run of more epochs is not cut off by this run's shorter plan."""
    from nnviz.figures.mnist import training_curves_figure

    def run(epochs: int) -> nn.TrainingHistory:
        done = list(range(1, epochs + 1))
        return nn.TrainingHistory(steps={"epoch": done, "loss": [1.0] * epochs, "accuracy": [0.5] * epochs},
                                  epochs={"epoch": done, "val_loss": [1.0] * epochs, "val_accuracy": [0.5] * epochs})

    stopped = training_curves_figure(run(3), [], total_epochs=10).layout
    assert list(stopped.xaxis.range) == list(stopped.xaxis2.range) == [0, 10.05]
    longer_before = training_curves_figure(run(3), [nn.EarlierRun(1, nn.MLPConfig(), run(30))], total_epochs=5).layout
    assert list(longer_before.xaxis.range) == [0, 30.05]


def test_a_digits_probabilities_stand_over_an_axis_of_classes():
    """Under the bars of a drawn digit's probabilities the axis read 'softmax output' (a helper's review): it is
    the classes, the digits 0-9."""
    from nnviz.figures.mnist import probability_bars

    fig = probability_bars(np.full(10, 0.1), [str(k) for k in range(10)])
    assert fig.layout.xaxis.title.text == "class (the digit)" and fig.layout.yaxis.title.text == "probability"


def _stacked(narrow: dict, n: int) -> bool:
    """Whether a narrow layout puts panels 0..n-1 one under the other, each the full width."""
    domains = [narrow["yaxis" + ("" if p == 0 else str(p + 1))]["domain"] for p in range(n)]
    return (all(narrow["xaxis" + ("" if p == 0 else str(p + 1))]["domain"] == [0, 1] for p in range(n))
            and all(lower[1] <= upper[0] for upper, lower in itertools.pairwise(domains)))


def test_on_a_phone_the_mnist_figures_stand_their_panels_one_under_the_other():
    """MNIST on a phone (a helper's review): the accuracy panel's axis lay on the loss curves; 'Look inside' read
    'input imagehidden 1: 128 unitsoutput: softmax'; six images in a row were 25 px wide with their captions run
    together. On a phone the curves and the layers stand one under the other, the images three to a row; wider
    places are as before (the gallery compared as JSON before and after)."""
    from nnviz.figures.mnist import activations_figure, images_with_probabilities, training_curves_figure

    history = nn.TrainingHistory(stopped_by="nan", diverged_at=(1, 3), steps_per_epoch=10)
    history.epochs = {"epoch": [1], **{k: [0.5] for k in nn.EPOCH_METRICS}}
    history.steps = {"epoch": [0.5, 1.0], "loss": [1.0, 0.5], "accuracy": [0.6, 0.8]}
    curves = training_curves_figure(history)
    narrow = curves.layout.meta["narrow"]["layout"]
    assert _stacked(narrow, 2) and narrow["legend"]["yref"] == "container"
    assert [a["text"] for a in narrow["annotations"]].count("diverged") == 2  # the mark goes with its panels

    names = [str(k) for k in range(10)]
    inside = activations_figure([np.zeros(784), np.ones(128), np.full(10, 0.1)], np.zeros((28, 28)), names,
                                ["hidden 1: 128 units"])
    assert _stacked(inside.layout.meta["narrow"]["layout"], 3)

    rng = np.random.default_rng(0)
    gallery = images_with_probabilities(rng.integers(0, 255, (6, 28, 28)), rng.dirichlet(np.ones(10), 6),
                                        np.arange(6), names)
    narrow = gallery.layout.meta["narrow"]["layout"]
    lefts = sorted({round(narrow["xaxis" + ("" if i == 0 else str(i + 1))]["domain"][0], 6) for i in range(6)})
    assert len(lefts) == 3 and narrow["height"] > gallery.layout.height  # three columns, two rows
    tops = sorted({a["y"] for a in narrow["annotations"]})
    assert len(tops) == 2 and gallery.layout.xaxis.domain[1] < 0.2  # wider places: six in a row


def test_on_a_phone_the_curves_panels_are_a_blank_line_apart_and_the_class_accuracies_level_and_readable():
    """A review at 390x844: the loss panel's x title 'epoch' stood right over the title 'accuracy' of the panel under
    it, read as one label 'epoch accuracy'; the bars' labels were turned on their side at 9 px ('100%')."""
    from nnviz.figures.mnist import PHONE_BAR_FONT, per_class_accuracy_figure, training_curves_figure

    narrow = training_curves_figure(nn.TrainingHistory(), total_epochs=2).layout.meta["narrow"]["layout"]
    plot_px = narrow["height"] - narrow["margin"]["t"] - narrow["margin"]["b"]
    loss_bottom, accuracy_top = narrow["yaxis"]["domain"][0], narrow["yaxis2"]["domain"][1]
    # the loss panel's x axis (ticks and title: 64 px), then 50 px for the title above the accuracy panel
    assert (loss_bottom - accuracy_top) * plot_px >= 64 + 50 - 1

    accuracies = np.array([1.0, 0.99, 0.87])
    wide = per_class_accuracy_figure(accuracies, ["0", "1", "2"], 0.95)
    phone = per_class_accuracy_figure(accuracies, ["0", "1", "2"], 0.95, narrow=True)
    assert list(wide.data[0].text) == ["100%", "99%", "87%"] and list(phone.data[0].text) == ["100", "99", "87"]
    assert phone.data[0].textangle == wide.data[0].textangle == 0
    assert phone.layout.uniformtext.minsize == phone.data[0].textfont.size == PHONE_BAR_FONT >= 12
    assert wide.layout.uniformtext.minsize is None


def test_a_wrong_prediction_is_never_said_to_be_100_percent_sure():
    """'true 6, said 0 (100%)' under a confidently wrong test image: 0.9996 rounded (a helper's review)."""
    from nnviz.figures.mnist import images_with_probabilities

    probs = np.full((1, 10), 0.0004 / 9)
    probs[0, 0] = 0.9996
    fig = images_with_probabilities(np.zeros((1, 28, 28)), probs, np.array([6]), [str(k) for k in range(10)])
    assert fig.layout.annotations[0].text == "true 6<br>said 0 (>99%)"


def test_on_a_phone_the_data_gallery_is_as_tall_as_its_digits_need():
    """The gallery's 520 px on a phone held a mosaic ~290 px tall (square pixels in a 230 px wide plot) between
    white bands, its 110 px left margin kept for names a digit does not need. Narrow: the margin made by the names
    (the axis grows it), the figure as tall as the mosaic is drawn; longer names (Fashion-MNIST's) leave it less."""
    from nnviz.figures.mnist import gallery_figure

    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 255, (200, 28, 28), dtype=np.uint8), np.repeat(np.arange(10), 20)
    digits = gallery_figure(images, labels, [str(k) for k in range(10)]).to_dict()["layout"]
    fashion = gallery_figure(images, labels, ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                              "Shirt", "Sneaker", "Bag", "Ankle boot"]).to_dict()["layout"]
    assert digits["height"] == fashion["height"] == 520 and "narrow" in digits["meta"]
    phone_digits, phone_fashion = digits["meta"]["narrow"]["layout"], fashion["meta"]["narrow"]["layout"]
    assert phone_digits["margin"]["l"] == phone_fashion["margin"]["l"] == 10
    assert 380 <= phone_digits["height"] < 520  # 10 rows of 8 at ~37 px: the digits as large as the width allows
    assert phone_fashion["height"] < phone_digits["height"] - 60


@pytest.mark.parametrize("units, titles", [(16, None), (10, [str(k) for k in range(10)])])
def test_on_a_phone_the_first_layers_weights_are_four_tiles_to_a_row_as_wide_as_the_column(units, titles):
    """Eight to a row, a phone drew each unit's 28 × 28 weights 28 px wide, the colour bar beside them taking a fifth
    of the width. Narrow: four to a row, the colour bar under them, the figure as tall as square pixels need."""
    from conftest import values

    from nnviz.figures.mnist import PHONE_WEIGHT_COLUMNS, first_layer_weights_figure
    from nnviz.figures.style import PHONE_FIGURE_WIDTH

    W = np.random.default_rng(0).normal(size=(784, 32))
    wide = first_layer_weights_figure(W, units, cols=8, titles=titles).to_dict()
    narrow = first_layer_weights_figure(W, units, cols=8, titles=titles, narrow=True).to_dict()
    gap = 8 if titles else 2
    assert values(wide["data"][0]["z"]).shape[1] == 8 * (28 + gap) - gap
    z_rows, z_cols = values(narrow["data"][0]["z"]).shape
    assert z_cols == PHONE_WEIGHT_COLUMNS * (28 + gap) - gap
    assert z_rows == -(-units // PHONE_WEIGHT_COLUMNS) * (28 + gap) - gap
    assert narrow["data"][0]["colorbar"]["orientation"] == "h" and "orientation" not in wide["data"][0]["colorbar"]
    layout = narrow["layout"]
    margin = layout["margin"]
    px_per_weight = (PHONE_FIGURE_WIDTH - margin["l"] - margin["r"]) / z_cols
    assert px_per_weight * 28 >= 60  # a tile: 28 px wide before
    plot_height = layout["height"] - margin["t"] - margin["b"] - (30 if titles else 0)
    assert plot_height == pytest.approx(px_per_weight * z_rows, abs=1)  # square pixels fill the plot's height
    # the tiles' titles (the classes) are over their own tiles in the new grid
    if titles:
        assert [(a["x"], a["y"]) for a in layout["annotations"][:5]] == [
            (13.5, -0.5), (49.5, -0.5), (85.5, -0.5), (121.5, -0.5), (13.5, 35.5)]


def test_the_lines_between_the_weights_tiles_have_no_hover_label():
    """The white lines between the tiles are NaN: the mouse on one showed 'weight NaN' (seen in Lecture mode)."""
    from conftest import values

    from nnviz.figures.mnist import first_layer_weights_figure

    trace = first_layer_weights_figure(np.ones((784, 4)), 4, cols=2).to_dict()["data"][0]
    z = values(trace["z"])
    assert np.isnan(z[28]).all() and np.isfinite(z[:28, :28]).all()  # the line under the first row of tiles
    assert trace["hoverongaps"] is False


@pytest.mark.parametrize("names", [[str(k) for k in range(10)], ["T-shirt/top", "Trouser", "Pullover"]])
def test_on_a_phone_the_confusion_squares_are_no_wider_than_their_columns(names):
    """The squares are markers of a size in px: at 34 px on a phone's 238 px of plot each overlapped the next column,
    so that a count read as its neighbour's (a helper's review). Narrow, they fit their column, with a gap."""
    from nnviz.figures.mnist import CONFUSION_CELL, confusion_figure
    from nnviz.figures.style import PHONE_FIGURE_WIDTH

    n = len(names)
    confusion = np.eye(n, dtype=int) * 90 + 1
    wide = confusion_figure(confusion, names).to_dict()
    assert wide["data"][0]["marker"]["size"] == CONFUSION_CELL and wide["layout"]["height"] == 480
    narrow = confusion_figure(confusion, names, narrow=True).to_dict()
    margin = narrow["layout"]["margin"]
    column = (PHONE_FIGURE_WIDTH - margin["l"] - margin["r"]) / n
    assert narrow["data"][0]["marker"]["size"] <= column - 2
    row = (narrow["layout"]["height"] - margin["t"] - margin["b"]) / n  # rows about as tall as the columns are wide
    assert narrow["data"][0]["marker"]["size"] <= row <= 1.5 * column


@pytest.mark.parametrize("hidden", [(), (128,), (128, 64), (512, 256, 128), (128, 64, 32, 32)])
def test_the_network_diagrams_layer_names_fit_their_columns_on_a_phone(hidden):
    """With four hidden layers a phone's column ran the names under the layers together: '784 pixels128 units',
    '10 drawn10 drawn10 drawn' (a helper's review). Where a name's lines are wider than a layer's column, a phone
    draws short names (the layer and its units) and says once, under them, what they stand for."""
    from nnviz.figures.mnist import MAX_DRAWN_UNITS, network_figure
    from nnviz.figures.style import FONT_SIZE, PHONE_FIGURE_WIDTH, label_width

    config = nn.MLPConfig(hidden_units=hidden)
    layout = network_figure(config, [str(k) for k in range(10)]).to_dict()["layout"]
    sizes = [784, *hidden, 10]
    pitch = (PHONE_FIGURE_WIDTH - 40) / len(sizes)  # px per layer in a phone's column
    narrow = layout.get("meta", {}).get("narrow", {}).get("layout", {})
    shown = narrow.get("annotations", layout["annotations"])
    under_layers = [a for a in shown if a["y"] == -1.12]
    assert [a["x"] for a in under_layers] == list(range(len(sizes)))
    widths = []
    for a, units in zip(under_layers, sizes):
        lines = a["text"].split("<br>")
        assert str(units) in " ".join(lines)  # each layer's units are still written under it
        widths.append(max(label_width(line, a["font"]["size"]) for line in lines))
    # neighbours clear of each other, the outer two inside the figure (0.4 layer and 20 px of margin beyond them)
    assert all((left + right) / 2 <= pitch for left, right in itertools.pairwise(widths)), (widths, pitch)
    assert max(widths[0], widths[-1]) / 2 <= 0.4 * pitch + 20
    notes = [a for a in shown if a["y"] != -1.12]
    assert len(notes) == (1 if narrow else 0)
    if narrow:  # the note says what the short names stand for, in lines a phone's column holds
        assert f"at most {MAX_DRAWN_UNITS}" in notes[0]["text"] and "(ReLU)" in notes[0]["text"]
        assert max(label_width(line, FONT_SIZE - 2) for line in notes[0]["text"].split("<br>")) <= PHONE_FIGURE_WIDTH - 40
    # outside a phone the names are the full ones
    assert [a["text"].split("<br>")[0] for a in layout["annotations"]] == \
        ["input", *(f"hidden {i}" for i in range(1, len(hidden) + 1)), "output"]


def test_a_config_names_the_settings_another_changes_but_the_epochs():
    """What the MNIST page names when Continue is off ('You changed η 0.1 → 10'): under lecture moment 19 the η it
    sets is a screen above the Train button."""
    from nnviz.mlp import MLPConfig

    trained = MLPConfig()
    assert trained.changes_to(MLPConfig(epochs=30)) == [] and trained.can_continue_as(MLPConfig(epochs=30))
    assert trained.changes_to(MLPConfig(learning_rate=10.0)) == ["η 0.1 → 10"]
    assert trained.changes_to(MLPConfig(hidden_units=(), optimizer="adam", learning_rate=0.001, seed=3)) == [
        "hidden layers 128 → none", "optimizer SGD → Adam", "η 0.1 → 0.001", "seed 0 → 3"]
    assert MLPConfig(hidden_units=(64, 32)).changes_to(MLPConfig(activation="tanh", batch_size=64)) == [
        "hidden layers 64,32 → 128", "activation ReLU → Tanh", "batch size 32 → 64"]
