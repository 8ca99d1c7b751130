"""Building and training the MNIST MLP with Keras. Importing this module imports TensorFlow.

Free of Streamlit: the model is built and trained by executing the very code the page shows
(``nnviz.mlp.model_code`` / ``fit_code``), progress goes to a plain callback at most a few times a
second, and the history is written into a ``TrainingHistory`` as training goes, so a run that
is interrupted (a Stop, or any exception raised by the progress callback) keeps what it learned.
"""

from __future__ import annotations

import functools
import io
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from nnviz.keras_training import load_keras
from nnviz.mlp import (
    TENSORBOARD_OPTIONS,
    WINDOWS_PER_EPOCH,
    MLPConfig,
    Progress,
    TrainingHistory,
    fit_code,
    model_code,
)
from nnviz.mnist_data import DownloadFailed, load_dataset

keras = load_keras()

PROGRESS_INTERVAL = 0.25  # seconds between progress reports: a few chart updates per second


def window_ends(steps: int, windows: int = WINDOWS_PER_EPOCH) -> list[int]:
    """Where the windows of the live training curve end: an epoch of ``steps`` batches cut into
    ``windows`` windows (fewer if there are fewer batches) whose sizes differ by at most one batch."""
    n = max(1, min(windows, steps))
    return [k * steps // n for k in range(1, n + 1)]


class LiveProgress(keras.callbacks.Callback):
    """Writes Keras' logs into ``history`` and calls ``report(Progress)`` at most every ``interval`` s
    (and at every epoch end, and at once for this training's first curve point). An exception from ``report``
    stops ``fit``; the history stays.

    The training curve gets one point per window of batches (``window_ends``): fixed in each epoch,
    whatever the timing of the reports, so a slow page (Lecture mode) draws the same curve as a fast
    one, and a window that a Stop or a divergence cuts short is not recorded (one or two batches
    would be a noisy point, e.g. 100 %). Only the reports — the redraws — are throttled by time.
    """

    def __init__(self, history: TrainingHistory, report: Callable[[Progress], None] | None = None,
                 interval: float = PROGRESS_INTERVAL, windows: int = WINDOWS_PER_EPOCH,
                 stop_requested: Callable[[], bool] | None = None, samples: int | None = None,
                 batch_size: int | None = None):
        super().__init__()
        self.history_so_far = history
        self.report = report
        self.interval = interval
        self.windows = windows
        self.stop_requested = stop_requested
        self.samples, self.batch_size = samples, batch_size  # the epoch's images and batch size (see _seen)

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()
        self.last_report = -np.inf
        self.first_epoch = None
        self.last_epoch = self.params.get("epochs") or 1
        self.steps = self.params.get("steps") or 1
        self.reported_state = None
        self.ends = set(window_ends(self.steps, self.windows))
        self.history_so_far.steps_per_epoch = self.steps
        self.stopped_in_epoch = False
        self.points_before = len(self.history_so_far.steps["epoch"])

    def on_epoch_begin(self, epoch, logs=None):
        if self.first_epoch is None:
            self.first_epoch = epoch
        self.epoch = epoch
        self.recorded_step, self.recorded_means = 0, {}

    def on_train_batch_end(self, batch, logs=None):
        step, logs, first_point = batch + 1, logs or {}, False
        diverged = not np.isfinite(float(logs.get("loss", 0.0)))
        if diverged:
            self.history_so_far.diverged_at = (self.epoch + 1, step)
        elif step in self.ends:
            self._record_window(step, logs)
            first_point = len(self.history_so_far.steps["epoch"]) == self.points_before + 1
        if not diverged and self.stop_requested is not None and self.stop_requested():
            self.model.stop_training = True  # Keras ends the epoch after this batch and stops
            self.history_so_far.stopped_by = "interrupted"
            self.stopped_in_epoch = step < self.steps
            if self.stopped_in_epoch:
                self.history_so_far.stopped_at = (self.epoch + 1, step)
        now = time.perf_counter()
        if diverged or first_point or now - self.last_report >= self.interval:  # the first point at once: it
            self._report(step, now)  # is what the student waits for after pressing Train

    def on_epoch_end(self, epoch, logs=None):
        """Record a finished epoch. Keras 3 also ends the epoch in which TerminateOnNaN stopped the
        training (and validates the diverged weights): that epoch did not finish and is not recorded."""
        logs = {name: float(value) for name, value in (logs or {}).items()}
        if self.history_so_far.diverged_at is not None:
            self.history_so_far.diverged_logs = logs
            return
        if self.stopped_in_epoch:  # a Stop cut this epoch short (Keras ends it all the same): not trained
            return
        self.history_so_far.add_epoch(epoch + 1, logs)
        self._report(self.steps, time.perf_counter())

    def _record_window(self, step: int, logs: dict) -> None:
        """Record the mean loss and accuracy of the batches since the last window's end.

        Keras reports running means over the images of the epoch so far, m_k after n_k images (k batches);
        the batches j+1..k then average (n_k·m_k − n_j·m_j) / (n_k − n_j). That gives a curve that follows the
        training as it goes, instead of restarting its average at every epoch. Weighted by images, not batches:
        the last batch of an epoch is smaller (3,500 images in batches of 1024: 428), and counted as a whole batch
        its window read 37.0 % where its images scored 55.8 % (a helper's review).
        """
        means = {}
        n_k, n_j = self._seen(step), self._seen(self.recorded_step)
        for name in ("loss", "accuracy"):
            m_k = float(logs.get(name, np.nan))
            m_j = self.recorded_means.get(name, 0.0)
            means[name] = (n_k * m_k - n_j * m_j) / (n_k - n_j)
            self.recorded_means[name] = m_k
        middle = (self.recorded_step + step) / 2  # an average over batches j+1..k belongs to their middle
        self.recorded_step = step
        self.history_so_far.add_step(self.epoch + middle / self.steps, means)

    def _seen(self, step: int) -> int:
        """The images of the epoch its first ``step`` batches hold (batches, where the sizes are not known)."""
        if self.samples is None or self.batch_size is None:
            return step
        return min(step * self.batch_size, self.samples)

    def _report(self, step: int, now: float):
        self.last_report = now
        if self.report is None:
            return
        total = (self.last_epoch - self.first_epoch) * self.steps
        done = (self.epoch - self.first_epoch) * self.steps + step
        elapsed = now - self.start
        fraction = min(done / total, 1.0) if total else 1.0
        remaining = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
        history = self.history_so_far
        state = (len(history.steps["epoch"]), history.completed_epochs, history.diverged_at)
        new_points, self.reported_state = state != self.reported_state, state
        self.report(Progress(self.epoch + 1, self.last_epoch, step, self.steps, elapsed, remaining, fraction,
                             new_points))


def build_model(config: MLPConfig):
    """Run ``model_code(config)`` — the code the page shows — and return the compiled model."""
    namespace = {"keras": keras}
    exec(model_code(config), namespace)  # noqa: S102 -- our own generated code, from validated settings
    return namespace["model"]


def train(model, config: MLPConfig, data, history: TrainingHistory,
          report: Callable[[Progress], None] | None = None, interval: float = PROGRESS_INTERVAL,
          windows: int = WINDOWS_PER_EPOCH, stop_requested: Callable[[], bool] | None = None,
          tensorboard=None) -> TrainingHistory:
    """Train ``model`` for ``config.epochs`` more epochs by running ``fit_code`` — the code the page shows.

    ``data`` has x_train/y_train/x_val/y_val (pixels 0–255). Continues from the epochs already in
    ``history``. Sets ``history.stopped_by = "nan"`` when TerminateOnNaN ended the run (the epoch
    it cut short is not counted; ``history.diverged_at`` says where it happened), and "interrupted"
    when ``stop_requested()`` said yes after a batch (``model.stop_training``: the epoch it cut short is
    not counted, the weights keep every batch). Whatever ``report`` raises propagates; the history keeps
    every epoch and step recorded before it. ``tensorboard``: a ``keras.callbacks.TensorBoard`` (or none).
    """
    history.stopped_by, history.diverged_at, history.diverged_logs, history.stopped_at = None, None, None, None
    live_progress = LiveProgress(history, report, interval, windows, stop_requested, samples=len(data.x_train),
                                 batch_size=config.batch_size)
    namespace = {
        "keras": keras, "model": model, "live_progress": live_progress,
        "tensorboard": tensorboard or keras.callbacks.Callback(),  # a callback that does nothing
        "x_train": data.x_train, "y_train": data.y_train, "x_val": data.x_val, "y_val": data.y_val,
    }
    exec(fit_code(config, history.completed_epochs), namespace)  # noqa: S102 -- generated from validated settings
    if history.diverged_at:  # TerminateOnNaN stopped it
        history.stopped_by = "nan"
    return history


@functools.lru_cache(maxsize=2)
def _dataset(key: str, seed: int):
    """The images a job trains on, loaded once per worker (read-only arrays)."""
    data, notice = load_dataset(key, seed)
    if notice:
        raise DownloadFailed(notice)
    return data


def warm_up() -> None:
    """What a worker does before its first job: read the MNIST page's default images (digits, seed 0)."""
    _dataset("digits_5k", 0)


def training_job(config: MLPConfig, dataset_key: str, seed: int, history: TrainingHistory | None = None,
                 model_file: bytes | None = None, checkpoint: dict | None = None,
                 report: Callable[[dict], None] | None = None,
                 stop_requested: Callable[[], bool] | None = None, tensorboard_logs: bytes | None = None) -> dict:
    """The MNIST page's training, as a job of ``nnviz.training_service`` (plain data in and out).

    Builds the network for ``config`` and trains it ``config.epochs`` more epochs on ``dataset_key`` split with
    ``seed``, continuing ``history``: to continue, from ``model_file`` (a ``.keras`` file, with the optimizer's
    state) or from a ``checkpoint``. ``report`` gets ``{"progress": Progress, "history": TrainingHistory}`` a few
    times a second and, after each completed epoch, a ``"checkpoint"`` as well (``{"weights", "optimizer"}``,
    numpy arrays: a few ms, where a ``.keras`` file takes ~30): if the worker dies, the page keeps the last
    completed epoch and can continue from it. Returns ``{"history", "weights", "model_file", "tensorboard_logs"}``;
    ``model_file`` is None for a diverged network (its outputs are NaN).

    TensorBoard's logs go to a folder of this job, which starts with the run's earlier logs (``tensorboard_logs``,
    a zip: Continue numbers its epochs on) and is deleted when the job ends; they come back as a zip.
    """
    data = _dataset(dataset_key, seed)
    if model_file:
        model = load_model_bytes(model_file)
    elif checkpoint:
        model = restore_checkpoint(config, checkpoint)
    else:
        model = build_model(config)
    history = history or TrainingHistory()
    epochs_sent = history.completed_epochs
    if not model.optimizer.built:  # (fit would build it) so that its variables at the start can be taken
        model.optimizer.build(model.trainable_variables)
    last_full_epoch = take_checkpoint(model)

    def send(progress: Progress) -> None:
        nonlocal epochs_sent, last_full_epoch
        payload = {"progress": progress, "history": history}
        if history.completed_epochs > epochs_sent and not history.diverged_at:
            epochs_sent = history.completed_epochs
            payload["checkpoint"] = last_full_epoch = take_checkpoint(model)
        if report is not None:
            report(payload)

    with tempfile.TemporaryDirectory(prefix="nnviz-tensorboard-") as log_dir:
        if tensorboard_logs:
            unzip_folder(tensorboard_logs, log_dir)
        board = _FullEpochsBoard(history, log_dir=log_dir, **TENSORBOARD_OPTIONS)  # as the shown code's
        train(model, config, data, history, send, stop_requested=stop_requested, tensorboard=board)
        logs = zip_folder(log_dir)
    if history.stopped_at:  # a Stop cut an epoch short: the network goes back to the end of the last full one,
        set_checkpoint(model, last_full_epoch)  # which the epochs trained, the curves, the evaluation and
        history.drop_unfinished_epoch()  # Continue all count from (Continue trains the cut epoch again)
    return {"history": history, "weights": model.get_weights(),
            "model_file": None if history.diverged else model_bytes(model), "tensorboard_logs": logs}


def zip_folder(folder: str) -> bytes:
    """Every file under ``folder`` in a zip, by its path relative to ``folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def unzip_folder(data: bytes, folder: str) -> None:
    """Unpack what ``zip_folder`` wrote into ``folder``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)


