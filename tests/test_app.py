"""The app shell: navigation, home page, lecture mode, and no TensorFlow on the numpy pages."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import HANG_FACTOR, ROOT, app_test, figures, texts
from widget_states import open_tab, tab_sets

from nnviz import ui
from nnviz.course import OBJECTIVES, PAGES, pages_for_objective

NUMPY_PAGES = ["app_pages/activations.py", "app_pages/softmax.py", "app_pages/perceptron.py",
               "app_pages/gradient_descent.py", "app_pages/loss_vs_accuracy.py", "app_pages/backprop.py"]
# The MNIST page loads TensorFlow only when a student presses Train.
WITHOUT_TENSORFLOW_UNTIL_ASKED = [*NUMPY_PAGES, "app_pages/mnist.py"]


def test_home_lists_every_objective_with_its_pages():
    at = app_test()
    assert not at.exception
    shown = "\n".join(m.value for m in at.markdown)
    for text in OBJECTIVES.values():
        assert text in shown
    links = {link.proto.page for link in at.get("page_link")}  # the pages' url paths
    # and the lecture plan, otherwise only in the sidebar that Lecture mode folds (a lecturer's review)
    assert links == {p.key for p in PAGES if p.available} | {"lecture_plan"}
    assert [t.key for t in at.toggle] == ["lecture_mode"]  # the shared sidebar


def test_home_says_in_preparation_only_while_a_page_is():
    """The home page once promised pages 'in preparation' when every page had landed."""
    import dataclasses

    from nnviz import course

    at = app_test()
    assert all(p.available for p in PAGES)
    assert "in preparation" not in "\n".join(m.value for m in at.markdown)

    unfinished = (*PAGES[:-1], dataclasses.replace(PAGES[-1], script=None))
    original = course.PAGES
    course.PAGES = unfinished
    try:
        at = app_test()
    finally:
        course.PAGES = original
    assert not at.exception
    assert "still being written" in "\n".join(m.value for m in at.markdown)


def test_no_pages_directory_next_to_app_py():
    """A folder named pages/ beside the entrypoint switches Streamlit to its old multipage mode:
    a deep link such as /softmax would then run the page without app.py (no sidebar, no layout)."""
    assert not (ROOT / "pages").exists()


def test_every_objective_is_served_by_some_page():
    for key in OBJECTIVES:
        assert pages_for_objective(key), key


def test_lecture_mode_scales_up_every_figure():
    at = app_test("app_pages/softmax.py")
    normal = {k: f["layout"]["font"]["size"] for k, f in figures(at).items()}
    # AppTest runs a page script on its own, without app.py's sidebar: set the toggle's state directly.
    # The real toggle is exercised in the browser test.
    at.session_state["lecture_mode"] = True
    at.run()
    assert not at.exception
    lecture_figures = figures(at)
    lecture = {k: f["layout"]["font"]["size"] for k, f in lecture_figures.items()}
    assert set(normal.values()) == {16} and set(lecture.values()) == {22}
    bars = lecture_figures["sm_bars"]["layout"]
    assert bars["xaxis"]["tickfont"]["size"] == 21 and bars["yaxis2"]["title"]["font"]["size"] == 22
    assert bars["annotations"][0]["font"]["size"] == 22  # subplot titles


def test_a_figure_is_made_ready_for_the_browser_once_per_mode(monkeypatch):
    """ui.drawn keeps a figure's JSON on it (a cached figure is shared and never changed); Lecture mode has its own."""
    from nnviz import ui
    from nnviz.figures.style import axis, base_layout, figure, figure_json

    fig = figure([{"type": "scatter", "x": [0, 1], "y": [1, 0]}], base_layout(xaxis=axis("x")))
    monkeypatch.setattr(ui, "lecture_mode", lambda: False)
    plain = ui.drawn(fig)
    assert ui.drawn(fig) is plain and plain == (420, figure_json(fig))
    monkeypatch.setattr(ui, "lecture_mode", lambda: True)
    lecture = ui.drawn(fig)
    assert ui.drawn(fig) is lecture and lecture[0] > plain[0]
    assert json.loads(lecture[1])["layout"]["font"]["size"] == 22


