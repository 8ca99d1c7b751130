"""Figures of the MNIST page: digits, the network, live training curves, evaluation and a look inside."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz import activations as act
from nnviz.figures.style import (
    BLACK,
    BLUE,
    FONT_SIZE,
    GREY,
    ORANGE,
    PHONE_FIGURE_WIDTH,
    RED_BLUE,
    VERMILION,
    axis,
    axis_suffix,
    base_layout,
    figure,
    label_width,
    legend_rows,
    line_style,
    log_ticks,
    one_under_the_other,
    subplot_grid,
    with_lecture_view,
    with_narrow_keys,
)
from nnviz.formatting import count, percent
from nnviz.mlp import N_INPUTS, EarlierRun, MLPConfig, TrainingHistory, distinguishing_settings, written_settings

Array = np.ndarray

INK = [[0.0, "white"], [1.0, "black"]]  # MNIST stores white ink on black; printed dark on white reads better
WEIGHTS_SCALE = RED_BLUE  # diverging: red negative, blue positive, white 0


def mosaic(images: Array, cols: int, gap: int = 2, fill: float = np.nan, dtype=np.float32) -> Array:
    """Tile images (n, h, w) row by row into one array, ``gap`` pixels of ``fill`` between them.

    Plotly sends numpy arrays as typed binary data: uint8 pixels cost a quarter of float32.
    """
    images = np.asarray(images)
    n, h, w = images.shape
    rows = max(1, -(-n // cols))
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), fill, dtype=dtype)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = image
    return out


def _square_pixels_px(tiles: Array, plot_width: float) -> int:
    """How tall a mosaic ``tiles`` is drawn ``plot_width`` px wide with square pixels (as _image_axes draws it)."""
    return round(plot_width * tiles.shape[0] / tiles.shape[1])


def _image_axes(suffix: str = "", **extra) -> go.Figure:
    """Hidden x/y axes for an image panel, y pointing down, square pixels."""
    return {
        f"xaxis{suffix}": {"visible": False, "constrain": "domain", **extra.get("x", {})},
        f"yaxis{suffix}": {"visible": False, "autorange": "reversed", "scaleanchor": f"x{suffix}",
                           "constrain": "domain", **extra.get("y", {})},
    }


def gallery_figure(images: Array, labels: Array, class_names: Sequence[str], per_class: int = 8) -> go.Figure:
    """``per_class`` samples of each class, one class per row (the class name at the left)."""
    rows = []
    for k in range(len(class_names)):
        chosen = images[np.flatnonzero(labels == k)[:per_class]]
        if len(chosen) < per_class:
            chosen = np.concatenate([chosen, np.zeros((per_class - len(chosen), 28, 28), dtype=chosen.dtype)])
        rows.append(chosen)
    tiles = mosaic(np.concatenate(rows), per_class, fill=0, dtype=np.uint8)
    centres = [k * 30 + 13.5 for k in range(len(class_names))]
    layout = base_layout(height=520, margin={"l": 110, "r": 10, "t": 10, "b": 10})
    layout.update(_image_axes(y={"visible": True, "tickvals": centres, "ticktext": list(class_names),
                                 "tickfont": {"size": FONT_SIZE - 1}, "showgrid": False, "zeroline": False}))
    # on a phone the mosaic is narrower than 520 px of square pixels are tall: as tall as it is drawn there (it stood in
    # 230 px of white), the class names' room measured (the y axis makes it: automargin)
    margin = {**layout["margin"], "l": 10}
    names_px = max(label_width(str(name), FONT_SIZE - 1) for name in class_names) + 8  # and the ticks
    plot_width = PHONE_FIGURE_WIDTH - names_px - margin["r"]
    phone = {"margin": margin, "height": _square_pixels_px(tiles, plot_width) + margin["t"] + margin["b"]}
    return figure([{"type": "heatmap", "z": tiles, "colorscale": INK, "zmin": 0, "zmax": 255, "showscale": False,
                    "hovertemplate": "pixel value %{z:.0f}<extra></extra>"}], with_narrow_keys(layout, phone))


# --- The network ----------------------------------------------------------------------------------------

MAX_DRAWN_UNITS = 10


def network_figure(config: MLPConfig, class_names: Sequence[str]) -> go.Figure:
    """The layers as columns of units (at most 10 drawn per layer, '⋮' for the rest), every drawn pair
    of neighbouring units joined: a dense layer connects each unit to every unit before it."""
    sizes = [N_INPUTS, *config.hidden_units, len(class_names)]
    # the size and the activation on lines of their own: "512 · leaky_relu" was wider than a layer's room
    names = ["input<br>784 pixels", *(f"hidden {i + 1}<br>{u} units<br>{act.short_label(config.activation)}"
                                      for i, u in enumerate(config.hidden_units)),
             f"output<br>{len(class_names)} units<br>softmax"]
    # "10 drawn", under the layer's size: "10 of 512 drawn" was wider than a layer's room with 4 hidden layers
    names = [name + (f"<br><i>{MAX_DRAWN_UNITS} drawn</i>" if size > MAX_DRAWN_UNITS else "")
             for name, size in zip(names, sizes)]
    columns = []
    for size in sizes:
        drawn = min(size, MAX_DRAWN_UNITS)
        ys = np.linspace(1, -1, drawn) * (drawn - 1) / (MAX_DRAWN_UNITS - 1) if drawn > 1 else np.zeros(1)
        columns.append(ys)
    edge_x, edge_y = [], []
    for i in range(len(sizes) - 1):
        for y0 in columns[i]:
            for y1 in columns[i + 1]:
                edge_x += [i, i + 1, None]
                edge_y += [y0, y1, None]
    data = [{"type": "scatter", "x": edge_x, "y": edge_y, "mode": "lines", "hoverinfo": "skip",
             "line": {"color": "rgba(0,0,0,0.12)", "width": 1}, "showlegend": False}]
    annotations = []
    for i, (size, ys) in enumerate(zip(sizes, columns)):
        color = GREY if i == 0 else (ORANGE if i == len(sizes) - 1 else BLUE)
        labels = list(class_names) if i == len(sizes) - 1 else [""] * len(ys)
        data.append({"type": "scatter", "x": [i] * len(ys), "y": ys, "mode": "markers+text", "text": labels,
                     "textposition": "middle right", "textfont": {"size": FONT_SIZE - 3},
                     "marker": {"size": 16, "color": color, "line": {"color": BLACK, "width": 1}},
                     "hovertemplate": f"{names[i].replace('<br>', ': ')}<extra></extra>", "showlegend": False})
        annotations.append({"x": i, "y": -1.12, "text": names[i], "showarrow": False, "yanchor": "top",
                            "font": {"size": FONT_SIZE - 2}})
    layout = base_layout(height=480, margin={"l": 20, "r": 20, "t": 10, "b": 10}, annotations=annotations,
                         xaxis={"visible": False, "range": [-0.4, len(sizes) - 0.4]},
                         yaxis={"visible": False, "range": [-2.05, 1.1]})
    # on a phone, where a layer's lines are wider than its column ('784 pixels128 units', '10 drawn10 drawn' with
    # four hidden layers, a helper's review): short names under the layers, what they stand for once, under them all
    pitch = (PHONE_FIGURE_WIDTH - 40) / len(sizes)  # px per layer: the x range is len(sizes) layers wide
    if max(label_width(line, FONT_SIZE - 2) for name in names for line in name.split("<br>")) > pitch:
        layout = with_narrow_keys(layout, {"annotations": _short_layer_names(config, sizes, annotations)})
    return figure(data, layout)


def _short_layer_names(config: MLPConfig, sizes: Sequence[int], annotations: list[dict]) -> list[dict]:
    """The layer names of ``network_figure`` for a phone: 'h2' and its units under each layer, then one line that
    says what h1 … hk are and how many units are drawn."""
    last = len(sizes) - 1
    short = ["input<br>784"] + [f"h{i}<br>{units}" for i, units in enumerate(config.hidden_units, start=1)] + \
        [f"output<br>{sizes[-1]}"]
    hidden = {2: "h1: the hidden layer", 3: "h1, h2: the hidden layers"}.get(last, f"h1 … h{last - 1}: the hidden layers")
    note = (f"{hidden} ({act.short_label(config.activation)});<br>under each layer its number of units"
            f"<br><i>(at most {MAX_DRAWN_UNITS} of them drawn)</i>")
    return [{**a, "text": text} for a, text in zip(annotations, short)] + [
        {"x": last / 2, "y": -1.55, "text": note, "showarrow": False, "yanchor": "top", "font": {"size": FONT_SIZE - 2}}]


# --- Training curves ------------------------------------------------------------------------------------

# px: the curves' height in Lecture mode. Lecture moment 18 opens the page at the Train button, under the moment bar:
# at 480 px (1.2 times 400) the progress bar under the curves, the epoch and the time left, was below a 720 px screen
CURVES_LECTURE_PX = 410
LOG_LOSS_ABOVE = 100.0  # a loss above this (an exploding run) switches the loss panel to a log scale


# an accuracy as the axis and the metrics write it, a percent (its hover gave 0.9687 beside 97 %, a student's review)
HOVER_FORMAT = {"loss": ".4f", "accuracy": ".2%"}


# A run's colour for its whole life, by its number (run 1, run 2, …): a run drawn blue while it trained turned green
# once it was 'run 1' beside a new blue one (a student's review). Orange (style 1) is left out: dashed, it read as a
# validation line of the blue run.
RUN_STYLES = (0, 2, 3, 4, 5, 6)


def run_style(number: int) -> int:
    """The line_style index of run ``number`` (1, 2, …)."""
    return RUN_STYLES[(number - 1) % len(RUN_STYLES)]


def training_curves_figure(history: TrainingHistory, earlier: Sequence[EarlierRun] = (),
                           total_epochs: int | None = None, config: MLPConfig | None = None,
                           number: int = 1) -> go.Figure:
    """Loss and accuracy against epochs: training (the mean of each window of batches, drawn as it
    trains) and validation (once per epoch), with earlier runs for comparison, and where this run diverged. The
    x axes go to ``total_epochs`` (the epochs this run is to reach) or the last epoch of a run drawn.
    ``config`` gives this run's settings beside the earlier runs' (at η = 10 beside η = 0.1, 'this run' alone did
    not say which was which): the legend names the settings in which the runs drawn differ, each trace's hover all
    of them. ``number`` is this run's: each run keeps its colour (``run_style``)."""
    layout = base_layout(height=400, legend_below=True)
    # no y title on the accuracy panel, whose title says it: in Lecture mode it ran into the loss panel's end
    layout.update(subplot_grid(1, 2, ["loss (cross-entropy)", "accuracy"], x_title="epoch", y_titles=["loss"],
                               h_gap=0.1))
    layout["yaxis2"]["range"] = [0, 1.02]
    layout["yaxis2"]["tickformat"] = ".0%"
    if total_epochs:  # the axis to the epoch planned, or as far as a run drawn goes
        last = max(total_epochs, history.completed_epochs, *(run.history.completed_epochs for run in earlier))
        for suffix in ("", "2"):
            layout[f"xaxis{suffix}"]["range"] = [0, last + 0.05]
    data = []
    drawn = [(f"run {run.number}", run.config.settings(), run.history, run_style(run.number)) for run in earlier]
    drawn.append(("this run", config.settings() if config else (), history, run_style(number)))
    differing = distinguishing_settings([settings for _, settings, *_ in drawn])
    runs = [(f"{name} ({differs})" if earlier and differs else name,
             f"{name}: {written_settings(settings)}" if settings else name, h, style_index)
            for (name, settings, h, style_index), differs in zip(drawn, differing)]
    for k, (label, hover_label, run, style_index) in enumerate(runs):
        current = k == len(runs) - 1
        for panel, metric in enumerate(("loss", "accuracy")):
            suffix = axis_suffix(panel)
            # a run's two lines in its colour, validation dashed: this run's validation in a colour of its own was
            # paired with an earlier run's training by eye (a helper's review: blue and orange beside green and green)
            style = line_style(style_index, width=3 if current else 2)
            val_style = {**style, "dash": "dash"}
            data.append({"type": "scatter", "x": run.steps["epoch"], "y": run.steps[metric], "mode": "lines",
                         "name": f"{label}: training", "legendgroup": f"{label}-train", "showlegend": panel == 0,
                         "line": style, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
                         "hovertemplate": (f"epoch %{{x:.2f}}<br>training {metric} %{{y:{HOVER_FORMAT[metric]}}}"
                                           f"<extra>{hover_label}</extra>")})
            data.append({"type": "scatter", "x": run.epochs["epoch"], "y": run.epochs[f"val_{metric}"],
                         "mode": "lines+markers", "name": f"{label}: validation", "legendgroup": f"{label}-val",
                         "showlegend": panel == 0, "line": val_style, "marker": {"size": 8},
                         "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
                         "hovertemplate": (f"epoch %{{x}}<br>validation {metric} %{{y:{HOVER_FORMAT[metric]}}}"
                                           f"<extra>{hover_label}</extra>")})
    losses = np.array([v for *_, run, _ in runs for v in (*run.steps["loss"], *run.epochs["val_loss"])])
    if not np.isfinite(losses).any():  # nothing yet (queued): where the first points will come, not plotly's −1 … 4
        layout["yaxis"]["range"] = [0, 2.5]  # a 10-class network starts near ln 10 ≈ 2.3
    if np.any(losses[np.isfinite(losses)] > LOG_LOSS_ABOVE):  # an exploding run: 10⁻¹ and 10³⁰ on one axis
        # 10³⁰, not "1000000T"; round ticks near the loss too (plotly's own left 0.3 to 10 unlabelled, moment 19)
        # at most 4 ticks: six decades in Lecture mode's short panel piled up (10⁴ over 10³ over 10², a review)
        # and every decade where most of the losses lie (with 1, 10² and 10⁴ the curves at 0.1-8 had one label)
        layout["yaxis"].update(type="log", exponentformat="power", **log_ticks(losses, most=4, bulk=0.8))
        layout["yaxis"]["title"]["text"] = "loss (log scale)"
    if history.diverged_epoch is not None:
        _mark_divergence(layout, history.diverged_epoch)
    # on a phone the panels one under the other: side by side the accuracy's axis lay on the loss curves; a blank line
    # between the loss panel's 'epoch' and the title 'accuracy' under it, which read as one label (a review)
    names = [trace["name"] for trace in data if trace["showlegend"]]
    layout = with_lecture_view(layout, CURVES_LECTURE_PX)
    return figure(data, with_narrow_keys(layout, one_under_the_other(layout, 2, panel_px=180, title_px=50,
                                                                     legend_rows=legend_rows(names))))


