"""MNIST MLP: build, train live, evaluate, look inside and try your own digit with a real tf.keras network.

The network trains in a Keras worker (``nnviz.training_service``), never in this server: the page submits
``mlp_training.training_job`` and draws its progress from a fragment that polls the job, so the student can
scroll, move other widgets or visit another page while it trains. The page's state is one
``nnviz.mlp.MnistPageState`` in the session.
"""

import numpy as np
import streamlit as st

from nnviz import activations as act
from nnviz import digit_image, mnist_data, notebooks, ui
from nnviz import mlp as nn
from nnviz import training_service as ts
from nnviz.figures import mnist as figs
from nnviz.formatting import count, listed, percent

STATE_KEY = "mn_state"
TRAINING_JOB = "nnviz.mlp_training:training_job"  # by name: importing mlp_training would import TensorFlow here
UNIT_CHOICES = (8, 16, 32, 64, 128, 256, 512)
DEFAULT_UNITS = (128, 64, 32, 32)  # per hidden layer
RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 8, 16, 32, 64, 128, 256, 1024)
CELL_IMAGES = 6  # images shown side by side with their softmax bars
TENSORBOARD_ZIP = "mnist_tensorboard_logs.zip"


def builder_values(config: nn.MLPConfig) -> dict[str, object]:
    """The builder widgets' values (by key) that make ``config`` (its seed aside): a 'Try this' preset."""
    values = {"mn_hidden": len(config.hidden_units), "mn_activation": config.activation,
              "mn_optimizer": config.optimizer, f"mn_lr_{config.optimizer}": config.learning_rate,
              "mn_batch": config.batch_size, "mn_epochs": config.epochs}
    values.update({f"mn_units_{i}": units for i, units in enumerate(config.hidden_units)})
    if config.optimizer == "sgd":
        values["mn_momentum"] = config.momentum
    return values


def page_state() -> nn.MnistPageState:
    return st.session_state.setdefault(STATE_KEY, nn.MnistPageState())


@st.cache_resource(max_entries=4, show_spinner="Loading the images …")
def load_images(key: str, seed: int) -> mnist_data.ImageDataset:
    """Shared by all sessions (read-only arrays). A failed download raises, so it is not cached."""
    dataset, notice = mnist_data.load_dataset(key, seed)
    if notice:
        raise mnist_data.DownloadFailed(notice)
    return dataset


def current_dataset(state: nn.MnistPageState, key: str, seed: int) -> tuple[mnist_data.ImageDataset, str | None]:
    """The chosen images, or the offline digits with a notice when a download failed (remembered in the
    session, so that a dead network is not tried again on every rerun)."""
    if key in state.download_failures:
        return load_images("digits_5k", seed), state.download_failures[key]
    try:
        return load_images(key, seed), None
    except mnist_data.DownloadFailed as failure:
        state.download_failures[key] = str(failure)
        return load_images("digits_5k", seed), str(failure)


# Every setting widget is in the page's link and keeps its value for the session (ui.URL): a student who leaves
# the page while a network trains comes back to the same settings.


def data_section(state: nn.MnistPageState) -> tuple[mnist_data.ImageDataset, int]:
    controls, gallery = ui.section("1 · The data")
    with controls:
        dataset_key = st.selectbox("images", list(mnist_data.DATASET_CHOICES), key="mn_dataset",
                                   format_func=mnist_data.DATASET_CHOICES.get, **ui.URL)
        seed = int(st.number_input("seed (data split, initial weights, batch order)", 0, 9999, 0, key="mn_seed",
                                   **ui.URL))
    data, notice = current_dataset(state, dataset_key, seed)
    with controls:
        if notice:
            st.warning(notice)
            if st.button("Try the download again", key="mn_retry"):
                state.download_failures.pop(dataset_key, None)
                st.rerun()
        st.markdown(f"**In use:** {data.title}")
        ui.table({"set": ["training", "validation", "test"],
                  "images": [f"{len(data.y_train):,}", f"{len(data.y_val):,}", f"{len(data.y_test):,}"],
                  "used for": ["learning the weights", "watching for overfitting during training",
                               "the final score, once"]})
    with gallery:
        ui.show_figure(figs.gallery_figure(data.x_train, data.y_train, data.class_names), key="mn_gallery")
    st.markdown(
        "Each image is 28 × 28 pixels with values 0 (background) to 255 (full ink). The network sees them as "
        "784 numbers, **scaled to 0–1** by dividing by 255: inputs of that size keep the first layer's weighted "
        "sums $w \\cdot x + b$ in a range where activations and gradients behave, so one learning rate suits all "
        "weights."
    )
    st.latex(r"x = \frac{\text{pixel}}{255} \in [0, 1]^{784}")
    return data, seed


