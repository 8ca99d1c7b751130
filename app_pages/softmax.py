"""Softmax output: logits to probabilities, temperature, cross-entropy and numerical stability."""

import functools
from typing import NamedTuple

import numpy as np
import streamlit as st

from nnviz import activations as act
from nnviz import notebooks, ui
from nnviz import softmax as sm
from nnviz.figures import softmax as figs
from nnviz.formatting import SUBSCRIPT, scientific, with_minus_signs
from nnviz.keras_code import softmax_code

DEFAULT_LOGITS = (2.0, 1.0, 0.1, -1.0, 0.5, -0.5, 1.5, -2.0, 0.0, 3.0)
TEMPERATURES = np.geomspace(0.05, 20.0, 60)

ui.page_header("softmax")


class Inputs(NamedTuple):
    """What every section reads: the temperature and the logits (widgets of section 1, read from the session's
    state, so that a section rerun on its own sees the values of now, not those of the page's last full run)."""

    temperature: float
    logits: np.ndarray

    @property
    def n_classes(self) -> int:
        return len(self.logits)

    @property
    def probs(self) -> np.ndarray:
        return sm.softmax(self.logits, self.temperature)


def inputs() -> Inputs:
    state = st.session_state
    return Inputs(float(state["sm_temperature"]), np.array([state[f"sm_logit_{k}"] for k in range(state["sm_classes"])]))


# Every section's numbers and figures rerun without the page (fragments); its headers, formulas and fixed text stay
# outside them, drawn with the page. The number of classes reruns the page; T and a logit every section's numbers;
# the shift c those of sections 3 and 6 (SHIFTED), the true class section 4's and the Keras panel. Sections that
# always rerun together are one fragment (ui.Places: RESULTS, the sections only T and the logits change). The inputs
# themselves (the logits, T, c) are not rerun: a slider keeps its value in the browser.
RESULTS = ui.Places("sm_results")  # sections 1, 2 and 5
SHIFTED = ui.Places("sm_shifted")  # sections 3 and 6
USES_TRUE_CLASS = ("sm_loss", ui.KERAS_SECTION)
USES_T_AND_LOGITS = (RESULTS.key, SHIFTED.key, *USES_TRUE_CLASS)


# --- 1. Logits to probabilities ----------------------------------------------------------------------------------
def logits_to_probabilities() -> None:
    controls, plot = ui.section("From logits to probabilities")
    with controls:
        logit_controls()
    with plot:
        RESULTS.here(probabilities)
    st.latex(r"p_k = \mathrm{softmax}(z / T)_k = \frac{e^{z_k/T}}{\sum_j e^{z_j/T}}")
    st.markdown("Step by step for your logits (the largest value $m$ is subtracted first — see *Numerical stability* "
                "below):")
    RESULTS.here(softmax_step_by_step)


def logit_controls() -> None:
    """The page's inputs, outside every fragment: their changes rerun the sections that use them (a slider's own
    rerun would only resend the sliders)."""
    n_classes = st.slider("number of classes", 2, 10, 3, key="sm_classes", **ui.reruns(), **ui.URL)
    st.slider("temperature T", 0.05, 5.0, 1.0, step=0.05, key="sm_temperature", **ui.reruns(*USES_T_AND_LOGITS),
              **ui.URL)
    st.markdown("**Logits** z (the last layer's raw outputs)")
    for first in range(0, n_classes, 2):  # a row of two: on a phone the columns stack, z0 z1 z2 … in order
        for column, k in zip(st.columns(2), range(first, min(first + 2, n_classes))):
            column.slider(f"z{k}", -10.0, 10.0, DEFAULT_LOGITS[k], step=0.1, key=f"sm_logit_{k}",
                          **ui.reruns(*USES_T_AND_LOGITS), **ui.URL)


def probabilities() -> None:
    now = inputs()
    probs = now.probs
    winner = int(np.argmax(probs))
    ui.show_figure(figs.logits_and_probabilities_figure(now.logits, probs), key="sm_bars")
    metrics = st.container(horizontal=True)  # one row (2 blocks, not st.columns' 8: see ui.try_this)
    metrics.metric("predicted class (argmax)", f"class {winner}")
    metrics.metric(f"p(class {winner})", f"{probs[winner]:.3f}")
    metrics.metric("sum of probabilities", f"{probs.sum():.3f}")


