"""Figures of the gradient-descent page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from nnviz.figures.style import BLACK, BLUE, GREEN, GREY, ORANGE, VERMILION, axis, base_layout, figure, line_style
from nnviz.gradient_descent import Trajectory

MAX_DRAWN_STEPS = 400  # longer paths are thinned for drawing: figures stay small


def _thin(points: np.ndarray, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At most MAX_DRAWN_STEPS + 1 evenly spaced steps, always keeping the first and last."""
    steps = np.arange(len(points))
    if len(points) > MAX_DRAWN_STEPS + 1:
        keep = np.unique(np.linspace(0, len(points) - 1, MAX_DRAWN_STEPS + 1).round().astype(int))
        return steps[keep], points[keep], losses[keep]
    return steps, points, losses


def _cut_at_box(points: np.ndarray, box, margin: float = 0.25) -> np.ndarray:
    """The path up to where it leaves the box (grown by ``margin`` of its size on each side), ending
    exactly on the box's edge along its last segment: no coordinates like 1e150 sent to the browser,
    and no bending of the path as per-coordinate clipping would do."""
    x0, x1, y0, y1 = box
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    lo, hi = np.array([x0 - dx, y0 - dy]), np.array([x1 + dx, y1 + dy])
    outside = np.any((points < lo) | (points > hi), axis=1)
    if not outside.any():
        return points
    first = int(np.argmax(outside))
    if first == 0:
        return points[:1]
    a, b = points[first - 1], points[first]
    # largest t in [0, 1] with a + t (b − a) still inside the box
    with np.errstate(divide="ignore", invalid="ignore"):
        limits = np.where(b > hi, (hi - a) / (b - a), np.where(b < lo, (lo - a) / (b - a), 1.0))
    t = float(np.clip(np.nanmin(limits), 0.0, 1.0))
    return np.vstack([points[:first], a + t * (b - a)])


def curve_figure(w_grid: np.ndarray, loss_grid: np.ndarray, trajectory: Trajectory, grad_at) -> go.Figure:
    """L(w) with the gradient-descent steps as points, each with its tangent line, joined in order."""
    ws = trajectory.points.ravel()
    ls = trajectory.losses
    y_top = float(loss_grid.max())
    span = float(w_grid[-1] - w_grid[0])
    data = [{"type": "scatter", "mode": "lines", "x": w_grid, "y": loss_grid, "name": "loss L(w)",
             "line": {"color": BLUE, "width": 4}, "hoverinfo": "skip"}]
    tangent_x, tangent_y = [], []
    shown = min(len(ws), 40)  # tangents of the first 40 steps: later ones pile up at the minimum
    for w, loss in zip(ws[:shown], ls[:shown]):
        slope = float(grad_at(w))
        half = 0.06 * span
        tangent_x += [w - half, w + half, None]
        tangent_y += [loss - slope * half, loss + slope * half, None]
    data.append({"type": "scatter", "mode": "lines", "x": tangent_x, "y": tangent_y, "name": "tangent (slope L′(w))",
                 "line": {"color": GREY, "width": 2}, "hoverinfo": "skip"})
    inside = (ws >= w_grid[0]) & (ws <= w_grid[-1]) & (ls <= 1.05 * y_top)
    shown_steps = int(np.argmin(inside)) if not inside.all() else len(ws)  # up to the first step off the plot
    data.append({"type": "scatter", "mode": "lines+markers+text", "x": ws[:shown_steps], "y": ls[:shown_steps],
                 "name": "steps", "text": [str(i) if i < 10 else "" for i in range(shown_steps)],
                 "textposition": "top center", "line": {"color": ORANGE, "width": 2},
                 "marker": {"color": VERMILION, "size": 10},
                 "hovertemplate": "step %{text}: w = %{x:.4g}, L = %{y:.4g}<extra></extra>"})
    layout = base_layout(height=420, legend_below=True,
                         xaxis=axis("weight w", range=[w_grid[0], w_grid[-1]]),
                         yaxis=axis("loss L(w)", range=[-0.05 * y_top, 1.05 * y_top]))
    return figure(data, layout)


