"""Activation functions: curves, derivatives, saturation, one neuron, depth and linearity."""

import numpy as np
import streamlit as st

from nnviz import activations as act
from nnviz import notebooks, ui
from nnviz.figures import activations as figs
from nnviz.formatting import scientific, significant, with_minus_signs
from nnviz.keras_code import NEURON_INPUTS, activation_code

N_POINTS = 401
SATURATION_TOL = 0.05
KEYS = list(act.ACTIVATIONS)


def label(key: str) -> str:
    return act.get(key).label


ui.page_header("activations")


# Figures are memoised per widget values, so a rerun only rebuilds the figure whose inputs changed.
@ui.cache_figure
def curves_figure(keys: tuple, lo: float, hi: float, side_by_side: bool):
    return figs.activation_figure(np.linspace(lo, hi, N_POINTS), [act.get(k) for k in keys],
                                  side_by_side=side_by_side, saturation_tol=SATURATION_TOL)


@st.cache_data(show_spinner=False, max_entries=64)
def chain_series(keys: tuple, depth: int, w: float, x0: float) -> dict:
    """∂a_k/∂x for k = 1..depth, per activation label."""
    return {act.get(k).label: act.chain_gradients(act.get(k), depth, x0, w) for k in keys}


@ui.cache_figure
def chain_figure(keys: tuple, depth: int, w: float, x0: float):
    return figs.chain_gradient_figure(chain_series(keys, depth, w, x0))


@st.cache_data(show_spinner=False, max_entries=64)
def collapse(n_hidden: int, key: str, seed: int, lo: float, hi: float) -> act.CollapseDemo:
    return act.collapse_demo(np.linspace(lo, hi, N_POINTS), n_hidden, 8, seed, act.get(key))


@ui.cache_figure
def collapse_figure(n_hidden: int, key: str, seed: int, lo: float, hi: float):
    demo = collapse(n_hidden, key, seed, lo, hi)
    return figs.linear_collapse_figure(np.linspace(lo, hi, N_POINTS), demo.linear, demo.collapsed, demo.nonlinear,
                                       act.get(key), n_hidden)


DEFAULT_RANGE = (-6.0, 6.0)
# The formula table in a box narrower than it (a phone: ~440 px of table in 358 px) shows each function as a block
# of lines, the column's name before its value, instead of scrolling the page sideways. A container query: it follows
# the box's width, not the window's.
FORMULA_TABLE_KEY = "act_formulas"
_T = f".st-key-{FORMULA_TABLE_KEY}"
FORMULA_TABLE_CSS = f"""<style>
{_T} {{ container-type: inline-size; }}
@container (max-width: 520px) {{
  {_T} table, {_T} tbody, {_T} tr, {_T} td {{ display: block; width: auto; border: none; }}
  {_T} thead {{ display: none; }}
  {_T} tr {{ padding: 0.4rem 0; border-bottom: 1px solid rgba(49, 51, 63, 0.2); }}
  {_T} td {{ padding: 0.15rem 0; }}
  {_T} td:nth-child(1) {{ font-weight: 600; }}
  {_T} td:nth-child(3)::before {{ content: "output range: "; }}
  {_T} td:nth-child(4)::before {{ content: "derivative: "; }}
}}
</style>"""


def x_range() -> tuple[float, float]:
    """The range of x of every plot on the page (section 1's slider), or the default while it is empty."""
    lo, hi = st.session_state.get("act_range", DEFAULT_RANGE)
    return (lo, hi) if hi - lo >= 1.0 else DEFAULT_RANGE


def display_fractions(latex: str) -> str:
    """``latex`` with its fractions set as in a display (\\dfrac): inline, in the formula table, σ's and tanh's e^−x
    were ~5 px tall on a projector (a lecturer's review)."""
    return latex.replace(r"\frac", r"\dfrac")


