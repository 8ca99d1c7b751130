"""Perceptron: one artificial neuron, its decision boundary, the learning rule, and its limits."""

import numpy as np
import streamlit as st

from nnviz import activations as act
from nnviz import notebooks, ui
from nnviz import perceptron as perc
from nnviz.data import PERCEPTRON_DATASETS, TRUTH_TABLE_INPUTS, Dataset2D, logic_gate
from nnviz.figures import perceptron as figs
from nnviz.formatting import count, latex_number, with_minus_signs
from nnviz.keras_code import perceptron_code

MAX_EPOCHS = 100
RUN_KEY = "perceptron_run"
PLAY_KEY = "perceptron_playing"
DEFAULT_INPUTS = (1.0, 2.0, -1.0, 0.5)
DEFAULT_WEIGHTS = (0.8, -0.4, 0.5, 1.0)

ui.page_header("perceptron")


@st.cache_data(show_spinner=False)
def load_dataset(name: str, seed: int):
    return PERCEPTRON_DATASETS[name](seed)


@st.cache_data(show_spinner="Fitting scikit-learn's Perceptron …")
def sklearn_fit(name: str, seed: int):
    data = load_dataset(name, seed)
    return perc.sklearn_perceptron(data.X, data.y, seed, MAX_EPOCHS)


@st.cache_data(show_spinner=False)
def own_fit(name: str, seed: int):
    data = load_dataset(name, seed)
    return perc.train(data.X, data.y, 1.0, MAX_EPOCHS, seed)


@ui.cache_figure
def neuron_figure(x: tuple, w: tuple, bias: float, z: float, output: float, activation: str, reveal: bool):
    return figs.neuron_diagram(x, w, bias, z, output, activation, reveal)


@ui.cache_figure
def xor_figures(steepness: float):
    xor = logic_gate("XOR")
    grid, step_out = perc.xor_over_square()
    _, sigmoid_out = perc.xor_over_square(steepness)
    verdict = "the same, but smooth" if perc.computes_xor(steepness) else "too flat, all < 0.5"
    return (figs.xor_regions_figure(grid, step_out, xor.X, xor.y, "step neurons: two lines, one region"),
            figs.xor_regions_figure(grid, sigmoid_out, xor.X, xor.y, f"sigmoid neurons, s = {steepness:g}: {verdict}"))


STEEPNESS = {"min_value": 1.0, "max_value": 20.0, "step": 0.5}  # the slider's range
# the flattest sigmoids on the slider that still give XOR (2.5: every output under 0.5 below it)
FLATTEST_XOR_STEEPNESS = min(s for s in np.arange(STEEPNESS["min_value"], STEEPNESS["max_value"] + STEEPNESS["step"],
                                         STEEPNESS["step"]) if perc.computes_xor(float(s)))


@ui.cache_figure
def boundary_figure(name: str, seed: int, w: tuple, b: float, previous: tuple | None = None,
                    highlight: int | None = None):
    """The data, the line w·x + b = 0 with its misclassified points, and optionally the line before."""
    data = load_dataset(name, seed)
    w = np.array(w)
    return figs.decision_boundary_figure(
        data.X, data.y, w, b, feature_names=data.feature_names, class_names=data.class_names,
        wrong=perc.misclassified(data.X, data.y, w, b), highlight=highlight,
        previous=(np.array(previous[0]), previous[1]) if previous else None)


@ui.cache_figure
def comparison_figure(name: str, seed: int):
    data, ours = load_dataset(name, seed), own_fit(name, seed)
    sk_w, sk_b, _ = sklearn_fit(name, seed)
    return figs.decision_boundary_figure(data.X, data.y, ours.w, ours.b, feature_names=data.feature_names,
                                         class_names=data.class_names,
                                         other_line=(sk_w, sk_b, "scikit-learn's Perceptron"))


def weighted_sum_lines(w: np.ndarray, x: np.ndarray, bias: float, z: float, reveal: bool) -> str:
    """'= (w₁)(x₁) + … + (b) = z' for the aligned formula of z ('= ?' at the end without ``reveal``): on one line, or
    on a phone two products a line (one line of three inputs' numbers was 563 px wide in a phone's 358 px column,
    its result out of sight)."""
    products = [f"({wi:g})({xi:g})" for wi, xi in zip(w, x)] + [f"({bias:g})"]
    result = f"{z:.2f}" if reveal else "{?}"  # braces: an ordinary symbol, spaced after "=" as a number is
    if not ui.small_screen():
        return "= " + " + ".join(products) + f" = {result}"
    rows = [" + ".join(products[i:i + 2]) for i in range(0, len(products), 2)]
    return r" \\ &= " + r" \\ &\quad + ".join(rows) + rf" \\ &= {result}"


