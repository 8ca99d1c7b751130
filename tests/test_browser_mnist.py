"""The MNIST page in a real browser (issue #6, "Done when"): pick settings, train, watch the curves move,
stop, continue, evaluate, draw a digit and get a sensible prediction, download the model — with no
exception anywhere, every widget at its extremes included.

Three page loads (three sessions): one trained network shared by the evaluation/draw/upload/download
tests, one for Stop/Continue, one for the widgets at their extremes. Screenshots: tests/artifacts/screenshots/mnist_*.png
"""

from __future__ import annotations

import io
import math
import re
import time
from types import SimpleNamespace

import pytest
from conftest import FULL, HANG_FACTOR, new_context, stopped_by_stop
from playwright.sync_api import expect
from test_browser import SCREENSHOTS, exceptions_on, screenshot_whole_app, wait_until_idle
from test_mlp_training import window_sizes

from nnviz.course import LECTURE_PLAN, MOMENT_PARAM
from nnviz.ui import CHART_SELECTOR

TRAINING_TIMEOUT = 120_000 * HANG_FACTOR  # ms: the first training in the server also imports TensorFlow
PROGRESS = "[data-testid='stProgress']"


# --- helpers ------------------------------------------------------------------------------------------------


def open_mnist(browser, server_url, width: int = 1600, height: int = 1000, query: str = ""):
    context = new_context(browser, viewport={"width": width, "height": height}, device_scale_factor=1,
                                  accept_downloads=True)
    page = context.new_page()
    page.page_errors = []
    page.on("pageerror", lambda e: page.page_errors.append(str(e)))
    page.goto(f"{server_url}/mnist{query}")
    wait_until_idle(page)
    return context, page


def assert_clean(page, when: str) -> None:
    assert exceptions_on(page) == [], f"exception on the page {when}"
    assert page.page_errors == [], f"JavaScript errors {when}"


