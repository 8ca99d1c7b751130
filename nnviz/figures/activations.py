"""Figures of the activation-functions page."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.activations import ACTIVATIONS, Activation, saturated_intervals
from nnviz.figures.style import (
    BLACK,
    BLUE,
    FONT_SIZE,
    GREY,
    LECTURE_FONT_FACTOR,
    LEGEND_ROW,
    ORANGE,
    PHONE_FIGURE_WIDTH,
    SHRINKS_TO_THE_VIEW,
    VERMILION,
    axis,
    axis_suffix,
    base_layout,
    figure,
    grouped_legend_lines,
    legend_rows,
    line_style,
    log_ticks,
    one_under_the_other,
    subplot_grid,
    ticks_clear_of_the_corner,
    titles_off_when_narrow,
    vertical_bands,
    vertical_marker,
    wider_gap_when_narrow,
    with_narrow_keys,
)
from nnviz.formatting import count, with_minus_signs

SATURATION_OPACITY = 0.12


def _line(x, y, name: str, line: dict, panel_index: int = 0, **extra) -> dict:
    suffix = axis_suffix(panel_index)
    return {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, "line": line,
            "xaxis": f"x{suffix}", "yaxis": f"y{suffix}", **extra}


def activation_figure(
    x: np.ndarray,
    activations: Sequence[Activation],
    *,
    side_by_side: bool = False,
    saturation_tol: float = 0.05,
) -> go.Figure:
    """f(x) and f'(x) for each activation, and where each saturates (|f'(x)| < ``saturation_tol``).

    Overlay: one panel for every f, one for every f', and under f' a strip with one row per
    function marking its saturated x-ranges. Side by side: one small panel per function with
    f (solid), f' (dotted) and its saturated ranges shaded.
    """
    x = np.asarray(x, dtype=float)
    if side_by_side:
        return _side_by_side_figure(x, activations, saturation_tol)
    return _overlay_figure(x, activations, saturation_tol)


# the most used first, the most distinct colours (style.PALETTE: blue, orange, green, …); then dashed ones
_STYLE_ORDER = {ACTIVATIONS[key].label: i for i, key in enumerate(
    ("sigmoid", "relu", "tanh", "leaky_relu", "elu", "selu", "step", "softplus", "gelu", "swish"))}


def activation_style(label: str) -> dict:
    """The line style of the activation function named ``label``, whichever others are drawn beside it: the same
    on every figure of the page (ReLU was green in one figure and orange in the next, a helper's review)."""
    return line_style(_STYLE_ORDER.get(label, len(_STYLE_ORDER)))


def _side_by_side_figure(x: np.ndarray, activations: Sequence[Activation], tol: float) -> go.Figure:
    cols = min(3, max(len(activations), 1))
    rows = max(1, math.ceil(len(activations) / cols))
    layout = base_layout(height=280 * rows + 80, showlegend=False,
                         **subplot_grid(rows, cols, [f"{a.label}: f solid, f′ dotted" if i == 0 else a.label
                                                     for i, a in enumerate(activations)],
                                        x_title="x", v_gap=0.45 / rows))
    data: list[dict] = []
    shapes: list[dict] = []
    for i, act in enumerate(activations):
        dydx = act.grad(x)
        data.append(_line(x, act(x), "f(x)", {"color": BLUE, "width": 3}, i, legendgroup="f", showlegend=i == 0))
        data.append(_line(x, dydx, "f′(x)", {"color": ORANGE, "width": 3, "dash": "dot"}, i,
                          legendgroup="df", showlegend=i == 0))
        shapes += vertical_bands(saturated_intervals(x, dydx, tol), GREY, SATURATION_OPACITY, i)
    layout.update(shapes=shapes, hovermode="x unified")
    # on a phone one under the other, each the figure's width: three to a row were 71 px wide, their titles ran into
    # each other
    return figure(data, with_narrow_keys(layout, one_under_the_other(layout, len(activations),
                                                                     panel_px=PHONE_PANEL_PX)))


PHONE_PANEL_PX = 200  # px: a function's panel on a phone, where the panels stand one under the other


# px: a row of the strip; Lecture mode's figure of 640 px shrinks its plot to 0.79 of this, and its names (21 px)
# need 28 px a row there not to touch each other
STRIP_ROW_PX = 36
# rows of room under the strip's last row: its name ran into the x axis's first tick label (at x from −20: '−20')
STRIP_FOOT = 0.4


# px: the full-width figure's legend room at 1280x720 in Lecture mode, in the legend's unscaled px (its text grows
# LECTURE_FONT_FACTOR times there): the narrowest place the legend above the panels must fit
LECTURE_LEGEND_WIDTH = round((1080 - 90) / LECTURE_FONT_FACTOR)


LEGEND_TOP = 34  # px: the figure's top margin less its legend's rows (the panels' titles and a gap)
OVERLAY_LEFT = 70  # px: the overlay figure's left margin (the f(x) panel's tick labels and axis title)
# px: a phone's room for the legend's entries: the figure's width less the plot's left margin and the title 'function:'
PHONE_LEGEND_WIDTH = PHONE_FIGURE_WIDTH - OVERLAY_LEFT - 75
PHONE_LEGEND_ROW = 33  # px: a row of this legend as Chromium draws it (style.LEGEND_ROW's 26 px is too few here)
PHONE_LEGEND_FROM_TOP = 14  # px: the legend's top under the figure's (y = 0.98 of a ~660 px figure)


# px: the height of the f and f' panels, at most and at least; between the two, as much as keeps the whole figure
# SHRINKS_TO_THE_VIEW tall, which Lecture mode draws whole under a lecture moment's bar (at 707 px, the strip of three
# functions was under the projector's edge)
OVERLAY_PANELS_PX = (240, 340)


def _overlay_figure(x: np.ndarray, activations: Sequence[Activation], tol: float) -> go.Figure:
    gap_px = 95
    strip_px = round(STRIP_ROW_PX * (max(len(activations), 1) + STRIP_FOOT)) + 10
    # the legend sits above the panel titles, its title on its left, in as many rows as Lecture mode needs (with 7
    # or more functions a fixed 90 px made it a scroll box that hid its first row)
    rows = legend_rows(["function:", *(a.label for a in activations)], LECTURE_LEGEND_WIDTH)
    margin = {"l": OVERLAY_LEFT, "r": 20, "t": LEGEND_TOP + round(rows * LEGEND_ROW * LECTURE_FONT_FACTOR), "b": 70}
    lowest, highest = OVERLAY_PANELS_PX
    panels_px = min(highest, max(lowest, SHRINKS_TO_THE_VIEW - margin["t"] - margin["b"] - gap_px - strip_px))
    plot_px = panels_px + gap_px + strip_px
    strip_top = strip_px / plot_px
    layout = base_layout(height=plot_px + margin["t"] + margin["b"], margin=margin, hovermode="x unified",
                         **subplot_grid(1, 2, ["f(x)", "derivative f′(x)"], x_title="x", y_titles=["f(x)", "f′(x)"],
                                        h_gap=0.12))
    for name in ("yaxis", "yaxis2"):
        layout[name]["domain"] = [(strip_px + gap_px) / plot_px, 1.0]
    labels = [a.label for a in activations]
    layout["xaxis3"] = axis(f"saturated: |f′(x)| < {tol:g}",
                            domain=layout["xaxis2"]["domain"], anchor="y3", range=[x[0], x[-1]],
                            showgrid=False)
    # top to bottom in the legend's order; the last row's name clear of the first x tick below it
    layout["yaxis3"] = axis("", domain=[0, strip_top], anchor="x3", type="category", categoryorder="array",
                            categoryarray=labels, range=[len(labels) - 0.5 + STRIP_FOOT, -0.5])
    # A legend above the panels (one entry per function: clicking it hides its curves and strip row).
    layout["showlegend"] = True
    layout["legend"].update({"orientation": "h", "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top",
                             "yref": "container",
                             "title": {"text": "function:", "side": "left", "font": {"size": FONT_SIZE - 1}}})
    layout["yaxis3"]["tickvals"] = labels  # names in the axis's dark text, each beside its bar in the function's
    # colour (in that colour, orange and sky blue on white were too faint to read on a projector)
    data: list[dict] = []
    values, slopes = [act(x) for act in activations], [act.grad(x) for act in activations]
    # ticks clear of the panels' lower left corner: 240 px panels at x from -20 wrote f's '-5' on x's '-20'
    layout["yaxis"].update(_padded_range(values))
    layout["yaxis2"].update(_padded_range(slopes))
    for act, y, dydx in zip(activations, values, slopes):
        style = activation_style(act.label)
        data.append(_line(x, y, act.label, style, 0, legendgroup=act.key, showlegend=True))
        data.append(_line(x, dydx, act.label, style, 1, legendgroup=act.key, showlegend=False))
        xs: list = []
        for lo, hi in saturated_intervals(x, dydx, tol):
            xs += [lo, hi, None]
        data.append({"type": "scatter", "mode": "lines", "x": xs or [None], "y": [act.label if v is not None else None
                                                                                 for v in xs] or [act.label],
                     "xaxis": "x3", "yaxis": "y3", "line": {"color": style["color"], "width": 14},
                     "name": act.label, "legendgroup": act.key, "showlegend": False, "hoverinfo": "skip"})
    layout = titles_off_when_narrow(wider_gap_when_narrow(layout), ["yaxis2"])
    # on a phone the legend's entries, beside its title, wrap into more rows than Lecture mode's width gives: room for
    # them above the panels' titles, the figure that much taller (a second row lay on 'f(x)', a review at 390x844)
    phone_top = LEGEND_TOP + PHONE_LEGEND_FROM_TOP + grouped_legend_lines(labels, PHONE_LEGEND_WIDTH) * PHONE_LEGEND_ROW
    if phone_top > margin["t"]:
        layout = with_narrow_keys(layout, {"margin": {**margin, "t": phone_top},
                                           "height": layout["height"] + phone_top - margin["t"]})
    # on a phone the strip's title on two lines: on one, centred under the right column, it ran out of the figure
    # ('saturated: |f′(x)| < 0.0', a helper's review)
    strip_axis = layout["meta"]["narrow"]["layout"]["xaxis3"]
    layout = with_narrow_keys(layout, {"xaxis3": {**strip_axis, "title": {
        **strip_axis["title"], "text": strip_axis["title"]["text"].replace(": ", ":<br>")}}})
    return figure(data, layout)


def _padded_range(series: Sequence[np.ndarray]) -> dict:
    """A value axis for ``series``: their finite range, 10 % of it below (a round lowest value, f′'s 0, keeps its
    tick) and 5 % above, its ticks at round steps none of which sits in the lowest 5 % of the axis
    (``ticks_clear_of_the_corner``)."""
    finite = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series])
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {}
    low, high = float(finite.min()), float(finite.max())
    span = high - low if high > low else 1.0
    bottom, top = low - 0.1 * span, high + 0.05 * span
    return {"range": [bottom, top], **ticks_clear_of_the_corner(bottom, top)}


