"""Figures of the Backpropagation page: the network diagram, one SGD step against η, and the spread of
activations and gradients layer by layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from nnviz.backprop import Diagram, hidden_layer_name
from nnviz.figures.style import (
    BLACK,
    BLUE,
    FONT_SIZE,
    GREY,
    HOLDS_TEXT,
    LECTURE_FONT_FACTOR,
    LECTURE_VIEW_HEIGHT,
    ORANGE,
    PHONE_FIGURE_WIDTH,
    PHONE_PLOT_WIDTH,
    TEXT_BOX,
    VERMILION,
    axis,
    base_layout,
    bracketing_log_axis,
    figure,
    lecture_height_factor,
    legend_below_when_narrow,
    line_style,
    log_ticks,
    one_under_the_other,
    plain_text,
    subplot_grid,
    text_boxes,
    ticks_clear_of_the_corner,
    with_narrow_keys,
)
from nnviz.formatting import compact, em_width, significant

NODE_SIZE = 54
LABEL_CANDIDATES = (0.5, 0.42, 0.58, 0.35, 0.65, 0.28, 0.72, 0.22, 0.78)  # where on an edge its label may sit
EDGE_SIZE, NODE_TEXT_SIZE, DELTA_SIZE = FONT_SIZE - 2, FONT_SIZE, FONT_SIZE - 1  # px: edge and z labels, units, δ
# The labels are placed for the narrowest place a lecture draws the diagram: its column in Lecture mode at 1280×720,
# 640 px wide, with Lecture mode's fonts and height. Anywhere wider they only lie further apart.
PLACE_WIDTH = 640
MARGIN = 10  # px around the plot
LINE = 1.3  # a line of text is drawn this many times its font size high
LEFT = 0.45  # the x range's room left of the inputs, in layers (the input units' half width)
UNLABELLED_NOTE = "Hover over an edge for a weight not written on it."
DELTA_NOTE = "Above a unit: its δ (blue > 0, orange-red < 0)."  # when the δs drop their "δ = "
DELTA_PREFIX = "δ = "
WIDEST_DELTA = "δ = −0.000123"  # a δ written to 3 significant digits is at most this wide: whether δs keep "δ = "
DELTA_ROOM = "δ = −0.123"  # as wide as a δ: the room kept for one the backward pass has not reached yet
NAME_COLOR = "#555555"
POSITIVE, NEGATIVE = BLUE, VERMILION
LIT = ORANGE


def _positions(sizes: Sequence[int]) -> list[list[tuple[float, float]]]:
    """(x, y) of every node: layers at x = 0, 1, …; units centred on y = 0, one apart, first on top."""
    return [[(float(layer), (n - 1) / 2 - unit) for unit in range(n)] for layer, n in enumerate(sizes)]


class _Place(NamedTuple):
    """The diagram's scale where its labels are placed: px per layer (x) and per unit (y), the fonts' factor."""

    px_x: float
    px_y: float
    font: float

    def point(self, x: float, y: float) -> tuple[float, float]:
        """(x, y) in px."""
        return x * self.px_x, y * self.px_y

    def box(self, x: float, y: float, width: float, height: float) -> tuple[float, float, float, float]:
        """The box (left, right, bottom, top), in px, of something ``width`` × ``height`` px centred at (x, y)."""
        cx, cy = self.point(x, y)
        return cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2

    def label(self, x: float, y: float, text: str, size: int) -> tuple[float, float, float, float]:
        scaled = size * self.font
        return self.box(x, y, _number_width(text, scaled), LINE * scaled)


BOLD_WIDER, LABEL_SPARE = 1.1, 4  # a bold label is a tenth wider; 2 px to spare on each side of a label


def _number_width(text: str, size: float) -> float:
    """How wide a label of numbers is drawn in ``size`` px (bold a tenth wider), with 2 px to spare on each side;
    style.label_width's 0.62 em a character sizes the white boxes, generously, not the room labels need."""
    return size * em_width(plain_text(text)) * (BOLD_WIDER if "<b>" in text else 1.0) + LABEL_SPARE


