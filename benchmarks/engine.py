"""Engine vs Keras fit: epochs per second on the playground's default task; run in its own
interpreter (it imports TensorFlow).

    python -m benchmarks.engine [repeats]      # prints one JSON object

The task: 250 points of ``nnviz.data.blobs`` (two overlapping clouds, seed 0), a 2-8-8-1 network,
tanh hidden layers, sigmoid output, binary cross-entropy, batch 10 (25 steps an epoch), plain SGD at
learning rate 0.03, no shuffling, from the same Glorot weights.

- numpy engine: ``nnviz.network.fit`` in float64, with ``record_loss`` on (the loss curve the page
  draws) and off;
- Keras: ``model.fit(verbose=0, shuffle=False)`` in float32 on a compiled model whose training step
  has already been traced, EPOCHS_KERAS epochs per call (its steady state); also one epoch per call,
  as a page would drive it to redraw after every epoch (info).

The runs are measured interleaved (wall time, and process CPU time as a cross-check), REPEATS times, and compared by their medians. The engine is
also timed before TensorFlow is imported (info: does TensorFlow in the process slow numpy?), and
both trainings are run for a few epochs from the same weights to show they compute the same thing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

N_POINTS, SEED, SPREAD = 250, 0, 1.0
SIZES, HIDDEN, OUTPUT, LOSS = (2, 8, 8, 1), "tanh", "sigmoid", "binary_crossentropy"
BATCH_SIZE, LEARNING_RATE = 10, 0.03
EPOCHS_ENGINE = 200  # per timed run (~0.3 s)
EPOCHS_KERAS = 20  # per timed model.fit call (~1.5 s)
EPOCHS_SAME = 5  # the cross-check of results
REPEATS = 15  # 7 left runs ×41–×56 apart on this noisy machine


def task():
    """(spec, x, y, starting network): the playground's default task."""
    from nnviz import data
    from nnviz import network as nw

    x, y = data.blobs(N_POINTS, SEED, spread=SPREAD)
    spec = nw.NetworkSpec(SIZES, HIDDEN, OUTPUT, LOSS)
    return spec, x, y, nw.init_network(spec, SEED)


CPU = {}  # the last run's epochs per CPU second of the process (Keras' thread pools included)


def engine_run(start, x, y, epochs: int, record_loss: bool) -> float:
    """Epochs per second of ``network.fit`` (float64) from a copy of ``start``."""
    from nnviz import network as nw

    net = start.copy()
    began, cpu = time.perf_counter(), time.process_time()
    nw.fit(net, nw.SGD(LEARNING_RATE), x, y, BATCH_SIZE, epochs, record_loss=record_loss)
    CPU["last"] = epochs / (time.process_time() - cpu)
    return epochs / (time.perf_counter() - began)


def keras_model(spec, start):
    from nnviz import keras_jobs as kj

    keras = kj.load_keras()
    plain = dataclasses.asdict(spec)
    model = kj.build_model(plain, start.weights, start.biases)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE), loss=kj.loss_object(plain))
    return model


def keras_run(model, x, y, epochs: int) -> float:
    began, cpu = time.perf_counter(), time.process_time()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=epochs, shuffle=False, verbose=0)
    CPU["last"] = epochs / (time.process_time() - cpu)
    return epochs / (time.perf_counter() - began)


def same_results(spec, start, x, y) -> dict:
    """EPOCHS_SAME epochs of each from the same weights: float64 engine vs float32 Keras."""
    import numpy as np

    from nnviz import keras_jobs as kj
    from nnviz import network as nw

    net = start.copy()
    history = nw.fit(net, nw.SGD(LEARNING_RATE), x, y, BATCH_SIZE, EPOCHS_SAME)
    ref = kj.fit_weights(dataclasses.asdict(spec), start.weights, start.biases, x, y,
                         {"name": "sgd", "learning_rate": LEARNING_RATE}, BATCH_SIZE, EPOCHS_SAME)
    keras_params = [p for pair in zip(ref["weights"], ref["biases"]) for p in pair]
    return {"epochs": EPOCHS_SAME,
            "max_abs_weight_diff": float(max(np.abs(a - b).max() for a, b in zip(net.params, keras_params))),
            "max_abs_history_diff": float(np.max(np.abs(np.subtract(history, ref["history"])))),
            "engine_history": history, "keras_history": ref["history"]}