def build_section(data: mnist_data.ImageDataset, seed: int) -> nn.MLPConfig:
    controls, diagram = ui.section("2 · Build the network")
    with controls:
        n_hidden = st.slider("hidden layers", 0, nn.MAX_HIDDEN_LAYERS, 1, key="mn_hidden", **ui.URL)
        units = tuple(ui.number_choice(f"units in hidden layer {i + 1}", UNIT_CHOICES, DEFAULT_UNITS[i],
                                       key=f"mn_units_{i}") for i in range(n_hidden))
        activation = st.selectbox("hidden activation", list(nn.HIDDEN_ACTIVATIONS), key="mn_activation",
                                  format_func=lambda k: act.get(k).label,
                                  disabled=n_hidden == 0, **ui.URL)
        optimizer = st.radio("optimizer", list(nn.OPTIMIZERS), format_func=nn.OPTIMIZERS.get, horizontal=True,
                             key="mn_optimizer", **ui.URL)
        if optimizer == "sgd":
            learning_rate = ui.number_choice("learning rate η", RATES, 0.1, key="mn_lr_sgd")
            momentum = st.slider("momentum β", 0.0, 0.99, 0.9, step=0.01, key="mn_momentum", **ui.URL)
        else:
            learning_rate = ui.number_choice("learning rate η", RATES, 0.001, key="mn_lr_adam",
                                             help="Adam adapts each weight's step; 0.001 is its usual default.")
            momentum = 0.0
        batch_size = ui.number_choice("batch size", BATCH_SIZES, 32, key="mn_batch")
        epochs = st.slider("epochs per training", 1, 30, 5, key="mn_epochs", **ui.URL)
    config = nn.MLPConfig(units, activation, optimizer, float(learning_rate), float(momentum), int(batch_size),
                          int(epochs), seed)
    with diagram:
        ui.show_figure(figs.network_figure(config, data.class_names), key="mn_network")
        rows = nn.layer_table(config)
        ui.table({"layer": [r.name for r in rows], "output shape": [r.output_shape for r in rows],
                  "parameters": [f"{r.params:,}" for r in rows], "from": [r.formula for r in rows]})
        st.metric("trainable parameters (as model.summary() reports them)", f"{nn.parameter_count(config):,}")
    with st.expander("The Keras code the app runs for these settings (copy it to run it yourself)"):
        st.code(nn.full_code(config, data.key), language="python")
    return config


# --- 3. Train: the job runs in a Keras worker; a fragment follows it ------------------------------------------


def start_training(state: nn.MnistPageState, config: nn.MLPConfig, data, new: bool) -> None:
    """Train / Continue: submit the training job for this session (the current run stays as it is if the
    session still has a Keras job running elsewhere)."""
    service = ui.training_service()
    if service.pending(ui.session_id()) is not None:
        state.failure = ui.JOB_PENDING_NOTE
        return
    kwargs = state.start(config, data, new)
    try:
        state.job = service.submit(ui.session_id(), TRAINING_JOB, kwargs)
        # every worker busy: the page's first run already polls at the queue's pace
        state.job_queued = service.status(state.job).state == ts.QUEUED
    except ts.JobPending:  # one came in between: rare, and the next press works
        state.failure = ui.JOB_PENDING_NOTE


def stop_training(state: nn.MnistPageState) -> None:
    if state.job:
        ui.training_service().stop(state.job)


