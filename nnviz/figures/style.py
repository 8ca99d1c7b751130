"""Shared look of every figure: readable when projected, colour-blind-safe.

Figures are assembled as plain dicts and turned into a ``go.Figure`` once, by
``figure``: plotly validates every property assignment, and one validation of
the whole figure costs ~2 ms where a dozen ``update_*``/``add_*`` calls cost
15–40 ms — too much for a page that reruns on every slider move. The app
skips even that one validation; the tests validate every figure they build
(``validating``).
"""

from __future__ import annotations

import base64
import copy
import functools
import os
import re
from collections.abc import Sequence

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec

# Okabe & Ito's colour-blind-safe palette (yellow left out: too pale on white).
BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000",
)
PALETTE = (BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, BLACK)
GREY = "#999999"
GRID = "#E5E5E5"
# plotly's "Blues", light to dark, as its colour stops: a figure that is not validated sends a colorscale as written,
# and plotly.js has its own, different scale of that name
BLUES = [[position, colour] for position, colour in pc.get_colorscale("Blues")]
# plotly's "RdBu" (red at the low end, blue at the high end) as its colour stops: plotly.js draws a scale named "RdBu"
# the other way round, blue low (the MNIST page's weights were drawn red for positive under a text that said blue)
RED_BLUE = [[position, colour] for position, colour in pc.get_colorscale("RdBu")]
ZERO_LINE = "#B0B0B0"
DASHES = ("solid", "dash", "dot", "dashdot")

FONT_SIZE = 16  # ≥ 14 px so that a projected figure stays readable
FIGURE_HEIGHT = 420


