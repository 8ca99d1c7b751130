"""Playground: build a network on 2-D data and watch every unit learn (TensorFlow Playground, on nnviz's
numpy engine)."""

import time
import uuid

import numpy as np
import streamlit as st

from nnviz import notebooks, ui
from nnviz import playground as pg
from nnviz.figures import playground as figs
from nnviz.formatting import count, loss_text, plain_markdown, shortened
from nnviz.keras_code import playground_code

STATE_KEY = "pg_state"  # the PlaygroundState
PLAY_KEY = "pg_playing"
SHAPE_KEY = "pg_shape"
RERUN_PAGE_KEY = "pg_rerun_page"  # set by a click that changed the data
EDIT_PROBLEM_KEY = "pg_edit_problem"  # why a click on the plane changed nothing
DATA_KEY = "pg_data"  # the current Data, for the click handler
UNIT_KEY = "pg_unit"  # (layer, unit) the student clicked
UNIT_VIEW_KEY = "pg_unit_view"  # the clicked unit's picture and formula, under the figure
KERAS_KEY = "pg_keras_result"  # (the config it was computed for, train_like_engine's result)
OWN_KEY = "pg_own"  # the uploaded OwnData
UPLOAD_ERROR_KEY = "pg_upload_error"
FIGURE_KEY = "pg_figure"  # the figure when paused (where the Try-this presets scroll: the settings are far above it)
LIVE_KEY = "pg_live"  # the live figure while playing
NEXT_KEY = "pg_next"  # the browser has the last live frame and asks for the next
FRAME_KEY = "pg_frame"  # frames drawn since Play
PLAY_STARTED_KEY = "pg_play_started"
SESSION_KEY = "pg_session"  # this session's name for the frame pacer
LIVE_SECTION = "pg_network"  # the fragment with the numbers and the figure; the view options rerun it alone
MAX_PLAY_SECONDS = 600  # a forgotten tab does not train for ever
TRAIN_BUDGET_SECONDS = 0.03  # training time per frame, shared out when several sessions play at once
STEP_EPOCHS = 1
ONLY_X1_X2 = {f"pg_f_{key}": key in ("x1", "x2") for key in pg.FEATURES}  # the inputs' checkboxes
DEFAULT = pg.PlaygroundConfig()  # what the page opens with: its widgets' defaults
DEFAULT_SHAPE = ",".join(map(str, DEFAULT.hidden))
# The network and training the page opens with (the learning rate aside): set by the experiments with it, so that
# their outcomes do not hang on what an earlier one left (after the first experiment's single unit on x₁², x₂²,
# η = 10 on the circle converged instead of jumping around; after η = 10, three blobs needed other answers)
DEFAULT_NETWORK = {SHAPE_KEY: DEFAULT_SHAPE, "pg_activation": DEFAULT.activation, "pg_batch": DEFAULT.batch_size,
                   "pg_optimizer": DEFAULT.optimizer, "pg_reg": DEFAULT.regularization,
                   **{f"pg_f_{key}": key in DEFAULT.features for key in pg.FEATURES}}
ACTIVATION_LABELS = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "linear"}
REGULARIZATION_LABELS = {"none": "none", "l1": "L1", "l2": "L2"}
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD with momentum 0.9", "adam": "Adam"}
LOSS_LABELS = {"cross_entropy": "cross-entropy", "squared_error": "squared error"}


def parse_shape(text: str) -> tuple[tuple[int, ...] | None, str | None]:
    """'4,2' → (4, 2); '' → () (no hidden layer); anything else → None and why."""
    text = (text or "").strip()
    if not text:
        return (), None
    parts = text.replace(" ", "").split(",")
    if not all(part.isascii() and part.isdigit() for part in parts):  # (int() also takes 1_0 and ²)
        return None, "The units per hidden layer must be whole numbers separated by commas, such as 4,2."
    units = tuple(int(part) if len(part) <= 6 else pg.MAX_UNITS + 1 for part in parts)  # a 5,000-digit number: too many
    if len(units) > pg.MAX_LAYERS or any(not 1 <= u <= pg.MAX_UNITS for u in units):
        # '0' asked for no hidden layer, which is the empty field (a student's review)
        return None, (f"Use 0–{pg.MAX_LAYERS} hidden layers of 1–{pg.MAX_UNITS} units, e.g. 4,2"
                      + ("; for no hidden layer, leave the field empty." if 0 in units else "."))
    return units, None


