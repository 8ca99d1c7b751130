"""Every page offers its notebook (issue #16): the page's Keras panel, explanation and key figure as an .ipynb.

The notebook is taken from the page itself: AppTest renders the page, and the test calls the deferred download
the page registered for its "Download as notebook" button (what Streamlit calls when the student presses it).
Each page's notebook, for the page's default settings, is executed top to bottom with nbclient in a fresh
kernel: in an empty folder, without nnviz on the path, offline (every HTTP(S) request goes to a closed port).
What it prints is checked against the numbers the page shows with the same checks as the Keras panels
(test_keras_panels.py): exactly where the numbers are deterministic, within ±1 percentage point for the MNIST
network's trained test accuracy.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
import test_keras_panels as panels
from conftest import HANG_FACTOR, app_test, figures, offline_env, train_on_page, values
from nbclient import NotebookClient
from streamlit.runtime.media_file_manager import MediaFileManager
from widget_states import unfold

from nnviz import activations as A
from nnviz import notebooks
from nnviz.course import PAGES, PAGES_BY_KEY

SPREAD_OVER_PROCESSES = True  # each test renders its own page and starts its own kernel
PAGE_KEYS = [page.key for page in PAGES if page.available]
NOTEBOOK_TIMEOUT = 180 * HANG_FACTOR  # seconds per cell: TensorFlow's import and the MNIST training included
# What a notebook may import (top-level modules) and the package a student installs for each.
ALLOWED_IMPORTS = {"math": None, "csv": None, "numpy": "numpy", "tensorflow": "tensorflow", "keras": "tensorflow",
                   "plotly": "plotly", "sklearn": "scikit-learn", "mlxtend": "mlxtend"}


@pytest.fixture()
def deferred_downloads(monkeypatch) -> dict:
    """file id -> the callable a page registered for a download button with deferred data."""
    registered = {}
    add_deferred = MediaFileManager.add_deferred

    def recording(self, data_callable, *args, **kwargs):
        file_id = add_deferred(self, data_callable, *args, **kwargs)
        registered[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)
    return registered


def page_notebook(at, deferred_downloads) -> nbformat.NotebookNode:
    """The notebook the page's button downloads, read back with nbformat (which validates it)."""
    (button,) = [b for b in at.get("download_button") if b.proto.label == notebooks.NOTEBOOK_LABEL]
    data = deferred_downloads[button.proto.deferred_file_id]()
    return nbformat.reads(data.decode("utf-8"), as_version=4)


def rendered(key: str):
    page = PAGES_BY_KEY[key]
    at = app_test(page.script)
    at.run()
    assert not at.exception
    return page, at


def imported_modules(nb) -> set[str]:
    pattern = re.compile(r"^\s*(?:import|from)\s+(\w+)", re.MULTILINE)
    return {name for cell in nb.cells if cell.cell_type == "code" for name in pattern.findall(cell.source)}


def check_structure(page, at, nb) -> None:
    """Title, explanation with a formula, the Keras panel as shown, a plotly figure; imports a student has."""
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    kinds = [cell.cell_type for cell in nb.cells]
    assert kinds == ["markdown", "markdown", "markdown", "code", "markdown", "code"]
    assert nb.cells[0].source.startswith(f"# {page.title}\n")
    assert "$$" in nb.cells[1].source  # the page's formula
    assert nb.cells[3].source == at.code[-1].value.rstrip("\n")  # the Keras panel, as shown
    assert "plotly" in nb.cells[5].source and "fig.show()" in nb.cells[5].source
    modules = imported_modules(nb)
    assert modules <= set(ALLOWED_IMPORTS), modules - set(ALLOWED_IMPORTS)  # no nnviz, no streamlit
    needed = {ALLOWED_IMPORTS[m] for m in modules} - {None}
    assert needed <= set(nb.cells[0].source.split("`pip install ")[1].split("`")[0].split())


def test_the_notebook_follows_the_settings(deferred_downloads):
    _, at = rendered("softmax")
    panels.apply(at, {"sm_classes": 4, "sm_temperature": 0.35, "sm_true": 2})
    nb = page_notebook(at, deferred_downloads)
    assert "T = 0.35" in nb.cells[3].source and "T = 0.35" in nb.cells[0].source
    assert "true class 2" in nb.cells[0].source
    assert nb.cells[3].source == at.code[-1].value.rstrip("\n")


