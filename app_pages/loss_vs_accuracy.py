"""Loss vs accuracy: why we train on a smooth loss and only report accuracy."""

import numpy as np
import streamlit as st

from nnviz import keras_training as kt
from nnviz import losses as L
from nnviz import notebooks, ui
from nnviz.data import blobs
from nnviz.figures import losses as figs
from nnviz.formatting import count, share_percent, signed_value, significant, with_minus_signs
from nnviz.keras_code import loss_metric_code

SWEEP = np.linspace(-4.0, 6.0, 201)
START_W, START_B = np.array([0.5, -1.0]), 0.3  # a poor first guess, the same for every way of training
WAYS = (("gradient descent on cross-entropy (sigmoid)", "bce"), ("gradient descent on accuracy", "accuracy"),
        ("step neuron, gradient descent on MSE", "step"))  # Train it three ways: (name, objective)

ui.page_header("loss_vs_accuracy")
ui.prewarm_keras()  # this page has a Keras button: a worker starts loading TensorFlow now


@st.cache_data(show_spinner=False)
def dataset(seed: int):
    return blobs(80, seed, spread=0.9)


@st.cache_data(show_spinner=False, max_entries=64)
def sweep(seed: int, index: int, other: float, b: float):
    X, y = dataset(seed)
    w = np.array([other, other])
    return L.sweep_weight(X, y, w, b, index, SWEEP)


@ui.cache_figure
def sweep_figure(seed: int, index: int, other: float, b: float, current: float):
    return figs.sweep_figure(SWEEP, sweep(seed, index, other, b), current, f"w{index + 1}")


@st.cache_data(show_spinner=False, max_entries=64)
def train_three_ways(seed: int, learning_rate: float, epochs: int):
    X, y = dataset(seed)
    return {label: L.train(X, y, objective, learning_rate, epochs, START_W, START_B)["accuracy"]
            for label, objective in WAYS}


# The sweep's data and the weights it holds, as the page opens.
SWEPT_DEFAULTS = {"la_seed": 0, "la_index": 0, "la_other": 1.0, "la_bias": -6.0}


def lowest_loss_preset() -> dict:
    """The page's default sweep of w1, with w1 marked where its cross-entropy is lowest (for 'Try this')."""
    defaults = SWEPT_DEFAULTS
    losses = sweep(defaults["la_seed"], defaults["la_index"], defaults["la_other"], defaults["la_bias"])["bce"]
    return {**defaults, "la_current": round(float(SWEEP[np.argmin(losses)]), 2)}


# Every section reruns on its own (ui.section_fragment). The seed is every section's: it reruns the page; the
# marked weights of section 1 also rerun section 2, and the training settings the Keras panel.
# --- 1. Sweep a weight ----------------------------------------------------------------------------------
@ui.section_fragment("la_sweep")
def sweep_a_weight() -> None:
    controls, plot = ui.section("Sweep one weight: accuracy is flat, the loss is smooth")
    with controls:
        seed = int(st.number_input("seed (data)", 0, 9999, SWEPT_DEFAULTS["la_seed"], key="la_seed", **ui.reruns(),
                                   **ui.URL))
        also_gradient = ui.reruns("la_sweep", "la_gradient")  # the marked weights are section 2's too
        index = st.radio("weight to sweep", [0, 1], format_func=lambda i: f"w{i + 1}", horizontal=True,
                         key="la_index", **also_gradient, **ui.URL)
        other = st.slider("the other weight", -3.0, 3.0, SWEPT_DEFAULTS["la_other"], step=0.1, key="la_other",
                          **also_gradient, **ui.URL)
        bias = st.slider("bias b", -10.0, 5.0, SWEPT_DEFAULTS["la_bias"], step=0.1, key="la_bias", **also_gradient,
                         **ui.URL)
        current = st.slider(f"w{index + 1} (marked)", float(SWEEP[0]), float(SWEEP[-1]), 1.0, step=0.05,
                            key="la_current", **also_gradient, **ui.URL)
    result = sweep(seed, index, other, bias)
    with plot:  # the text under the figure it explains: under the controls it left the figure's column blank
        ui.show_figure(sweep_figure(seed, index, other, bias, current), key="la_sweep")
        st.markdown(
            "A classifier $p = \\sigma(w_1x_1 + w_2x_2 + b)$ on 80 seeded points. **Accuracy** only changes when a "
            "point crosses the boundary: it is flat with jumps, so its derivative is 0 almost everywhere and undefined "
            "at the jumps. Gradient descent has **nothing to follow**. **Cross-entropy** and **MSE** change smoothly "
            "with every weight: their derivative says which way is better (MSE's becomes tiny where the sigmoid "
            "saturates — see *Which loss* below)."
        )
    with controls:
        flat, on_jump = int(np.sum(result["d_accuracy"] == 0)), int(np.sum(np.isnan(result["d_accuracy"])))
        # a count, not a share: 200 of 201 was rounded to '100%' (a helper's review)
        st.metric(f"swept w{index + 1} values with d(accuracy)/dw{index + 1} = 0", f"{flat} of {len(SWEEP)}",
                  help=f"Of the {len(SWEEP)} values of w{index + 1} the sweep computes, those where accuracy's "
                       "derivative is exactly 0. " + (f"At {count(on_jump, 'value')} the sweep lands exactly on a "
                                                      "jump, where it is undefined." if on_jump else
                                                      "None lands exactly on a jump, where it is undefined."))


