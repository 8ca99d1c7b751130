"""Backpropagation: how the gradient reaches every weight, one chain-rule step at a time."""

import functools
from dataclasses import asdict

import numpy as np
import streamlit as st

from nnviz import backprop as bpm
from nnviz import network as nw
from nnviz import notebooks, ui
from nnviz.course import PAGES_BY_KEY
from nnviz.figures import backprop as figs
from nnviz.formatting import digits_that_add_up, listed, loss_text, significant, written_change
from nnviz.keras_code import backprop_code
from nnviz.mlp import N_CLASSES, N_INPUTS, MLPConfig

LEARNING_RATES = tuple(float(f"{v:.3g}") for v in np.geomspace(0.001, 100.0, 21))
RATE_CURVE = np.geomspace(0.001, 100.0, 81)
STEP_KEY = "bp_step"
TAPE_KEY = "bp_tape"  # (the inputs it was computed for, GradientTape's result)
ACTIVATION_LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}
OUTPUT_LABELS = {1: "1 sigmoid unit", 2: "2 softmax units", 3: "3 softmax units"}
BATCH_LABELS = {1: "one example", 4: "mini-batch of 4"}
# Lecture mode: the step's numbers beside the diagram, in the text's size (KaTeX's 1.21 em wrapped a line of the
# default network's inside its brackets there)
STEP_NUMBERS_KEY = "bp_step_numbers"
STEP_NUMBERS_CSS = f"<style>.st-key-{STEP_NUMBERS_KEY} .katex {{ font-size: 1em; }}</style>"


# Figures that the step, example and η controls leave alone are memoised on the pass they draw.


def _pass_key(bp: bpm.BackwardPass) -> tuple:
    return bp.spec, bp.network.flat, bp.x, bp.y


def _rebuilt(spec, flat, x, y) -> bpm.BackwardPass:
    with np.errstate(over="ignore", invalid="ignore"):
        return bpm.backward_pass(nw.Network(spec, flat.copy()), x, y)


@ui.cache_figure
def diagram_figure(spec, flat, x, y, step: int, example: int, narrow: bool):
    return figs.network_figure(bpm.diagram(_rebuilt(spec, flat, x, y), step, example), narrow=narrow)


@ui.cache_figure
def sensitivity_figure(spec, flat, x, y, narrow: bool):
    bp = _rebuilt(spec, flat, x, y)
    return figs.network_figure(bpm.diagram(bp, len(bp.steps), sensitivity=True), narrow=narrow)


@st.cache_data(show_spinner=False, max_entries=16)
def rate_curve(spec, flat, x, y) -> np.ndarray:
    """The batch loss after one step for every η of RATE_CURVE: the same curve whatever η is chosen, so η's slider
    only moves the marker (it was 81 steps of the network per η, most of the section's time)."""
    return bpm.loss_after_one_step(_rebuilt(spec, flat, x, y), RATE_CURVE)


@ui.cache_figure
def one_step_figure(spec, flat, x, y, rate: float, loss_before: float, loss_after: float):
    return figs.one_step_figure(RATE_CURVE, rate_curve(spec, flat, x, y), loss_before, rate, loss_after, len(x))


@ui.cache_figure
def delta_by_layer_figure(spec, flat, x, y):
    bp = _rebuilt(spec, flat, x, y)
    labels = [bpm.layer_name(spec, layer) for layer in range(1, spec.n_layers + 1)]
    return figs.delta_by_layer_figure(bpm.delta_by_layer(bp), labels)


# Every section reads the network from the session's state (current_pass), so that a section rerun on its own sees
# the values of now. The network's controls rerun the four sections that show it (the weights set by hand, the
# forward/backward pass, the gradients, the Keras panel), not the controls themselves, the page's header, sidebar or
# Try this; the output layer, which sets the true class's choices, reruns the page. Step and the example rerun the
# forward/backward section, η and the deep view's activation their own.
USES_NETWORK = ("bp_network", "bp_forward", "bp_gradients", ui.KERAS_SECTION)
NETWORK = {**ui.reruns(*USES_NETWORK), **ui.URL}


