"""MNIST training through the app's code vs a plain ``model.fit(verbose=0)``, and the same with
``steps_per_execution``; run in its own interpreter (it imports TensorFlow).

    python -m benchmarks.training [repeats]     # prints one JSON object

1. ``benchmarks.training_overhead.measure()``: the app's path (``nnviz.mlp_training.train`` with
   the live-progress callback and a training-curves figure serialised at every report) vs plain
   ``model.fit``, same model (the page's defaults), data, batch size and epochs; medians, ratio.
2. The same model compiled with ``steps_per_execution=STEPS`` (the page's ``model_code`` with one
   more ``compile`` argument), measured interleaved with a plain ``fit`` at steps_per_execution=1:
   plain and through the app (wall time; process CPU time too, which other jobs disturb less).
3. Whether steps_per_execution changes results: final weights and per-epoch history of a training
   with it and one without, from the same seed (and, as a control, two trainings without it).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

STEPS = 8


def _compiled(config, steps_per_execution: int):
    """The page's model, compiled with ``steps_per_execution`` (1: exactly the page's code)."""
    from nnviz import mlp as nn
    from nnviz import mlp_training as mt

    if steps_per_execution == 1:
        return mt.build_model(config)
    code = nn.model_code(config)
    marker = '    metrics=["accuracy"],\n'
    assert marker in code, "model_code changed: cannot add steps_per_execution"
    code = code.replace(marker, marker + f"    steps_per_execution={steps_per_execution},\n")
    namespace = {"keras": mt.keras}
    exec(code, namespace)  # noqa: S102 -- the app's own generated code plus one argument
    return namespace["model"]


CPU = {}  # last run's process CPU seconds, by kind: less sensitive than wall time to other jobs


def _fit_plain(model, config, data):
    start, cpu = time.perf_counter(), time.process_time()
    fit = model.fit(data.x_train / 255.0, data.y_train, validation_data=(data.x_val / 255.0, data.y_val),
                    batch_size=config.batch_size, epochs=config.epochs, verbose=0)
    CPU["last"] = time.process_time() - cpu
    return time.perf_counter() - start, fit.history


def _fit_app(model, config, data):
    from nnviz import mlp as nn
    from nnviz import mlp_training as mt
    from nnviz.figures.mnist import training_curves_figure

    history = nn.TrainingHistory()
    updates = []

    def report(progress):
        updates.append(len(training_curves_figure(history, (), config.epochs).to_json()))

    start, cpu = time.perf_counter(), time.process_time()
    mt.train(model, config, data, history, report)
    CPU["last"] = time.process_time() - cpu
    return time.perf_counter() - start, history, len(updates)


def steps_per_execution_timing(repeats: int) -> dict:
    """Interleaved: plain fit and the app's training without steps_per_execution (a cross-check of
    training_overhead, with CPU times), plain fit and the app's training with spe=STEPS."""
    from nnviz import mlp as nn
    from nnviz import mnist_data

    data = mnist_data.offline_dataset(seed=0)
    config = nn.MLPConfig()
    runs = {
        "plain_fit_s": lambda: _fit_plain(_compiled(config, 1), config, data)[0],
        "app_training_s": lambda: _fit_app(_compiled(config, 1), config, data)[0],
        f"plain_fit_spe{STEPS}_s": lambda: _fit_plain(_compiled(config, STEPS), config, data)[0],
        f"app_training_spe{STEPS}_s": lambda: _fit_app(_compiled(config, STEPS), config, data)[0],
    }
    for run in runs.values():  # warm-up: tracing, first allocations
        run()
    samples = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            samples[name].append(run())
            cpu[name].append(CPU["last"])
    result = {name: statistics.median(s) for name, s in samples.items()}
    result["cpu_s"] = {name: statistics.median(s) for name, s in cpu.items()}
    result["ratio_app_vs_plain"] = result["app_training_s"] / result["plain_fit_s"]
    result[f"ratio_app_spe{STEPS}_vs_plain"] = result[f"app_training_spe{STEPS}_s"] / result["plain_fit_s"]
    result["cpu_ratio_app_vs_plain"] = result["cpu_s"]["app_training_s"] / result["cpu_s"]["plain_fit_s"]
    result[f"cpu_ratio_app_spe{STEPS}_vs_plain"] = (result["cpu_s"][f"app_training_spe{STEPS}_s"]
                                                   / result["cpu_s"]["plain_fit_s"])
    result[f"ratio_plain_spe{STEPS}_vs_plain"] = result[f"plain_fit_spe{STEPS}_s"] / result["plain_fit_s"]
    result["samples_s"] = samples
    result["cpu_samples_s"] = cpu
    return result