# Sections 1, 2 and 4 rerun on their own (ui.section_fragment); the line's weights also rerun the Keras panel,
# and the dataset and seed, which every later section uses, the page.
@ui.section_fragment("perc_neuron")
def one_neuron() -> None:
    own = ui.reruns("perc_neuron")  # its widgets rerun this section alone
    controls, diagram = ui.section("One artificial neuron")
    with controls:
        n_inputs = st.slider("number of inputs", 2, 4, 3, key="neuron_n", **own, **ui.URL)
        activation_name = st.radio("activation", ["step (perceptron)", "sigmoid"], horizontal=True,
                                   key="neuron_activation", **own, **ui.URL)
        x_cols = st.columns(2)
        x = np.array([x_cols[0].slider(f"x{k + 1}", -3.0, 3.0, DEFAULT_INPUTS[k], step=0.1, key=f"neuron_x{k}", **own,
                                       **ui.URL) for k in range(n_inputs)])
        w = np.array([x_cols[1].slider(f"w{k + 1}", -3.0, 3.0, DEFAULT_WEIGHTS[k], step=0.1, key=f"neuron_w{k}", **own,
                                       **ui.URL) for k in range(n_inputs)])
        bias = st.slider("bias b", -3.0, 3.0, -0.5, step=0.1, key="neuron_bias", **own, **ui.URL)
        reveal = st.toggle("show z and ŷ", True, key="neuron_show", **own, **ui.URL,
                           help="Off: the diagram and the formula leave z and ŷ as ?, for the class to work them out "
                                "from the inputs and weights first.")
    z = float(perc.weighted_sum(x[None, :], w, bias)[0])
    f = act.step if activation_name.startswith("step") else act.sigmoid
    output = float(f(np.array(z)))
    f_symbol = "H" if activation_name.startswith("step") else r"\sigma"
    with diagram:
        ui.show_figure(neuron_figure(tuple(x), tuple(w), bias, z, output,
                                     "step H(z)" if f_symbol == "H" else "sigmoid σ(z)", reveal), key="neuron_diagram")
    equals = "=" if f_symbol == "H" or output == round(output, 3) else r"\approx"
    result = rf"{f_symbol}({z:.2f}) {equals} {latex_number(output, 3)}" if reveal else "{?}"
    st.latex(rf"\begin{{aligned}} z &= \mathbf{{w}}\cdot\mathbf{{x}} + b {weighted_sum_lines(w, x, bias, z, reveal)} "
             rf"\\ \hat y &= {f_symbol}(z) = {result} \end{{aligned}}")
    st.markdown(
        "A neuron multiplies each input by a **weight**, adds a **bias** and passes the sum $z$ through an "
        "**activation function**. The perceptron (Rosenblatt, 1957) uses the step $H(z) = 1$ if $z \\ge 0$, else 0: "
        "it answers yes or no. A weight's size says how much an input matters; its sign says whether a *positive* "
        "input pushes towards yes (blue edge) or no (orange edge); the bias sets how easily the neuron says yes. "
        "Networks are built by feeding such outputs into further neurons."
    )


def the_line() -> tuple[np.ndarray, float]:
    """The line w·x + b = 0 set in section 2 (its weights rerun only that section and the Keras panel, so the
    sections that rerun with the page read it here)."""
    state = st.session_state
    return np.array([state["perc_w1"], state["perc_w2"]]), state["perc_b"]


def on_the_line_note(data: Dataset2D, w: np.ndarray, b: float) -> None:
    """Which samples of ``data`` lie exactly on the line, and why they count as class 1: AND's run ends with (1, 1)
    on its line, right only because H(0) = 1, and nothing said so (a student's review)."""
    on_line = perc.on_the_line(data.X, w, b)
    n = int(on_line.sum())
    if n:
        points = with_minus_signs(", ".join(f"({x1:g}, {x2:g})" for x1, x2 in data.X[on_line][:3])) + (" …" if n > 3 else "")
        st.caption(f"{count(n, 'sample')} on the line itself, z = 0: {points}. The step function says H(0) = 1, so "
                   f"{'it counts' if n == 1 else 'they count'} as **{data.class_names[1]}**.")


