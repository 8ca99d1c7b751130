"""Figures of the perceptron page."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.figures.style import (
    BLACK,
    BLUE,
    FONT_SIZE,
    GREY,
    HOLDS_TEXT,
    LECTURE_FONT_FACTOR,
    ORANGE,
    PHONE_PLOT_WIDTH,
    VERMILION,
    axis,
    base_layout,
    figure,
    legend_rows,
    legend_under_the_plot_when_narrow,
    ticks_clear_of_the_corner,
    with_narrow_keys,
)
from nnviz.formatting import compact, with_minus_signs, written_value

CLASS_COLORS = (ORANGE, BLUE)  # as on the Playground and in the notebooks: class 1 (yes, z ≥ 0) blue
CLASS_SYMBOLS = ("circle", "square")
REGION_OPACITY = 0.13
XOR_TICKS = [0, 0.5, 1]

Box = tuple[float, float, float, float]  # x_min, x_max, y_min, y_max


def data_box(X: np.ndarray, pad: float = 0.15) -> Box:
    """The data's bounding box, padded by ``pad`` of its size (at least 0.5) on each side."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    margin = np.maximum((hi - lo) * pad, 0.5)
    return float(lo[0] - margin[0]), float(hi[0] + margin[0]), float(lo[1] - margin[1]), float(hi[1] + margin[1])


def half_plane_polygon(w: np.ndarray, b: float, box: Box) -> list[tuple[float, float]]:
    """Corners of the part of ``box`` where w·x + b ≥ 0 (clipping the rectangle by one line)."""
    x0, x1, y0, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]

    def value(p):
        return w[0] * p[0] + w[1] * p[1] + b

    polygon = []
    for p, q in zip(corners, corners[1:] + corners[:1]):
        vp, vq = value(p), value(q)
        if vp >= 0:
            polygon.append(p)
        if (vp >= 0) != (vq >= 0):  # the edge crosses the line: add the crossing point
            t = vp / (vp - vq)
            polygon.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return polygon


def boundary_segment(w: np.ndarray, b: float, box: Box) -> list[tuple[float, float]] | None:
    """The two points where w·x + b = 0 leaves ``box``; None when the line misses it or w = 0."""
    if not np.any(w):
        return None
    x0, x1, y0, y1 = box
    points = []
    if w[1] != 0:
        for x in (x0, x1):
            y = -(w[0] * x + b) / w[1]
            if y0 <= y <= y1:
                points.append((x, y))
    if w[0] != 0:
        for y in (y0, y1):
            x = -(w[1] * y + b) / w[0]
            if x0 <= x <= x1:
                points.append((x, y))
    points = sorted(set(points))
    return [points[0], points[-1]] if len(points) >= 2 else None


def _polygon_trace(polygon, color: str, name: str) -> dict:
    xs, ys = zip(*(polygon + polygon[:1])) if polygon else ([], [])
    return {"type": "scatter", "x": list(xs), "y": list(ys), "fill": "toself", "fillcolor": color,
            "opacity": REGION_OPACITY, "line": {"width": 0}, "mode": "lines", "name": name, "hoverinfo": "skip",
            "showlegend": False}


