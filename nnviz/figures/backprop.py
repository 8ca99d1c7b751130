"""Figures of the Backpropagation page: the network diagram, one SGD step against η, and the spread of
activations and gradients layer by layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.backprop import Diagram
from nnviz.figures.style import (
    BLACK,
    BLUE,
    FONT_SIZE,
    GREY,
    HOLDS_TEXT,
    ORANGE,
    VERMILION,
    axis,
    base_layout,
    figure,
    line_style,
    subplot_grid,
    text_boxes,
)

NODE_SIZE = 54
LABEL_CANDIDATES = (0.5, 0.35, 0.65, 0.25, 0.75, 0.42, 0.58)  # where along an edge its label may sit
NAME_COLOR = "#555555"
POSITIVE, NEGATIVE = BLUE, VERMILION
LIT = ORANGE


def _positions(sizes: Sequence[int]) -> list[list[tuple[float, float]]]:
    """(x, y) of every node: layers at x = 0, 1, …; units centred on y = 0, one apart, first on top."""
    return [[(float(layer), (n - 1) / 2 - unit) for unit in range(n)] for layer, n in enumerate(sizes)]


def _label_spots(segments, taken: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A point on each edge for its label, chosen greedily as far as possible from the labels placed
    before it (and from ``taken``: the nodes' own labels), so that crossing edges do not stack labels.
    Labels are wide: horizontal distance counts a third as much as vertical."""
    t = np.array(LABEL_CANDIDATES)
    placed = np.empty((len(taken) + len(segments), 2))
    placed[:len(taken)] = taken
    count = len(taken)
    spots = []
    for (x0, y0), (x1, y1) in segments:
        xs, ys = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        if count:
            dx = (xs[:, None] - placed[None, :count, 0]) / 3
            dy = ys[:, None] - placed[None, :count, 1]
            best = int(np.argmax((dx * dx + dy * dy).min(axis=1)))  # the first of equals: the middle first
        else:
            best = 0
        spot = (float(xs[best]), float(ys[best]))
        spots.append(spot)
        placed[count] = spot
        count += 1
    return spots


def _edge_width(value: float, largest: float) -> float:
    """1–12 px by |value| / largest, in 5 steps: each colour × width is one trace, and traces are what
    a figure costs to build."""
    return 1.0 + 11.0 * round(4 * abs(value) / largest) / 4


def _text_trace(name: str, x: list, y: list, text: list, color: str, size: int, hover: list) -> dict:
    return {"type": "scatter", "x": x, "y": y, "mode": "text", "text": text, "name": name,
            "textfont": {"size": size, "color": color},  # on white boxes (style.text_boxes) over the lines
            "hovertext": hover, "hoverinfo": "text", "showlegend": False}