def measure_here(repeats: int = REPEATS) -> dict:
    import numpy as np

    began = time.perf_counter()
    spec, x, y, start = task()
    engine_run(start, x, y, 20, True)  # warm-up
    before_tf = [engine_run(start, x, y, EPOCHS_ENGINE, True) for _ in range(3)]
    assert "tensorflow" not in sys.modules

    model = keras_model(spec, start)
    x32, y32 = x.astype(np.float32), y.astype(np.float32).reshape(-1, 1)
    keras_run(model, x32, y32, 1)  # warm-up: traces the training step
    runs = {
        "engine_record_loss": lambda: engine_run(start, x, y, EPOCHS_ENGINE, True),
        "engine_no_record": lambda: engine_run(start, x, y, EPOCHS_ENGINE, False),
        "keras_fit": lambda: keras_run(model, x32, y32, EPOCHS_KERAS),
        "keras_fit_1_epoch_per_call": lambda: keras_run(model, x32, y32, 1),
    }
    samples = {name: [] for name in runs}
    cpu_samples = {name: [] for name in runs}
    loadavg = [os.getloadavg()[0]]
    for _ in range(repeats):
        for name, run in runs.items():
            samples[name].append(run())
            cpu_samples[name].append(CPU["last"])
    loadavg.append(os.getloadavg()[0])
    eps = {name: statistics.median(s) for name, s in samples.items()}
    cpu_eps = {name: statistics.median(s) for name, s in cpu_samples.items()}
    return {
        "task": {"points": N_POINTS, "data": f"nnviz.data.blobs(n={N_POINTS}, seed={SEED}, spread={SPREAD})",
                 "sizes": list(SIZES), "hidden": HIDDEN, "output": OUTPUT, "loss": LOSS, "batch_size": BATCH_SIZE,
                 "steps_per_epoch": -(-N_POINTS // BATCH_SIZE), "optimizer": f"SGD(learning_rate={LEARNING_RATE})",
                 "engine_dtype": "float64", "keras_dtype": "float32", "shuffle": False,
                 "epochs_per_run": {"engine": EPOCHS_ENGINE, "keras": EPOCHS_KERAS}},
        "repeats": repeats,
        "epochs_per_s": eps,
        "epochs_per_cpu_s": cpu_eps,  # less disturbed by other jobs; Keras spreads over threads
        "cpu_ratio_record_loss": cpu_eps["engine_record_loss"] / cpu_eps["keras_fit"],
        "engine_record_loss_before_tensorflow_epochs_per_s": statistics.median(before_tf),
        "ratio_record_loss": eps["engine_record_loss"] / eps["keras_fit"],
        "ratio_no_record": eps["engine_no_record"] / eps["keras_fit"],
        "ratio_record_loss_vs_keras_1_epoch_per_call": eps["engine_record_loss"] / eps["keras_fit_1_epoch_per_call"],
        "same_results": same_results(spec, start, x, y),
        "samples_epochs_per_s": samples | {"engine_record_loss_before_tensorflow": before_tf},
        "samples_epochs_per_cpu_s": cpu_samples,
        "loadavg_1min": loadavg,
        "seconds": time.perf_counter() - began,
    }


def measure(repeats: int = REPEATS, timeout: float = 600) -> dict:
    """``measure_here`` in a fresh interpreter (no Streamlit or other TensorFlow state around it)."""
    from benchmarks.common import run_module_json

    return run_module_json("benchmarks.engine", [str(repeats)], timeout)


if __name__ == "__main__":
    print(json.dumps(measure_here(int(sys.argv[1]) if len(sys.argv) > 1 else REPEATS), default=float))