# Each section with widgets of its own reruns on its own (ui.section_fragment). The range of x is every
# section's: it reruns the page. The neuron's and the chain's widgets also rerun the Keras panel.
@ui.section_fragment("act_functions")
def functions_and_derivatives() -> None:
    own = ui.reruns("act_functions")  # its widgets rerun this section alone
    controls, explanation = ui.section("The functions and their derivatives", (2, 1))
    with controls:
        chosen = st.multiselect("Activation functions", KEYS, default=["sigmoid", "tanh", "relu"],
                                format_func=label, key="act_choice", **own, **ui.URL)
        lo, hi = st.slider("Range of x", -20.0, 20.0, DEFAULT_RANGE, step=0.5, key="act_range", **ui.reruns(),
                           **ui.URL)
        side_by_side = st.radio("Layout", ["Overlay", "Side by side"], horizontal=True,
                                key="act_layout", **own, **ui.URL) == "Side by side"
    with explanation:
        st.markdown(
            "A neuron computes a weighted sum $z = \\mathbf{w}\\cdot\\mathbf{x} + b$ and passes it "
            "through an **activation function** $f$. Training needs $f'$: backpropagation multiplies "
            "the error by $f'(z)$ at every layer."
        )
        st.markdown(
            f"**Saturation** (bars under the derivative, shading when side by side): where "
            f"$|f'(x)| < {SATURATION_TOL}$ the neuron barely passes a gradient back, so its incoming "
            "weights barely learn."
        )
    if hi - lo < 1.0:
        # 'empty' was wrong for 2 … 2.5 (a helper's review): the plots need a range at least 1 wide
        width = "empty" if hi == lo else f"only {hi - lo:g} wide"
        st.warning(f"The range of x is {width}: drag the two ends of the slider at least 1 apart. Showing −6 … 6 "
                   "meanwhile.")
    lo, hi = x_range()
    selected = [act.get(k) for k in chosen]
    if not selected:
        st.info("Pick at least one activation function above to plot it.")
        return
    ui.show_figure(curves_figure(tuple(chosen), lo, hi, side_by_side), key="act_curves")
    rows = ["| function | formula | output range | derivative |", "|---|---|---|---|"]
    rows += [f"| {a.label} | ${display_fractions(a.formula)}$ | ${a.output_range}$ | "
             f"${display_fractions(a.derivative)}$ |" for a in selected]
    st.html(FORMULA_TABLE_CSS)
    with st.container(key=FORMULA_TABLE_KEY):
        st.markdown("\n".join(rows))
    st.caption(" · ".join(f"**{a.label}:** {a.note}" for a in selected)
               + " · At a kink (x = 0) the derivative is undefined; the table and plots use the value "
               "TensorFlow's gradient returns there.")


def the_step_function() -> None:
    """No widgets of its own: it changes only with the range of x, which reruns the page."""
    left, right = ui.section("Why the step function gives gradient descent nothing to follow", (2, 1))
    with left:
        ui.show_figure(curves_figure(("step", "sigmoid"), *x_range(), False), key="act_step")
    with right:
        st.markdown(
            "The perceptron's step function jumps from 0 to 1 at $x = 0$. Its derivative is **0 "
            "everywhere else** (and undefined at the jump): its saturation bar covers the whole $x$-axis.\n\n"
            "Gradient descent changes a weight by $-\\eta\\,\\partial L/\\partial w$, and by the chain rule "
            "that gradient contains $f'(z)$. With a step function it is always 0: "
            "**no weight ever moves**. The sigmoid is a smooth step whose slope tells each weight which "
            "way to go — this is why Rumelhart, Hinton and Williams replaced the step in 1986."
        )


