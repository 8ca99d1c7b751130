"""Gradient descent: how a network learns, and what the learning rate does."""

import numpy as np
import streamlit as st

from nnviz import gradient_descent as gd
from nnviz import keras_training as kt
from nnviz import notebooks, ui
from nnviz.figures import gradient_descent as figs
from nnviz.formatting import digits_that_add_up, significant, with_minus_signs
from nnviz.keras_code import sgd_code

LOGISTIC_POINTS = 200  # the mini-batch section's logistic regression
CURVE_RATES = (0.0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.5, 3.0)
PRESETS = {"too small": 0.05, "good": 0.3, "too large": 0.9, "much too large": 1.05}
BATCH_START = (-0.5, 1.5)  # (w, b) where the mini-batch section's runs start: the ring on its contour plot
BATCH_BOX = (-1.0, 4.0, -3.0, 2.0)  # the mini-batch section's contour plot: w from -1 to 4, b from -3 to 2
# bowl (λ = 2): 1 − ηλ = 0.5, −0.6, −1.2 — monotone, oscillating but converging, diverging (visibly, in the box)
DEFAULT_RATES = {"bowl": (0.25, 0.8, 1.1), "valleys": (0.02, 0.1, 0.4), "rosenbrock": (0.0002, 0.001, 0.0025)}

ui.page_header("gradient_descent")
ui.prewarm_keras()  # this page has a Keras button: a worker starts loading TensorFlow now


@st.cache_data(show_spinner=False)
def surface_grid(key: str):
    surface = gd.SURFACES[key]
    return gd.loss_grid(surface.loss, surface.box, 60)


@st.cache_data(show_spinner=False)
def logistic_problem(seed: int):
    x, y = gd.logistic_data(LOGISTIC_POINTS, seed)
    w, b, loss = gd.loss_grid(lambda grid: gd.logistic_loss(grid, x, y), BATCH_BOX, 60)
    return x, y, BATCH_BOX, w, b, loss


@st.cache_data(show_spinner=False, max_entries=256)
def surface_paths(key: str, rates: tuple, steps: int, w1: float, w2: float, beta: float | None) -> dict:
    """Plain GD for each rate (and with momentum β if given) from (w1, w2)."""
    surface, start = gd.SURFACES[key], np.array([w1, w2])
    paths = {f"η = {rate:g}": gd.descend(surface.loss, surface.grad, start, rate, steps) for rate in rates}
    if beta is not None:
        paths |= {f"η = {rate:g}, β = {beta:g}": gd.descend(surface.loss, surface.grad, start, rate, steps, beta)
                  for rate in rates}
    return paths


def rate_panels(surface: gd.Surface, rates: tuple, beta: float | None) -> list[tuple[str, list[str]]]:
    """One small multiple per rate: its title (with 1 − ηλ and the behaviour on a quadratic) and its paths.
    With momentum the title says what each of the panel's two paths does: the factors 1 − ηλ are plain GD's, and
    'diverges' alone stood over a momentum path that converged (η = 0.105 on the ravine; a review)."""
    panels = []
    for rate in rates:
        title = f"η = {rate:g}"
        curvatures = surface.hessian_eigenvalues
        if curvatures and beta is None:
            title += "\n" + gd.describe_rate(rate, curvatures, sep="\n")
        elif curvatures:
            plain = gd.describe_rate(rate, curvatures, sep="\nplain: ")
            # one panel: both on one line (a line more pushed lecture moment 8's figure past a projector's screen)
            between = "; " if len(rates) == 1 else "\n"
            title += f"\n{plain}{between}β = {beta:g}: {gd.momentum_behaviour(rate, curvatures, beta)}"
        panels.append((title, [f"η = {rate:g}"] + ([f"η = {rate:g}, β = {beta:g}"] if beta is not None else [])))
    return panels


def beside_its_losses(rates: tuple, in_3d: bool) -> bool:
    """Whether the paths' figure stands beside their loss curves (one panel, half the width), not above them."""
    return len(rates) == 1 and not in_3d