def follow_job(state: nn.MnistPageState):
    """Take the job's news into the page state; when it has ended, evaluate and redraw the whole page.
    Returns its last progress report (None before the first)."""
    service = ui.training_service()
    view = service.status(state.job)
    state.job_queued = view.state == ts.QUEUED
    if view.progress:
        state.follow(view.progress)
    if view.finished:
        service.forget(state.job)
        if view.state == ts.DONE:
            state.finish(view.result)
            if state.run.evaluation is not None:  # open the confusion-matrix view on the commonest mistake
                st.session_state["mn_cell_true"], st.session_state["mn_cell_pred"] = \
                    state.run.evaluation.most_confused()
        else:
            state.fail(view.error or "it was cancelled.")
        st.rerun(scope="app")  # the evaluation, the buttons and the rest of the page for the trained network
    if view.state == ts.QUEUED and view.position:
        st.info(ui.queue_note(view))
    progress = (view.progress or {}).get("progress")
    if progress is None:
        # queued: the note above says for how long; "Starting …" read as if a worker were at it
        st.progress(0.0, text="Waiting for a Keras worker …" if state.job_queued else
                    "Starting … (a Keras worker builds the network)")
    else:
        # The first batches include TensorFlow's set-up, so early estimates of the time left are wild.
        left = f"about {progress.remaining:.0f} s left" if progress.elapsed >= 1 and progress.fraction >= 0.05 \
            else "estimating the time left …"
        st.progress(progress.fraction, text=f"Epoch {progress.epoch}/{progress.last_epoch} · step "
                                            f"{progress.step}/{progress.steps} · {progress.elapsed:.0f} s elapsed · "
                                            f"{left}")
    return progress


def before_training_note(config: nn.MLPConfig) -> str:
    """What Train will do, under its button: the settings changed from the defaults by name, since under lecture
    moment 19 the η = 10 was a screen above Train, and the defaults' 90 % read as this network's (reviews)."""
    changed = nn.MLPConfig().changes_to(config)
    if not changed:
        return ("Press **Train a new network**. With the default settings it takes a few seconds and reaches about "
                "90 % on the test digits.")
    return (f"Press **Train a new network** to train with {listed(changed, separator=', ')} (changed from the "
            "default settings, which reach about 90 % on the test digits in a few seconds): it may do better, or "
            "much worse.")


def training_progress(state: nn.MnistPageState, polling: float | None, config: nn.MLPConfig) -> None:
    """The progress, the curves and the numbers of the current run (redrawn every ``polling`` seconds while a job
    is queued or running: the only part of the page that changes then); before the first run, what Train will do
    with ``config``, the builder's settings."""
    curves, status = st.container(), st.container()
    with status:  # under the curves: above them, the progress and its note pushed them off a projector's screen
        progress = follow_job(state) if state.job else None
        if state.job:
            st.caption("It trains in a Keras worker, not in this page: scroll, read or visit another page meanwhile; "
                       "it goes on.")
    run = state.run
    if run is None:
        st.info(before_training_note(config))
        return
    compare = st.session_state.get("mn_compare", True)
    # the epochs this run will have: from its progress, or while queued from its settings (the axes were 0 … 6);
    # after a Stop still those (the axis jumped to the epochs done, the curves stretched across it)
    total = progress.last_epoch if progress else (state.planned_epochs or None)
    with curves:
        ui.show_figure(curves_figure(state, compare, total), key="mn_curves")
    if state.earlier:
        earlier = "the earlier run" if len(state.earlier) == 1 else f"the last {len(state.earlier)} earlier runs"
        st.checkbox(f"Show {earlier} for comparison", True, key="mn_compare", persist_state="session")
    training_messages(state)
    training_metrics(run.history)
    if polling is not None and state.poll_seconds not in (polling, None):
        # the job left the queue or drew its first point: the page runs again to set the fragment's new interval
        # (only a page run can)
        st.rerun(scope="app")


