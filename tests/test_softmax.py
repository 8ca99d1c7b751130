"""nnviz.softmax and nnviz.keras_code checked against Keras / TensorFlow.

Project rule: Keras is the reference. softmax, log-softmax, cross-entropy and its
gradient are compared with ``tf.nn`` / ``keras.activations`` / ``keras.losses``
on the same logits; the generated Keras snippets are executed and inspected.
"""

from __future__ import annotations

import math
import os
import re
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import shown_number

from nnviz import keras_code
from nnviz import softmax as S
from nnviz.activations import ACTIVATIONS

pytestmark = pytest.mark.unit

TOL64 = {"rtol": 1e-10, "atol": 1e-12}
TEMPERATURES = [0.05, 1.0, 5.0]
SIZES = range(2, 11)
EXTREME_LOGITS = [[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -1000.0], [1000.0, -1000.0]]


def random_logits(n: int) -> np.ndarray:
    """Seeded per size, so every run and every test sees the same logits."""
    return np.random.default_rng(1000 + n).normal(0.0, 3.0, n)


def as_batch(z: np.ndarray) -> tf.Tensor:
    """One sample of logits as a float64 (1, K) tensor, the shape Keras losses expect."""
    return tf.constant(np.asarray(z, dtype=float)[None, :], dtype=tf.float64)


def keras_ce(z, y: int, temperature: float = 1.0) -> tf.Tensor:
    """keras.losses.sparse_categorical_crossentropy(from_logits=True) for one sample, z / T as the prediction."""
    return keras.losses.sparse_categorical_crossentropy(np.array([y]), as_batch(z) / temperature, from_logits=True)


# --------------------------------------------------------------------------- softmax


@pytest.mark.parametrize("reference", [tf.nn.softmax, keras.activations.softmax], ids=["tf.nn", "keras"])
@pytest.mark.parametrize("T", TEMPERATURES)
@pytest.mark.parametrize("n", SIZES)
def test_softmax_matches_tensorflow_and_keras(n, T, reference):
    z = random_logits(n)
    expected = reference(as_batch(z) / T).numpy()[0]
    np.testing.assert_allclose(S.softmax(z, T), expected, **TOL64)


@pytest.mark.parametrize("z", EXTREME_LOGITS)
def test_softmax_stable_for_extreme_logits(z):
    p = S.softmax(z)
    assert np.all(np.isfinite(p))
    assert p.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(p, tf.nn.softmax(as_batch(z)).numpy()[0], **TOL64)


def test_softmax_extreme_values():
    """[1000, 999, −1000] → [e/(e+1), 1/(e+1), 0]; equal logits → uniform."""
    e = math.e
    np.testing.assert_allclose(S.softmax([1000.0, 999.0, -1000.0]), [e / (e + 1), 1 / (e + 1), 0.0], **TOL64)
    np.testing.assert_allclose(S.softmax([-1000.0] * 3), [1 / 3] * 3, **TOL64)


@pytest.mark.parametrize("T", [0.0, -1.0])
def test_softmax_rejects_non_positive_temperature(T):
    with pytest.raises(ValueError):
        S.softmax([1.0, 2.0], T)


# --------------------------------------------------------------------------- softmax_steps


@pytest.mark.parametrize("T", TEMPERATURES)
def test_softmax_steps_intermediate_values(T):
    z = random_logits(6)
    st = S.softmax_steps(z, T)
    np.testing.assert_array_equal(st.logits, z)
    np.testing.assert_array_equal(st.scaled, z / T)
    assert st.shifted.max() == 0.0
    assert st.exps.max() == 1.0
    np.testing.assert_array_equal(st.exps, np.exp(st.shifted))
    assert st.total == pytest.approx(st.exps.sum(), rel=1e-15)
    np.testing.assert_array_equal(st.probs, st.exps / st.total)


# --------------------------------------------------------------------------- naive_softmax


@pytest.mark.parametrize("z", [[89.0, 1.0, 0.0], [100.0, 100.0], [1000.0, 999.0, -1000.0]])
def test_naive_softmax_overflows_to_nan_in_float32(z):
    """e^89 > float32 max (≈ e^88.72): inf / inf = NaN, while the stable softmax is fine."""
    assert max(z) > S.FLOAT32_EXP_OVERFLOW
    assert np.isnan(S.naive_softmax(z)).any()
    assert np.all(np.isfinite(S.softmax(z)))


def test_naive_softmax_underflows_to_nan_for_very_negative_logits():
    assert np.isnan(S.naive_softmax([-1000.0, -1000.0])).all()