@ui.cache_figure
def surface_figures(key: str, rates: tuple, steps: int, w1: float, w2: float, beta: float | None, in_3d: bool,
                    lecture: bool = False):
    surface, paths = gd.SURFACES[key], surface_paths(key, rates, steps, w1, w2, beta)
    w1_axis, w2_axis, grid_loss = surface_grid(key)
    if in_3d:
        path_figure = figs.surface_figure(w1_axis, w2_axis, grid_loss, paths, surface.box, surface.log_contours)
    else:
        path_figure = figs.contour_figure(w1_axis, w2_axis, grid_loss, paths, surface.box, surface.minima,
                                          surface.log_contours, panels=rate_panels(surface, rates, beta),
                                          # Lecture mode at 1280 px: the sidebar is folded, ~1080 px are left
                                          # (sized for ~770, with the sidebar open, the panels came out 170 px
                                          # square, smaller than in normal mode), and figures are drawn taller
                                          width_hint=(1080 if lecture else 1100) // (2 if beside_its_losses(rates, in_3d) else 1),
                                          height_scale=ui.LECTURE_HEIGHT_FACTOR if lecture else 1.0)
    return path_figure, figs.loss_curves_figure(paths, lowest=surface.lowest_loss)


@st.cache_data(show_spinner=False, max_entries=128)
def batch_runs(seed: int, batch_size: int, learning_rate: float, epochs: int):
    """Full-batch, mini-batch and stochastic GD on the logistic problem: {label: (trajectory, steps/epoch)}. A
    mini-batch of 1 or of all the samples takes the other's path, drawn over or under it: its label says so."""
    x, y, *_ = logistic_problem(seed)
    sizes = zip(batch_labels(batch_size), (LOGISTIC_POINTS, batch_size, 1))
    return {label: gd.minibatch_descent(x, y, np.array(BATCH_START), learning_rate, size, epochs, seed)
            for label, size in sizes}


def batch_labels(batch_size: int) -> tuple[str, str, str]:
    """The names of full-batch, mini-batch and stochastic GD in the figures and the table, with their batch sizes."""
    n = LOGISTIC_POINTS
    same_as = {1: " = stochastic", n: " = full batch"}.get(batch_size, "")
    return f"full batch ({n})", f"mini-batch ({batch_size}){same_as}", "stochastic (1)"


@ui.cache_figure
def batch_figures(seed: int, batch_size: int, learning_rate: float, epochs: int):
    _, _, box, w_axis, b_axis, grid_loss = logistic_problem(seed)
    runs = batch_runs(seed, batch_size, learning_rate, epochs)
    trajectories = {label: run[0] for label, run in runs.items()}
    return (figs.contour_figure(w_axis, b_axis, grid_loss, trajectories, box, width_hint=650,
                                axis_titles=("weight w", "bias b")),
            figs.loss_curves_figure(trajectories, "epochs (passes over the data)",
                                    {label: 1 / run[1] for label, run in runs.items()}))


def rate_options(surface: gd.Surface) -> list[float]:
    """Log-spaced learning rates, the defaults, and for quadratics the stability limit and values around it."""
    options = {float(f"{v:.2g}") for v in np.geomspace(1e-4, 2.0, 27)} | set(DEFAULT_RATES.get(surface.key, ()))
    if surface.stability_limit:
        limit = surface.stability_limit
        options |= {round(limit * f, 6) for f in (0.25, 0.5, 0.9, 0.95, 0.99, 1.0, 1.01, 1.05, 1.2)}
    return sorted(options)


def default_rates(surface: gd.Surface) -> list[float]:
    if surface.key in DEFAULT_RATES:
        return list(DEFAULT_RATES[surface.key])
    return [round(surface.stability_limit * f, 6) for f in (0.25, 0.95, 1.05)]


QUADRATIC_NOTE = (
    "On a quadratic each step multiplies the offset from the minimum along a direction of curvature λ by "
    "$1 - \\eta\\lambda$: $w_k - w^* = (1 - \\eta\\lambda)^k\\,(w_0 - w^*)$. Between 0 and 1 the path "
    "walks straight in; between −1 and 0 it jumps across the minimum and back, closing in; beyond −1 "
    "(η > 2/λ) every jump is longer than the last. On the **round bowl** both directions have λ = 2, so "
    "every path runs along one line through the minimum: only the panels tell them apart. "
    "In the **ravine** the limit is set by the steep direction (λ = 20), "
    "so along the shallow direction (λ = 1) the steps are tiny and progress crawls: "
    "ill-conditioning; the panels' titles give its two factors, the shallow direction's first. ")