def curves_figure(state: nn.MnistPageState, compare: bool, total_epochs: int | None):
    """The current run's training curves (with the earlier runs'), built again only when what they show has
    changed: the fragment draws them at every poll, and most polls bring no new point."""
    run, earlier = state.run, state.earlier if compare else []
    h = run.history
    shows = (run.number, len(h.steps["epoch"]), h.completed_epochs, h.diverged_at, len(earlier), total_epochs)
    if state.curves is None or state.curves[0] != shows:
        state.curves = (shows, figs.training_curves_figure(h, earlier, total_epochs, run.config, run.number))
    return state.curves[1]


def training_messages(state: nn.MnistPageState) -> None:
    h = state.run.history
    if h.diverged:
        where = f" in epoch {h.diverged_at[0]}, batch {h.diverged_at[1]}" if h.diverged_at else ""
        st.error(f"**Training diverged**{where}: the loss became infinite or NaN (not a number), so "
                 "`TerminateOnNaN` stopped it. The steps were so large that the weights grew until the float32 "
                 "numbers Keras computes with overflowed. That epoch did not finish, so it is not counted as "
                 "trained. Lower the learning rate (or the momentum) and train a new network.")
    elif h.stopped_by == "failed":
        reason = (state.failure or "").splitlines()[0] if state.failure else "the Keras worker stopped."
        kept = (f"The network keeps its last completed epoch ({h.completed_epochs}): press Continue to train on "
                "from there, or train a new network." if state.run.can_continue else
                "No epoch had finished, so there is nothing to keep: press Train a new network to try again.")
        st.error(f"**The training did not finish:** {reason} {kept}")
    elif h.stopped_by == "interrupted" and h.stopped_at:
        epoch, batch = h.stopped_at
        back = (f"where it was after epoch {epoch - 1}, its last full epoch" if epoch > 1 else
                "its starting weights, as no epoch had finished")
        st.warning(f"Training was stopped in epoch {epoch}, after {batch:,} of {h.steps_per_epoch:,} batches. "
                   f"The network goes back to {back}: its numbers and Continue start from there (Continue trains "
                   f"epoch {epoch} again from its start).")
    elif h.stopped_by == "interrupted":
        st.warning(f"Training was stopped after {h.completed_epochs} full epoch(s) by Stop. The network keeps "
                   "everything it learned; press Continue to train on.")


def training_metrics(h: nn.TrainingHistory) -> None:
    trained_epochs = h.completed_epochs
    validated = trained_epochs and not h.diverged  # a diverged network's outputs are NaN: nothing to validate
    cols = st.columns(4)
    cols[0].metric("epochs trained", trained_epochs, help="Epochs that ran to their last batch.")
    # Under each number (as a grey delta, readable in Lecture mode) what it is: a mean over the epoch's batches,
    # or a measurement after it.
    during = {"delta": f"mean over epoch {trained_epochs}", "delta_color": "off", "delta_arrow": "off"} \
        if trained_epochs else {}
    after = {"delta": f"after epoch {trained_epochs}", "delta_color": "off", "delta_arrow": "off"} if validated else {}
    cols[1].metric("training accuracy", f"{h.last('accuracy'):.1%}" if trained_epochs else "—", **during,
                   help="As Keras reports it: the average over that epoch's batches, while the weights were "
                        "still changing. So it lags behind the curve's last points while the network improves, "
                        "and after one epoch it can be below the validation accuracy.")
    cols[2].metric("validation accuracy", f"{h.last('val_accuracy'):.1%}" if validated else "—", **after)
    cols[3].metric("validation loss", f"{h.last('val_loss'):.3f}" if validated else "—", **after)
    if h.diverged:
        st.caption("Validation: — (undefined). With the diverged weights the network's outputs are NaN, so there "
                   "is nothing to measure; the curves show the training up to the divergence (dotted line).")
    st.markdown(
        "Each point of the solid line is the training loss or accuracy averaged over a window of batches, "
        f"1/{nn.WINDOWS_PER_EPOCH} of an epoch (one batch when an epoch has fewer), drawn once the window is done; "
        "the dashed line with dots is the validation set, measured after each epoch. "
        "Training accuracy well above validation accuracy means the network starts to memorise (**overfitting**)."
    )