def change_shape(layer: int | None, delta: int) -> None:
    """+/− on a layer's units (``layer``) or on the number of layers (``layer`` None)."""
    units, _ = parse_shape(st.session_state.get(SHAPE_KEY, ""))
    if units is None:  # the text is not a shape: change the network's, which the page says it keeps
        units = st.session_state[STATE_KEY].config.hidden if STATE_KEY in st.session_state else DEFAULT.hidden
    units = list(units)
    if layer is None:
        units = units + [2] if delta > 0 else units[:-1]
    else:
        units[layer] = min(max(units[layer] + delta, 1), pg.MAX_UNITS)
    st.session_state[SHAPE_KEY] = ",".join(map(str, units[:pg.MAX_LAYERS]))


def regenerate() -> None:
    st.session_state["pg_seed"] = min(int(st.session_state.get("pg_seed", 0)) + 1, 10_000)


def read_upload() -> None:
    """The uploaded CSV becomes the data set, or a message says why not (the previous data stay)."""
    upload = st.session_state.get("pg_upload")
    if upload is None:  # the file removed: its message goes with it
        st.session_state[UPLOAD_ERROR_KEY] = None
        return
    own, problem = pg.parse_points_csv(upload.getvalue(), upload.name)
    st.session_state[UPLOAD_ERROR_KEY] = problem
    if own is not None:
        st.session_state[OWN_KEY] = own
        st.session_state["pg_dataset"] = pg.OWN