MOMENTUM_NOTE = (
    "**Momentum** keeps a running velocity $v \\leftarrow \\beta v - \\eta\\nabla L$, "
    "$w \\leftarrow w + v$: the steady push along the valley adds up, so the slow direction speeds up, and "
    "pushes that alternate across it (a zig-zag, where ηλ > 1) cancel; with a larger β the velocity itself "
    "swings across the valley before it settles. ")
MOMENTUM_FACTORS_NOTE = (
    "The factors in the panels' titles are plain gradient descent's; momentum changes them, and on a "
    "quadratic it converges for any $0 < \\eta\\lambda < 2(1 + \\beta)$: the titles' last line says what "
    "the path with momentum does.")


def not_a_quadratic_note(surface: gd.Surface) -> str:
    """What the paths on a surface that is not a quadratic do: the quadratic's note (1 − ηλ, the bowl and the
    ravine) stood beside the two valleys' paths (a student's review)."""
    several = len(surface.minima) > 1
    # with two minima, which limit is whose: '(0.23 and 0.28)' did not say (a student's review)
    where = [with_minus_signs(f" at the minimum w = ({w1:.2f}, {w2:.2f})") if several else ""
             for w1, w2 in surface.minima]
    limits = "; ".join(f"{limit:.2g}{at}" for limit, at in zip(surface.limits_at_minima(), where))
    note = (f"This surface is not a quadratic, but near {'each' if several else 'its'} minimum it is close to one: "
            f"with the largest curvature λ there, a rate above 2/λ ({limits}) cannot settle into it: the path keeps "
            "jumping across it and back"
            + (", and a larger rate throws it over the ridge into the other valley too. " if several else ". "))
    if several:
        gap = max(float(surface.loss(np.array(m))) for m in surface.minima) - surface.lowest_loss
        note += ("Gradient descent only sees the slope where it stands, so a path settles into the valley it starts "
                 "in, which need not hold the lower minimum: the curves plot $L - L_{\\min}$ from the lower one, so "
                 f"a path that settles in the other levels off at {gap:.2g} instead of falling to machine precision. ")
    return note + surface.note


def divergence_note(label: str, trajectory: gd.Trajectory, write=lambda loss: significant(loss, 3)) -> str | None:
    """What a path that ``diverged`` (its loss past gd.divergence_limit) or is ``diverging`` (ends higher than it
    started) does, losses written by ``write``; None for a path that does neither."""
    if trajectory.diverged_at is not None:
        # the step where it blew up is not kept: the path ends, and "loss after k steps" counts, one step before
        # the limit itself, as the run applies it: '1e+06 times 2.25' was not it (its + 1), and step 38 of η = 1.1
        # on the round bowl was already over that (a helper's review)
        start, limit = trajectory.losses[0], gd.divergence_limit(trajectory.losses[0])
        # the start with the digits that give the limit as written: '4,260,006 (10⁶ × (3.26 + 1))' (a review)
        digits = digits_that_add_up([abs(start)], lambda written: gd.divergence_limit(written[0]), limit, digits=3,
                                    most=12, written=lambda x: f"{x:,.0f}")
        size = significant(abs(start), digits or 12)
        size = size if start >= 0 else f"|−{size}|"
        return (f"**{label}** diverged at step {trajectory.diverged_at}: there the loss blew up, past "
                f"{limit:,.0f} (a million times the starting loss plus one: 10⁶ × ({size} + 1)), so the path ends "
                f"at step {len(trajectory.losses) - 1}, the last before it.")
    if trajectory.diverging:
        return (f"**{label}** is diverging: after {len(trajectory.losses) - 1} steps the loss is "
                f"{write(trajectory.losses[-1])}, higher than where it started ({write(trajectory.losses[0])}).")
    return None


def batch_path_note(label: str, trajectory: gd.Trajectory) -> str | None:
    """What the batch section's figure does not show: a path that diverges, or leaves the plot (at η = 5 the
    stochastic path left it at step 1 and only a line off its edge was drawn, a student's review)."""
    note = divergence_note(label, trajectory, write=lambda loss: f"{loss:.3f}")  # as the table beside it
    outside = figs.first_step_outside(trajectory.points, BATCH_BOX)
    if outside is None:
        return note
    cut = f"at step {outside:,} and is drawn up to the plot's edge; the loss curves show every step."
    return f"{note} Its path leaves the plot {cut}" if note else f"**{label}** leaves the plot {cut}"


