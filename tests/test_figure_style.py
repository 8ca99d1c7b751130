"""Lecture mode's figures (nnviz.figures.style.scaled_fonts): larger, never under 18 px, dark axis text."""

from __future__ import annotations

import itertools
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from nnviz.figures.style import (
    BLACK,
    BLUES,
    DARK_TEXT,
    LECTURE_FONT_FACTOR,
    LECTURE_MIN_FONT,
    axis,
    base_layout,
    bracketing_log_axis,
    figure,
    log_ticks,
    plain_text,
    scaled_fonts,
    subscript,
    superscript,
    ticks_clear_of_the_corner,
)

pytestmark = pytest.mark.unit


def a_figure() -> go.Figure:
    layout = base_layout(legend_below=True, xaxis=axis("epoch"), yaxis=axis("loss", type="log"),
                         xaxis2=axis("w"), annotations=[{"text": "note", "font": {"size": 12}, "x": 0, "y": 0}])
    data = [{"type": "scatter", "x": [1, 2], "y": [1, 2], "mode": "markers+text", "text": ["a", "b"],
             "textfont": {"size": 13}}]
    return figure(data, layout)


def test_every_font_grows_and_none_stays_under_the_minimum():
    fig = scaled_fonts(a_figure(), 22 / 16, 1.2)
    assert fig.layout.font.size == 22
    assert fig.layout.xaxis.title.font.size == 22 and fig.layout.xaxis.tickfont.size == 21
    assert fig.layout.annotations[0].font.size == LECTURE_MIN_FONT  # 12 × 1.375 = 16.5: raised to 18
    assert fig.data[0].textfont.size == LECTURE_MIN_FONT  # text on a trace too
    assert fig.layout.height == int(420 * 1.2)


def test_axis_text_is_dark_on_every_axis():
    fig = scaled_fonts(a_figure(), 22 / 16)
    for name in ("xaxis", "yaxis", "xaxis2"):
        assert fig.layout[name].tickfont.color == DARK_TEXT
        assert fig.layout[name].title.font.color == DARK_TEXT


def test_a_legend_below_stays_at_the_figures_bottom_and_one_placed_by_a_share_moves_down():
    """base_layout's legend below the plot is placed from the figure's bottom (plotly.js keeps it clear of the x axis,
    whatever the fonts); a legend placed at a share of the plot's height (the Playground's) moves down with the
    larger axis text, and the bottom margin makes room for it."""
    fig = scaled_fonts(a_figure(), 22 / 16)
    assert (fig.layout.legend.yref, fig.layout.legend.y, fig.layout.legend.yanchor) == ("container", 0, "bottom")
    assert fig.layout.yaxis.nticks == 4  # log ticks thinned
    before = a_figure()
    placed = figure(before.data, {**before.to_dict()["layout"],
                                  "legend": {"orientation": "h", "y": -0.13, "yanchor": "top"}})
    moved = scaled_fonts(placed, 22 / 16)
    assert moved.layout.legend.y < placed.layout.legend.y < 0
    assert moved.layout.margin.b > placed.layout.margin.b


def test_the_original_figure_is_left_as_it_was():
    fig = a_figure()
    scaled_fonts(fig, 22 / 16)
    assert fig.layout.font.size == 16 and fig.data[0].textfont.size == 13 and fig.layout.xaxis.tickfont.color is None


def test_a_figure_drawn_in_place_is_sent_whole_with_the_theme_as_its_template():
    import json

    import plotly.io as pio

    from nnviz.figures.style import IN_PLACE_TEMPLATE, figure_json

    fig = a_figure()
    fig.layout.template = go.layout.Template(layout={"hoverlabel": {"bgcolor": "#000038"}})  # as Streamlit's
    sent = json.loads(figure_json(fig))
    expected = json.loads(pio.to_json(fig))
    expected["layout"]["template"] = IN_PLACE_TEMPLATE
    assert sent == expected and "#000038" not in json.dumps(sent)
    assert fig.layout.template.layout.hoverlabel.bgcolor == "#000038"  # the figure itself keeps it


def test_the_tests_validate_every_figure_and_the_app_does_not(monkeypatch):
    """A misspelt property fails in the tests (conftest sets NNVIZ_VALIDATE_FIGURES=1); the app, which skips
    plotly's validation to save its cost at every slider move, builds the figure as given."""
    misspelt = [{"type": "scatter", "x": [0, 1], "y": [1, 0], "colour": "red"}]
    with pytest.raises(ValueError, match="colour"):
        figure(misspelt, base_layout())
    monkeypatch.setenv("NNVIZ_VALIDATE_FIGURES", "0")
    assert figure(misspelt, base_layout()).to_plotly_json()["data"][0]["colour"] == "red"


def test_markers_that_hold_their_text_grow_with_it_and_others_keep_their_size():
    """A diagram's units are markers around their text: in Lecture mode they grow by the font factor, or the larger
    numbers would spill out of them. Other markers (data points) keep their size."""
    from nnviz.figures.style import HOLDS_TEXT

    units = {"type": "scatter", "mode": "markers+text", "x": [0], "y": [0], "text": ["0.77"], "meta": HOLDS_TEXT,
             "textfont": {"size": 16}, "marker": {"size": 54}}
    points = {"type": "scatter", "mode": "markers", "x": [1], "y": [1], "marker": {"size": 10}}
    lecture = scaled_fonts(figure([units, points], base_layout()), 1.5)
    assert lecture.data[0].marker.size == 81 and lecture.data[0].textfont.size == 24
    assert lecture.data[1].marker.size == 10