def controls() -> pg.PlaygroundConfig:
    """The settings, in four columns as TensorFlow Playground arranges them."""
    data_col, features_col, network_col, training_col = st.columns([1.1, 0.9, 1.2, 1.2])
    with data_col:
        st.markdown("**Data**")
        own = st.session_state.get(OWN_KEY)
        dataset = st.selectbox("data set", [*pg.DATASETS, *([pg.OWN] if own else [])], key="pg_dataset", **ui.URL,
                               on_change=lambda: st.session_state.update({UPLOAD_ERROR_KEY: None}),
                               format_func=lambda k: f"Your own: {own.name}" if k == pg.OWN else pg.DATASETS[k].label)
        noise = st.slider("noise (%)", *pg.NOISE_RANGE, 0, key="pg_noise", **ui.URL)
        train_percent = st.slider("training data (%)", *pg.TRAIN_PERCENT_RANGE, 50, step=10, key="pg_train", **ui.URL)
        seed = st.number_input("seed (data and first weights)", 0, 10_000, 0, key="pg_seed", **ui.URL)
        st.button("Regenerate", key="pg_regenerate", on_click=regenerate, help="New points: the next seed.")
        st.file_uploader("your own points: a CSV of x₁, x₂, label", type="csv", key="pg_upload",
                         on_change=read_upload, help=f"Up to {pg.MAX_ROWS:,} rows and {pg.MAX_CLASSES} classes; "
                                                     "a header row is optional.")
        if st.session_state.get(UPLOAD_ERROR_KEY):
            st.error(st.session_state[UPLOAD_ERROR_KEY] + " The data you had stay.")
        if dataset == pg.OWN and own is not None:
            st.download_button("Download these points (CSV)", pg.points_csv(own), file_name=own.name,
                               mime="text/csv", key="pg_download", width="stretch")
            scaled = f" Scaled by {own.scale:.3g} to fit the square." if own.scale != 1 else ""
            names = ", ".join(plain_markdown(shortened(name, 24)) for name in own.class_names)
            st.caption(f"{len(own.points):,} points, classes {names} (shown as 0–{own.classes - 1})."
                       f"{scaled} A link cannot carry your own points.")
    with features_col:
        st.markdown("**Inputs**")
        chosen = tuple(key for key, (label, _) in pg.FEATURES.items()
                       if st.checkbox(label, value=key in DEFAULT.features, key=f"pg_f_{key}", **ui.URL))
    with network_col:
        st.markdown("**Hidden layers**")
        shape_text = st.text_input("units per hidden layer", DEFAULT_SHAPE, key=SHAPE_KEY, **ui.URL,
                                   help="Comma-separated, e.g. 4,2; empty for no hidden layer.")
        units, problem = parse_shape(shape_text)
        b1, b2 = st.columns(2)
        b1.button("+ layer", key="pg_add_layer", on_click=change_shape, args=(None, 1), width="stretch",
                  disabled=units is not None and len(units) >= pg.MAX_LAYERS)
        b2.button("− layer", key="pg_remove_layer", on_click=change_shape, args=(None, -1), width="stretch",
                  disabled=not units)
        for layer, count in enumerate(units or ()):
            c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="center")
            c1.caption(f"layer {layer + 1}: {count} unit{'s' if count > 1 else ''}")
            c2.button("+", key=f"pg_more_{layer}", on_click=change_shape, args=(layer, 1), width="stretch",
                      disabled=count >= pg.MAX_UNITS)
            c3.button("−", key=f"pg_fewer_{layer}", on_click=change_shape, args=(layer, -1), width="stretch",
                      disabled=count <= 1)
        activation = st.selectbox("activation", pg.ACTIVATIONS, index=pg.ACTIVATIONS.index(DEFAULT.activation),
                                  format_func=ACTIVATION_LABELS.get, key="pg_activation", **ui.URL)
    with training_col:
        st.markdown("**Training**")
        rate = ui.number_choice("learning rate", pg.LEARNING_RATES, DEFAULT.learning_rate, key="pg_rate")
        batch = st.slider("batch size", *pg.BATCH_RANGE, DEFAULT.batch_size, key="pg_batch", **ui.URL)
        optimizer = st.selectbox("optimiser", pg.OPTIMIZERS, index=pg.OPTIMIZERS.index(DEFAULT.optimizer),
                                 format_func=OPTIMIZER_LABELS.get, key="pg_optimizer", **ui.URL)
        regularization = st.selectbox("regularisation", pg.REGULARIZATIONS,
                                      index=pg.REGULARIZATIONS.index(DEFAULT.regularization),
                                      format_func=REGULARIZATION_LABELS.get, key="pg_reg", **ui.URL)
        reg_rate = ui.number_choice("regularisation rate", pg.REGULARIZATION_RATES, DEFAULT.regularization_rate, key="pg_reg_rate",
                                    help="Used when a regularisation is chosen above.")
        loss = st.selectbox("loss (two classes)", pg.BINARY_LOSSES, format_func=LOSS_LABELS.get, key="pg_loss",
                            **ui.URL, help="For data with two classes; three or four classes use softmax and "
                                        "cross-entropy, regression squared error.")
    if problem:
        st.error(f"{problem} The network keeps its last valid shape.")
    if not chosen:
        st.error("Choose at least one input: the network needs something to look at. x₁ is used meanwhile.")
    previous = st.session_state.get(STATE_KEY)
    fallback = previous.config.hidden if previous else (4, 2)
    own_settings = {"own_classes": own.classes, "own_digest": own.digest} if dataset == pg.OWN and own else {}
    return pg.PlaygroundConfig(dataset if dataset != pg.OWN or own else "circle", noise, train_percent, batch,
                               int(seed), chosen or ("x1",), units if units is not None else fallback, activation,
                               rate, regularization, reg_rate if regularization != "none" else 0.0, optimizer, loss,
                               **own_settings)


SETTINGS_LABEL = "Settings: data, inputs, hidden layers, training"


def placed_controls() -> pg.PlaygroundConfig:
    """The settings; in Lecture mode folded into an expander with their summary under it, so that Play and the
    figure are on the projector's first screen (unfolded, they filled 1.3 screens of 720 px above Play)."""
    if not ui.lecture_mode():
        return controls()
    with st.expander(SETTINGS_LABEL):
        config = controls()
    st.caption(settings_line(config))
    return config


def settings_line(config: pg.PlaygroundConfig) -> str:
    """The settings in one line: what the room sees training when they are folded away."""
    inputs = ", ".join(pg.FEATURES[key][0] for key in config.features)
    hidden = ",".join(map(str, config.hidden)) or "none"
    regularization = ("" if config.regularization == "none" else
                      f", {REGULARIZATION_LABELS[config.regularization]} {config.regularization_rate:g}")
    return (f"{config.data.label}, noise {config.noise} %, {config.train_percent} % for training · inputs {inputs} · "
            f"hidden layers {hidden}, {ACTIVATION_LABELS[config.activation]} · learning rate "
            f"{config.learning_rate:g}, batch size {config.batch_size}, {OPTIMIZER_LABELS[config.optimizer]}"
            f"{regularization}")