# --- 1. One weight ---------------------------------------------------------------------------------
def rate_of_the_chosen_preset() -> None:
    """Choosing a preset shows its η, not one moved there earlier ('much too large' at η = 1.0 converges); the
    η slider has a key per preset only so that its default can follow the preset."""
    preset = st.session_state["gd1_preset"]
    ui.apply_preset({f"gd1_lr_{preset}": PRESETS[preset]})


# Sections 1-3 rerun on their own (ui.section_fragment); the mini-batch settings also rerun the Keras panel.
@ui.section_fragment("gd_one_weight")
def one_weight() -> None:
    own = ui.reruns("gd_one_weight")  # its widgets rerun this section alone
    st.header("One weight: walking down a loss curve")
    st.latex(r"w \leftarrow w - \eta\,\frac{dL}{dw}")
    controls, plot = st.columns([1, 2])
    with controls:
        preset = st.radio("try a learning rate", list(PRESETS), horizontal=True, key="gd1_preset", index=1,
                          on_change=ui.then_rerun(rate_of_the_chosen_preset, "gd_one_weight"), **ui.URL)
        lr_1d = ui.number_choice("learning rate η", CURVE_RATES, PRESETS[preset], key=f"gd1_lr_{preset}", **own)
        if lr_1d != PRESETS[preset]:  # the radio still shows the preset ('too small' at η = 0.9, which oscillates)
            st.caption(f"Your own η, not the preset '{preset}' (η = {PRESETS[preset]:g}): what it does is said "
                       "below.")
        steps_1d = st.slider("steps", 1, 50, 10, key="gd1_steps", **own, **ui.URL)
        start_1d = st.slider("starting weight w₀", -2.0, 8.0, -1.0, step=0.5, key="gd1_start", **own, **ui.URL)
    trajectory_1d = gd.descend(gd.curve_loss, gd.curve_grad, np.array(start_1d), lr_1d, steps_1d)
    regime = gd.learning_rate_regime(lr_1d)
    with plot:
        w_grid = np.linspace(*gd.curve_window(trajectory_1d.points), 201)
        loss_grid = gd.curve_loss(w_grid)
        ui.show_figure(figs.curve_figure(w_grid, loss_grid, trajectory_1d, gd.curve_grad), key="gd_curve")
    with controls:
        st.metric(f"loss after {len(trajectory_1d.losses) - 1} steps", significant(trajectory_1d.losses[-1]))
        st.markdown(
            f"Here $L(w) = (w - 3)^2$, so $L'(w) = 2(w - 3)$ and each step multiplies $w - 3$, the signed offset "
            f"from the minimum, by $1 - 2\\eta = {1 - 2 * lr_1d:.2f}$: with η = {lr_1d:g} gradient descent "
            f"**{regime}**."
        )
        note = divergence_note(f"η = {lr_1d:g}", trajectory_1d, write=significant)  # as the metric above it
        if note:
            cut = figs.steps_drawn(w_grid, loss_grid, trajectory_1d) < len(trajectory_1d.losses)
            st.error(note + (" Steps that leave the plot are not drawn." if cut else ""))
        elif lr_1d == 0:
            st.info("η = 0: the weight never moves.")