def metric_box(page, label: str):
    """The metric whose label is exactly ``label``."""
    label_el = page.locator("[data-testid='stMetricLabel']", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    box = page.locator("[data-testid='stMetric']").filter(has=label_el)
    assert box.count() == 1, f"{box.count()} metrics labelled {label!r}"
    return box


def metric(page, label: str) -> str:
    """The shown value of the metric whose label is exactly ``label``."""
    return metric_box(page, label).locator("[data-testid='stMetricValue']").inner_text().strip()


def percent(text: str) -> float:
    return float(text.rstrip("%").strip())


def button(page, key: str):
    """The button of the widget with this key (a button with help also has a hidden copy: take the visible one)."""
    return page.locator(f".st-key-{key} button:visible")


def click_and_wait(page, key: str) -> None:
    button(page, key).click()
    wait_until_idle(page)


def slider(page, key: str):
    """The thumb of the slider or select slider with this widget key.

    (By key: Streamlit 1.67 names a slider twice, e.g. "hidden layers hidden layers".)
    """
    return page.locator(f".st-key-{key}").get_by_role("slider")


def press_slider(page, key: str, press: str) -> str:
    """Press Home/End/ArrowRight... on a slider or select slider; returns its new value text."""
    thumb = slider(page, key)
    thumb.focus()
    thumb.press(press)
    wait_until_idle(page)
    assert_clean(page, f"after {press} on slider {key}")
    return slider(page, key).get_attribute("aria-valuetext")


def choose(page, key: str, which: int) -> str:
    """Pick the first (0) or last (-1) option of a select box; returns the shown choice."""
    box = page.locator(f".st-key-{key}").get_by_role("combobox")
    options = page.get_by_role("listbox").get_by_role("option")
    for attempt in range(3):  # a rerun arriving as the list opens can close it again (seen once in CI)
        box.focus()
        box.press("ArrowDown")  # opens the list (a click on the box does not always)
        try:
            options.first.wait_for(timeout=5000)
            break
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_until_idle(page)
    (options.first if which == 0 else options.last).click()
    wait_until_idle(page)
    assert_clean(page, f"after choosing option {which} of {key}")
    return page.locator(f".st-key-{key}").get_by_role("combobox").input_value()


def set_number(page, key: str, value: int) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(str(value))
    field.press("Enter")
    wait_until_idle(page)
    assert_clean(page, f"after typing {value} into {key}")
    assert field.input_value() == str(value)


def curves_chart(page):
    return page.locator(CHART_SELECTOR).filter(has_text="loss (cross-entropy)")


def drawn_points(page) -> int:
    """Points in the drawn path of the training-curves chart's first trace (this run's training loss)."""
    path = curves_chart(page).locator("g.trace.scatter path.js-line").first
    d = path.get_attribute("d", timeout=5000 * HANG_FACTOR) or ""
    return len(re.findall(r"[ML]", d))


def progress_text(page) -> str:
    bars = page.locator(PROGRESS)
    return bars.first.inner_text() if bars.count() else ""


def train_and_watch(page, key: str = "mn_train") -> dict:
    """Press a training button; sample the live chart, then again once it has more points (or the training is
    over: then the second sample has no progress text); wait for the end."""
    started = time.monotonic()
    button(page, key).click()
    page.locator(PROGRESS).filter(has_text="Epoch").wait_for(timeout=TRAINING_TIMEOUT)
    curves_chart(page).locator("g.trace.scatter path.js-line").first.wait_for(timeout=10_000 * HANG_FACTOR)
    first = (drawn_points(page), progress_text(page))
    # the page polls the training once a second and redraws the chart when a point was added: 1 s apart, two
    # samples can fall between the same two polls (CI, 2026-12-02: 15 -> 15 points at steps 9x and 95 of 110); and
    # at an epoch's end the curve gains that epoch's points while the bar still reads its last step (CI,
    # 2026-12-03: 11 -> 19 points, both at 'Epoch 1/5 · step 110/110'), so sample until both have moved
    deadline = time.monotonic() + 10 * HANG_FACTOR
    while True:
        page.wait_for_timeout(500)
        second = (drawn_points(page), progress_text(page))
        if (second[0] > first[0] and second[1] != first[1]) or not second[1] or time.monotonic() > deadline:
            break
    wait_until_trained(page)
    return {"first": first, "second": second, "seconds": time.monotonic() - started}


def wait_until_trained(page) -> None:
    """The training is over and the page was drawn again for the trained network.

    After a training the page reruns itself (st.rerun): between the two runs the app is briefly
    'notRunning', so being idle is not enough. The final run has no progress bar and Stop disabled.
    """
    page.wait_for_function(
        """() => !document.querySelector("[data-testid='stProgress']") &&
                 document.querySelector(".st-key-mn_stop button")?.disabled === true""",
        timeout=TRAINING_TIMEOUT)
    wait_until_idle(page, TRAINING_TIMEOUT)


def wait_for_epoch(page, epoch: int, timeout: int = TRAINING_TIMEOUT) -> None:
    """Wait until the progress bar reports epoch ``epoch`` or a later one (so earlier epochs are complete)."""
    page.wait_for_function(
        """n => [...document.querySelectorAll("[data-testid='stProgress']")]
                  .some(b => { const m = b.innerText.match(/Epoch (\\d+)\\//); return m && +m[1] >= n; })""",
        arg=epoch, timeout=timeout)


def epoch_of(progress: str) -> tuple[int, int]:
    match = re.search(r"Epoch (\d+)/(\d+)", progress)
    assert match, f"no 'Epoch k/n' in the progress bar: {progress!r}"
    return int(match[1]), int(match[2])


def curve_windows(page) -> list[int]:
    """Batches per point of this run's training curve (default batch size 32: 110 batches an epoch)."""
    xs = page.locator(".st-key-mn_curves .js-plotly-plot").evaluate("gd => gd.calcdata[0].map(p => p.x)")
    return window_sizes(xs, 110)


def png_bytes(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, format="PNG")
    return out.getvalue()


def upper_canvas(page):
    """The drawing surface of streamlit-drawable-canvas (fabric.js' upper canvas, inside a shadow root)."""
    canvas = page.locator("canvas.upper-canvas:visible").last
    canvas.scroll_into_view_if_needed()
    return canvas


def draw(page, points: list[tuple[float, float]]) -> None:
    """A stroke through ``points`` given in canvas fractions (0..1), as a mouse drag."""
    box = upper_canvas(page).bounding_box()
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=2)
    page.mouse.up()
    wait_until_idle(page)


