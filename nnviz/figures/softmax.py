"""Figures of the softmax page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from nnviz.figures.style import (
    BLACK,
    BLUE,
    GREEN,
    ORANGE,
    PURPLE,
    SKY,
    VERMILION,
    axis,
    base_layout,
    figure,
    legend_below_when_narrow,
    legend_rows,
    subplot_grid,
    subscript,
    titles_off_when_narrow,
    vertical_marker,
)
from nnviz.formatting import with_minus_signs

P_AXIS_TOP = 1.15  # the probability axis: room above a bar of p = 1 for its value


def class_names(n: int) -> list[str]:
    return [f"class {k}" for k in range(n)]


MANY_CLASSES = 5  # more classes than this: ticks k under an axis titled "class" (rotated "class k" skipped half)
BAR_TEXT_MIN = 12  # px: a bar's value smaller than this is not written (hover has it); Lecture mode raises it to 18


def _class_axis(layout_axis: dict, n: int) -> None:
    """Every class named on the axis: "class k" for a few, k under the title "class" for many."""
    if n > MANY_CLASSES:
        layout_axis.update(tickmode="array", tickvals=class_names(n), ticktext=[str(k) for k in range(n)])
        layout_axis["title"] = axis("class")["title"]


def signed(value: float, digits: int) -> str:
    """``value`` with its sign and ``digits`` decimals; one that rounds to 0 without a sign ('+0.000' read as a push
    down where p_y − 1 < 0 had rounded to 0)."""
    text = f"{value:+.{digits}f}"
    return f"{0.0:.{digits}f}" if float(text) == 0 else with_minus_signs(text)


def _bars(names, values, colors, text, hover: str, panel: str = "") -> dict:
    return {"type": "bar", "x": names, "y": values, "marker": {"color": colors}, "text": text,
            "textposition": "outside", "cliponaxis": False, "hovertemplate": hover,
            "xaxis": f"x{panel}", "yaxis": f"y{panel}", "showlegend": False}


def logits_and_probabilities_figure(logits: np.ndarray, probs: np.ndarray) -> go.Figure:
    """Logits z (left) and p = softmax(z / T) (right) as bars; the argmax class is highlighted."""
    names = class_names(len(probs))
    winner = int(np.argmax(probs))
    colors = [ORANGE if k == winner else BLUE for k in range(len(probs))]
    data = [
        _bars(names, logits, colors, [with_minus_signs(f"{v:.2f}") for v in logits], "%{x}: z = %{y:.4g}<extra></extra>"),
        _bars(names, probs, colors, [f"{v:.2f}" for v in probs], "%{x}: p = %{y:.6f}<extra></extra>", "2"),
    ]
    layout = base_layout(height=430, **subplot_grid(1, 2, ["logits z", "p = softmax(z / T)"],
                                                    y_titles=["z", "p"], h_gap=0.2))  # room for p's title
    spread = float(np.max(np.abs(logits))) if len(logits) else 1.0
    layout["yaxis"]["range"] = [-1.2 * max(spread, 1.0), 1.2 * max(spread, 1.0)]
    layout["yaxis2"]["range"] = [0, P_AXIS_TOP]
    layout["margin"]["t"] = 60
    layout["uniformtext"] = {"minsize": BAR_TEXT_MIN, "mode": "hide"}  # many classes: narrow bars, no shrunk values
    for key in ("xaxis", "xaxis2"):
        _class_axis(layout[key], len(probs))
    # on a phone neither y title (each panel's title names its values): 'z' stood 30 px left of its tick labels
    return figure(data, titles_off_when_narrow(layout, ["yaxis", "yaxis2"]))


OTHER_CLASS_COLORS = (BLUE, GREEN, PURPLE, SKY, BLACK)  # no orange: it marks the argmax, as in the bars


def temperature_figure(temperatures: np.ndarray, probs: np.ndarray, current: float, winner: int) -> go.Figure:
    """p_k as the temperature T varies (log axis); ``probs`` has one row per temperature.

    The argmax class ``winner`` is drawn thick and orange, as in the bar chart.
    """
    data = []
    others = 0
    for k, name in enumerate(class_names(probs.shape[1])):
        if k == winner:
            line, label = {"color": ORANGE, "width": 5}, f"{name} (argmax)"
        else:
            line = {"color": OTHER_CLASS_COLORS[others % len(OTHER_CLASS_COLORS)], "width": 2,
                    "dash": ("solid", "dash", "dot")[others // len(OTHER_CLASS_COLORS) % 3]}
            label, others = name, others + 1
        data.append({"type": "scatter", "mode": "lines", "x": temperatures, "y": probs[:, k], "name": label,
                     "line": line, "hovertemplate": "T = %{x:.3g}: p = %{y:.4f}<extra>" + name + "</extra>"})
    shape, note = vertical_marker(current, f" T = {current:g}", BLACK)
    note["x"] = float(np.log10(current))  # on a log axis plotly places annotations in log10 units, shapes not
    layout = base_layout(height=400, shapes=[shape], annotations=[note],
                         xaxis=axis("temperature T (log scale)", type="log",
                                    tickvals=[0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]),
                         yaxis=axis("probability p", range=[-0.04, 1.05]))  # 0 clear of the T axis
    # on a phone the legend beside the plot left it 115 of 358 px: there it goes below
    return figure(data, legend_below_when_narrow(layout, rows=legend_rows([trace["name"] for trace in data])))


def gradient_figure(grad: np.ndarray, true_class: int) -> go.Figure:
    """∂L/∂z_k as bars: negative (push up) for the true class, positive (push down) for the rest."""
    names = class_names(len(grad))
    colors = [VERMILION if k == true_class else BLUE for k in range(len(grad))]
    limit = max(1.0, float(np.max(np.abs(grad))) * 1.25)
    # with many classes two decimals: in Lecture mode's narrow bars '+3.193' did not fit and was left out, '−3.333'
    # (narrower) was written, so the largest push had no number (a helper's review)
    digits = 2 if len(grad) > MANY_CLASSES else 3
    data = [_bars(names, grad, colors, [signed(g, digits) for g in grad], "%{x}: ∂L/∂z = %{y:.4g}<extra></extra>")]
    layout = base_layout(height=380, xaxis=axis(""), uniformtext={"minsize": BAR_TEXT_MIN, "mode": "hide"},
                         yaxis=axis("∂L / ∂z" + subscript("k"), range=[-limit, limit], zerolinecolor=BLACK, zerolinewidth=2))
    _class_axis(layout["xaxis"], len(grad))
    return figure(data, layout)


def two_class_figure(gaps: np.ndarray, p_softmax: np.ndarray, p_sigmoid: np.ndarray, current_gap: float,
                     current_p: float, point_name: str = "your logits") -> go.Figure:
    """softmax([z₀, z₁] / T)₁ and σ((z₁ − z₀) / T) against the gap at temperature T, (z₁ − z₀) / T (``gaps``): the
    same curve; the point at ``current_gap``, named ``point_name``."""
    data = [
        {"type": "scatter", "mode": "lines", "x": gaps, "y": p_sigmoid, "name": "σ((z₁ − z₀)/T)",
         "line": {"color": ORANGE, "width": 9}},
        # [z₀, z₁]: with more classes the bars above give another p₁, and 'softmax(z/T)₁' read as theirs (a review)
        {"type": "scatter", "mode": "lines", "x": gaps, "y": p_softmax, "name": "softmax([z₀, z₁]/T)₁",
         "line": {"color": BLUE, "width": 3, "dash": "dash"}},
        {"type": "scatter", "mode": "markers", "x": [current_gap], "y": [current_p], "name": point_name,
         "marker": {"color": VERMILION, "size": 16, "symbol": "diamond"}},
    ]
    layout = base_layout(height=380, legend_below=True, hovermode="x unified",
                         xaxis=axis("logit gap at temperature T: (z₁ − z₀)/T"),
                         yaxis=axis("P(class 1) of two classes", range=[-0.02, 1.02]))
    layout["margin"]["b"] = 100
    return figure(data, layout)