def softmax_step_by_step() -> None:
    now = inputs()
    steps = sm.softmax_steps(now.logits, now.temperature)
    decimals = sm.written_decimals(steps)
    ui.table({
        "class": [f"class {k}" for k in range(now.n_classes)],
        "z": [f"{v:.2f}" for v in steps.logits],
        "z / T": [f"{v:.3f}" for v in steps.scaled],
        "z/T − m": [f"{v:.3f}" for v in steps.shifted],
        "e^(z/T − m)": [f"{v:.{decimals}f}" for v in steps.exps],
        "÷ sum → p": [f"{v:.4f}" for v in steps.probs],
    })
    tiny = " (a tiny one shows as 0.0000)" if np.any(steps.probs < 0.00005) else ""
    column = sum(round(float(e), decimals) for e in steps.exps)  # the column as written: a unit off, now and then
    rounded = (f" (the column as written adds up to {column:.{decimals}f}: each is rounded)"
               if f"{column:.{decimals}f}" != f"{steps.total:.{decimals}f}" else "")
    st.caption(f"Sum of the exponentials: {steps.total:.{decimals}f}{rounded}. Each probability is its exponential "
               f"divided by this sum, so all are positive{tiny} and they add up to 1.")


# --- 2. Temperature and argmax -----------------------------------------------------------------------------------
def temperature_and_argmax() -> None:
    st.header("Temperature, and argmax versus probabilities")
    temperature_buttons()
    plot, text = st.columns([2, 1])
    with plot:
        RESULTS.here(temperature_curves)
    with text:
        st.markdown(
            # the brackets inside the formulas: a line broke between '(' and the formula (moment 16, a helper's review)
            "Dividing the logits by $T$ before the softmax **sharpens** $(T < 1)$ or **flattens** $(T > 1)$ "
            "the probabilities. As $T \\to 0$ softmax becomes argmax (all probability on the largest logit); "
            "as $T \\to \\infty$ it becomes uniform.\n\n"
            "The **predicted class** is the argmax, and it is the same at every temperature: "
            "the probabilities say *how sure* the network is, argmax only *which* class wins. "
            "Softmax is a smooth, differentiable version of argmax — which is why it can be trained."
        )


# The temperature slider is at the page's top, two screens above this figure in Lecture mode: these set it from here.
# Drawn with the page, not in the fragment that T reruns (no more elements to resend at every T), and they rerun the
# whole page, so that the slider shows the new value too.
TEMPERATURE_BUTTONS = (0.05, 1.0, 5.0)


def temperature_buttons() -> None:
    with st.container(horizontal=True, vertical_alignment="center", key="sm_temperature_buttons"):
        st.markdown("Set the temperature (the slider at the top):")
        for value in TEMPERATURE_BUTTONS:
            st.button(f"T = {value:g}", key=f"sm_set_temperature_{value:g}",
                      on_click=ui.then_rerun(functools.partial(ui.apply_preset, {"sm_temperature": value})))


def temperature_curves() -> None:
    now = inputs()
    probs = now.probs
    curves = sm.softmax_rows(now.logits / TEMPERATURES[:, None])  # row i: softmax(z / T_i)
    ui.show_figure(figs.temperature_figure(TEMPERATURES, curves, now.temperature, int(np.argmax(probs))),
                   key="sm_temperature_fig")
    st.metric("entropy of p (nats)", f"{sm.entropy(probs):.3f}",
              help=f"0 = certain, ln {now.n_classes} = {np.log(now.n_classes):.3f} = uniform")


# --- 3. Shift invariance ---------------------------------------------------------------------------
def shift_invariance() -> None:
    controls, text = ui.section("Adding the same number to every logit changes nothing")
    with controls:
        st.slider("constant c added to all logits", -1000.0, 1000.0, 0.0, step=10.0, key="sm_shift",
                  **ui.reruns(SHIFTED.key), **ui.URL)
    with text:
        st.latex(r"\frac{e^{z_k + c}}{\sum_j e^{z_j + c}} = \frac{e^{c}\,e^{z_k}}{e^{c}\sum_j e^{z_j}}"
                 r" = \frac{e^{z_k}}{\sum_j e^{z_j}}")
        SHIFTED.here(shift_change)
        st.markdown("Only the **differences** between logits matter. That is what makes the stable formula below "
                    "possible.")


def shift_change() -> None:
    now = inputs()
    shifted_probs = sm.softmax(now.logits + st.session_state["sm_shift"], now.temperature)
    change = np.max(np.abs(shifted_probs - now.probs))
    st.metric("largest change in any probability", scientific(change))
    if change:  # 4.2·10⁻¹⁵ under a header that says 'changes nothing' (a student's review)
        st.caption("Exactly 0 in exact arithmetic: this is float64 rounding, as z + c keeps about 16 digits.")