def take_checkpoint(model) -> dict:
    """What training on needs, as numpy arrays: the weights and the optimizer's variables (its step count,
    learning rate, momentum or moment estimates; in ``optimizer.variables`` order)."""
    return {"weights": model.get_weights(), "optimizer": [v.numpy() for v in model.optimizer.variables]}


def restore_checkpoint(config: MLPConfig, checkpoint: dict):
    """The network of ``take_checkpoint``, built for ``config``: the model that ``model_file`` would load."""
    model = build_model(config)
    model.optimizer.build(model.trainable_variables)
    set_checkpoint(model, checkpoint)
    return model


def set_checkpoint(model, checkpoint: dict) -> None:
    """Give ``model`` (its optimizer built) the weights and optimizer variables of ``take_checkpoint``."""
    model.set_weights(checkpoint["weights"])
    for variable, value in zip(model.optimizer.variables, checkpoint["optimizer"], strict=True):
        variable.assign(value)


class _FullEpochsBoard(keras.callbacks.TensorBoard):
    """TensorBoard that logs no epoch a Stop cut short (Keras ends it all the same): Continue trains it again."""

    def __init__(self, history: TrainingHistory, **options):
        super().__init__(**options)
        self.history_so_far = history

    def on_epoch_end(self, epoch, logs=None):
        if self.history_so_far.stopped_at is None:
            super().on_epoch_end(epoch, logs)


def model_bytes(model) -> bytes:
    """The model as a ``.keras`` file (architecture, weights and optimizer state), for a download."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mnist_mlp.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def load_model_bytes(data: bytes):
    """Read back what ``model_bytes`` wrote."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mnist_mlp.keras")
        with open(path, "wb") as f:
            f.write(data)
        return keras.models.load_model(path)


def summary_text(model) -> str:
    """``model.summary()`` as text."""
    out = io.StringIO()
    model.summary(print_fn=lambda line, **_: out.write(line + "\n"))
    return out.getvalue()