@ui.section_fragment("act_neuron")
def one_neuron() -> None:
    lo, hi = x_range()
    controls, plot = ui.section("One neuron: a = f(w·x + b)")
    with controls:
        neuron_key = st.selectbox("Activation", KEYS, index=KEYS.index("sigmoid"), format_func=label,
                                  key="neuron_act", **ui.reruns("act_neuron", ui.KERAS_SECTION), **ui.URL)
        w = st.slider("weight w", -5.0, 5.0, 1.0, step=0.1, key="neuron_w",
                      **ui.reruns("act_neuron", ui.KERAS_SECTION), **ui.URL)
        b = st.slider("bias b", -10.0, 10.0, 0.0, step=0.1, key="neuron_b",
                      **ui.reruns("act_neuron", ui.KERAS_SECTION), **ui.URL)
        st.markdown(
            "- **w** stretches the curve: large $|w|$ makes it steeper, small $|w|$ flatter, "
            "negative $w$ mirrors it.\n"
            "- **b** shifts it: the neuron 'switches' where $w x + b = 0$, at $x = -b/w$."
        )
        if w == 0:
            st.info("With w = 0 the input is ignored: the output is the constant f(b).")
        else:
            switch = -b / w + 0.0  # + 0.0 turns −0.0 into 0.0
            st.metric("switch point x = −b/w", with_minus_signs(f"{switch:.2f}"))
            if not lo <= switch <= hi:
                st.caption("The switch point lies outside the plotted range of x: widen the range to see it.")
    neuron_act = act.get(neuron_key)
    x = np.linspace(lo, hi, N_POINTS)
    with plot:
        ui.show_figure(figs.neuron_figure(x, act.neuron(x, w, b, neuron_act), neuron_act(x), neuron_act, w, b),
                       key="neuron")
    with controls:
        table_x = np.array(NEURON_INPUTS)
        ui.table({"x": [f"{v:g}" for v in table_x], "z = w·x + b": [f"{v:.2f}" for v in w * table_x + b],
                  "a = f(z)": [f"{v:.4f}" for v in act.neuron(table_x, w, b, neuron_act)]})


@ui.section_fragment("act_chain")
def deep_chains() -> None:
    controls, plot = ui.section("Deep chains: vanishing (and exploding) gradients")
    with controls:
        also_keras = ui.reruns("act_chain", ui.KERAS_SECTION)
        compared = st.multiselect("Compare", KEYS, default=["sigmoid", "relu"], format_func=label,
                                  key="chain_acts", **also_keras, **ui.URL)
        depth = st.slider("number of layers k", 1, 30, 10, key="chain_depth", **also_keras, **ui.URL)
        chain_w = st.slider("weight w in every layer", 0.1, 4.0, 1.0, step=0.1, key="chain_w", **also_keras,
                            **ui.URL)
        x0 = st.slider("input x", -3.0, 3.0, 0.5, step=0.1, key="chain_x0", **also_keras, **ui.URL)
        st.markdown(
            "Take a chain of one-neuron layers $a_k = f(z_k)$ with $z_k = w\\,a_{k-1}$ and $a_0 = x$. By the chain "
            "rule the gradient that reaches the input is a product of one factor per layer:"
        )
        st.latex(r"\frac{\partial a_k}{\partial x} = \prod_{l=1}^{k} w\, f'(z_l)")
        st.markdown(
            "The sigmoid's $f' \\le 0.25$, so with $w = 1$ the product shrinks at least as fast as "
            "$0.25^k$: early layers stop learning. ReLU's $f' = 1$ for $z > 0$ leaves each factor at $w$: with "
            "$w = 1$ the gradient passes unchanged, with $w > 1$ it **explodes** as $w^k$ (and it is exactly 0 "
            "for $z \\le 0$, which a log axis cannot show). The sigmoid's factor $w f' \\le w/4$ stays at most 1 "
            "up to $w = 4$: its gradient vanishes even there."
        )
    with plot:
        if not compared:
            st.info("Pick at least one activation function to compare.")
            return
        series = chain_series(tuple(compared), depth, chain_w, x0)
        ui.show_figure(chain_figure(tuple(compared), depth, chain_w, x0), key="chain")
        ui.table({"activation": list(series),
                  act.chain_gradient_title(depth): [significant(g[-1], 3) for g in series.values()]})
        dead = [name for name, grads in series.items() if grads[-1] == 0]
        if dead:
            st.caption(f"Exactly zero (not drawn on the log axis): {', '.join(dead)}.")


