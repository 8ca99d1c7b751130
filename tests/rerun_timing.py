"""Median server-side rerun time after widget changes, measured with AppTest.

Run in a fresh interpreter (``python tests/rerun_timing.py``): Streamlit runs a full garbage
collection after every script run (runner.postScriptGC), and once TensorFlow is imported in the
same process that collection alone costs ~200 ms, so a test process that has imported TensorFlow
for other tests would measure TensorFlow, not the page. Prints one JSON object.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import REFERENCE_PAGE, app_test, median_rerun_ms

# page -> (widget kind, key, two values to alternate between)
CHANGES = {
    "app_pages/activations.py": [
        ("slider", "neuron_w", 2.0, -1.5),
        ("slider", "act_range", (-10.0, 10.0), (-4.0, 4.0)),
        ("multiselect", "act_choice", ["sigmoid", "tanh", "relu", "elu", "gelu"], ["relu"]),
        ("slider", "chain_depth", 30, 5),
        ("selectbox", "collapse_act", "tanh", "relu"),
    ],
    "app_pages/perceptron.py": [
        ("slider", "perc_w1", 2.0, -1.5),
        ("slider", "neuron_bias", 1.0, -1.0),
        ("slider", "xor_steepness", 12.0, 3.0),
        ("slider", "perc_lr", 0.5, 1.5),
        ("button", "perc_step", None, None),
    ],
    "app_pages/gradient_descent.py": [
        ("slider", "gd1_steps", 20, 30),
        ("slider", "gd2_steps", 100, 60),
        ("toggle", "gd2_momentum_on", True, False),
        ("slider", "gd3_batch", 8, 32),
        ("slider", "gd3_epochs", 5, 8),
    ],
    "app_pages/loss_vs_accuracy.py": [
        ("slider", "la_current", 2.0, 0.5),
        ("slider", "la_bias", -5.0, -6.0),
        ("slider", "la_epochs", 80, 60),
        ("slider", "la_p", 0.2, 0.05),
        ("slider", "la_share", 10, 5),
    ],
    "app_pages/softmax.py": [
        ("slider", "sm_temperature", 0.3, 2.5),
        ("slider", "sm_logit_0", -3.0, 4.0),
        ("slider", "sm_classes", 10, 4),
        ("slider", "sm_shift", 1000.0, 0.0),
        ("selectbox", "sm_true", 1, 0),
    ],
    "app_pages/backprop.py": [  # (η is in a tab that is closed at first; its browser figure is in benchmarks)
        ("slider", "bp_step", 3, 6),
        ("slider", "bp_layers", 2, 1),
        ("number_input", "bp_x1", 1.5, -0.5),
        ("selectbox", "bp_activation", "tanh", "relu"),
        ("slider", "bp_units", 4, 2),
    ],
}
def measure() -> dict:
    """{page: {widget key: median ms, ..., "page": median over widgets, "reference": one-chart page}}."""
    from streamlit.testing.v1 import AppTest

    reference = AppTest.from_string(REFERENCE_PAGE, default_timeout=30)
    reference.run()
    results = {}
    for page, changes in CHANGES.items():
        at = app_test(page)
        per_widget = {}
        reference_times = []
        for kind, key, a, b in changes:  # interleaved with the reference: the machine is noisy
            per_widget[key] = median_rerun_ms(at, kind, key, a, b)
            reference_times.append(median_rerun_ms(reference, "slider", "v", 0.2, 0.8))
        results[page] = per_widget | {"page": statistics.median(per_widget.values()),
                                      "reference": statistics.median(reference_times),
                                      "tensorflow_imported": "tensorflow" in sys.modules}
    return results


if __name__ == "__main__":
    print(json.dumps(measure()))
