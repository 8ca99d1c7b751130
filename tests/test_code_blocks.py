"""Every Python code block on every page runs as copied (DESIGN.md rule 4).

For every page listed in ``course.PAGES`` (pages added later are covered without a change here), the
page is rendered with AppTest in its default state (its Keras panel there is run by test_notebooks.py, as the
code cell of the page's notebook, in the same empty, offline folder) and in ``RANDOM_STATES`` seeded random widget state(s)
(``MORE_RANDOM_STATES`` more under ``-m full``; epochs bounded by ``MAX_EPOCHS``); the MNIST page also after
a small training and with a downloaded dataset. Every ``st.code(..., language="python")`` block on screen is
collected, and each distinct block runs in a fresh interpreter: in an empty folder, without nnviz on the path,
offline (every HTTP(S) request goes to a closed port), with a time limit.

A block that cannot run as it stands is handled, never skipped silently:

- ``NEEDS_NETWORK``: a block that downloads (``keras.datasets.mnist.load_data()``). The test checks the
  reason — offline, the block fails at the download and nowhere else — then runs it with the download
  answered by arrays of the same shapes and types, so that the rest of the block is run too.
- ``PROVIDED_FILES``: a file the student makes first (``load_model("mnist_mlp.keras")``). The test
  writes the very file the page offers for download into the block's folder.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from conftest import HANG_FACTOR, app_test, generated_downloads, offline_env, train_on_page
from widget_states import choose_value, input_widgets

from nnviz.course import PAGES

SPREAD_OVER_PROCESSES = True  # its tests share no module fixture: conftest lets both test processes take them
SCRIPTS = [page.script for page in PAGES if page.available]
MNIST_PAGE = "app_pages/mnist.py"
RANDOM_STATES = 1  # in the default run: this file was 40 % of CI's parallel run with 3 (1,892 s of test time)
MORE_RANDOM_STATES = 2  # seeds 1 and 2, with pytest -m full
MAX_EPOCHS = 2  # random states train for at most this many epochs
BLOCK_TIMEOUT = 240 * HANG_FACTOR  # seconds per block, TensorFlow's import included
PARALLEL_BLOCKS = 2
TRAIN_TIMEOUT = 180 * HANG_FACTOR

# Blocks that download: what they call, and why the test cannot run them as they stand.
NEEDS_NETWORK: dict[str, str] = {
    r"keras\.datasets\.(mnist|fashion_mnist)\.load_data\(\)":
        "downloads the dataset from storage.googleapis.com, and tests run offline",
}
# What an offline run of such a block must fail with: the download and nothing else.
DOWNLOAD_FAILURE = re.compile(r"URL fetch failure on https://storage\.googleapis\.com/")
# Files a block reads that the student makes first, and where the test takes them from: the page itself.
PROVIDED_FILES: dict[str, Callable] = {
    "mnist_mlp.keras": lambda at: at.session_state["mn_state"].run.model_file,
}

# Runs a block with keras.datasets.*.load_data answered offline by arrays of MNIST's shapes and types.
OFFLINE_DOWNLOAD_RUNNER = textwrap.dedent("""
    import runpy

    import keras
    import numpy as np

    def load_data():
        rng = np.random.default_rng(0)
        images = lambda n: rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = lambda n: np.tile(np.arange(10, dtype=np.uint8), n // 10)
        return (images(6000), labels(6000)), (images(1000), labels(1000))

    keras.datasets.mnist.load_data = keras.datasets.fashion_mnist.load_data = load_data
    runpy.run_path("block.py", run_name="__main__")
""")


@dataclass
class Block:
    code: str
    states: list[str] = field(default_factory=list)  # where it was seen
    files: dict[str, bytes] = field(default_factory=dict)


# --- collecting the blocks ---------------------------------------------------------------------------------------

def python_blocks(at) -> list[str]:
    return [block.value for block in at.code if (block.language or "python") == "python"]


def randomise(at, rng: np.random.Generator) -> None:
    """Every input widget to a random value; widgets that appear only then get theirs in a second pass.
    Epoch sliders are bounded by MAX_EPOCHS (the blocks train for that many epochs)."""
    for _ in range(2):
        for widget in input_widgets(at):
            value = choose_value(widget, "random", rng)
            widget.set_value(list(value) if isinstance(value, tuple) else value)
        at.run()
        assert not at.exception, at.exception
    for slider in at.slider:
        if "epoch" in slider.label.lower() and slider.value > MAX_EPOCHS:
            slider.set_value(max(slider.min, MAX_EPOCHS))
    at.run()
    assert not at.exception, at.exception


def add_blocks(blocks: dict[str, Block], at, state: str, keras_panel: bool = True) -> None:
    """Add the page's blocks as seen in ``state``; without its Keras panel (the last block) if not ``keras_panel``."""
    shown = python_blocks(at)
    for code in shown if keras_panel else shown[:-1]:
        block = blocks.setdefault(code, Block(code))
        block.states.append(state)
        for name, source in PROVIDED_FILES.items():
            if f'"{name}"' in code:
                block.files[name] = source(at)


def trained_mnist(at) -> None:
    """A small training: the evaluation and the take-home blocks appear."""
    for key, value in (("mn_hidden", 1), ("mn_units_0", 16), ("mn_epochs", 1)):
        at.session_state[key] = value
    at.run()
    train_on_page(at, timeout=TRAIN_TIMEOUT)
    assert not at.exception, at.exception


def downloaded_mnist(at, monkeypatch) -> None:
    """The full MNIST 'downloaded' (generated images: no network), so its download code is shown."""
    generated_downloads(monkeypatch)
    at.session_state["mn_epochs"] = 1
    at.selectbox(key="mn_dataset").set_value("mnist").run()
    assert not at.exception, at.exception


def collect(page: str, monkeypatch, seeds: range = range(RANDOM_STATES), fixed_states: bool = True) -> dict[str, Block]:
    """The page's distinct Python blocks in its random states ``seeds`` and, with ``fixed_states``, in its default
    state (and the MNIST page's trained and downloaded states)."""
    blocks: dict[str, Block] = {}
    if fixed_states:  # the default state's Keras panel runs in test_notebooks.py, as its notebook's code cell
        add_blocks(blocks, app_test(page), "default", keras_panel=False)
    for seed in seeds:
        at = app_test(page)
        randomise(at, np.random.default_rng([seed, sum(page.encode())]))
        add_blocks(blocks, at, f"random state {seed}")
    if fixed_states and page == MNIST_PAGE:
        at = app_test(page)
        trained_mnist(at)
        add_blocks(blocks, at, "after a training")
        at = app_test(page)
        downloaded_mnist(at, monkeypatch)
        add_blocks(blocks, at, "with the full MNIST downloaded")
    return blocks


# --- running them ------------------------------------------------------------------------------------------------

def run_in_fresh_interpreter(block: Block, folder: Path, script: str = "block.py") -> subprocess.CompletedProcess:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "block.py").write_text(block.code)
    (folder / "offline_download.py").write_text(OFFLINE_DOWNLOAD_RUNNER)
    for name, content in block.files.items():
        (folder / name).write_bytes(content)
    try:
        return subprocess.run([sys.executable, script], check=False, cwd=folder, env=offline_env(folder),
                              capture_output=True, text=True, timeout=BLOCK_TIMEOUT)
    except subprocess.TimeoutExpired as timeout:
        return subprocess.CompletedProcess(timeout.cmd, -1, "", f"timed out after {BLOCK_TIMEOUT} s")