# --- 2. Two weights ----------------------------------------------------------------------------------
@ui.section_fragment("gd_surfaces")
def two_weights() -> None:
    own = ui.reruns("gd_surfaces")  # its widgets rerun this section alone
    # three columns of controls: the paths need the page's full width below
    surface_controls, rate_controls, start_controls = ui.section("Two weights: loss surfaces", 3)
    with surface_controls:
        surface_key = st.selectbox("surface", list(gd.SURFACES), format_func=lambda k: gd.SURFACES[k].label,
                                   key="gd2_surface", **own, **ui.URL)
        surface = gd.SURFACES[surface_key]
        st.latex(surface.formula)
        if surface.stability_limit:
            st.metric("stability limit 2 / λₘₐₓ", f"{surface.stability_limit:g}",
                      help="Curvatures (Hessian eigenvalues) λ = "
                           f"{with_minus_signs(', '.join(f'{v:g}' for v in surface.hessian_eigenvalues))}. "
                           "Along a direction of curvature λ each step multiplies the error by (1 − ηλ).")
        else:
            st.caption("Not a quadratic: the curvature changes from place to place, so there is no single "
                       "stability limit — a rate that is safe in one region can blow up in another.")
    with rate_controls:
        rates = ui.number_multiselect("learning rates η to compare (one panel each)", rate_options(surface),
                                      default_rates(surface), key=f"gd2_rates_{surface_key}", **own, max_selections=4)
        steps_2d = st.slider("steps", 5, 500, 60, key="gd2_steps", **own, **ui.URL)
        momentum_on = st.toggle("add momentum", key="gd2_momentum_on", **own, **ui.URL)
        beta = st.slider("momentum β", 0.0, 0.99, 0.8, step=0.01, key="gd2_beta", disabled=not momentum_on,
                         **own, **ui.URL)
    with start_controls:
        start_w1 = st.slider("start w₁", float(surface.box[0]), float(surface.box[1]), float(surface.start[0]),
                             step=0.05, key=f"gd2_w1_{surface_key}", **own, **ui.URL)
        start_w2 = st.slider("start w₂", float(surface.box[2]), float(surface.box[3]), float(surface.start[1]),
                             step=0.05, key=f"gd2_w2_{surface_key}", **own, **ui.URL)
        show_3d = st.toggle("3-D surface", key="gd2_3d", **own, **ui.URL)
    paths = surface_paths(surface_key, tuple(rates), steps_2d, start_w1, start_w2, beta if momentum_on else None)
    if not paths:
        st.info("Pick at least one learning rate to draw a path.")
        notes = st.container()
    else:
        path_figure, losses_figure = surface_figures(surface_key, tuple(rates), steps_2d, start_w1, start_w2,
                                                     beta if momentum_on else None, show_3d, ui.lecture_mode())
        if beside_its_losses(rates, show_3d):  # both on one screen (Lecture moment 8 showed the curves below it)
            plot, curves = st.columns(2)
            with plot:
                ui.show_figure(path_figure, key="gd_contour")
            notes = st.container()
        else:
            ui.show_figure(path_figure, key="gd_3d" if show_3d else "gd_contour")
            # in Lecture mode the notes under the curves: in a third of the width, at its text size, they ran a
            # screen and a half down beside the curves (a helper's review at 1280x720)
            curves, notes = ui.figure_and_notes([2, 1])
        with curves:
            ui.show_figure(losses_figure, key="gd_losses")
    with notes:
        for label, path in paths.items():
            note = divergence_note(label, path)
            if note:
                st.warning(note)
        st.markdown((QUADRATIC_NOTE if surface.stability_limit else not_a_quadratic_note(surface)) + MOMENTUM_NOTE
                    + (MOMENTUM_FACTORS_NOTE if surface.stability_limit else ""))


# --- 3. Batch, mini-batch, stochastic ---------------------------------------------------------------------
@ui.section_fragment("gd_batches")
def batches() -> None:
    controls, plot = ui.section("Batch, mini-batch and stochastic gradient descent")
    with controls:
        also_keras = ui.reruns("gd_batches", ui.KERAS_SECTION)
        batch_size = st.slider("mini-batch size", 1, LOGISTIC_POINTS, 16, key="gd3_batch", **also_keras, **ui.URL)
        lr_3 = ui.number_choice("learning rate η ", (0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0), 0.5, key="gd3_lr",
                                **also_keras)
        epochs = st.slider("epochs", 1, 20, 3, key="gd3_epochs", **also_keras, **ui.URL)
        seed = st.number_input("seed (data and shuffling)", 0, 9999, 0, key="gd3_seed", **also_keras, **ui.URL)
    runs = batch_runs(int(seed), batch_size, lr_3, epochs)
    paths_figure, batch_losses_figure = batch_figures(int(seed), batch_size, lr_3, epochs)
    with plot:
        ui.show_figure(paths_figure, key="gd_batches")
        ui.show_figure(batch_losses_figure, key="gd_batch_losses")
    with controls:
        ui.table({"method": list(runs), "samples per step": [LOGISTIC_POINTS, batch_size, 1],
                  "steps per epoch": [run[1] for run in runs.values()],
                  "loss after training": [f"{run[0].losses[-1]:.3f}" for run in runs.values()]})
        for label, (trajectory, _) in runs.items():
            note = batch_path_note(label, trajectory)
            if note:
                st.warning(note)
        st.markdown(  # beside the two figures stacked in the other column, not under them
            f"The problem: logistic regression $p = \\sigma(w x + b)$ on {LOGISTIC_POINTS} seeded points; the "
            f"contours are its cross-entropy over $(w, b)$. **Full-batch** GD averages the gradient over all "
            f"{LOGISTIC_POINTS} samples: one smooth, expensive step per epoch. **Stochastic** GD uses one sample per "
            f"step: {LOGISTIC_POINTS} cheap, noisy steps per epoch. **Mini-batches** sit in between, and are what "
            f"`model.fit(batch_size=32)` does. An **epoch** is one pass over the data; the number of **steps** in "
            f"it is ⌈{LOGISTIC_POINTS} / batch size⌉."
        )