def network_controls() -> None:
    """The network, the example(s) and the weights' seed (current_setup reads them). Outside every fragment: a
    control's own rerun would only resend the controls."""
    c1, c2, c3, c4, c5 = ui.section("The network and the example", 5)
    with c1:
        st.slider("hidden layers", 1, bpm.MAX_HIDDEN_LAYERS, 1, key="bp_layers", **NETWORK)
        st.slider("units per hidden layer", *bpm.UNIT_RANGE, 3, key="bp_units", **NETWORK)
    with c2:
        st.selectbox("hidden activation", bpm.HIDDEN_CHOICES, format_func=ACTIVATION_LABELS.get, key="bp_activation",
                     **NETWORK)
        outputs = st.selectbox("output layer", bpm.OUTPUT_CHOICES, format_func=OUTPUT_LABELS.get,
                               key="bp_outputs", **ui.reruns(), **ui.URL)
    with c3:
        st.number_input("x₁", -10.0, 10.0, 0.5, step=0.1, key="bp_x1", **NETWORK)
        st.number_input("x₂", -10.0, 10.0, -1.0, step=0.1, key="bp_x2", **NETWORK)
    with c4:
        n_classes = max(outputs, 2)
        st.selectbox("true class y", range(n_classes), index=1, key="bp_label", format_func=lambda k: f"class {k}",
                     help="Your example's class. In a mini-batch of 4 the other three take the classes after it, in "
                          "turn (the list of examples above the diagram gives each one's).", **NETWORK)
        st.number_input("weights' seed", 0, 10_000, 0, key="bp_seed", **NETWORK)
    with c5:
        st.radio("examples", bpm.BATCH_CHOICES, key="bp_batch", format_func=BATCH_LABELS.get, **NETWORK)


HAND_LIMIT = 1000.0
HAND_OPEN_KEY = "bp_hand_open"  # whether "Set weights by hand" is unfolded


def hand_weights(setup: bpm.BackpropSetup) -> None:
    """Weights set by hand over the Glorot-uniform ones of the seed. They are a text field bound to the URL
    (name=value, ...), so a link carries them; the weight picker below it edits it."""
    names = bpm.parameter_names(setup.spec)

    def remember_value():
        values, _ = bpm.parse_hand_values(st.session_state["bp_hand_set"], HAND_LIMIT)
        values[st.session_state["bp_hand_name"]] = st.session_state["bp_hand_value"]
        st.session_state["bp_hand_set"] = bpm.hand_values_text(values)

    def reset_all():
        st.session_state["bp_hand_set"] = ""

    # open where weights are set by hand; from a link they are still only in the address (the field is made below)
    hand_set = st.session_state.get("bp_hand_set") or st.query_params.get("bp_hand_set")
    if hand_set and HAND_OPEN_KEY not in st.session_state:
        st.session_state[HAND_OPEN_KEY] = True
    # Its widgets are made only while it is open or weights are set by hand (then the field must stay, or they would
    # be lost): folded and empty, they were a third of a network change's run, for nothing on the screen. A keyed
    # expander knows whether it is open; unfolding it reruns this section, which then fills it.
    expander = st.expander("Set weights by hand", key=HAND_OPEN_KEY, on_change="rerun")
    if not (expander.open or hand_set):
        return
    with expander:
        st.caption("w(l)_ij joins unit i of layer l−1 to unit j of layer l; b(l)_j is the bias of unit j of layer l. "
                   "Every other weight is Glorot-uniform from the seed.")
        text = st.text_input("weights set by hand", "", key="bp_hand_set", placeholder="e.g. w(1)_11=0.5, b(2)_1=-1",
                             help="name=value, separated by commas. Pick a weight below to change it, or type here.",
                             **NETWORK)
        values, unreadable = bpm.parse_hand_values(text, HAND_LIMIT)
        current = dict(zip(names, backward_pass_for(setup, text).network.flat.tolist()))
        c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
        name = c1.selectbox("weight or bias", names, key="bp_hand_name", **ui.reruns("bp_network"))
        st.session_state["bp_hand_value"] = current[name]  # the table shows the value the network has
        c2.number_input("value", -HAND_LIMIT, HAND_LIMIT, step=0.1, key="bp_hand_value",
                        on_change=ui.then_rerun(remember_value, *USES_NETWORK))
        # the whole page, not the network's sections: in their rerun the field kept showing the weights (and sent
        # them back at the next change), and when they had come in a link it took them from the address again, so
        # Reset all did nothing in the browser (Streamlit 1.67; AppTest, without fragments, did not show it)
        c3.button("Reset all", key="bp_hand_reset", on_click=ui.then_rerun(reset_all), width="stretch")
        if unreadable:
            st.warning("Not used, as they could not be read: " + listed(unreadable) + ".")
        used = [other for other in values if other in current]
        if used:  # which layer each name is now: after a change of the layers, w(2)_11 may be the output's
            st.caption("Set by hand: " + listed([f"{other} = {significant(values[other], 6)} ({layer_of(other, setup.spec)})"
                                                 for other in used], separator=", ") + ".")
        unused = [other for other in values if other not in current]
        if unused:
            st.caption("Not in this network, so not used: " + listed(unused, separator=", ") + ".")