def decision_boundary_figure(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, *,
    feature_names: Sequence[str] = ("x₁", "x₂"), class_names: Sequence[str] = ("class 0", "class 1"),
    wrong: np.ndarray | None = None, previous: tuple[np.ndarray, float] | None = None,
    highlight: int | None = None, other_line: tuple[np.ndarray, float, str] | None = None,
    box: Box | None = None, height: int = 480,
) -> go.Figure:
    """Points by class, the half-planes the perceptron assigns to each class, the line w·x + b = 0
    and the weight vector (normal to the line, pointing to the class-1 side).

    ``wrong`` marks misclassified points; ``previous`` draws the line before the last update
    (dashed); ``highlight`` rings the sample just used; ``other_line`` adds a comparison line.
    """
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    box = box or data_box(X)
    data = [
        _polygon_trace(half_plane_polygon(-w, -b - 1e-12, box), CLASS_COLORS[0], "predicted class 0"),
        _polygon_trace(half_plane_polygon(w, b, box), CLASS_COLORS[1], "predicted class 1"),
    ]
    for label in (0, 1):
        mask = np.asarray(y) == label
        data.append({"type": "scatter", "mode": "markers", "x": X[mask, 0], "y": X[mask, 1],
                     "name": class_names[label],
                     "marker": {"color": CLASS_COLORS[label], "symbol": CLASS_SYMBOLS[label], "size": 11,
                                "line": {"color": "white", "width": 1}},
                     "hovertemplate": f"{class_names[label]}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"})
    if wrong is not None and np.any(wrong):
        data.append({"type": "scatter", "mode": "markers", "x": X[wrong, 0], "y": X[wrong, 1],
                     "name": f"misclassified ({int(np.sum(wrong))})",
                     "marker": {"symbol": "circle-open", "size": 22, "color": VERMILION, "line": {"width": 3}},
                     "hoverinfo": "skip"})
    if previous is not None:
        segment = boundary_segment(np.asarray(previous[0]), previous[1], box)
        if segment:
            data.append({"type": "scatter", "mode": "lines", "x": [p[0] for p in segment],
                         "y": [p[1] for p in segment], "name": "line before the update",
                         "line": {"color": GREY, "width": 3, "dash": "dash"}})
    unseen = []  # lines that are not in the view: said in it, or the chart looked broken (a student's review)
    if other_line is not None:
        segment = boundary_segment(np.asarray(other_line[0]), other_line[1], box)
        if segment:
            data.append({"type": "scatter", "mode": "lines", "x": [p[0] for p in segment],
                         "y": [p[1] for p in segment], "name": other_line[2],
                         "line": {"color": VERMILION, "width": 3, "dash": "dot"}})
        else:  # (without the class its points get: scikit-learn calls z = 0 class 0, the shading is this page's)
            unseen.append(f"{other_line[2]}: " + line_not_in_view(np.asarray(other_line[0]), other_line[1], box))
    annotations = []
    segment = boundary_segment(w, b, box)
    if segment:
        data.append({"type": "scatter", "mode": "lines", "x": [p[0] for p in segment], "y": [p[1] for p in segment],
                     # beside another line, named for whose it is: the comparison's legend named scikit-learn's
                     # line alone (a student's review)
                     "name": "this page's perceptron: w·x + b = 0" if other_line is not None else "boundary w·x + b = 0",
                     "line": {"color": BLACK, "width": 3}})
        annotations += _weight_arrow(w, segment, box)
    else:
        unseen.insert(0, ("this page: " if other_line is not None else "") + line_not_in_view(w, b, box, class_names))
    if unseen:  # above the plot, in a margin of its own (inside it, the text ran over the narrow plot's y ticks)
        annotations.append({"text": "<br>".join(unseen), "xref": "paper", "yref": "paper", "x": 0.5, "y": 1.0,
                            "xanchor": "center", "yanchor": "bottom", "yshift": 6, "showarrow": False,
                            "align": "center", "font": {"size": FONT_SIZE, "color": BLACK}})
    if highlight is not None:
        data.append({"type": "scatter", "mode": "markers", "x": [X[highlight, 0]], "y": [X[highlight, 1]],
                     "name": "sample just used",
                     "marker": {"symbol": "circle-open", "size": 30, "color": BLACK, "line": {"width": 4}}})
    layout = base_layout(
        height=height, legend_below=True, **({"annotations": annotations} if annotations else {}),
        xaxis=axis(feature_names[0], range=[box[0], box[1]], zeroline=False, constrain="domain"),
        # equal scales on both axes, so that w really looks perpendicular to the line
        yaxis=axis(feature_names[1], range=[box[2], box[3]], zeroline=False, scaleanchor="x", scaleratio=1,
                   constrain="domain", **ticks_clear_of_the_corner(box[2], box[3])),
    )
    layout["margin"]["b"] = 120
    if unseen:  # room for its lines, in Lecture mode's larger text too
        lines = sum(text.count("<br>") + 1 for text in unseen)
        layout["margin"]["t"] = layout["margin"].get("t", 0) + round(lines * FONT_SIZE * 1.3 * LECTURE_FONT_FACTOR)
    layout = fitted_when_narrow(layout, box, [trace["name"] for trace in data if trace.get("showlegend", True)])
    if segment:  # on a phone the arrow was ~20 px long, its head all of it (a review): longer, a smaller head
        phone_arrow = _weight_arrow(w, segment, box, PHONE_ARROW_LENGTH, arrow_size=1.0)
        layout = with_narrow_keys(layout, {"annotations": [*phone_arrow, *annotations[len(phone_arrow):]]})
    return figure(data, layout)


