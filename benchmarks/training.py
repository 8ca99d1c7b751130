"""MNIST training in a Keras worker (as the page runs it) vs a plain ``model.fit`` in a plain interpreter.

    python -m benchmarks.training [repeats [epochs]]     # prints one JSON object
    python -m benchmarks.training --plain EPOCHS           # one plain fit (what the part runs in a fresh interpreter)

Same model, data, batch size and epochs: the page's defaults (``nnviz.mlp.MLPConfig()``, 784-128-10 ReLU,
SGD 0.1 momentum 0.9, batch 32) with ``epochs`` epochs, on the 5,000 offline digits split with seed 0.

worker   a ``TrainingService(PoolSettings(workers=1))`` in this process (which does not import TensorFlow)
         runs ``nnviz.mlp_training:training_job`` (dataset "digits_5k", seed 0): timed from ``submit`` until
         the service reports the job done, which is what the page's fragment reads at its next poll (≤ 0.4 s
         later; not counted). The worker is warm: the first job is run and discarded. Everything the job does
         is in: building the model, the live-progress callback, the history sent a few times a second, a
         checkpoint (weights and optimizer variables) after every epoch, the result (with the ``.keras`` file), and the worker's
         ``clear_session()`` + ``gc.collect()`` before it reports. Workers run TensorFlow with
         ``PoolSettings.threads`` intra- and inter-op threads (default 1) at nice 10 (``PoolSettings.nice``).
plain    a fresh interpreter (``--plain``) that builds the same model (``nnviz.mlp_training.build_model``) on
         ``nnviz.mnist_data.offline_dataset(seed=0)`` and times ``model.fit(x_train / 255, y_train,
         validation_data=(x_val / 255, y_val), batch_size, epochs, verbose=0)`` — the fit alone (tracing
         included, as a new model in a worker traces too), at normal priority. Twice per repeat:
         with TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS = the workers' thread count (the goal's
         reference) and with TensorFlow's default threads (information).

The three run interleaved, ``repeats`` times each (medians). Process CPU time is recorded for all three
(the worker's from /proc/<pid>/stat, over the job): it is less sensitive than wall time to other jobs.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TRAINING_JOB = "nnviz.mlp_training:training_job"
THREAD_ENV = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


# --- the plain fit, in its own interpreter ------------------------------------------------------------------


def plain_fit_here(epochs: int) -> dict:
    """Build the page's default model and time one plain ``model.fit`` (run by ``--plain``)."""
    from nnviz import mlp as nn
    from nnviz import mlp_training as mt
    from nnviz import mnist_data

    data = mnist_data.offline_dataset(seed=0)
    config = nn.MLPConfig(epochs=epochs)
    model = mt.build_model(config)
    start, cpu = time.perf_counter(), time.process_time()
    fit = model.fit(data.x_train / 255.0, data.y_train, validation_data=(data.x_val / 255.0, data.y_val),
                    batch_size=config.batch_size, epochs=config.epochs, verbose=0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    import gc

    import tensorflow as tf

    extras = {}  # not timed in the goal: what a worker's job does besides fit, measured once here
    checkpoints, files = [], []
    for _ in range(3):  # a checkpoint, as the job sends after every epoch, and the .keras file of its result
        t = time.perf_counter()
        mt.take_checkpoint(model)
        checkpoints.append(time.perf_counter() - t)
        t = time.perf_counter()
        mt.model_bytes(model)
        files.append(time.perf_counter() - t)
    extras["checkpoint_s"], extras["model_file_s"] = checkpoints, files
    t = time.perf_counter()
    mt.keras.backend.clear_session()
    gc.collect()
    extras["clear_session_and_gc_s"] = time.perf_counter() - t
    return {"fit_s": seconds, "cpu_s": cpu, "val_accuracy": float(fit.history["val_accuracy"][-1]), **extras,
            "threads_env": {name: os.environ.get(name) for name in THREAD_ENV},
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
            "os_threads_after_fit": _os_threads()}


def _os_threads() -> int | None:
    """Threads of this process (TensorFlow's pools among them: a check that the thread variables took effect)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Threads:"))
    except (OSError, StopIteration, ValueError):
        return None


def plain_fit(epochs: int, threads: int | None, timeout: float = 600) -> dict:
    """``plain_fit_here`` in a fresh interpreter; ``threads`` None: TensorFlow's default thread pools."""
    from benchmarks.common import run_module_json

    env = {name: str(threads) if threads else None for name in THREAD_ENV}
    return run_module_json("benchmarks.training", ["--plain", str(epochs)], timeout, env=env)


# --- the worker ---------------------------------------------------------------------------------------------


def worker_job(service, kwargs: dict, timeout: float = 600) -> dict:
    """One training job, from submit to done as the service reports it."""
    from benchmarks.common import cpu_seconds
    from nnviz import training_service as ts

    pids_before = service.worker_pids()
    cpu_before = {pid: cpu_seconds(pid) for pid in pids_before}
    first_progress, first_point = [], []
    last = {}

    def seen(view):
        if view.progress and not first_progress:
            first_progress.append(time.perf_counter() - start)
        if view.progress and not first_point and view.progress["history"].steps["epoch"]:
            first_point.append(time.perf_counter() - start)  # the first point of the training curve is here
        if view.progress:
            last["progress"] = view.progress["progress"]

    start = time.perf_counter()
    job = service.submit("benchmark", TRAINING_JOB, kwargs)
    view = service.wait(job, timeout=timeout, on_update=seen, poll=0.05)
    seconds = time.perf_counter() - start
    service.forget(job)
    if view.state != ts.DONE:
        raise RuntimeError(f"training job {view.state}: {view.error}")
    pids = service.worker_pids()
    pid = next((p for p in pids if p in cpu_before), None)
    history = view.result["history"]
    progress = last.get("progress")
    return {"job_s": seconds, "started_to_done_s": view.elapsed_seconds,
            "first_progress_s": first_progress[0] if first_progress else None,
            "first_point_s": first_point[0] if first_point else None,
            "fit_elapsed_at_last_report_s": progress.elapsed if progress else None,
            "worker_cpu_s": cpu_seconds(pid) - cpu_before[pid] if pid in cpu_before else None,
            "worker_pid": pid, "epochs_trained": history.completed_epochs,
            "val_accuracy": float(history.last("val_accuracy"))}


def measure(repeats: int = 5, epochs: int = 5) -> dict:
    from benchmarks.common import median
    from nnviz import mlp as nn
    from nnviz import training_service as ts

    settings = ts.PoolSettings(workers=1)
    config = nn.MLPConfig(epochs=epochs)
    kwargs = {"config": config, "dataset_key": "digits_5k", "seed": 0}
    service = ts.TrainingService(settings)
    try:
        warm_up = worker_job(service, kwargs)  # starts the worker: TensorFlow, the images; discarded
        samples = {"worker": [], "plain_same_threads": [], "plain_default_threads": []}
        for _ in range(repeats):
            samples["worker"].append(worker_job(service, kwargs))
            samples["plain_same_threads"].append(plain_fit(epochs, settings.threads))
            samples["plain_default_threads"].append(plain_fit(epochs, None))
        workers_started = service.workers_started
    finally:
        service.shutdown()
    worker_s = median(s["job_s"] for s in samples["worker"])
    plain_s = median(s["fit_s"] for s in samples["plain_same_threads"])
    default_s = median(s["fit_s"] for s in samples["plain_default_threads"])
    worker_cpu = median(s["worker_cpu_s"] for s in samples["worker"])
    plain_cpu = median(s["cpu_s"] for s in samples["plain_same_threads"])
    default_cpu = median(s["cpu_s"] for s in samples["plain_default_threads"])
    return {
        "config": {"hidden_units": list(config.hidden_units), "activation": config.activation,
                   "optimizer": config.optimizer, "learning_rate": config.learning_rate,
                   "batch_size": config.batch_size, "epochs": epochs, "data": "digits_5k", "seed": 0},
        "pool": {"workers": settings.workers, "threads": settings.threads, "nice": settings.nice},
        "repeats": repeats,
        "worker_job_s": worker_s,
        "plain_fit_same_threads_s": plain_s,
        "plain_fit_default_threads_s": default_s,
        "ratio": worker_s / plain_s,
        # less disturbed by other jobs: the fastest of each, and each repeat's worker ÷ the plain fit just after it
        "ratio_of_minimums": (min(s["job_s"] for s in samples["worker"])
                              / min(s["fit_s"] for s in samples["plain_same_threads"])),
        "ratio_median_of_pairs": median(w["job_s"] / p["fit_s"] for w, p in
                                        zip(samples["worker"], samples["plain_same_threads"])),
        "ratio_vs_default_threads": worker_s / default_s,
        "worker_cpu_s": worker_cpu,
        "plain_cpu_same_threads_s": plain_cpu,
        "plain_cpu_default_threads_s": default_cpu,
        "cpu_ratio": worker_cpu / plain_cpu if worker_cpu and plain_cpu else None,
        "worker_fit_elapsed_s": median(s["fit_elapsed_at_last_report_s"] for s in samples["worker"]),
        "worker_first_progress_s": median(s["first_progress_s"] for s in samples["worker"]),
        "worker_first_point_s": median(s["first_point_s"] for s in samples["worker"]),
        "checkpoint_s": median(s["checkpoint_s"][-1] for s in samples["plain_same_threads"]),
        "model_file_s": median(s["model_file_s"][-1] for s in samples["plain_same_threads"]),
        "clear_session_and_gc_s": median(s["clear_session_and_gc_s"] for s in samples["plain_same_threads"]),
        "workers_started": workers_started,
        "warm_up_job": warm_up,
        "samples": samples,
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--plain":
        print(json.dumps(plain_fit_here(int(sys.argv[2]))))
    else:
        args = [int(a) for a in sys.argv[1:3]]
        print(json.dumps(measure(*args), default=float))