def test_a_playground_notebook_says_when_the_pages_training_mixed_settings():
    mix = "You changed the learning rate during this training (last after epoch 3)."
    mixed = notebooks.playground_notebook("print(1)", "Circle", (2, 4, 1), 5, settings_mix=mix).cells()[0][1]
    assert mix in mixed and "differ from the page's" in mixed and "the numbers the page showed" not in mixed
    assert "the numbers the page showed" in notebooks.playground_notebook("print(1)", "Circle", (2, 4, 1), 5).cells()[0][1]


def test_a_notebooks_words_write_negative_numbers_with_the_minus_sign_its_code_with_pythons():
    """Its settings line said 'w = (-0.4, 0.5), b = -1' where the page writes −0.4 (a hyphen read as a dash)."""
    made = notebooks.perceptron_notebook("w = [-0.4, 0.5]\nb = -1.0", "AND", (-0.4, 0.5), -1.0)
    words = " ".join(text for kind, text in made.cells() if kind == "markdown")
    assert "w = (−0.4, 0.5), b = −1" in words and not re.search(r"(^|[^\w.)\]$])-\.?\d", re.sub(r"\$[^$]*\$", "", words))
    assert ("code", "w = [-0.4, 0.5]\nb = -1.0") in made.cells()


def test_a_playground_notebook_describes_its_own_output_layer():
    """It said 'the output unit turns the last layer into a class probability' for a regression and for a softmax."""
    def explained(sizes, output):
        return notebooks.playground_notebook("print(1)", "data", sizes, 1, output_activation=output).cells()[1][1]

    assert "probability of class 1" in explained((2, 4, 1), "sigmoid")
    assert "one unit per class" in explained((2, 4, 3), "softmax") and "class 1" not in explained((2, 4, 3), "softmax")
    assert "a regression" in explained((2, 4, 1), "linear") and "probabilit" not in explained((2, 4, 1), "linear")


def test_a_playground_notebook_at_a_chaotic_rate_does_not_promise_the_pages_numbers():
    """At learning rate 10 its intro said the losses it prints are the page's; they came out 0.644 for 1.229."""
    def intro(chaotic):
        return " ".join(text for _, text in notebooks.playground_notebook("print(1)", "data", (2, 4, 1), 5,
                                                                           chaotic=chaotic).cells()[:3])

    assert "are the numbers the page showed." in intro(False) and "chaotic" not in intro(False)
    assert "unless the training is chaotic" in intro(True)