def line_style(index: int, width: int = 3) -> dict:
    """Colour and dash for the index-th series: colours first, then dashes, so up to 28 stay distinct."""
    return {"color": PALETTE[index % len(PALETTE)], "dash": DASHES[(index // len(PALETTE)) % len(DASHES)],
            "width": width}


def axis(title: str, **extra) -> dict:
    """An axis with a readable title and ticks and a light grid."""
    return {"title": {"text": title, "font": {"size": FONT_SIZE}}, "tickfont": {"size": FONT_SIZE - 1},
            "gridcolor": GRID, "zerolinecolor": ZERO_LINE, **extra}


LOG_TICK_MANTISSAS = ((1, 2, 5), (1, 3), (1,))  # densest first


def log_ticks(values, most: int = 6, bulk: float | None = None) -> dict:
    """A log axis's ticks for ``values`` (the positive finite ones count): the densest of 1-2-5, 1-3 and powers of
    ten (every k-th decade) that puts at most ``most`` ticks between their least and greatest, as tickvals and
    ticktext; {} (plotly's own) where fewer than two would show.

    Plotly's own ticks write the 2 and 5 between two decades at 3/4 of the tick font (12 px of 16, 16 px of 22 in
    Lecture mode): too small for a room.

    With ``bulk`` (a share, e.g. 0.8), powers of ten every k-th decade keep every decade that the middle ``bulk`` of
    the values spans, and the one on either side, if those are at most ``most``: an exploded training's losses (15,000 once, then 4-8 and 0.1-2.3)
    were labelled at 1, 10² and 10⁴ only, where the curves lay (a student's review)."""
    array = np.asarray(values, dtype=float).ravel()
    array = array[np.isfinite(array) & (array > 0)]
    if len(array) == 0:
        return {}
    low, high = array.min(), array.max()
    decades = range(int(np.floor(np.log10(low))), int(np.floor(np.log10(high))) + 1)
    for mantissas in LOG_TICK_MANTISSAS:
        ticks = [m * 10.0 ** d for d in decades for m in mantissas if low * (1 - 1e-12) <= m * 10.0 ** d <= high * (1 + 1e-12)]
        if len(ticks) <= most:
            break
    else:
        thinned = ticks[::-(-len(ticks) // most)]
        if bulk is not None:
            start, end = np.log10(np.quantile(array, [(1 - bulk) / 2, (1 + bulk) / 2]))
            where_most_lie = {t for t in ticks if start - 1 <= np.log10(t) <= end + 1}
            if len(where_most_lie) <= most:  # (values spread over all the decades: thinned as they are)
                thinned = sorted(set(thinned) | where_most_lie)
        ticks = thinned
    if len(ticks) < 2:
        return {}
    return {"tickvals": ticks, "ticktext": log_tick_texts(ticks)}


POWERS_FROM = 1e4  # a log axis with a tick this large writes every tick as a power: "100000" beside "10⁻⁵" read badly


def log_tick_texts(ticks: Sequence[float]) -> list[str]:
    """The ticks as written: plainly ('0.01', '200'), or all as powers of ten ('10⁻⁵', '2·10³', '1', '10') where
    one would need an exponent or is ≥ POWERS_FROM. Gradient descent's loss curves wrote '100000' on one surface and
    '10⁴' on the next (a review)."""
    plain = [f"{t:g}" for t in ticks]
    if any("e" in p for p in plain) or max(ticks, default=0) >= POWERS_FROM:
        return [_power_of_ten_text(t) for t in ticks]
    return plain


def bracketing_log_axis(values, most: int = 6) -> dict:
    """A log axis's keys with the ticks of ``log_ticks`` and, where the values reach past the outer ones, one tick
    more of the same series on that side, the range fixed to the ticks: every line then lies between two labelled
    ticks (a line at 0.45 above the top tick, 0.2, could not be read; one at 10⁻¹ above the top tick, 10⁻³)."""
    array = np.asarray(values, dtype=float).ravel()
    array = array[np.isfinite(array) & (array > 0)]
    ticks = log_ticks(array, most)
    if not ticks:
        return {"type": "log"}
    vals = list(ticks["tickvals"])
    below, above = _next_log_tick(vals, up=False), _next_log_tick(vals, up=True)
    if array.min() < vals[0] * (1 - 1e-12) and below > 0:  # (not past the floats' ends)
        vals.insert(0, below)
    if array.max() > vals[-1] * (1 + 1e-12) and np.isfinite(above):
        vals.append(above)
    low, high = np.log10(vals[0]), np.log10(vals[-1])
    pad = 0.03 * (high - low)  # a marker on the outer tick is drawn whole
    return {"type": "log", "range": [float(low - pad), float(high + pad)], "tickvals": vals,
            "ticktext": log_tick_texts(vals)}


def _next_log_tick(ticks: list[float], up: bool) -> float:
    """The tick after the last (``up``) or before the first of ``ticks``, a series of ``log_ticks``: powers of ten
    every k-th decade, or the 1-2-5 or 1-3 mantissas of every decade."""
    mantissas = {round(t / 10.0 ** np.floor(np.log10(t) + 1e-9), 6) for t in ticks}
    if mantissas == {1.0}:
        ratio = ticks[1] / ticks[0]
        return ticks[-1] * ratio if up else ticks[0] / ratio
    series = LOG_TICK_MANTISSAS[0] if mantissas & {2.0, 5.0} else LOG_TICK_MANTISSAS[1]
    edge = ticks[-1] if up else ticks[0]
    decade = int(np.floor(np.log10(edge) + 1e-9))
    candidates = [m * 10.0 ** d for d in (decade - 1, decade, decade + 1) for m in series]
    return min(c for c in candidates if c > edge * (1 + 1e-9)) if up else max(c for c in candidates
                                                                            if c < edge * (1 - 1e-9))


# Plotly draws <sup> and <sub> at 70 % of the text's size: an exponent of a 21 px tick label in Lecture mode was
# 14.7 px, the smallest text on a projected figure. A span inside at 130 % makes the script 91 % of the text's size.
_SCRIPT_SIZE = '<span style="font-size:130%">{}</span>'


def superscript(text: str) -> str:
    """``text`` raised, in plotly's markup, at 91 % of the surrounding size (plotly's own <sup> is 70 %)."""
    return f"<sup>{_SCRIPT_SIZE.format(text)}</sup>"


def subscript(text: str) -> str:
    """``text`` lowered, in plotly's markup, at 91 % of the surrounding size (plotly's own <sub> is 70 %)."""
    return f"<sub>{_SCRIPT_SIZE.format(text)}</sub>"


def _power_of_ten_text(value: float) -> str:
    """'10<sup>−5</sup>', '2·10<sup>−5</sup>' (see ``superscript``); '1' and '10' for 10⁰ and 10¹ (plotly's
    exponentformat 'power')."""
    mantissa, exponent = f"{value:.0e}".split("e")
    power = {0: "1", 1: "10"}.get(int(exponent), "10" + superscript(str(int(exponent)).replace("-", "−")))
    if mantissa == "1":
        return power
    return f"{mantissa}" if power == "1" else f"{mantissa}·{power}"


def round_ticks(low: float, high: float, *, most: int = 6, multiples=(1, 2, 2.5, 5), clear_below: float = 0.0,
                clear_above: float = 0.0) -> list[float]:
    """Tick values in [``low``, ``high``] at a round step: the smallest of ``multiples`` × a power of ten that gives
    at most ``most`` steps over the span, none closer to an end than ``clear_below`` (``clear_above``) of the span (a tick there would write its label into a neighbour's: the other axis's first label, the next
    panel's first tick). Empty for an empty or infinite span."""
    span = high - low
    if not np.isfinite(span) or span <= 0:
        return []
    power = 10.0 ** np.floor(np.log10(span / most))
    step = next(m * power for m in (*multiples, 10) if span / (m * power) <= most)
    ticks = np.arange(np.ceil(low / step), np.floor(high / step) + 1) * step
    return [float(f"{t:.12g}") + 0.0 for t in ticks if low + clear_below * span <= t <= high - clear_above * span]


def ticks_clear_of_the_corner(low: float, high: float, most: int = 6) -> dict:
    """A y axis's ticks from ``low`` to ``high`` at a round step (1, 2, 2.5 or 5 times a power of ten; at most
    ``most``), none in the lowest 5 %: a tick at the very bottom writes its label beside the x axis's first one, and
    where that one is at the very left too (both axes start on a round number) the two run into each other."""
    ticks = round_ticks(low, high, most=most, clear_below=0.05)  # empty only for an empty or infinite span
    return {"tickvals": ticks} if ticks else {}


def base_layout(*, height: int = FIGURE_HEIGHT, legend_below: bool = False, **extra) -> dict:
    """Large fonts, compact margins, white background; ``extra`` adds or replaces top-level keys."""
    layout = {
        "font": {"size": FONT_SIZE},
        "height": height,
        "margin": {"l": 70, "r": 20, "t": 40, "b": 60},
        "legend": {"font": {"size": FONT_SIZE - 1}},
        "hoverlabel": {"font": {"size": FONT_SIZE - 1}},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
    }
    if legend_below:  # see legend_at_the_bottom
        layout["legend"] = legend_at_the_bottom(layout["legend"])
        layout["margin"]["b"] = 40
    layout.update(extra)
    return layout


def subplot_grid(rows: int, cols: int, titles: list[str], *, x_title: str = "", y_titles: list[str] | None = None,
                 h_gap: float = 0.08, v_gap: float = 0.12) -> dict:
    """Layout keys for a rows × cols grid of panels (what make_subplots does, at a tenth of the cost).

    Panel i (row-major) uses axes ``x{i+1}``/``y{i+1}`` (the first is plain ``x``/``y``).
    """
    width = (1 - h_gap * (cols - 1)) / cols
    height = (1 - v_gap * (rows - 1)) / rows
    layout: dict = {"annotations": []}
    for i in range(rows * cols):
        row, col = divmod(i, cols)
        suffix = axis_suffix(i)
        x0 = col * (width + h_gap)
        y1 = 1 - row * (height + v_gap)
        y_title = y_titles[i] if y_titles and i < len(y_titles) else ""
        layout[f"xaxis{suffix}"] = axis(x_title, domain=_unit_interval(x0, x0 + width), anchor=f"y{suffix}")
        layout[f"yaxis{suffix}"] = axis(y_title, domain=_unit_interval(y1 - height, y1), anchor=f"x{suffix}")
        if i < len(titles):
            layout["annotations"].append({
                "text": titles[i], "x": x0 + width / 2, "y": y1, "xref": "paper", "yref": "paper",
                "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": FONT_SIZE},
            })
    return layout


def _unit_interval(lo: float, hi: float) -> list[float]:
    """[lo, hi] clipped to [0, 1]: the sums above can land a hair outside it (e.g. −8e−17)."""
    return [min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0)]


def axis_suffix(panel_index: int) -> str:
    """'' for the first panel, '2', '3', ... after it (plotly's axis names x, x2, x3, ...)."""
    return "" if panel_index == 0 else str(panel_index + 1)


def vertical_bands(intervals, color: str, opacity: float, panel_index: int = 0) -> list[dict]:
    """Shaded vertical bands (x-intervals spanning the panel's height) as layout shapes."""
    suffix = axis_suffix(panel_index)
    return [
        {"type": "rect", "xref": f"x{suffix}", "yref": f"y{suffix} domain", "x0": x0, "x1": x1, "y0": 0, "y1": 1,
         "fillcolor": color, "opacity": opacity, "line": {"width": 0}, "layer": "below"}
        for x0, x1 in intervals
    ]


def vertical_marker(x: float, text: str, color: str = GREY, panel_index: int = 0) -> tuple[dict, dict]:
    """A dotted vertical line with a label at the top: (shape, annotation)."""
    suffix = axis_suffix(panel_index)
    shape = {"type": "line", "xref": f"x{suffix}", "yref": f"y{suffix} domain", "x0": x, "x1": x, "y0": 0, "y1": 1,
             "line": {"color": color, "dash": "dot", "width": 2}}
    note = {"text": text, "x": x, "y": 1, "xref": f"x{suffix}", "yref": f"y{suffix} domain", "showarrow": False,
            "xanchor": "left", "yanchor": "bottom", "font": {"size": FONT_SIZE - 1, "color": color}}
    return shape, note


LECTURE_MIN_FONT = 18  # px: the smallest text of a figure in Lecture mode
LECTURE_FONT_FACTOR = 22 / 16  # Lecture mode's fonts: base 16 px -> 22 px
LECTURE_HEIGHT_FACTOR = 1.2
# px: the most of a 1280x720 projector's height a figure may take, so that it can be seen whole under Streamlit's
# header (60 px) and the lecture plan's moment bar that sticks under it (~90 px: 640 px figures opened as a moment
# lost their x axis and legend under the screen's edge)
LECTURE_VIEW_HEIGHT = 560


# px: a figure up to this tall is drawn LECTURE_VIEW_HEIGHT tall in Lecture mode, a little smaller than it is (the
# gradient-descent paths' 590 px, the loss sweep's 640 px lost their legend or x axis under a moment's screen edge)
SHRINKS_TO_THE_VIEW = 640


def lecture_height_factor(height: int | None, view: int = LECTURE_VIEW_HEIGHT) -> float:
    """How much taller Lecture mode draws a figure ``height`` px high: 1.2 times, but no taller than the projector's
    view (``view`` px, LECTURE_VIEW_HEIGHT unless the figure sets less: ``with_lecture_view``); one up to
    SHRINKS_TO_THE_VIEW shrinks to it, a taller one keeps its height."""
    if not height:
        return LECTURE_HEIGHT_FACTOR
    if height > SHRINKS_TO_THE_VIEW:
        return 1.0
    return min(LECTURE_HEIGHT_FACTOR, view / height)


def with_lecture_view(layout: dict, px: int) -> dict:
    """``layout`` of a figure drawn at most ``px`` tall in Lecture mode (less than LECTURE_VIEW_HEIGHT: what must be
    on the projector's screen with it, under it, needs the rest)."""
    return {**layout, "meta": {**layout.get("meta", {}), "lecture_view": px}}


def lecture_view_height(fig) -> int:
    """The most px the figure may take in Lecture mode (``with_lecture_view``; LECTURE_VIEW_HEIGHT if it sets none)."""
    meta = _layout_value(fig, "meta")
    return meta.get("lecture_view", LECTURE_VIEW_HEIGHT) if isinstance(meta, dict) else LECTURE_VIEW_HEIGHT


# A trace's "meta" for markers drawn around their text (a diagram's units): in Lecture mode they grow with the text,
# which would otherwise spill out of them
HOLDS_TEXT = "marker holds text"
DARK_TEXT = "#1A1A1A"  # axis text on a projector (Streamlit's theme draws it light grey)
# A trace's "meta" for boxes drawn behind labels (``text_boxes``): in Lecture mode they grow with the text
TEXT_BOXES = "boxes behind text"
TEXT_BOX = "rgba(255, 255, 255, 0.85)"  # a line behind a label shows faintly through its box
CHAR_WIDTH = 0.62  # a character's width in the font's size (digits and bold text; '.' and '-' are narrower)


def plain_text(text: str) -> str:
    """``text`` without plotly's markup (<b>, <sub>, <br> …): what is drawn."""
    return re.sub(r"<[^>]+>", "", text)


def label_width(text: str, size: float) -> int:
    """About how wide ``text`` (its markup left out) is drawn in ``size`` px, with 2 px to spare on each side."""
    return round(CHAR_WIDTH * size * len(plain_text(text))) + 4


def text_boxes(x: list, y: list, text: list, size: int) -> dict:
    """A trace of white boxes, one behind each label of ``text`` as drawn at (x, y) in ``size`` px: markers of
    the 'line-ew' symbol (a horizontal line ``marker.size`` px long) as wide as the label's characters and a line
    of it tall. Put it after the lines it must hide and before the labels' own trace: unlike annotations' boxes it
    stays under what is drawn later (a diagram's units), and it is one trace, however many labels."""
    return {"type": "scatter", "x": x, "y": y, "mode": "markers", "hoverinfo": "skip", "showlegend": False,
            "name": "label boxes", "meta": TEXT_BOXES,
            "marker": {"symbol": "line-ew", "size": [label_width(t, size) for t in text],
                       "line": {"width": size + 2, "color": TEXT_BOX}}}


def scaled_fonts(fig: go.Figure, factor: float, height_factor: float = 1.0,
                 min_size: int = LECTURE_MIN_FONT) -> go.Figure:
    """A copy of ``fig`` for a projector: every font size (titles, ticks, legend, annotations, the text on
    traces) times ``factor`` and at least ``min_size``, axis text dark, the height times ``height_factor``."""
    if isinstance(fig, UnbuiltFigure):
        data, layout = fig.data_and_layout
        spec = {"data": _copied(data), "layout": _copied(layout)}
    else:
        spec = fig.to_dict()

    def scale(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("font") and isinstance(value, dict) and "size" in value:
                    value["size"] = max(round(value["size"] * factor), min_size)
                if not key.startswith("scene"):  # 3-D text keeps its size: see below
                    scale(value)
        elif isinstance(node, list):
            for item in node:
                scale(item)

    scale(spec["layout"])
    for trace in spec.get("data", []):
        font = trace.get("textfont")
        if isinstance(font, dict) and isinstance(font.get("size", FONT_SIZE), (int, float)):
            font["size"] = max(round(font.get("size", FONT_SIZE) * factor), min_size)
        marker = trace.get("marker")
        if trace.get("meta") == HOLDS_TEXT and isinstance(marker, dict) and isinstance(marker.get("size"), (int, float)):
            marker["size"] = round(marker["size"] * factor)
        if trace.get("meta") == TEXT_BOXES:
            marker["size"] = [round(size * factor) for size in marker["size"]]
            marker["line"]["width"] = round(marker["line"]["width"] * factor)
    layout = spec["layout"]
    if layout.get("uniformtext", {}).get("minsize"):  # a value written on a bar no smaller than the rest of the text
        layout["uniformtext"]["minsize"] = max(round(layout["uniformtext"]["minsize"] * factor), min_size)
    layout["font"] = {**layout.get("font", {}), "color": DARK_TEXT}
    for key in {"xaxis", "yaxis", *(k for k in layout if k.startswith(("xaxis", "yaxis")))}:
        axis_spec = layout.setdefault(key, {})
        axis_spec["tickfont"] = {**axis_spec.get("tickfont", {}), "color": DARK_TEXT}
        if axis_spec.get("type") == "log":  # log ticks crowd where a decade is short (1.2 on top of 1.4)
            axis_spec["nticks"] = min(axis_spec.get("nticks", 4), 4)
        domain = axis_spec.get("domain") or [0, 1]
        if key.startswith("yaxis") and domain[1] - domain[0] < 0.3:  # a short panel: fewer, larger ticks
            axis_spec["nticks"] = min(axis_spec.get("nticks", 3), 3)
        title = axis_spec.get("title") or {}
        axis_spec["title"] = {**title, "font": {**title.get("font", {}), "color": DARK_TEXT}}
    # A 3-D scene draws its text in perspective, larger than its size says and not in proportion to it (ticks of
    # 19 px came out ~30 px high, bold and cut at the figure's edge, where 16 px look 20 px): its fonts keep their
    # size (gradient_descent.surface_figure gives them one) and only turn dark.
    for scene in (layout[key] for key in layout if key.startswith("scene")):
        for name in ("xaxis", "yaxis", "zaxis"):
            axis_spec = scene.setdefault(name, {})
            axis_spec["tickfont"] = {**axis_spec.get("tickfont", {}), "color": DARK_TEXT}
            title = axis_spec.get("title") or {}
            axis_spec["title"] = {**title, "font": {**title.get("font", {}), "color": DARK_TEXT}}
    # a legend below the plot moves down with the larger ticks and axis title (its y is a share of the plot's
    # height, which grows less than the fonts), and the bottom margin makes room for it
    margin = layout.setdefault("margin", {})
    legends = [layout[key] for key in sorted(layout) if key.startswith("legend") and isinstance(layout[key], dict)]
    # (every one: a second panel can have a legend of its own under it, as the Playground's loss curve has)
    below = [legend for legend in legends if legend.get("orientation") == "h" and legend.get("y", 1) < 0]
    if below:
        for legend in below:
            legend["y"] = legend["y"] * factor * factor
        margin["b"] = round(margin.get("b", 60) * factor)
    elif any(legend.get("orientation") == "h" and legend.get("yref") == "container" for legend in legends):
        margin["t"] = round(margin.get("t", 40) * factor)  # above the panels' titles
    layout["height"] = round(layout.get("height", FIGURE_HEIGHT) * height_factor)  # 400 × 410/400 is 409.999…
    return figure(spec["data"], layout)


def validating() -> bool:
    """Whether ``figure`` has plotly validate what it builds: only where NNVIZ_VALIDATE_FIGURES=1 (the tests set it).

    Validation checks every property of every trace and costs more than building the figure's dicts: 5.6 of the
    loss page's 9.9 ms sweep figure, 2.0 of softmax's 3.0 ms temperature figure, at every slider move. For a valid
    figure it changes nothing that is sent: tests/test_app.py compares every page's figures built both ways.
    """
    return os.environ.get("NNVIZ_VALIDATE_FIGURES") == "1"


class UnbuiltFigure:
    """A figure kept as the dicts it is made of: what ``figure`` gives where it does not validate (the app).

    The app only sends figures, as JSON (``figure_json``) and in Lecture mode as a scaled copy (``scaled_fonts``),
    and both are made from the dicts; building plotly's tree of objects costs 0.5-1.9 ms a figure even without
    validation, on every rerun. So it is built only if something asks for a go.Figure attribute (``fig.layout``,
    ``fig.to_dict()``, …): then once, and every public attribute is the built figure's. A figure is never changed
    once made.
    """

    def __init__(self, data: list[dict], layout: dict):
        self.data_and_layout = (data, layout)

    @functools.cached_property
    def built(self) -> go.Figure:
        data, layout = self.data_and_layout
        return go.Figure(data=data, layout=layout, _validate=False)

    def __getattr__(self, name: str):  # only called for a name the instance and its class lack
        if name.startswith("_") or name in ("data_and_layout", "built"):  # e.g. getattr(fig, "_cache", None)
            raise AttributeError(name)
        return getattr(self.built, name)


def figure(data: list[dict], layout: dict) -> go.Figure:
    """The one place a figure is built: in the tests a validated go.Figure, in the app an ``UnbuiltFigure``, which
    answers as the go.Figure would."""
    if validating():
        if named := _named_colorscales([data, layout]):
            raise ValueError(f"colorscales by name ({named}): plotly.js draws some names the other way round from "
                             "plotly (RdBu), and only the tests' validated figures turn names into plotly's stops: "
                             "give the stops (as BLUES)")
        return go.Figure(data=data, layout=layout)
    return UnbuiltFigure(data, layout)


def _named_colorscales(node) -> list[str]:
    """The colorscales in ``node`` (a figure's dicts and lists) given by name."""
    if isinstance(node, dict):
        return [name for key, value in node.items()
                for name in ([value] if key == "colorscale" and isinstance(value, str) else _named_colorscales(value))]
    if isinstance(node, list | tuple):
        return [name for value in node for name in _named_colorscales(value)]
    return []


def plotly_figure(fig) -> go.Figure:
    """``fig`` as a go.Figure (for st.plotly_chart)."""
    return fig.built if isinstance(fig, UnbuiltFigure) else fig


def _layout_value(fig, key: str):
    """The figure's top-level layout ``key`` (None if unset), without building an ``UnbuiltFigure``."""
    return fig.data_and_layout[1].get(key) if isinstance(fig, UnbuiltFigure) else fig.layout[key]


def figure_height(fig) -> int | None:
    """The height the figure's layout sets, if any."""
    return _layout_value(fig, "height")


NARROW_BELOW = 560  # px: a figure's place narrower than this is a phone's column (layout.meta.narrow)
PHONE_FIGURE_WIDTH = 358  # px: a figure in a phone's column (390 px less the page's padding)
PHONE_PLOT_WIDTH = PHONE_FIGURE_WIDTH - 90  # px: a phone's figure less base_layout's side margins
PHONE_X_AXIS_PX = 70  # px under a phone's plot: the x ticks and the axis title
LEGEND_ROW = 26  # px: one row of a horizontal legend (15 px text)
LEGEND_SYMBOL = 40  # px: a legend entry's symbol and the gaps around it
LEGEND_CHARACTER = 7  # px: about one character of a legend's 15 px text


def legend_rows(names, width: int = PHONE_PLOT_WIDTH) -> int:
    """How many rows a horizontal legend of entries ``names`` takes in ``width`` px, as plotly.js lays out traces
    without legend groups: one row if all fit side by side, else columns as wide as the widest entry (at least one
    column). For grouped traces (a ``legendgroup``) that is an upper bound: see ``grouped_legend_lines``."""
    widths = [LEGEND_SYMBOL + LEGEND_CHARACTER * len(name) for name in names]
    if sum(widths) <= width:
        return 1
    per_row = max(1, width // max(widths))
    return -(-len(widths) // per_row)


def grouped_legend_lines(names: list[str], width: int) -> int:
    """The text lines a horizontal legend of ``names`` takes in ``width`` px, as plotly.js lays out traces in legend
    groups (its 'grouped' trace order, the default once a trace has a ``legendgroup``): each entry as wide as itself,
    one after another, a new row begun where the next does not fit; a row is as tall as its tallest entry (an entry
    with <br> has several lines)."""
    lines, used, tallest = 0, width, 1
    for name in names:
        parts = [plain_text(part) for part in name.split("<br>")]
        entry = LEGEND_SYMBOL + LEGEND_CHARACTER * max(len(part) for part in parts)
        if used + entry > width:  # a new row
            lines, used, tallest = lines + tallest, 0, 1
        used, tallest = used + entry, max(tallest, len(parts))
    return lines + tallest - 1 if names else 0


def legend_below_when_narrow(layout: dict, rows: int, below: int = NARROW_BELOW) -> dict:
    """``layout`` with a layout for narrow places (``layout.meta.narrow``, as ``has_narrow_layout`` reads it) that
    puts the legend under the plot in ``rows`` rows and makes the figure that much taller: a legend beside the plot
    leaves it a sliver of a phone's width. Wider places keep the legend where ``layout`` has it."""
    legend_px = rows * LEGEND_ROW
    legend = legend_at_the_bottom(layout.get("legend", {}))
    margin = {**copy.deepcopy(layout["margin"]), "b": layout["margin"]["b"] + legend_px}
    return with_narrow_keys(layout, {"legend": legend, "margin": margin, "height": layout["height"] + legend_px}, below)


def legend_under_the_plot_when_narrow(layout: dict, plot_px: float, legend_lines: int,
                                      below: int = NARROW_BELOW, *, aspect: float | None = None) -> dict:
    """``layout`` with a layout for narrow places (``layout.meta.narrow``) whose plot is ``plot_px`` tall, with room
    under it for the x axis (PHONE_X_AXIS_PX) and then a legend of ``legend_lines`` rows at the figure's bottom: a
    legend placed at a share of the plot's height, or a wide figure's height, left a phone's plot squeezed or in a band
    of white, and the legend on the x title or far under it. ``aspect``: the plot's height per px of its width (axes
    of equal scale), kept in any narrow place; ``plot_px`` is then a phone's. See ``with_narrow_plot``."""
    margin = {**layout["margin"], "b": PHONE_X_AXIS_PX + legend_lines * LEGEND_ROW}
    narrow = with_narrow_keys(layout, {"legend": legend_at_the_bottom(layout["legend"]), "margin": margin,
                                       "height": round(margin["t"] + plot_px + margin["b"])}, below)
    return with_narrow_plot(narrow, {"aspect": aspect} if aspect else {"px": round(plot_px)})


def with_narrow_plot(layout: dict, plot: dict) -> dict:
    """``layout`` (with a layout for narrow places) whose plot area, where that layout is drawn, is ``plot``
    ({"px": its height} or {"aspect": its height per px of its width}) whatever the rest takes: the browser grows or
    shrinks the figure to it once drawn (static/nnviz_figure.js, ``fitNarrowPlot``). The narrow layout's height is
    reckoned for a phone's column and text; in Lecture mode's larger text, with the sidebar open on a projector, the
    legend and the x axis took all but 77 px of the perceptron's Iris figure (a plot 170 × 77 px)."""
    meta = layout["meta"]
    return {**layout, "meta": {**meta, "narrow": {**meta["narrow"], "plot": dict(plot)}}}


def panels_one_under_the_other(axes: dict, n: int, *, row_px: float, panel_px: float, panel_top_px: float,
                               plot_px: float, **y_keys) -> dict:
    """The axes of ``n`` side-by-side panels (``axes``: their xaxis/yaxis dicts, named by ``axis_suffix``) one under
    the other, for a narrow place (``layout.meta.narrow``): each as wide as the plot area (``plot_px`` tall), panel
    p ``panel_px`` tall, ``panel_top_px`` below the top of its row (``row_px`` a row, which holds the panel's title
    above it and its x axis below it). ``y_keys``: more keys for every y axis. Copies: a dict in two places of a
    layout would be scaled twice in Lecture mode."""
    stacked = {}
    for p in range(n):
        suffix = axis_suffix(p)
        top_px = p * row_px + panel_top_px  # from the plot area's top
        stacked[f"xaxis{suffix}"] = {**copy.deepcopy(axes[f"xaxis{suffix}"]), "domain": [0, 1]}
        stacked[f"yaxis{suffix}"] = {**copy.deepcopy(axes[f"yaxis{suffix}"]), **copy.deepcopy(y_keys),
                                     "domain": [max(1 - (top_px + panel_px) / plot_px, 0.0), 1 - top_px / plot_px]}
    return stacked


def one_under_the_other(layout: dict, n: int, *, panel_px: float, title_px: float = 30, below_px: float = 64,
                        legend_rows: int = 0) -> dict:
    """The layout keys that draw the ``n`` side-by-side panels of ``layout`` (``subplot_grid``'s, their titles its
    first ``n`` annotations) one under the other for a phone's column (``layout.meta.narrow``): each as wide as the
    figure, ``panel_px`` tall, with its title ``title_px`` above it and its x axis ``below_px`` below it; with
    ``legend_rows``, a horizontal legend of that many rows under them all."""
    row = title_px + panel_px + below_px
    plot = n * row
    narrow = panels_one_under_the_other(layout, n, row_px=row, panel_px=panel_px, panel_top_px=title_px, plot_px=plot)
    titles = [{**copy.deepcopy(layout["annotations"][i]), "x": 0.5, "y": narrow[f"yaxis{axis_suffix(i)}"]["domain"][1]}
              for i in range(n)]
    # other notes placed on a panel's axes go with it (the MNIST curves' 'diverged'); notes on the paper would not
    on_axes = [copy.deepcopy(note) for note in layout["annotations"][n:] if note.get("xref", "paper") != "paper"]
    legend_px = legend_rows * LEGEND_ROW
    keys = {**narrow, "height": plot + legend_px + 20, "margin": {**layout["margin"], "t": 10, "b": 10 + legend_px},
            "annotations": titles + on_axes}
    if legend_rows:
        keys["legend"] = legend_at_the_bottom(layout.get("legend", {}))
    return keys


def legend_at_the_bottom(legend: dict) -> dict:
    """A copy of ``legend`` drawn across the figure's bottom (a copy: a dict in two places of a layout would be scaled
    twice in Lecture mode). Placed from the figure's bottom edge (yref "container"), plotly.js widens the bottom
    margin until the legend clears the x axis's ticks and title, however many rows it takes at the figure's width. A
    legend placed at a share of the plot's height (y = −0.22) lay on the x title wherever its rows made the plot
    shorter: gradient descent's loss curves at 1600 px with the sidebar folded (a helper's review)."""
    return {**copy.deepcopy(legend), "orientation": "h", "x": 0, "xanchor": "left", "yref": "container", "y": 0,
            "yanchor": "bottom"}


def with_narrow_keys(layout: dict, keys: dict, below: int = NARROW_BELOW) -> dict:
    """``layout`` whose layout for narrow places (``layout.meta.narrow``) also sets ``keys`` (top-level layout keys;
    copies: a dict in two places of a layout would be scaled twice in Lecture mode)."""
    meta = layout.get("meta", {})
    narrow = {**meta.get("narrow", {}).get("layout", {}), **copy.deepcopy(keys)}
    return {**layout, "meta": {**meta, "narrow": {**meta.get("narrow", {}), "below": below, "layout": narrow}}}


def titles_off_when_narrow(layout: dict, axes: Sequence[str], below: int = NARROW_BELOW) -> dict:
    """``layout`` with a layout for narrow places (``layout.meta.narrow``, added to one it has) that draws ``axes``
    without their titles: on a phone a right-hand panel's y title lands inside the panel left of it, on its curves
    (activations' f′(x), softmax's p); that panel's own title above it names the same."""
    narrow = layout.get("meta", {}).get("narrow", {}).get("layout", {})
    untitled = {name: {**narrow.get(name, layout[name]), "title": {**layout[name].get("title", {}), "text": ""}}
                for name in axes}
    return with_narrow_keys(layout, untitled, below)


# a share of a phone's plot width between two columns of panels: room for the right column's tick labels
PHONE_PANEL_GAP = 0.22


def wider_gap_when_narrow(layout: dict, gap: float = PHONE_PANEL_GAP, below: int = NARROW_BELOW) -> dict:
    """``layout`` (two columns of panels, as ``subplot_grid`` lays them out) with a layout for narrow places that
    puts ``gap`` between the columns, the panels' titles (annotations at a column's centre) moved with them: on a
    phone the right column's tick labels ran into the left panels' edges ('0.25' read '−0.25' against a grid line).
    An x axis whose domain starts at 0 is in the left column, any other in the right one."""
    width = (1 - gap) / 2
    columns = {"left": [0.0, width], "right": [1 - width, 1.0]}
    keys, centres = {}, {}
    for name, spec in layout.items():
        if name.startswith("xaxis") and isinstance(spec, dict) and "domain" in spec:
            side = "left" if spec["domain"][0] < 1e-9 else "right"
            centres[round(sum(spec["domain"]) / 2, 9)] = sum(columns[side]) / 2
            keys[name] = {**layout.get("meta", {}).get("narrow", {}).get("layout", {}).get(name, spec),
                          "domain": columns[side]}
    right_room = PHONE_PLOT_WIDTH + layout.get("margin", {}).get("r", 0)  # px from the plot's left edge

    def moved(note: dict) -> dict:  # a column's title: to its column's centre, or as far as it fits on the right
        centre = centres.get(round(note.get("x", -1), 9)) if note.get("xref") == "paper" else None
        if centre is None:
            return note
        size = note.get("font", {}).get("size", FONT_SIZE)
        half = LEGEND_CHARACTER * size / 15 * len(plain_text(note.get("text", ""))) / 2  # px: half its width, about
        return {**note, "x": min(centre, (right_room - half) / PHONE_PLOT_WIDTH)}

    annotations = [moved(note) for note in layout.get("annotations", [])]
    return with_narrow_keys(layout, {**keys, "annotations": annotations}, below)


def has_narrow_layout(fig) -> bool:
    """Whether the figure carries a layout for narrow places (``layout.meta.narrow``, drawn by nnviz.ui's figures in
    place when their column is narrower than its ``below``)."""
    meta = _layout_value(fig, "meta")
    return isinstance(meta, dict) and "narrow" in meta


def _copied(node):
    """``node`` with every dict and list in it copied, its other values (numbers, strings, arrays) shared."""
    if isinstance(node, dict):
        return {key: _copied(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_copied(item) for item in node]
    return node


# What st.plotly_chart's Streamlit theme adds to a figure (Streamlit 1.67's light theme, read from its chart code),
# for the figures drawn in place (nnviz.ui.show_figure), so that both kinds look alike: grey text, no vertical grid,
# axes that make room for their labels, a white hover box. A figure's own settings win over it.
FADED_TEXT = "rgb(128, 132, 149)"
HEADING = "#31333F"
THEME_LINES = "#E6EAF1"
IN_PLACE_TEMPLATE = {"layout": {
    "font": {"color": FADED_TEXT},
    "title": {"font": {"color": HEADING}, "xanchor": "left", "x": 0},
    "legend": {"bordercolor": "rgba(0,0,0,0)", "borderwidth": 0, "valign": "top", "title": {"side": "top"}},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "xaxis": {"showgrid": False, "zeroline": False, "automargin": True, "gridcolor": THEME_LINES,
              "zerolinecolor": THEME_LINES, "tickcolor": THEME_LINES, "title": {"standoff": 20}},
    "yaxis": {"automargin": True, "ticklabelposition": "outside", "gridcolor": THEME_LINES,
              "zerolinecolor": THEME_LINES, "tickcolor": THEME_LINES, "title": {"standoff": 32}},
    "margin": {"pad": 8},
    "hoverlabel": {"bgcolor": "white", "bordercolor": THEME_LINES, "font": {"color": FADED_TEXT}},
}}


def figure_json(fig: go.Figure) -> str:
    """The figure as Plotly JSON with ``IN_PLACE_TEMPLATE`` for its template. Streamlit makes its own template the
    default, but its colours are placeholders ("#000001", …) that only st.plotly_chart's theme code replaces.

    A figure of ``figure`` (unvalidated) is written from the dicts it was built from, its numpy arrays as Plotly's
    typed arrays: what ``to_plotly_json`` gives, without its deep copy of every list (a third of a softmax rerun's
    figure time)."""
    if isinstance(fig, UnbuiltFigure):
        data, layout = (_typed_arrays(part) for part in fig.data_and_layout)
    else:
        spec = fig.to_plotly_json()
        data, layout = spec["data"], spec["layout"]
    return pio.to_json({"data": data, "layout": {**layout, "template": IN_PLACE_TEMPLATE}}, validate=False)


_CONTAINERS = (dict, list, tuple, np.ndarray)
_skipped_key = functools.cache(is_skipped_key)  # plotly's test, once per key name (it scans a list at every call)


def _typed_arrays(node):
    """``node`` with each numpy array replaced by Plotly's typed-array spec (base64), as plotly's own ``to_dict``
    does, copying only the dicts and lists on the way to one (``node`` is left as it was)."""
    if isinstance(node, dict):
        return {key: _typed_arrays(value) if isinstance(value, _CONTAINERS) and not _skipped_key(key) else value
                for key, value in node.items()}
    if isinstance(node, np.ndarray):
        return _typed_array(node)
    if isinstance(node, (list, tuple)) and any(isinstance(item, _CONTAINERS) for item in node):
        return [_typed_arrays(item) for item in node]
    return node


# numpy's names of the types plotly.js reads from base64 as they are (plotly's own table, _plotly_utils.utils)
_JS_TYPES = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
             "float32": "f4", "float64": "f8"}


def _typed_array(array: np.ndarray):
    """``to_typed_array_spec(array)``: the same spec, made without its read-only copy of the array (~70 µs an array,
    a dozen arrays a figure). Other types (int64, which plotly narrows first), empty arrays: plotly's own."""
    code = _JS_TYPES.get(array.dtype.name)
    if code is None or array.size == 0 or not array.dtype.isnative:
        return to_typed_array_spec(array)
    spec = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(array)).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = str(array.shape)[1:-1]
    return spec