# --- 2. Step vs sigmoid ------------------------------------------------------------------------------------
@ui.section_fragment("la_gradient")
def step_vs_sigmoid() -> None:
    st.header("Step vs sigmoid neuron: what the gradient is")
    state = st.session_state
    seed, index, bias = int(state["la_seed"]), state["la_index"], state["la_bias"]
    X, y = dataset(seed)
    w_marked = np.array([state["la_other"], state["la_other"]])
    w_marked[index] = state["la_current"]
    grad_sigmoid, _ = L.gradients(X, y, w_marked, bias, "bce", "sigmoid")
    grad_step, _ = L.gradients(X, y, w_marked, bias, "bce", "step")
    left, right = st.columns(2)
    with left:
        st.latex(r"\frac{\partial L}{\partial w} = \frac{\partial L}{\partial p}\,\frac{\partial p}{\partial z}\,"
                 r"\frac{\partial z}{\partial w}")
        st.latex(r"\frac{\partial p}{\partial z} = \begin{cases}\sigma(z)(1 - \sigma(z)) & \text{sigmoid}\\ "
                 r"0 & \text{step}\end{cases}")
        ui.table({"neuron": ["sigmoid", "step"],
                  "∂L/∂w₁ (app, chain rule)": [signed_value(grad_sigmoid[0]), signed_value(grad_step[0])],
                  "∂L/∂w₂ (app, chain rule)": [signed_value(grad_sigmoid[1]), signed_value(grad_step[1])]})
        st.caption(with_minus_signs(f"Gradients of the cross-entropy at the marked weights: w = ({w_marked[0]:.2f}, "
                                    f"{w_marked[1]:.2f}), b = {bias:.2f}."))
    with right:
        st.markdown("Ask TensorFlow itself (loads TensorFlow the first time, a few seconds):")
        if st.button("Compute with tf.GradientTape", key="la_tape"):
            grads = ui.run_job("Asking TensorFlow …", kt.tape_gradients, X=X, y=y, w=w_marked, b=bias)
            if grads is not None:
                st.session_state["la_tape_result"] = (tuple(w_marked), bias, seed, grads)
        tape = st.session_state.get("la_tape_result")
        if tape is not None:
            (w1_t, w2_t), b_t, seed_t, grads = tape
            stale = (w1_t, w2_t, b_t, seed_t) != (*w_marked, bias, seed)
            # written as the app's table beside it: numpy's '[-2.6723e-05 -2.5037e-01]' beside '-0.0000 | -0.2504'
            # was one number in two notations (a student's review)
            ui.table({"neuron": ["sigmoid", "step (tf.cast(z ≥ 0))"],
                      **{f"∂L/∂w{sub} (GradientTape)": [signed_value(grads["sigmoid"][i]),
                                                         "None: no gradient" if grads["step"] is None
                                                         else signed_value(grads["step"][i])]
                         for i, sub in enumerate("₁₂")}})
            if stale:
                st.caption("Computed for earlier weights: press the button again to update.")
            st.markdown("TensorFlow agrees: through a step there is no gradient (`None`), so `fit()` could not "
                        "train it. That is why networks use smooth activations.")


# --- 3. Train it both ways -------------------------------------------------------------------------------
@ui.section_fragment("la_training")
def train_three_ways_section() -> None:
    controls, plot = ui.section("Train it three ways: optimise the loss, report the accuracy")
    with controls:
        also_keras = ui.reruns("la_training", ui.KERAS_SECTION)
        learning_rate = st.slider("learning rate η", 0.0, 3.0, 1.0, step=0.1, key="la_lr", **also_keras, **ui.URL)
        epochs = st.slider("epochs", 1, 200, 60, key="la_epochs", **also_keras, **ui.URL)
    histories = train_three_ways(int(st.session_state["la_seed"]), learning_rate, epochs)
    with plot:
        ui.show_figure(figs.training_figure(histories), key="la_training")
    with controls:
        for label, acc in histories.items():
            st.metric(label, f"{share_percent(acc[0])} → {share_percent(acc[-1])}")
    if learning_rate == 0:  # nothing moves, whatever the loss: the sentence below would not hold
        st.info("η = 0: no weight moves, so none of the three changes. Raise η to see cross-entropy's accuracy climb.")
        return
    bce = histories[WAYS[0][0]]
    # said only where the curve dips: at η = 0.2-0.3 it rises at every epoch (a helper's review)
    dips = (" (not up at every epoch: a step follows the loss, not the count of mistakes)"
            if np.any(np.diff(bce) < 0) else "")
    st.markdown(
        f"All three start from the same poor line. Gradient descent on **cross-entropy** took the accuracy from "
        f"{share_percent(bce[0])} to {share_percent(bce[-1])}{dips}, "
        "although accuracy is never what it optimises. Trying to climb **accuracy** directly, or training a **step** "
        "neuron, never moves: every gradient is exactly 0 (their two flat lines lie one on the other, dashed and "
        "dotted). *What we optimise* (a smooth loss) and *what we report* "
        "(accuracy) are different jobs."
    )


