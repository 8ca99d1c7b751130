"""Figures of the loss-vs-accuracy page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from nnviz.figures.style import (
    BLACK,
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    VERMILION,
    axis,
    axis_suffix,
    base_layout,
    figure,
    subplot_grid,
    titles_off_when_narrow,
    vertical_marker,
    wider_gap_when_narrow,
)
from nnviz.losses import logit_pushes, losses_for_a_positive

METRIC_STYLE = {"accuracy": ("accuracy", VERMILION), "bce": ("cross-entropy", BLUE), "mse": ("MSE", GREEN)}
# training_figure's curves, one per way of training in order: (colour, dash)
TRAINING_STYLES = ((BLUE, "solid"), (VERMILION, "dash"), (ORANGE, "dot"))


def sweep_figure(values: np.ndarray, sweep: dict[str, np.ndarray], current: float, weight_name: str) -> go.Figure:
    """Each metric (rows) and its derivative (right column) as one weight sweeps ``values``."""
    titles = []
    for key in METRIC_STYLE:
        label = METRIC_STYLE[key][0]
        titles += [label, f"d({label}) / d{weight_name}"]
    layout = base_layout(height=640, showlegend=False,
                         **subplot_grid(3, 2, titles, v_gap=0.1, h_gap=0.1))
    layout[f"xaxis{axis_suffix(4)}"]["title"]["text"] = f"weight {weight_name}"
    layout[f"xaxis{axis_suffix(5)}"]["title"]["text"] = f"weight {weight_name}"
    for panel in range(6):  # every panel sweeps the same range: its ticks once, under the bottom row, where the
        x_axis = layout[f"xaxis{axis_suffix(panel)}"]  # rows above would put them under the next row's title
        x_axis["range"] = [float(values[0]), float(values[-1])]
        x_axis["showticklabels"] = panel >= 4
    data, shapes = [], []
    for row, (key, (label, color)) in enumerate(METRIC_STYLE.items()):
        for col, series in enumerate((sweep[key], sweep[f"d_{key}"])):
            panel = 2 * row + col
            suffix = axis_suffix(panel)
            x, y = values, series
            if key == "accuracy" and col == 1:  # 0 between the jumps, undefined at them: the line breaks there
                x, y = _broken_at(values, series, sweep["accuracy_jumps"])
            data.append({"type": "scatter", "mode": "lines", "x": x, "y": y, "name": titles[panel],
                         "line": {"color": color, "width": 3, "shape": "hv" if key == "accuracy" and col == 0 else "linear"},
                         "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
                         "hovertemplate": f"{weight_name} = %{{x:.2f}}: %{{y:.4g}}<extra>{titles[panel]}</extra>"})
            shapes.append(vertical_marker(current, "", GREY, panel)[0])
    jumps = sweep["accuracy_jumps"]
    data.append({"type": "scatter", "mode": "markers", "x": jumps, "y": np.zeros(len(jumps)),
                 "name": "undefined: accuracy jumps", "xaxis": f"x{axis_suffix(1)}", "yaxis": f"y{axis_suffix(1)}",
                 "marker": {"symbol": "line-ns", "size": 22, "color": VERMILION, "line": {"width": 2, "color": BLACK}},
                 "hovertemplate": f"{weight_name} = %{{x:.3f}}: accuracy jumps, its derivative is undefined"
                                  "<extra></extra>"})
    layout[f"yaxis{axis_suffix(1)}"].update(range=[-1, 1], tickvals=[0])  # a flat 0 line with its gaps
    layout["annotations"].append({"text": "| a jump: undefined", "showarrow": False,
                                  "xref": f"x{axis_suffix(1)} domain", "yref": f"y{axis_suffix(1)}", "x": 0.5,
                                  "y": -0.55, "font": {"size": 14, "color": BLACK},
                                  "bgcolor": "white"})  # the marked weight's line passes behind it
    layout.update(shapes=shapes)
    return figure(data, wider_gap_when_narrow(layout))


def _broken_at(values: np.ndarray, series: np.ndarray, jumps: np.ndarray) -> tuple[list, list]:
    """The sampled ``series`` with a gap (None) at each jump: plotly does not draw across a None."""
    xs, ys = [], []
    position = np.searchsorted(values, jumps)
    gaps = set(position.tolist())
    for i, (x, y) in enumerate(zip(values.tolist(), series.tolist())):
        if i in gaps and xs:
            xs.append(None)
            ys.append(None)
        xs.append(x)
        ys.append(y)
    return xs, ys


def training_figure(histories: dict[str, np.ndarray]) -> go.Figure:
    """Accuracy per epoch for each way of training: what we report, whatever we optimise."""
    data = [{"type": "scatter", "mode": "lines", "x": np.arange(len(acc)), "y": acc, "name": label,
             "line": {"color": TRAINING_STYLES[i % 3][0], "width": 4, "dash": TRAINING_STYLES[i % 3][1]}}
            for i, (label, acc) in enumerate(histories.items())]
    epochs = max(len(acc) for acc in histories.values()) - 1
    # whole epochs: over a few, plotly's own ticks fell on 0.5, 1.5, …
    layout = base_layout(height=380, legend_below=True, xaxis=axis("epoch", **({"dtick": 1} if epochs <= 8 else {})),
                         yaxis=axis("accuracy (the metric)", range=[0, 1.02]))
    layout["legend"]["y"] = -0.25
    layout["margin"]["b"] = 100
    return figure(data, layout)


def bce_vs_mse_figure(p: np.ndarray, current: float | None = None) -> go.Figure:
    """For a positive example (y = 1): each loss, and how hard it pushes the logit z, against the prediction p."""
    bce, mse = losses_for_a_positive(p)
    push_bce, push_mse = logit_pushes(p)
    layout = base_layout(height=420, legend_below=True,
                         **subplot_grid(1, 2, ["loss for y = 1", "push on z: |∂L/∂z|"],  # short enough for a
                                        x_title="prediction p", y_titles=["loss", "|∂L/∂z|"], h_gap=0.18))  # phone
    layout["yaxis"]["range"] = [0, 5]
    layout["legend"]["y"] = -0.25
    layout["margin"]["b"] = 110
    data = []
    for name, color, loss, push in (("cross-entropy", BLUE, bce, push_bce), ("MSE", GREEN, mse, push_mse)):
        data.append({"type": "scatter", "mode": "lines", "x": p, "y": loss, "name": name, "legendgroup": name,
                     "line": {"color": color, "width": 4}})
        data.append({"type": "scatter", "mode": "lines", "x": p, "y": push, "name": name, "legendgroup": name,
                     "showlegend": False, "line": {"color": color, "width": 4}, "xaxis": "x2", "yaxis": "y2"})
    if current is not None:
        shapes, notes = zip(*(vertical_marker(current, f" p = {current:.2f}", VERMILION, panel) for panel in (0, 1)))
        for note in notes:  # inside the panel, below its title
            note.update(y=0.98, yanchor="top")
        layout.update(shapes=list(shapes), annotations=layout["annotations"] + list(notes))
    return figure(data, titles_off_when_narrow(layout, ["yaxis2"]))