def _bold_em_room(width: float, size: float) -> float:
    """How many em of a bold label in ``size`` px fit ``width`` px, as ``_number_width`` counts them (its inverse)."""
    return (width - LABEL_SPARE) / (size * BOLD_WIDER)


def _overlap(a, b) -> bool:
    """Whether box ``a`` overlaps ``b``: a box (left, right, bottom, top), or a circle (x, y, radius)."""
    if len(b) == 3:  # how far the circle's centre is from the box
        dx, dy = max(a[0] - b[0], 0, b[0] - a[1]), max(a[2] - b[1], 0, b[1] - a[3])
        return dx * dx + dy * dy < b[2] * b[2]
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def _right_room(d: Diagram, z_texts: list[str], usable_width: float) -> float:
    """The x range's room right of the output layer, in layers: half its widest thing (a unit, its z, its δ once
    the backward pass reaches it, as wide as DELTA_ROOM or its own) must fit, at PLACE_WIDTH."""
    last = len(d.sizes) - 1
    half = max([NODE_SIZE * LECTURE_FONT_FACTOR / 2]
               + [_number_width(t, EDGE_SIZE * LECTURE_FONT_FACTOR) / 2
                  for n, t in zip(d.nodes, z_texts) if n.layer == last]
               + [_number_width(f"<b>{n.above or DELTA_ROOM}</b>", DELTA_SIZE * LECTURE_FONT_FACTOR) / 2
                  for n in d.nodes if n.layer == last]) + 4
    # room * px_x >= half, with px_x = usable_width / (last + LEFT + room)
    return max(0.3, half * (last + LEFT) / (usable_width - half))


def _left_room(n_layers: int, right: float, usable_width: float, font: float) -> float:
    """The x range's room left of the inputs, in layers: at least LEFT, and enough for an input unit's circle (its
    outline and 2 px more) at ``usable_width`` px. On a phone four hidden layers left 26 px for a 28 px half unit:
    x₁ and x₂ were cut at the figure's edge (a helper's review)."""
    half = NODE_SIZE * font / 2 + 3
    # room * px_x >= half, with px_x = usable_width / (n_layers - 1 + room + right)
    return max(LEFT, half * (n_layers - 1 + right) / (usable_width - half))


def _edge_label_spots(d: Diagram, segments, obstacles: list, place: _Place) -> list[tuple[float, float] | None]:
    """A point on each edge for its label, or None where every candidate point would cover a unit, a z or δ,
    or a label placed before it. Of the free points, the first (the middle first) whose label keeps CLEARANCE px
    from every other edge, else the one that keeps the most: a label that another edge crosses or grazes seems to be
    either edge's ('−1.06' of x₂→h₁ and '−1.01' of x₁→h₃ sat one over the other at their crossing). The current
    step's edges come first, then the edges by |value|, largest first: those are the ones worth reading (the step's
    arithmetic under the diagram has its numbers in any case)."""
    order = sorted(range(len(d.edges)), key=lambda k: (not d.edges[k].lit, -abs(d.edges[k].weight), k))
    in_px = [(place.point(*start), place.point(*end)) for start, end in segments]
    starts, ends = np.array([s for s, _ in in_px]), np.array([e for _, e in in_px])
    placed = list(obstacles)
    spots: list[tuple[float, float] | None] = [None] * len(d.edges)
    for k in order:
        (x0, y0), (x1, y1) = segments[k]
        candidates = [(x0 + t * (x1 - x0), y0 + t * (y1 - y0)) for t in LABEL_CANDIDATES]
        text = f"<b>{d.edges[k].label}</b>" if d.edges[k].lit else d.edges[k].label  # as drawn
        boxes = [place.label(x, y, text, EDGE_SIZE) for x, y in candidates]
        free = [i for i, box in enumerate(boxes) if not any(_overlap(box, other) for other in placed)]
        if free:
            others = np.arange(len(in_px)) != k
            clearance = {}
            for i in free:  # in order, until one clear enough (mostly the first: the cheap case)
                crossed = any(_crosses(in_px[j], boxes[i]) for j in np.flatnonzero(others))
                clearance[i] = 0.0 if crossed else _distance_to_segments(boxes[i], starts[others], ends[others])
                if clearance[i] >= CLEARANCE:
                    break
            best = max(clearance, key=lambda i: (min(clearance[i], CLEARANCE), -i))
            spots[k] = candidates[best]
            placed.append(boxes[best])
    return spots