def test_the_app_sends_its_figures_from_their_dicts_and_builds_plotly_objects_only_when_asked(monkeypatch):
    """In the app ``figure`` keeps the dicts (an UnbuiltFigure): its JSON and its Lecture-mode copy are made from
    them, equal to what the validated go.Figure gives, and plotly's object tree is built only when an attribute of
    the go.Figure is read."""
    import json

    from nnviz.figures.style import UnbuiltFigure, figure_height, figure_json, plotly_figure

    def made() -> go.Figure:
        fig = a_figure()
        # an axis range is one of the keys plotly leaves as a list, not a typed array
        return figure([*fig.to_dict()["data"], {"type": "bar", "x": np.arange(3), "y": np.array([0.5, 1.0, 2.0])}],
                      fig.to_dict()["layout"] | {"xaxis2": {"range": np.array([0.0, 2.5])}})

    validated = made()
    monkeypatch.setenv("NNVIZ_VALIDATE_FIGURES", "0")
    unbuilt = made()
    assert isinstance(unbuilt, UnbuiltFigure) and not isinstance(validated, UnbuiltFigure)
    assert json.loads(figure_json(unbuilt)) == json.loads(figure_json(validated))
    scaled = scaled_fonts(unbuilt, 22 / 16, 1.2)
    assert isinstance(scaled, UnbuiltFigure)
    assert json.loads(figure_json(scaled)) == json.loads(figure_json(scaled_fonts(validated, 22 / 16, 1.2)))
    assert figure_height(scaled) == figure_height(validated) * 1.2 == 504
    assert getattr(unbuilt, "_nnviz_drawn", None) is None  # a private name is not looked up in plotly's figure
    assert "built" not in vars(unbuilt) and "built" not in vars(scaled)  # nothing above built a go.Figure
    assert unbuilt.data_and_layout[1]["font"]["size"] == 16  # scaling left the original as it was
    assert unbuilt.layout.height == 420 and unbuilt.data[1].y[2] == 2.0  # a go.Figure's attributes: built now
    assert isinstance(plotly_figure(unbuilt), go.Figure) and plotly_figure(validated) is validated


@pytest.mark.parametrize("array", [
    np.linspace(0, 1, 60), np.random.default_rng(0).random((60, 10))[:, 3], np.random.default_rng(1).random((5, 7)),
    np.random.default_rng(2).random((4, 3)).T, np.linspace(0, 1, 30, dtype=np.float32), np.arange(5, dtype=np.int32),
    np.arange(300), np.arange(3, dtype=np.uint64), np.array([]), np.array([True, False]), np.array(["a", "b"]),
], ids=lambda a: f"{a.dtype}{a.shape}")
def test_arrays_go_as_the_typed_arrays_plotly_makes(array):
    """style._typed_array skips plotly's read-only copy; the spec must be plotly's, views and transposes included."""
    from _plotly_utils.utils import to_typed_array_spec

    from nnviz.figures.style import _typed_array

    ours, plotlys = _typed_array(array), to_typed_array_spec(array)
    if isinstance(plotlys, np.ndarray):  # a type plotly.js does not read: left as an array by both
        assert isinstance(ours, np.ndarray) and np.array_equal(ours, plotlys)
    else:
        assert ours == plotlys


def test_boxes_behind_labels_fit_their_text_and_grow_with_it_in_lecture_mode():
    """``text_boxes``: one white box per label, as wide as its characters (tags left out) and a line of it tall;
    in Lecture mode the boxes grow with the text, or the larger labels would stick out of them."""
    from nnviz.figures.style import TEXT_BOXES, text_boxes

    boxes = text_boxes([0, 1], [0, 0], ["0.3", "<b>-0.00686</b>"], 14)
    assert boxes["meta"] == TEXT_BOXES and boxes["mode"] == "markers" and boxes["marker"]["symbol"] == "line-ew"
    short, long = boxes["marker"]["size"]
    assert 0.55 * 14 * 3 <= short < long and 0.55 * 14 * 8 <= long <= 14 * 8  # 8 characters, not the tags' 15
    assert boxes["marker"]["line"]["width"] >= 14  # as tall as the text
    text = {"type": "scatter", "mode": "text", "x": [0, 1], "y": [0, 0], "text": ["0.3", "-0.00686"],
            "textfont": {"size": 14}}
    lecture = scaled_fonts(figure([boxes, text], base_layout()), 1.5)
    assert list(lecture.data[0].marker.size) == [round(1.5 * short), round(1.5 * long)]
    assert lecture.data[0].marker.line.width == round(1.5 * boxes["marker"]["line"]["width"])
    assert lecture.data[0].marker.line.width >= lecture.data[1].textfont.size


