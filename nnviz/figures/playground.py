"""The Playground's one figure: the network as TensorFlow Playground draws it (a picture of every unit's
output over the input plane, edges by sign and size of the weight), the output over the plane with the
points, and the loss curves.

One figure with subplots; the pictures are PNGs in two ``image`` traces (all units pasted into one, and the
output): a live frame is one Plotly update in the browser, and a picture costs ~1 kB instead of ~20 kB of
numbers.
"""

from __future__ import annotations

import base64
import copy
import io
import itertools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from nnviz.figures.style import BLACK, BLUE, FONT_SIZE, GREY, ORANGE, axis, base_layout, figure

NEGATIVE_RGB = np.array([230, 159, 0], float)  # ORANGE: negative values / class 0
POSITIVE_RGB = np.array([0, 114, 178], float)  # BLUE: positive values / class 1
WHITE = np.array([255, 255, 255], float)
CLASS_RGB = [np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], float) for c in (ORANGE, BLUE, "#009E73", "#CC79A7")]
CLASS_COLORS = (ORANGE, BLUE, "#009E73", "#CC79A7")


UNIT_FRAME = 175  # grey of the frame around a unit's picture


def diverging_rgb(values: np.ndarray) -> np.ndarray:
    """Values in [−1, 1] as colours: orange (−1) through white (0) to blue (+1); NaN grey."""
    v = np.clip(np.nan_to_num(values, nan=0.0), -1, 1)[..., None]
    rgb = np.where(v >= 0, WHITE + v * (POSITIVE_RGB - WHITE), WHITE - v * (NEGATIVE_RGB - WHITE))
    rgb[np.isnan(values)] = 150
    return rgb.astype(np.uint8)


def class_rgb(probs: np.ndarray) -> np.ndarray:
    """(classes, n, n) probabilities as the colour of the likeliest class, paler where it is less sure."""
    winner = probs.argmax(axis=0)
    sure = (probs.max(axis=0) - 1 / len(probs)) / (1 - 1 / len(probs))  # 0 at a tie, 1 when certain
    colours = np.stack(CLASS_RGB[:len(probs)])[winner]
    return (WHITE + sure[..., None] * 0.85 * (colours - WHITE)).astype(np.uint8)


def network_canvas(pictures: Sequence[np.ndarray], boxes: Sequence[tuple[float, float, float, float]],
                   right: float, width: int = 420, height: int = 360) -> np.ndarray:
    """All unit pictures pasted into one transparent RGBA picture of the network's part of the figure
    (x from 0 to ``right``, y from 0 to 1, in figure fractions; ``boxes`` are (x0, y0, w, h) there):
    one image for the browser to draw per frame instead of one per unit. Each has a grey frame: a unit that is
    about 0 everywhere is white, and without it looked like a missing unit."""
    canvas = np.zeros((height, width, 4), np.uint8)
    for rgb, (x0, y0, w, h) in zip(pictures, boxes):
        c0, c1 = round(x0 / right * width), round((x0 + w) / right * width)
        r0, r1 = round(y0 * height), round((y0 + h) * height)
        rows = np.arange(r1 - r0) * rgb.shape[0] // max(r1 - r0, 1)
        cols = np.arange(c1 - c0) * rgb.shape[1] // max(c1 - c0, 1)
        canvas[r0:r1, c0:c1, :3] = rgb[rows][:, cols]
        canvas[r0:r1, c0:c1, 3] = 255
        canvas[[r0, r1 - 1], c0:c1, :3] = UNIT_FRAME
        canvas[r0:r1, [c0, c1 - 1], :3] = UNIT_FRAME
    return canvas


def png_source(rgb: np.ndarray) -> str:
    """An RGB array as a PNG data URI. Rows stay in their order: an image trace puts the first row at y0,
    and every picture here has its first row at the bottom of the plane with y growing upwards."""
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGBA" if rgb.shape[-1] == 4 else "RGB").save(buffer, format="PNG", optimize=False,
                                                                          compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def scaled(values: np.ndarray, activation: str) -> np.ndarray:
    """A unit's outputs mapped to [−1, 1] for its picture: tanh and linear values as they are (clipped),
    sigmoid's (0, 1) stretched, ReLU's [0, ∞) divided by its largest value on the plane."""
    if activation == "sigmoid":
        return 2 * values - 1
    if activation == "relu":
        top = float(np.nanmax(values)) if values.size else 0.0
        return values / top if top > 0 else values
    return values