# --- one trained network for the evaluation, drawing, upload and download tests ------------------------------


@pytest.fixture(scope="module")
def trained(browser, server_url):
    """/mnist with 2 hidden layers and Adam, trained once (5 epochs) while the live chart is sampled. Batches of 16:
    with 32 a fast machine trained the 5 epochs in 3 s, and the first sample of the live chart came at epoch 4 and
    the second after the end (CI, 2026-12-04)."""
    context, page = open_mnist(browser, server_url)
    assert press_slider(page, "mn_hidden", "ArrowRight") == "2"
    page.locator(".st-key-mn_optimizer").get_by_text("Adam", exact=True).click()
    wait_until_idle(page)
    assert press_slider(page, "mn_batch", "ArrowLeft") == "16"
    assert slider(page, "mn_units_1").count() == 1
    assert slider(page, "mn_momentum").count() == 0  # SGD only
    watched = train_and_watch(page)
    yield SimpleNamespace(page=page, **watched)
    context.close()


def test_training_curves_move_and_the_network_learns(trained):
    page = trained.page
    (points_1, progress_1), (points_2, progress_2) = trained.first, trained.second
    assert points_2 > points_1 >= 1, f"live curve did not grow: {points_1} -> {points_2} points"
    assert progress_2, "the training ended before the live curve grew"
    assert progress_1 != progress_2, f"progress bar did not move: {progress_1!r}"
    assert_clean(page, "after training")
    assert page.locator(PROGRESS).count() == 0  # the bar is gone when the training is done
    assert metric(page, "epochs trained") == "5"
    assert percent(metric(page, "test accuracy")) >= 85
    assert percent(metric(page, "validation accuracy")) >= 85
    assert re.fullmatch(r"\d+ of 1,000", metric(page, "test images wrong"))
    # the final chart: this run's training and validation lines in both panels, 5 validation points each
    fig = page.locator(".st-key-mn_curves .js-plotly-plot").evaluate(
        "gd => gd._fullData.map(t => ({name: t.name, n: t._length}))")
    assert [t["name"] for t in fig] == ["this run: training", "this run: validation"] * 2
    assert [t["n"] for t in fig][1::2] == [5, 5]
    for heading in ("4 · Evaluate on the test set", "5 · Look inside", "6 · Try your own digit", "7 · Take it home"):
        assert page.get_by_role("heading", name=heading).count() == 1
    screenshot_whole_app(page, "mnist_trained")


def test_continue_is_offered_right_after_a_training_ends(trained):
    """After a training that ran to its end, Continue should be enabled and Stop disabled."""
    page = trained.page
    assert button(page, "mn_continue").is_enabled()
    assert not button(page, "mn_stop").is_enabled()


def test_clicking_a_confusion_matrix_cell_shows_its_images(trained):
    page = trained.page
    chart = page.locator(".st-key-mn_confusion")
    chart.scroll_into_view_if_needed()
    cells = chart.locator(".js-plotly-plot").evaluate(
        "gd => gd.calcdata[0].map((p, i) => ({true: p.y, pred: p.x, text: gd._fullData[0].text[i]}))")
    assert len(cells) == 100
    shown = (page.locator(".st-key-mn_cell_true").get_by_role("combobox").input_value(),
             page.locator(".st-key-mn_cell_pred").get_by_role("combobox").input_value())

    def click_cell(i: int) -> None:
        box = chart.locator("g.trace.scatter path.point").nth(i).bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        # the click's selection can start its rerun later than wait_until_idle's 300 ms wait for one (CI, and 2 of 3
        # runs here on 2026-12-02: the old select boxes, or the new ones without their caption): wait for the cell
        for key, value in (("mn_cell_true", cells[i]["true"]), ("mn_cell_pred", cells[i]["pred"])):
            expect(page.locator(f".st-key-{key}").get_by_role("combobox"),
                   f"confusion cell {cells[i]} clicked").to_have_value(str(value), timeout=10_000 * HANG_FACTOR)
        wait_until_idle(page)
        assert_clean(page, f"after clicking confusion cell {cells[i]}")

    # a diagonal cell in neither of the shown classes, then the largest mistake not shown now
    diagonal = next(i for i, c in enumerate(cells)
                    if c["true"] == c["pred"] and str(c["true"]) not in shown and c["text"])
    mistakes = [i for i, c in enumerate(cells) if c["true"] != c["pred"] and c["text"]]
    assert mistakes, "a network with < 100 % accuracy has mistakes"
    mistake = max((i for i in mistakes if (str(cells[i]["true"]), str(cells[i]["pred"])) != shown),
                  key=lambda i: int(cells[i]["text"]))
    for i in (diagonal, mistake):
        click_cell(i)
        true_class, predicted = str(cells[i]["true"]), str(cells[i]["pred"])
        assert page.locator(".st-key-mn_cell_true").get_by_role("combobox").input_value() == true_class
        assert page.locator(".st-key-mn_cell_pred").get_by_role("combobox").input_value() == predicted
        caption = f"{cells[i]['text']} test image(s) of {true_class} predicted as {predicted}"
        # the rerun's later elements can arrive after the select boxes (CI once checked in between: 0 found)
        expect(page.get_by_text(caption), f"no {caption!r} above the chosen images").to_have_count(
            1, timeout=10_000 * HANG_FACTOR)
        titles = page.locator(".st-key-mn_cell_images").inner_text()
        assert titles.strip(), "the chosen-images chart is empty"
    screenshot_whole_app(page, "mnist_confusion_cell")


