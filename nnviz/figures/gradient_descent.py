"""Figures of the gradient-descent page."""

from __future__ import annotations

import copy
import itertools
import textwrap

import numpy as np
import plotly.graph_objects as go

from nnviz.figures.style import (
    BLACK,
    BLUE,
    BLUES,
    FONT_SIZE,
    GREEN,
    GREY,
    LECTURE_FONT_FACTOR,
    LEGEND_ROW,
    ORANGE,
    PHONE_PLOT_WIDTH,
    VERMILION,
    axis,
    axis_suffix,
    base_layout,
    bracketing_log_axis,
    figure,
    grouped_legend_lines,
    legend_rows,
    legend_under_the_plot_when_narrow,
    line_style,
    log_ticks,
    panels_one_under_the_other,
    round_ticks,
    subscript,
    with_narrow_keys,
)
from nnviz.formatting import power_of_ten, with_minus_signs
from nnviz.gradient_descent import LOSS_PRECISION, Trajectory, precision_reached_at

L_MIN = "L" + subscript("min")
MAX_DRAWN_STEPS = 400  # longer paths are thinned for drawing: figures stay small


def _thin(points: np.ndarray, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At most MAX_DRAWN_STEPS + 1 evenly spaced steps, always keeping the first and last."""
    steps = np.arange(len(points))
    if len(points) > MAX_DRAWN_STEPS + 1:
        keep = np.unique(np.linspace(0, len(points) - 1, MAX_DRAWN_STEPS + 1).round().astype(int))
        return steps[keep], points[keep], losses[keep]
    return steps, points, losses


PLOT_MARGIN = 0.25  # a path is drawn this far (a share of the box's size) past each side of its box


def _grown_box(box, margin: float = PLOT_MARGIN) -> tuple[np.ndarray, np.ndarray]:
    x0, x1, y0, y1 = box
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    return np.array([x0 - dx, y0 - dy]), np.array([x1 + dx, y1 + dy])


def first_step_outside(points: np.ndarray, box) -> int | None:
    """The first step (row of ``points``) off the contour plot, where ``contour_figure`` cuts the path; None if
    every step is on it."""
    lo, hi = _grown_box(box)
    outside = np.any((points < lo) | (points > hi), axis=1)
    return int(np.argmax(outside)) if outside.any() else None


def _cut_at_box(points: np.ndarray, box) -> np.ndarray:
    """The path up to where it leaves the box (grown by PLOT_MARGIN of its size on each side), ending
    exactly on the box's edge along its last segment: no coordinates like 1e150 sent to the browser,
    and no bending of the path as per-coordinate clipping would do."""
    lo, hi = _grown_box(box)
    first = first_step_outside(points, box)
    if first is None:
        return points
    if first == 0:
        return points[:1]
    a, b = points[first - 1], points[first]
    # largest t in [0, 1] with a + t (b − a) still inside the box
    with np.errstate(divide="ignore", invalid="ignore"):
        limits = np.where(b > hi, (hi - a) / (b - a), np.where(b < lo, (lo - a) / (b - a), 1.0))
    t = float(np.clip(np.nanmin(limits), 0.0, 1.0))
    return np.vstack([points[:first], a + t * (b - a)])


def steps_drawn(w_grid: np.ndarray, loss_grid: np.ndarray, trajectory: Trajectory) -> int:
    """How many of the path's points ``curve_figure`` draws: those up to the first one off the plot (w outside
    ``w_grid``, its loss above the plot's top, or not a number)."""
    ws, ls = trajectory.points.ravel(), trajectory.losses
    inside = (ws >= w_grid[0]) & (ws <= w_grid[-1]) & (ls <= 1.05 * float(loss_grid.max()))
    return int(np.argmin(inside)) if not inside.all() else len(ws)


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
    shown_steps = steps_drawn(w_grid, loss_grid, trajectory)
    box = (float(w_grid[0]), float(w_grid[-1]), -0.05 * y_top, 1.05 * y_top)
    drawn = np.column_stack([ws[:shown_steps], ls[:shown_steps]])
    numbered = {0, *_numbered_steps(drawn, box, spacing=0.05, last=9, apart_from_every_step=True),
                *_final_step(drawn, box, spacing=0.05)}
    data.append({"type": "scatter", "mode": "lines+markers+text", "x": ws[:shown_steps], "y": ls[:shown_steps],
                 "name": "steps", "text": [str(i) if i in numbered else "" for i in range(shown_steps)],
                 # each number beside its point, outside the bowl: above it, '0' stood next to step 2's point (an
                 # overshooting path comes back close above its start), and '2' was left out as too close
                 "textposition": [curve_number_position(w, grad_at(w), box) for w in ws[:shown_steps]],
                 "customdata": np.arange(shown_steps),
                 "line": {"color": ORANGE, "width": 2}, "marker": {"color": VERMILION, "size": 10},
                 "hovertemplate": "step %{customdata}: w = %{x:.4g}, L = %{y:.4g}<extra></extra>"})
    layout = base_layout(height=420, legend_below=True,
                         xaxis=axis("weight w", range=[w_grid[0], w_grid[-1]]),
                         yaxis=axis("loss L(w)", range=[-0.05 * y_top, 1.05 * y_top]))
    return figure(data, layout)


PANEL_GAP = 0.03  # between small multiples, as a fraction of the figure's plotting width
LABELLED_STEPS = 5  # the first steps of each path get their number, so that its order can be read
SPARSE_PATH = 100  # paths with at most this many points are drawn with arrowheads and numbered steps
RETRACED_DASH = "6px,6px"  # a path that retraces an earlier one: dashes as long as the gaps that show the other


def retracing(trajectories: dict[str, Trajectory], x_scale: dict[str, float] | None = None) -> set[str]:
    """The labels of the paths whose points (and step scale) equal an earlier path's: a mini-batch of 1 takes
    stochastic GD's path, one of all the samples full-batch GD's. Drawn dashed over the other, so that each path the
    legend names can be seen."""
    scale = x_scale or {}
    paths = list(trajectories.items())
    return {label for i, (label, t) in enumerate(paths)
            if any(np.array_equal(t.points, earlier.points) and scale.get(label, 1.0) == scale.get(other, 1.0)
                   for other, earlier in paths[:i])}


def _retraced_style(style: dict) -> dict:
    return {**style, "dash": RETRACED_DASH}
TITLE_CHARACTERS = {1: 60, 2: 40, 3: 26, 4: 18}  # longest title line for 1 … 4 panels side by side
# side-by-side panels' x ticks (1, 2 or 5 × 10^k, 3–6 of them), none within 8 % of a panel's edge: no '3−3' where
# one panel's last tick meets the next one's first
PANEL_TICKS = {"multiples": (1, 2, 5), "clear_below": 0.08, "clear_above": 0.08}


def contour_figure(w1: np.ndarray, w2: np.ndarray, loss: np.ndarray, trajectories: dict[str, Trajectory],
                   box, minima=(), log_contours: bool = False, height: int | None = None,
                   axis_titles: tuple[str, str] = ("w₁", "w₂"),
                   panels: list[tuple[str, list[str]]] | None = None, width_hint: int = 1100,
                   height_scale: float = 1.0) -> go.Figure:
    """Contours of L(w₁, w₂) with each optimiser's path, drawn at equal scale (1 unit of w₁ = 1 unit of
    w₂ on screen), so that round contours look round and gradient steps cross contours at right angles.

    ``panels`` draws small multiples: one panel per (title, labels of the paths in it), side by side
    on the same contours and axes (a title may hold line breaks, "\\n"). Without it, one panel holds all
    paths. A path keeps its colour (its position in ``trajectories``) in every panel, as in
    ``loss_curves_figure``. A log scale of the contours for very steep surfaces.

    Plotly keeps the panels square by shrinking them (constrain="domain"), so a figure taller than
    its width needs is left with blank space: without a ``height`` it is chosen for a figure about
    ``width_hint`` px wide that is later drawn ``height_scale`` times taller (Lecture mode).
    """
    panels = panels or [("", list(trajectories))]
    n = len(panels)
    # titles wrapped to their panel's width (Lecture mode's 1280 px, 4 panels: ~18 characters)
    panels = [("\n".join(_wrap(title, TITLE_CHARACTERS[min(n, 4)])), labels) for title, labels in panels]
    titled = any(title for title, _ in panels)
    title_lines = max((title.count("\n") + 1 for title, _ in panels if title), default=0)
    z = (np.log10(loss - loss.min() + 1e-3) if log_contours else loss).astype(np.float32)  # half the bytes
    retraced = retracing(trajectories)
    colors = {label: line_style(i + 1, width=3) for i, label in enumerate(trajectories)}
    colors = {label: _retraced_style(style) if label in retraced else style for label, style in colors.items()}
    width = (1 - PANEL_GAP * (n - 1)) / n
    data, annotations, layout_axes = [], [], {}
    for p, (title, labels) in enumerate(panels):
        suffix = axis_suffix(p)
        on_axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        data.append({"type": "contour", "x": w1, "y": w2, "z": z, "ncontours": 25, "showscale": False,
                     "colorscale": BLUES, "reversescale": True, "contours": {"coloring": "heatmap", "showlines": True},
                     "line": {"width": 0.5, "color": "white"}, "opacity": 0.85,
                     "hovertemplate": f"{axis_titles[0]} = %{{x:.2f}}, {axis_titles[1]} = %{{y:.2f}}<extra></extra>",
                     **on_axes})
        for j, label in enumerate(labels):
            steps, points, losses = _thin(trajectories[label].points, trajectories[label].losses)
            points = _cut_at_box(points, box)
            steps, losses = steps[:len(points)], np.append(losses, losses[-1])[:len(points)]
            style = colors[label]
            # arrowheads pointing the way each step went (which side of the minimum, in which order);
            # plain dots on long noisy paths (stochastic GD), where arrows would pile up into a blot
            sparse = len(points) <= SPARSE_PATH
            marker = ({"size": 11, "symbol": "arrow", "angleref": "previous", "line": {"width": 0.5, "color": "white"}}
                      if sparse else {"size": 6})
            if label in retraced:  # small enough to leave the path under it its own arrowheads or dots
                marker = {**marker, "size": marker["size"] // 2}
            data.append({"type": "scatter", "mode": "lines+markers", "x": points[:, 0], "y": points[:, 1],
                         "name": label, "legendgroup": label, "line": style,
                         "marker": {**marker, "color": style["color"]}, "customdata": losses,
                         "text": steps.astype(float),  # step numbers, as plotly's validation makes them
                         "hovertemplate": "step %{text}: L = %{customdata:.4g}<extra>" + label + "</extra>",
                         **on_axes})
            numbered = _numbered_steps(points, box) if j == 0 and sparse else []  # one path a panel: legible
            if numbered:
                data.append({"type": "scatter", "mode": "text", "x": points[numbered, 0], "y": points[numbered, 1],
                             "text": [str(k) for k in numbered],
                             "textposition": [number_position(points[k], box) for k in numbered], "showlegend": False,
                             "legendgroup": label, "hoverinfo": "skip", **on_axes,
                             "textfont": {"size": FONT_SIZE - 2, "color": "white", "weight": "bold",
                                          "shadow": "auto"}})
            data.append({"type": "scatter", "mode": "markers", "x": points[:1, 0], "y": points[:1, 1],
                         "showlegend": False, "hoverinfo": "skip", **on_axes,
                         "marker": {"symbol": "circle-open", "size": 16, "color": BLACK, "line": {"width": 3}}})
        if minima:
            data.append({"type": "scatter", "mode": "markers", "x": [m[0] for m in minima],
                         "y": [m[1] for m in minima], "name": "minimum", "legendgroup": "minimum", "legendrank": 2000,
                         "showlegend": p == 0, "marker": {"symbol": "x", "size": 14, "color": BLACK}, **on_axes})
        x0 = p * (width + PANEL_GAP)
        layout_axes[f"xaxis{suffix}"] = axis(axis_titles[0], range=[box[0], box[1]], domain=[x0, min(x0 + width, 1.0)],
                                             anchor=f"y{suffix}", constrain="domain",
                                             tickvals=round_ticks(box[0], box[1], **PANEL_TICKS))
        layout_axes[f"yaxis{suffix}"] = axis(axis_titles[1] if p == 0 else "", range=[box[2], box[3]], domain=[0, 1],
                                             anchor=f"x{suffix}", scaleanchor=f"x{suffix}", scaleratio=1,
                                             constrain="domain", constraintoward="top", nticks=7,
                                             showticklabels=p == 0)  # the same axis in every panel
        if title:
            annotations.append({"text": title.replace("\n", "<br>"), "showarrow": False, "align": "center",
                                "xref": f"x{suffix} domain", "yref": f"y{suffix} domain", "x": 0.5, "y": 1,
                                "xanchor": "center", "yanchor": "bottom", "yshift": 4,
                                "font": {"size": FONT_SIZE - 2, "color": "#222222"}})
    top, bottom = 20 + (28 * title_lines if titled else 0), 130  # room for Lecture mode's larger fonts too
    if height is None:  # square panels; the plotting width is the figure's less the side margins (70 + 20)
        height = int((min(440, (width_hint - 90) * width) + top + bottom) / height_scale)
    layout = base_layout(height=height, legend_below=True, **({"annotations": annotations} if annotations else {}),
                         **layout_axes)
    layout["margin"].update({"t": top, "b": bottom})
    entries = [*trajectories, *(["minimum"] if minima else [])]
    return figure(data, with_narrow_keys(layout, stacked_panels(layout_axes, n, 28 * title_lines, layout["margin"],
                                                                legend_rows(entries))))


PATH_LEGEND_ROW = 33  # px: a row of the paths' legend (its arrowheads make it taller than text)
LEGEND_PAD = 8  # px: under the last panel's x axis, above its legend


def stacked_panels(axes: dict, n: int, title_px: int, margin: dict, legend_lines: int) -> dict:
    """The layout keys that draw ``n`` side-by-side panels (``axes``: their xaxis/yaxis dicts) one under the other,
    each square at a phone's width with its own tick labels, its title above it and its x axis below it: what the
    figures drawn in place (nnviz.ui) use when their place is narrower than ``NARROW_BELOW`` (layout.meta.narrow).
    The last panel's x axis and then the legend, in ``legend_lines`` rows, fill the bottom margin: the side-by-side
    layout's margin (``margin``, with room for Lecture mode's fonts), below a row that kept room for that x axis
    too, left ~88 px blank above the legend. One panel (n = 1) gets the same: its square is as tall as a phone's
    width, where the wide layout's height (for a square as wide as a desktop column) left ~150 px blank under it."""
    below_panel = 60  # px: a panel's x ticks and title
    row = PHONE_PLOT_WIDTH + title_px + below_panel
    plot = n * row - below_panel  # the last panel's x axis is in the bottom margin
    stacked = panels_one_under_the_other(axes, n, row_px=row, panel_px=PHONE_PLOT_WIDTH, panel_top_px=title_px,
                                         plot_px=plot, title=axes["yaxis"]["title"], showticklabels=True)
    bottom = below_panel + LEGEND_PAD + legend_lines * PATH_LEGEND_ROW
    return {**stacked, "margin": {**copy.deepcopy(margin), "t": 20, "b": bottom},  # the titles are in the rows
            "height": plot + 20 + bottom}


def _wrap(title: str, width: int) -> list[str]:
    """The lines of a title, each broken at spaces into lines of at most ``width`` characters."""
    return [part for line in title.split("\n") for part in (textwrap.wrap(line, width, break_on_hyphens=False) or [""])]


CURVE_NUMBER_ROOM = 0.06  # share of the one-weight plot's width that a step's number takes beside its point


def curve_number_position(w: float, slope: float, box) -> str:
    """Where a step's number goes on the one-weight curve: beside its point on the bowl's outer side (left where the
    slope is negative), but above it and inward within CURVE_NUMBER_ROOM of the plot's edge, where plotly would cut
    it ('much too large' reaches w = −7.37 at its step 10, 0.83 from the left edge: 4 % of the plot's width)."""
    room = CURVE_NUMBER_ROOM * (box[1] - box[0])
    if slope < 0:
        return "top right" if w - box[0] < room else "middle left"
    return "top left" if box[1] - w < room else "middle right"


def _final_step(points: np.ndarray, box, spacing: float) -> list[int]:
    """The path's last point, if it lies in the box and at least ``spacing`` from every earlier point: the step that
    "loss after N steps" gives, numbered also beyond the first ones (η = 1.05's step 10, loss 107.6, high on the
    bowl's wall). Left out where the path has come to rest among earlier steps."""
    last = len(points) - 1
    apart = last > 0 and np.min(np.hypot(*((points[:last] - points[last]) / _box_size(box)).T)) >= spacing
    return [last] if _in_box(points[last], box) and apart else []


NUMBER_ROOM = 0.1  # share of a panel's width and height that a step's number takes beside its point


def number_position(point: np.ndarray, box) -> str:
    """Where a step's number goes beside its point: above and to the right, but to the left of a point within
    NUMBER_ROOM of the panel's right edge and below one as near its top edge, so that the number stays inside the
    panel (plotly cuts text at the plotting area: η = 1.1's '5' on the bowl, at w₁ = 2.99, was cut in half)."""
    x0, x1, y0, y1 = box
    vertical = "bottom" if point[1] > y1 - NUMBER_ROOM * (y1 - y0) else "top"
    horizontal = "left" if point[0] > x1 - NUMBER_ROOM * (x1 - x0) else "right"
    return f"{vertical} {horizontal}"


def _numbered_steps(points: np.ndarray, box, spacing: float = 0.12, last: int = LABELLED_STEPS,
                    apart_from_every_step: bool = False) -> list[int]:
    """Steps 1 … ``last`` that lie in the box and at least ``spacing`` (a share of the box's width and
    height) from every point numbered before them and from the start: numbers never sit on each other, also
    where a path comes back or converges, and also on a narrow panel of a projector's screen. With
    ``apart_from_every_step``, from every step before them, numbered or not: on the one-weight curve a number beside
    an unnumbered point read as that point's (near the minimum '4' stood by step 3, '3' left out as too close to 2);
    a path on a surface has arrowheads that give its order."""
    size = _box_size(box)
    numbered, taken = [], [points[0] / size]
    for k in range(1, min(last + 1, len(points))):
        here = points[k] / size
        if _in_box(points[k], box) and all(np.hypot(*(here - other)) >= spacing for other in taken):
            numbered.append(k)
            taken.append(here)
        elif apart_from_every_step:
            taken.append(here)
    return numbered


def _box_size(box) -> np.ndarray:
    """The box's (width, height): what distances between steps are measured in shares of."""
    return np.array([box[1] - box[0], box[3] - box[2]], dtype=float)


def _in_box(point: np.ndarray, box) -> bool:
    return box[0] <= point[0] <= box[1] and box[2] <= point[1] <= box[3]


def surface_figure(w1: np.ndarray, w2: np.ndarray, loss: np.ndarray, trajectories: dict[str, Trajectory],
                   box, log_contours: bool = False) -> go.Figure:
    """The loss as a 3-D surface with the paths drawn on it."""
    transform = (lambda v: np.log10(v - loss.min() + 1e-3)) if log_contours else (lambda v: v)
    data = [{"type": "surface", "x": w1, "y": w2, "z": transform(loss), "colorscale": BLUES, "reversescale": True,
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

    def scene_axis(title: str) -> dict:  # the same size in Lecture mode (style.scaled_fonts: 3-D text)
        return {"title": {"text": title, "font": {"size": FONT_SIZE + 4}}, "tickfont": {"size": FONT_SIZE}, "nticks": 5}

    layout = base_layout(height=560, legend_below=True,
                         scene={"xaxis": scene_axis("w₁"), "yaxis": scene_axis("w₂"), "zaxis": scene_axis(z_title),
                                "aspectmode": "manual", "aspectratio": {"x": 1, "y": 1, "z": 0.6},
                                "camera": {"eye": {"x": 1.2, "y": -1.2, "z": 0.8}}})
    layout["margin"] = {"l": 0, "r": 0, "t": 20, "b": 40}
    return figure(data, layout)


# px: the loss panel's legend room at 1280x720 in Lecture mode, in the legend's unscaled px (its text grows
# LECTURE_FONT_FACTOR times there)
LOSS_LEGEND_WIDTH = round((700 - 90) / LECTURE_FONT_FACTOR)


def loss_axis_ticks(values) -> dict:
    """The loss curves' log axis: at most 4 ticks (the legend below leaves the plot ~150 px in Lecture mode, where 6
    ticks' labels with their exponents touched); where only two of them fall among the values, one more on each side
    (bracketing_log_axis), so that no curve runs outside the labelled ticks: from w₁ = 0.1 on the two valleys every
    curve levelled off at 0.6 under the lowest tick, 1, of an axis labelled 1 and 2 (a student's review)."""
    ticks = log_ticks(values, most=4)
    if len(ticks.get("tickvals", ())) > 2:
        return {"type": "log", **ticks}
    return bracketing_log_axis(values, most=4)


def loss_curves_figure(trajectories: dict[str, Trajectory], x_title: str = "step",
                       x_scale: dict[str, float] | None = None, lowest: float = 0.0) -> go.Figure:
    """L − ``lowest`` against step (log scale) for each path. A curve stops where L − L_min reaches
    machine precision (``precision_reached_at``: below it a log plot shows only round-off), with a
    star, its step number and a legend note saying so. The x axis spans all steps, so that a curve
    that stops early is seen to stop. ``x_scale`` multiplies a path's step numbers (e.g. to count epochs)."""
    data, floor, starred, numbered = [], LOSS_PRECISION * max(1.0, abs(lowest)), False, set()
    x_end = max(((len(t.losses) - 1) * (x_scale or {}).get(label, 1.0) for label, t in trajectories.items()),
                default=1)
    retraced = retracing(trajectories, x_scale)
    for i, (label, trajectory) in enumerate(trajectories.items()):
        factor = (x_scale or {}).get(label, 1.0)
        style = line_style(i + 1, width=3)
        if label in retraced:
            style = _retraced_style(style)
        reached = precision_reached_at(trajectory.losses, lowest)
        shown = trajectory.losses if reached is None else trajectory.losses[:reached + 1]
        steps, _, losses = _thin(trajectory.points[:len(shown)], shown)
        data.append({"type": "scatter", "mode": "lines", "x": steps * factor, "y": np.maximum(losses - lowest, floor),
                     "name": label + (" (diverged)" if trajectory.diverged_at else ""), "legendgroup": label,
                     "line": style})
        if reached is not None:
            starred = True
            # two paths that stop at the same step (momentum with β = 0 is plain gradient descent) share one number
            number = "" if reached * factor in numbered else f"{reached:g}"
            numbered.add(reached * factor)
            data.append({"type": "scatter", "mode": "markers+text", "x": [reached * factor], "y": [floor],
                         "name": f"{label}: {L_MIN} reached to machine precision at step {reached}",
                         "legendgroup": label, "showlegend": False, "text": [number],
                         # the number black over its star in the path's colour: orange text was 2.25:1 on white
                         "textposition": "top center", "textfont": {"size": FONT_SIZE - 2, "color": BLACK},
                         "marker": {"symbol": "star", "size": 15, "color": style["color"],
                                    "line": {"width": 1, "color": BLACK}},
                         "hovertemplate": f"{label}: L − {L_MIN} < {power_of_ten(floor)} (machine precision) from step "
                                          f"{reached} on"
                                          "<extra></extra>"})
    _spread_close_star_numbers([t for t in data if t.get("mode") == "markers+text"], x_end)
    if starred:  # one legend note for all the stars
        data.append({"type": "scatter", "mode": "markers", "x": [None], "y": [None], "legendrank": 2000,
                     "name": f"step where {L_MIN} was reached to machine precision<br>(L − {L_MIN} < {power_of_ten(floor)}):"
                             " the curve stops there",
                     "marker": {"symbol": "star", "size": 15, "color": "white", "line": {"width": 1.5, "color": BLACK}},
                     "hoverinfo": "skip"})
    lowest_text = with_minus_signs(f"{lowest:.3g}")  # the title's own minus sign
    y_title = "loss (log scale)" if lowest == 0 else f"L − {L_MIN} (log scale), {L_MIN} = {lowest_text}"
    shown_y = np.concatenate([np.asarray(t["y"], dtype=float) for t in data if t.get("mode") == "lines"] or [[1.0]])
    # below the plot, the legend's rows beyond two take room of their own (in Lecture mode's text): with eight
    # paths (momentum on) they squeezed the plot until its y title was cut, L_min's value with it
    rows = grouped_legend_lines([t["name"] for t in data if t.get("showlegend", True)], LOSS_LEGEND_WIDTH)
    extra = max(0, rows - 3) * round(LEGEND_ROW * LECTURE_FONT_FACTOR)
    layout = base_layout(height=380 + extra, legend_below=True, xaxis=axis(x_title, range=[0, x_end * 1.02]),
                         # at most 4 ticks: the legend below leaves the plot ~150 px in Lecture mode, where 6 ticks'
                         # labels with their exponents touched
                         yaxis=axis(y_title, exponentformat="power", **loss_axis_ticks(shown_y)))
    layout["margin"]["b"] = 100 + extra
    # on a phone the legend takes more rows: there the plot keeps its height, the legend under room for the axis
    phone_lines = grouped_legend_lines([t["name"] for t in data if t.get("showlegend", True)], PHONE_PLOT_WIDTH)
    return figure(data, legend_under_the_plot_when_narrow(layout, PHONE_LOSS_PLOT_PX, phone_lines))


PHONE_LOSS_PLOT_PX = 240  # px: the loss curves' plot on a phone, whatever the legend's rows under it


STAR_NUMBER_GAP = 0.06  # a share of the step axis: stars closer than this have their numbers spread apart


def _spread_close_star_numbers(stars: list[dict], x_end: float) -> None:
    """Stars a few px apart wrote their step numbers into one ('7' and '23' read '237' on a 500-step axis, a
    helper's review): in a run of stars each closer than ``STAR_NUMBER_GAP`` of the axis to the next, the first
    number goes left of its star, the last right, any between above."""
    stars = sorted(stars, key=lambda t: t["x"][0])
    runs, run = [], stars[:1]
    for before, star in itertools.pairwise(stars):
        if star["x"][0] - before["x"][0] < STAR_NUMBER_GAP * max(x_end, 1):
            run.append(star)
        else:
            runs.append(run)
            run = [star]
    runs.append(run)
    for run in runs:
        if len(run) > 1:
            run[0]["textposition"], run[-1]["textposition"] = "top left", "top right"


# too low, suggested, loss turns up, too high: the runs in learning_curves_figure use the same colours
MARK_COLORS = (ORANGE, GREEN, GREY, VERMILION)


def learning_rate_sweep_figure(rates: np.ndarray, losses: np.ndarray, marks: dict[str, float],
                               planned: tuple[float, float] | None = None, stop: str | None = None,
                               average: tuple[np.ndarray, np.ndarray, int] | None = None) -> go.Figure:
    """Loss of each batch against the learning rate it was trained with (log axis), with marked rates and
    ``average`` = (rates, moving average, batches averaged), where the turning point is read.

    With ``planned`` = (first, last rate) the axis spans the whole planned sweep; if it ended early
    (``stop`` says why: in the hover), the rates it never reached are shaded and labelled 'not swept'."""
    finite = np.isfinite(losses)
    data = [{"type": "scatter", "mode": "lines", "x": rates[finite], "y": losses[finite], "name": "loss per batch",
             "line": {"color": BLUE, "width": 2 if average else 3}, "opacity": 0.45 if average else 1.0,
             "hovertemplate": "η = %{x:.3g}: loss %{y:.3f}<extra></extra>"}]
    if average is not None:
        middle, smoothed, window = average
        data.append({"type": "scatter", "mode": "lines", "x": middle, "y": smoothed,
                     "name": f"moving average of {window} batches", "line": {"color": BLACK, "width": 3},
                     "hovertemplate": "η = %{x:.3g}: mean loss %{y:.3f}<extra></extra>"})
    top = float(np.nanmax(losses[finite])) if finite.any() else 1.0
    for i, (label, rate) in enumerate(marks.items()):
        color = MARK_COLORS[i % len(MARK_COLORS)]
        data.append({"type": "scatter", "mode": "lines", "x": [rate, rate], "y": [0, top], "name": f"{label}: {rate:.2g}",
                     "line": {"color": color, "width": 2, "dash": "dash"},
                     "hovertemplate": f"{label}: η = {rate:.3g}<extra></extra>"})
    x_axis = axis("learning rate η (log scale)", type="log", exponentformat="power",
                  **log_ticks(planned if planned is not None else rates))
    shapes, annotations = [], []
    if planned is not None:
        x_axis["range"] = [np.log10(planned[0]), np.log10(planned[1])]
        if stop and len(rates):
            end = float(rates[-1])
            shapes.append({"type": "rect", "xref": "x", "yref": "y domain", "x0": end, "x1": planned[1], "y0": 0,
                           "y1": 1, "fillcolor": GREY, "opacity": 0.18, "line": {"width": 0}, "layer": "below"})
            annotations.append({"text": "not swept", "x": 1, "y": 1, "xref": "x domain", "yref": "y domain",
                                "xanchor": "right", "yanchor": "top", "showarrow": False,
                                "hovertext": f"stopped at η = {end:.2g}: {stop}",
                                "font": {"size": FONT_SIZE - 2, "color": "#444444"}})
    layout = base_layout(height=440, legend_below=True, xaxis=x_axis, yaxis=axis("training loss", range=[0, 1.05 * top]),
                         shapes=shapes, annotations=annotations)
    layout["margin"]["b"] = 160
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
    layout["margin"]["b"] = 110
    return figure(data, layout)
