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
    with_narrow_keys,
)
from nnviz.losses import logit_pushes, losses_for_a_positive

METRIC_STYLE = {"accuracy": ("accuracy", VERMILION), "bce": ("cross-entropy", BLUE), "mse": ("MSE", GREEN)}
# training_figure's curves, one per way of training in order: (colour, dash)
TRAINING_STYLES = ((BLUE, "solid"), (VERMILION, "dash"), (ORANGE, "dot"))


SWEEP_HEIGHT = 480  # px: two rows of panels (Lecture mode: LECTURE_VIEW_HEIGHT)
SWEEP_PHONE_HEIGHT = 640  # px: three rows on a phone


def sweep_figure(values: np.ndarray, sweep: dict[str, np.ndarray], current: float, weight_name: str) -> go.Figure:
    """Each metric (top row: accuracy, cross-entropy, MSE) above its derivative as one weight sweeps ``values``; on a
    phone (its layout for narrow places) a row per metric, its derivative beside it: two columns fit there.

    Three rows of two in the page's figure column were ~110 px each on a projector's 1280 × 720 screen, each title
    nearer the panel above it than its own."""
    labels = [label for label, _ in METRIC_STYLE.values()]
    titles = {(m, 0): label for m, label in enumerate(labels)} | {
        (m, 1): f"d({label}) / d{weight_name}" for m, label in enumerate(labels)}
    layout = base_layout(height=SWEEP_HEIGHT, showlegend=False,
                         **_sweep_panels(titles, values, weight_name, cols=3, place=_sweep_panel, v_gap=0.15))
    data, shapes = [], []
    for metric, (key, (label, color)) in enumerate(METRIC_STYLE.items()):
        for derivative, series in enumerate((sweep[key], sweep[f"d_{key}"])):
            suffix = axis_suffix(_sweep_panel(metric, derivative))
            x, y = values, series
            if key == "accuracy" and derivative:  # 0 between the jumps, undefined at them: the line breaks there
                x, y = _broken_at(values, series, sweep["accuracy_jumps"])
            name = titles[metric, derivative]
            data.append({"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name,
                         "line": {"color": color, "width": 3,
                                  "shape": "hv" if key == "accuracy" and not derivative else "linear"},
                         "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
                         "hovertemplate": f"{weight_name} = %{{x:.2f}}: %{{y:.4g}}<extra>{name}</extra>"})
            shapes.append(vertical_marker(current, "", GREY, _sweep_panel(metric, derivative))[0])
    jumps, on_jumps = sweep["accuracy_jumps"], axis_suffix(_sweep_panel(0, 1))
    data.append({"type": "scatter", "mode": "markers", "x": jumps, "y": np.zeros(len(jumps)),
                 "name": "undefined: accuracy jumps", "xaxis": f"x{on_jumps}", "yaxis": f"y{on_jumps}",
                 "marker": {"symbol": "line-ns", "size": 22, "color": VERMILION, "line": {"width": 2, "color": BLACK}},
                 "hovertemplate": f"{weight_name} = %{{x:.3f}}: accuracy jumps, its derivative is undefined"
                                  "<extra></extra>"})
    jump_note = {"text": "| a jump: undefined", "showarrow": False, "xref": f"x{on_jumps} domain",
                 "yref": f"y{on_jumps}", "x": 0.5, "y": -0.55, "font": {"size": 14, "color": BLACK},
                 "bgcolor": "white"}  # the marked weight's line passes behind it
    phone = _sweep_panels(titles, values, weight_name, cols=2, place=lambda m, d: 2 * m + d, v_gap=0.1)
    phone.update(wider_gap_when_narrow({"margin": layout["margin"], **phone})["meta"]["narrow"]["layout"])
    for keys in (layout, phone):
        keys[f"yaxis{on_jumps}"].update(range=[-1, 1], tickvals=[0])  # a flat 0 line with its gaps
        keys["annotations"].append(jump_note)
    layout.update(shapes=shapes)
    return figure(data, with_narrow_keys(layout, {**phone, "height": SWEEP_PHONE_HEIGHT}))


def _sweep_panel(metric: int, derivative: int) -> int:
    """The panel (its axes' number, as plotly numbers them from 0) of a metric or its derivative (1), in either grid."""
    return 3 * derivative + metric