one_weight()
two_weights()
batches()

# --- 4. A real Keras model ---------------------------------------------------------------------------------
st.header("Finding a learning rate for a real Keras model")
st.markdown(
    "Géron's recipe (ch. 10): train a model from scratch for a few hundred batches while multiplying the learning "
    "rate by a constant after every batch. Here it starts at 10⁻⁴ and would reach 10 after 200 batches, but it "
    f"stops as soon as the loss has blown up (passed {kt.BLOW_UP:g}× its lowest): larger rates only make it worse, "
    "so the plot shades what was not swept. The loss first barely moves (η too small), then drops, then **turns "
    "up** and shoots up (η too large). The rule of thumb: train at about **10× below the rate where the loss turns "
    "up** (starts to climb). "
    "Here: a `Dense(32, relu) → Dense(10, softmax)` classifier on scikit-learn's 1,797 8×8 digits."
)
lr_seed = st.number_input("seed (weights and batches)", 0, 9999, 0, key="gd4_seed", width=300, **ui.URL)
if st.button("Run the learning-rate finder (loads TensorFlow, ~10 s)", key="gd4_run"):
    # shared: the same seed gives the same sweep, so a class pays for it once
    result = ui.run_job("Sweeping the learning rate up from 10⁻⁴ until the loss blows up …", kt.sweep_digits,
                        share=True, seed=int(lr_seed))
    if result is not None:
        st.session_state["gd4_sweep"] = (int(lr_seed), result)
        st.session_state.pop("gd4_histories", None)
sweep = st.session_state.get("gd4_sweep")
if sweep is None:
    st.caption("Nothing is loaded until you press the button: the rest of this page runs without TensorFlow.")
else:
    sweep_seed, (rates_swept, losses_swept) = sweep
    if sweep_seed != lr_seed:
        st.caption(f"Computed for seed {sweep_seed}: press the button again for seed {lr_seed}.")
    suggestion = kt.suggest_learning_rates(rates_swept, losses_swept)
    marks = {"too low": suggestion.too_low, "suggested (10× lower)": suggestion.suggested,
             "loss turns up": suggestion.turning_point, "too high": suggestion.too_high}
    stop = kt.sweep_stop(rates_swept, losses_swept)
    plot, text = st.columns([2, 1])
    with plot:
        ui.show_figure(figs.learning_rate_sweep_figure(rates_swept, losses_swept, marks,
                                                       planned=(kt.SWEEP_MIN_RATE, kt.SWEEP_MAX_RATE), stop=stop,
                                                       average=(*kt.moving_average(rates_swept, losses_swept),
                                                                kt.SMOOTHING)), key="gd_sweep")
    with text:
        st.metric("suggested learning rate", significant(suggestion.suggested, 2))
        st.markdown(f"The loss's moving average (black) turns up — starts to climb — near "
                    f"η = {significant(suggestion.turning_point, 2)}; about 10× below it, "
                    f"{significant(suggestion.suggested, 2)}, is the "
                    f"suggestion. Compare it with {significant(suggestion.too_low, 2)} (100× lower still) and "
                    f"{significant(suggestion.too_high, 2)} (past the turn, where the loss climbs):")
        if stop:
            st.caption(f"The sweep stopped at η = {significant(rates_swept[-1], 2)}, of the planned 10⁻⁴ … 10: "
                       f"{stop} "
                       "(shaded: not swept).")
        if st.button("Train 10 epochs with each of the three", key="gd4_compare"):
            histories = ui.run_job("Training three models …", kt.compare_rates, share=True, seed=sweep_seed,
                                   rates=(suggestion.too_low, suggestion.suggested, suggestion.too_high))
            if histories is not None:
                st.session_state["gd4_histories"] = histories
    histories = st.session_state.get("gd4_histories")
    if histories:
        ui.show_figure(figs.learning_curves_figure(histories), key="gd_compare")
        ui.table({"learning rate": list(histories),
                  "validation accuracy after 10 epochs": [f"{h['val_accuracy'][-1]:.1%}" if h.get("val_accuracy") else "—"
                                                          for h in histories.values()]})