CLEARANCE = 8.0  # px between an edge's label and any other edge, where the edge has room for it
# px at least between an edge's label (its box, which has 2 px to spare) and a unit's outline: with 1 px, '0.2' sat
# wedged between two units of a layer of 4 hidden layers in Lecture mode, as if part of them (a helper's review)
UNIT_CLEARANCE = 4.0


def _distance_to_segments(box, starts: np.ndarray, ends: np.ndarray) -> float:
    """The least distance (px) from the box's outline (its corners and the middles of its sides) to the segments
    ``starts[i]``–``ends[i]`` (none of which crosses it); inf with no segments."""
    if len(starts) == 0:
        return float("inf")
    left, right, bottom, top = box
    mid_x, mid_y = (left + right) / 2, (bottom + top) / 2
    points = np.array([(left, bottom), (left, top), (right, bottom), (right, top),
                       (mid_x, bottom), (mid_x, top), (left, mid_y), (right, mid_y)])
    along = ends - starts  # (n, 2)
    length2 = np.maximum((along ** 2).sum(axis=1), 1e-12)
    t = np.clip(((points[:, None, :] - starts) * along).sum(axis=2) / length2, 0.0, 1.0)  # (8, n)
    nearest = starts + t[:, :, None] * along
    return float(np.sqrt(((points[:, None, :] - nearest) ** 2).sum(axis=2)).min())


def _crosses(segment, box) -> bool:
    """Whether the line ``segment`` ((x0, y0), (x1, y1)) passes through ``box`` (left, right, bottom, top): the part
    of the segment inside each of the box's four half-planes (Liang–Barsky), non-empty."""
    (x0, y0), (x1, y1) = segment
    left, right, bottom, top = box
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - bottom), (dy, top - y0)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            t0 = max(t0, q / p)
        else:
            t1 = min(t1, q / p)
    return t0 < t1


def _edge_width(value: float, largest: float) -> float:
    """1–12 px by |value| / largest, in 5 steps: each colour × width is one trace, and traces are what
    a figure costs to build."""
    return 1.0 + 11.0 * round(4 * abs(value) / largest) / 4


def _text_trace(name: str, x: list, y: list, text: list, color: str | list[str], size: int, hover: list) -> dict:
    return {"type": "scatter", "x": x, "y": y, "mode": "text", "text": text, "name": name,
            "textfont": {"size": size, "color": color},  # on white boxes (style.text_boxes) over the lines
            "hovertext": hover, "hoverinfo": "text", "showlegend": False}


class _Rows(NamedTuple):
    """The diagram's vertical plan, in units (one unit apart = 1): the y range, the offset of a unit's z (below)
    and δ (above), the titles' height, and the figure's height in px."""

    y_range: list[float]
    offset: float
    title_y: float
    height: int
    px_y: float


# px: the most a diagram is drawn in Lecture mode, a little over LECTURE_VIEW_HEIGHT: 4 units in a layer need it for
# their z and δ labels (it is then seen whole under Streamlit's header, not under a lecture moment's bar as well)
TALLEST_DIAGRAM = LECTURE_VIEW_HEIGHT + 80