def test_a_legend_beside_the_plot_goes_below_it_in_narrow_places_only():
    """``legend_below_when_narrow``: layout.meta.narrow (drawn by nnviz.ui's figures in place where their column is
    narrower than ``below``) lays the legend out in rows under the plot, the figure taller by those rows; the layout
    for wider places is left as it was; Lecture mode scales the narrow legend's font once (its dicts are copies)."""
    from nnviz.figures.style import LEGEND_ROW, NARROW_BELOW, has_narrow_layout, legend_below_when_narrow

    layout = base_layout(xaxis=axis("T"))
    narrowed = legend_below_when_narrow(layout, rows=3)
    assert {k: v for k, v in narrowed.items() if k != "meta"} == layout and "orientation" not in layout["legend"]
    narrow = narrowed["meta"]["narrow"]
    assert narrow["below"] == NARROW_BELOW
    legend = narrow["layout"]["legend"]
    assert (legend["orientation"], legend["yref"], legend["y"], legend["yanchor"]) == ("h", "container", 0, "bottom")
    assert narrow["layout"]["height"] == layout["height"] + 3 * LEGEND_ROW
    assert narrow["layout"]["margin"]["b"] == layout["margin"]["b"] + 3 * LEGEND_ROW
    fig = figure([{"type": "scatter", "x": [1], "y": [1], "name": "a"}], narrowed)
    assert has_narrow_layout(fig) and not has_narrow_layout(figure([], layout))
    lecture = scaled_fonts(fig, 1.5).to_dict()["layout"]
    assert lecture["meta"]["narrow"]["layout"]["legend"]["font"]["size"] == round(1.5 * layout["legend"]["font"]["size"])


def test_a_narrow_layout_says_how_tall_its_plot_is_so_the_browser_can_keep_it_in_any_column():
    """``legend_under_the_plot_when_narrow`` reckons the narrow height for a phone; its ``meta.narrow.plot`` tells the
    browser the plot to keep where the column or the text differs (Lecture mode with the sidebar open squeezed the
    Iris plot to 77 px): {"aspect": height per px of width} for axes of equal scale, else {"px": its height}. Later
    narrow keys keep it; the perceptron's figures give their data box's shape."""
    from nnviz.figures.perceptron import decision_boundary_figure
    from nnviz.figures.style import LEGEND_ROW, PHONE_X_AXIS_PX, legend_under_the_plot_when_narrow, with_narrow_keys

    layout = base_layout(xaxis=axis("x"), legend_below=True)
    fixed = legend_under_the_plot_when_narrow(layout, 200, 2)
    assert fixed["meta"]["narrow"]["plot"] == {"px": 200}
    assert fixed["meta"]["narrow"]["layout"]["height"] == layout["margin"]["t"] + 200 + PHONE_X_AXIS_PX + 2 * LEGEND_ROW
    shaped = with_narrow_keys(legend_under_the_plot_when_narrow(layout, 134, 2, aspect=0.5), {"annotations": []})
    assert shaped["meta"]["narrow"]["plot"] == {"aspect": 0.5} and shaped["meta"]["narrow"]["layout"]["annotations"] == []
    X = np.array([[0.0, 0.0], [8.0, 2.0], [4.0, 1.0]])
    wide = decision_boundary_figure(X, np.array([0, 1, 1]), np.array([1.0, -1.0]), 0.0).to_dict()["layout"]
    x_range, y_range = wide["xaxis"]["range"], wide["yaxis"]["range"]
    aspect = (y_range[1] - y_range[0]) / (x_range[1] - x_range[0])
    assert wide["meta"]["narrow"]["plot"] == {"aspect": pytest.approx(aspect)} and 0.2 < aspect < 0.5


def test_legend_rows_follow_plotly_one_row_if_all_fit_else_columns_as_wide_as_the_widest_entry():
    from nnviz.figures.style import PHONE_PLOT_WIDTH, legend_rows

    assert legend_rows(["class 0 (argmax)", "class 1"]) == 1  # side by side in a phone's 268 px
    assert legend_rows(["class 0 (argmax)", "class 1", "class 2"]) == 3  # columns of 'class 0 (argmax)': one a row
    assert legend_rows(["η = 0.25", "η = 0.8", "η = 1.1", "minimum"]) == 2  # two a row
    assert legend_rows(["η = 0.25", "η = 0.25, β = 0.9", "η = 0.8", "minimum"]) == 4
    assert legend_rows(["η = 0.25", "η = 0.8", "η = 1.1", "minimum"], width=4 * PHONE_PLOT_WIDTH) == 1


def test_grouped_legends_flow_each_entry_as_wide_as_itself_and_a_br_adds_a_line():
    from nnviz.figures.style import grouped_legend_lines, legend_rows

    paths = ["η = 0.25", "η = 0.25, β = 0.9", "η = 0.8", "minimum"]
    assert grouped_legend_lines(paths, 268) == 2  # 96 + 159 px, then 89 + 89 px
    assert legend_rows(paths, 268) == 4  # the same entries without groups: columns of the widest, one a row
    assert grouped_legend_lines(["plain", "stops here<br>(L − L<sub>min</sub> < 10⁻¹⁵)"], 1000) == 2  # one row, 2 lines
    assert grouped_legend_lines(["a" * 60, "b"], 268) == 2  # an entry wider than the legend has a row of its own
    assert grouped_legend_lines([], 268) == 0
    rng = np.random.default_rng(4)
    for _ in range(200):  # without <br>, never more rows than the ungrouped columns
        names = ["x" * n for n in rng.integers(1, 30, rng.integers(1, 9))]
        assert grouped_legend_lines(names, 268) <= legend_rows(names, 268)