def layer_of(name: str, spec) -> str:
    """'output layer' or 'hidden layer 2': the layer a weight's or bias's name w(l)_ij / b(l)_j leads into."""
    layer = int(name[name.index("(") + 1:name.index(")")])
    return "output layer" if layer == spec.n_layers else f"hidden layer {layer}"


@ui.section_fragment("bp_network")
def hand_weights_section() -> None:
    hand_weights(current_setup())


def current_setup() -> bpm.BackpropSetup:
    """What the network's controls chose (read from the session's state: see USES_NETWORK)."""
    state = st.session_state
    n_classes = max(state["bp_outputs"], 2)
    return bpm.BackpropSetup(hidden_layers=state["bp_layers"], hidden_units=state["bp_units"],
                             activation=state["bp_activation"], outputs=state["bp_outputs"], batch=state["bp_batch"],
                             seed=int(state["bp_seed"]), x1=float(state["bp_x1"]), x2=float(state["bp_x2"]),
                             label=min(int(state["bp_label"]), n_classes - 1))


@functools.lru_cache(maxsize=4)  # the sections of one rerun share it
def backward_pass_for(setup: bpm.BackpropSetup, hand_set: str) -> bpm.BackwardPass:
    """The forward and backward pass of the seed's weights with those set by hand, on the setup's example(s)."""
    network = bpm.with_values(bpm.seeded_network(setup), bpm.parse_hand_values(hand_set, HAND_LIMIT)[0])
    with np.errstate(over="ignore", invalid="ignore"):
        return bpm.backward_pass(network, *setup.examples())


def current_pass() -> tuple[bpm.BackpropSetup, bpm.BackwardPass]:
    setup = current_setup()
    return setup, backward_pass_for(setup, st.session_state.get("bp_hand_set", ""))


def step_controls(n_steps: int) -> int:
    """Back / Step / All buttons and a slider over the steps (0 = the forward pass only)."""
    st.session_state[STEP_KEY] = min(st.session_state.get(STEP_KEY, 0), n_steps)

    def move(delta: int | None):
        current = st.session_state[STEP_KEY]
        st.session_state[STEP_KEY] = n_steps if delta is None else min(max(current + delta, 0), n_steps)

    buttons = st.container(horizontal=True)  # one row that wraps (2 blocks, not 12: see ui.try_this)
    buttons.button("◀ Back", on_click=move, args=(-1,), width="stretch", key="bp_back", shortcut=ui.BACK_SHORTCUT)
    buttons.button("Step ▶", on_click=move, args=(1,), width="stretch", key="bp_next", type="primary",
                   shortcut=ui.STEP_SHORTCUT)
    buttons.button("All steps", on_click=move, args=(None,), width="stretch", key="bp_all")
    buttons.button("Reset", on_click=move, args=(-n_steps,), width="stretch", key="bp_reset")
    return st.slider("backward step (0 = forward pass only)", 0, n_steps, key=STEP_KEY, **ui.URL,
                     **ui.reruns("bp_forward"))


def forward_and_backward() -> None:
    st.header("Forward pass, then backward pass step by step")
    st.markdown(
        "**Forward:** every unit computes $z = \\sum_i w_i a_i + b$ and $a = f(z)$ from left to right; the "
        "loss compares the output with $y$. **Backward:** the chain rule runs from the loss back to the "
        "inputs. Each unit gets its **error signal δ = ∂ℓ/∂z** (ℓ: one example's loss; L is its mean over the "
        "examples), and each weight's gradient is "
        "δ of the unit it feeds times the activation it carries."
    )
    if ui.lecture_mode():  # drawn with the page: a style element in a fragment's rerun took the moment bar's away
        st.html(STEP_NUMBERS_CSS)
    diagram_and_steps()