def _rows(tallest: int, note: bool, least_height: int) -> _Rows:
    """The least height from ``least_height`` on (in 20 px steps, up to what Lecture mode shows whole) at which, in
    Lecture mode, a unit's z and the δ of the unit under it fit between them; z and δ sit just outside their unit."""
    label = LINE * EDGE_SIZE * LECTURE_FONT_FACTOR  # a label's height in px
    title = LINE * FONT_SIZE * LECTURE_FONT_FACTOR
    offset = (NODE_SIZE * LECTURE_FONT_FACTOR + label) / 2 + 2  # px from a unit's centre to its z's or δ's
    below = offset + label / 2 + 6
    above = offset + label / 2 + 8 + title + 6
    height = least_height
    while True:
        plot = height * lecture_height_factor(height) - 2 * MARGIN - (2 * EDGE_SIZE if note else 0)
        px_y = (plot - below - above) / max(tallest - 1, 1)
        if px_y >= 2 * offset + label + 4 or height * lecture_height_factor(height) >= TALLEST_DIAGRAM:
            break
        height += 20
    top = (tallest - 1) / 2
    return _Rows([-top - below / px_y, top + above / px_y], offset / px_y,
                 top + (offset + label / 2 + 8 + title / 2) / px_y, height, px_y)


def _phone_place(rows: _Rows, x_span: float, note: bool) -> _Place:
    """The diagram's scale on a phone: its column's width (PHONE_FIGURE_WIDTH) at the height ``rows`` gives it, in the
    page's own fonts. Narrower than Lecture mode's column even with its fonts: labels placed there touched here."""
    plot = rows.height - 2 * MARGIN - (2 * EDGE_SIZE if note else 0)
    return _Place((PHONE_FIGURE_WIDTH - 2 * MARGIN) / x_span, plot / (rows.y_range[1] - rows.y_range[0]), 1.0)