@st.cache_resource(max_entries=64, show_spinner=False)
def generated_data(dataset: str, noise: int, train_percent: int, seed: int) -> pg.Data:
    """Shared by all sessions: the arrays are never changed."""
    return pg.make_data(pg.PlaygroundConfig(dataset=dataset, noise=noise, train_percent=train_percent, seed=seed))


def data_for(config: pg.PlaygroundConfig) -> pg.Data:
    if config.dataset == pg.OWN:
        return pg.make_data(config, st.session_state[OWN_KEY])
    return generated_data(*config.data_key()[:4])


def current_state(config: pg.PlaygroundConfig, data: pg.Data) -> pg.PlaygroundState:
    previous = st.session_state.get(STATE_KEY)
    state = pg.initial_state(config, data) if previous is None else pg.with_config(previous, config, data)
    if previous is not None and state.network.spec.sizes != previous.network.spec.sizes:
        st.session_state.pop(UNIT_KEY, None)  # the clicked unit may not exist in the new network
    st.session_state[STATE_KEY] = state
    return state


def advance(data: pg.Data, budget: float) -> None:
    """Train for about ``budget`` seconds (at least one epoch) and keep the new state."""
    state = st.session_state[STATE_KEY]
    start = time.perf_counter()
    state = pg.train(state, data, 1)
    per_epoch = time.perf_counter() - start
    more = int(budget / per_epoch) - 1 if per_epoch > 0 else 0
    if more > 0:
        state = pg.train(state, data, more)
    st.session_state[STATE_KEY] = state


def view_options(data: pg.Data) -> None:
    """Test points, discretized output, and what a click on the plane does (classification only)."""
    st.session_state[DATA_KEY] = data  # for the click handler, which runs before the next run
    t1, t2, t3 = st.columns([1, 1, 2], vertical_alignment="center")
    t1.toggle("show the test points", key="pg_show_test", **ui.reruns(LIVE_SECTION), **ui.URL)
    t2.toggle("discretize output", key="pg_discretize", disabled=not data.classes,  # a regression has no classes
              help="Colour each point of the plane by its predicted class (classification only).",
              **ui.reruns(LIVE_SECTION), **ui.URL)
    if data.classes:
        actions = ["off", *[f"add{k}" for k in range(data.classes)], "erase"]
        labels = {"off": "does nothing", "erase": "erases points"} | {f"add{k}": f"adds class {k}"
                                                                        for k in range(data.classes)}
        t3.radio("a click on the plane", actions, key="pg_edit", horizontal=True, format_func=labels.get,
                 help="Adding or erasing points makes them your own data set (and starts a new network).",
                 **ui.reruns(LIVE_SECTION))
    elif st.session_state.get("pg_edit", "off") != "off":
        st.session_state["pg_edit"] = "off"


def toggle_play() -> None:
    st.session_state[PLAY_KEY] = not st.session_state.get(PLAY_KEY, False)
    st.session_state[FRAME_KEY] = 0
    st.session_state.pop(PLAY_STARTED_KEY, None)


def buttons(data: pg.Data) -> None:
    """Play/Pause, Step and Reset. Outside the live section on purpose: a click here reruns the whole page,
    which Streamlit never drops, while a click inside a fragment that reruns every frame can be lost."""
    playing = st.session_state.get(PLAY_KEY, False)
    b1, b2, b3, _ = st.columns([1, 1, 1, 3.6])
    b1.button("■ Pause" if playing else "▶ Play", key="pg_play", type="primary", width="stretch", on_click=toggle_play,
              shortcut=ui.PLAY_SHORTCUT)
    if b2.button("Step", key="pg_step", width="stretch", help="Train one epoch.", shortcut=ui.STEP_SHORTCUT):
        st.session_state[STATE_KEY] = pg.train(st.session_state[STATE_KEY], data, STEP_EPOCHS)
    if b3.button("Reset", key="pg_reset", width="stretch", help="New weights from the seed, epoch 0."):
        state = st.session_state[STATE_KEY]
        st.session_state[STATE_KEY] = pg.initial_state(state.config, data)
        st.session_state[PLAY_KEY] = False