@ui.section_fragment("bp_forward")  # Step, Back, the slider and the example rerun only this section
def diagram_and_steps() -> None:
    setup, bp = current_pass()
    plot, text = st.columns([3, 2])
    with text:
        step = step_controls(len(bp.steps))
        example = 0
        if setup.batch > 1:
            example = st.selectbox("example shown on the diagram", range(setup.batch), key="bp_example",
                                   format_func=lambda n: f"example {n + 1}: x = ({bp.x[n, 0]:g}, {bp.x[n, 1]:g}), "
                                                         f"class {setup.example_class(n)}",
                                   **ui.URL, **ui.reruns("bp_forward"))
        steps = bpm.backward_steps(bp, example) if example else bp.steps  # the δs of the example on the diagram
        # the metrics, then the step; in Lecture mode the step and its numbers first: under the diagram, and under
        # the metrics, the numbers were below a projector's screen (lecture moment 10)
        metrics = st.container(horizontal=True) if not ui.lecture_mode() else None
        if step == 0:
            st.markdown("The diagram shows the **forward pass**: $a$ inside each unit, $z$ below it, each "
                        f"weight on its edge. {bpm.biases_note(bp.network)} Press **Step ▶** to start the backward "
                        "pass.")
        else:
            st.markdown(f"**Step {step}: {steps[step - 1].title}**")
        if ui.lecture_mode():  # at step 0 too: the same elements at every step, so that the metrics keep their place
            with st.container(key=STEP_NUMBERS_KEY):
                if step:
                    st.markdown("  \n".join(f"${equation}$" for equation in steps[step - 1].equations))
        if metrics is None:
            metrics = st.container(horizontal=True)
        metrics.metric("loss L" + (" (mean of 4)" if setup.batch > 1 else ""), f"{bp.loss:.4f}")
        metrics.metric(f"step (of {len(bp.steps)})", str(step))  # short: the value must fit half a column
    with plot:
        ui.show_figure(diagram_figure(*_pass_key(bp), step, example, ui.small_screen()), key="bp_diagram")
    if step:
        step_arithmetic(bp, steps[step - 1], steps[:step], setup, example)
    for note in bpm.problems(bp):
        st.warning(note)


def step_arithmetic(bp: bpm.BackwardPass, current: bpm.BackwardStep, done_steps: list[bpm.BackwardStep],
                    setup: bpm.BackpropSetup, example: int) -> None:
    """The current step's chain-rule product, in symbols and with the numbers of ``example``, beside all values so
    far (full width below the diagram: the lines are too long for a column, above all in lecture mode)."""
    # in lecture mode the formulas are too large for a column beside the table, and the numbers stand beside the
    # diagram (diagram_and_steps)
    formulas, table = (st.container(), st.columns([3, 2])[0]) if ui.lecture_mode() else st.columns([3, 2])
    with formulas:
        ui.latex(current.formula)
        if ui.small_screen() and not ui.lecture_mode():
            # set inline, each equation wraps at its = and + signs: as a display formula, a sum written to the digits
            # that add up was 2-3 phone widths wide, its results out of sight (a review on a phone)
            st.markdown("  \n".join(f"${equation}$" for equation in current.equations))
        elif not ui.lecture_mode():
            ui.latex(current.arithmetic)
        if current.kind == "delta" and current.layer == bp.spec.n_layers and setup.outputs > 1:
            # the classes count from 0, the units from 1: 'class 1' and y₂ = 1 read as a slip (a student's review)
            label = setup.example_class(example)
            st.caption(f"y is one-hot: y_k = 1 for the true class's unit, 0 for the others; the classes count from "
                       f"0 and the units from 1, so class {label} is unit {label + 1} "
                       f"(y_{label + 1} = 1). With softmax and cross-entropy, ∂ℓ/∂p_m = −y_m/p_m and the "
                       "softmax's own derivative ∂p_m/∂z_k = p_m(1[m = k] − p_k), where 1[m = k] is 1 if m = k and 0 "
                       "otherwise, cancel to p_k − y_k: the same simple rule as a sigmoid with binary cross-entropy.")
    # the latest step first: in the table's 300 px the newest values were below its fold from step 5 on, those of
    # step 8 all three (a student's review)
    done = {name: value for s in reversed(done_steps) for name, value in s.values.items()}
    with table:
        st.markdown("**Computed so far**, the latest step first"
                    + (f" (δ of example {example + 1}; gradients averaged over the batch)" if setup.batch > 1 else ""))
        ui.data_table({"quantity": [("∂L/∂" + k) if not k.startswith("δ") else k for k in done],
                       "value": [significant(v) for v in done.values()]},
                      height=min(35 * (len(done) + 1) + 3, 300), key="bp_so_far")