@ui.section_fragment("perc_line")
def decision_boundary() -> None:
    controls, plot = ui.section("A perceptron draws a straight line")
    with controls:
        dataset_name = st.selectbox("dataset", list(PERCEPTRON_DATASETS), key="perc_dataset", **ui.reruns(),
                                    **ui.URL)
        seed = st.number_input("seed (random points, sample order)", 0, 9999, 0, step=1, key="perc_seed",
                               **ui.reruns(), **ui.URL)
        line_section = ui.reruns("perc_line", ui.KERAS_SECTION)
        w1 = st.slider("w1", -5.0, 5.0, 1.0, step=0.1, key="perc_w1", **line_section, **ui.URL)
        w2 = st.slider("w2", -5.0, 5.0, -1.0, step=0.1, key="perc_w2", **line_section, **ui.URL)
        b = st.slider("b", -15.0, 15.0, 0.0, step=0.1, key="perc_b", **line_section, **ui.URL)
    data = load_dataset(dataset_name, seed)
    line_w = np.array([w1, w2])
    wrong = perc.misclassified(data.X, data.y, line_w, b)
    with controls:
        st.metric("misclassified", f"{int(wrong.sum())} of {len(data.y)}")
    with plot:  # the text under the figure it explains: under the controls it left the figure's column blank
        ui.show_figure(boundary_figure(dataset_name, seed, (w1, w2), b), key="perc_boundary")
        st.markdown(
            f"The perceptron says **{data.class_names[1]}** where $w_1x_1 + w_2x_2 + b \\ge 0$ (blue side) and "
            f"**{data.class_names[0]}** elsewhere. The boundary $w_1x_1 + w_2x_2 + b = 0$ is a straight line; "
            "the weight vector **w** is perpendicular to it and points to the blue side; $b$ shifts it."
        )
        if not line_w.any():
            st.info(f"With w = 0 there is no line: every point gets class {1 if b >= 0 else 0} (z = b).")
        on_the_line_note(data, line_w, b)
        if data.note:
            st.caption(data.note)


one_neuron()
decision_boundary()
dataset_name, seed = st.session_state["perc_dataset"], int(st.session_state["perc_seed"])
data = load_dataset(dataset_name, seed)

# --- 3. The learning rule ------------------------------------------------------------------------------
st.header("The perceptron learning rule, step by step")
st.latex(r"\begin{gathered}\hat y = H(\mathbf{w}\cdot\mathbf{x} + b) \\ "  # a line each: one was cut on a phone
         r"\mathbf{w} \leftarrow \mathbf{w} + \eta\,(y - \hat y)\,\mathbf{x} \\ b \leftarrow b + \eta\,(y - \hat y)"
         r"\end{gathered}")
st.markdown("Show the perceptron one sample at a time. When it is right $(y = \\hat y)$ nothing changes; when it is "
            "wrong the line moves towards getting that sample right. One **epoch** is one pass over all samples "
            "(in a shuffled order fixed by the seed).")
settings = st.columns(3)
learning_rate = settings[0].slider("learning rate η", 0.0, 2.0, 1.0, step=0.05, key="perc_lr", **ui.URL,
                                   help="A new η starts the run again: the weights shown are always a run with this η.")
start = settings[1].radio("start from (on Reset)", ["w = 0, b = 0", "the line set above"], key="perc_start",
                          help="Used when the run starts, when the data or η change, and when you press Reset.", **ui.URL)
play_speed = settings[2].radio("play speed", ["one sample per tick", "one epoch per tick"], key="perc_speed", **ui.URL)


def fresh_run() -> perc.RuleRun:
    w0, b0 = (None, 0.0) if start.startswith("w = 0") else the_line()
    return perc.RuleRun((dataset_name, seed, learning_rate), perc.initial_state(2, w0, b0))


run = st.session_state.get(RUN_KEY)
if run is None or run.made_for != (dataset_name, seed, learning_rate):
    if run is not None and run.state.steps:  # only a run that had begun is lost (a toast over the lecture
        st.toast("New data or η: the learning rule starts again.")  # plan's Next button otherwise, at every change)
    st.session_state[RUN_KEY] = run = fresh_run()
    st.session_state[PLAY_KEY] = False


def advance(state: perc.PerceptronState, whole_epoch: bool) -> perc.PerceptronState:
    step = perc.learning_epoch if whole_epoch else perc.learning_step
    return step(state, data.X, data.y, learning_rate, seed)