def test_float32_exp_overflow_threshold():
    """Just below the threshold e^z is finite in float32, just above it is inf."""
    assert S.FLOAT32_EXP_OVERFLOW == pytest.approx(88.7228, abs=1e-4)
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(np.float32(S.FLOAT32_EXP_OVERFLOW - 0.01)))
        assert np.isinf(np.exp(np.float32(S.FLOAT32_EXP_OVERFLOW + 0.01)))


@pytest.mark.parametrize("n", SIZES)
def test_naive_softmax_matches_softmax_for_small_logits(n):
    z = random_logits(n)
    naive = S.naive_softmax(z)
    assert naive.dtype == np.float32
    np.testing.assert_allclose(naive, S.softmax(z), rtol=1e-5, atol=1e-7)
    tf_float32 = tf.nn.softmax(tf.constant(z[None, :], tf.float32)).numpy()[0]
    np.testing.assert_allclose(naive, tf_float32, rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------- log_softmax and cross-entropy


@pytest.mark.parametrize("T", TEMPERATURES)
@pytest.mark.parametrize("n", SIZES)
def test_log_softmax_matches_tf(n, T):
    z = random_logits(n)
    np.testing.assert_allclose(S.log_softmax(z, T), tf.nn.log_softmax(as_batch(z) / T).numpy()[0], **TOL64)


@pytest.mark.parametrize("z", EXTREME_LOGITS)
def test_log_softmax_finite_where_softmax_underflows(z):
    expected = tf.nn.log_softmax(as_batch(z)).numpy()[0]
    got = S.log_softmax(z)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, **TOL64)