def network_figure(d: Diagram, height: int = 460, narrow: bool = False) -> go.Figure:
    """Nodes show a (inside), z (below) and δ (above, once reached); edges show w, or in the sensitivity
    view ∂L/∂w with colour = sign and width ∝ |∂L/∂w|. The current step's node and edges are lit. Every label
    but the titles is on a white box (style.text_boxes): with only a thin white halo, a thick edge (up to 12 px)
    ran through its own label.

    ``narrow``: a phone's column, where the labels are placed instead (``_phone_place``).

    An edge's label is written only where it covers no unit and no other label at PLACE_WIDTH (4 hidden layers of
    4 units and 3 outputs have 68 edges); every edge shows its value on hover, and a note under the diagram says so
    when labels are left out. z drops its "z = " where the layers stand too close for it, and δ its "δ = " (the
    note then says what the orange numbers are): with 4 hidden layers in Lecture mode, one layer's δs ran into the
    next's ("δ = 0.000483δ = 0.00269").

    Built from few traces with one style each (edges grouped by colour and width, labels by colour):
    plotly validates shapes, annotations and per-point style arrays one item at a time, which made
    this figure several times slower to build."""
    pos = _positions(d.sizes)
    nodes, tallest, n_layers = d.nodes, max(d.sizes), len(d.sizes)
    usable_width = PLACE_WIDTH - 2 * MARGIN
    z_texts = [n.below for n in nodes]
    delta_texts, delta_room = [n.above for n in nodes], DELTA_ROOM  # "" for a unit the pass has not reached yet
    right = _right_room(d, z_texts, usable_width)
    segments = [(pos[e.layer - 1][e.i], pos[e.layer][e.j]) for e in d.edges]
    node_x = [pos[n.layer][n.unit][0] for n in nodes]
    node_y = [pos[n.layer][n.unit][1] for n in nodes]
    left = _left_room(n_layers, right, PHONE_FIGURE_WIDTH - 2 * MARGIN if narrow else usable_width,
                      1.0 if narrow else LECTURE_FONT_FACTOR)
    for note in (False, True):  # a note under the diagram, if labels are left out, takes room from it
        rows = _rows(tallest, note, height)
        x_span = n_layers - 1 + left + right
        place = _phone_place(rows, x_span, note) if narrow else _Place(usable_width / x_span, rows.px_y,
                                                                        LECTURE_FONT_FACTOR)
        if max(_number_width(t, EDGE_SIZE * place.font) for t in z_texts) > place.px_x - 4:  # beside the next layer's
            z_texts = [t.removeprefix("z = ") for t in z_texts]
        # decided for any δ, not those reached so far: they do not change form in the middle of the backward pass
        if _number_width(f"<b>{WIDEST_DELTA}</b>", DELTA_SIZE * place.font) > place.px_x - 4:
            delta_texts = [t.removeprefix(DELTA_PREFIX) for t in delta_texts]
            delta_room = DELTA_ROOM.removeprefix(DELTA_PREFIX)
        # still too wide (a phone's column, four hidden layers: '0.000456-0.00352' ran together, a helper's review):
        # as many digits as the room between two layers holds, down to one with its power of ten (hover has all)
        if _number_width(f"<b>{WIDEST_DELTA.removeprefix(DELTA_PREFIX)}</b>", DELTA_SIZE * place.font) > place.px_x - 4:
            room = _bold_em_room(place.px_x - 4, DELTA_SIZE * place.font)
            delta_texts = [compact(n.delta, room) if n.delta is not None else "" for n in nodes]
        dy, unit_px = rows.offset, NODE_SIZE * place.font
        obstacles = [(x * place.px_x, y * place.px_y, unit_px / 2 + 1 + UNIT_CLEARANCE)  # + 1: half the outline
                     for x, y in zip(node_x, node_y)]
        obstacles += [place.label(x, y - dy, t, EDGE_SIZE) for x, y, t in zip(node_x, node_y, z_texts) if t]
        obstacles += [place.label(x, y + dy, f"<b>{t or delta_room}</b>", DELTA_SIZE)  # its room, unreached too
                      for x, y, n, t in zip(node_x, node_y, nodes, delta_texts) if n.layer > 0]
        spots = _edge_label_spots(d, segments, obstacles, place)
        if None not in spots:
            break
    largest = max((abs(e.weight) for e in d.edges), default=0.0) or 1.0
    groups: dict[tuple[str, float], tuple[list, list]] = {}
    for e, ((x0, y0), (x1, y1)) in zip(d.edges, segments):
        if d.sensitivity:  # ∂L/∂w = 0 (into a dead ReLU) pushes neither way: grey, not the blue of > 0
            color = POSITIVE if e.weight > 0 else NEGATIVE if e.weight < 0 else GREY
            width = _edge_width(e.weight, largest)
        else:
            color, width = GREY, 2.0
        if e.lit:
            color, width = LIT, max(width, 6.0)
        xs, ys = groups.setdefault((color, width), ([], []))
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    labelled = [(e, spot) for e, spot in zip(d.edges, spots) if spot is not None]
    unlabelled = [(e, seg) for e, seg, spot in zip(d.edges, segments, spots) if spot is None]
    titles = ["inputs"] + [f"hidden {k}" for k in range(1, n_layers - 1)] + ["output"]
    if _number_width(f"<b>{titles[1]}</b>", EDGE_SIZE * place.font) > place.px_x - 4:  # "hidden 1hidden 2" on a phone
        titles[1:-1] = [hidden_layer_name(k) for k in range(1, n_layers - 1)]
    labels = (  # edge labels, then z under each unit, then the layer titles
        [x for _, (x, _) in labelled] + node_x + list(range(n_layers)),
        [y for _, (_, y) in labelled] + [y - dy for y in node_y] + [rows.title_y] * n_layers,
        [f"<b>{e.label}</b>" if e.lit else e.label for e, _ in labelled] + z_texts + [f"<b>{t}</b>" for t in titles],
        [e.hover for e, _ in labelled] + [n.hover for n in nodes] + titles,
    )
    reached = [(n, t) for n, t in zip(nodes, delta_texts) if n.above]
    # one digit and its power of ten still too wide (a phone, four hidden layers: '−2·10⁻⁴', its minus sign 0.19 em
    # wider than a hyphen): the δs in type as much smaller as that takes
    widest = max((_number_width(f"<b>{t}</b>", DELTA_SIZE * place.font) for _, t in reached), default=0.0)
    delta_size = DELTA_SIZE * min(1.0, (place.px_x - 4 - LABEL_SPARE) / max(widest - LABEL_SPARE, 1e-9))
    data = [{"type": "scatter", "x": xs, "y": ys, "mode": "lines", "line": {"color": color, "width": width},
             "hoverinfo": "skip", "showlegend": False} for (color, width), (xs, ys) in groups.items()]
    if unlabelled:  # an invisible point in the middle of each edge without a label: its value on hover
        data.append({"type": "scatter", "mode": "markers", "name": "unlabelled edges", "showlegend": False,
                     "x": [(x0 + x1) / 2 for _, ((x0, _), (x1, _)) in unlabelled],
                     "y": [(y0 + y1) / 2 for _, ((_, y0), (_, y1)) in unlabelled],
                     "hovertext": [e.hover for e, _ in unlabelled], "hoverinfo": "text",
                     "marker": {"size": 16, "color": "rgba(0, 0, 0, 0)"}})
    deltas = ([pos[n.layer][n.unit][0] for n, _ in reached], [pos[n.layer][n.unit][1] + dy for n, _ in reached],
              [f"<b>{t}</b>" for _, t in reached])
    n_boxed = len(labels[0]) - n_layers  # not the titles: no line reaches them
    data.append(text_boxes(*(part[:n_boxed] for part in labels[:3]), EDGE_SIZE))
    data.append(text_boxes(*deltas, delta_size))
    data.append(_text_trace("labels", *labels[:3], BLACK, EDGE_SIZE, labels[3]))
    # by its sign, as the sensitivity view colours ∂L/∂w: all in vermilion, a positive δ read as negative there
    # (a student's review)
    delta_colors = [POSITIVE if n.delta is not None and n.delta > 0 else NEGATIVE if n.delta else BLACK
                    for n, _ in reached]
    data.append(_text_trace("deltas", *deltas, delta_colors, delta_size, [n.hover for n, _ in reached]))
    data.append({"type": "scatter", "x": node_x, "y": node_y, "mode": "markers+text",
                 "text": [f"<span style='color:{NAME_COLOR}'>{n.name}</span><br>{n.value}" for n in nodes],
                 "textfont": {"size": NODE_TEXT_SIZE, "color": BLACK}, "hovertext": [n.hover for n in nodes],
                 "hoverinfo": "text", "showlegend": False, "name": "units", "meta": HOLDS_TEXT,
                 "marker": {"size": NODE_SIZE, "color": "white", "line": {"width": 2, "color": BLACK}}})
    lit = [n for n in nodes if n.lit]
    data.append({"type": "scatter", "x": [pos[n.layer][n.unit][0] for n in lit],
                 "y": [pos[n.layer][n.unit][1] for n in lit], "mode": "markers", "name": "current unit",
                 "marker": {"size": NODE_SIZE, "color": "rgba(0,0,0,0)", "line": {"width": 5, "color": LIT}},
                 "hoverinfo": "skip", "showlegend": False, "meta": HOLDS_TEXT})  # as large as the units it rings
    layout = base_layout(
        height=rows.height, hovermode="closest", margin={"l": MARGIN, "r": MARGIN, "t": MARGIN, "b": MARGIN},
        xaxis={"visible": False, "range": [-left, n_layers - 1 + right], "fixedrange": True},
        yaxis={"visible": False, "range": rows.y_range, "fixedrange": True},
    )
    notes = [note for note, needed in ((UNLABELLED_NOTE, unlabelled), (DELTA_NOTE, reached and delta_room != DELTA_ROOM))
             if needed]
    if notes:
        layout["margin"]["b"] = MARGIN + 2 * EDGE_SIZE
        if narrow and len(notes) > 1:  # one under the other: on one line a phone's column cut the second
            extra = round(LINE * EDGE_SIZE) * (len(notes) - 1)
            layout["margin"]["b"] += extra
            layout["height"] += extra
        layout["annotations"] = [{"text": ("<br>" if narrow else " ").join(notes), "x": 0, "y": 0, "xref": "paper",
                                  "yref": "paper",
                                  "xanchor": "left", "yanchor": "top", "yshift": -4, "showarrow": False, "align": "left",
                                  "font": {"size": EDGE_SIZE, "color": NAME_COLOR}}]
    return figure(data, layout)