def training_section(state: nn.MnistPageState, config: nn.MLPConfig, data) -> None:
    st.header("3 · Train it")
    run = state.run
    busy = state.job is not None
    same_network = run is not None and run.config.can_continue_as(config) and run.dataset.key == data.key
    can_continue = same_network and run.can_continue and not busy
    buttons = st.container(horizontal=True)  # each button as wide as its label, also in lecture mode
    # Submitted from the press's callback, before the page runs again (with the settings of the run that drew
    # the buttons): the job starts a page run earlier, and that run already draws it (Train off, Stop on).
    buttons.button("Train a new network", type="primary", key="mn_train", disabled=busy,
                   on_click=start_training, args=(state, config, data, True))
    buttons.button(f"Continue training (+{config.epochs} epoch{'s' if config.epochs > 1 else ''})",
                   key="mn_continue", disabled=not can_continue, on_click=start_training,
                   args=(state, config, data, False))
    # beside Train, not on a row of its own above the curves (lecture moment 18: they started ~420 px down a 720 px
    # screen); outside the polling fragment, a press reruns the page, which Streamlit never drops; the page runs
    # again when the job starts and when it ends, so it is on exactly while one runs
    buttons.button("Stop", key="mn_stop", disabled=not busy, on_click=stop_training, args=(state,),
                   help="Stops after the current batch. The network keeps its last full epoch: an epoch cut "
                        "short is not kept.")
    if run is not None and run.history.diverged and not busy:
        st.caption("Continue is off: the training diverged, so the weights are NaN or enormous and every further "
                   "step would be NaN as well (TerminateOnNaN would stop it at the first batch). Train a new network "
                   "with a lower learning rate.")
    elif run is not None and not same_network and not busy:
        # which one: under lecture moment 19 the η = 10 it names is a screen above Train (a lecturer's review)
        changes = run.config.changes_to(config)
        if run.dataset.key != data.key:
            changes.insert(0, f"the data {run.dataset.title} → {data.title}")
        st.caption(f"You changed {listed(changes, separator=', ') if changes else 'a setting'} since the last "
                   "training: Continue goes on with the trained network exactly as it was built and compiled, so it "
                   "needs the same settings (only the epochs may differ). Press Train to build a new network with "
                   "these settings.")
    if busy and run is not None and not same_network:  # e.g. Reset this page, or a slider moved, while it trains
        st.caption(f"This training goes on with the settings it started with ({run.config.describe()}); the "
                   "settings shown now apply to the next training.")
    if state.failure and not (run is not None and run.history.stopped_by == "failed"):
        st.warning(state.failure)  # the press found a Keras job of this session still running
    polling = state.poll_seconds
    st.fragment(training_progress, run_every=polling)(state, polling, config)


# --- 4–7: the trained network -------------------------------------------------------------------------------


def choose_cell() -> None:
    """A click on a confusion-matrix cell selects its true and predicted class."""
    points = st.session_state["mn_confusion"].selection.points
    if points:
        st.session_state["mn_cell_true"] = int(points[0]["y"])
        st.session_state["mn_cell_pred"] = int(points[0]["x"])