HEADER_FONT = FONT_SIZE - 1
PHONE_WIDTH = 358  # px: the figure on a phone (390 px wide)
PICTURE = 0.075  # width of a unit's picture, as a fraction of the figure's width
INPUT_NAME_FONT, INPUT_NAME_GAP = FONT_SIZE - 2, 8  # px: an input's name left of its picture, and the room around it
NETWORK_RIGHT = 0.48  # 0.14 of the width (46 px on a phone) for the y ticks and titles of the output and the loss
WIDE = 900  # px: a figure at least this wide (Lecture mode's 1080) is laid out with the output plane its whole height
# where each part sits (figure fractions): the network (its right end, its band of height), the output plane, the
# loss curve. Narrow: the plane and the loss curve one above the other beside the network. Wide: the loss curve under
# the network and the plane the figure's whole height beside them (its height, not its width, limits the plane: at
# 1280x720 it was 272 px with ~110 px empty beside it).
PARTS = {False: {"network": (NETWORK_RIGHT, 0.0, 1.0), "plane": ((0.62, 0.98), (0.42, 1.0)),
                 "loss": ((0.62, 0.98), (0.0, 0.2))},
         True: {"network": (0.44, 0.36, 1.0), "plane": ((0.52, 1.0), (0.0, 1.0)), "loss": ((0.07, 0.44), (0.0, 0.25))}}
# A phone (stacked=True): the network the whole width on top, the plane under it, the loss curve at the bottom (side by
# side, the plane was ~115 px wide on a phone); the loss curve 128 px tall (at 89 px its title 'loss' stood against
# the tick '0.5', a review at 390x844)
STACKED_PARTS = {"network": (0.98, 0.7, 1.0), "plane": ((0.13, 0.98), (0.26, 0.62)), "loss": ((0.13, 0.98), (0.0, 0.16))}
STACKED_HEIGHT = 960  # px: the plane about as tall as a phone's figure is wide
# A click on the plane lands on one of PLANE_HANDLES² invisible squares HANDLE_PX wide. They must tile the largest
# plane drawn (424 px: a large screen's, 379 in Lecture mode), 14.1 px between centres there: 12 px circles left
# holes between four of them, where a click did nothing (erasing at (-5.6, -5.6), a browser test)
PLANE_HANDLES, HANDLE_PX = 30, 16
MAX_CURVE_POINTS = 300  # per loss curve: the frame's data stays small however long the training
# A regression's legend: the colours of the values the plane and the points are drawn in (diverging_rgb's scale, whose
# ends are ±1); its points alone did not say which colour was positive (a review)
VALUE_KEY, VALUE_KEY_AT = ("−1", "+1"), (-1.0, 1.0)  # white, between them, is 0 (a third entry took a phone a third row, cut)