def sensitivity(bp: bpm.BackwardPass) -> None:
    # on the projector the diagram the page's width: in Lecture mode with the sidebar open its 3/5 of the column was
    # 460 px, narrower than the 640 px its labels are placed for ('0.0461' lay on 'z = −0.939')
    plot, text = ui.figure_and_notes([3, 2])
    with plot:
        ui.show_figure(sensitivity_figure(*_pass_key(bp), ui.small_screen()), key="bp_sensitivity")
    with text:
        st.markdown(
            "Each edge shows its **∂L/∂w**: the thicker, the more the loss changes when that weight moves "
            "(3Blue1Brown's *sensitivity*). **Blue**: ∂L/∂w > 0, gradient descent makes the weight smaller; "
            "**orange-red**: ∂L/∂w < 0, it makes it larger; **grey**: exactly 0, it does not move: into a ReLU "
            "unit that is off (its δ is 0) or out of one (its activation is 0). Each unit's δ is coloured by its sign "
            "the same way. Weights from an activation near 0, "
            "or into a unit "
            "with a small δ, hardly matter for this example. The table lists the largest |∂L/∂θ| first."
            # on a mini-batch the edges' numbers are means over the batch, the units' δ example 1's: δ · a on an
            # edge did not give its number, and nothing said why (a helper's review)
            + (f"\n\nWith a mini-batch of {len(bp.x)} examples each edge's ∂L/∂w is the **mean over the "
               "batch**, while each unit shows the δ of **example 1**: an edge's number is not that δ times "
               "example 1's activation." if len(bp.x) > 1 else "")
        )
        rows = bpm.gradient_rows(bp)
        ui.data_table({"parameter": rows["parameter"], "value": [significant(v) for v in rows["value"]],
                       "∂L/∂θ": [significant(v) for v in rows["∂L/∂θ"]]},
                      height=300, key="bp_gradients")


@ui.section_fragment("bp_sgd")  # η reruns only this section
def one_sgd_step(bp: bpm.BackwardPass) -> None:
    st.latex(r"\theta \leftarrow \theta - \eta\,\frac{\partial L}{\partial \theta}\quad\text{for every weight and bias}")
    controls, plot = st.columns([1, 2])
    with controls:
        rate = ui.number_choice("learning rate η", LEARNING_RATES, 1.0, key="bp_rate", **ui.reruns("bp_sgd"))
        result = bpm.sgd_step(bp, rate)
        before, after = loss_text(result.loss_before), loss_text(result.loss_after)
        st.metric("loss before", before)
        change = written_change(before, after) if np.isfinite(result.loss_after) else None
        # four significant digits: at η = 100 on one example the loss after read 0.0000 (a student's review)
        st.metric("loss after one step", after if change else "overflow", delta=change, delta_color="inverse")
        if not change:
            st.error("This step is so large that the loss overflowed: the new weights are useless.")
        elif result.loss_after > result.loss_before:
            data = "example" if bp.x.shape[0] == 1 else "mini-batch"
            st.warning(f"η = {rate:g} is too large for this network and {data}: the step overshoots and the "
                       "loss goes **up**. The gradient only says which way is downhill *here*.")
        else:
            by = f"by {change.lstrip('-')}" if float(change) else "by less than the digits shown"
            st.success(f"The loss went down {by}: a step against the gradient is downhill.")
            if bp.x.shape[0] == 1 and rate >= 10:
                st.caption("With a single example even a huge step can fit it — and spoil every other example. "
                           "Choose the mini-batch of 4 to see a large η overshoot.")
    with plot:
        ui.show_figure(one_step_figure(*_pass_key(bp), rate, result.loss_before, result.loss_after),
                       key="bp_rate_curve")
    names = bpm.parameter_names(bp.spec)
    # θ and ∂L/∂θ with the digits whose θ − η ∂L/∂θ gives the new value as written: at η = 100 a student worked
    # −1.006 − 100·(−0.003428) = −0.6632 out beside the table's −0.6629
    written = [step_inputs_written(theta, grad, rate, after)
               for theta, grad, after in zip(result.before.flat, bp.gradients.flat, result.after.flat)]
    ui.data_table({"parameter": names, "θ": [theta for theta, _ in written], "∂L/∂θ": [grad for _, grad in written],
                   "θ − η ∂L/∂θ": [significant(v) for v in result.after.flat]},
                  height=250, key="bp_new_weights")