def steps_per_execution_same_results() -> dict:
    """Final weights and per-epoch logs with and without steps_per_execution, same seed."""
    import numpy as np

    from nnviz import mlp as nn
    from nnviz import mnist_data

    data = mnist_data.offline_dataset(seed=0)
    config = nn.MLPConfig()

    def train(spe, through_app):
        model = _compiled(config, spe)
        if through_app:
            _, history, updates = _fit_app(model, config, data)
            logs = {k: v for k, v in history.epochs.items() if k != "epoch"}
        else:
            _, logs = _fit_plain(model, config, data)
            updates = None
        return [np.array(w) for w in model.get_weights()], logs, updates

    def compare(a, b) -> dict:
        (wa, la, _), (wb, lb, _) = a, b
        return {
            "weights_identical": all(np.array_equal(x, y) for x, y in zip(wa, wb)),
            "weights_max_abs_diff": float(max(np.max(np.abs(x - y)) for x, y in zip(wa, wb))),
            "history_identical": all(np.array_equal(la[k], lb[k]) for k in la),
            "history_max_abs_diff": float(max(np.max(np.abs(np.subtract(la[k], lb[k]))) for k in la)),
            "final_val_accuracy": [float(la["val_accuracy"][-1]), float(lb["val_accuracy"][-1])],
        }

    plain_1, plain_1_again, plain_s = train(1, False), train(1, False), train(STEPS, False)
    app_1, app_s = train(1, True), train(STEPS, True)
    return {
        "control_spe1_twice": compare(plain_1, plain_1_again),
        f"plain_spe1_vs_spe{STEPS}": compare(plain_1, plain_s),
        f"app_spe1_vs_spe{STEPS}": compare(app_1, app_s),
        "app_vs_plain_spe1": compare(app_1, plain_1),
        "chart_updates": {"app_spe1": app_1[2], f"app_spe{STEPS}": app_s[2]},
    }


def measure_here(repeats: int) -> dict:
    from benchmarks.training_overhead import measure as overhead
    from nnviz.mlp import MLPConfig

    config = MLPConfig()
    start = time.perf_counter()
    result = {"config": {"hidden_units": list(config.hidden_units), "activation": config.activation,
                         "optimizer": config.optimizer, "learning_rate": config.learning_rate,
                         "batch_size": config.batch_size, "epochs": config.epochs, "data": "digits_5k"},
              "steps_per_execution": STEPS}
    result["overhead"] = overhead(repeats)
    result["with_steps_per_execution"] = steps_per_execution_timing(repeats)
    result["same_results"] = steps_per_execution_same_results()
    result["seconds"] = time.perf_counter() - start
    return result


def measure(repeats: int = 5, timeout: float = 900) -> dict:
    """``measure_here`` in a fresh interpreter (no Streamlit or other TensorFlow state around it)."""
    from benchmarks.common import run_module_json

    return run_module_json("benchmarks.training", [str(repeats)], timeout)


if __name__ == "__main__":
    print(json.dumps(measure_here(int(sys.argv[1]) if len(sys.argv) > 1 else 5), default=float))