def playground_figure(layer_pictures: Sequence[Sequence[np.ndarray]], layer_titles: Sequence[str],
                      weights: Sequence[np.ndarray], output_rgb: np.ndarray, train_points: np.ndarray,
                      train_labels: np.ndarray, test_points: np.ndarray | None, test_labels: np.ndarray | None,
                      train_loss: Sequence[float], test_loss: Sequence[float], classes: int,
                      keras_loss: Sequence[float] | None = None, clickable_plane: bool = False,
                      height: int = 560, width_hint: int = PHONE_WIDTH, font_scale: float = 1.0,
                      input_names: Sequence[str] = (), stacked: bool = False) -> go.Figure:
    """``layer_pictures[l]`` are the RGB pictures of layer l's units (inputs first, output last);
    ``weights[l]`` the kernel from layer l to l+1. Points are coloured by class (regression: by value).
    ``input_names`` (x₁, x₁² …) are written left of the inputs' pictures, in room the network gives up.

    The layers' titles are one row if they fit side by side in a figure ``width_hint`` px wide whose fonts are
    drawn ``font_scale`` times larger (the narrowest it must serve: a phone's, unless in Lecture mode), else two rows:
    'inputs', 'hidden layers' over the hidden columns and 'output', and under 'hidden layers' each hidden layer's
    number. The network ends 0.14 of the width left of the output's and the loss's y axes, whose titles sit close to
    their ticks: on a phone the ticks and titles fell on the network's output column. ``stacked`` (a phone): the
    network, the plane and the loss curve one under the other, STACKED_HEIGHT px tall."""
    n_layers = len(layer_pictures)
    tallest = max(len(p) for p in layer_pictures)
    parts = STACKED_PARTS if stacked else PARTS[width_hint >= WIDE]
    height = STACKED_HEIGHT if stacked else height
    right, band_low, band_high = parts["network"]
    band = band_high - band_low
    pic_h, gap = min(0.14, 0.86 / max(tallest, 1) - 0.02) * band, 0.02 * band
    name_font = INPUT_NAME_FONT * font_scale
    names_room = (max((_text_width(n, name_font) for n in input_names), default=-INPUT_NAME_GAP) + INPUT_NAME_GAP) \
        / width_hint  # figure fraction
    pic_w = min(PICTURE, (right - names_room) / n_layers * 0.55)
    first = 0.01 + names_room
    column_x = [first + k * (right - pic_w - first) / max(n_layers - 1, 1) for k in range(n_layers)]

    def centre(layer: int, unit: int) -> tuple[float, float]:
        count = len(layer_pictures[layer])
        top = (band_low + band_high) / 2 + count * (pic_h + gap) / 2
        return column_x[layer] + pic_w / 2, top - (unit + 0.5) * (pic_h + gap)

    def end(layer: int, unit: int, units: int) -> tuple[float, float]:
        """Where the edges into ``unit`` (of ``units``) end: its picture's centre; with several output units (classes)
        and one picture of them all, spread over the picture's left side, one height per unit."""
        if len(layer_pictures[layer]) == units:
            return centre(layer, unit)
        x, y = centre(layer, 0)
        return x, y + pic_h * 0.8 * (0.5 - (unit + 0.5) / units)

    data: list[dict] = []
    annotations = layer_headers(layer_titles, [x + pic_w / 2 for x in column_x], width_hint, font_scale)
    annotations += [{"x": first - INPUT_NAME_GAP / 2 / width_hint, "y": centre(0, unit)[1], "xref": "x", "yref": "y",
                     "text": name, "showarrow": False, "xanchor": "right", "yanchor": "middle",
                     "font": {"size": INPUT_NAME_FONT, "color": BLACK}} for unit, name in enumerate(input_names)]
    two_rows = any(a.get("yshift") for a in annotations)
    layout = base_layout(height=height, margin={"l": 10, "r": 10, "t": 64 if two_rows else 40, "b": 120 if stacked else 96},
                         showlegend=True,
                         legend={"orientation": "h", "y": -0.08 if stacked else -0.13, "yanchor": "top",
                                 "font": {"size": FONT_SIZE - 2},
                                 # wide: from the right end leftwards (from 0.6 rightwards, its one row in Lecture
                                 # mode's fonts ran past the figure, and plotly narrowed every part to make room)
                                 **({"x": 1.0, "xanchor": "right"} if width_hint >= WIDE
                                    else {"x": 0.0, "xanchor": "left"} if stacked else {"x": 0.6})})
    # edges: on an overlay axis in figure fractions, grouped by colour and width (a trace each)
    layout["xaxis"] = {"domain": [0, 1], "range": [0, 1], "visible": False, "fixedrange": True}
    # scaleanchor False: image traces would otherwise force square pixels on this axis and squeeze the network
    layout["yaxis"] = {"domain": [0, 1], "range": [0, 1], "visible": False, "fixedrange": True, "scaleanchor": False}
    finite = [np.abs(w[np.isfinite(w)]) for w in weights]
    largest = max((float(f.max()) for f in finite if f.size), default=1.0) or 1.0
    groups: dict[tuple[str, float], tuple[list, list]] = {}
    for layer, w in enumerate(weights):
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                value = float(w[i, j]) if np.isfinite(w[i, j]) else 0.0
                width = 0.5 + round(4 * abs(value) / largest) / 4 * 5.5
                colour = BLUE if value >= 0 else ORANGE
                (x0, y0), (x1, y1) = centre(layer, i), end(layer + 1, j, w.shape[1])
                xs, ys = groups.setdefault((colour, width), ([], []))
                xs += [x0 + pic_w / 2, x1 - pic_w / 2, None]
                ys += [y0, y1, None]
    for (colour, width), (xs, ys) in groups.items():
        data.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines", "hoverinfo": "skip", "showlegend": False,
                     "line": {"color": colour, "width": width}, "opacity": 0.7})
    # the unit pictures, pasted into one transparent image over the edges
    boxes = []
    for layer, pictures in enumerate(layer_pictures):
        for unit in range(len(pictures)):
            cx, cy = centre(layer, unit)
            boxes.append((cx - pic_w / 2, cy - pic_h / 2, pic_w, pic_h))
    canvas = network_canvas([rgb for pictures in layer_pictures for rgb in pictures], boxes, right)
    # invisible handles over the pictures: clicking one selects its unit (plotly reports clicks on points only)
    handles = [(layer, unit, *centre(layer, unit)) for layer, pictures in enumerate(layer_pictures)
               for unit in range(len(pictures))]
    data.append({"type": "scatter", "x": [h[2] for h in handles], "y": [h[3] for h in handles], "mode": "markers",
                 "name": "unit handles", "showlegend": False, "customdata": [[h[0], h[1]] for h in handles],
                 "marker": {"size": 34, "symbol": "square", "opacity": 0},
                 "hovertemplate": "click to see this unit large<extra></extra>"})
    data.append({"type": "image", "source": png_source(canvas), "x0": 0, "y0": 0,
                 "dx": right / canvas.shape[1], "dy": 1 / canvas.shape[0], "hoverinfo": "skip",
                 "name": "units"})
    # the output over the plane, with the points
    out = "2"
    layout[f"xaxis{out}"] = axis("x₁", domain=list(parts["plane"][0]), range=[-6, 6], anchor=f"y{out}",
                                 fixedrange=True)
    layout[f"yaxis{out}"] = axis("x₂", domain=list(parts["plane"][1]), range=[-6, 6], anchor=f"x{out}", fixedrange=True,
                                 scaleanchor=f"x{out}")
    pale = (WHITE - 0.6 * (WHITE - output_rgb)).astype(np.uint8)  # paler than the unit: the points must stand out
    data.append({"type": "image", "source": png_source(pale), "x0": -6, "y0": -6, "dx": 12 / output_rgb.shape[1],
                 "dy": 12 / output_rgb.shape[0], "xaxis": f"x{out}", "yaxis": f"y{out}", "hoverinfo": "skip",
                 "name": "output"})
    for points, labels, label, symbol in ((train_points, train_labels, "training", "circle"),
                                          (test_points, test_labels, "test", "circle-open")):
        if points is None or len(points) == 0:
            continue
        if classes:
            for c in range(classes):
                chosen = labels == c
                data.append({"type": "scatter", "x": points[chosen, 0].tolist(), "y": points[chosen, 1].tolist(),
                             "mode": "markers", "name": f"{label}: class {c}", "xaxis": f"x{out}", "yaxis": f"y{out}",
                             "marker": {"color": CLASS_COLORS[c], "size": 6, "symbol": symbol,
                                        "line": {"color": "white" if symbol == "circle" else CLASS_COLORS[c],
                                                 "width": 1}},
                             "hovertemplate": f"{label}, class {c}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>"})
        else:
            data.append({"type": "scatter", "x": points[:, 0].tolist(), "y": points[:, 1].tolist(), "mode": "markers",
                         "name": f"{label} points", "xaxis": f"x{out}", "yaxis": f"y{out}",
                         "marker": {"color": diverging_hex(labels), "size": 6, "symbol": symbol,
                                    "line": {"color": GREY, "width": 1}},
                         "customdata": labels.tolist(),
                         "hovertemplate": f"{label}: y = %{{customdata:.2f}}<extra></extra>"})
    if not classes:  # what the colours say (classification's legend names its classes' colours)
        data += [{"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": f"y = {name}",
                  "xaxis": f"x{out}", "yaxis": f"y{out}", "hoverinfo": "skip",
                  "marker": {"color": colour, "size": 10, "line": {"color": GREY, "width": 1}}}
                 for name, colour in zip(VALUE_KEY, diverging_hex(np.array(VALUE_KEY_AT)))]
    if clickable_plane:  # invisible points on a grid: a click on the plane selects the nearest (adds a point there)
        grid = np.linspace(-5.8, 5.8, PLANE_HANDLES)
        gx, gy = np.meshgrid(grid, grid)
        data.append({"type": "scatter", "x": gx.ravel().round(2).tolist(), "y": gy.ravel().round(2).tolist(),
                     "mode": "markers", "name": "plane handles", "showlegend": False, "xaxis": f"x{out}",
                     "yaxis": f"y{out}", "marker": {"size": HANDLE_PX, "symbol": "square", "opacity": 0},
                     "hovertemplate": "click: (%{x:.1f}, %{y:.1f})<extra></extra>"})
    # the loss curves
    curve = "3"
    stride = max(1, -(-len(train_loss) // MAX_CURVE_POINTS))  # long trainings: every k-th epoch (and the last)
    shown = sorted(set(range(0, len(train_loss), stride)) | {len(train_loss) - 1})
    epochs = shown
    train_loss = [train_loss[i] for i in shown]
    test_loss = [test_loss[i] for i in shown]
    layout[f"xaxis{curve}"] = axis("epoch", domain=list(parts["loss"][0]), anchor=f"y{curve}",
                                   rangemode="nonnegative",  # whole epochs: at epoch 0 plotly ticked 0.2, 0.4 …
                                   **({"range": [0, max(epochs[-1], 1)], "dtick": 1} if epochs[-1] < 5 else {}))
    layout[f"yaxis{curve}"] = axis("loss", domain=list(parts["loss"][1]), anchor=f"x{curve}", rangemode="tozero",
                                   **(single_point_range([*train_loss, *test_loss]) if len(epochs) == 1 else {}))
    # wide: the loss curve is under the network, left, and the legend under the plane, right: its lines get a legend of
    # their own under their panel ('— training loss - - test loss' stood under the plane, a helper's review)
    loss_legend = "legend2" if width_hint >= WIDE and not stacked else "legend"
    if loss_legend == "legend2":
        layout["legend2"] = {**copy.deepcopy(layout["legend"]), "x": parts["loss"][0][0], "xanchor": "left"}
    for values, name, dash in ((train_loss, "training loss", "solid"), (test_loss, "test loss", "dash")):
        data.append({"type": "scatter", "x": epochs, "y": [v if np.isfinite(v) else None for v in values],
                     # one point (epoch 0, before any step) is no line: a marker, or the chart looked empty
                     "mode": "lines" if len(epochs) > 1 else "markers", "name": name, "xaxis": f"x{curve}",
                     "yaxis": f"y{curve}", "legend": loss_legend, "line": {"color": BLACK, "dash": dash, "width": 2},
                     # the test loss's ring larger than the training loss's dot: at epoch 0 the two are often a
                     # hair apart, and a ring of the dot's size lay hidden under it (a student's review)
                     "marker": ({"color": BLACK, "size": 8, "symbol": "circle"} if dash == "solid" else
                                {"color": BLACK, "size": 14, "symbol": "circle-open", "line": {"width": 2}}),
                     "cliponaxis": len(epochs) > 1,  # the marker on the axis at epoch 0 whole, not half
                     "hovertemplate": f"epoch %{{x}}: {name} %{{y:.4f}}<extra></extra>"})
    if keras_loss:  # the same training in Keras, from epoch 0
        data.append({"type": "scatter", "x": list(range(len(keras_loss))), "y": [float(v) for v in keras_loss],
                     "mode": "markers", "name": "Keras: training loss", "xaxis": f"x{curve}", "yaxis": f"y{curve}",
                     "legend": loss_legend,
                     "marker": {"color": ORANGE, "size": 7, "symbol": "x"},
                     "hovertemplate": "epoch %{x}: Keras training loss %{y:.4f}<extra></extra>"})
    for name in (f"yaxis{out}", f"yaxis{curve}"):  # the title close to the ticks (Streamlit's theme: 32 px off)
        layout[name]["title"]["standoff"] = 8 if stacked else 4  # a phone's parts have the room left of them
    layout["annotations"] = annotations
    return figure(data, layout)


def single_point_range(losses: Sequence[float]) -> dict:
    """The loss axis of a chart with one epoch's points: 0, one tick and a top tick, the ticks a round step (1, 2
    or 5 times a power of ten) and the largest loss under the top with a margin. Plotly's autorange around a lone
    marker ticked a panel ~55 px high every 0.2, and in Lecture mode the ticks' 18 px labels lay on each other
    (moment 14)."""
    finite = [v for v in losses if np.isfinite(v)]
    if not finite or max(finite) <= 0:
        return {}
    needed = max(finite) * 1.1 / 2  # two steps hold the largest loss and a tenth more
    power = 10.0 ** np.floor(np.log10(needed))
    step = float(next(m * power for m in (1, 2, 5, 10) if m * power >= needed))
    return {"range": [0, 2 * step], "dtick": step, "autorange": False}


def _text_width(text: str, font_px: float) -> float:
    """About how wide (px) a line of text is: ~0.55 of the font size a character."""
    return len(text) * font_px * 0.55


def layer_headers(titles: Sequence[str], centres: Sequence[float], width: float, font_scale: float = 1.0) -> list[dict]:
    """The titles over the network's columns (``centres`` in figure fractions), as annotations: one row if every two
    neighbours fit side by side in a figure ``width`` px wide with fonts ``font_scale`` times larger, else two rows
    ('hidden layer(s)' over the hidden columns, and under it each hidden title's last word, its number, between the
    first and the last title), which fit up to seven columns on a phone."""
    font = HEADER_FONT * font_scale
    gaps = [(b - a) * (width - 30) for a, b in itertools.pairwise(centres)]  # less the side margins
    fits = all(gap >= (_text_width(s, font) + _text_width(t, font)) / 2 + 6
               for gap, s, t in zip(gaps, titles, titles[1:]))

    def header(x: float, text: str, row: int = 0) -> dict:  # row 1: the line above
        return {"x": x, "y": 1.0, "xref": "paper", "yref": "paper", "text": text, "showarrow": False,
                "xanchor": "center", "yanchor": "bottom", "yshift": round(row * 1.3 * font),
                "font": {"size": HEADER_FONT, "color": BLACK}}

    hidden = list(zip(centres[1:-1], titles[1:-1]))
    if fits or not hidden:
        return [header(x, title) for x, title in zip(centres, titles)]
    group = "hidden layers" if len(hidden) > 1 else "hidden layer"
    return ([header(centres[0], titles[0]), *(header(x, title.split()[-1]) for x, title in hidden),
             header(centres[-1], titles[-1]), header((hidden[0][0] + hidden[-1][0]) / 2, group, 1)])


def diverging_hex(values: np.ndarray) -> list[str]:
    return ["#{:02x}{:02x}{:02x}".format(*tuple(c)) for c in diverging_rgb(np.asarray(values, float)).reshape(-1, 3)]



def unit_pictures(inputs: np.ndarray, hidden: Sequence[np.ndarray], output: np.ndarray, activation: str,
                  classes: int, discretize: bool = False) -> tuple[list[list[np.ndarray]], np.ndarray]:
    """RGB pictures of every unit (inputs scaled by their largest |value| on the plane), and of the output:
    p(class 1) for one sigmoid unit, the likeliest class for softmax, the value for regression."""
    layers = [[diverging_rgb(f / (np.nanmax(np.abs(f)) or 1.0)) for f in inputs]]
    layers += [[diverging_rgb(scaled(u, activation)) for u in layer] for layer in hidden]
    if classes > 2:
        out = class_rgb(output)
    elif classes == 2:
        out = diverging_rgb(2 * output - 1)
    else:
        out = diverging_rgb(output)
    layers.append([out])
    if discretize and classes:  # the big output only: each pixel fully its predicted class (TF Playground's option)
        if classes > 2:
            out = class_rgb(np.eye(len(output))[output.argmax(axis=0)].transpose(2, 0, 1))
        else:
            out = diverging_rgb(np.where(output >= 0.5, 1.0, -1.0))
    return layers, out