def fitted_when_narrow(layout: dict, box: Box, legend_names: list[str]) -> dict:
    """``layout`` (equal scales on both axes) with a layout for a phone's column that is as tall as the plot its
    width allows, the legend right under it: at the wide figure's height the plot (Iris: 120 px of 480) stood in a
    band of white, its legend 100 px below it."""
    aspect = (box[3] - box[2]) / (box[1] - box[0])
    return legend_under_the_plot_when_narrow(layout, PHONE_PLOT_WIDTH * aspect, legend_rows(legend_names),
                                             aspect=aspect)


def line_not_in_view(w: np.ndarray, b: float, box: Box, class_names: Sequence[str] | None = None) -> str:
    """What a chart without its line says instead: 'no line (w = 0)' or 'the line is outside this view', and with
    ``class_names`` the class this page predicts for every point in the view (z = w·x + b ≥ 0: class 1)."""
    where = "no line (w = 0)" if not np.any(w) else "the line w·x + b = 0 is outside this view"
    if class_names is None:
        return where
    centre = np.array([(box[0] + box[1]) / 2, (box[2] + box[3]) / 2])
    # two lines: one was wider than a phone's figure
    return f"{where}:<br>every point here is predicted {class_names[int(float(np.dot(w, centre)) + b >= 0)]}"


WEIGHT_LABEL = "weight arrow's label"  # the name of the 'w' at the arrow's tip (not a note about the line)


ARROW_LENGTH, PHONE_ARROW_LENGTH = 0.18, 0.3  # w's arrow, as a share of the plot's shorter side
# where w's direction (a unit vector) has less than this along an axis, 'w' is centred on that axis at the tip
LABEL_SIDE = 0.38


def _weight_arrow(w: np.ndarray, segment, box: Box, length: float = ARROW_LENGTH, arrow_size: float = 1.5) -> list[dict]:
    """An arrow along w from the middle of the boundary, ``length`` of the plot's shorter side: it points to the side
    classified 1; 'w' is written beyond its tip (at its tail, the arrow's own text stood on the boundary line, a
    review)."""
    mid = np.mean(np.asarray(segment), axis=0)
    size = length * min(box[1] - box[0], box[3] - box[2])
    direction = w / np.linalg.norm(w)
    tip = np.clip(mid + size * direction, [box[0], box[2]], [box[1], box[3]])  # keep the arrow inside the plot
    arrow = {"x": tip[0], "y": tip[1], "ax": mid[0], "ay": mid[1], "xref": "x", "yref": "y", "axref": "x",
             "ayref": "y", "showarrow": True, "arrowhead": 3, "arrowsize": arrow_size, "arrowwidth": 3,
             "arrowcolor": VERMILION, "text": ""}
    # beyond the tip, the way the arrow points: its anchor the label's side nearest the tip
    x_anchor = "center" if abs(direction[0]) < LABEL_SIDE else "left" if direction[0] > 0 else "right"
    y_anchor = "middle" if abs(direction[1]) < LABEL_SIDE else "bottom" if direction[1] > 0 else "top"
    label = {"x": tip[0], "y": tip[1], "xref": "x", "yref": "y", "showarrow": False, "text": "<b>w</b>",
             "name": WEIGHT_LABEL, "xanchor": x_anchor, "yanchor": y_anchor,
             "xshift": 4 * float(np.sign(direction[0])) * (x_anchor != "center"),
             "yshift": 4 * float(np.sign(direction[1])) * (y_anchor != "middle"),
             # no background: on white it hid most of AND's one positive sample at (1, 1) (a student's review), a
             # worse fault than scikit-learn's dotted line running through the letter
             "font": {"size": FONT_SIZE + 2, "color": VERMILION}}
    return [arrow, label]