def executed(nb, folder) -> str:
    """Run the notebook top to bottom in a fresh kernel; return what its cells printed. Fails on an error."""
    folder.mkdir(parents=True, exist_ok=True)
    client = NotebookClient(nb, timeout=NOTEBOOK_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.execute(env=offline_env(folder))
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    assert any("application/vnd.plotly.v1+json" in output.get("data", {}) for output in outputs), \
        "the figure cell showed no plotly figure"
    return "".join(output.text for output in outputs if output.output_type == "stream" and output.name == "stdout")


@pytest.mark.parametrize("key", [key for key in PAGE_KEYS if key != "mnist"])
def test_each_page_offers_its_notebook_which_runs_offline_and_prints_the_pages_numbers(key, deferred_downloads,
                                                                                        tmp_path):
    page, at = rendered(key)
    nb = page_notebook(at, deferred_downloads)
    check_structure(page, at, nb)
    panels.PAGE_CHECKS[key](at, executed(nb, tmp_path))


def test_the_mnist_notebook_trains_the_pages_network(deferred_downloads, tmp_path, offline_datasets):
    """The page trains its default network (offline digits, 5 epochs) in a Keras worker; the notebook trains the
    same one itself and reaches the page's test accuracy within ±1 percentage point."""
    page, at = rendered("mnist")
    train_on_page(at)
    nb = page_notebook(at, deferred_downloads)
    check_structure(page, at, nb)
    # it does not promise the page's numbers: a training is not repeated bit for bit
    assert "the numbers the page showed" not in nb.cells[0].source
    assert "within about a percentage point" in nb.cells[0].source
    panels.PAGE_CHECKS["mnist"](at, executed(nb, tmp_path))


def test_the_mnist_notebooks_settings_line_names_the_epochs(deferred_downloads):
    """It named the network, optimiser and batch, not how many epochs the script trains (a helper's review)."""
    _, at = rendered("mnist")
    at.slider(key="mn_epochs").set_value(3).run()
    assert "3 epochs" in page_notebook(at, deferred_downloads).cells[0].source


def test_the_backprop_notebooks_settings_line_names_the_example_and_the_weights_set_by_hand(deferred_downloads):
    """It named the network alone: not the inputs, nor the weights set by hand (a helper's review)."""
    _, at = rendered("backprop")
    unfold(at)
    at.number_input(key="bp_x1").set_value(-3.0)
    at.text_input(key="bp_hand_set").set_value("w(1)_11=5, w(9)_11=1").run()
    first = page_notebook(at, deferred_downloads).cells[0].source
    assert "the example x = (−3, " in first and "set by hand: w(1)_11=5" in first, first
    assert "w(9)_11" not in first  # a weight this network does not have is not used


# The figure cells' other branches, run in this process (Keras is imported once): the step (no gradient), a
# vertical perceptron line, a mini-batch of 4, gradients of 0, a softmax output over three classes, the largest step
# size.
FIGURE_VARIANTS = [
    ("activations", {"neuron_act": "step", "neuron_w": -2.0, "act_range": (-3.0, 12.5)}),
    ("perceptron", {"perc_dataset": "XOR", "perc_w1": 1.0, "perc_w2": 0.0, "perc_b": -0.5}),
    ("perceptron", {}),  # the Iris petals, whose classes have names
    ("gradient_descent", {"gd3_lr": 5.0, "gd3_batch": 1, "gd3_epochs": 1}),
    ("backprop", {"bp_batch": 4}),
    ("backprop", {"bp_activation": "relu", "bp_seed": 4, "bp_label": 0}),  # a unit off: gradients of exactly 0
    ("playground", {"pg_dataset": "blobs3"}),
    ("softmax", {"sm_classes": 10, "sm_temperature": 0.05}),
]


def run_in_process(key: str, settings: dict, deferred_downloads, monkeypatch, capsys=None, clicks: tuple = ()):
    """The page with ``settings`` (then the buttons ``clicks`` pressed), its notebook, and the figure the notebook's
    cells drew (and, with ``capsys``, what they printed), run in this process (Keras is imported once)."""
    import plotly.graph_objects as go

    shown = []
    monkeypatch.setattr(go.Figure, "show", lambda fig, *args, **kwargs: shown.append(fig))
    _, at = rendered(key)
    panels.apply(at, settings)
    for button in clicks:
        at.button(key=button).click().run()
        assert not at.exception
    nb = page_notebook(at, deferred_downloads)
    if capsys is not None:
        capsys.readouterr()
    namespace = {"__name__": "__notebook__"}
    for source in (cell.source for cell in nb.cells if cell.cell_type == "code"):
        exec(compile(source, f"<{key} notebook>", "exec"), namespace)  # noqa: S102
    (fig,) = shown
    return at, nb, fig, (capsys.readouterr().out if capsys is not None else "")


@pytest.mark.parametrize(("key", "settings"), FIGURE_VARIANTS, ids=[key for key, _ in FIGURE_VARIANTS])
def test_the_figure_cell_draws_for_other_settings(key, settings, deferred_downloads, monkeypatch):
    at, nb, fig, _ = run_in_process(key, settings, deferred_downloads, monkeypatch)
    assert fig.data and all(len(trace.x if trace.x is not None else trace.z) for trace in fig.data)
    assert fig.layout.title.text
    if key == "activations":  # over the page's range of x (it was always −6 … 6)
        assert (min(fig.data[0].x), max(fig.data[0].x)) == pytest.approx((-3.0, 12.5))
        assert "x from −3 to 12.5" in nb.cells[0].source
    if key == "perceptron":  # the page's class colours, class 1 (z ≥ 0) blue (they were the other way round)
        from nnviz.figures.perceptron import CLASS_COLORS

        page_points = [t for t in figures(at)["perc_boundary"]["data"] if t.get("mode") == "markers"
                       and not t["name"].startswith("misclassified")]
        names = [t["name"] for t in page_points]  # the page's legend: the classes' names (the notebook's said class 0/1)
        assert len(names) == 2 and [t["marker"]["color"] for t in page_points] == list(CLASS_COLORS)
        points = [t for t in fig.data if t.name in names]
        assert {t.name: t.marker.color for t in points} == dict(zip(names, CLASS_COLORS))
        assert fig.layout.xaxis.title.text == figures(at)["perc_boundary"]["layout"]["xaxis"]["title"]["text"]
    if key == "playground":  # each class in the page's colour (a named scale drew class 1 of three white on white)
        from nnviz.figures.playground import CLASS_COLORS

        assert [colour for _, colour in fig.data[0].colorscale] == [c for c in CLASS_COLORS[:3] for _ in (0, 1)]
    if key == "backprop":  # coloured as the page's 'Which weights matter' (they were the other way round)
        from nnviz.figures.backprop import NEGATIVE, POSITIVE

        colours = list(fig.data[0].marker.color)
        # a gradient of exactly 0 in the page's positive colour, as its edges (it got the negative one)
        assert colours == [POSITIVE if v >= 0 else NEGATIVE for v in fig.data[0].y] and len(set(colours)) == 2
        if settings.get("bp_activation") == "relu":
            assert 0 in list(fig.data[0].y)
    if key == "softmax":  # the same bars as the page's probability chart: values, and the predicted class marked
        page_bars = figures(at)["sm_bars"]["data"][1]
        assert fig.data[0].y == pytest.approx(values(page_bars["y"]), abs=1e-6)
        assert list(fig.data[0].marker.color) == page_bars["marker"]["color"]
        # room above a bar of p = 1 for its value, as on the page (the notebook's axis stopped at 1)
        assert list(fig.layout.yaxis.range) == figures(at)["sm_bars"]["layout"]["yaxis2"]["range"]


GD_FIGURE_STATES = [  # a mini-batch of 1 (the page's 'mini-batch (1) = stochastic'); a stochastic path leaving the frame
    {"gd3_batch": 1, "gd3_lr": 0.1, "gd3_epochs": 5, "gd3_seed": 3},
    {"gd3_batch": 50, "gd3_lr": 5.0, "gd3_epochs": 20, "gd3_seed": 11},  # 4,000 steps: the page thins them
    {"gd3_batch": 50, "gd3_lr": 5.0, "gd3_epochs": 2, "gd3_seed": 11},  # 400 steps, out of the frame at step 2
]


@pytest.mark.parametrize("settings", GD_FIGURE_STATES)
def test_the_gradient_descent_notebook_draws_the_pages_paths(settings, deferred_downloads, monkeypatch):
    """The page's contour plot: its filled Blues surface, its frame, each method's path under the page's name and in
    its colour. The notebook drew Viridis contour lines in a frame of its own and only where the methods ended, in
    plotly's colours (full batch green, the page's mini-batch colour), named without their batch sizes."""
    at, _, fig, _ = run_in_process("gradient_descent", settings, deferred_downloads, monkeypatch)
    page = figures(at)["gd_batches"]
    page_surface, surface = page["data"][0], fig.data[0]
    assert surface.type == "contour"
    assert [list(stop) for stop in surface.colorscale] == page_surface["colorscale"]
    for prop in ("reversescale", "ncontours", "showscale", "opacity"):
        assert surface[prop] == page_surface[prop], prop
    assert surface.contours.coloring == page_surface["contours"]["coloring"]
    page_paths = [t for t in page["data"] if t.get("name") and t.get("mode") == "lines+markers"]
    paths = [t for t in fig.data if t.type == "scatter" and t.showlegend is not False]
    assert [t.name for t in paths] == [t["name"] for t in page_paths]
    assert [(t.line.color, t.marker.color, t.line.dash) for t in paths] == \
        [(t["line"]["color"], t["marker"]["color"], t["line"]["dash"]) for t in page_paths]  # a retraced path dashed
    for notebook_path, page_path in zip(paths, page_paths):  # the same steps (Keras in float32, the page float64)
        steps = values(page_path["text"]).astype(int)
        if np.all(np.diff(steps) == 1):  # every step drawn (the page thins a path of over 400 steps)
            # up to where it leaves the frame, if it does (the notebook drew 4,000 steps of η = 5 over all of it)
            assert len(notebook_path.x) == len(steps)
            assert notebook_path.marker.symbol == page_path["marker"].get("symbol", "circle")  # arrows on short ones
        steps = steps[:-1]  # the page's last point may be cut at its frame's edge
        np.testing.assert_allclose(np.asarray(notebook_path.x)[steps], values(page_path["x"])[:-1], atol=2e-3)
        np.testing.assert_allclose(np.asarray(notebook_path.y)[steps], values(page_path["y"])[:-1], atol=2e-3)
    for axis in ("xaxis", "yaxis"):
        assert list(fig.layout[axis].range) == page["layout"][axis]["range"]
        assert fig.layout[axis].title.text == page["layout"][axis]["title"]["text"]


# 71 of 80 at the end (Keras' float32 0.8874999…); η = 3 for 200 epochs. (With seed 0, η = 3 overshoots so that float32
# and float64 part for epochs 27-49: the curves differ there by up to 6 of the 80 points, the notebook says so.)
LOSS_FIGURE_STATES = [
    {"la_seed": 4, "la_lr": 0.3, "la_epochs": 150},
    {"la_seed": 12, "la_lr": 3.0, "la_epochs": 200},
]


@pytest.mark.parametrize("settings", LOSS_FIGURE_STATES)
def test_the_loss_vs_accuracy_notebook_draws_the_pages_accuracy_per_epoch(settings, deferred_downloads, monkeypatch):
    """The page's figure of 'Train it three ways': the accuracy after each epoch of each way, in its names and styles.
    The notebook drew the data and the trained line, a picture the page does not have."""
    at, _, fig, _ = run_in_process("loss_vs_accuracy", settings, deferred_downloads, monkeypatch)
    page = figures(at)["la_training"]
    assert [(t.name, t.line.color, t.line.dash) for t in fig.data] == \
        [(t["name"], t["line"]["color"], t["line"]["dash"]) for t in page["data"]]
    for curve, page_curve in zip(fig.data, page["data"]):
        np.testing.assert_array_equal(curve.x, values(page_curve["x"]))
        np.testing.assert_allclose(curve.y, values(page_curve["y"]), atol=1e-12, err_msg=curve.name)
    assert list(fig.layout.yaxis.range) == page["layout"]["yaxis"]["range"]
    for axis in ("xaxis", "yaxis"):
        assert fig.layout[axis].title.text == page["layout"][axis]["title"]["text"]


ACTIVATION_FIGURE_STATES = [  # the review's states: Tanh with the step in the chain, a step neuron (its switch at 4/3)
    {"act_range": (-10.0, 10.0), "neuron_act": "tanh", "neuron_w": 2.0, "neuron_b": -1.0,
     "chain_acts": ["sigmoid", "tanh", "step"], "chain_depth": 20, "chain_w": 2.0},
    {"act_range": (-3.0, 8.0), "neuron_act": "step", "neuron_w": -1.5, "neuron_b": 2.0,
     "chain_acts": ["gelu", "leaky_relu", "selu"], "chain_depth": 5, "chain_w": 3.0, "chain_x0": -1.0},
    {"neuron_act": "relu", "neuron_w": 0.1, "neuron_b": -3.0},  # the switch at x = 30, off the plot: no mark
]


@pytest.mark.parametrize("settings", ACTIVATION_FIGURE_STATES)
def test_the_activations_notebook_draws_the_pages_neuron_and_prints_the_step(settings, deferred_downloads, monkeypatch,
                                                                              capsys):
    """The page's 'One neuron' figure: f(x) dashed grey, a = f(w·x + b) blue, under the page's names, and the dotted
    mark where w·x + b = 0. The notebook drew a, da/dx and the table's inputs in plotly's colours. The deep chain's
    Step gets its printed line (the page's table shows 0; the notebook said so only in a comment)."""
    at, _, fig, out = run_in_process("activations", settings, deferred_downloads, monkeypatch, capsys)
    page = figures(at)["neuron"]
    assert [(t.name, t.line.color, t.line.dash, t.line.width) for t in fig.data] == \
        [(t["name"], t["line"]["color"], t["line"].get("dash"), t["line"]["width"]) for t in page["data"]]
    for curve, page_curve in zip(fig.data, page["data"]):
        np.testing.assert_allclose(curve.x, values(page_curve["x"]), atol=1e-5)
        np.testing.assert_allclose(curve.y, values(page_curve["y"]), atol=2e-3)  # float32; a step's jump on the grid
    assert [(s.x0, s.line.color, s.line.dash) for s in fig.layout.shapes] == \
        [(pytest.approx(s["x0"]), s["line"]["color"], s["line"]["dash"]) for s in page["layout"].get("shapes", [])]
    assert [a.text for a in fig.layout.annotations] == [a["text"] for a in page["layout"].get("annotations", [])]
    for axis in ("xaxis", "yaxis"):
        assert fig.layout[axis].title.text == page["layout"][axis]["title"]["text"]
    if "step" in settings.get("chain_acts", []):
        depth = settings["chain_depth"]
        assert f"Step (Heaviside): {A.chain_gradient_title(depth)} = 0\n" in out
        assert panels.table_column(at, "activation")[-1] == "Step (Heaviside)"


PLAYGROUND_FIGURE_STATES = [  # three classes; two (one sigmoid unit); a regression: after 4 epochs each
    {"pg_dataset": "blobs3", "pg_seed": 3},
    {"pg_dataset": "spiral", "pg_shape": "8,8,8", "pg_activation": "relu", "pg_optimizer": "adam", "pg_rate": 0.01,
     "pg_noise": 10, "pg_seed": 3},
    {"pg_dataset": "plane", "pg_noise": 20, "pg_seed": 2},
    # two classes trained on the squared error: the code took the loss for a regression's, printed no accuracy, and
    # the notebook's picture stopped at its undefined 'predicted' (a helper's review)
    {"pg_dataset": "xor", "pg_loss": "squared_error", "pg_shape": "3", "pg_activation": "sigmoid", "pg_rate": 3.0,
     "pg_seed": 17},
]


@pytest.mark.parametrize("settings", PLAYGROUND_FIGURE_STATES, ids=lambda s: s["pg_dataset"] + s.get("pg_loss", ""))
def test_the_playground_notebook_prints_the_test_accuracy_and_draws_each_class_in_its_colour(
        settings, deferred_downloads, monkeypatch, capsys):
    """The page shows the test accuracy where there are classes: the notebook prints it (and its figure's title says
    it); it printed only the losses. Each class is one colour, as on the page: the notebook's colour bar of three
    classes ran from one colour to the next through their blends, and its points were one legend entry, 'training
    points', where the page has 'training: class 0/1/2'."""
    from nnviz.figures.playground import CLASS_COLORS

    at, _, fig, out = run_in_process("playground", settings, deferred_downloads, monkeypatch, capsys,
                                     clicks=("pg_step",) * 4)
    shown = {m.label: m.value for m in at.metric}
    assert shown["epoch"] == "4"
    page_points = [t for t in figures(at)["pg_figure"]["data"]
                   if t.get("name", "").startswith("training:") or t.get("name") == "training points"]
    points = [t for t in fig.data if t.type == "scatter"]
    assert [t.name for t in points] == [t["name"] for t in page_points]
    if "test accuracy" in shown:  # classes
        assert f"test accuracy {shown['test accuracy']}\n" in out
        assert fig.layout.title.text.endswith(f"test accuracy {shown['test accuracy']}")
        assert [t.marker.color for t in points] == [t["marker"]["color"] for t in page_points]
    if len(points) > 2:  # one output unit per class (two classes: one sigmoid unit, its value orange-white-blue)
        heatmap, classes = fig.data[0], len(points)
        assert heatmap.showscale is False  # the page has no colour bar; its legend names the classes
        # each class's value (0, 1, …) falls inside a band of its own colour, away from the band's edges
        for c in range(classes):
            where = (c - heatmap.zmin) / (heatmap.zmax - heatmap.zmin)
            below = [colour for edge, colour in heatmap.colorscale if edge <= where - 0.5 / classes + 1e-9]
            above = [colour for edge, colour in heatmap.colorscale if edge >= where + 0.5 / classes - 1e-9]
            assert below[-1] == above[0] == CLASS_COLORS[c]
    if "test accuracy" not in shown:  # a regression: no accuracy, on the page or in the notebook
        assert "accuracy" not in out and "accuracy" not in fig.layout.title.text
    assert list(fig.layout.xaxis.range) == list(fig.layout.yaxis.range) == figures(at)["pg_figure"]["layout"]["xaxis2"]["range"]


PERCEPTRON_FIGURE_STATES = [  # the review's XOR (its wrong point (1, 1)) and noisy blobs (10 wrong); Iris; w = 0
    {"perc_dataset": "XOR", "perc_w1": 1.0, "perc_w2": 1.0, "perc_b": -0.5},
    {"perc_dataset": "Noisy, overlapping blobs", "perc_seed": 7, "perc_w1": 1.5, "perc_w2": -0.8, "perc_b": 0.3},
    {"perc_w1": -1.0, "perc_w2": -1.0, "perc_b": 3.2},
    {"perc_dataset": "AND", "perc_w1": 0.0, "perc_w2": 0.0, "perc_b": 1.0},
]


@pytest.mark.parametrize("settings", PERCEPTRON_FIGURE_STATES)
def test_the_perceptron_notebook_draws_the_pages_figure(settings, deferred_downloads, monkeypatch):
    """The page's figure: the sides of the line shaded in their class's colour, class 1 as squares, each wrong point
    ringed in vermilion ('misclassified (n)'), the line and its w arrow, the axes fixed to the data. The notebook drew
    every point as a circle, the wrong ones as crosses in their class colour ('0 (false), wrong'), and let plotly
    range the axes over its line (XOR: x₂ down to -1 where the page stops at -0.5)."""
    at, _, fig, _ = run_in_process("perceptron", settings, deferred_downloads, monkeypatch)
    page = figures(at)["perc_boundary"]

    def markers(traces):
        return [(t["name"], t["marker"]["color"], t["marker"].get("symbol"), t["marker"]["size"]) for t in traces
                if t.get("mode") == "markers"]

    assert markers(fig.to_plotly_json()["data"]) == markers(page["data"])
    for notebook_points, page_points in zip([t for t in fig.data if t.mode == "markers"],
                                            [t for t in page["data"] if t.get("mode") == "markers"]):
        np.testing.assert_allclose(notebook_points.x, values(page_points["x"]))
        np.testing.assert_allclose(notebook_points.y, values(page_points["y"]))
    lines = [(t.name, {"black": "#000000"}.get(t.line.color)) for t in fig.data
             if t.mode == "lines" and t.showlegend is not False]
    assert lines == [(t["name"], t["line"]["color"]) for t in page["data"]
                     if t.get("mode") == "lines" and t.get("showlegend", True)]
    if settings["perc_w1"] or settings["perc_w2"]:
        regions = [(t.fillcolor, t.opacity) for t in fig.data if t.fill == "toself"]
        assert regions == [(t["fillcolor"], t["opacity"]) for t in page["data"] if t.get("fill") == "toself"]
        assert [(a.text, a.arrowcolor, a.xanchor, a.yanchor) for a in fig.layout.annotations] == \
            [(a["text"], a.get("arrowcolor"), a.get("xanchor"), a.get("yanchor"))
             for a in page["layout"].get("annotations", [])]
    for axis in ("xaxis", "yaxis"):
        assert list(fig.layout[axis].range) == pytest.approx(page["layout"][axis]["range"])
        assert fig.layout[axis].title.text == page["layout"][axis]["title"]["text"]