@pytest.mark.parametrize("page", [*NUMPY_PAGES, "app_pages/playground.py", "app_pages/mnist.py"])
def test_every_figure_is_sent_the_same_whether_plotly_validated_it_or_not(page, monkeypatch):
    """The app builds its figures without plotly's validation (nnviz.figures.style.validating: it costs more than the
    figure); what the browser gets must not change, in either mode. Compared as parsed JSON (the order of keys may
    differ), for each page's figures at their defaults."""
    sent = {}
    for validate in ("1", "0"):
        monkeypatch.setenv("NNVIZ_VALIDATE_FIGURES", validate)
        ui.clear_figure_caches()  # else the second pass gets the first one's figures
        at = app_test(page)
        plain = figures(at)
        at.session_state["lecture_mode"] = True
        at.run()
        assert not at.exception
        sent[validate] = (plain, figures(at))
    validated, built = sent["1"], sent["0"]
    assert validated[0] and set(validated[0]) == set(built[0])
    for mode in (0, 1):
        for key, fig in validated[mode].items():
            assert built[mode][key] == fig, (page, key, "lecture" if mode else "normal")


def test_numpy_pages_render_without_importing_tensorflow():
    """Run each page in a fresh interpreter and look at sys.modules (TensorFlow costs ~0.6 GB, 3 s).
    The MNIST page too: until Train is pressed it shows data and the network without Keras. Every tab
    of a page is opened (only the open tab's content runs)."""
    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT / 'tests')!r})