def next_frame_asked() -> None:
    st.session_state[NEXT_KEY] = True


@st.fragment(key=LIVE_SECTION)  # a click on a unit or on the plane, a view option, each live frame: only this part
def playground(data: pg.Data) -> None:
    """The numbers and the figure; while playing, one live frame per run: the browser asks for the next
    frame when this one arrives. (Two designs were dropped: a timer-driven fragment, whose ticks
    interrupted the page run that a click on Pause starts, and a loop redrawing a plotly chart, which the
    browser rebuilt from nothing every frame and so hardly ever showed.)"""
    asked = st.session_state.pop(NEXT_KEY, False)
    if st.session_state.get(PLAY_KEY, False):
        play_frame(data)
        return
    if asked:  # a frame arrived just as Pause was pressed: its request may have cut the page's run short
        st.rerun(scope="app")
    draw(data, interactive=True)


def play_frame(data: pg.Data) -> None:
    """Wait until this session's frame is due (ui.FRAME_PACER), train for the frame's share of time, draw."""
    session = st.session_state.setdefault(SESSION_KEY, uuid.uuid4().hex)
    time.sleep(ui.FRAME_PACER.wait(session))
    start, cpu = time.monotonic(), time.thread_time()
    started = st.session_state.setdefault(PLAY_STARTED_KEY, start)
    advance(data, TRAIN_BUDGET_SECONDS / max(1, ui.FRAME_PACER.playing(start)))
    if st.session_state[STATE_KEY].diverged or start - started > MAX_PLAY_SECONDS:
        st.session_state[PLAY_KEY] = False  # diverged (the page says why), or a forgotten tab: pause
        st.rerun(scope="app")
    frame = st.session_state.get(FRAME_KEY, 0)
    draw(data, interactive=False, frame=frame)  # (what a frame does not redraw, the browser removes)
    st.session_state[FRAME_KEY] = frame + 1
    ui.FRAME_PACER.record(session, start, time.monotonic(), time.thread_time() - cpu)


def draw(data: pg.Data, interactive: bool, frame: int = 0) -> None:
    """Metrics, the figure (clickable when paused; redrawn in place while playing), the unit view, the
    confusion matrix and the challenges."""
    state = st.session_state[STATE_KEY]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("epoch", f"{state.epoch:,}")
    # with a penalty on, the losses include it, as Keras reports them: test accuracy 99.6 % beside a test loss of
    # 0.54 (0.27 of it the L2 penalty) puzzled a student
    regularization = state.config.regularization
    penalty = "" if regularization == "none" else f" + {REGULARIZATION_LABELS[regularization]}"
    included = (f"The loss plus the {REGULARIZATION_LABELS[regularization]} penalty (rate × "
                f"Σ{'|w|' if regularization == 'l1' else 'w²'} over the weights), as Keras reports it."
                if penalty else None)
    m2.metric(f"training loss{penalty}", loss_text(state.train_loss[-1]), help=included)
    m3.metric(f"test loss{penalty}", loss_text(state.test_loss[-1]), help=included)
    if data.classes:
        m4.metric("test accuracy", f"{pg.accuracy(state, data.test_points, data.test_labels):.1%}",
                  help=f"on {len(data.test_points)} test points; "
                       f"{pg.accuracy(state, data.train_points, data.train_labels):.1%} on the training points")
    if state.diverged:
        loss = state.train_loss[-1]
        how = ("the loss is no longer a number" if not np.isfinite(loss) else
               f"the loss has grown to {loss_text(loss)}, over {pg.BLOWN_UP:,.0f} times its {loss_text(state.train_loss[0])} "
               "at the start")
        rates = f"learning rate ({state.config.learning_rate:g})"
        if state.config.regularization != "none":
            rates += f" or the regularisation rate ({state.config.regularization_rate:g})"
        st.error(f"The training diverged at epoch {state.epoch}: {how}. The {rates} is probably too high for this "
                 "network; lower it and press Reset.")
    show_test = st.session_state.get("pg_show_test", False)
    pictures = pg.pictures(state)
    layers, output = figs.unit_pictures(pictures.inputs, pictures.hidden, pictures.output, state.config.activation,
                                        data.classes, st.session_state.get("pg_discretize", False))
    titles = (["inputs"] + [f"hidden {k}" for k in range(1, len(pictures.hidden) + 1)] + ["output"])
    fig = figs.playground_figure(
        layers, titles, state.network.weights, output, data.train_points, data.train_labels,
        data.test_points if show_test else None, data.test_labels if show_test else None,
        state.train_loss, state.test_loss, data.classes, keras_losses(state),
        clickable_plane=interactive and st.session_state.get("pg_edit", "off") != "off",
        input_names=[pg.unit_label(state.config, 0, unit) for unit in range(len(pictures.inputs))],
        # the narrowest it is drawn at: a projector's 1080 px in Lecture mode, a large screen's column (the plane the
        # figure's whole height: beside the loss curve it was ~230 px on a 1600x1000 screen), else a phone's
        **({"width_hint": 1080, "font_scale": ui.LECTURE_FONT_FACTOR} if ui.lecture_mode() else
           {"width_hint": figs.WIDE} if ui.large_screen() else {}),
        stacked=ui.small_screen())
    if interactive:
        ui.show_figure(fig, key=FIGURE_KEY, on_select=chart_clicked)
        if problem := st.session_state.pop(EDIT_PROBLEM_KEY, None):
            st.toast(problem, icon=":material/block:")
        if st.session_state.pop(RERUN_PAGE_KEY, False):
            st.rerun(scope="app")
        with st.container(key=UNIT_VIEW_KEY):
            unit_view(state, layers)
        ui.scroll_if_asked()  # a click on a unit reruns this section only
        details(state, data)
        return
    figure_place = st.container()
    unit_view(state, layers)
    details(state, data, hints=False)
    with figure_place:  # last: its arrival asks for the next frame, which must not cut this run short
        ui.live_figure(fig, key=LIVE_KEY, frame=frame, on_next=next_frame_asked)