def one_step_figure(rates: np.ndarray, losses: np.ndarray, loss_before: float, chosen: float,
                    chosen_loss: float, batch_size: int = 4) -> go.Figure:
    """The loss on the batch (of ``batch_size`` examples) after one SGD step against the learning rate η (log axis),
    with the loss before. The y axis
    stops at 3 × the loss before (at least 1): a chosen η whose loss lies above it is marked at the top with its
    value (a huge η sends the loss far up; the region around the loss before stays readable)."""
    finite = np.where(np.isfinite(losses), losses, np.nan)
    highest = float(np.nanmax(finite)) if np.any(np.isfinite(finite)) else loss_before
    top = min(highest, max(3 * loss_before, 1.0)) * 1.08
    above = not np.isfinite(chosen_loss) or chosen_loss > top
    shown = "∞" if np.isinf(chosen_loss) else "NaN" if np.isnan(chosen_loss) else f"{chosen_loss:.3g}"
    # its value on a white box (the curve leaves the plot near it), left of and under the mark, in black (orange
    # text on white is too faint for a projector)
    value = [{"x": float(np.log10(chosen)), "y": top, "text": f"L = {shown} ↑", "showarrow": False, "xanchor": "right",
              "yanchor": "top", "xshift": -12, "yshift": -2, "bgcolor": TEXT_BOX,
              "font": {"size": FONT_SIZE, "color": BLACK}}] if above else []
    data = [
        {"type": "scatter", "x": rates.tolist(), "y": finite.tolist(), "mode": "lines", "name": "loss after one step",
         "line": line_style(0), "hovertemplate": "η = %{x:.3g}: L = %{y:.4g}<extra></extra>"},
        {"type": "scatter", "x": [float(rates[0]), float(rates[-1])], "y": [loss_before, loss_before], "mode": "lines",
         "name": "loss before the step", "line": {"color": GREY, "dash": "dash", "width": 2},
         "hovertemplate": "before: L = %{y:.4g}<extra></extra>"},
        {"type": "scatter", "x": [chosen], "y": [top if above else float(chosen_loss)], "mode": "markers",
         "name": "your η", "cliponaxis": False,  # whole: at the top (a triangle), on the x axis, at η = 100
         "marker": {"size": 14, "color": ORANGE, "symbol": "triangle-up" if above else "diamond"},
         "hovertemplate": f"your η = %{{x:.3g}}: L = {shown}<extra></extra>"},
    ]
    # no padding past the rates, but room for the marker's half at an end (at η = 100 it was cut, a review)
    pad = 0.04 * (np.log10(rates[-1]) - np.log10(rates[0]))
    x_range = [np.log10(min(rates[0], chosen)) - (pad if chosen <= rates[0] else 0),
               np.log10(max(rates[-1], chosen)) + (pad if chosen >= rates[-1] else 0)]
    layout = base_layout(height=360, legend_below=True,
                         xaxis=axis("learning rate η", type="log", range=x_range, **log_ticks(rates)),
                         # 'on the batch' for a single example read as some other batch's (a student's review)
                         yaxis=axis("loss L on the example" if batch_size == 1 else "loss L on the mini-batch",
                                    range=[0, top], **ticks_clear_of_the_corner(0, top)),
                         **({"annotations": value} if value else {}))
    # on a phone the three entries stand one under the other: under the plot they lay on 'learning rate η'
    return figure(data, legend_below_when_narrow(layout, rows=3))