def network_figure(d: Diagram, height: int = 460) -> go.Figure:
    """Nodes show a (inside), z (below) and δ (above, once reached); edges show w, or in the sensitivity
    view ∂L/∂w with colour = sign and width ∝ |∂L/∂w|. The current step's node and edges are lit. Every label
    but the titles is on a white box (style.text_boxes): with only a thin white halo, a thick edge (up to 12 px)
    ran through its own label.

    Built from few traces with one style each (edges grouped by colour and width, labels by colour):
    plotly validates shapes, annotations and per-point style arrays one item at a time, which made
    this figure several times slower to build."""
    pos = _positions(d.sizes)
    largest = max((abs(e.weight) for e in d.edges), default=0.0) or 1.0
    groups: dict[tuple[str, float], tuple[list, list]] = {}
    for e in d.edges:
        (x0, y0), (x1, y1) = pos[e.layer - 1][e.i], pos[e.layer][e.j]
        if d.sensitivity:
            color, width = (POSITIVE if e.weight >= 0 else NEGATIVE), _edge_width(e.weight, largest)
        else:
            color, width = GREY, 2.0
        if e.lit:
            color, width = LIT, max(width, 6.0)
        xs, ys = groups.setdefault((color, width), ([], []))
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    nodes = d.nodes
    node_x = [pos[n.layer][n.unit][0] for n in nodes]
    node_y = [pos[n.layer][n.unit][1] for n in nodes]
    node_labels = [(x, y + dy) for x, y in zip(node_x, node_y) for dy in (-0.3, 0.0, 0.3)]  # z, unit, δ
    segments = [(pos[e.layer - 1][e.i], pos[e.layer][e.j]) for e in d.edges]
    spots = _label_spots(segments, node_labels)
    tallest, n_layers = max(d.sizes), len(d.sizes)
    titles = ["inputs"] + [f"hidden {k}" for k in range(1, n_layers - 1)] + ["output"]
    labels = (  # edge labels, then z under each unit, then the layer titles
        [x for x, _ in spots] + node_x + list(range(n_layers)),
        [y for _, y in spots] + [y - 0.3 for y in node_y] + [(tallest - 1) / 2 + 0.75] * n_layers,
        [f"<b>{e.label}</b>" if e.lit else e.label for e in d.edges] + [n.below for n in nodes]
        + [f"<b>{t}</b>" for t in titles],
        [e.hover for e in d.edges] + [n.hover for n in nodes] + titles,
    )
    reached = [n for n in nodes if n.above]
    data = [{"type": "scatter", "x": xs, "y": ys, "mode": "lines", "line": {"color": color, "width": width},
             "hoverinfo": "skip", "showlegend": False} for (color, width), (xs, ys) in groups.items()]
    deltas = ([pos[n.layer][n.unit][0] for n in reached], [pos[n.layer][n.unit][1] + 0.3 for n in reached],
              [f"<b>{n.above}</b>" for n in reached])
    n_boxed = len(labels[0]) - n_layers  # not the titles: no line reaches them
    data.append(text_boxes(*(part[:n_boxed] for part in labels[:3]), FONT_SIZE - 2))
    data.append(text_boxes(*deltas, FONT_SIZE - 1))
    data.append(_text_trace("labels", *labels[:3], BLACK, FONT_SIZE - 2, labels[3]))
    data.append(_text_trace("deltas", *deltas, VERMILION, FONT_SIZE - 1, [n.hover for n in reached]))
    data.append({"type": "scatter", "x": node_x, "y": node_y, "mode": "markers+text",
                 "text": [f"<span style='color:{NAME_COLOR}'>{n.name}</span><br>{n.value}" for n in nodes],
                 "textfont": {"size": FONT_SIZE, "color": BLACK}, "hovertext": [n.hover for n in nodes],
                 "hoverinfo": "text", "showlegend": False, "name": "units", "meta": HOLDS_TEXT,
                 "marker": {"size": NODE_SIZE, "color": "white", "line": {"width": 2, "color": BLACK}}})
    lit = [n for n in nodes if n.lit]
    data.append({"type": "scatter", "x": [pos[n.layer][n.unit][0] for n in lit],
                 "y": [pos[n.layer][n.unit][1] for n in lit], "mode": "markers", "name": "current unit",
                 "marker": {"size": NODE_SIZE, "color": "rgba(0,0,0,0)", "line": {"width": 5, "color": LIT}},
                 "hoverinfo": "skip", "showlegend": False, "meta": HOLDS_TEXT})  # as large as the units it rings
    layout = base_layout(
        height=height, hovermode="closest", margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"visible": False, "range": [-0.45, n_layers - 1 + 0.3], "fixedrange": True},
        yaxis={"visible": False, "range": [-(tallest - 1) / 2 - 0.6, (tallest - 1) / 2 + 0.95], "fixedrange": True},
    )
    return figure(data, layout)