def chart_clicked() -> None:
    """A click on a unit's picture shows that unit; a click on the plane adds or erases points (edit mode)."""
    points = st.session_state[FIGURE_KEY].selection.points
    handles = [p for p in points if p.get("customdata")]
    if handles:
        st.session_state[UNIT_KEY] = tuple(int(v) for v in handles[0]["customdata"])
        # its view is 550 px under the figure, out of sight on a projector (a review): shown whole
        ui.scroll_after_this_run(UNIT_VIEW_KEY, block="nearest")
        return
    action = st.session_state.get("pg_edit", "off")
    if points and action != "off":
        data = st.session_state[DATA_KEY]
        uploaded = st.session_state.get(OWN_KEY) if st.session_state.get("pg_dataset") == pg.OWN else None
        split = st.session_state[STATE_KEY].config  # the data's split, which the edited points keep
        own, problem = pg.edit_points(data, float(points[0]["x"]), float(points[0]["y"]), action, uploaded,
                                      seed=split.seed, train_percent=split.train_percent)
        if own is None:  # said beside the figure, which this click reruns (the upload's error box is not in it)
            st.session_state[EDIT_PROBLEM_KEY] = problem
            return
        st.session_state[OWN_KEY] = own
        st.session_state[UPLOAD_ERROR_KEY] = None
        st.session_state["pg_dataset"] = pg.OWN
        st.session_state[RERUN_PAGE_KEY] = True  # new data: the whole page must follow (a callback cannot rerun it)


def unit_view(state: pg.PlaygroundState, layers: list) -> None:
    """The clicked unit: its picture large, and what it computes with its current weights."""
    chosen = st.session_state.get(UNIT_KEY)
    if not chosen or chosen[0] >= len(layers) or chosen[1] >= len(layers[chosen[0]]):
        st.caption("Click a unit's picture to see it large, with the formula it computes.")
        return
    layer, unit = chosen
    picture, text = st.columns([1, 3], vertical_alignment="center")
    rgb = layers[layer][unit]
    picture.image(np.repeat(np.repeat(rgb[::-1], 5, axis=0), 5, axis=1), width="stretch",
                  caption=f"{pg.unit_label(state.config, layer, unit)} over the plane (x₁ across, x₂ up)")
    with text:
        st.markdown(f"**{pg.unit_label(state.config, layer, unit)}** — {pg.unit_colours(state.config, layer)}")
        st.latex(pg.unit_formula(state, layer, unit))