def contour_figure(w1: np.ndarray, w2: np.ndarray, loss: np.ndarray, trajectories: dict[str, Trajectory],
                   box, minima=(), log_contours: bool = False, height: int = 520,
                   axis_titles: tuple[str, str] = ("w₁", "w₂")) -> go.Figure:
    """Contours of L(w₁, w₂) with each optimiser's path; a log scale for very steep surfaces."""
    z = np.log10(loss - loss.min() + 1e-3) if log_contours else loss
    data = [{"type": "contour", "x": w1, "y": w2, "z": z, "ncontours": 25, "showscale": False,
             "colorscale": "Blues", "reversescale": True, "contours": {"coloring": "heatmap", "showlines": True},
             "line": {"width": 0.5, "color": "white"}, "opacity": 0.85,
             "hovertemplate": "w₁ = %{x:.2f}, w₂ = %{y:.2f}<extra></extra>"}]
    for i, (label, trajectory) in enumerate(trajectories.items()):
        steps, points, losses = _thin(trajectory.points, trajectory.losses)
        points = _cut_at_box(points, box)
        steps, losses = steps[:len(points)], np.append(losses, losses[-1])[:len(points)]
        style = line_style(i + 1, width=3)
        data.append({"type": "scatter", "mode": "lines+markers", "x": points[:, 0], "y": points[:, 1], "name": label,
                     "line": style, "marker": {"size": 6, "color": style["color"]}, "customdata": losses,
                     "text": steps, "hovertemplate": "step %{text}: L = %{customdata:.4g}<extra>" + label + "</extra>"})
        data.append({"type": "scatter", "mode": "markers", "x": points[:1, 0], "y": points[:1, 1], "showlegend": False,
                     "marker": {"symbol": "circle-open", "size": 16, "color": BLACK, "line": {"width": 3}},
                     "hoverinfo": "skip"})
    if minima:
        data.append({"type": "scatter", "mode": "markers", "x": [m[0] for m in minima], "y": [m[1] for m in minima],
                     "name": "minimum", "marker": {"symbol": "x", "size": 14, "color": BLACK}})
    layout = base_layout(height=height, legend_below=True,
                         xaxis=axis(axis_titles[0], range=[box[0], box[1]]),
                         yaxis=axis(axis_titles[1], range=[box[2], box[3]]))
    layout["legend"]["y"] = -0.2
    layout["margin"]["b"] = 120
    return figure(data, layout)


def surface_figure(w1: np.ndarray, w2: np.ndarray, loss: np.ndarray, trajectories: dict[str, Trajectory],
                   box, log_contours: bool = False) -> go.Figure:
    """The loss as a 3-D surface with the paths drawn on it."""
    transform = (lambda v: np.log10(v - loss.min() + 1e-3)) if log_contours else (lambda v: v)
    data = [{"type": "surface", "x": w1, "y": w2, "z": transform(loss), "colorscale": "Blues", "reversescale": True,
             "showscale": False, "opacity": 0.7}]
    for i, (label, trajectory) in enumerate(trajectories.items()):
        _, points, losses = _thin(trajectory.points, trajectory.losses)
        inside = ((points[:, 0] >= box[0]) & (points[:, 0] <= box[1]) & (points[:, 1] >= box[2])
                  & (points[:, 1] <= box[3]))
        points, losses = points[inside], losses[inside]
        data.append({"type": "scatter3d", "mode": "lines+markers", "x": points[:, 0], "y": points[:, 1],
                     "z": transform(losses), "name": label, "line": {"color": line_style(i + 1)["color"], "width": 6},
                     "marker": {"size": 3}})
    z_title = "log₁₀ L" if log_contours else "L"
    layout = base_layout(height=560, legend_below=True,
                         scene={"xaxis": {"title": {"text": "w₁"}, "nticks": 5},
                                "yaxis": {"title": {"text": "w₂"}, "nticks": 5},
                                "zaxis": {"title": {"text": z_title}, "nticks": 5},
                                "aspectmode": "manual", "aspectratio": {"x": 1, "y": 1, "z": 0.6},
                                "camera": {"eye": {"x": 1.2, "y": -1.2, "z": 0.8}}})
    layout["margin"] = {"l": 0, "r": 0, "t": 20, "b": 40}
    return figure(data, layout)