def _sweep_panels(titles: dict, values: np.ndarray, weight_name: str, cols: int, place, v_gap: float) -> dict:
    """Layout keys of the sweep's six panels in a grid ``cols`` wide (``v_gap`` between its rows): the panel of (metric m, derivative d) in the
    grid's cell ``place(m, d)`` (row-major), its axes named by ``_sweep_panel``, so that the traces find them in every
    grid. The swept range on every x axis, its tick labels and title only under the bottom row (rows above would put
    them under the next row's titles)."""
    rows = 6 // cols
    cells = {place(m, d): (m, d) for m, d in titles}
    grid = subplot_grid(rows, cols, [titles[cells[q]] for q in range(6)], v_gap=v_gap, h_gap=0.1)
    keys = {"annotations": grid["annotations"]}
    for q, (m, d) in cells.items():
        old, new = axis_suffix(q), axis_suffix(_sweep_panel(m, d))
        bottom = q >= 6 - cols
        keys[f"xaxis{new}"] = {**grid[f"xaxis{old}"], "anchor": f"y{new}", "range": [float(values[0]), float(values[-1])],
                               "showticklabels": bottom,
                               "title": {**grid[f"xaxis{old}"]["title"], "text": f"weight {weight_name}" if bottom else ""}}
        keys[f"yaxis{new}"] = {**grid[f"yaxis{old}"], "anchor": f"x{new}"}
    return keys


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
    layout["margin"]["b"] = 100
    return figure(data, layout)


def bce_vs_mse_figure(p: np.ndarray, current: float | None = None) -> go.Figure:
    """For a positive example (y = 1): each loss, and how hard it pushes the logit z, against the prediction p."""
    bce, mse = losses_for_a_positive(p)
    push_bce, push_mse = logit_pushes(p)
    layout = base_layout(height=420, legend_below=True,
                         **subplot_grid(1, 2, ["loss for y = 1", "push on z: |∂L/∂z|"],  # short enough for a
                                        x_title="prediction p", y_titles=["loss", "|∂L/∂z|"], h_gap=0.18))  # phone
    layout["yaxis"]["range"] = LOSS_RANGE
    layout["margin"]["b"] = 110
    data = []
    for name, color, loss, push in (("cross-entropy", BLUE, bce, push_bce), ("MSE", GREEN, mse, push_mse)):
        data.append({"type": "scatter", "mode": "lines", "x": p, "y": loss, "name": name, "legendgroup": name,
                     "line": {"color": color, "width": 4}})
        data.append({"type": "scatter", "mode": "lines", "x": p, "y": push, "name": name, "legendgroup": name,
                     "showlegend": False, "line": {"color": color, "width": 4}, "xaxis": "x2", "yaxis": "y2"})
    layout["yaxis2"]["range"] = PUSH_RANGE
    if current is not None:
        shapes, notes = zip(*(vertical_marker(current, f" p = {current:.2f}", VERMILION, panel) for panel in (0, 1)))
        for note, curves, y_range in zip(notes, ((bce, mse), (push_bce, push_mse)), (LOSS_RANGE, PUSH_RANGE)):
            # inside the panel, where no curve runs beside the line (on white, in case one still does): at the top,
            # near p = 0 both panels' cross-entropy curves ran through it (p = 0.01, two helpers' reviews)
            right = current > 1 - MARKER_LABEL_SPAN  # beside a line near p = 1: its left, inside the panel
            height = free_label_height(p, curves, y_range, current - MARKER_LABEL_SPAN if right else current)
            note.update(y=height, yanchor="middle", bgcolor="white", xanchor="right" if right else "left",
                        text=f"p = {current:.2f} " if right else note["text"])
        layout.update(shapes=list(shapes), annotations=layout["annotations"] + list(notes))
    return figure(data, titles_off_when_narrow(layout, ["yaxis2"]))


LOSS_RANGE, PUSH_RANGE = [0, 5], [0, 1.05]  # the loss panel's y range; the push panel's (|∂L/∂z| ≤ 1 for y = 1)
MARKER_LABEL_SPAN = 0.35  # of p: how far the marker's label ' p = 0.01' reaches beside its line (a phone's panel)
MARKER_LABEL_HEIGHTS = tuple(np.linspace(0.93, 0.1, 12).round(3))  # of the panel's height: the label's middle


def free_label_height(p: np.ndarray, curves, y_range, start: float, span: float = MARKER_LABEL_SPAN) -> float:
    """Of MARKER_LABEL_HEIGHTS, the one farthest (as a share of the panel's height) from every curve over the
    p's from ``start`` to ``start + span``, where the label stands; the top one where it ties."""
    beside = (p >= start) & (p <= start + span)
    shares = [(np.clip(np.asarray(c, dtype=float)[beside], *y_range) - y_range[0]) / (y_range[1] - y_range[0])
              for c in curves]
    clearance = [min((float(np.min(np.abs(s - h))) for s in shares if s.size), default=1.0)
                 for h in MARKER_LABEL_HEIGHTS]
    return float(MARKER_LABEL_HEIGHTS[int(np.argmax(np.round(clearance, 3)))])