def details(state: pg.PlaygroundState, data: pg.Data, hints: bool = True) -> None:
    """The confusion matrix of the test points and the challenges, updated with every frame: one markdown
    element each (every element is re-sent with each live frame, and each costs the browser time)."""
    # four classes need half the width (at 1280x720 in Lecture mode three headed 'predicted k' ran 65 px into the
    # challenges, a helper's review): the classes' numbers head the columns, the corner says which way is which
    matrix, goals = st.columns([1, 2] if data.classes <= 3 else [1, 1])
    if data.classes:
        counts = pg.confusion(state, data.test_points, data.test_labels, data.classes)
        header = " | ".join(f"**{k}**" for k in range(data.classes))
        rows = "\n".join(f"| **true {k}** | " + " | ".join(f"{n:,}" for n in row) + " |" for k, row in enumerate(counts))
        matrix.markdown(f"**Test points by true and predicted class**\n\n| true ↓ predicted → | {header} |\n|---|"
                        + "---:|" * data.classes + "\n" + rows)
    lines = []
    for challenge in pg.CHALLENGES:
        met, why = pg.challenge_status(challenge, state, data)
        mark = ":green[**✓**]" if met else ":gray[○]"  # (icon-font icons cost the browser time in every frame)
        lines.append(f"{mark} {challenge.title} — " + (":green[**done**]" if met else why))
    goals.markdown("**Challenges**\n\n" + "\n\n".join(lines))
    if hints:
        with goals.expander("Hints for the challenges"):
            st.markdown("\n".join(f"- **{c.title}**: {c.hint}" for c in pg.CHALLENGES))


def keras_losses(state: pg.PlaygroundState) -> list[float] | None:
    """Keras' training losses of the same training, if they were computed for these very settings."""
    stored = st.session_state.get(KERAS_KEY)
    return stored[1]["train_loss"] if stored and stored[0] == state.config else None


def keras_check(data: pg.Data) -> None:
    """Train the same network in Keras (TensorFlow loaded on demand) and overlay its losses."""
    state = st.session_state[STATE_KEY]
    epochs = min(max(state.epoch, 1), pg.KERAS_CHECK_MAX_EPOCHS)
    left, right = st.columns([1, 2], vertical_alignment="center")
    if left.button(f"Train the same in Keras ({count(epochs, 'epoch')})", key="pg_keras",
                   help="Loads TensorFlow (a few seconds the first time) and trains the same data, network, starting "
                        "weights, optimiser and batches with model.fit; its losses appear as × on the loss curve."):
        from nnviz import keras_jobs

        result = ui.run_job("Keras trains the same network …", keras_jobs.train_like_engine,
                            **pg.keras_check_job(state, data))
        if result is not None:
            st.session_state[KERAS_KEY] = (state.config, result)
            st.rerun()
    stored = st.session_state.get(KERAS_KEY)
    if stored and stored[0] == state.config:
        keras_train = np.array(stored[1]["train_loss"])
        same = min(len(keras_train) - 1, state.epochs_as_today)  # epochs that are the same training on both sides
        page_train = np.array(state.train_loss[:same + 1])
        gap = float(np.max(np.abs(keras_train[:same + 1] - page_train)))
        if same == len(keras_train) - 1 and gap > pg.SAME_TRAINING * float(np.max(np.abs(page_train))):
            right.warning(f"Keras' training loss over its {count(same, 'epoch')} (× on the curve) parts from the "
                          f"page's, by up to {gap:.2g}. At learning rate {state.config.learning_rate:g} this training "
                          "is chaotic: the smallest rounding difference (float32 against float64, sums in another "
                          "order) grows from step to step until the two are different trainings. At smaller rates "
                          "they agree to float32's precision.")
        elif same == len(keras_train) - 1:
            right.success(f"Keras' training loss over its {count(same, 'epoch')} (× on the curve) differs from the "
                          f"page's by at most {gap:.1e}: float32 against float64, the same training.")
        else:
            agrees = (f"It agrees with the page's over the first {count(same, 'epoch')} (at most {gap:.1e} apart); "
                      "after that they are two different trainings. " if same else "")
            right.info(f"{agrees}{settings_mix(state)} Keras trained every epoch with today's settings "
                       "(× on the curve).")
    else:
        first = "epoch" if epochs == 1 else count(epochs, "epoch")
        right.caption(f"Keras trains the first {first} with the current settings (from the starting weights) and its "
                      "losses are drawn over the page's.")