# Sections 4-6 rerun on their own (ui.section_fragment): a chosen cell, a test image or a stroke on the canvas
# reruns and resends that section only, not the data, the training curves and the other sections.
@ui.section_fragment("mn_evaluation")
def evaluation_section(run: nn.TrainedRun, data, seed: int) -> None:
    """Section 4 for a trained network (the caller explains a diverged one)."""
    evaluation = run.evaluation
    if run.dataset.key != data.key or run.config.seed != seed:
        st.caption(f"The network was trained on {run.dataset.title} (seed {run.config.seed}) and is tested "
                   "on that data's test set.")
    test_images = run.dataset.x_test
    cols = st.columns(3)
    cols[0].metric("test accuracy", f"{evaluation.accuracy:.1%}")
    cols[1].metric("test loss (cross-entropy)", f"{evaluation.loss:.3f}" if np.isfinite(evaluation.loss) else "NaN")
    cols[2].metric("test images wrong", f"{int((evaluation.predicted != evaluation.labels).sum()):,} "
                                        f"of {len(evaluation.labels):,}")
    names = run.dataset.class_names
    matrix, chosen = st.columns([3, 2], vertical_alignment="center")
    with matrix:
        st.markdown("**Confusion matrix.** Click a cell to see its images.")
        ui.show_figure(figs.confusion_figure(evaluation.confusion, names, narrow=ui.small_screen()), key="mn_confusion",
                       on_select=choose_cell)
    with chosen:
        st.markdown("**Rows are the true class, columns the prediction.** The diagonal (blue) is right; every "
                    "other cell counts one kind of mistake. Choose a cell here or click it:")
        # a trained network's views keep their values for the session; a link cannot carry a trained network
        true_class = st.selectbox("true class", range(len(names)), 0, format_func=names.__getitem__,
                                  key="mn_cell_true", persist_state="session", **ui.reruns("mn_evaluation"))
        predicted_class = st.selectbox("predicted as", range(len(names)), 1, format_func=names.__getitem__,
                                       key="mn_cell_pred", persist_state="session", **ui.reruns("mn_evaluation"))
    cell = evaluation.cell(true_class, predicted_class)
    if len(cell) == 0:
        st.info(f"No test image of {names[true_class]} was predicted as {names[predicted_class]}.")
    else:
        st.markdown(f"**{len(cell)}** test image(s) of {names[true_class]} predicted as "
                    f"{names[predicted_class]}" + (f" (the first {CELL_IMAGES}):" if len(cell) > CELL_IMAGES else ":"))
        shown = cell[:CELL_IMAGES]
        ui.show_figure(figs.images_with_probabilities(test_images[shown], evaluation.probs[shown],
                                                      evaluation.labels[shown], names), key="mn_cell_images")
    st.subheader("The most confidently wrong")
    mistakes = evaluation.most_confident_mistakes(CELL_IMAGES)
    if len(mistakes):
        ui.show_figure(figs.images_with_probabilities(test_images[mistakes], evaluation.probs[mistakes],
                                                      evaluation.labels[mistakes], names), key="mn_mistakes")
        st.caption("Under each image: its softmax output. Grey bars are the other classes, the orange-red one "
                   "the wrong prediction. Some are hard even for people; some show what the network has not learned.")
    else:
        st.success("No test image is wrong.")
    st.subheader("Accuracy per class")
    ui.show_figure(figs.per_class_accuracy_figure(evaluation.per_class_accuracy, names, evaluation.accuracy,
                                                  narrow=ui.small_screen()), key="mn_per_class")



@ui.section_fragment("mn_inside")
def inside_section(run: nn.TrainedRun) -> None:
    names, test_images, evaluation = run.dataset.class_names, run.dataset.x_test, run.evaluation
    st.header("5 · Look inside")
    W1 = run.weights[0]
    if run.config.hidden_units:
        st.markdown(f"**What the first hidden layer looks for.** The 784 weights into each of the first 16 of its "
                    f"{W1.shape[1]} units, drawn as 28 × 28 images: blue pixels push the unit up, red ones down.")
    else:
        st.markdown("**With no hidden layer each output unit is one template:** its 784 weights drawn as an image. "
                    "Blue pixels are evidence for that class, red against.")
    templates = list(names) if not run.config.hidden_units else None
    ui.show_figure(figs.first_layer_weights_figure(W1, min(16, W1.shape[1]), cols=8 if W1.shape[1] > 10 else 5,
                                                   titles=templates, narrow=ui.small_screen()), key="mn_weights")
    pick, _ = st.columns([1, 2])
    index = int(pick.number_input(f"a test image (0–{len(test_images) - 1})", 0, len(test_images) - 1, 0,
                                  key="mn_inspect", persist_state="session", **ui.reruns("mn_inside")))
    outputs = nn.layer_outputs(run.weights, run.config.activation, test_images[index:index + 1])
    layer_names = [f"hidden {i + 1}: {u} units" for i, u in enumerate(run.config.hidden_units)]
    shown = [o[0] for o in outputs]  # the one image's row of each layer
    ui.show_figure(figs.activations_figure(shown, test_images[index], names, layer_names), key="mn_activations")
    silent = nn.silent_layers_note(layer_names, shown[1:-1], run.config.activation)
    probabilities = shown[-1]
    said = int(np.argmax(probabilities))
    verdict = "right" if said == evaluation.labels[index] else "wrong"
    # the prediction said here too: a student had to read it off the last panel's bars (a review)
    st.caption(f"True class: {names[evaluation.labels[index]]}; the network says {names[said]} "
               f"({percent(float(probabilities[said]))}, {verdict}). Each bar is one unit's output "
               f"a = f(w · a_prev + b); the last panel is the softmax output. {silent}".rstrip())