def step_inputs_written(theta: float, grad: float, rate: float, after: float) -> tuple[str, str]:
    """θ and ∂L/∂θ to the fewest digits (4 or more) from which θ − η ∂L/∂θ comes out as ``after`` is written."""
    digits = digits_that_add_up([theta, grad], lambda w: w[0] - rate * w[1], after) or 7
    return significant(theta, digits), significant(grad, digits)


ROUNDING_DIFFERENCE = 1e-6  # a finite difference with h = 1e-6 is off by ~1e-10 in float64; more is not rounding


def check_gradient(bp: bpm.BackwardPass) -> None:
    st.markdown(
        "Backpropagation is exact calculus, so it can be checked numerically: nudge one parameter by "
        f"±h (h = {significant(bpm.FD_STEP)}) and measure how the loss changes, "
        r"$\frac{\partial L}{\partial \theta} \approx \frac{L(\theta + h) - L(\theta - h)}{2h}$ "
        "(two forward passes per parameter)."
    )
    check = bpm.gradient_check(bp)
    table = {"parameter": check["parameter"], "backprop": [f"{v + 0.0:.6g}" for v in check["backprop"]],
             "finite difference": [f"{v + 0.0:.6g}" for v in check["finite difference"]],
             "|difference|": [significant(v, 2) for v in check["|difference|"]]}
    tape = tape_result(bp)
    if tape is not None:
        table["tf.GradientTape"] = [f"{v + 0.0:.6g}" for v in tape]
    ui.data_table(table, height=250, key="bp_check")
    largest, kinks = max(check["|difference|"]), bpm.relu_kinks(bp)
    if kinks and largest > ROUNDING_DIFFERENCE:
        st.caption(f"Largest |difference|: {significant(largest, 2)}, at ReLU's kink: {', '.join(kinks)} "
                   f"{'is' if len(kinks) == 1 else 'are'} 0, where ReLU has no slope. Backpropagation (and TensorFlow) "
                   "take ReLU′(0) = 0; the finite difference steps across the kink and measures the mean of the "
                   "slopes on either side, ½. So they disagree there: neither is wrong. Elsewhere the differences "
                   "are rounding.")
    else:
        st.caption(f"Largest |difference|: {significant(largest, 2)} (rounding in the finite difference).")
    if tape is not None:
        gap = float(np.max(np.abs(tape - np.asarray(check["backprop"]))))
        st.success(f"tf.GradientTape computes the same gradients as the backpropagation above: largest "
                   f"|difference| {significant(gap, 2)}.")
    if tape is None and st.button("Check with tf.GradientTape", key="bp_tape_button",
                                  help="Loads TensorFlow (a few seconds the first time) and lets Keras compute "
                                       "the same gradients."):
        run_gradient_tape(bp)
        st.rerun()


def _tape_inputs(bp: bpm.BackwardPass) -> tuple:
    return (bp.spec, bp.network.flat.tobytes(), bp.x.tobytes(), bp.y.tobytes())


def tape_result(bp: bpm.BackwardPass):
    """GradientTape's gradients (flat, in the table's order) if they were computed for these very inputs."""
    stored = st.session_state.get(TAPE_KEY)
    if stored and stored[0] == _tape_inputs(bp):
        return stored[1]
    return None


def run_gradient_tape(bp: bpm.BackwardPass) -> None:
    from nnviz import keras_jobs

    result = ui.run_job("TensorFlow computes the gradients …", keras_jobs.gradient_tape_gradients,
                        spec=asdict(bp.spec), weights=bp.network.weights, biases=bp.network.biases, x=bp.x, y=bp.y,
                        dtype="float64")
    if result is not None:
        flat = np.concatenate([np.ravel(p) for pair in zip(result["weights"], result["biases"]) for p in pair])
        st.session_state[TAPE_KEY] = (_tape_inputs(bp), flat)