@pytest.mark.parametrize("low, high", [(-3.75, 2.5), (0.25, 6.5), (-1.0, 11.5), (-2.0, 2.0), (0.3, 0.71), (-40, 95)])
def test_side_by_side_panels_get_round_ticks_none_near_either_edge(low, high):
    """The gradient-descent panels' x ticks: where one panel's last tick met the next one's first, '3−3' was read."""
    from nnviz.figures.gradient_descent import PANEL_TICKS
    from nnviz.figures.style import round_ticks

    values = round_ticks(low, high, **PANEL_TICKS)
    steps = np.diff(values)
    span = high - low
    assert len(values) >= 2 and np.allclose(steps, steps[0])
    mantissa = steps[0] / 10.0 ** np.floor(np.log10(steps[0]) + 1e-9)
    assert any(np.isclose(mantissa, m) for m in (1, 2, 5))
    smaller = steps[0] * {1: 0.5, 2: 0.5, 5: 0.4}[round(mantissa)]  # the round step below it: 5 → 2, 2 → 1, 1 → 0.5
    assert span / steps[0] <= 6 < span / smaller  # the smallest round step that gives at most 6
    assert all(low + 0.08 * span <= v <= high - 0.08 * span for v in values)
    assert values[0] - steps[0] < low + 0.08 * span and values[-1] + steps[0] > high - 0.08 * span  # none left out
    assert round_ticks(low, high, **PANEL_TICKS) and round_ticks(1.0, 1.0) == [] and round_ticks(0, np.inf) == []


def test_ten_classes_name_every_class_and_write_no_value_smaller_than_the_rest():
    """Softmax with 10 classes: the rotated 'class k' ticks named every other class and the bars' values were shrunk
    to 3-10 px to fit the bars. Now the ticks are 0-9 under the title 'class', and a value that would be written
    smaller than 12 px (18 in Lecture mode) is not written (hover and the page's table have it); 3 classes unchanged."""
    from nnviz.figures import softmax as figs

    logits = np.linspace(-2, 3, 10)
    probs = np.exp(logits) / np.exp(logits).sum()
    for fig in (figs.logits_and_probabilities_figure(logits, probs), figs.gradient_figure(probs - np.eye(10)[2], 2)):
        for name in [k for k in fig.layout.to_plotly_json() if k.startswith("xaxis")]:
            ax = fig.layout[name]
            assert list(ax.ticktext) == [str(k) for k in range(10)] and list(ax.tickvals) == figs.class_names(10)
            assert ax.title.text == "class"
        assert (fig.layout.uniformtext.minsize, fig.layout.uniformtext.mode) == (figs.BAR_TEXT_MIN, "hide")
        lecture = scaled_fonts(fig, 22 / 16)
        assert lecture.layout.uniformtext.minsize == LECTURE_MIN_FONT
    few = figs.logits_and_probabilities_figure(logits[:3], probs[:3] / probs[:3].sum())
    assert few.layout.xaxis.ticktext is None and few.layout.xaxis2.ticktext is None


def test_the_activation_legend_takes_the_rows_lecture_mode_needs():
    """With 7 or more functions the overlay's legend above the panels outgrew its fixed 90 px in Lecture mode and
    became a scroll box hiding its first row: the top margin now holds as many rows as the legend takes there."""
    from nnviz import activations as act
    from nnviz.figures.activations import activation_figure
    from nnviz.figures.style import LECTURE_FONT_FACTOR, LEGEND_ROW

    x = np.linspace(-6, 6, 101)
    margins = {n: activation_figure(x, [act.get(k) for k in list(act.ACTIVATIONS)[:n]], side_by_side=False,
                                    saturation_tol=0.05).layout.margin.t for n in (1, 3, 5, 7, 10)}
    assert margins[1] == margins[3] == 70  # one row, the legend's title beside its entries
    assert margins[3] < margins[5] <= margins[7] < margins[10]
    assert margins[10] >= 3 * LEGEND_ROW * LECTURE_FONT_FACTOR  # the title and two rows of entries at least



def test_the_activation_overlay_of_up_to_three_functions_shrinks_to_a_lecture_moments_view():
    """Lecture moment 4 (sigmoid, tanh, ReLU) drew the overlay 707 px tall, its strip of saturated ranges under the
    projector's edge: up to three functions it is at most SHRINKS_TO_THE_VIEW (Lecture mode draws it 560 px); with
    more, its panels give way down to their lowest height."""
    from nnviz import activations as act
    from nnviz.figures.activations import OVERLAY_PANELS_PX, activation_figure
    from nnviz.figures.style import LECTURE_VIEW_HEIGHT, SHRINKS_TO_THE_VIEW, lecture_height_factor

    x = np.linspace(-6, 6, 101)
    heights = {n: activation_figure(x, [act.get(k) for k in list(act.ACTIVATIONS)[:n]]).layout.height
               for n in range(1, len(act.ACTIVATIONS) + 1)}
    for n in (1, 2, 3):
        assert heights[n] <= SHRINKS_TO_THE_VIEW, heights
        assert heights[n] * lecture_height_factor(heights[n]) <= LECTURE_VIEW_HEIGHT
    assert heights[10] > SHRINKS_TO_THE_VIEW and min(OVERLAY_PANELS_PX) < max(OVERLAY_PANELS_PX)
    assert sorted(heights.values()) == list(heights.values()), heights  # never shorter with more functions

@pytest.mark.parametrize("low, high", [(1, 3), (0.004, 1), (2e-3, 0.9), (1e-4, 1), (2, 60), (1e-7, 1e4), (1e-16, 3),
                                       (5e-6, 2e-5), (0.03, 40), (1e-300, 1e300)])