def delta_by_layer_figure(mean_abs_delta: np.ndarray, labels: Sequence[str]) -> go.Figure:
    """Mean |δ| per layer of the page's network (log axis): how much error signal reaches each layer."""
    data = [{"type": "bar", "x": list(labels), "y": [float(v) for v in mean_abs_delta], "marker": {"color": BLUE},
             "text": [significant(v, 2) for v in mean_abs_delta], "textposition": "outside",
             "textfont": {"size": FONT_SIZE - 1}, "hovertemplate": "%{x}: mean |δ| = %{y:.4g}<extra></extra>"}]
    positive = [v for v in mean_abs_delta if v > 0]
    log_axis = bool(positive) and max(positive) / min(positive) > 20
    layout = base_layout(height=320, xaxis=axis("layer"),
                         # the scale named: log for sigmoid and ReLU, linear for tanh, under one title, and a
                         # student compared the bars' heights across them (a student's review)
                         yaxis=axis("mean |δ| (log scale)" if log_axis else "mean |δ|",
                                    **({"type": "log", **log_ticks(positive)} if log_axis else {})))
    return figure(data, layout)


def spread_figure(spreads: Mapping[str, tuple[np.ndarray, np.ndarray]], labels: Mapping[str, str]) -> go.Figure:
    """Two panels, one line per initialisation: std of the activations per hidden layer, and std of ∂L/∂W, both
    on log axes (ReLU's 'too large' reaches 10⁷, which on a linear axis flattened every other line to 0) — flat
    lines are healthy, falling lines vanish, rising ones explode."""
    data = []
    for k, (key, (acts, grads)) in enumerate(spreads.items()):
        layers = list(range(1, len(acts) + 1))
        style = line_style(k)
        data.append({"type": "scatter", "x": layers, "y": _positive(acts), "mode": "lines+markers",
                     "name": labels[key], "legendgroup": key, "line": style, "xaxis": "x", "yaxis": "y",
                     "hovertemplate": "layer %{x}: std(a) = %{y:.3g}<extra>" + labels[key] + "</extra>"})
        data.append({"type": "scatter", "x": layers, "y": _positive(grads), "mode": "lines+markers", "name": labels[key],
                     "legendgroup": key, "showlegend": False, "line": style, "xaxis": "x2", "yaxis": "y2",
                     "hovertemplate": "layer %{x}: std(∂L/∂W) = %{y:.3g}<extra>" + labels[key] + "</extra>"})
    # a gap of 0.16: at 0.08 the right panel's y title (beside ticks such as 10⁻¹⁹) lay on the left panel's last points
    layout = base_layout(height=460, legend_below=True, **subplot_grid(
        1, 2, ["spread of the activations", "spread of the gradients ∂L/∂W"], x_title="hidden layer",
        y_titles=["std of a (log)", "std of ∂L/∂W (log)"], h_gap=0.16))
    for axis_key, column in (("yaxis", 0), ("yaxis2", 1)):
        layout[axis_key].update(exponentformat="power",
                                **bracketing_log_axis([v for pair in spreads.values() for v in pair[column]]))
    # on a phone one under the other, the legend under them: side by side their titles ran into each other and the
    # right one's y title lay on the left panel's curves (a helper's review)
    return figure(data, with_narrow_keys(layout, one_under_the_other(layout, 2, panel_px=PHONE_PLOT_WIDTH, title_px=40,
                                                                     legend_rows=len(spreads))))


def _positive(values) -> list[float | None]:
    """The values a log axis can draw; None (a gap) for zeros and non-finite ones."""
    return [float(v) if np.isfinite(v) and v > 0 else None for v in values]