def test_drawn_digits_are_recognised(trained):
    page = trained.page
    page.get_by_role("tab", name="Draw").click()
    # a "1": one vertical stroke in the middle
    said_box = page.locator("[data-testid='stMetric']").filter(has_text="the network says")
    draw(page, [(0.5, 0.12 + 0.76 * k / 20) for k in range(21)])
    # the canvas sends the stroke after the mouse is up: its rerun can begin after the page first looks idle
    expect(said_box).to_have_count(1, timeout=30_000 * HANG_FACTOR)
    wait_until_idle(page)
    assert_clean(page, "after drawing a 1")
    assert page.locator(".st-key-mn_preprocessing .js-plotly-plot").count() == 1
    said = metric(page, "the network says (your drawing)")
    assert re.fullmatch(r"\d \((>99|<1|\d+)%\)", said), said
    screenshot_whole_app(page, "mnist_drawn_1")
    assert said.startswith("1 "), f"a vertical stroke was read as {said}"
    # clear, then a "0": an oval
    click_and_wait(page, "mn_clear")
    # the click's run reruns itself with a new canvas: on a slow machine it may begin after the page first looks
    # idle (CI, 2026-12-02: the old prediction was still there when counted once)
    expect(said_box).to_have_count(0, timeout=30_000 * HANG_FACTOR)
    wait_until_idle(page)
    assert_clean(page, "after clearing the drawing")
    draw(page, [(0.5 + 0.25 * math.sin(2 * math.pi * k / 40), 0.5 - 0.33 * math.cos(2 * math.pi * k / 40))
                for k in range(43)])
    expect(said_box).to_have_count(1, timeout=30_000 * HANG_FACTOR)  # CI missed it once (2026-12-02)
    wait_until_idle(page)
    assert_clean(page, "after drawing a 0")
    said = metric(page, "the network says (your drawing)")
    screenshot_whole_app(page, "mnist_drawn_0")
    assert said.startswith("0 "), f"an oval was read as {said}"


def test_uploads_that_are_no_digit_get_a_clear_message(trained):
    page = trained.page
    page.get_by_role("tab", name="Upload an image").click()
    upload = page.locator(".st-key-mn_upload input[type='file']")
    errors = page.locator("[data-testid='stAlertContentError']")
    cases = [
        ("digit.png", b"\x89PNG but not really " + bytes(range(256)) * 4, "not a picture that can be read"),
        ("one_pixel.png", png_bytes(1, 1), "only 1×1 pixels"),
    ]
    for name, data, message in cases:
        upload.set_input_files({"name": name, "mimeType": "image/png", "buffer": data})
        # the rerun the upload starts may begin after the page first looks idle: wait for the message itself
        expect(errors.filter(has_text=message)).to_have_count(1, timeout=60_000)
        wait_until_idle(page)
        assert_clean(page, f"after uploading {name}")
        assert errors.filter(has_text=message).count() == 1, f"{name}: errors shown {errors.all_inner_texts()}"
    page.locator(".st-key-mn_upload").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "mnist_upload_error.png"))