def test_log_ticks_are_at_most_six_round_numbers_inside_the_values_and_never_plotlys_small_in_between_digits(low,
                                                                                                            high):
    ticks = log_ticks([low, np.sqrt(low) * np.sqrt(high), high, 0, -1, np.nan, np.inf])  # non-positive ones left out
    values, texts = ticks["tickvals"], ticks["ticktext"]
    assert 2 <= len(values) <= 6 and values == sorted(values) and len(texts) == len(values)
    assert all(low * (1 - 1e-9) <= v <= high * (1 + 1e-9) for v in values)
    mantissas = {round(v / 10.0 ** np.floor(np.log10(v) + 1e-9)) for v in values}
    assert mantissas <= {1, 2, 3, 5}
    if np.log10(high / low) >= 3:  # wide ranges: powers of ten, evenly spaced
        assert mantissas == {1} and len(set(np.round(np.diff(np.log10(values)), 6))) == 1
    for value, text in zip(values, texts):
        shown = plain_text(text.replace("·", "*").replace("10<sup>", "10**(").replace("</sup>", ")").replace("−", "-"))
        assert eval(shown) == pytest.approx(value, rel=1e-9), text  # the text says the tick's value


@pytest.mark.parametrize("low, high", [(0.0082, 0.44), (3.6e-20, 0.17), (1.2e-13, 1.2e7), (0.004, 1), (2, 60),
                                       (1e-300, 1e300)])
def test_a_bracketing_log_axis_has_a_labelled_tick_at_or_past_each_end_of_the_values(low, high):
    """The Backpropagation page's spread of the activations ran up to 0.44 over a top tick of 0.2, and its gradients
    to 0.17 over 10⁻³: a line above the top tick cannot be read (a helper's review)."""
    values = [low, np.sqrt(low) * np.sqrt(high), high]
    keys = bracketing_log_axis(values)
    ticks = keys["tickvals"]
    assert ticks[0] <= low * (1 + 1e-9) or low < 1e-290
    assert ticks[-1] >= high * (1 - 1e-9) or high > 1e290
    assert len(ticks) <= 8 and ticks == sorted(ticks) and set(log_ticks(values)["tickvals"]) <= set(ticks)
    assert keys["range"][0] < np.log10(ticks[0]) and keys["range"][1] > np.log10(ticks[-1])  # the outer ticks shown
    inner = log_ticks(values)["tickvals"]
    if {round(v / 10.0 ** np.floor(np.log10(v) + 1e-9)) for v in inner} == {1}:  # powers of ten: one step on
        assert np.allclose(np.diff(np.log10(ticks)), np.log10(inner[1] / inner[0]))