def why_backprop(_bp: bpm.BackwardPass) -> None:
    config = MLPConfig()
    sizes = (N_INPUTS, *config.hidden_units, N_CLASSES)
    cost = bpm.gradient_cost(sizes)
    st.markdown(
        f"The MNIST page's default network ({'→'.join(map(str, sizes))}) has **{cost.parameters:,}** weights and "
        "biases. Counting multiply-adds for one image:"
    )
    costs = st.container(horizontal=True)
    costs.metric("forward pass", f"{cost.forward:,}")
    costs.metric("backward pass (all gradients)", f"{cost.backward:,}",
                 help="∂L/∂w: one multiply-add per weight, as in the forward pass; plus δ back through every weight "
                      "matrix but the first: at most 2 forward passes")
    costs.metric("finite differences", significant(cost.finite_differences, 3), help="2 forward passes per parameter")
    st.markdown(
        f"Backpropagation gets **every** gradient for at most about 2 more forward passes; here "
        f"{cost.backward / cost.forward:.2f}×, because the first layer's {sizes[0] * sizes[1]:,} weights, most of "
        "the network, need their ∂L/∂w but no δ goes back into the pixels. Finite differences need 2 forward "
        "passes **per parameter**: "
        # 'than what': a student divided by the backward pass alone and got twice the ratio (a student's review)
        f"{cost.ratio:,.0f} times the work of a forward and a backward pass together, per example — and training "
        "needs the gradient thousands of times. "
        "That is why every framework, Keras included, computes gradients by backpropagation "
        "(reverse-mode automatic differentiation)."
    )


@functools.lru_cache(maxsize=len(bpm.HIDDEN_CHOICES))  # three fixed experiments, the same for every session
def layer_spreads(activation: str) -> dict[str, bpm.LayerSpread]:
    return {key: bpm.layer_spread(activation, key) for key in bpm.INIT_SCHEMES}


@ui.cache_figure
def spread_figure(activation: str):
    spreads = {key: (s.activation_std, s.gradient_std) for key, s in layer_spreads(activation).items()}
    return figs.spread_figure(spreads, bpm.INIT_SCHEMES)


def spread_note(activation: str) -> str:
    """What the figure shows for Glorot and He with this activation, in its numbers."""
    glorot, he = (layer_spreads(activation)[key].activation_std for key in ("glorot", "he"))
    return (f"With {ACTIVATION_LABELS[activation]}, from hidden layer 1 to 10 the spread of a goes "
            f"{glorot[0]:.2g} → {glorot[-1]:.2g} with Glorot and {he[0]:.2g} → {he[-1]:.2g} with He.")


def vanishing(bp: bpm.BackwardPass) -> None:
    plot, text = st.columns([2, 3])
    with plot:
        ui.show_figure(delta_by_layer_figure(*_pass_key(bp)), key="bp_delta_layers")
    with text:
        st.markdown(
            "Each step back multiplies δ by a weight and by f′(z). The sigmoid's slope is at most 0.25, so with "
            "sigmoid hidden layers |δ| typically shrinks layer by layer towards the input: the first layers "
            "learn slowest. Set **4 hidden layers** with the **sigmoid** above and watch the bars fall; "
            "switch to tanh or ReLU and compare."
        )
        st.page_link(ui.streamlit_page(PAGES_BY_KEY["activations"]),
                     label="Activation functions: the derivatives and the deep chain", icon=":material/show_chart:")
    deep_view()


@ui.section_fragment("bp_deep")  # the activation reruns only this figure
def deep_view() -> None:
    st.subheader("A deep network: 10 hidden layers of 50 units")
    controls, text = st.columns([1, 3])
    with controls:
        activation = st.radio("hidden activation", bpm.HIDDEN_CHOICES, format_func=ACTIVATION_LABELS.get,
                              key="bp_deep_activation", horizontal=True, **ui.URL, **ui.reruns("bp_deep"))
    with text:
        st.markdown(
            "500 random inputs go forward through 10 layers, and the error comes back, for four ways to draw the "
            "first weights. **Too small**: the signal dies out forwards and the gradients vanish. **Too large**: "
            # the figure shows large gradients there, not small ones: 'saturate' alone read as 'vanish' (a review)
            "sigmoid and tanh units saturate (their outputs pile up near their limits), yet the large weights "
            "multiply what comes back: tanh's gradients grow layer by layer going back (they explode), and "
            "sigmoid's, though they shrink, stay the largest of the four; with ReLU the values themselves explode. "
            "**He** draws weights √2 times larger than "
            "**Glorot**'s: ReLU zeroes half of its inputs, and He makes up for it, so ReLU's spread stays steady "
            "where Glorot's shrinks. Glorot suits layers that pass small signals on unchanged, as tanh does near 0; "
            "tanh squashes larger ones, so even with Glorot its spread shrinks slowly, layer by layer. Keras uses "
            "Glorot by default; He is recommended with ReLU (Géron ch. 11). With **sigmoid** even Glorot's "
            "gradients shrink several times a layer going back: its slope is at most 0.25, one reason hidden "
            "layers moved on from it."
        )
    ui.show_figure(spread_figure(activation), key="bp_spread")
    st.caption(spread_note(activation))