def errors_per_epoch_figure(errors: Sequence[int]) -> go.Figure:
    """Mistakes made during each epoch of the learning rule."""
    epochs = list(range(1, len(errors) + 1))
    data = [{"type": "bar", "x": epochs, "y": list(errors), "marker": {"color": VERMILION},
             "hovertemplate": "epoch %{x}: %{y} mistakes<extra></extra>"}]
    layout = base_layout(height=300, xaxis=axis("epoch", dtick=max(1, len(errors) // 10)),
                         # whole numbers: at Lecture mode's height plotly wrote 0.5, 1.5 and 2.5 mistakes
                         yaxis=axis("mistakes in the epoch", rangemode="tozero",
                                    dtick=whole_tick_step(max(errors, default=1))))
    return figure(data, layout)


def whole_tick_step(top: int, most: int = 6) -> int:
    """The step between whole-number ticks from 0 to ``top``, at most ``most`` of them: 1, 2 or 5 times a power of
    ten (a sixth of the top gave 0, 17, 34, … 102 for 100 mistakes an epoch, a student's review)."""
    return next(step for power in itertools.count() for step in (10 ** power, 2 * 10 ** power, 5 * 10 ** power)
                if top / step <= most)


def neuron_diagram(x: Sequence[float], w: Sequence[float], b: float, z: float, output: float,
                   activation: str, reveal: bool = True) -> go.Figure:
    """Inputs → weighted edges → Σ → activation → output. Edge width follows |w|, colour its sign. Without
    ``reveal``, z and ŷ read '?': the class works them out from the inputs and weights first."""
    n = len(x)
    # the inputs and the bias's input evenly spaced, top to bottom: the bias sat 0.45 below the last input while
    # four inputs were 0.67 apart, so 'w4 = …' and 'b = …' touched and b's label stood nearer x4 (a review)
    *ys, bias_y = np.linspace(1, BIAS_Y, n + 1)
    max_w = max(1e-9, max(abs(v) for v in list(w) + [b]))
    data = []
    annotations, weight_labels, phone_weight_labels = [], [], []
    for xi, wi, yi, label in [(xv, wv, yv, f"x{k + 1}") for k, (xv, wv, yv) in enumerate(zip(x, w, ys))] + \
            [(1.0, b, bias_y, "bias")]:
        color = BLUE if wi >= 0 else ORANGE  # towards class 1 (blue) or class 0 (orange), as on the Playground
        data.append({"type": "scatter", "mode": "lines", "x": [0, SUM_X], "y": [yi, 0], "hoverinfo": "skip",
                     "line": {"color": color, "width": 1 + 9 * abs(wi) / max_w}, "showlegend": False})
        name = "b" if label == "bias" else f"w{label[1:]}"
        along = 0.42  # 2/5 of the way from its input: the edges still apart, the label clear of the input's circle
        weight_labels.append({"x": SUM_X * along, "y": yi * (1 - along), "text": with_minus_signs(f"{name} = {wi:+.2f}"),
                              "showarrow": False, "font": {"size": FONT_SIZE, "color": BLACK},  # orange is faint
                              # opaque, a little wider than the text: through 0.85 white the edge crossed
                              # 'w2 = −0.40' legibly on a projector (a lecturer's review of moment 1)
                              "bgcolor": "white", "borderpad": 3})
        # on a phone the edges are ~90 px long and 'w2 = −0.40' covered the input's circle: the value alone,
        # between the circles, a pixel smaller and on a narrower box (with the minus sign, as wide as '+', '−0.40'
        # came 4 px from x2's circle)
        phone_weight_labels.append({**weight_labels[-1], "x": SUM_X * PHONE_ALONG, "y": yi * (1 - PHONE_ALONG),
                                    "text": with_minus_signs(f"{wi:+.2f}"), "borderpad": 2,
                                    "font": {"size": FONT_SIZE - 1, "color": BLACK}})  # with_narrow_keys copies them
        # the input's label, 18 px left of its centre: clear of its circle (26 px) at any width
        annotations.append({"x": 0, "xshift": -18, "y": yi, "xanchor": "right", "showarrow": False,
                            "text": "1 (bias)" if label == "bias" else with_minus_signs(f"{label} = {xi:.2f}"),
                            "font": {"size": FONT_SIZE}})
    data.append({"type": "scatter", "mode": "lines", "x": [SUM_X, F_X], "y": [0, 0], "line": {"color": GREY, "width": 3},
                 "hoverinfo": "skip", "showlegend": False})
    data.append({"type": "scatter", "mode": "markers+text", "x": [0] * n + [0], "y": list(ys) + [bias_y],
                 "marker": {"size": 26, "color": "white", "line": {"color": BLACK, "width": 2}},
                 "hoverinfo": "skip", "showlegend": False})
    data.append({"type": "scatter", "mode": "markers+text", "x": [SUM_X, F_X], "y": [0, 0],
                 "text": ["Σ", "f"], "textfont": {"size": FONT_SIZE + 6}, "meta": HOLDS_TEXT,
                 "marker": {"size": 54, "color": "#F0F4F8", "line": {"color": BLACK, "width": 2}},
                 "hoverinfo": "skip", "showlegend": False})
    z_label = {"x": SUM_X, "y": -0.42, "text": with_minus_signs(f"z = {z:+.2f}") if reveal else "z = ?", "showarrow": False,
               "font": {"size": FONT_SIZE + 1}}
    activation_label = {"x": F_X, "y": -0.42, "text": activation, "showarrow": False, "font": {"size": FONT_SIZE}}
    # its tail clear of f's circle (radius 27 px, 37 in Lecture mode): at x = 3.55 it began inside it, and on a phone
    # (46 px a unit) the arrow ran through the circle's right half (a helper's review); plotly's startstandoff does
    # not shorten an arrow without a start head, so the tail is placed for each width
    output_arrow = {"x": 4.9, "y": 0, "ax": F_X + OUTPUT_ARROW_FROM_F, "ay": 0, "xref": "x", "yref": "y", "axref": "x",
                    "ayref": "y", "showarrow": True, "arrowhead": 3, "arrowwidth": 3, "arrowcolor": GREY, "text": ""}
    # over the arrow, centred in the room right of f: beside it, 'ŷ = 0.0163' ran out of the figure in Lecture mode
    shown = compact(output)  # ≈ where it is rounded, as in the formula under the diagram: a sigmoid's 0.9997 read ŷ = 1
    output_label = {"x": 4.5, "y": 0.12, "yanchor": "bottom",
                    "text": f"<b>ŷ {'=' if written_value(shown) == output else '≈'} {shown}</b>" if reveal else "<b>ŷ = ?</b>",
                    "showarrow": False, "font": {"size": FONT_SIZE + 2}}
    # On a phone the two labels under Σ and f ran into one ('z = −1.00 step H(z)') and the lower edges crossed z's:
    # z starts right of where the edges pass at its height, the activation's name stands above f, and ŷ ends at the
    # figure's right edge, a little higher (centred over the arrow, 'ŷ = 0.378' lay on f's circle)
    phone_labels = [{**z_label, "x": PHONE_Z_FROM, "xanchor": "left"}, {**activation_label, "y": 0.65},
                    {**output_label, "x": 5.15, "xanchor": "right", "y": 0.28}]
    hidden = {"visible": False, "fixedrange": True}
    # taller with four inputs: five edges' labels a line apart at Lecture mode's size (340 px: 34 px apart)
    # room on the left for the inputs' labels, also on a phone's narrow plot ("1 (bias input)" was cut there)
    layout = base_layout(height=max(340, 80 + 64 * (n + 1)), xaxis=hidden | {"range": [-2.1, 5.2]},
                         yaxis=hidden | {"range": [-1.75, 1.35]},
                         annotations=weight_labels + annotations + [z_label, activation_label, output_arrow, output_label],
                         margin={"l": 10, "r": 10, "t": 10, "b": 10})
    phone_annotations = phone_weight_labels + annotations + phone_labels + [
        {**output_arrow, "ax": F_X + PHONE_OUTPUT_ARROW_FROM_F}]
    return figure(data, with_narrow_keys(layout, {"annotations": phone_annotations}))


BIAS_Y = -1.45  # the bias's input, the lowest node of the neuron diagram
SUM_X = 2  # Σ's unit: every input's edge ends there
F_X = 3.3  # the activation f's unit, right of Σ
# x from f's centre to the output arrow's tail: 43 px at a desktop's ~96 px a unit (Lecture mode's wider figure: more),
# 32 px on a phone's 46 px a unit; f's radius is 27 px (37 in Lecture mode)
OUTPUT_ARROW_FROM_F, PHONE_OUTPUT_ARROW_FROM_F = 0.45, 0.7
# where on its edge (a share of the way from its input to Σ) a weight is written on a phone: between the circles, its
# box 6 px or more from each with two to four inputs (at 0.475 '-0.40' stood 3 px from Σ)
PHONE_ALONG = 0.43
# where z's label begins on a phone (x; Σ is at SUM_X): right of the lowest edges at its height (the bias's at x = 1.42)
PHONE_Z_FROM = 1.8


def xor_regions_figure(grid: np.ndarray, outputs: np.ndarray, X: np.ndarray, y: np.ndarray,
                       title: str) -> go.Figure:
    """The output of a network over the input square as a heatmap, with the four XOR points."""
    data = [
        {"type": "heatmap", "x": grid, "y": grid, "z": outputs, "zmin": 0, "zmax": 1,
         "colorscale": [[0, "#FBE3B4"], [1, "#DCEAF5"]],  # light CLASS_COLORS
         "colorbar": {"title": {"text": "output", "side": "right"}, "thickness": 14},  # beside the ticks, not on them
         "hovertemplate": "x₁ = %{x:.2f}, x₂ = %{y:.2f}: output %{z:.2f}<extra></extra>"},
    ]
    for label in (0, 1):
        mask = np.asarray(y) == label
        data.append({"type": "scatter", "mode": "markers+text", "x": X[mask, 0], "y": X[mask, 1],
                     "text": [f"XOR = {label}"] * int(mask.sum()), "textposition": "top center",
                     "marker": {"color": CLASS_COLORS[label], "symbol": CLASS_SYMBOLS[label], "size": 16,
                                "line": {"color": "white", "width": 1}},
                     "showlegend": False, "hoverinfo": "skip"})
    layout = base_layout(height=380, title={"text": title, "x": 0, "font": {"size": FONT_SIZE}},
                         # ticks at the inputs only: at the corner the two axes' −0.5 ran into each other
                         xaxis=axis("x₁", range=[grid[0], grid[-1]], tickvals=XOR_TICKS),
                         yaxis=axis("x₂", range=[grid[0], grid[-1]], tickvals=XOR_TICKS))
    layout["margin"]["t"] = 50
    return figure(data, layout)