@pytest.mark.parametrize("T", TEMPERATURES)
@pytest.mark.parametrize("n", SIZES)
def test_cross_entropy_matches_keras_from_logits(n, T):
    z = random_logits(n)
    for y in range(n):
        expected = float(keras_ce(z, y, T)[0])
        assert S.cross_entropy(z, y, T) == pytest.approx(expected, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("n", SIZES)
def test_cross_entropy_matches_keras_on_probabilities(n):
    """from_logits=False: Keras clips p to [1e-7, 1 − 1e-7], so moderate logits (T = 1) and a looser tolerance."""
    z = random_logits(n) / 3.0
    probs = tf.constant(S.softmax(z)[None, :], tf.float64)
    for y in range(n):
        expected = float(keras.losses.sparse_categorical_crossentropy(np.array([y]), probs, from_logits=False)[0])
        assert S.cross_entropy(z, y) == pytest.approx(expected, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("T", TEMPERATURES)
def test_cross_entropy_matches_keras_loss_class(T):
    """The Loss object computes in float32 (Keras' floatx): float32 tolerance."""
    z = random_logits(5)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for y in range(5):
        expected = float(loss(np.array([y]), as_batch(z) / T))
        assert S.cross_entropy(z, y, T) == pytest.approx(expected, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("z, y", [([1000.0, -1000.0], 0), ([1000.0, -1000.0], 1), ([1000.0, 999.0, -1000.0], 2)])
def test_cross_entropy_finite_for_huge_logits(z, y):
    got = S.cross_entropy(z, y)
    assert math.isfinite(got)
    assert got == pytest.approx(float(keras_ce(z, y)[0]), rel=1e-12, abs=1e-12)


def test_cross_entropy_of_wrong_confident_prediction_is_the_logit_gap():
    assert S.cross_entropy([1000.0, -1000.0], 1) == pytest.approx(2000.0, rel=1e-15)


# --------------------------------------------------------------------------- cross_entropy_grad


@pytest.mark.parametrize("T", TEMPERATURES + [2.5])
@pytest.mark.parametrize("n", [2, 3, 7, 10])
def test_cross_entropy_grad_matches_gradient_tape(n, T):
    """∂L/∂z through the Keras loss on z / T: the 1/T factor must be there too."""
    z = random_logits(n)
    for y in range(n):
        zt = as_batch(z)
        with tf.GradientTape() as tape:
            tape.watch(zt)
            loss = keras.losses.sparse_categorical_crossentropy(np.array([y]), zt / T, from_logits=True)
        expected = tape.gradient(loss, zt).numpy()[0]
        np.testing.assert_allclose(S.cross_entropy_grad(z, y, T), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("n", SIZES)
def test_cross_entropy_grad_at_T1_is_p_minus_y(n):
    z = random_logits(n)
    y = n // 2
    np.testing.assert_allclose(S.cross_entropy_grad(z, y), S.softmax(z) - S.one_hot(y, n), rtol=0, atol=1e-15)


@pytest.mark.parametrize("T", TEMPERATURES)
@pytest.mark.parametrize("n", SIZES)
def test_cross_entropy_grad_sums_to_zero(n, T):
    """Σ_k (p_k − y_k) / T = (1 − 1) / T: raising every logit equally changes nothing."""
    g = S.cross_entropy_grad(random_logits(n), 0, T)
    assert g.sum() == pytest.approx(0.0, abs=1e-12 / T)


@pytest.mark.parametrize("T", TEMPERATURES)
@pytest.mark.parametrize("n", SIZES)
def test_cross_entropy_grad_signs(n, T):
    """Gradient descent pushes the true logit up (∂L/∂z_y ≤ 0) and every other logit down (≥ 0)."""
    y = n - 1
    g = S.cross_entropy_grad(random_logits(n), y, T)
    assert g[y] <= 0 and np.all(np.delete(g, y) >= 0)


def test_one_hot():
    np.testing.assert_array_equal(S.one_hot(2, 4), [0.0, 0.0, 1.0, 0.0])


# --------------------------------------------------------------------------- entropy


@pytest.mark.parametrize("k", SIZES)
def test_entropy_of_one_hot_is_zero(k):
    assert S.entropy(S.one_hot(k - 1, k)) == 0.0


@pytest.mark.parametrize("k", SIZES)
def test_entropy_of_uniform_is_log_k(k):
    assert S.entropy(np.full(k, 1.0 / k)) == pytest.approx(math.log(k), rel=1e-12)


def test_entropy_of_softmax_matches_tf():
    p = S.softmax(random_logits(7))
    expected = float(-tf.reduce_sum(p * tf.math.log(p)))
    assert S.entropy(p) == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------- two_class_softmax


def test_two_class_softmax_is_keras_sigmoid():
    d = np.linspace(-50.0, 50.0, 1001)
    expected = keras.activations.sigmoid(tf.constant(d, tf.float64)).numpy()
    np.testing.assert_allclose(S.two_class_softmax(d), expected, rtol=1e-12, atol=1e-300)


def test_two_class_softmax_is_softmax_of_zero_and_d():
    for d in [-7.5, -1.0, 0.0, 0.3, 12.0]:
        assert S.two_class_softmax(d) == pytest.approx(S.softmax([0.0, d])[1], rel=1e-14, abs=1e-300)


def test_two_class_softmax_large_gap_without_overflow():
    """±800: e^800 overflows float64. Overflow/invalid/divide raise, and any warning is an error.

    Underflow (e^−800 → 0) is left at numpy's default (ignored): it is harmless and
    the result there is exactly 0 or 1, as in Keras.
    """
    d = np.array([-800.0, -100.0, 100.0, 800.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            got = S.two_class_softmax(d)
    expected = keras.activations.sigmoid(tf.constant(d, tf.float64)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
    assert got[0] == 0.0 and got[-1] == 1.0


# --------------------------------------------------------------------------- generated Keras code


def test_activation_code_covers_every_activation_as_nnviz_computes_it(capsys):
    """All the app's activations at once: every keras_name is one Keras accepts, and the chain's
    GradientTape gradient equals nnviz's chain rule for each (the step, which Keras lacks, is explained)."""
    from nnviz.activations import chain_gradients

    chosen = list(ACTIVATIONS.values())
    code = keras_code.activation_code(ACTIVATIONS["swish"], 1.5, -0.5, chosen, 4, 1.3, 0.7)
    exec(compile(code, "<activation code>", "exec"), {"__name__": "__snippet__"})  # noqa: S102
    out = capsys.readouterr().out
    printed = dict(re.findall(r"^(.+): ∂a/∂x after 4 layers = (\S+)$", out, flags=re.MULTILINE))
    assert sorted(printed) == sorted(a.label for a in chosen)  # the page's names, the step's too
    for a in chosen:
        if a.keras_name is None:
            assert f"# {a.label}: Keras has no such activation" in code
        else:
            assert float(printed[a.label]) == pytest.approx(chain_gradients(a, 4, 0.7, 1.3)[-1], rel=6e-3)


@pytest.mark.parametrize("logits, temperature", [([2.0, 1.0, 0.1], 1.0), ([5.0, -3.0], 0.05), ([0.0, 9.0, 1.0], 5.0)])
def test_naive_softmax_safe_shifts_bracket_where_it_breaks(logits, temperature):
    lowest, highest = S.naive_softmax_safe_shifts(np.array(logits), temperature)
    z = np.array(logits)
    for shift, finite in ((lowest + 1, True), (highest - 1, True), (lowest - 1, False), (highest + 1, False)):
        naive = S.naive_softmax((z + shift) / temperature)
        assert S.is_broken(naive) != finite, shift


@pytest.mark.parametrize("logits, temperature", [([2.0, 1.0, 0.1], 1.0), ([5.0, -3.0], 0.05), ([0.0, 9.0, 1.0], 5.0)])
def test_naive_softmax_subnormal_shift_is_where_the_largest_float32_exponential_leaves_the_normal_range(logits,
                                                                                                       temperature):
    z = np.array(logits)
    shift = S.naive_softmax_subnormal_shift(z, temperature)
    lowest, highest = S.naive_softmax_safe_shifts(z, temperature)
    assert lowest < shift < highest
    tiny = np.finfo(np.float32).tiny
    largest = lambda c: np.exp(np.float32(np.max((z + c) / temperature)))
    assert largest(shift + 0.01 * temperature) >= tiny > largest(shift - 0.01 * temperature)


def test_the_page_s_logits_at_c_minus_100_are_subnormal_and_wrong_in_the_fourth_digit_not_yet_nan():
    z = np.array([2.0, 1.0, 0.1])  # the page's first three logits
    lowest, _ = S.naive_softmax_safe_shifts(z)
    assert lowest < -100 < S.naive_softmax_subnormal_shift(z)
    naive = S.naive_softmax(z - 100)
    assert not S.is_broken(naive) and np.max(np.abs(naive - S.softmax(z - 100))) > 1e-4


def test_a_certain_right_answer_costs_zero_shown_without_a_sign():
    """T = 0.05 and logits 10, 0, -10 with true class 0: the loss metric read '-0.0000' (−ln 1 = −0.0) and the true
    class's gradient bar '+0.000', a push down, where p_y − 1 < 0 had rounded to 0 (a helper's review)."""
    from nnviz.figures.softmax import gradient_figure

    logits = np.array([10.0, 0.0, -10.0])
    loss = S.cross_entropy(logits, 0, 0.05)
    assert f"{loss:.4f}" == "0.0000" and math.copysign(1.0, loss) == 1.0
    assert all(S.cross_entropy(z, k, t) >= 0 for z in map(np.array, EXTREME_LOGITS) for k in range(len(z))
               for t in TEMPERATURES)
    bars = gradient_figure(S.cross_entropy_grad(logits, 0, 0.05), 0).data[0]
    assert list(bars.text) == ["0.000", "0.000", "0.000"]


def test_with_many_classes_every_gradient_bar_gets_a_value_of_the_same_width():
    """Ten classes in Lecture mode: '+3.193' did not fit its bar and was left out while '−3.333' was written, so the
    largest push down had no number; with more than five classes they have two decimals (all ten written, seen in
    Chromium at 1280x720)."""
    from nnviz.figures.softmax import gradient_figure

    logits = np.array([2.0, 1.0, 0.1, -1.0, 0.5, -0.5, 1.5, -2.0, 0.0, 3.0])
    texts = list(gradient_figure(S.cross_entropy_grad(logits, 7, 0.3), 7).data[0].text)
    assert texts[7] == "−3.33" and texts[9] == "+3.19" and all(len(t.lstrip("+−")) == 4 for t in texts)
    assert list(gradient_figure(S.cross_entropy_grad(logits[:3], 2, 1.0), 2).data[0].text)[2].startswith("−0.")


def test_the_loss_s_probability_as_written_gives_the_loss_as_written():
    """−ln of the p the loss's label writes, to 4 decimals, is the loss shown: 0.0986 gave 2.3167 beside 2.3170."""
    rng = np.random.default_rng(3)
    approximate = 0
    for _ in range(3000):
        n = int(rng.integers(2, 11))
        logits = np.round(rng.uniform(-10, 10, n), 1)  # the page's sliders: -10..10 in steps of 0.1
        temperature, label = float(rng.choice(np.arange(1, 101) * 0.05)), int(rng.integers(n))
        loss = S.cross_entropy(logits, label, temperature)
        text = S.loss_probability_text(loss)
        if text.startswith("≈ "):
            approximate += 1
            continue
        assert f"{max(0.0, -np.log(shown_number(text))):.4f}" == f"{loss:.4f}", (logits, temperature, label, text)
        assert shown_number(text) == pytest.approx(S.softmax(logits, temperature)[label], rel=1e-3)
    assert approximate <= 3
    assert S.loss_probability_text(S.cross_entropy(np.array([2.0, 1.0, 0.1]), 2)) == "0.09857"  # not 0.0986