@st.fragment(run_every=0.7 if st.session_state.get(PLAY_KEY) else None)
def learning_rule() -> None:
    run = st.session_state[RUN_KEY]
    figure_col, text_col = st.columns([2, 1])
    # beside the figure they drive, above the numbers they change: a lecture moment that opens at the figure shows
    # them (in a row of their own above it they were under the moment bar that sticks at the top)
    buttons = text_col.container(horizontal=True)  # a row that wraps (2 blocks, not st.columns' 11: see ui.try_this)
    playing = st.session_state.get(PLAY_KEY, False)
    # Play and Pause are two buttons, one shown at a time, each setting the state rather than toggling it: a click
    # handled twice (while the timer's reruns queue up) cannot undo itself
    play_or_pause = buttons.button("■ Pause", key="perc_pause", width="stretch", shortcut=ui.PLAY_SHORTCUT) \
        if playing else buttons.button("▶ Play", key="perc_play", width="stretch", shortcut=ui.PLAY_SHORTCUT)
    if play_or_pause:
        st.session_state[PLAY_KEY] = not playing
        st.rerun()  # the whole page: the fragment's timer is set when the page runs
    if buttons.button("Step: 1 sample", key="perc_step", width="stretch", shortcut=ui.STEP_SHORTCUT):
        run.go(advance(run.state, whole_epoch=False))
    # after single steps it finishes the epoch they began: a student expected four samples of AND and saw two
    if buttons.button("Step: 1 epoch", key="perc_epoch", width="stretch",
                      help="To the end of the current epoch: a whole epoch from its start, the samples it has left "
                           "after single steps."):
        run.go(advance(run.state, whole_epoch=True))
    if buttons.button("Run to the end", key="perc_run", width="stretch",
                      help=f"Until an epoch makes no mistake, or {MAX_EPOCHS} epochs."):
        end = run.state
        while end.epoch < MAX_EPOCHS and end.converged_at is None:
            end = advance(end, whole_epoch=True)
        run.go(end)
    back = buttons.empty()  # drawn below, once this run's press has moved the rule: enabled only if it can go back
    if buttons.button("Reset", key="perc_reset", width="stretch"):
        st.session_state[RUN_KEY] = run = fresh_run()
        st.session_state[PLAY_KEY] = False
        if playing:
            st.rerun()  # the whole page, as Pause: its timer stops, and this run does not take a tick from the start
    state = run.state
    if playing:  # a timer tick (or another button while playing); Pause has rerun the page above
        if state.converged_at is not None or state.epoch >= MAX_EPOCHS:
            st.session_state[PLAY_KEY] = False
            st.rerun()
        run.go(advance(state, whole_epoch=play_speed.startswith("one epoch")))
        state = run.state
    # a lecturer who pressed once too often, or wants to show a step again (backprop's Back has the same key); a
    # callback, so that the run draws the state it went back to and knows whether it can go back further. Undone
    # with it: a tick of Play too, one at a time after a Pause
    back.button("◀ Back", key="perc_back", width="stretch", shortcut=ui.BACK_SHORTCUT, on_click=run.back,
                disabled=playing or not run.can_go_back,
                help="Undo the last step, epoch or Run to the end (Pause first, while it plays).")

    with figure_col:
        previous = (tuple(state.previous[0]), state.previous[1]) if state.previous else None
        ui.show_figure(boundary_figure(dataset_name, seed, tuple(state.w), state.b, previous,
                                       state.last.sample if state.last else None), key="perc_learning")
        # under the figure, in a row that wraps: in the text's column they made it twice the figure's height after
        # Run to the end, and left ~650x450 px blank under the figure in Lecture mode at 1280x720
        metrics, d = st.container(horizontal=True), perc.rule_decimals(learning_rate)
        metrics.metric("w1, w2", with_minus_signs(f"{state.w[0]:.{d}f}, {state.w[1]:.{d}f}"))
        metrics.metric("b", with_minus_signs(f"{state.b:.{d}f}"))
        metrics.metric("epochs done", state.epoch)
        metrics.metric("mistakes so far", state.updates)
    with text_col:
        run_outcome(state)  # first beside the figure: under it, after Run to the end, it lay below a projector's screen
        last = state.last
        if last is None:
            st.info("Press **Step: 1 sample** to show the perceptron its first sample.")
        else:
            st.markdown(f"**Last sample** #{last.sample}: x = {with_minus_signs(f'({last.x[0]:.2f}, {last.x[1]:.2f})')}, "
                        f"y = {last.target}, ŷ = {last.output}"
                        + (": right, so **nothing changes**." if last.error == 0 else
                           ": wrong, but with η = 0 **nothing changes**." if last.learning_rate == 0 else
                           ": wrong, so the line moves." if (state.w - last.delta_w).any() and state.w.any() else
                           # from w = 0 there was no line to move (a student's review)
                           ": wrong, so w and b change: now there is a line, w·x + b = 0." if state.w.any() else
                           f": wrong, so {'w and b change' if last.delta_w.any() else 'b changes'}; w = 0 now, so "
                           "there is no line."))
        if not state.w.any():
            st.caption(f"w = 0: there is no line; every point gets class {1 if state.b >= 0 else 0} (z = b).")
        on_the_line_note(data, state.w, state.b)
        if learning_rate == 0:
            st.warning("η = 0: every Δw is 0, so the perceptron never learns. Move the learning rate up.")
    last = state.last
    if last is not None and last.error != 0:
        d = perc.rule_decimals(last.learning_rate)
        ui.latex(rf"\Delta\mathbf{{w}} = \eta\,(y - \hat y)\,\mathbf{{x}} = {last.learning_rate:g}\cdot({last.error:+d})"
                 rf"\cdot({last.x[0]:.2f}, {last.x[1]:.2f}) = "
                 rf"({last.delta_w[0]:+.{d}f}, {last.delta_w[1]:+.{d}f}), "
                 rf"\qquad \Delta b = {last.delta_b:+.{d}f}")
    if state.errors_per_epoch:
        ui.show_figure(figs.errors_per_epoch_figure(state.errors_per_epoch), key="perc_errors")