def network_reason(code: str) -> str | None:
    for pattern, reason in NEEDS_NETWORK.items():
        if re.search(pattern, code):
            return reason
    return None


def check_block(block: Block, folder: Path) -> str | None:
    """None if the block runs as copied (or, when it downloads, fails only at the download and runs
    with the download answered offline); otherwise what went wrong."""
    result = run_in_fresh_interpreter(block, folder)
    reason = network_reason(block.code)
    if reason is None:
        return None if result.returncode == 0 else result.stderr[-3000:]
    if result.returncode == 0:
        return f"listed as needing the network ({reason}) but it ran offline: remove the exemption"
    if not DOWNLOAD_FAILURE.search(result.stderr) or "load_data" not in result.stderr:
        return f"offline, it failed for another reason than the download ({reason}):\n{result.stderr[-3000:]}"
    rerun = run_in_fresh_interpreter(block, folder, "offline_download.py")
    return None if rerun.returncode == 0 else f"with the download answered offline:\n{rerun.stderr[-3000:]}"


def run_as_copied(page: str, blocks: list[Block], tmp_path: Path) -> None:
    with ThreadPoolExecutor(PARALLEL_BLOCKS) as pool:
        problems = list(pool.map(lambda ib: check_block(ib[1], tmp_path / f"block{ib[0]}"), enumerate(blocks)))
    failures = [f"--- block seen in {', '.join(b.states)}:\n{textwrap.indent(b.code, '    ')}\n--- problem:\n{p}"
                for b, p in zip(blocks, problems, strict=True) if p is not None]
    assert not failures, f"{len(failures)} of {len(blocks)} blocks on {page} do not run as copied:\n" + \
        "\n\n".join(failures)


@pytest.mark.parametrize("page", SCRIPTS)
def test_every_python_block_on_the_page_runs_as_copied(page, tmp_path, monkeypatch, offline_datasets):
    blocks = list(collect(page, monkeypatch).values())
    assert blocks, f"{page} shows no Python code block"
    run_as_copied(page, blocks, tmp_path)
    if page == MNIST_PAGE:  # the exemptions are in use, so they cannot go stale unnoticed
        assert any(network_reason(b.code) for b in blocks)
        assert {name for b in blocks for name in b.files} == set(PROVIDED_FILES)
    print(f"\n{page}: {len(blocks)} distinct blocks from {1 + RANDOM_STATES} states ran as copied")


@pytest.mark.full  # CI time: each random state adds blocks that each start an interpreter and import TensorFlow
@pytest.mark.parametrize("page", SCRIPTS)
def test_the_blocks_of_more_random_states_run_as_copied(page, tmp_path, monkeypatch, offline_datasets):
    seeds = range(RANDOM_STATES, RANDOM_STATES + MORE_RANDOM_STATES)
    blocks = list(collect(page, monkeypatch, seeds, fixed_states=False).values())
    assert blocks, f"{page} shows no Python code block"
    run_as_copied(page, blocks, tmp_path)


def test_a_block_that_does_not_run_is_caught(tmp_path):
    """The harness itself: what Keras 3 rejects (an int learning rate, as `{:g}` once wrote it) fails the check,
    and so does a block that needs nnviz, which a student does not have."""
    for code in ("import keras\nkeras.optimizers.SGD(learning_rate=1, momentum=0)\n", "import nnviz\n"):
        assert check_block(Block(code), tmp_path / str(len(code))) is not None, code
