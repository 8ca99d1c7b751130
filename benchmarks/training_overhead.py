"""How much the app's training path costs on top of a plain ``model.fit(..., verbose=0)``.

Same model, data, batch size and epochs, measured alternately in one process (this machine is
noisy): the app's path runs the shown code through ``nnviz.mlp_training.train`` with the live
progress callback, and at every report builds the training-curves figure and serialises it, as
the page does before sending it to the browser.

    python -m benchmarks.training_overhead [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time


def measure(repeats: int = 5) -> dict:
    from nnviz import mlp as nn
    from nnviz import mlp_training as mt
    from nnviz import mnist_data
    from nnviz.figures.mnist import training_curves_figure

    data = mnist_data.offline_dataset(seed=0)
    config = nn.MLPConfig()  # the page's defaults
    x_train, x_val = data.x_train / 255.0, data.x_val / 255.0

    def plain() -> float:
        model = mt.build_model(config)
        start = time.perf_counter()
        model.fit(x_train, data.y_train, validation_data=(x_val, data.y_val), batch_size=config.batch_size,
                  epochs=config.epochs, verbose=0)
        return time.perf_counter() - start

    def through_the_app() -> tuple[float, int]:
        model = mt.build_model(config)
        history = nn.TrainingHistory()
        updates = []

        def report(progress):
            updates.append(len(training_curves_figure(history, (), config.epochs).to_json()))

        start = time.perf_counter()
        mt.train(model, config, data, history, report)
        return time.perf_counter() - start, len(updates)

    plain(), through_the_app()  # warm-up: tracing, first allocations
    plain_times, app_times, updates = [], [], []
    for _ in range(repeats):
        plain_times.append(plain())
        seconds, n = through_the_app()
        app_times.append(seconds)
        updates.append(n)
    result = {
        "plain_fit_s": statistics.median(plain_times),
        "app_training_s": statistics.median(app_times),
        "chart_updates": statistics.median(updates),
        "repeats": repeats,
    }
    result["ratio"] = result["app_training_s"] / result["plain_fit_s"]
    return result


if __name__ == "__main__":
    r = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    print(f"plain model.fit: {r['plain_fit_s']:.2f} s   through the app: {r['app_training_s']:.2f} s "
          f"({r['chart_updates']:.0f} chart updates)   ratio {r['ratio']:.3f}   (medians of {r['repeats']})")