def run_outcome(state: perc.PerceptronState) -> None:
    """Whether the run converged, or why it never will."""
    if state.converged_at == 0:
        st.success("Already right: the starting line classifies every sample, so the rule never changed it.")
    elif state.converged_at is not None:
        st.success(f"Converged: after {state.converged_at} mistakes a whole epoch went by without one. On linearly "
                   "separable data Rosenblatt's convergence theorem guarantees this: from w = 0 there are at most "
                   "(R/γ)² mistakes, where R is the largest length ‖(x, 1)‖ of a sample and γ the margin of the best "
                   "separating line with ‖(w, b)‖ = 1.")
    elif state.epoch >= 5 and not data.separable and min(state.errors_per_epoch) > 0:
        st.warning(
            f"After {state.epoch} epochs it still makes mistakes in every epoch "
            f"(last ones: {', '.join(map(str, state.errors_per_epoch[-8:]))}). "
            + ("No straight line puts the XOR 1s on one side and the 0s on the other, so every fix for one point "
               "breaks another: the error count cycles for ever." if data.name == "XOR" else
               "The classes overlap, so no line is right everywhere and the rule never settles.")
        )


learning_rule()

# --- 4. Beyond one neuron -------------------------------------------------------------------------------
@ui.section_fragment("perc_xor")
def xor_with_two_layers() -> None:
    own = ui.reruns("perc_xor")  # its widgets rerun this section alone
    st.header("Beyond one neuron: XOR with two layers")
    xor = logic_gate("XOR")
    hidden, out = perc.two_layer_xor(TRUTH_TABLE_INPUTS)
    text, table = st.columns([1, 1])
    with text:
        st.markdown(
            "One perceptron cannot compute XOR (Minsky & Papert, 1969). Two layers can: hidden neuron $h_1$ computes "
            "**OR**, $h_2$ computes **AND**, and the output neuron says yes when $h_1$ is on but $h_2$ is off."
        )
        st.latex(r"\begin{aligned}h_1 &= H(x_1 + x_2 - 0.5) && \text{(OR)}\\ h_2 &= H(x_1 + x_2 - 1.5) && \text{(AND)}"
                 r"\\ \hat y &= H(h_1 - h_2 - 0.5)\end{aligned}")
    with table:
        ui.table({name: [int(v) for v in column] for name, column in (
            ("x₁", TRUTH_TABLE_INPUTS[:, 0]), ("x₂", TRUTH_TABLE_INPUTS[:, 1]), ("h₁ = OR", hidden[:, 0]),
            ("h₂ = AND", hidden[:, 1]), ("network ŷ", out), ("XOR", xor.y))})
    steep = st.slider("steepness s of the sigmoid neurons σ(s·z)", value=5.0, key="xor_steepness", **STEEPNESS, **own,
                      **ui.URL)
    step_figure, sigmoid_figure = xor_figures(steep)
    left, right = st.columns(2)
    with left:
        ui.show_figure(step_figure, key="xor_step")
    with right:
        ui.show_figure(sigmoid_figure, key="xor_sigmoid")
    if perc.computes_xor(steep):
        smooth = ("With sigmoid neurons the same weights give a smooth version of the same regions (sharper as $s$ "
                  "grows). ")
    else:
        outputs = perc.two_layer_xor(TRUTH_TABLE_INPUTS, steep)[1]
        smooth = (f"At $s = {steep:g}$ the sigmoids are too flat: the output is {outputs.min():.2f} to "
                  f"{outputs.max():.2f} at the four points, all under 0.5, so the network says 0 everywhere: no XOR. "
                  f"From $s = {FLATTEST_XOR_STEEPNESS:g}$ on the same weights give a smooth version of the step neurons' "
                  "regions. ")
    st.markdown(
        smooth + "Smooth means **differentiable**: gradient descent and backpropagation can *learn* such weights from "
        "data instead of us setting them by hand. That is the step from perceptrons to multi-layer networks."
    )


