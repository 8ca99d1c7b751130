"""Widget fuzz (issue #7): every input widget on every page at its extremes and at random values.

Each page is driven by a seeded random sequence of interactions: pick one enabled input widget of the
current run (slider, select slider, number input, select box, radio, checkbox, toggle, multiselect, text
input), set it to its minimum, its maximum or a random valid value, rerun, and check that

- the run raised no exception (DESIGN.md rule 5), and
- no NaN/inf reaches the user (figure data, figure text, metrics, tables, text) unless the page also
  shows an explanation (an alert or caption mentioning divergence, NaN, overflow, ...).

Buttons are never pressed (Train/Continue and the learning-rate finder load TensorFlow and train for
seconds), except for one small training in ``test_fuzz_mnist_after_training``, which then fuzzes the
evaluation widgets that only appear after a training. No test downloads anything: as in
test_page_mnist.py, ``mnist_data.load_dataset`` fails its downloads as if offline.

A failure names the seed, the page and every (widget, value) set so far; ``replay(page, steps)``
repeats such a sequence:

    cd tests && python -c "from test_fuzz import replay; replay('app_pages/softmax.py', [('sm_shift', 1000.0)])"

Set NNVIZ_FUZZ_SEED to explore other sequences. Run with: pytest tests/test_fuzz.py -m load -s
"""

from __future__ import annotations

import math
import os
import re
import time
import zlib

import numpy as np
import pytest
from conftest import app_test, cells, figures, hyphens_as_minus_signs, train_on_page, wait_for_training
from widget_states import choose_value, find_widget, input_widgets, open_tab, set_widget, tab_sets, unfold, widget_id

from nnviz.course import PAGES

pytestmark = pytest.mark.load

SEED = int(os.environ.get("NNVIZ_FUZZ_SEED", "20250607"))
HOME = "app_pages/home.py"
SCRIPTS = [HOME] + [p.script for p in PAGES if p.script]
# Interactions per page (≥ 500 in all, with the post-training MNIST fuzz): home has only the sidebar toggle.
INTERACTIONS = {HOME: 12}
DEFAULT_INTERACTIONS = 90
POST_TRAINING_INTERACTIONS = 60
TRAIN_TIMEOUT = 180


# An explanation a user can read next to a NaN/inf.
# "not drawn": points left out on purpose, e.g. exact zeros on a log axis, steps that leave the plot.
EXPLANATION = re.compile(r"diverg|\bnan\b|not a number|overflow|infinit|∞|blew up|blow up|not drawn", re.IGNORECASE)
# A number formatted by Python that is not one: "nan", "-inf", "nan%" (a word like "infinite" is not).
NOT_A_NUMBER = re.compile(r"(?<![A-Za-z\\_.])[-+]?(nan|inf|infinity)(?![A-Za-z_(])", re.IGNORECASE)
NOT_A_NUMBER_LOWER = re.compile(r"(?<![A-Za-z\\_.])[-+]?(nan|inf)(?![A-Za-z_(])")  # Python's own spelling
NUMERIC_TRACE_FIELDS = ("x", "y", "z", "r", "theta", "values", "open", "high", "low", "close", "u", "v", "w")
TEXT_TRACE_FIELDS = ("text", "hovertext", "customdata")
# Image mosaics fill the gaps between their tiles with NaN, which a heatmap leaves blank (nnviz.figures.mnist.mosaic).
MOSAIC_FIGURES = {"mn_weights", "mn_cell_images", "mn_mistakes", "mn_activations", "mn_preprocessing", "mn_gallery"}


@pytest.fixture(autouse=True)
def no_downloads(offline_datasets):
    """Every test here runs offline (conftest.offline_datasets)."""