# --- 4. Which loss ------------------------------------------------------------------------------------------
@ui.section_fragment("la_which_loss")
def which_loss() -> None:
    own = ui.reruns("la_which_loss")  # its widgets rerun this section alone
    plot, controls = ui.section("Which loss for classification: cross-entropy or MSE?", [2, 1])
    with controls:
        # '(y = 1)' kept on one line (no-break spaces): a projector broke it after '(y' (a helper's review)
        p_marked = st.slider("predicted probability p for a positive example (y\u00a0=\u00a01)", 0.01, 0.99, 0.05,
                             step=0.01, key="la_p", **own, **ui.URL)
        push_bce, push_mse = L.logit_pushes(p_marked)
        # three significant digits: at p = 0.99 MSE's push of 0.000198 read 0.000 (a student's review)
        st.metric("push from cross-entropy |p − 1|", significant(push_bce, 3))
        st.metric("push from MSE |2(p − 1)p(1 − p)|", significant(push_mse, 3))
        st.markdown(
            "With a sigmoid output, MSE's gradient carries the factor $p(1 - p)$: when the network is **confidently "
            "wrong** (p near 0 for a positive) that factor is near 0, so MSE barely pushes — the sigmoid is saturated. "
            "Cross-entropy's $\\log$ cancels it: its push is $p - y$, largest exactly when the mistake is worst."
        )
    with plot:
        ui.show_figure(figs.bce_vs_mse_figure(np.linspace(0.005, 0.995, 199), p_marked), key="la_bce_mse")


# --- 5. Accuracy can mislead --------------------------------------------------------------------------------
@ui.section_fragment("la_mislead")
def accuracy_can_mislead() -> None:
    own = ui.reruns("la_mislead")  # its widgets rerun this section alone
    st.header("Accuracy can mislead")
    with st.container(border=True):
        share = st.slider("share of positives in % (e.g. patients with a rare disease)", 1, 50, 5, key="la_share",
                          **own, **ui.URL)
        labels = L.imbalanced_labels(1000, share / 100, int(st.session_state["la_seed"]))
        always_no = np.zeros_like(labels)
        c = L.confusion(labels, always_no)
        precision, recall = L.precision(labels, always_no), L.recall(labels, always_no)
        metrics = st.container(horizontal=True)  # one row (2 blocks, not st.columns' 8: see ui.try_this)
        metrics.metric("accuracy of always saying 'no'", f"{L.accuracy(labels, always_no):.1%}")
        metrics.metric("recall (positives found)", "—" if recall is None else f"{recall:.0%}")
        metrics.metric("precision", "undefined" if precision is None else f"{precision:.0%}",
                       help="TP / (TP + FP) = 0 / 0 when the model never predicts a positive.")
        ui.table({"": ["really positive", "really negative"], "predicted positive": [c["TP"], c["FP"]],
                  "predicted negative": [c["FN"], c["TN"]]})
        st.caption("A model that never says yes scores high accuracy on imbalanced data and finds no positive at all. "
                   "Look at the confusion matrix, precision and recall too.")


sweep_a_weight()
step_vs_sigmoid()
train_three_ways_section()
which_loss()
accuracy_can_mislead()

ui.try_this([
    ui.Experiment("Sweep w1 and hover on the accuracy plot: how wide are its plateaus? Where is cross-entropy lowest, "
                  "and is accuracy highest there too?", (("mark w1's lowest loss", lowest_loss_preset()),)),
    ui.Experiment("Set the learning rate to 3 and the epochs to 200: does gradient descent on accuracy ever move?",
                  (("η = 3, 200 epochs", {"la_lr": 3.0, "la_epochs": 200}),)),
    ui.Experiment("Move p towards 0.01: which loss pushes harder on a confidently wrong prediction? And at p = 0.5?",
                  (("p = 0.01", {"la_p": 0.01}), ("p = 0.5", {"la_p": 0.5}))),
    ui.Experiment("Set the share of positives to 1 %: how good does 'always no' look by accuracy?",
                  (("1 % positives", {"la_share": 1}),)),
], "loss_vs_accuracy")


def keras_notebook() -> notebooks.PageNotebook:
    state = st.session_state
    seed, rate, epochs = int(state["la_seed"]), state["la_lr"], state["la_epochs"]
    return notebooks.loss_metric_notebook(loss_metric_code(seed, START_W, START_B, rate, epochs), seed, rate, epochs,
                                          [label for label, _ in WAYS])


ui.keras_panel("Keras separates the two jobs: `loss=` is optimised, `metrics=` are only reported. This is the "
               "training on cross-entropy of *Train it three ways*, for its settings:", keras_notebook)