def _mark_divergence(layout: dict, epoch: float) -> None:
    """A dotted vertical line in both panels where the loss became NaN or infinite (nothing is drawn after it)."""
    layout["shapes"] = [*layout.get("shapes", []), *(
        {"type": "line", "xref": f"x{suffix}", "yref": f"y{suffix} domain", "x0": epoch, "x1": epoch, "y0": 0,
         "y1": 1, "line": {"color": BLACK, "width": 2, "dash": "dot"}} for suffix in ("", "2"))]
    layout["annotations"] = [*layout.get("annotations", []), *(
        {"text": "diverged", "x": epoch, "y": 0.5, "xref": f"x{suffix}", "yref": f"y{suffix} domain",
         "xanchor": "left", "showarrow": False, "textangle": -90, "font": {"size": FONT_SIZE - 2, "color": BLACK},
         "hovertext": "the loss became NaN or infinite here: TerminateOnNaN stopped the training"}
        for suffix in ("", "2"))]


# --- Evaluation -----------------------------------------------------------------------------------------


CONFUSION_CELL = 34  # px: a confusion matrix's square, where the figure is wide enough


def confusion_figure(confusion: Array, class_names: Sequence[str], narrow: bool = False) -> go.Figure:
    """The confusion matrix as a grid of squares (rows: true class, columns: predicted), count in each.

    Drawn with markers rather than a heatmap so that a click on a cell selects it in Streamlit. A marker's size is in
    px, not in the axes' units: ``narrow`` (a phone's column) makes the squares as wide as a column there (at 34 px
    each overlapped the next, so that a count read as its neighbour's) and the figure as tall as its rows.
    """
    n = len(class_names)
    margin = {"l": 110, "r": 10, "t": 10, "b": 90}
    cell = CONFUSION_CELL
    if narrow:
        cell = min(cell, (PHONE_FIGURE_WIDTH - margin["l"] - margin["r"]) // n - 2)
    true_idx, pred_idx = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    counts = confusion.ravel()
    row_totals = np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    share = (confusion / row_totals).ravel()
    off_diagonal = (true_idx != pred_idx).ravel()
    # Diagonal (correct) in blue, mistakes in vermilion; the shade is the share of the true class.
    colors = [f"rgba(213,94,0,{0.1 + 0.9 * min(1.0, s * 4):.2f})" if off and c else
              (f"rgba(0,114,178,{0.15 + 0.5 * s:.2f})" if not off else "rgba(0,0,0,0.03)")
              for s, off, c in zip(share, off_diagonal, counts)]
    data = [{"type": "scatter", "x": pred_idx.ravel(), "y": true_idx.ravel(), "mode": "markers+text",
             "text": [str(c) if c else "" for c in counts],
             "textfont": {"size": FONT_SIZE - 2 if cell == CONFUSION_CELL else FONT_SIZE - 3, "color": BLACK},
             "marker": {"symbol": "square", "size": cell, "color": colors, "line": {"width": 0}},
             # a click selects a cell; keep every cell as it was (plotly fades the others by default)
             "unselected": {"marker": {"opacity": 1}, "textfont": {"color": BLACK}},
             "selected": {"marker": {"opacity": 1}, "textfont": {"color": BLACK}},
             "customdata": np.stack([true_idx.ravel(), pred_idx.ravel(), counts], axis=1),
             # written per cell: '1 images', and 'click to see them' on an empty cell (a student's review)
             "hovertext": [f"true {class_names[t]}, predicted {class_names[p]}: {count(int(c), 'image')}"
                           + ("<br>click to see them" if c else "")
                           for t, p, c in zip(true_idx.ravel(), pred_idx.ravel(), counts)],
             "hovertemplate": "%{hovertext}<extra></extra>",
             "showlegend": False}]
    ticks = {"tickvals": list(range(n)), "ticktext": list(class_names), "showgrid": False, "zeroline": False}
    height = 480 if not narrow else n * (cell + 4) + margin["t"] + margin["b"]
    layout = base_layout(height=height, margin=margin,
                         xaxis=axis("predicted class", range=[-0.6, n - 0.4], **ticks),
                         yaxis=axis("true class", range=[n - 0.4, -0.6], **ticks), clickmode="event+select",
                         dragmode=False)
    return figure(data, layout)


def probability_bars(probs: Array, class_names: Sequence[str], true_class: int | None = None,
                     title: str = "class (the digit)") -> go.Figure:
    """One image's softmax output as bars over the classes; the predicted class highlighted, the true one
    outlined."""
    probs = np.asarray(probs, dtype=float)
    predicted = int(np.argmax(probs))
    colors = [VERMILION if (k == predicted and true_class is not None and k != true_class) else
              (BLUE if k == predicted else GREY) for k in range(len(probs))]
    data = [{"type": "bar", "x": list(class_names), "y": probs, "marker": {"color": colors},
             "text": [percent(p) if p >= 0.01 else "" for p in probs], "textposition": "outside",
             "hovertemplate": "%{x}: p = %{y:.4f}<extra></extra>"}]
    layout = base_layout(height=320, xaxis=axis(title, type="category"), yaxis=axis("probability", range=[0, 1.15]))
    if true_class is not None:
        layout["annotations"] = [{"x": class_names[true_class], "y": probs[true_class], "text": "true", "yshift": 22,
                                  "showarrow": False, "font": {"color": BLACK, "size": FONT_SIZE - 2}}]
    return figure(data, layout)


def images_with_probabilities(images: Array, probs: Array, labels: Array, class_names: Sequence[str],
                              captions: Sequence[str] | None = None, slots: int = 6) -> go.Figure:
    """A row of images, each above the bars of its softmax output (the prediction in colour: blue when
    right, vermilion when wrong). At least ``slots`` panel widths, so one image is not blown up. On a phone
    (``layout.meta.narrow``) PHONE_GALLERY_COLUMNS to a row: six in a row were 25 px wide, their captions ran into
    each other and the bars' class numbers into one ('0123456789')."""
    k = len(images)
    data, layout = [], base_layout(height=440, margin={"l": 10, "r": 10, "t": 50, "b": 40})
    captions = list(captions) if captions else []
    for i in range(k):
        img, bars = axis_suffix(i), axis_suffix(k + i)
        predicted = int(np.argmax(probs[i]))
        colors = [VERMILION if c == predicted and c != labels[i] else (BLUE if c == predicted else GREY)
                  for c in range(len(class_names))]
        data.append({"type": "heatmap", "z": np.asarray(images[i], dtype=np.uint8), "colorscale": INK, "zmin": 0, "zmax": 255, "showscale": False,
                     "xaxis": f"x{img}", "yaxis": f"y{img}", "hovertemplate": "pixel %{z:.0f}<extra></extra>"})
        data.append({"type": "bar", "x": list(range(len(class_names))), "y": probs[i], "marker": {"color": colors},
                     "xaxis": f"x{bars}", "yaxis": f"y{bars}", "showlegend": False,
                     "customdata": list(class_names),
                     "hovertemplate": "%{customdata}: p = %{y:.3f}<extra></extra>"})
        if len(captions) <= i:
            captions.append(f"true {class_names[labels[i]]}<br>said {class_names[predicted]} "
                            f"({percent(probs[i][predicted])})")
    layout.update(_gallery_grid(k, max(k, slots), 1, len(class_names), captions))
    rows = -(-k // PHONE_GALLERY_COLUMNS)
    narrow = _gallery_grid(k, PHONE_GALLERY_COLUMNS, rows, len(class_names), captions)
    narrow.update(height=rows * PHONE_GALLERY_ROW_PX + 20, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return figure(data, with_narrow_keys(layout, narrow))


PHONE_GALLERY_COLUMNS = 3
PHONE_GALLERY_ROW_PX = 250  # px: on a phone a row of the gallery: captions, images ~100 px wide, their bars


def _gallery_grid(k: int, cols: int, rows: int, n_classes: int, captions: Sequence[str]) -> dict:
    """The axes and captions of ``k`` images with their bars, ``cols`` to a row in ``rows`` rows: per row, the
    captions' room (a fifth), the image (almost half) and its bars (a quarter) with their class numbers under it."""
    gap = 0.03
    width = (1 - gap * (cols - 1)) / cols
    keys: dict = {"annotations": []}
    for i in range(k):
        row, col = divmod(i, cols)
        top = 1 - row / rows  # the row's top, as a share of the plot's height
        share = 1 / rows
        x0 = col * (width + gap)
        img, bars = axis_suffix(i), axis_suffix(k + i)
        caption_top = top if rows == 1 else round(top - 0.2 * share, 9)  # one row: its captions in the top margin
        image = [round(top - (0.55 if rows == 1 else 0.66) * share, 9), caption_top]
        keys.update(_image_axes(img, x={"domain": [x0, x0 + width], "anchor": f"y{img}"},
                                y={"domain": image, "anchor": f"x{img}"}))
        # Bars by class number (also for Fashion-MNIST's long names); hover gives the name.
        keys[f"xaxis{bars}"] = axis("", domain=[x0, x0 + width], anchor=f"y{bars}", tickvals=list(range(n_classes)),
                                    ticktext=[str(c) for c in range(n_classes)], tickangle=0,
                                    tickfont={"size": FONT_SIZE - 5}, showgrid=False)
        keys[f"yaxis{bars}"] = axis("", domain=[round(top - share + (0.1 * share if rows > 1 else 0), 9),
                                               round(top - (0.62 if rows == 1 else 0.72) * share, 9)],
                                    anchor=f"x{bars}", range=[0, 1], showticklabels=col == 0,
                                    tickfont={"size": FONT_SIZE - 4})
        keys["annotations"].append({"text": captions[i], "x": x0 + width / 2, "y": caption_top, "xref": "paper",
                                    "yref": "paper", "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                                    "font": {"size": FONT_SIZE - 3}})
    return keys


PHONE_BAR_FONT = 12  # px: the bars' labels on a phone


def per_class_accuracy_figure(per_class: Array, class_names: Sequence[str], overall: float,
                              narrow: bool = False) -> go.Figure:
    """Accuracy on each class's test images (its recall), with the overall accuracy as a line. ``narrow`` (a phone's
    column, bars ~21 px wide): each bar's label without its '%' (the axis says it), level and at a readable size;
    '100%' was turned on its side and shrunk to 9 px there (a review)."""
    text = [f"{a * 100:.0f}" if narrow else f"{a:.0%}" for a in per_class]
    data = [{"type": "bar", "x": list(class_names), "y": per_class, "marker": {"color": BLUE}, "name": "per class",
             # at the bars' feet: at their tops the overall line (~90 %) ran through the labels of the best classes
             "text": text, "textposition": "inside", "insidetextanchor": "start", "textangle": 0,
             "textfont": {"color": "white", **({"size": PHONE_BAR_FONT} if narrow else {})},
             "hovertemplate": "%{x}: %{y:.1%} of its test images right<extra></extra>"},
            {"type": "scatter", "x": list(class_names), "y": [overall] * len(class_names), "mode": "lines",
             "name": f"overall {overall:.1%}", "line": {"color": ORANGE, "dash": "dash", "width": 3}}]
    layout = base_layout(height=360, legend_below=True, xaxis=axis("class", type="category"),
                         yaxis=axis("accuracy on this class", range=[0, 1.12], tickformat=".0%"))
    if narrow:  # every label at that size: Plotly shrank '100', a px too wide for its bar, to 10 px
        layout["uniformtext"] = {"mode": "show", "minsize": PHONE_BAR_FONT}
    return figure(data, layout)


# --- Inside the network -----------------------------------------------------------------------------------


# tiles to a row of the weights' mosaic on a phone: eight were 28 px wide there, each 28 × 28 weights in a speck
PHONE_WEIGHT_COLUMNS = 4
PHONE_COLORBAR_PX = 80  # px under the mosaic on a phone: the colour bar lying there, its title and ticks


def first_layer_weights_figure(W: Array, units: int = 16, cols: int = 8,
                               titles: Sequence[str] | None = None, narrow: bool = False) -> go.Figure:
    """The weights into the first ``units`` units of the first Dense layer, each as a 28×28 image:
    what pattern of pixels excites (blue) or inhibits (red) that unit. ``titles`` name the tiles
    (e.g. the classes, when the first Dense layer is the output layer). ``narrow`` (a phone's column):
    PHONE_WEIGHT_COLUMNS tiles to a row at most, as wide as the column allows, the colour bar under them."""
    W = np.asarray(W)
    shown = W[:, :units].T.reshape(-1, 28, 28).astype(np.float32)
    limit = float(np.nanmax(np.abs(shown))) or 1.0
    gap = 8 if titles else 2
    cols = min(cols, PHONE_WEIGHT_COLUMNS) if narrow else cols
    tiles = mosaic(shown, cols, gap=gap)
    colorbar = {"title": {"text": "weight"}, "thickness": 14}
    rows = -(-len(shown) // cols)
    title_px = 30 if titles else 0
    margin = {"l": 10, "r": 10, "t": 30 if titles else 10, "b": 10}
    height = 60 + 115 * rows + title_px * rows
    if narrow:  # the plot as wide as the column, its height from the mosaic's shape (square pixels)
        colorbar.update(orientation="h", y=-0.02, yanchor="top", len=0.9, title={"text": "weight", "side": "top"})
        margin["b"] = PHONE_COLORBAR_PX
        plot_width = PHONE_FIGURE_WIDTH - margin["l"] - margin["r"]
        height = _square_pixels_px(tiles, plot_width) + title_px + margin["t"] + margin["b"]
    data = [{"type": "heatmap", "z": tiles, "colorscale": WEIGHTS_SCALE, "zmid": 0, "zmin": -limit, "zmax": limit,
             "colorbar": colorbar, "hovertemplate": "weight %{z:.3f}<extra></extra>",
             "hoverongaps": False}]  # the white lines between the tiles (NaN) said 'weight NaN'
    layout = base_layout(height=height, margin=margin)
    layout.update(_image_axes())
    if titles:
        layout["annotations"] = [
            {"text": str(title), "x": (i % cols) * (28 + gap) + 13.5, "y": (i // cols) * (28 + gap) - 0.5,
             "xref": "x", "yref": "y", "yanchor": "bottom", "showarrow": False, "font": {"size": FONT_SIZE - 1}}
            for i, title in enumerate(titles[:len(shown)])]
    return figure(data, layout)


def activations_figure(outputs: Sequence[Array], image: Array, class_names: Sequence[str],
                       layer_names: Sequence[str]) -> go.Figure:
    """One image's journey: the image, each hidden layer's activations (a bar per unit), the softmax output."""
    hidden = list(outputs[1:-1])
    panels = 2 + len(hidden)
    titles = ["input image", *layer_names, "output: softmax"]
    layout = base_layout(height=340, margin={"l": 50, "r": 10, "t": 40, "b": 60})
    layout.update(subplot_grid(1, panels, titles, h_gap=0.05))
    layout.update(_image_axes(x={"domain": layout["xaxis"]["domain"], "anchor": "y"},
                              y={"anchor": "x"}))
    data = [{"type": "heatmap", "z": np.asarray(image, dtype=np.uint8), "colorscale": INK, "zmin": 0, "zmax": 255,
             "showscale": False, "hovertemplate": "pixel %{z:.0f}<extra></extra>"}]
    for i, values in enumerate(hidden, start=1):
        suffix = axis_suffix(i)
        data.append({"type": "bar", "x": np.arange(1, len(values) + 1), "y": values, "marker": {"color": BLUE},
                     "xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "showlegend": False,
                     "hovertemplate": "unit %{x}: %{y:.3f}<extra></extra>"})
        layout[f"xaxis{suffix}"]["title"] = {"text": "unit", "font": {"size": FONT_SIZE - 2}}
        if not np.any(values):  # every unit 0 (dead ReLUs after too large steps): an empty panel from −1 to 1 said nothing
            layout[f"yaxis{suffix}"]["range"] = [0, 1]
            layout["annotations"].append({"text": f"all {len(values)} units: 0", "showarrow": False,
                                          "xref": f"x{suffix} domain", "yref": f"y{suffix} domain", "x": 0.5,
                                          "y": 0.5, "font": {"size": FONT_SIZE, "color": BLACK}})
    out = axis_suffix(panels - 1)
    probs = outputs[-1]
    predicted = int(np.argmax(probs))
    data.append({"type": "bar", "x": list(class_names), "y": probs, "xaxis": f"x{out}", "yaxis": f"y{out}",
                 "marker": {"color": [BLUE if k == predicted else GREY for k in range(len(probs))]},
                 "showlegend": False, "hovertemplate": "%{x}: p = %{y:.3f}<extra></extra>"})
    layout[f"xaxis{out}"].update(type="category", tickmode="array", tickvals=list(class_names))
    layout[f"yaxis{out}"].update(range=[0, 1.08], tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1])  # room: a bar of 1 met the title
    # on a phone one under the other: side by side their titles ran into one ('input imagehidden 1: 128 units')
    return figure(data, with_narrow_keys(layout, one_under_the_other(layout, panels, panel_px=160)))


def preprocessing_figure(stages: Sequence[tuple[str, Array, bool]]) -> go.Figure:
    """The preprocessing of a drawn or uploaded digit, stage by stage: (title, image, is it white ink on
    black as MNIST stores it). Each image is drawn as it is stored, 0 black and 255 white, in a frame."""
    n = len(stages)
    layout = base_layout(height=280, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    layout.update(subplot_grid(1, n, [title for title, _, _ in stages], h_gap=0.03))
    for note in layout["annotations"]:
        note["font"]["size"] = FONT_SIZE - 3
    data, shapes = [], []
    for i, (title, image, _mnist_style) in enumerate(stages):
        suffix = axis_suffix(i)
        domain = layout[f"xaxis{suffix}"]["domain"]
        layout.update(_image_axes(suffix, x={"domain": domain, "anchor": f"y{suffix}"}, y={"anchor": f"x{suffix}"}))
        image = np.asarray(image, dtype=np.float32)
        data.append({"type": "heatmap", "z": image, "colorscale": [[0.0, "black"], [1.0, "white"]], "zmin": 0,
                     "zmax": 255, "showscale": False, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}",
                     "hovertemplate": "pixel %{z:.0f}<extra></extra>"})
        h, w = image.shape
        shapes.append({"type": "rect", "xref": f"x{suffix}", "yref": f"y{suffix}", "x0": -0.5, "x1": w - 0.5,
                       "y0": -0.5, "y1": h - 0.5, "line": {"color": GREY, "width": 1}})
    layout["shapes"] = shapes
    return figure(data, layout)
