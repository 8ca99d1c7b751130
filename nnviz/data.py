"""Datasets: small seeded 2-D sets for the perceptron, and iris from scikit-learn (no download)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Dataset2D:
    """Points X (n, 2) with labels y in {0, 1}, and how to talk about them."""

    name: str
    X: Array
    y: Array
    feature_names: tuple[str, str]
    class_names: tuple[str, str]  # (label 0, label 1)
    separable: bool
    note: str


TRUTH_TABLE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def logic_gate(name: str) -> Dataset2D:
    """The four rows of a truth table: AND, OR or XOR of two binary inputs."""
    a, b = TRUTH_TABLE_INPUTS.T.astype(int)
    y = {"AND": a & b, "OR": a | b, "XOR": a ^ b}[name]
    return Dataset2D(name, TRUTH_TABLE_INPUTS.copy(), y, ("x₁", "x₂"), ("0 (false)", "1 (true)"),
                     separable=name != "XOR",
                     note="No straight line separates the 1s from the 0s." if name == "XOR"
                     else f"{name} is linearly separable: one line splits the 1s from the 0s.")


BLOB_CENTRES = np.array([[1.0, 2.5], [3.0, 3.5]])  # class 0, class 1; the best boundary needs a bias


def blobs(n: int, seed: int, spread: float, margin: float | None = None,
          decimals: int | None = None) -> tuple[Array, Array]:
    """Two Gaussian clouds around ``BLOB_CENTRES``, n // 2 points each (class 0 first).

    With a ``margin``, points closer than it to the perpendicular bisector of the two centres
    (or on its wrong side) are redrawn, so the set is linearly separable by construction.
    With ``decimals``, the coordinates are rounded to that many: the perceptron's rule then adds
    numbers a student can add by hand.
    """
    rng = np.random.default_rng(seed)
    normal = (BLOB_CENTRES[1] - BLOB_CENTRES[0]) / np.linalg.norm(BLOB_CENTRES[1] - BLOB_CENTRES[0])
    midpoint = BLOB_CENTRES.mean(axis=0)
    clouds = []
    for label, size in ((0, n // 2), (1, n - n // 2)):
        points = np.empty((0, 2))
        while len(points) < size:
            draw = rng.normal(BLOB_CENTRES[label], spread, (size, 2))
            if margin is not None:
                signed = (draw - midpoint) @ normal * (1 if label == 1 else -1)
                draw = draw[signed >= margin]
            points = np.vstack([points, draw])
        clouds.append(points[:size])
    X = np.vstack(clouds)
    return (X if decimals is None else X.round(decimals)), np.r_[np.zeros(n // 2, int), np.ones(n - n // 2, int)]


# the perceptron's blobs: two decimals, as their coordinates are written (with η's two, a step's Δw has four at most)
PERCEPTRON_DECIMALS = 2


def separable_blobs(n: int = 40, seed: int = 0) -> Dataset2D:
    """Two clouds with a gap between them: linearly separable."""
    X, y = blobs(n, seed, spread=0.6, margin=0.25, decimals=PERCEPTRON_DECIMALS)
    return Dataset2D("separable blobs", X, y, ("x₁", "x₂"), ("class 0", "class 1"), separable=True,
                     note="Linearly separable: the perceptron is guaranteed to converge.")


def noisy_blobs(n: int = 60, seed: int = 0) -> Dataset2D:
    """Two overlapping clouds: no line gets every point right."""
    X, y = blobs(n, seed, spread=1.0, decimals=PERCEPTRON_DECIMALS)
    return Dataset2D("noisy blobs", X, y, ("x₁", "x₂"), ("class 0", "class 1"), separable=False,
                     note="The clouds overlap: no line classifies every point, so the rule never settles.")


def iris_petals() -> Dataset2D:
    """Iris petal length and width (cm); 1 = Iris setosa, 0 = the other two species (Géron ch. 10)."""
    from sklearn.datasets import load_iris  # ships with scikit-learn: no download

    iris = load_iris()
    X = iris.data[:, 2:4]
    y = (iris.target == 0).astype(int)
    return Dataset2D("iris", X, y, ("petal length (cm)", "petal width (cm)"), ("not setosa", "Iris setosa"),
                     separable=True, note="Setosa's petals are much smaller: linearly separable.")


PERCEPTRON_DATASETS = {
    "Iris petals: setosa vs rest": lambda seed: iris_petals(),
    "Separable blobs": lambda seed: separable_blobs(40, seed),
    "AND": lambda seed: logic_gate("AND"),
    "OR": lambda seed: logic_gate("OR"),
    "XOR": lambda seed: logic_gate("XOR"),
    "Noisy, overlapping blobs": lambda seed: noisy_blobs(60, seed),
}