# --- 4. Cross-entropy and its gradient --------------------------------------------------------------
# The true class and the text beside the figure are drawn with the page: T and the logits rerun the loss and its
# gradient alone.
def cross_entropy() -> None:
    st.header("Cross-entropy loss and its gradient")
    st.latex(r"L = -\ln p_y \qquad \frac{\partial L}{\partial z_k} = \frac{p_k - y_k}{T}")
    controls, plot = st.columns([1, 2])
    with controls:
        st.selectbox("true class y", range(st.session_state["sm_classes"]), format_func=lambda k: f"class {k}",
                     key="sm_true", **ui.reruns(*USES_TRUE_CLASS), **ui.URL)
        st.markdown(
            "With $T = 1$ the gradient is simply **p − y**: the true class gets $p_y - 1 < 0$ "
            "(gradient descent pushes its logit **up**), every other class gets $p_k > 0$ (pushed **down**). "
            "The gradients sum to 0. A confident right answer gives a loss near 0; a confident wrong one "
            "a large loss and a large push."
        )
    with plot:
        loss_and_gradient()


def true_class(now: Inputs) -> int:
    return min(st.session_state["sm_true"], now.n_classes - 1)


@ui.section_fragment("sm_loss")
def loss_and_gradient() -> None:
    now = inputs()
    label = true_class(now)
    loss = sm.cross_entropy(now.logits, label, now.temperature)
    # p_y with the digits that give L (0.0986 gave 2.3167 beside L = 2.3170), in the label: no element more per T
    st.metric(f"cross-entropy L = −ln p{str(label).translate(SUBSCRIPT)} = −ln {sm.loss_probability_text(loss)}",
              f"{loss:.{sm.LOSS_DECIMALS}f}")
    ui.show_figure(figs.gradient_figure(sm.cross_entropy_grad(now.logits, label, now.temperature), label),
                   key="sm_gradient")


# --- 5. Softmax vs sigmoid ----------------------------------------------------------------------------
def two_classes() -> None:
    st.header("Two classes: softmax is a sigmoid")
    # two short lines: in one, a phone's column cut it before the sigmoid, which is the point
    st.latex(r"\begin{aligned}p_1 &= \frac{e^{z_1/T}}{e^{z_0/T} + e^{z_1/T}} \\"
             r" &= \frac{1}{1 + e^{-(z_1 - z_0)/T}} = \sigma\!\left(\frac{z_1 - z_0}{T}\right)\end{aligned}")
    plot, text = st.columns([2, 1])
    with plot:
        RESULTS.here(sigmoid_of_the_gap)
    with text:
        st.markdown("For a yes/no problem a single sigmoid unit (`Dense(1, activation=\"sigmoid\")` with "
                    "`binary_crossentropy`) is the same model with one output fewer. Softmax generalises it to more "
                    "classes that exclude each other.")


def sigmoid_of_the_gap() -> None:
    now = inputs()
    gap = float(now.logits[1] - now.logits[0]) / now.temperature  # the sigmoid's input: the gap at temperature T
    two_only = float(sm.two_class_softmax(np.array(gap)))
    # with more classes the point is z₀ and z₁ alone: the bars above share p among all the classes
    more = (f" With {now.n_classes} classes the bars above give p₁ = {now.probs[1]:.3f}: the other classes take "
            f"their share. With z₀ and z₁ alone it would be σ({gap:.2f}) = {two_only:.3f}, the point below."
            if now.n_classes > 2 else f" So p₁ = σ({gap:.2f}) = {two_only:.3f}, the point below.")
    st.markdown(f"Your first two logits give $(z_1 - z_0)/T = {gap:.2f}$.{with_minus_signs(more)}")
    gaps = np.linspace(min(-10.0, gap - 2), max(10.0, gap + 2), 201)
    name = "your logits" if now.n_classes == 2 else "your z₀ and z₁ alone"
    ui.show_figure(figs.two_class_figure(gaps, sm.two_class_softmax(gaps), act.sigmoid(gaps), gap, two_only, name),
                   key="sm_two_class")


# --- 6. Numerical stability ----------------------------------------------------------------------------
def numerical_stability() -> None:
    with st.container(key="sm_numerical_stability"):  # lecture plan moment 17 opens scrolled to it
        st.header("Numerical stability: why subtract the largest logit")
        SHIFTED.here(naive_and_stable)