@pytest.fixture(autouse=True)
def full_error_details():
    """Exceptions with their message and traceback (.streamlit/config.toml shows students only the type)."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)


# --- what the user sees -----------------------------------------------------------------------------------

def explanation(at) -> str | None:
    for kind in ("warning", "error", "info", "caption"):
        for element in at.get(kind):
            if EXPLANATION.search(str(element.value)):
                return str(element.value)
    return None


def not_finite_shown(at) -> list[str]:
    """Where a NaN or an infinity reaches the user in this run."""
    problems = []
    for key, fig in figures(at).items():
        for i, trace in enumerate(fig.get("data", [])):
            name = f"figure {key!r} trace {i} ({trace.get('name')!r})"
            for field in NUMERIC_TRACE_FIELDS:
                if field not in trace:
                    continue
                # JSON null is a gap plotly draws on purpose (and the only way a NaN in a list arrives).
                bad = [c for c in cells(trace[field]) if isinstance(c, (int, float, np.number))
                       and not isinstance(c, bool) and not np.isfinite(c)]
                if bad and key in MOSAIC_FIGURES and trace.get("type") == "heatmap" and field == "z" \
                        and all(np.isnan(c) for c in bad):
                    continue  # the blank gaps between the tiles
                if bad:
                    problems.append(f"{name}.{field}: {len(bad)} non-finite value(s), e.g. {bad[0]}")
            for field in TEXT_TRACE_FIELDS:
                if field not in trace:
                    continue
                bad = [c for c in cells(trace[field]) if isinstance(c, str) and NOT_A_NUMBER_LOWER.search(c)]
                bad += [c for c in cells(trace[field]) if isinstance(c, float) and not np.isfinite(c)]
                if bad:
                    problems.append(f"{name}.{field}: {bad[0]!r}")
        for note in fig.get("layout", {}).get("annotations", []):
            if NOT_A_NUMBER_LOWER.search(str(note.get("text", ""))):
                problems.append(f"figure {key!r} annotation: {note.get('text')!r}")
        title = fig.get("layout", {}).get("title", {})
        title = title.get("text", "") if isinstance(title, dict) else str(title)
        if NOT_A_NUMBER_LOWER.search(title or ""):
            problems.append(f"figure {key!r} title: {title!r}")
    for metric in at.metric:
        if NOT_A_NUMBER.search(str(metric.value)):
            problems.append(f"metric {metric.label!r}: {metric.value!r}")
    for kind in ("table", "dataframe"):
        for table in at.get(kind):
            frame = table.value
            for column in frame.columns:
                for cell in frame[column]:
                    if (isinstance(cell, str) and NOT_A_NUMBER.search(cell)) or \
                            (isinstance(cell, (float, np.floating)) and not np.isfinite(cell)):
                        problems.append(f"{kind} column {column!r}: {cell!r}")
                        break
    for kind in ("markdown", "latex", "caption", "info", "warning", "error", "success", "code"):
        for element in at.get(kind):
            match = NOT_A_NUMBER_LOWER.search(str(element.value))
            if match:
                text = str(element.value)
                problems.append(f"{kind}: …{text[max(0, match.start() - 60):match.end() + 30]!r}…")
    return problems


def check_run(at) -> tuple[str | None, list[str]]:
    """(what is wrong with this run or None, where a NaN/inf was shown with an explanation)."""
    if at.exception:
        return "exception:\n" + "\n\n".join(f"{e.message}\n" + "\n".join(e.stack_trace) for e in at.exception), []
    hyphens = hyphens_as_minus_signs(at)
    if hyphens:
        return "a hyphen as a number's sign (write '−'):\n- " + "\n- ".join(hyphens[:10]), []
    problems = not_finite_shown(at)
    if problems and explanation(at) is None:
        return "NaN/inf shown without an explanation:\n- " + "\n- ".join(problems[:10]), []
    return None, [problem.split(":")[0] for problem in problems]


# --- the fuzzer ---------------------------------------------------------------------------------------------

def replay(page: str, steps: list[tuple[str, object]]):
    """Repeat a failing sequence of (widget id, value) on a fresh AppTest; returns it for inspection."""
    at = app_test(page)
    unfold(at)
    for wid, value in steps:
        if wid.startswith("click:"):
            at.button(key=wid.removeprefix("click:")).click().run(timeout=TRAIN_TIMEOUT)
            if wid == "click:mn_train":
                wait_for_training(at, TRAIN_TIMEOUT)
        elif wid.startswith("tab:"):
            open_tab(at, wid.removeprefix("tab:"), value)
        else:
            set_widget(at, wid, value)
        problem, _ = check_run(at)
        if problem is None and not wid.startswith(("click:", "tab:")):
            problem = not_applied(at, wid, value)
        if problem:
            print(f"after {wid}={value!r}: {problem}")
            break
    return at


def failure(page: str, steps: list, problem: str) -> str:
    """The assertion message: what went wrong, and the call that replays the interactions up to it."""
    return f"seed {SEED}, page {page}, interaction {len(steps)}: {problem}\nreplay: replay({page!r}, {steps!r})"


def fuzz(at, page: str, n: int, rng: np.random.Generator, steps: list, prefer: tuple[str, ...] = ()) -> dict:
    """``n`` interactions on ``at``; ``steps`` collects (widget id, value) for the failure message."""
    covered: set[tuple[str, str]] = set()
    kinds: set[str] = set()
    explained: dict[str, int] = {}  # where a NaN/inf was shown next to an explanation: runs
    for _ in range(n):
        tabs = [(key, label) for key, labels in tab_sets(at).items() for label in labels]
        unopened = [(key, label) for key, label in tabs if (f"tab:{key}", label) not in covered]
        if tabs and rng.random() < (0.25 if unopened else 0.05):  # open every tab: its widgets get fuzzed too
            key, label = (unopened or tabs)[int(rng.integers(0, len(unopened or tabs)))]
            steps.append((f"tab:{key}", label))
            covered.add((f"tab:{key}", label))
            open_tab(at, key, label)
            problem, _ = check_run(at)
            assert problem is None, failure(page, steps, problem)
            continue
        widgets = input_widgets(at)
        assert widgets, f"{page}: no input widget to fuzz"
        uncovered = [(w, m) for w in widgets for m in ("min", "max") if (widget_id(w), m) not in covered]
        preferred = [w for w in widgets if widget_id(w) in prefer]
        if uncovered and rng.random() < 0.6:  # reach every widget's ends early
            widget, mode = uncovered[int(rng.integers(0, len(uncovered)))]
        else:
            pool = preferred if preferred and rng.random() < 0.5 else widgets
            widget = pool[int(rng.integers(0, len(pool)))]
            mode = ("min", "max", "random", "random", "random")[int(rng.integers(0, 5))]
        wid = widget_id(widget)
        value = choose_value(widget, mode, rng)
        steps.append((wid, value))
        covered.add((wid, mode))
        kinds.add(widget.type)
        widget.set_value(list(value) if isinstance(value, tuple) else value)
        at.run()
        problem, explained_here = check_run(at)
        if problem is None:
            problem = not_applied(at, wid, value)
        assert problem is None, failure(page, steps, problem)
        for where in explained_here:
            explained[where] = explained.get(where, 0) + 1
    return {"kinds": kinds, "widgets": {w for w, _ in covered if not w.startswith("tab:")}, "explained": explained}


def not_applied(at, wid: str, value) -> str | None:
    """A widget that is still drawn must show the value just set (else the fuzz did not do what it says)."""
    try:
        now = find_widget(at, wid).value
    except AssertionError:
        return None  # the widget went away with this change (e.g. a layer's units when layers are removed)
    want = list(value) if isinstance(value, tuple) else value
    now = list(now) if isinstance(now, tuple) else now
    # a float as the page keeps it: backprop's weights set by hand to 10 significant digits (its link's text)
    if now == want or (isinstance(want, float) and isinstance(now, float) and math.isclose(now, want, rel_tol=1e-9,
                                                                                          abs_tol=1e-9)):
        return None
    return f"{wid} was set to {want!r} but shows {now!r} after the run"


def page_rng(page: str, salt: int = 0) -> np.random.Generator:
    return np.random.default_rng([SEED, zlib.crc32(page.encode()), salt])


@pytest.mark.parametrize("page", SCRIPTS)
def test_fuzz_page(page):
    started = time.perf_counter()
    at = app_test(page)
    unfold(at)  # the widgets made only while their expander is open get fuzzed too
    steps: list = []
    problem, _ = check_run(at)
    assert problem is None, f"{page} on first render: {problem}"
    n = INTERACTIONS.get(page, DEFAULT_INTERACTIONS)
    report = fuzz(at, page, n, page_rng(page), steps)
    print(f"\nfuzz {page}: {n} interactions, {len(report['widgets'])} widgets "
          f"({', '.join(sorted(report['kinds']))}), {time.perf_counter() - started:.1f} s{explained(report)}")


def explained(report: dict) -> str:
    shown = report["explained"]
    return "".join(f"\n  NaN/inf with an explanation in {runs} run(s): {where}" for where, runs in shown.items())


def test_fuzz_mnist_after_training():
    """One small training, then the evaluation widgets (confusion cell, test image) and the builder."""
    page = "app_pages/mnist.py"
    started = time.perf_counter()
    at = app_test(page)
    setup = [("mn_hidden", 1), ("mn_units_0", 16), ("mn_epochs", 1)]
    for wid, value in setup:
        set_widget(at, wid, value)
    train_on_page(at, timeout=TRAIN_TIMEOUT)
    problem, _ = check_run(at)
    assert problem is None, f"after training: {problem}"
    assert at.get("selectbox") and any(w.key == "mn_inspect" for w in at.number_input), "no evaluation shown"
    trained = time.perf_counter()
    steps = list(setup) + [("click:mn_train", None)]
    report = fuzz(at, page, POST_TRAINING_INTERACTIONS, page_rng(page, 1), steps,
                  prefer=("mn_cell_true", "mn_cell_pred", "mn_inspect", "mn_compare"))
    assert {"mn_cell_true", "mn_cell_pred", "mn_inspect"} <= report["widgets"]
    print(f"\nfuzz {page} after training: {POST_TRAINING_INTERACTIONS} interactions, "
          f"{len(report['widgets'])} widgets ({', '.join(sorted(report['kinds']))}), "
          f"training {trained - started:.1f} s, fuzz {time.perf_counter() - trained:.1f} s{explained(report)}")


def _checked_script():
    """A tiny app for the self-test below: shows one kind of NaN/inf, or raises."""
    import numpy as np
    import plotly.graph_objects as go
    import streamlit as st

    show = st.radio("show", ["fine", "figure", "figure text", "metric", "table", "markdown", "explained", "raise",
                             "hyphen"])
    y = np.array([1.0, np.inf if show in ("figure", "explained") else 2.0])
    st.plotly_chart(go.Figure(go.Scatter(y=y, text=["a", f"{np.nan:.2f}" if show == "figure text" else "b"])),
                    key="fig")
    st.metric("loss", f"{np.nan:.3f}" if show == "metric" else "0.5")
    st.table({"p": [f"{np.nan:.4f}" if show == "table" else "0.5"]})
    st.markdown(f"z = {np.inf if show == 'markdown' else 1.0:.1f}; NaN (not a number) is explained elsewhere")
    st.markdown("In LaTeX $w = -0.5$ and code `x = -1`: their own signs; a mini-batch of 10-20.")
    st.caption(f"w = {-0.5 if show == 'hyphen' else 0.5}")
    if show == "explained":
        st.error("The loss diverged to infinity.")
    if show == "raise":
        raise ValueError("boom")


@pytest.mark.parametrize("show, caught", [
    ("fine", None), ("figure", "figure 'fig'"), ("figure text", "trace 0 (None).text"), ("metric", "metric 'loss'"),
    ("table", "table column 'p'"), ("markdown", "markdown"), ("explained", None), ("raise", "boom"),
    ("hyphen", "caption: 'w = -0.5'"),
])
def test_the_checks_see_what_a_user_sees(show, caught):
    """The fuzz is only as good as its checks: each kind of NaN/inf (or an exception) is found."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_checked_script, default_timeout=30)
    at.run()
    at.radio[0].set_value(show).run()
    problem, explained_here = check_run(at)
    if caught is None:
        assert problem is None
        assert bool(explained_here) == (show == "explained")
    else:
        assert problem is not None and caught in problem, problem