def test_the_downloaded_model_loads_in_keras_and_scores_as_shown(trained, tmp_path):
    page = trained.page
    with page.expect_download() as info:
        button(page, "mn_download_model").click()
    download = info.value
    assert download.suggested_filename == "mnist_mlp.keras"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.stat().st_size > 10_000

    from nnviz import mnist_data
    from nnviz.keras_training import load_keras

    keras = load_keras()
    model = keras.models.load_model(path)
    assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [128, 64, 10]
    assert model.output_shape == (None, 10)
    data = mnist_data.offline_dataset(0)
    accuracy = float((model.predict(data.x_test / 255.0, verbose=0).argmax(axis=1) == data.y_test).mean())
    assert abs(100 * accuracy - percent(metric(page, "test accuracy"))) <= 0.15  # shown with one decimal

    with page.expect_download() as info:
        button(page, "mn_download_history").click()
    csv = info.value.path().read_text()
    assert csv.splitlines()[0].startswith("epoch") and len(csv.splitlines()) == 1 + 5
    assert_clean(page, "after the downloads")


# --- Stop and Continue -------------------------------------------------------------------------------------


@FULL  # CI time: a training of its own; AppTest's test of Stop and Continue stays in CI
def test_stop_then_continue(browser, server_url):
    context, page = open_mnist(browser, server_url)
    try:
        assert press_slider(page, "mn_epochs", "End") == "30"
        button(page, "mn_train").click()
        wait_for_epoch(page, 3)  # two epochs done
        assert button(page, "mn_stop").is_enabled()
        button(page, "mn_stop").click()
        wait_until_trained(page)
        assert_clean(page, "after Stop")
        warning = page.locator("[data-testid='stAlertContentWarning']").filter(has_text="Training was stopped")
        assert warning.count() == 1
        stopped_at = int(metric(page, "epochs trained"))
        assert 2 <= stopped_at < 30
        # The curve ends on a full window (5 or 6 batches), not on the batch or two before the Stop, and the
        # training-accuracy metric says which epoch's mean it is.
        assert set(curve_windows(page)) == {5, 6}
        assert f"mean over epoch {stopped_at}" in metric_box(page, "training accuracy").inner_text()
        assert stopped_by_stop(stopped_at).search(" ".join(warning.inner_text().split()))
        assert page.locator(".st-key-mn_confusion").count() == 1  # the stopped network is evaluated
        accuracy_at_stop = percent(metric(page, "test accuracy"))
        screenshot_whole_app(page, "mnist_stopped")

        cont = button(page, "mn_continue")
        assert cont.inner_text().strip() == "Continue training (+30 epochs)" and cont.is_enabled()
        cont.click()
        page.locator(PROGRESS).filter(has_text="Epoch").wait_for(timeout=TRAINING_TIMEOUT)
        epoch, last_epoch = epoch_of(progress_text(page))
        assert last_epoch == stopped_at + 30 and epoch > stopped_at, progress_text(page)
        wait_for_epoch(page, stopped_at + 3)
        button(page, "mn_stop").click()
        wait_until_trained(page)
        assert_clean(page, "after the second Stop")
        continued_to = int(metric(page, "epochs trained"))
        assert stopped_at + 2 <= continued_to < stopped_at + 30
        assert stopped_by_stop(continued_to).search(" ".join(page.locator(
            "[data-testid='stAlertContentWarning']").filter(has_text="Training was stopped").inner_text().split()))
        # one run, continued: a single 'this run' curve over all epochs, no earlier run to compare
        names = page.locator(".st-key-mn_curves .js-plotly-plot").evaluate("gd => gd._fullData.map(t => t.name)")
        assert set(names) == {"this run: training", "this run: validation"}
        assert percent(metric(page, "test accuracy")) >= min(accuracy_at_stop, 85) - 2
        screenshot_whole_app(page, "mnist_continued")
    finally:
        context.close()