def neuron_figure(x: np.ndarray, output: np.ndarray, reference: np.ndarray, activation: Activation,
                  w: float, b: float) -> go.Figure:
    """a = f(w·x + b) against the reference f(x); the dotted line marks where w·x + b = 0. The dashed reference is
    drawn over the neuron's curve, the legend naming it first: at w = 1, b = 0 the two are one line, and under it the
    reference its legend names could not be seen (a student's review)."""
    data = [
        {**_line(x, output, with_minus_signs(f"a = f({w:g}·x {'+' if b >= 0 else '−'} {abs(b):g})"),
                 {"color": BLUE, "width": 4}),
         "legendrank": 2},
        {**_line(x, reference, f"f(x), {activation.label}  (w = 1, b = 0)",
                 {"color": GREY, "width": 3, "dash": "dash"}), "legendrank": 1},
    ]
    layout = base_layout(height=400, legend_below=True, hovermode="x unified",
                         xaxis=axis("input x"), yaxis=axis("output a"))
    threshold = -b / w + 0.0 if w != 0 else None  # + 0.0 turns −0.0 into 0.0
    if threshold is not None and x.min() <= threshold <= x.max():
        shape, note = vertical_marker(threshold, with_minus_signs(f" w·x + b = 0 at x = {threshold:.2f}"), VERMILION)
        layout.update(shapes=[shape], annotations=[note])
    return figure(data, layout)