@pytest.mark.parametrize("values, texts", [
    ([1, 1e5], ["1", "10", "10²", "10³", "10⁴", "10⁵"]),  # was '100000' beside another surface's '10⁴'
    ([1e-5, 100], ["10⁻⁵", "10⁻³", "10⁻¹", "10"]),
    ([0.01, 100], ["0.01", "0.1", "1", "10", "100"]),  # no large or small ones: plain
    ([2000, 50000], ["2·10³", "5·10³", "10⁴", "2·10⁴", "5·10⁴"]),
])
def test_a_log_axis_writes_all_its_ticks_as_powers_or_none(values, texts):
    """Gradient descent's loss curves wrote '100000' on one surface and '10⁴' on the next (a review): a tick that
    needs an exponent, or one of 10⁴ or more, writes every tick of its axis as a power of ten."""
    def shown(text):
        digits = dict(zip("−0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return re.sub(r"<sup>(.*?)</sup>", lambda m: "".join(digits[c] for c in plain_text(m.group(1))), text)

    assert [shown(t) for t in log_ticks(values)["ticktext"]] == texts
    powers = any("<sup>" in t for t in log_ticks(values)["ticktext"])  # the same on an axis with a tick more
    wider = bracketing_log_axis(values)["ticktext"]
    assert all("<sup>" in t or t in ("1", "10") for t in wider) if powers else not any("<sup>" in t for t in wider)


def test_a_bracketing_log_axis_continues_the_1_2_5_series():
    assert bracketing_log_axis([0.0082, 0.44])["ticktext"] == ["0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5"]
    assert bracketing_log_axis([0.01, 0.2])["tickvals"] == log_ticks([0.01, 0.2])["tickvals"]  # ends on ticks: as is


def test_log_ticks_leave_plotly_its_own_where_fewer_than_two_round_numbers_fit():
    assert log_ticks([1.1, 1.9]) == {} and log_ticks([]) == {} and log_ticks([0, -3, np.nan]) == {}
    assert log_ticks([0.004, 1])["ticktext"] == ["0.01", "0.03", "0.1", "0.3", "1"]
    assert log_ticks([1e-7, 1e4])["ticktext"] == ["10" + superscript(f"{k}".replace("-", "−")) for k in (-7, -5, -3, -1)] + [
        "10", "10" + superscript("3")]


def test_exponents_and_subscripts_are_drawn_at_91_percent_not_plotlys_70():
    """Plotly draws <sup>/<sub> at 70 % of the text: a 21 px tick's exponent in Lecture mode was 14.7 px, under the
    18 px a projected figure's text needs; the span inside brings it to 0.7 × 1.3 = 91 %."""
    assert superscript("−5") == '<sup><span style="font-size:130%">−5</span></sup>'
    assert subscript("k") == '<sub><span style="font-size:130%">k</span></sub>'
    lecture_ticks = scaled_fonts(a_figure(), LECTURE_FONT_FACTOR, 1.0).layout.yaxis.tickfont.size
    assert 0.7 * 1.3 * lecture_ticks >= LECTURE_MIN_FONT > 0.7 * lecture_ticks


def test_every_log_axis_of_the_figures_has_its_ticks_chosen():
    """Plotly's own log ticks write 2 and 5 between decades at 3/4 size: 15.75 px in Lecture mode (under its 18)."""
    from nnviz.figures.activations import chain_gradient_figure
    from nnviz.figures.backprop import delta_by_layer_figure, one_step_figure, spread_figure
    from nnviz.figures.gradient_descent import learning_rate_sweep_figure, loss_curves_figure
    from nnviz.figures.mnist import training_curves_figure
    from nnviz.gradient_descent import SURFACES, descend
    from nnviz.mlp import TrainingHistory

    ravine = SURFACES["ravine"]
    paths = {f"η = {rate}": descend(ravine.loss, ravine.grad, np.array(ravine.start, dtype=float), rate, 10) for rate in (0.02, 0.05)}
    rates = np.geomspace(1e-4, 3, 40)
    exploded = TrainingHistory(steps={"epoch": [0.25, 0.5, 0.75, 1.0], "loss": [2.3, 4.1, 3.9e4, 4.2],
                                      "accuracy": [0.1, 0.1, 0.1, 0.1]},
                               epochs={"epoch": [1], "loss": [1e4], "accuracy": [0.1], "val_loss": [4.0],
                                       "val_accuracy": [0.1]})
    figures = [loss_curves_figure(paths), learning_rate_sweep_figure(rates, 2 + np.cos(rates), {"suggested": 0.01}),
               chain_gradient_figure({"sigmoid": 0.25 ** np.arange(1, 9), "ReLU": np.ones(8)}),
               one_step_figure(rates, 1 / (1 + rates), 0.9, 0.5, 0.6),
               delta_by_layer_figure(np.array([1e-3, 0.1, 2.0]), ["layer 1", "layer 2", "output"]),
               spread_figure({"small": (np.array([1.0, 0.3, 0.1, 0.03]), np.array([1e-6, 1e-4, 1e-2, 1.0]))}, {"small": "small"}),
               training_curves_figure(exploded)]  # moment 19: only 10² and 10⁴ were labelled, the plateau at 4 not
    for fig in figures:
        layout = fig.to_dict()["layout"]
        log_axes = [key for key, value in layout.items() if key[:5] in ("xaxis", "yaxis") and value.get("type") == "log"]
        assert log_axes, fig.layout.title
        for key in log_axes:
            assert len(layout[key]["tickvals"]) >= 2, key


@pytest.mark.parametrize("low, high", [(-0.5, 1.5), (0, 1.08), (0, 3.3), (-0.31, 2.9), (-2.5, 7.3), (0, 1e-9),
                                       (-1e6, 3e6)])
def test_ticks_clear_of_the_corner_are_round_evenly_spaced_and_leave_the_bottom_free(low, high):
    values = ticks_clear_of_the_corner(low, high)["tickvals"]
    steps = np.diff(values)
    assert 2 <= len(values) <= 6 and np.allclose(steps, steps[0])
    mantissa = steps[0] / 10.0 ** np.floor(np.log10(steps[0]) + 1e-9)
    assert any(np.isclose(mantissa, m) for m in (1, 2, 2.5, 5))
    assert all(low + 0.05 * (high - low) <= v <= high for v in values)  # none at the corner with the x axis
    assert values[0] - low <= steps[0] * 1.05 + 0.05 * (high - low)  # the lowest is the first one above it


@pytest.mark.parametrize("chosen_loss, text", [(6.92, "L = 6.92 ↑"), (np.inf, "L = ∞ ↑"), (np.nan, "L = NaN ↑")])
def test_one_step_curve_marks_a_loss_above_its_axis_at_the_top_with_its_value(chosen_loss, text):
    """Lecture plan moment 11: at η = 56 and 100 the mini-batch's loss (3.8, 6.9) lay above the axis's top (3 × the
    loss before) and 'your η' vanished from the plot."""
    from nnviz.figures.backprop import one_step_figure

    rates = np.geomspace(1e-3, 100, 81)
    fig = one_step_figure(rates, np.linspace(0.7, 7, 81), 0.7, 100.0, chosen_loss).to_dict()
    top = fig["layout"]["yaxis"]["range"][1]
    mark = next(t for t in fig["data"] if t["name"] == "your η")
    assert top == pytest.approx(2.1 * 1.08) and list(mark["y"]) == [top]
    assert mark["marker"]["symbol"] == "triangle-up" and not mark["cliponaxis"]
    [value] = fig["layout"]["annotations"]
    assert value["text"] == text and (value["x"], value["y"]) == (2.0, top) and value["xanchor"] == "right"
    assert value["font"]["color"] == BLACK  # not the mark's orange: 2.2:1 on white, too faint for a projector
    below = one_step_figure(rates, np.linspace(0.7, 7, 81), 0.7, 0.01, 0.69).to_dict()
    mark = next(t for t in below["data"] if t["name"] == "your η")
    assert list(mark["y"]) == [0.69] and mark["marker"]["symbol"] == "diamond" and "annotations" not in below["layout"]


def test_figures_whose_axes_meet_on_round_numbers_leave_the_corner_to_the_x_axis():
    """AND / XOR (box −0.5 to 1.5 on both axes) and the one-step loss curve (y from 0, the first rate at the left):
    the two axes' first labels ran into each other at 1280x720 in Lecture mode (moments 2, 3 and 11 of the plan)."""
    from nnviz import data
    from nnviz.figures.backprop import one_step_figure
    from nnviz.figures.perceptron import decision_boundary_figure

    gate = data.logic_gate("AND")
    boundary = decision_boundary_figure(gate.X, gate.y, np.array([1.0, 1.0]), -1.5).to_dict()["layout"]
    assert boundary["yaxis"]["range"] == [-0.5, 1.5] and boundary["yaxis"]["tickvals"] == [0, 0.5, 1, 1.5]
    rates = np.geomspace(1e-3, 10, 30)
    curve = one_step_figure(rates, 1 / (1 + rates), 0.9, 0.5, 0.6).to_dict()["layout"]
    assert curve["xaxis"]["tickvals"][0] == pytest.approx(1e-3) and 0 not in curve["yaxis"]["tickvals"]


def test_a_right_panels_y_title_is_dropped_on_a_phone_only():
    """On a phone the right panel's y title ('f′(x)', 'p', '|∂L/∂z|') landed inside the panel left of it, on its
    curves or bars (a helper's review at 390 px): a layout for narrow places draws that axis untitled; wider places
    keep it. A legend already moved for narrow places stays moved."""
    from nnviz import activations as act
    from nnviz.figures.activations import activation_figure
    from nnviz.figures.losses import bce_vs_mse_figure
    from nnviz.figures.softmax import logits_and_probabilities_figure
    from nnviz.figures.style import NARROW_BELOW, legend_below_when_narrow, titles_off_when_narrow

    figures = {"f′(x)": activation_figure(np.linspace(-6, 6, 101), [act.get("sigmoid"), act.get("relu")]),
               "p": logits_and_probabilities_figure(np.array([2.0, 1.0, 0.1]), np.array([0.66, 0.24, 0.1])),
               "|∂L/∂z|": bce_vs_mse_figure(np.linspace(0.01, 0.99, 50), 0.3)}
    for title, fig in figures.items():
        layout = fig.to_dict()["layout"]
        assert layout["yaxis2"]["title"]["text"] == title
        narrow = layout["meta"]["narrow"]
        assert narrow["below"] == NARROW_BELOW and narrow["layout"]["yaxis2"]["title"]["text"] == ""
        assert {k: v for k, v in narrow["layout"]["yaxis2"].items() if k != "title"} == {
            k: v for k, v in layout["yaxis2"].items() if k != "title"}
    # softmax's left panel too: its 'z' stood 30 px left of its tick labels, and the panel's title says 'logits z'
    bars = figures["p"].to_dict()["layout"]
    assert bars["yaxis"]["title"]["text"] == "z" and bars["meta"]["narrow"]["layout"]["yaxis"]["title"]["text"] == ""
    both = titles_off_when_narrow(legend_below_when_narrow({"height": 400, "margin": {"b": 40}, "yaxis2": {}}, 2),
                                  ["yaxis2"])
    assert set(both["meta"]["narrow"]["layout"]) == {"legend", "margin", "height", "yaxis2"}


def test_side_by_side_activations_stand_one_under_the_other_on_a_phone():
    """Three to a row on a phone were 71 px wide and their titles ran into each other: the narrow layout gives each
    function a full-width panel, top to bottom in the chosen order, its title just above it."""
    from nnviz import activations as act
    from nnviz.figures.activations import PHONE_PANEL_PX, activation_figure
    from nnviz.figures.style import NARROW_BELOW

    chosen = [act.get(k) for k in ("sigmoid", "tanh", "relu", "elu")]
    layout = activation_figure(np.linspace(-6, 6, 101), chosen, side_by_side=True).to_dict()["layout"]
    narrow = layout["meta"]["narrow"]
    assert narrow["below"] == NARROW_BELOW
    stacked = narrow["layout"]
    suffixes = ["", "2", "3", "4"]
    domains = [stacked[f"yaxis{s}"]["domain"] for s in suffixes]
    assert all(stacked[f"xaxis{s}"]["domain"] == [0, 1] for s in suffixes)
    assert all(upper[0] > lower[1] for upper, lower in itertools.pairwise(domains))  # in order, apart
    plot = stacked["height"] - stacked["margin"]["t"] - stacked["margin"]["b"]
    assert all(round((top - bottom) * plot) == PHONE_PANEL_PX for bottom, top in domains)
    titles = stacked["annotations"]
    assert [t["text"] for t in titles] == [t["text"] for t in layout["annotations"]]
    assert [(t["x"], t["y"]) for t in titles] == [(0.5, top) for _, top in domains]
    assert layout["xaxis2"]["domain"][0] > 0  # the wide layout keeps its row


def test_two_columns_of_panels_are_further_apart_on_a_phone_their_titles_with_them():
    """On a phone the right column's tick labels ran into the left panels' edges ('0.25' read '−0.25' against a grid
    line): a layout for narrow places widens the gap between the columns, every right-hand axis (activations' strip
    too) and each column's title moving with its column, a wide title only as far right as it fits."""
    from nnviz import activations as act
    from nnviz.figures.activations import activation_figure
    from nnviz.figures.losses import sweep_figure
    from nnviz.figures.style import PHONE_PANEL_GAP, wider_gap_when_narrow

    overlay = activation_figure(np.linspace(-6, 6, 101), [act.get("sigmoid"), act.get("relu")]).to_dict()["layout"]
    narrow = overlay["meta"]["narrow"]["layout"]
    width = (1 - PHONE_PANEL_GAP) / 2
    assert narrow["xaxis"]["domain"] == [0.0, width]
    assert narrow["xaxis2"]["domain"] == narrow["xaxis3"]["domain"] == [1 - width, 1.0]
    assert overlay["xaxis2"]["domain"][0] < 1 - width  # the wide layout keeps its gap
    assert [round(a["x"], 6) for a in narrow["annotations"]] == [round(width / 2, 6), round(1 - width / 2, 6)]
    assert narrow["yaxis2"]["title"]["text"] == ""  # and the right panel's y title still off
    values = np.linspace(-3, 3, 31)
    sweep = {k: np.zeros(31) for k in ("accuracy", "d_accuracy", "bce", "d_bce", "mse", "d_mse")}
    sweep["accuracy_jumps"] = np.array([0.5])
    layout = sweep_figure(values, sweep, 0.0, "w1").to_dict()["layout"]
    titles = {a["text"]: a["x"] for a in layout["meta"]["narrow"]["layout"]["annotations"] if a.get("xref") == "paper"}
    assert titles["d(cross-entropy) / dw1"] < titles["d(MSE) / dw1"] == pytest.approx(1 - width / 2)  # pulled in
    assert titles["accuracy"] == titles["cross-entropy"] == pytest.approx(width / 2)
    plain = wider_gap_when_narrow({"xaxis": {"domain": [0, 0.45]}, "xaxis2": {"domain": [0.55, 1]}})
    assert plain["meta"]["narrow"]["layout"]["xaxis2"] == {"domain": [1 - width, 1.0]}


def test_the_mnist_weights_are_drawn_blue_where_positive_and_red_where_negative(monkeypatch):
    """As the page's text says (blue pixels push the unit up). The scale went to the browser by its name, "RdBu",
    which plotly.js draws blue at the low end: positive weights were red. (The tests' validated figures had plotly's
    stops for the name, red at the low end: what the app sends is built without validation.)"""
    import json

    from nnviz.figures.mnist import first_layer_weights_figure
    from nnviz.figures.style import figure_json

    monkeypatch.setenv("NNVIZ_VALIDATE_FIGURES", "0")
    W = np.zeros((784, 2))
    W[0, 0], W[1, 0] = 1.0, -1.0
    sent = json.loads(figure_json(first_layer_weights_figure(W, units=2, cols=2)))["data"][0]
    stops = sent["colorscale"]
    assert isinstance(stops, list), stops  # by its stops: a name is read differently by plotly.js and plotly.py

    def rgb(stop) -> tuple[int, ...]:
        return tuple(int(v) for v in stop[1].strip("rgb()").split(","))

    low, high = rgb(stops[0]), rgb(stops[-1])
    assert low[0] > low[2] and high[2] > high[0]  # red at zmin (negative), blue at zmax (positive)
    assert sent["zmin"] == -sent["zmax"]  # white at 0


def test_a_colorscale_by_name_is_refused_where_figures_are_validated():
    """plotly.js and plotly read some names differently, and validation (the tests') turns a name into plotly's
    stops: the tests would check another figure than the app draws."""
    with pytest.raises(ValueError, match="RdBu"):
        figure([{"type": "heatmap", "z": [[0, 1]], "colorscale": "RdBu"}], base_layout())
    with pytest.raises(ValueError, match="Viridis"):
        figure([{"type": "scatter", "x": [0], "y": [0], "marker": {"color": [0], "colorscale": "Viridis"}}],
               base_layout())
    assert figure([{"type": "heatmap", "z": [[0, 1]], "colorscale": BLUES}], base_layout()).data[0].zmax is None


def test_a_3d_scene_keeps_its_font_sizes_in_lecture_mode_and_its_legend_stands_under_it():
    """Gradient descent's 3-D surface in Lecture mode: its ticks, scaled to 22 px, came out ~30 px high in
    perspective, bold, cut at the figure's bottom ('−ɔ'), and the legend 0.22 of the height below the scene left
    the surface a third of the figure (a helper's review). The scene's fonts keep their size and turn dark."""
    from nnviz import gradient_descent as gd
    from nnviz.figures.gradient_descent import surface_figure
    from nnviz.figures.style import DARK_TEXT, FONT_SIZE, LECTURE_FONT_FACTOR

    surface = gd.SURFACES["ravine"]
    w1, w2, loss = gd.loss_grid(surface.loss, surface.box, 20)
    paths = {"η = 0.1": gd.descend(surface.loss, surface.grad, np.array(surface.start), 0.1, 10)}
    fig = surface_figure(w1, w2, loss, paths, surface.box)
    lecture = scaled_fonts(fig, LECTURE_FONT_FACTOR)
    for name in ("xaxis", "yaxis", "zaxis"):
        drawn, projected = fig.layout.scene[name], lecture.layout.scene[name]
        assert projected.tickfont.size == drawn.tickfont.size == FONT_SIZE
        assert projected.title.font.size == drawn.title.font.size > FONT_SIZE
        assert projected.tickfont.color == projected.title.font.color == DARK_TEXT
    assert fig.layout.legend.yref == lecture.layout.legend.yref == "container" and fig.layout.legend.y == lecture.layout.legend.y == 0
    assert lecture.layout.legend.font.size == round(fig.layout.legend.font.size * LECTURE_FONT_FACTOR)  # 2-D text