SECTIONS = {  # tab label -> the section it opens
    "Which weights matter": sensitivity,
    "One SGD step": one_sgd_step,
    "Check the gradient": check_gradient,
    "Why backpropagation": why_backprop,
    "Vanishing gradients": vanishing,
}
SECTION_KEY = "bp_section"


@ui.section_fragment("bp_gradients")
def gradients_at_work() -> None:
    """What the finished backward pass is for, one tab per section. Only the open tab runs: a change of
    the network reruns this section, and all five sections' figures and tables would double its time."""
    _, bp = current_pass()
    tabs = st.tabs(list(SECTIONS), key=SECTION_KEY, bind="query-params")
    for tab, section in zip(tabs, SECTIONS.values()):
        if tab.open:
            with tab:
                section(bp)


def keras_notebook() -> notebooks.PageNotebook:
    setup, bp = current_pass()
    spec = bp.spec
    code = backprop_code(spec.sizes, spec.hidden_activation[0], spec.output_activation, spec.loss,
                         bp.network.weights, bp.network.biases, bp.x, bp.y)
    example = (f"the example x = ({bp.x[0][0]:g}, {bp.x[0][1]:g}), y = {setup.label}" if len(bp.x) == 1
               else f"a mini-batch of {len(bp.x)} examples (seed {setup.seed})")
    hand_set = {name: value for name, value in
                bpm.parse_hand_values(st.session_state.get("bp_hand_set", ""), HAND_LIMIT)[0].items()
                if name in bpm.parameter_names(spec)}  # those this network has
    weights = f"weights from seed {setup.seed}" + (f", set by hand: {bpm.hand_values_text(hand_set)}" if hand_set
                                                   else "")
    return notebooks.backprop_notebook(code, spec.sizes, spec.hidden_activation[0], spec.output_activation, spec.loss,
                                       len(bp.x), f"{example}; {weights}")


def keras_panel() -> None:
    ui.keras_panel("The same network, weights and examples in Keras: `tf.GradientTape` records the forward pass and "
                   "runs it backwards. It prints the loss and every gradient of the table above.", keras_notebook)


ui.page_header("backprop")
ui.prewarm_keras()  # this page has a Keras button: a worker starts loading TensorFlow now
network_controls()
hand_weights_section()
forward_and_backward()
st.header("What the gradients are for")
gradients_at_work()
ui.try_this([
    # the output's question alone read as the rule for every δ; a hidden δ's sign comes from the weights too (a
    # student's review: with tanh the output's δ was negative and every hidden one positive)
    ("Step through the backward pass and predict the sign of each δ before you press Step: the output's from "
     "whether it is too high (δ > 0) or too low (δ < 0), a hidden unit's from the weights out of it times the δs "
     "they lead to (f′(z) is never negative here)."),
    ui.Experiment("With one example and one sigmoid output, set the true class to the other one: every δ and every "
                  "gradient flips sign. Why? (With 3 softmax outputs or 4 examples not all do.)",
                  # to the diagram with every δ and gradient: the page stayed at the true class's box, 1.5 screens
                  # above them on a projector (a helper's review)
                  (("true class 0", {"bp_outputs": 1, "bp_batch": 1, "bp_label": 0, SECTION_KEY: "Which weights matter"}),
                   ("true class 1", {"bp_outputs": 1, "bp_batch": 1, "bp_label": 1, SECTION_KEY: "Which weights matter"})),
                  focus="bp_sensitivity"),
    ui.Experiment("Choose ReLU and a seed where a hidden unit has z < 0: its δ is exactly 0, and so is every gradient "
                  "into it.", (("ReLU", {"bp_activation": "relu"}),)),
    ui.Experiment("With the mini-batch of 4, raise η under *One SGD step* until the loss goes up instead of down.",
                  (("4 examples, One SGD step", {"bp_batch": 4, SECTION_KEY: "One SGD step"}),), focus="bp_rate_curve"),
], "backprop")
keras_panel()