# --- Try this and Keras ------------------------------------------------------------------------------------
RAVINE_AT_0_05 = {"gd2_surface": "ravine", "gd2_rates_ravine": [0.05], "gd2_steps": 400}
ui.try_this([
    ui.Experiment("One weight: try each preset. Where does 'too large' land after each step, and why does it still "
                  "converge?", tuple((name, {"gd1_preset": name, f"gd1_lr_{name}": PRESETS[name]})
                                 for name in ("too large", "much too large"))),
    ui.Experiment("Round bowl: compare η = 0.95 and 1.05 (just below and above 2/λ = 1). Then the ravine: why is its "
                  "limit 0.1?", (("bowl, η = 0.95 and 1.05", {"gd2_surface": "bowl", "gd2_rates_bowl": [0.95, 1.05],
                                                               "gd2_momentum_on": False, "gd2_steps": 60}),
                                 ("the ravine", {"gd2_surface": "ravine"}))),
    ui.Experiment("Ravine with η = 0.05 only: plain GD crawls along the valley floor. Switch on momentum (β = 0.8): "
                  "how many steps does it save? Now β = 0.99: too much momentum overshoots and circles.",
                  # 400 steps: plain GD reaches its precision mark at step 349, momentum at 157 (at η = 0.025 plain
                  # GD needs ~750, beyond the slider: nothing to compare with)
                  # each button sets the ravine too: pressed first, β = 0.8 switched momentum on over whatever surface
                  # was shown (the round bowl, a helper's review)
                  (("ravine, η = 0.05", {**RAVINE_AT_0_05, "gd2_momentum_on": False}),
                   ("momentum β = 0.8", {**RAVINE_AT_0_05, "gd2_momentum_on": True, "gd2_beta": 0.8}),
                   ("β = 0.99", {**RAVINE_AT_0_05, "gd2_momentum_on": True, "gd2_beta": 0.99}))),
    ui.Experiment("Two valleys: start at w₁ = 0.1 and at w₁ = −0.1. Which minimum do you end in? Is it the lower one?",
                  (("start w₁ = 0.1", {"gd2_surface": "valleys", "gd2_w1_valleys": 0.1, "gd2_momentum_on": False}),
                   ("start w₁ = −0.1", {"gd2_surface": "valleys", "gd2_w1_valleys": -0.1,
                                        "gd2_momentum_on": False}))),
    ui.Experiment(f"Mini-batches: set the batch size to 1 and to {LOGISTIC_POINTS} with the same η and epochs. Which "
                  "path is noisier, which took more steps?",
                  (("batch size 1", {"gd3_batch": 1}),
                   (f"batch size {LOGISTIC_POINTS}", {"gd3_batch": LOGISTIC_POINTS}))),
], "gradient_descent")


def keras_notebook() -> notebooks.PageNotebook:
    state = st.session_state
    settings = state["gd3_lr"], state["gd3_batch"], state["gd3_epochs"], int(state["gd3_seed"]), BATCH_START
    return notebooks.sgd_notebook(sgd_code(*settings), *settings, box=BATCH_BOX,
                                  labels=batch_labels(state["gd3_batch"]))


ui.keras_panel("The mini-batch section in Keras, for its current settings: the same seeded data, the same start "
               "(the ring), the same shuffled mini-batches, one `train_on_batch` per step. It prints the losses "
               "of the table above. (`model.fit(x, y, batch_size=…, epochs=…)` does the same with an order of "
               "its own; `keras.optimizers.SGD(learning_rate=…, momentum=0.8)` adds momentum.)", keras_notebook)
