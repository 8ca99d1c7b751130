"""A worker interpreter of ``nnviz.training_service``: runs Keras jobs one at a time, beside the web server.

    python -m nnviz.training_worker        # started by the service, never by hand

Started as an interpreter of its own (not by ``multiprocessing``: Streamlit installs the page script as
``__main__``, which a spawned child would run again), it imports TensorFlow once, connects back to the
service (address, key and name in the environment) and then answers messages:

    service → worker   ("job", job_id, "module:function", kwargs)  run it; ("stop", job_id)  ask it to stop;
                       ("exit",)  finish
    worker → service   ("hello", name, pid); ("progress", job_id, payload); ("done", job_id, result, retire);
                       ("failed", job_id, error text, retire), where retire says why this was its last job (or None)

A job is any importable function taking plain data. If it has a ``report`` parameter it gets a callable
that sends a progress payload (plain data), and a ``stop_requested`` parameter gets a callable that says
whether the service asked the job to stop (cooperative: the job decides where to stop, e.g. after a batch).
Between jobs the worker clears Keras' global state; it retires after ``NNVIZ_WORKER_JOBS`` jobs or when its
own memory (``private_mb``) passes ``NNVIZ_WORKER_MEMORY_MB``, and the service starts a fresh one when it needs it.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import os
import queue
import sys
import threading
import traceback
from multiprocessing.connection import Client

ADDRESS_ENV, KEY_ENV, NAME_ENV = "NNVIZ_WORKER_ADDRESS", "NNVIZ_WORKER_KEY", "NNVIZ_WORKER_NAME"
JOBS_ENV, MEMORY_ENV, THREADS_ENV, NICE_ENV = ("NNVIZ_WORKER_JOBS", "NNVIZ_WORKER_MEMORY_MB", "NNVIZ_WORKER_THREADS",
                                               "NNVIZ_WORKER_NICE")
PRELOAD_ENV = "NNVIZ_WORKER_PRELOAD"  # "0": do not import TensorFlow at start (the service's own tests)


def private_mb() -> float:
    """This process's own memory: resident anonymous and shared-memory pages (Linux: /proc/self/status).

    Not VmRSS: that also counts the pages of TensorFlow's libraries read from disk (~380 MB), which the page
    cache shares between every worker, so they are paid once however many workers run. Elsewhere: the
    peak resident size, which is what the OS reports."""
    try:
        with open("/proc/self/status") as f:
            fields = dict(line.split(":", 1) for line in f if line.startswith(("RssAnon", "RssShmem")))
        return sum(int(value.split()[0]) for value in fields.values()) / 2**10
    except (OSError, ValueError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def resolve(path: str):
    """The function named by "package.module:function"."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def call(function, kwargs: dict, report, stop_requested):
    """``function(**kwargs)``, with ``report`` and ``stop_requested`` added where it takes them."""
    parameters = inspect.signature(function).parameters
    extra = {name: value for name, value in (("report", report), ("stop_requested", stop_requested))
             if name in parameters}
    return function(**kwargs, **extra)


def preload() -> None:
    """Import TensorFlow now (the first job should not wait for it) with few threads, and read the MNIST page's
    default images."""
    from nnviz.keras_training import load_keras

    load_keras()
    import tensorflow as tf

    threads = int(os.environ.get(THREADS_ENV, "1"))
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # already initialised: the environment variables set them
        pass
    from nnviz import mlp_training

    mlp_training.warm_up()


def clear_keras() -> None:
    """Free what the last job left in Keras' global state (one job per worker: nobody else is using it)."""
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
    gc.collect()


def main() -> int:
    nice = int(os.environ.get(NICE_ENV, "0"))
    if nice and hasattr(os, "nice"):
        os.nice(nice)  # below the web server: pages stay responsive while a network trains
    if os.environ.get(PRELOAD_ENV, "1") != "0":
        preload()
    host, _, port = os.environ[ADDRESS_ENV].rpartition(":")
    try:
        connection = Client((host, int(port)), authkey=bytes.fromhex(os.environ[KEY_ENV]))
        connection.send(("hello", os.environ[NAME_ENV], os.getpid()))
    except OSError:  # the server stopped while this worker was loading TensorFlow
        return 1
    max_jobs, max_mb = int(os.environ.get(JOBS_ENV, "20")), float(os.environ.get(MEMORY_ENV, "0"))

    jobs: queue.Queue = queue.Queue()
    stop_flags: dict[str, threading.Event] = {}

    def listen() -> None:  # the only reader of the connection; the main thread is its only writer
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                jobs.put(None)
                return
            if message[0] == "job":
                stop_flags[message[1]] = threading.Event()
                jobs.put(message[1:])
            elif message[0] == "stop" and message[1] in stop_flags:
                stop_flags[message[1]].set()
            elif message[0] == "exit":
                jobs.put(None)
                return

    threading.Thread(target=listen, daemon=True).start()
    done = 0
    while (job := jobs.get()) is not None:
        job_id, path, kwargs = job
        flag = stop_flags[job_id]
        try:
            outcome = ("done", call(resolve(path), kwargs,
                                    lambda payload, job_id=job_id: connection.send(("progress", job_id, payload)), flag.is_set))
        except Exception as error:  # noqa: BLE001 -- the job's failure goes back to its page
            text = "".join(traceback.format_exception_only(type(error), error)).strip()
            outcome = ("failed", text + "\n\n" + traceback.format_exc(limit=8))
        stop_flags.pop(job_id, None)
        clear_keras()
        done += 1
        retire = ("its last job" if done >= max_jobs else
                  f"{private_mb():.0f} MB of its own memory, above {max_mb:.0f} MB" if max_mb and private_mb() > max_mb else
                  None)
        # the outcome and whether this worker takes another job, in one message: no job is sent to a retiring worker
        try:
            connection.send((outcome[0], job_id, outcome[1], retire))
        except OSError:  # the service has gone (the server stopped): nobody to tell, nothing more to do
            break
        if retire:
            break
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