@ui.section_fragment("act_collapse")
def depth_without_activation() -> None:
    own = ui.reruns("act_collapse")  # its widgets rerun this section alone
    lo, hi = x_range()
    controls, plot = ui.section("Without an activation, depth buys nothing")
    with controls:
        n_hidden = st.slider("hidden layers (8 units each)", 1, 5, 3, key="collapse_layers", **own, **ui.URL)
        collapse_key = st.selectbox("activation of the hidden layers", KEYS + [act.LINEAR.key],
                                    index=KEYS.index("relu"), format_func=label, key="collapse_act", **own, **ui.URL)
        seed = st.number_input("random weights (seed)", 0, 9999, 0, step=1, key="collapse_seed", **own, **ui.URL)
    demo = collapse(n_hidden, collapse_key, int(seed), lo, hi)
    with controls:
        # the orange line is the one that collapses: read beside a ReLU network, "all layers equal one layer" was
        # taken for the chosen network's (a helper's review)
        chosen = ("" if collapse_key == act.LINEAR.key else
                  f" With {label(collapse_key)} between them (blue, right axis) the same network can bend.")
        st.markdown(
            "Without an activation (orange: the same weights, nothing between the layers), each layer computes "
            "$W x + b$, and a linear map of a linear map is linear (formula below the plot): all "
            f"{n_hidden + 1} layers ({n_hidden} hidden and the output) equal **one** layer "
            f"$y = {demo.w:.3f}\\,x {demo.b:+.3f}$, a straight line, "
            "however deep." + chosen
        )
        st.metric("largest gap: linear stack vs one layer", scientific(np.max(np.abs(demo.linear - demo.collapsed))))
    with plot:
        ui.show_figure(collapse_figure(n_hidden, collapse_key, int(seed), lo, hi), key="collapse")
        # on two lines: on one (~385 px) it was cut at the right of a phone's 358 px
        st.latex(r"\begin{aligned} &W_2(W_1 x + b_1) + b_2 \\ &\quad = (W_2 W_1)\,x + (W_2 b_1 + b_2) \end{aligned}")


def keras_notebook() -> notebooks.PageNotebook:
    state = st.session_state
    neuron, w, b = act.get(state["neuron_act"]), state["neuron_w"], state["neuron_b"]
    code = activation_code(neuron, w, b, [act.get(k) for k in state["chain_acts"]], state["chain_depth"],
                           state["chain_w"], state["chain_x0"])
    return notebooks.activation_notebook(code, neuron.label, neuron.keras_name, w, b, x_range())


def keras() -> None:
    ui.keras_panel(
        "The activation is an argument of the layer: `Dense(units, activation=\"…\")`, with the names Keras "
        "accepts. This code builds the neuron of *One neuron* and the chains of *Deep chains* for your settings and "
        "prints the numbers of their tables.",
        keras_notebook,
    )


functions_and_derivatives()
the_step_function()
one_neuron()
deep_chains()
depth_without_activation()
# --- Try this and Keras ------------------------------------------------------------------------
ui.try_this([
    # these two scroll to the figure: under the section's controls it was below a projector's screen
    ui.Experiment("Overlay sigmoid and tanh and compare their derivatives at x = 0: which passes the larger gradient "
                  "back?", (("sigmoid and tanh", {"act_choice": ["sigmoid", "tanh"], "act_layout": "Overlay"}),),
                  focus="act_curves"),
    ui.Experiment("Widen the range to −20 … 20: which functions saturate on both sides, which on one side, which "
                  "never?", (("x from −20 to 20", {"act_range": (-20.0, 20.0), "act_layout": "Overlay",
                                            # one of each kind: both sides, one side, never (three: the figure is
                                            # then whole on a projector's screen)
                                            "act_choice": ["sigmoid", "relu", "leaky_relu"]}),),
                  focus="act_curves"),
    ui.Experiment("In the deep chain, set w = 4: for the sigmoid 4 × 0.25 = 1 is the best case, reached only at "
                  "z = 0, so the gradient still vanishes. Now ReLU with w = 1.5: the gradient *explodes* instead "
                  "(1.5ᵏ).", (("w = 4", {"chain_w": 4.0}), ("w = 1.5", {"chain_w": 1.5}))),
    ui.Experiment("Set the hidden layers to 5 and choose 'None (linear)': the blue curve becomes the orange straight "
                  "line.", (("5 linear layers", {"collapse_layers": 5, "collapse_act": act.LINEAR.key}),)),
], "activations")
keras()
