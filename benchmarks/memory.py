"""Server memory (RSS) while a student trains on the MNIST page again and again, in headless Chromium.

A fresh `streamlit run` server; one browser session opens /mnist, sets "epochs per training" to 1
(Home on its slider) and presses "Train a new network" ``trainings`` times in a row, each time
waiting for the script run to finish. The server's VmRSS is read from /proc/<pid>/status: idle
(after the first page load), after each training. Growth = RSS after the last training − RSS after
the first (the first loads TensorFlow, which is expected to cost a few hundred MB once).

Control (``control(trainings)``, in its own interpreter, no Streamlit): the same sequence with the
app's training code alone: build the page's model (1 epoch), train it through
``nnviz.mlp_training.train``, snapshot its weights and ``.keras`` file as the page does, drop the
previous model, ``gc.collect()`` (as Streamlit does after every run); RSS and the number of live
Keras models after each, and RSS after ``malloc_trim(0)`` at the end (what the C heap kept but no
longer uses). If the control grows like the server, the growth is Keras/TensorFlow's per-model
cost, not state the page keeps.
"""

from __future__ import annotations

import time

from benchmarks.common import STATE_PROBE, chromium, new_page, runs_done, server, wait_charts_drawn, wait_for_run

TRAINING_TIMEOUT = 180_000


def _train_once(page) -> float:
    before = runs_done(page)
    start = time.monotonic()
    page.locator(".st-key-mn_train button:visible").click()
    wait_for_run(page, before, timeout=TRAINING_TIMEOUT)
    seconds = time.monotonic() - start
    wait_charts_drawn(page, timeout=TRAINING_TIMEOUT)
    return seconds


def measure(trainings: int = 30) -> dict:
    with server("memory") as s, chromium() as browser:
        context, page = new_page(browser)
        page.add_init_script(STATE_PROBE)
        page.goto(s.url + "/mnist")
        wait_charts_drawn(page)
        page.wait_for_timeout(500)
        rss = {"idle_mb": s.rss_mb(), "tensorflow_loaded_idle": s.tensorflow_loaded()}

        thumb = page.locator(".st-key-mn_epochs").get_by_role("slider")
        thumb.focus()
        before = runs_done(page)
        thumb.press("Home")
        wait_for_run(page, before)
        wait_charts_drawn(page)
        epochs = thumb.input_value()

        after, seconds = [], []
        for _ in range(trainings):
            seconds.append(_train_once(page))
            after.append(s.rss_mb())
        exceptions = page.locator("[data-testid='stException']").count()
        epochs_trained = page.locator("[data-testid='stMetric']").filter(has_text="epochs trained") \
            .locator("[data-testid='stMetricValue']").inner_text()
        page_errors = list(page.page_errors)
        context.close()
        time.sleep(1)
        rss_after_close = s.rss_mb()
    return rss | {
        "epochs_per_training": epochs,
        "after_first_training_mb": after[0],
        "after_last_training_mb": after[-1],
        "trainings": trainings,
        "growth_first_to_last_mb": after[-1] - after[0],
        "growth_per_training_mb": (after[-1] - after[0]) / max(trainings - 1, 1),
        "after_session_closed_mb": rss_after_close,
        "rss_after_each_training_mb": after,
        "seconds_per_training": seconds,
        "epochs_trained_shown": epochs_trained,
        "exceptions_on_page": exceptions,
        "javascript_errors": page_errors,
    }


def control_here(trainings: int) -> dict:
    import gc
    import os

    import numpy as np

    from benchmarks.common import rss_mb
    from nnviz import mlp as nn
    from nnviz import mlp_training as mt
    from nnviz import mnist_data

    pid = os.getpid()
    data = mnist_data.offline_dataset(seed=0)
    config = nn.MLPConfig(epochs=1)
    rss = {"after_tensorflow_import_mb": rss_mb(pid)}
    after, live_models = [], []
    kept = None
    for _ in range(trainings):
        model = mt.build_model(config)
        history = mt.train(model, config, data, nn.TrainingHistory(), lambda progress: None)
        kept = (model, history, [np.array(w) for w in model.get_weights()], mt.model_bytes(model))
        gc.collect()
        after.append(rss_mb(pid))
        live_models.append(sum(isinstance(o, mt.keras.Model) for o in gc.get_objects()))
    del kept, model
    gc.collect()
    rss["after_dropping_all_mb"] = rss_mb(pid)
    try:  # give freed heap back to the OS: what remains is memory still in use
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
        rss["after_malloc_trim_mb"] = rss_mb(pid)
    except OSError:
        pass
    return rss | {"live_keras_models_after_each": live_models,
                  "after_first_training_mb": after[0], "after_last_training_mb": after[-1],
                  "growth_first_to_last_mb": after[-1] - after[0],
                  "growth_per_training_mb": (after[-1] - after[0]) / max(trainings - 1, 1),
                  "rss_after_each_training_mb": after}


def control(trainings: int = 30, timeout: float = 600) -> dict:
    """``control_here`` in a fresh interpreter."""
    from benchmarks.common import run_module_json

    return run_module_json("benchmarks.memory", ["--control", str(trainings)], timeout)


if __name__ == "__main__":
    import json
    import sys

    args = sys.argv[1:]
    if args and args[0] == "--control":
        print(json.dumps(control_here(int(args[1]) if len(args) > 1 else 30)))
    else:
        print(json.dumps(measure(int(args[0]) if args else 30), indent=1))
