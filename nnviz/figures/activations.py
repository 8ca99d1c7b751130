"""Figures of the activation-functions page."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.activations import Activation, saturated_intervals
from nnviz.figures.style import (
    BLACK, BLUE, GREY, ORANGE, VERMILION, axis, axis_suffix, base_layout, figure, line_style, subplot_grid,
    vertical_bands, vertical_marker,
)

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
    """f(x) and f'(x) for each activation; shaded where |f'(x)| < ``saturation_tol``.

    Overlay: one panel for every f, one for every f'. Side by side: one small panel per
    function with f (solid) and f' (dotted).
    """
    x = np.asarray(x, dtype=float)
    data: list[dict] = []
    shapes: list[dict] = []
    if side_by_side:
        cols = min(3, max(len(activations), 1))
        rows = max(1, math.ceil(len(activations) / cols))
        layout = base_layout(height=280 * rows + 80, legend_below=False,
                             **subplot_grid(rows, cols, [a.label for a in activations], x_title="x",
                                            v_gap=0.45 / rows))
        layout["legend"].update({"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"})
        layout["margin"]["t"] = 70
        for i, act in enumerate(activations):
            dydx = act.grad(x)
            data.append(_line(x, act(x), "f(x)", {"color": BLUE, "width": 3}, i, legendgroup="f", showlegend=i == 0))
            data.append(_line(x, dydx, "f′(x)", {"color": ORANGE, "width": 3, "dash": "dot"}, i,
                              legendgroup="df", showlegend=i == 0))
            shapes += vertical_bands(saturated_intervals(x, dydx, saturation_tol), GREY, SATURATION_OPACITY, i)
    else:
        layout = base_layout(height=470, legend_below=True,
                             **subplot_grid(1, 2, ["f(x)", "derivative f′(x)"], x_title="x",
                                            y_titles=["f(x)", "f′(x)"], h_gap=0.1))
        layout["legend"]["y"] = -0.25
        layout["margin"]["b"] = 120
        for i, act in enumerate(activations):
            style = line_style(i)
            dydx = act.grad(x)
            data.append(_line(x, act(x), act.label, style, 0, legendgroup=act.key))
            data.append(_line(x, dydx, act.label, style, 1, legendgroup=act.key, showlegend=False))
            shapes += vertical_bands(saturated_intervals(x, dydx, saturation_tol), style["color"],
                                     SATURATION_OPACITY, 1)
    layout.update(shapes=shapes, hovermode="x unified")
    return figure(data, layout)


def neuron_figure(x: np.ndarray, output: np.ndarray, reference: np.ndarray, activation: Activation,
                  w: float, b: float) -> go.Figure:
    """a = f(w·x + b) against the reference f(x); the dotted line marks where w·x + b = 0."""
    data = [
        _line(x, reference, f"f(x) = {activation.label}(x)  (w = 1, b = 0)", {"color": GREY, "width": 3, "dash": "dash"}),
        _line(x, output, f"a = f({w:g}·x {b:+g})", {"color": BLUE, "width": 4}),
    ]
    layout = base_layout(height=400, legend_below=True, hovermode="x unified",
                         xaxis=axis("input x"), yaxis=axis("output a"))
    threshold = -b / w + 0.0 if w != 0 else None  # + 0.0 turns −0.0 into 0.0
    if threshold is not None and x.min() <= threshold <= x.max():
        shape, note = vertical_marker(threshold, f" w·x + b = 0 at x = {threshold:.2f}", VERMILION)
        layout.update(shapes=[shape], annotations=[note])
    return figure(data, layout)


def chain_gradient_figure(series: dict[str, np.ndarray]) -> go.Figure:
    """|∂a_k/∂x| against depth k on a log axis, one line per activation.

    Exact zeros (a dead ReLU, a step) cannot sit on a log axis: they are left out of the line.
    """
    data = []
    for i, (label, grads) in enumerate(series.items()):
        magnitude = np.abs(np.asarray(grads, dtype=float))
        data.append(_line(np.arange(1, len(grads) + 1), np.where(magnitude > 0, magnitude, np.nan), label,
                          line_style(i), mode="lines+markers",
                          hovertemplate="k = %{x}: |∂a/∂x| = %{y:.3g}<extra>" + label + "</extra>"))
    layout = base_layout(height=420, legend_below=True,
                         xaxis=axis("number of layers k"),
                         yaxis=axis("|∂a_k / ∂x|  (log scale)", type="log", exponentformat="power"))
    return figure(data, layout)


def linear_collapse_figure(x: np.ndarray, linear_out: np.ndarray, collapsed_out: np.ndarray,
                           nonlinear_out: np.ndarray, activation: Activation, n_hidden: int) -> go.Figure:
    """The same weights with and without an activation, and the one affine map the linear stack equals."""
    data = [
        _line(x, nonlinear_out, f"{n_hidden} hidden layer(s) with {activation.label}", {"color": BLUE, "width": 4}),
        _line(x, linear_out, f"{n_hidden} hidden layer(s), no activation", {"color": ORANGE, "width": 6}),
        _line(x, collapsed_out, "one layer y = Wx + b (collapsed)", {"color": BLACK, "width": 2, "dash": "dash"}),
    ]
    layout = base_layout(height=420, legend_below=True, hovermode="x unified",
                         xaxis=axis("network input x"), yaxis=axis("network output y"))
    return figure(data, layout)