from conftest import app_test
from widget_states import open_tab, tab_sets
result = {{}}
for page in {WITHOUT_TENSORFLOW_UNTIL_ASKED!r}:
    at = app_test(page)
    failed = bool(at.exception)
    for key, labels in tab_sets(at).items():
        for label in labels:
            open_tab(at, key, label)
            failed = failed or bool(at.exception)
    result[page] = {{"exception": failed,
                     "tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules}}
print(json.dumps(result))
"""
    out = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120 * HANG_FACTOR)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for page in WITHOUT_TENSORFLOW_UNTIL_ASKED:
        assert result[page] == {"exception": False, "tensorflow": False, "keras": False}, page


# Legends under a plot placed by a share of the plot's height on purpose: the Playground's network figure, whose
# axes are drawn in parts of it (its legends under the network and under the loss curve are placed for its layouts).
LEGENDS_PLACED_BY_SHARE = {"pg_figure"}


@pytest.mark.parametrize("page", [*NUMPY_PAGES, "app_pages/playground.py", "app_pages/mnist.py"])
def test_a_legend_under_a_plot_stands_at_the_figures_bottom_clear_of_the_x_axis(page):
    """A horizontal legend under the plot at a share of the plot's height (y = −0.22 of it) lay on the x axis's title
    wherever its rows made the plot shorter: gradient descent's loss curves at 1600 px with the sidebar folded (a
    helper's review; the browser test of that view is in tests/test_browser.py). Every such legend, in every tab and
    in Lecture mode too, is placed from the figure's bottom (yref "container"), which plotly.js keeps clear of the
    axis by widening the margin."""
    at = app_test(page)
    runs = [figures(at)]
    for key, labels in tab_sets(at).items():
        for label in labels:
            open_tab(at, key, label)
            runs.append(figures(at))
    at.session_state["lecture_mode"] = True
    at.run()
    runs.append(figures(at))
    placed_by_share = []
    for shown in runs:
        for key, fig in shown.items():
            layout = fig["layout"]
            for name in (k for k in layout if k.startswith("legend")):
                legend = layout[name]
                if legend.get("orientation") == "h" and legend.get("y", 1) < 0 and legend.get("yref") != "container":
                    placed_by_share.append((key, name, legend["y"]))
    assert runs[0] and {key for key, _, _ in placed_by_share} <= LEGENDS_PLACED_BY_SHARE, placed_by_share


@pytest.mark.parametrize(("height", "drawn"), [(400, 480), (450, 540), (533, 560), (560, 560), (590, 560), (640, 560), (641, 641), (800, 800)])
def test_lecture_mode_figures_grow_or_shrink_a_little_to_fit_a_projector_unless_far_taller(height, drawn):
    from nnviz import ui

    assert round(height * ui.lecture_height_factor(height)) == drawn
    assert ui.lecture_height_factor(None) == ui.LECTURE_HEIGHT_FACTOR


def test_a_figure_can_ask_for_less_of_the_projector_and_the_mnist_curves_do(monkeypatch):
    """``with_lecture_view``: the training curves are drawn 410 px tall in Lecture mode, not 1.2 x 400 = 480 (lecture
    moment 18: the progress bar under them was below a 720 px screen); other figures keep the rule above."""
    from nnviz import ui
    from nnviz.figures.mnist import CURVES_LECTURE_PX, training_curves_figure
    from nnviz.figures.style import base_layout, figure, figure_height, with_lecture_view
    from nnviz.mlp import TrainingHistory

    monkeypatch.setattr(ui, "lecture_mode", lambda: True)
    curves = training_curves_figure(TrainingHistory(), total_epochs=5)
    assert figure_height(curves) == 400 and figure_height(ui.for_the_screen(curves)) == CURVES_LECTURE_PX == 410
    plain = figure([], base_layout(height=400))
    assert figure_height(ui.for_the_screen(plain)) == 480
    assert figure_height(ui.for_the_screen(figure([], with_lecture_view(base_layout(height=300), 500)))) == 360


def test_a_figure_drawn_in_place_names_the_code_that_draws_it_instead_of_carrying_it():
    """Each figure's message carried the 5.6 kB that draws it (a fifth to a third of what a slider's redraw sent):
    it now carries a loader of static/nnviz_figure.js, which the server serves (server.enableStaticServing) and the
    browser loads once a page (tests/test_browser.py sees it loaded once and every figure drawn)."""
    import tomllib

    from nnviz import ui

    at = app_test("app_pages/softmax.py")
    sent = [e.proto for e in at.get("bidi_component") if e.proto.component_name == ui.FIGURE_COMPONENT]
    assert len(sent) == 4 and all(len(p.js_content) < 600 and ui.FIGURE_MODULE in p.js_content for p in sent)
    module = (ROOT / "static" / ui.FIGURE_MODULE).read_text()
    assert "export function drawFigure(" in module and "const drawInPlace = async" in module
    assert "drawInPlace" not in ui.figure_loader(True)  # the Playground's live figure starts with it, too
    assert module in ui.figure_loader(False)  # a server without the app's config: the code in every message
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableStaticServing"] is True
    # a figure's message is kept by the browser (and a reference sent for it) from this size on: figures of 2 kB
    assert config["global"]["minCachedMessageSize"] <= 2000 < min(len(p.SerializeToString()) for p in sent)


@pytest.mark.parametrize("page", [*NUMPY_PAGES, "app_pages/playground.py", "app_pages/mnist.py"])
def test_no_bracket_is_left_alone_before_a_formula(page):
    """'**flattens** ($T > 1$)': the line broke between '(' and the formula, a '(' alone at a line's end in lecture
    moment 16 (a helper's review). Brackets around a formula go inside it: $(T > 1)$."""
    at = app_test(page)
    texts = [m.value for m in (*at.markdown, *at.caption)]
    assert not [t for t in texts if "($" in t]


@pytest.mark.parametrize("page", [*NUMPY_PAGES, "app_pages/playground.py", "app_pages/mnist.py"])
def test_no_number_is_written_in_python_s_e_notation(page):
    """'loss after 10 steps: 1.759e-07' on a projector reads as 1.759 times e minus 7, and beside an equation's
    6.781·10⁻⁵ as another number (a lecturer's review): texts, metrics and tables write a power of ten as one."""
    from widget_states import open_tab, tab_sets

    at = app_test(page)
    runs = [shown_text(at)]
    for key, labels in tab_sets(at).items():  # only the open tab runs: Backpropagation's other four wrote
        for label in labels:  # 'h = 1e-06', '8.5e-12' and '2.07e+10' (a student's review)
            open_tab(at, key, label)
            runs.append(shown_text(at))
    assert not re.findall(r".{0,30}\de[-+]?\d.{0,10}", "\n".join(runs))


def shown_text(at) -> str:
    """What a run writes: its texts and metrics, its tables' and data tables' cells, its select sliders' options
    (the Playground's rate slider wrote 1e-05)."""
    cells = [str(v) for table in (*at.table, *at.dataframe) for v in table.value.to_numpy().ravel()]
    options = [str(o) for slider in at.select_slider for o in slider.options]
    return "\n".join([texts(at), *cells, *options])


def test_a_page_s_objectives_say_which_other_pages_serve_them():
    """The activations page listed the course's objective 'why softmax is used in the output layer' and never spoke
    of softmax (a student's review): each objective names the other pages that serve it."""
    at = app_test("app_pages/activations.py")
    served = at.expander[0].markdown[0].value
    lines = {line.split(" *(also on: ")[0].removeprefix("- "): line for line in served.splitlines()}
    assert "Softmax output" in lines[OBJECTIVES["activations"]]
    for key in PAGES[1].objectives:  # the activations page's
        others = [p.title for p in pages_for_objective(key) if p.key != "activations" and p.available]
        assert lines[OBJECTIVES[key]].endswith(f" *(also on: {', '.join(others)})*"), key