@ui.section_fragment("mn_own_digit")
def own_digit_section(state: nn.MnistPageState, run: nn.TrainedRun) -> None:
    names = run.dataset.class_names
    st.header("6 · Try your own digit")
    if run.dataset.key == "fashion":
        st.caption("This network was trained on clothes: draw or upload a piece of clothing, or switch to digits.")
    draw, upload = st.tabs(["Draw", "Upload an image"])
    grey, source = None, ""
    with draw:
        from streamlit_drawable_canvas import st_canvas

        drawing = state.drawing  # a new key gives an empty canvas
        canvas = st_canvas(stroke_width=22, stroke_color="#000000", background_color="#FFFFFF", height=280,
                           width=280, drawing_mode="freedraw", key=f"mn_canvas_{drawing}", return_image_data=True)
        st.button("Clear the drawing", key="mn_clear", on_click=ui.then_rerun(state.clear_drawing, "mn_own_digit"))
        st.caption("Draw one digit, large and in the middle, with the mouse or a finger.")
        if canvas is not None and canvas.image_data is not None:
            try:
                grey, source = digit_image.canvas_to_grey(canvas.image_data), "your drawing"
            except digit_image.ImageError as problem:
                st.warning(str(problem))
    with upload:
        uploaded = st.file_uploader("a photo or scan of one digit (PNG, JPEG, …; at most 5 MB)",
                                    type=["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"], key="mn_upload")
        if uploaded is not None:
            grey, source = None, "your upload"  # an upload takes precedence over the drawing
            try:
                grey = digit_image.decode_upload(uploaded.getvalue())
            except digit_image.ImageError as problem:
                st.error(str(problem))
    if grey is not None:
        try:
            steps = digit_image.to_mnist(grey)
        except digit_image.ImageError as problem:
            st.info(str(problem))
        else:
            st.markdown(f"**The preprocessing of {source}**, stage by stage (the network sees the last one):")
            ui.show_figure(figs.preprocessing_figure([
                (source, steps.grey, False),
                ("inverted: white ink on black" if steps.inverted else "white ink on black already", steps.ink, True),
                (f"cropped to the ink ({digit_image.written_size(steps.cropped)})", steps.cropped, True),
                ("fit into 20×20", steps.resized, True), ("centred in 28×28", steps.digit, True),
            ]), key="mn_preprocessing")
            probs = nn.predict_proba(run.weights, run.config.activation, steps.digit[None])[0]
            best = int(np.argmax(probs))
            st.metric(f"the network says ({source})", f"{names[best]} ({percent(probs[best])})")  # >99%, not 100%
            ui.show_figure(figs.probability_bars(probs, names, title="class" if run.dataset.key == "fashion"
                                                 else "class (the digit)"), key="mn_own_probs")
    st.markdown("The preprocessing is MNIST's own: dark ink on light paper is inverted to white on black, the ink "
                "is cropped, fitted into 20 × 20 pixels and placed so that its centre of mass is at the centre of "
                "the 28 × 28 field. A digit drawn very differently from the training digits can still fool it.")