@FULL  # CI time: a training of its own; AppTest's page-switch test stays in CI
def test_training_goes_on_while_widgets_move_and_another_page_is_visited(browser, server_url):
    """The network trains in a Keras worker: moving a slider, or visiting another page, does not stop it."""
    context, page = open_mnist(browser, server_url)
    try:
        assert press_slider(page, "mn_epochs", "End") == "30"  # ~40 s: time to do the rest while it trains
        button(page, "mn_train").click()
        wait_for_epoch(page, 2)
        before = epoch_of(progress_text(page))[0]
        moved = press_slider(page, "mn_batch", "ArrowRight")  # while it trains
        assert moved == "64", moved
        wait_for_epoch(page, before + 2)  # still training, epochs going up
        assert_clean(page, "after moving a slider while training")
        screenshot_whole_app(page, "mnist_training_while_moving_a_slider")
        page.get_by_role("link", name="Softmax output").first.click()
        page.wait_for_url("**/softmax*", timeout=20_000 * HANG_FACTOR)
        wait_until_idle(page)
        page.wait_for_timeout(2000)
        page.get_by_role("link", name="MNIST MLP").first.click()
        page.wait_for_url("**/mnist*", timeout=20_000 * HANG_FACTOR)
        assert slider(page, "mn_batch").get_attribute("aria-valuetext") == "64"  # the settings stayed
        assert slider(page, "mn_epochs").get_attribute("aria-valuetext") == "30"
        button(page, "mn_stop").click(timeout=20_000 * HANG_FACTOR)  # still training after the visit
        wait_until_trained(page)
        trained = int(metric(page, "epochs trained"))
        assert before + 2 <= trained <= 30
        assert_clean(page, "after Stop")
    finally:
        context.close()


# A fault test with two long trainings (100-160 s): in `pytest -m load`, to keep CI well inside its time. In
# CI the service's own test covers a session that ended (tests/test_training_service.py).
@pytest.mark.load
def test_closing_the_browser_tab_stops_its_training_and_frees_the_worker(browser, server_url):
    """Two sessions train on the two workers; one closes its tab: its job is stopped, so a third session's
    training starts at once instead of queueing behind a training nobody watches."""
    contexts = []
    try:
        trainers = []
        for _ in range(2):
            context, page = open_mnist(browser, server_url)
            contexts.append(context)
            assert press_slider(page, "mn_epochs", "End") == "30"
            press_slider(page, "mn_batch", "Home")
            assert press_slider(page, "mn_batch", "ArrowRight") == "8"  # 438 batches an epoch: minutes in all
            button(page, "mn_train").click()
            trainers.append(page)
        for page in trainers:  # both run (not queued); a worker may first be replaced: a TensorFlow import
            wait_for_epoch(page, 1, timeout=300_000)
        context, third = open_mnist(browser, server_url)
        contexts.append(context)
        for page in trainers:  # both workers busy: each session is mid-way through its 30 epochs
            # read the bar once it is there: its fragment redraws it every second (read between two draws, it
            # was '' once, 2026-12-02)
            bar = page.locator(PROGRESS).filter(has_text="Epoch").first
            bar.wait_for(timeout=10_000 * HANG_FACTOR)
            epoch, last = epoch_of(bar.inner_text())
            assert last == 30 and epoch < 25, bar.inner_text()
        contexts.pop(0).close()  # the first student closes the tab mid-training
        button(third, "mn_train").click()
        # Both workers were busy with 30-epoch trainings started a few epochs apart. If the closed tab's training
        # went on, the third could start only when one of them ended; it starts while the second has 6+ epochs to
        # go (more than the first's head start), so the first was stopped. (How soon depends on the machine: a worker that retires is replaced, which takes a
        # TensorFlow import; on a loaded CI machine that was 106 s.)
        page_wait = 300_000
        third.wait_for_function(
            """() => [...document.querySelectorAll("[data-testid='stProgress']")].some(b => /Epoch \\d+\\//.test(b.innerText))""",
            timeout=page_wait)
        epoch, last = epoch_of(progress_text(trainers[1]))
        assert last == 30 and epoch <= 24, f"the second training is nearly done ({progress_text(trainers[1])}): inconclusive"
        assert_clean(third, "while the third session trains")
    finally:
        for context in contexts:
            context.close()