def naive_and_stable() -> None:
    shift = st.session_state["sm_shift"]
    now = inputs()
    temperature = now.temperature
    big = now.logits + shift
    naive = sm.naive_softmax(big / temperature)
    stable = sm.softmax(big, temperature)
    st.markdown(
        # no 'from the slider above', no 'drag': a classroom link may hide that slider (a helper's review)
        f"Logits used here: your logits **plus c = {with_minus_signs(f'{shift:g}')}** (the shift of the section "
        f"above), divided by T (largest (z + c)/T = {with_minus_signs(f'{np.max(big / temperature):.1f}')}). In "
        f"float32, the type Keras computes in, "
        f"$e^{{x}}$ overflows to ∞ for $x > {sm.FLOAT32_EXP_OVERFLOW:.1f}$ and underflows to 0 for "
        f"$x < {sm.FLOAT32_EXP_UNDERFLOW:.1f}$."
    )
    phone = ui.small_screen()  # its four columns in a phone's 358 px: 'class 0' and '(z + c)/T' broke over two lines
    ui.table({
        "class": [f"{k}" if phone else f"class {k}" for k in range(now.n_classes)],
        "(z+c)/T" if phone else "(z + c)/T": [f"{v:.1f}" for v in big / temperature],
        "naive e^x / Σ e^x (float32)": ["NaN" if np.isnan(v) else f"{v:.4f}" for v in naive],  # as the text says
        "stable, max subtracted": [f"{v:.4f}" for v in stable],
    })
    if sm.is_broken(naive):
        st.error(
            "The naive formula broke down: it computed ∞/∞, x/∞ or 0/0 — NaN (not a number) or zeros "
            "that do not sum to 1. "
            "A network trained on this would be ruined by a single such step. The stable version works because "
            "after subtracting the maximum every exponent is ≤ 0, so every e^(…) lies in (0, 1] and the largest is "
            "exactly 1."
        )
    elif np.max(np.abs(naive - stable)) > 1e-4:
        st.warning(
            "The naive formula still returns numbers, but wrong ones: e^(…) of such negative numbers lands in "
            "float32's subnormal range (below 1.2·10⁻³⁸), where only a few digits are left. "
            "The stable version keeps full precision."
        )
    else:
        lowest, highest = sm.naive_softmax_safe_shifts(now.logits, temperature)
        subnormal = sm.naive_softmax_subnormal_shift(now.logits, temperature)
        if shift < subnormal:  # said as 'below -89 they leave the normal range' at c = -90 (a helper's review)
            agree = (f"Both formulas still agree to 4 decimals, but the naive formula's e^(…) have already left "
                     f"float32's normal range (every (z + c)/T < {sm.FLOAT32_EXP_SUBNORMAL:.1f}): only a few digits "
                     f"are left. Below c = {lowest:.0f} they all round to 0 (NaN).")
        else:
            # 'overflows (NaN)' read wrong where only the sum overflows: each e^(…)/∞ is 0 (a student's review)
            agree = (f"Both formulas agree for these logits. With c above {highest:.0f} the naive formula "
                     f"overflows (its sum of e^(…) reaches ∞: zeros or NaN); below {subnormal:.0f} its e^(…) "
                     f"leave float32's normal range and lose digits (the numbers can go wrong), and below "
                     f"{lowest:.0f} they all round to 0 (NaN).")
        st.success(with_minus_signs(agree))


logits_to_probabilities()
temperature_and_argmax()
shift_invariance()
cross_entropy()
two_classes()
numerical_stability()
RESULTS.fill()
SHIFTED.fill()

# --- Try this and Keras ------------------------------------------------------------------------------
ui.try_this([
    ui.Experiment("Set T to its minimum (0.05): the bars become one-hot. Set it to 5: much flatter (uniform as "
                  "T → ∞: the right end of the temperature curves). Does the argmax change?",
                  (("T = 0.05", {"sm_temperature": 0.05}), ("T = 5", {"sm_temperature": 5.0}))),
    # with T and the logits of the page's defaults: after "T = 5" class 2 was not small (0.27)
    ui.Experiment("Choose a true class whose probability is small. How large is the loss, and which bar of the "
                  "gradient is largest?",
                  (("true class 2", {"sm_classes": 3, "sm_true": 2, "sm_temperature": 1.0,
                                     **{f"sm_logit_{k}": DEFAULT_LOGITS[k] for k in range(3)}}),),
                  focus="sm_true"),  # the loss and its gradient, not the number of classes at the page's top
    ui.Experiment("Drag c to +1000: the probabilities do not move, but the naive formula returns NaN.",
                  (("c = +1000", {"sm_shift": 1000.0}),), focus="sm_numerical_stability"),  # the NaN, 2 screens down
    ui.Experiment("With 2 classes, move z0 and z1 together by the same amount: the point on the sigmoid curve stays "
                  "put.", (("2 classes", {"sm_classes": 2}),), focus="sm_two_class"),
], "softmax")


def keras_notebook() -> notebooks.PageNotebook:
    now = inputs()
    label, logits, temperature = true_class(now), now.logits, now.temperature
    return notebooks.softmax_notebook(softmax_code(logits, temperature, label), logits, temperature, label)


def keras() -> None:
    ui.keras_panel(
        "Your logits, temperature and true class in Keras: it prints the probabilities of the table, the loss and "
        "the gradient shown above. Keras' losses and `keras.activations.softmax` use the stable formula; "
        "`from_logits=True` lets the loss work on the logits directly, which is more accurate still. "
        "In a model the output layer has one unit per class.",
        keras_notebook,
    )


keras()