def settings_mix(state: pg.PlaygroundState) -> str:
    """What the page's curve is when the training settings changed during the training ('' when they did not)."""
    if state.settings_changed_after is None:
        return ""
    return (f"You changed the learning rate, regularisation, batch size or optimiser during this training (last "
            f"after epoch {state.settings_changed_after}), so the page did not train all its epochs with today's "
            "settings.")


def own_description(config: pg.PlaygroundConfig) -> dict | None:
    """What the Keras code needs to read the uploaded file as the page did."""
    own = st.session_state.get(OWN_KEY) if config.dataset == pg.OWN else None
    return {"name": own.name, "class_names": own.class_names, "scale": own.scale} if own else None


def keras_notebook() -> notebooks.PageNotebook:
    state = st.session_state[STATE_KEY]
    config, spec = state.config, state.config.spec
    start = pg.starting_network(config)
    own = own_description(config)
    code = playground_code(config.dataset, config.noise, config.train_percent, config.seed, config.features,
                           spec.sizes, config.activation, spec.output_activation, spec.loss, spec.l1, spec.l2,
                           config.optimizer, config.learning_rate, config.batch_size, start.weights, start.biases,
                           state.epoch, own)
    return notebooks.playground_notebook(code, config.data.label, spec.sizes, state.epoch, own["name"] if own else None,
                                         settings_mix(state), spec.output_activation,
                                         chaotic=config.chaotic)


CHAOTIC = (" At a learning rate this large the training can be chaotic: rounding differences grow from step to step, "
           "and Keras' numbers can part from the page's (*Train the same in Keras* shows whether they do).")


def keras_panel() -> None:
    # drawn with the page: the training's settings change only in a run of the whole page
    mix = settings_mix(st.session_state[STATE_KEY])
    ui.keras_panel("The same data, inputs, network, starting weights, optimiser and batches in Keras, trained for the "
                   "epochs done here with today's settings: " +
                   (f"it prints the losses of that training. {mix} So they differ from the page's." if mix else
                    "it prints the training and test loss shown above, and the test accuracy where there are "
                    "classes." + (CHAOTIC if st.session_state[STATE_KEY].config.chaotic else "")),
                   keras_notebook)


ui.page_header("playground")
ui.prewarm_keras()  # this page has a Keras button: a worker starts loading TensorFlow now
config = placed_controls()
data = data_for(config)
current_state(config, data)
buttons(data)
view_options(data)
playground(data)
keras_check(data)
ui.try_this([
    ui.Experiment("Circle, no hidden layer (units per hidden layer left empty), inputs x₁ and x₂ only: press Play. "
                  "Why can it not separate the classes? Now tick x₁² and x₂²: a single unit solves it.",
                  (("circle, no hidden layer", {"pg_dataset": "circle", "pg_shape": "", **ONLY_X1_X2}),
                   ("+ x₁² and x₂²", {"pg_f_x1sq": True, "pg_f_x2sq": True})), focus=FIGURE_KEY),
    ui.Experiment("Spiral: with 4,2 tanh units the test loss stays high. Try 8,8,8 with ReLU and Adam at 0.01.",
                  (("spiral, 4,2 tanh", {"pg_dataset": "spiral", **DEFAULT_NETWORK, "pg_rate": DEFAULT.learning_rate}),
                   ("8,8,8 ReLU, Adam 0.01", {"pg_dataset": "spiral", **DEFAULT_NETWORK, "pg_shape": "8,8,8",
                                              "pg_activation": "relu", "pg_optimizer": "adam", "pg_rate": 0.01})),
                  focus=FIGURE_KEY),
    ui.Experiment("Learning rate 10 on the circle: the loss jumps around or stops being a number.",
                  (("circle, η = 10", {"pg_dataset": "circle", **DEFAULT_NETWORK, "pg_rate": 10.0}),), focus=FIGURE_KEY),
    ui.Experiment("Three blobs: the softmax output colours each region by its class. How few hidden units do you need?",
                  (("three blobs", {"pg_dataset": "blobs3", **DEFAULT_NETWORK, "pg_rate": DEFAULT.learning_rate}),),
                  focus=FIGURE_KEY),
], "playground")
keras_panel()