# --- every widget at its extremes ---------------------------------------------------------------------------


# 73-77 s in the browser: in `pytest -m load`, to keep CI well inside its time. In CI its AppTest twin
# (tests/test_page_mnist.py: every widget at its extremes, before and after a training) runs.
@pytest.mark.load
def test_every_widget_at_its_extremes(browser, server_url):
    context, page = open_mnist(browser, server_url)
    try:
        # data: seed max/min, the last dataset (a download: offline here, so a notice) and back
        set_number(page, "mn_seed", 9999)
        set_number(page, "mn_seed", 0)
        last = choose(page, "mn_dataset", -1)
        assert "Fashion" in last
        # offline, the download fails: a notice, the built-in digits in use, a retry button
        if page.locator(".st-key-mn_retry").count():
            assert page.locator("[data-testid='stAlertContentWarning']").count() == 1
            assert page.get_by_text("In use: MNIST: 5,000 real digits").count() == 1
            page.get_by_role("heading", name="1 · The data").scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / "mnist_fashion_download_failed.png"))
        choose(page, "mn_dataset", 0)

        # the largest network: 4 × 512, every other widget at its end, both optimizers
        assert press_slider(page, "mn_hidden", "End") == "4"
        for i in range(1, 5):
            assert press_slider(page, f"mn_units_{i - 1}", "End") == "512"
        assert choose(page, "mn_activation", -1) == "None (linear)"
        assert choose(page, "mn_activation", 0) == "ReLU"
        optimizer = page.locator(".st-key-mn_optimizer")
        optimizer.get_by_text("SGD", exact=True).click()
        wait_until_idle(page)
        for name in ("mn_lr_sgd", "mn_momentum"):
            press_slider(page, name, "End")
            press_slider(page, name, "Home")
        optimizer.get_by_text("Adam", exact=True).click()
        wait_until_idle(page)
        assert slider(page, "mn_momentum").count() == 0
        assert press_slider(page, "mn_lr_adam", "End") == "10"
        assert press_slider(page, "mn_lr_adam", "Home") == "0.0001"
        assert press_slider(page, "mn_batch", "End") == "1024"
        assert press_slider(page, "mn_batch", "Home") == "1"
        assert press_slider(page, "mn_epochs", "End") == "30"
        # 784·512+512 + 3·(512·512+512) + 512·10+10
        assert metric(page, "trainable parameters (as model.summary() reports them)") == "1,195,018"
        screenshot_whole_app(page, "mnist_extremes_max")

        # the smallest network, trained once: no hidden layer, 1 epoch, batch 1, η = 0.0001
        assert press_slider(page, "mn_hidden", "Home") == "0"
        assert slider(page, "mn_units_0").count() == 0
        assert page.locator(".st-key-mn_activation").get_by_role("combobox").is_disabled()
        assert press_slider(page, "mn_epochs", "Home") == "1"
        assert slider(page, "mn_lr_adam").get_attribute("aria-valuetext") == "0.0001"
        assert slider(page, "mn_batch").get_attribute("aria-valuetext") == "1"
        assert metric(page, "trainable parameters (as model.summary() reports them)") == "7,850"
        button(page, "mn_train").click()
        page.locator(PROGRESS).filter(has_text="Epoch").wait_for(timeout=TRAINING_TIMEOUT)
        wait_until_trained(page)
        assert_clean(page, "after training the smallest network")
        assert metric(page, "epochs trained") == "1"
        metric(page, "test accuracy")  # shown, whatever it is

        # the widgets that appear with a trained network
        if page.locator(".st-key-mn_cell_true").count():
            for key in ("mn_cell_true", "mn_cell_pred"):
                choose(page, key, -1)
                choose(page, key, 0)
        set_number(page, "mn_inspect", 999)
        set_number(page, "mn_inspect", 0)
        page.get_by_role("tab", name="Upload an image").click()
        page.get_by_role("tab", name="Draw").click()
        assert_clean(page, "after switching tabs")
        screenshot_whole_app(page, "mnist_extremes_min_trained")
    finally:
        context.close()



# --- Lecture mode on a projector, and a diverging training ------------------------------------------------