def chain_gradient_figure(series: dict[str, np.ndarray]) -> go.Figure:
    """|∂a_k/∂x| against depth k on a log axis, one line per activation.

    Exact zeros (a dead ReLU, a step) cannot sit on a log axis: they are left out of the line.
    """
    data = []
    for label, grads in series.items():
        magnitude = np.abs(np.asarray(grads, dtype=float))
        data.append(_line(np.arange(1, len(grads) + 1), np.where(magnitude > 0, magnitude, np.nan), label,
                          activation_style(label), mode="lines+markers",
                          hovertemplate="k = %{x}: |∂a/∂x| = %{y:.3g}<extra>" + label + "</extra>"))
    depth = max((len(g) for g in series.values()), default=1)
    layout = base_layout(height=420, legend_below=True,
                         # whole layers: over one or a few, plotly's own ticks read '0.6 … 1.4 layers'
                         xaxis=axis("number of layers k", range=[0.5, depth + 0.5], **({"dtick": 1} if depth <= 10 else {})),
                         yaxis=axis("|∂aₖ / ∂x|  (log scale)", type="log", exponentformat="power",
                                    **log_ticks(np.abs(np.concatenate([np.ravel(g) for g in series.values()] or [[]])))))
    return figure(data, layout)


def linear_collapse_figure(x: np.ndarray, linear_out: np.ndarray, collapsed_out: np.ndarray,
                           nonlinear_out: np.ndarray, activation: Activation, n_hidden: int) -> go.Figure:
    """The same weights with and without an activation, and the one affine map the linear stack equals."""
    layers = count(n_hidden, 'hidden layer')
    collapsed = _line(x, collapsed_out, "one layer y = Wx + b (collapsed)", {"color": BLACK, "width": 2, "dash": "dash"})
    layout = base_layout(height=420, legend_below=True, hovermode="x unified",
                         xaxis=axis("network input x"), yaxis=axis("output y, no activation"))
    if activation.key == "linear":  # None (linear) is no activation: one network, not two entries for one line
        data = [_line(x, linear_out, f"{layers} with {activation.label}: no activation", {"color": ORANGE, "width": 6}),
                {**collapsed, "name": "one layer y = Wx + b (collapsed): the same line"}]  # (a lecturer's review)
        return figure(data, layout)
    # the chosen activation's network on its own axis: a deep sigmoid stack's output can span 0.01 where the linear 5
    data = [_line(x, nonlinear_out, f"{layers} with {activation.label} (right axis)", {"color": BLUE, "width": 4},
                  yaxis="y2"),
            _line(x, linear_out, f"{layers}, no activation", {"color": ORANGE, "width": 6}), collapsed]
    layout["yaxis2"] = axis(f"output y, {activation.label}", overlaying="y", side="right", showgrid=False,
                            tickmode="auto", nticks=6)  # its own round ticks (not 1.508, 1.758, …)
    layout["yaxis2"]["title"]["font"]["color"] = BLUE
    layout["margin"]["r"] = 80
    return figure(data, layout)