xor_with_two_layers()

# --- 5. scikit-learn and Keras ---------------------------------------------------------------------------
st.header("The same model in scikit-learn and Keras")
ours = own_fit(dataset_name, seed)
_, _, sk_pred = sklearn_fit(dataset_name, seed)
agreement = float(np.mean(sk_pred == perc.predict(data.X, ours.w, ours.b)))
plot, text = st.columns([2, 1])
with plot:
    ui.show_figure(comparison_figure(dataset_name, seed), key="perc_sklearn")
with text:
    st.markdown(f"Both trained on **{dataset_name}** from w = 0 for up to {MAX_EPOCHS} epochs (η = 1).")
    st.metric("predictions that agree", f"{agreement:.0%}")
    st.metric("accuracy: ours / scikit-learn",
              f"{np.mean(perc.predict(data.X, ours.w, ours.b) == data.y):.0%} / {np.mean(sk_pred == data.y):.0%}")
    why = ("any separating line stops the rule and the two shuffle the samples differently"
           if ours.converged_at is not None else
           f"the rule found no separating line in {MAX_EPOCHS} epochs (XOR and overlapping blobs have none), so "
           "it never stopped: each ends with the line of its last update, and the two shuffle the samples "
           "differently")
    st.caption(f"Same family of models (a line); the lines can differ because {why}. At a tie, z = 0, "
               "scikit-learn predicts class 0 and this page class 1 (H(0) = 1): with w = 0, b = 0 (where a run on XOR "
               "often ends) that flips every prediction.")

ui.try_this([
    ui.Experiment("Dataset AND: set w1 = w2 = 1 and find a bias that makes 0 mistakes. Which range of b works? Now try "
                  "XOR.", (("AND, w1 = w2 = 1", {"perc_dataset": "AND", "perc_w1": 1.0, "perc_w2": 1.0}),
                          ("XOR", {"perc_dataset": "XOR"}))),
    # these two to the learning rule's buttons, which the prompts name (the data set's box is a section higher)
    ui.Experiment("Step through the rule on AND one sample at a time: predict before each click whether the line "
                  "will move. ◀ Back shows a step again.", (("AND", {"perc_dataset": "AND"}),), focus="perc_step"),
    ui.Experiment("Choose XOR and press Run to the end: watch the mistakes per epoch. Do they ever reach 0?",
                  (("XOR", {"perc_dataset": "XOR"}),), focus="perc_run"),
    ui.Experiment("Set the learning rate to 0.1 and to 2 and run the separable blobs from w = 0: does η change the "
                  "final line?",
                  (("blobs, η = 0.1", {"perc_dataset": "Separable blobs", "perc_lr": 0.1, "perc_start": "w = 0, b = 0"}),
                   ("blobs, η = 2", {"perc_dataset": "Separable blobs", "perc_lr": 2.0, "perc_start": "w = 0, b = 0"}))),
], "perceptron")


def keras_notebook() -> notebooks.PageNotebook:
    state = st.session_state
    w, b = [state["perc_w1"], state["perc_w2"]], state["perc_b"]
    data = load_dataset(dataset_name, seed)
    return notebooks.perceptron_notebook(perceptron_code(dataset_name, seed, w, b), dataset_name, w, b,
                                         data.feature_names, data.class_names)


ui.keras_panel("A perceptron is a single `Dense` unit. Here it holds the line you set in *A perceptron draws a "
               "straight line*, on the same data, and counts its mistakes as the page does:", keras_notebook)