def test_lecture_moment_18_shows_the_curves_and_the_progress_on_the_projector(browser, server_url):
    """The lecture plan's "press Train and watch the curves", at 1280×720: the page opens at the Train button under
    the moment bar, and while the network trains the curves and the progress bar under them (the epoch and the time
    left) are on the screen. At 480 px the curves pushed the progress bar 19 px below it."""
    number = next(n for n, m in enumerate(LECTURE_PLAN, start=1) if m.page == "mnist" and not m.settings)
    context, page = open_mnist(browser, server_url, 1280, 720, f"?lecture_mode=true&{MOMENT_PARAM}={number}&mn_epochs=30")
    try:
        button(page, "mn_train").click()
        page.locator(PROGRESS).filter(has_text="Epoch").wait_for(timeout=TRAINING_TIMEOUT)
        bar = page.locator(".st-key-moment_bar").bounding_box()
        curves = page.locator(".st-key-mn_curves .js-plotly-plot").bounding_box()
        progress = page.locator(PROGRESS).bounding_box()
        screenshot_whole_app(page, "mnist_lecture_moment_training")
        assert bar["y"] + bar["height"] <= curves["y"] and curves["y"] + curves["height"] <= progress["y"]
        assert progress["y"] + progress["height"] <= 720, (curves, progress)
        button(page, "mn_stop").click()
        wait_until_trained(page)
        assert_clean(page, "after the moment's training")
    finally:
        context.close()


@FULL  # CI time: a training of its own; AppTest's divergence test stays in CI
def test_lecture_mode_curves_and_a_diverging_training(browser, server_url):
    """At 1280×720 in Lecture mode (slow redraws), the curve still has equal windows of batches and no jumps at
    the epoch boundaries; then η = 10 with a linear hidden layer diverges in epoch 1 (issue #11, item 6): no
    epoch counts as trained, validation and evaluation say why they have no numbers, Continue is off, and
    the chart marks where the loss became NaN."""
    context, page = open_mnist(browser, server_url, 1280, 720)
    try:
        page.get_by_text("Lecture mode").click()
        wait_until_idle(page)
        assert press_slider(page, "mn_epochs", "Home") == "1"
        assert press_slider(page, "mn_epochs", "ArrowRight") == "2"
        button(page, "mn_train").click()
        page.locator(PROGRESS).filter(has_text="Epoch").wait_for(timeout=TRAINING_TIMEOUT)  # it started
        wait_until_trained(page)
        assert_clean(page, "after training in Lecture mode")
        assert curve_windows(page) == [5, 6] * 20  # 110 batches: 20 windows per epoch, whatever the redraws
        assert percent(metric(page, "training accuracy")) >= 80
        assert "mean over epoch 2" in metric_box(page, "training accuracy").inner_text()
        screenshot_whole_app(page, "mnist_lecture_trained")

        assert choose(page, "mn_activation", -1) == "None (linear)"
        assert press_slider(page, "mn_lr_sgd", "End") == "10"
        button(page, "mn_train").click()
        error = page.locator("[data-testid='stAlertContentError']").filter(has_text="Training diverged")
        error.wait_for(timeout=TRAINING_TIMEOUT)  # over in a second: the progress bar may come and go unseen
        wait_until_trained(page)
        assert_clean(page, "after a diverging training")
        assert error.count() == 1 and "in epoch 1, batch" in error.inner_text()
        assert metric(page, "epochs trained") == "0"
        assert metric(page, "validation accuracy") == metric(page, "validation loss") == "—"
        assert page.get_by_text("Nothing to evaluate: the training diverged.").count() == 1
        assert page.locator(".st-key-mn_confusion").count() == 0
        assert page.locator("[data-testid='stMetricLabel']", has_text="test accuracy").count() == 0
        assert not button(page, "mn_continue").is_enabled()
        assert page.get_by_text("Continue is off: the training diverged").count() == 1
        shapes = page.locator(".st-key-mn_curves .js-plotly-plot").evaluate("gd => gd._fullLayout.shapes.length")
        assert shapes == 2  # the dotted 'diverged' line in both panels
        screenshot_whole_app(page, "mnist_lecture_diverged")
    finally:
        context.close()