def loss_curves_figure(trajectories: dict[str, Trajectory], x_title: str = "step",
                       x_scale: dict[str, float] | None = None, lowest: float = 0.0) -> go.Figure:
    """L − ``lowest`` against step (log scale) for each path; values below 10⁻¹⁶ are drawn at 10⁻¹⁶
    (numerically zero). ``x_scale`` multiplies a path's step numbers (e.g. to count epochs)."""
    data = []
    for i, (label, trajectory) in enumerate(trajectories.items()):
        steps, _, losses = _thin(trajectory.points, trajectory.losses)
        factor = (x_scale or {}).get(label, 1.0)
        data.append({"type": "scatter", "mode": "lines", "x": steps * factor, "y": np.maximum(losses - lowest, 1e-16),
                     "name": label + (" (diverged)" if trajectory.diverged_at else ""),
                     "line": line_style(i + 1, width=3)})
    y_title = "loss (log scale)" if lowest == 0 else f"L − L_min (log scale), L_min = {lowest:.3g}"
    layout = base_layout(height=380, legend_below=True, xaxis=axis(x_title),
                         yaxis=axis(y_title, type="log", exponentformat="power", nticks=6))
    layout["legend"]["y"] = -0.28
    layout["margin"]["b"] = 100
    return figure(data, layout)


# too low, suggested, bottom, too high: the runs in learning_curves_figure use the same colours
MARK_COLORS = (ORANGE, GREEN, GREY, VERMILION)


def learning_rate_sweep_figure(rates: np.ndarray, losses: np.ndarray, marks: dict[str, float]) -> go.Figure:
    """Loss of each batch against the learning rate it was trained with (log axis), with marked rates."""
    finite = np.isfinite(losses)
    data = [{"type": "scatter", "mode": "lines", "x": rates[finite], "y": losses[finite], "name": "loss per batch",
             "line": {"color": BLUE, "width": 3}, "hovertemplate": "η = %{x:.3g}: loss %{y:.3f}<extra></extra>"}]
    top = float(np.nanmax(losses[finite])) if finite.any() else 1.0
    for i, (label, rate) in enumerate(marks.items()):
        color = MARK_COLORS[i % len(MARK_COLORS)]
        data.append({"type": "scatter", "mode": "lines", "x": [rate, rate], "y": [0, top], "name": f"{label}: {rate:.2g}",
                     "line": {"color": color, "width": 2, "dash": "dash"}})
    layout = base_layout(height=420, legend_below=True,
                         xaxis=axis("learning rate η (log scale)", type="log", exponentformat="power"),
                         yaxis=axis("training loss", range=[0, 1.05 * top]))
    layout["legend"]["y"] = -0.3
    layout["margin"]["b"] = 110
    return figure(data, layout)


def learning_curves_figure(histories: dict[str, dict[str, list[float]]]) -> go.Figure:
    """Validation accuracy (left) and training loss (right) per epoch, one colour per run."""
    from nnviz.figures.style import subplot_grid

    data = []
    for i, (label, history) in enumerate(histories.items()):
        style = line_style(i + 1, width=3)
        epochs = list(range(1, len(history.get("loss", [])) + 1))
        data.append({"type": "scatter", "mode": "lines+markers", "x": epochs, "y": history.get("val_accuracy", []),
                     "name": label, "line": style, "legendgroup": label})
        data.append({"type": "scatter", "mode": "lines+markers", "x": epochs, "y": history.get("loss", []),
                     "name": label, "line": style, "legendgroup": label, "showlegend": False,
                     "xaxis": "x2", "yaxis": "y2"})
    layout = base_layout(height=400, legend_below=True,
                         **subplot_grid(1, 2, ["validation accuracy", "training loss"], x_title="epoch",
                                        y_titles=["accuracy", "loss"], h_gap=0.12))
    layout["yaxis"]["range"] = [0, 1]
    layout["legend"]["y"] = -0.25
    layout["margin"]["b"] = 110
    return figure(data, layout)