def one_step_figure(rates: np.ndarray, losses: np.ndarray, loss_before: float, chosen: float,
                    chosen_loss: float) -> go.Figure:
    """The batch loss after one SGD step against the learning rate η (log axis), with the loss before."""
    finite = np.where(np.isfinite(losses), losses, np.nan)
    data = [
        {"type": "scatter", "x": rates.tolist(), "y": finite.tolist(), "mode": "lines", "name": "loss after one step",
         "line": line_style(0), "hovertemplate": "η = %{x:.3g}: L = %{y:.4g}<extra></extra>"},
        {"type": "scatter", "x": [float(rates[0]), float(rates[-1])], "y": [loss_before, loss_before], "mode": "lines",
         "name": "loss before the step", "line": {"color": GREY, "dash": "dash", "width": 2},
         "hovertemplate": "before: L = %{y:.4g}<extra></extra>"},
        {"type": "scatter", "x": [chosen], "y": [float(chosen_loss) if np.isfinite(chosen_loss) else None],
         "mode": "markers", "name": "your η", "marker": {"size": 14, "color": ORANGE, "symbol": "diamond"},
         "hovertemplate": "your η = %{x:.3g}: L = %{y:.4g}<extra></extra>"},
    ]
    # a huge η can send the loss far up: keep the region around the loss before readable (hover has it all)
    highest = float(np.nanmax(finite)) if np.any(np.isfinite(finite)) else loss_before
    top = min(highest, max(3 * loss_before, 1.0)) * 1.08
    layout = base_layout(height=360, legend_below=True, xaxis=axis("learning rate η", type="log"),
                         yaxis=axis("loss L on the batch", range=[0, top]))
    return figure(data, layout)


def delta_by_layer_figure(mean_abs_delta: np.ndarray, labels: Sequence[str]) -> go.Figure:
    """Mean |δ| per layer of the page's network (log axis): how much error signal reaches each layer."""
    data = [{"type": "bar", "x": list(labels), "y": [float(v) for v in mean_abs_delta], "marker": {"color": BLUE},
             "text": [f"{v:.2g}" for v in mean_abs_delta], "textposition": "outside",
             "textfont": {"size": FONT_SIZE - 1}, "hovertemplate": "%{x}: mean |δ| = %{y:.4g}<extra></extra>"}]
    positive = [v for v in mean_abs_delta if v > 0]
    log_axis = bool(positive) and max(positive) / min(positive) > 20
    layout = base_layout(height=320, xaxis=axis("layer"),
                         yaxis=axis("mean |δ|", type="log" if log_axis else "linear"))
    return figure(data, layout)


def spread_figure(spreads: Mapping[str, tuple[np.ndarray, np.ndarray]], labels: Mapping[str, str]) -> go.Figure:
    """Two panels, one line per initialisation: std of the activations per hidden layer, and std of ∂L/∂W
    (log axis) — flat lines are healthy, falling lines vanish, rising ones explode."""
    data = []
    for k, (key, (acts, grads)) in enumerate(spreads.items()):
        layers = list(range(1, len(acts) + 1))
        style = line_style(k)
        data.append({"type": "scatter", "x": layers, "y": [float(v) for v in acts], "mode": "lines+markers",
                     "name": labels[key], "legendgroup": key, "line": style, "xaxis": "x", "yaxis": "y",
                     "hovertemplate": "layer %{x}: std(a) = %{y:.3g}<extra>" + labels[key] + "</extra>"})
        safe = [float(v) if np.isfinite(v) and v > 0 else None for v in grads]
        data.append({"type": "scatter", "x": layers, "y": safe, "mode": "lines+markers", "name": labels[key],
                     "legendgroup": key, "showlegend": False, "line": style, "xaxis": "x2", "yaxis": "y2",
                     "hovertemplate": "layer %{x}: std(∂L/∂W) = %{y:.3g}<extra>" + labels[key] + "</extra>"})
    layout = base_layout(height=460, legend_below=True, **subplot_grid(
        1, 2, ["spread of the activations", "spread of the gradients ∂L/∂W"], x_title="hidden layer",
        y_titles=["std of a", "std of ∂L/∂W (log)"]))
    layout["yaxis2"]["type"] = "log"
    layout["yaxis2"]["exponentformat"] = "power"
    layout["legend"]["y"] = -0.2
    return figure(data, layout)