def take_home_section(run: nn.TrainedRun) -> None:
    cols = ui.section("7 · Take it home", 3)
    cols[0].download_button("Download the model (.keras)", run.model_file or b"", file_name="mnist_mlp.keras",
                            mime="application/octet-stream", key="mn_download_model", icon=":material/download:",
                            disabled=run.model_file is None,
                            help=None if run.model_file is not None else
                            "The file is written when a training ends (by Stop too); Continue to get one.")
    cols[1].download_button("Download the training history (CSV)", run.history.to_csv(),
                            file_name="mnist_history.csv", mime="text/csv", key="mn_download_history",
                            icon=":material/download:")
    cols[2].download_button("Download the TensorBoard logs (.zip)", run.tensorboard_logs or b"",
                            file_name=TENSORBOARD_ZIP, mime="application/zip", key="mn_download_tensorboard",
                            icon=":material/download:",
                            disabled=run.tensorboard_logs is None,
                            help="Keras' TensorBoard callback wrote the loss and accuracy of every epoch (training "
                                 "and validation) of this network, Continue included.")
    st.code('import keras\nmodel = keras.models.load_model("mnist_mlp.keras")\nmodel.summary()', language="python")
    st.markdown("To look at the TensorBoard logs (`pip install tensorboard`), unpack them and start TensorBoard, "
                "then open `http://localhost:6006` in your browser:")
    st.code(f"python -m zipfile -e {TENSORBOARD_ZIP} {nn.TENSORBOARD_LOGS}\n"
            f"tensorboard --logdir {nn.TENSORBOARD_LOGS}", language="bash")



def trained_network_sections(state: nn.MnistPageState, data, seed: int) -> None:
    """Sections 4–7, for the network of the last finished training (not while a job trains it further)."""
    run = state.run
    if run is None or state.job is not None:
        return
    if run.history.diverged:
        st.header("4 · Evaluate on the test set")
        st.info("**Nothing to evaluate: the training diverged.** "
                + nn.diverged_network_note(run.weights, (run.history.diverged_logs or {}).get("val_loss"))
                + " Lower the learning rate and train a new network to evaluate, look inside and try your own digit.")
        return
    if run.evaluation is None:
        return
    st.header("4 · Evaluate on the test set")
    evaluation_section(run, data, seed)
    inside_section(run)
    own_digit_section(state, run)
    take_home_section(run)


ui.page_header("mnist")
ui.prewarm_keras()  # this page has a Keras button: a worker starts loading TensorFlow now
page = page_state()
images, split_seed = data_section(page)
settings = build_section(images, split_seed)
training_section(page, settings, images)
trained_network_sections(page, images, split_seed)
ui.try_this([
    ui.Experiment(nn.RATE_EXPERIMENT.prompt(),  # the settings and promises of these two are checked by training them
                  tuple((label, builder_values(run)) for label, run in
                        zip(("η = 0.1 (defaults)", "η = 10", "η = 10, linear"), nn.RATE_EXPERIMENT.runs))),
    ui.Experiment("No hidden layer (0) vs one of 128 units: how much does the hidden layer add? Look inside: with no "
                  "hidden layer every class is one template.",
                  # the page's other defaults too: after the first prompt's last button (η = 10, linear) they
                  # trained a diverging network
                  (("no hidden layer", builder_values(nn.MLPConfig(hidden_units=()))),
                   ("one of 128", builder_values(nn.MLPConfig(hidden_units=(128,)))))),
    ui.Experiment(nn.BATCH_SIZE_EXPERIMENT.prompt(),
                  tuple((label, builder_values(run)) for label, run in
                        zip(("batch 1, η = 0.001", "batch 1024, η = 0.1"), nn.BATCH_SIZE_EXPERIMENT.runs))),
    "Press Stop in the middle of a training, look at the test accuracy, then Continue.",
    "Look at the most confidently wrong digits. Would you have got them right?",
], "mnist")
ui.keras_panel("A script that does what this page does for your settings: the model and `fit` parts are the very "
               "code the app executes (the app passes its live-chart callback as `live_progress`).",
               lambda: notebooks.mnist_notebook(nn.full_code(settings, images.key), images.title,
                                                # the run's label leaves the epochs out (runs of one network differ in them)
                                                f"{settings.describe()}, {count(settings.epochs, 'epoch')}"))
