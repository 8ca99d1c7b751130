"""nnviz.formatting: formulas written for a phone's column."""

from __future__ import annotations

import pytest

from nnviz.formatting import equals_per_line, exponent_as_power, loss_text, scientific, share_percent, significant

pytestmark = pytest.mark.unit


def test_each_equals_after_an_equations_first_begins_a_line_aligned_at_it():
    """Backpropagation's first step, δ = ∂ℓ/∂a σ′(z) = … = a − y, ran off a phone's column at '= a −'."""
    assert equals_per_line(r"\delta = \frac{a - y}{a(1 - a)}\cdot a(1 - a) = a - y") == (
        r"\begin{aligned}\delta &= \frac{a - y}{a(1 - a)}\cdot a(1 - a) \\ &= a - y\end{aligned}")


def test_an_equals_inside_braces_stays_and_escaped_braces_count_for_none():
    assert equals_per_line(r"x_{i=1} = \frac{\{a = b\}}{2} = 3") == (
        r"\begin{aligned}x_{i=1} &= \frac{\{a = b\}}{2} \\ &= 3\end{aligned}")


def test_equations_apart_by_qquad_or_rows_of_an_aligned_block_each_get_their_lines():
    """The perceptron's Δw = … = (+0.00, +0.00), ∆b = … was cut after its second '='; a backward step's aligned
    rows σ′(z) &= a(1 − a) = 0.77 (1 − 0.77) = 0.177 kept their three parts on one line."""
    assert equals_per_line(r"\Delta w = \eta x = (1, 2), \qquad \Delta b = 1") == (
        r"\begin{aligned}\Delta w &= \eta x \\ &= (1, 2), \\ \Delta b &= 1\end{aligned}")
    assert equals_per_line(r"\begin{aligned}s &= a(1 - a) = 0.177\\ &\frac{1}{2} = 0.5\\ \text{all}\end{aligned}") == (
        r"\begin{aligned}s &= a(1 - a) \\ &= 0.177 \\ \frac{1}{2} &= 0.5 \\ &\text{all}\end{aligned}")


@pytest.mark.parametrize("k, shown", [(65, "81.25%"), (67, "83.75%"), (70, "87.5%"), (80, "100%"), (0, "0%"),
                                      (1, "1.25%")])
def test_a_share_of_80_points_keeps_its_digits(k, shown):
    assert share_percent(k / 80) == shown


@pytest.mark.parametrize("value, shown", [(0.843, "0.8430"), (0.84437, "0.8444"), (3.2e-05, "3.200·10⁻⁵"),
                                          (12.0, "12.00"), (float("nan"), "not a number"), (float("inf"), "not a number")])
def test_a_loss_keeps_four_digits_trailing_zeros_included(value, shown):
    assert loss_text(value) == shown


def test_a_power_of_ten_is_written_as_one_never_in_python_s_e_notation():
    assert [significant(v) for v in (1.759e-07, -6.781e-05, 0.03668, -0.0, 2e20)] == [
        "1.759·10⁻⁷", "−6.781·10⁻⁵", "0.03668", "0", "2·10²⁰"]
    assert significant(6.7812e-05, 3) == "6.78·10⁻⁵"
    assert [scientific(v) for v in (2.2e-15, 0.0, 1234.0)] == ["2.2·10⁻¹⁵", "0", "1.2·10³"]
    assert exponent_as_power("0.25") == "0.25"


def test_numbers_take_the_minus_sign_of_the_formulas():
    from nnviz.formatting import with_minus_signs

    assert with_minus_signs(f"L_min = {-0.305:.3g}, w = ({-1.5:.2f}, {2:.2f})") == "L_min = −0.305, w = (−1.50, 2.00)"
    assert with_minus_signs("no sign, −1 already") == "no sign, −1 already"
    # only a number's sign: not a hyphen in a word, between two numbers, in Python's exponent or after a bracket
    assert with_minus_signs("σ(-1.00), -.5, -∞; mini-batch, 10-20, 1e-05, x[1]-2, (a)-1") == \
        "σ(−1.00), −.5, −∞; mini-batch, 10-20, 1e-05, x[1]-2, (a)-1"


def test_markdown_takes_the_minus_sign_outside_its_formulas_and_code():
    from nnviz.formatting import markdown_with_minus_signs

    text = "w = (-0.4, 0.5), $z = -1$, `w = [-0.4]`, $$y = -2$$ and b = -1\n```\nb = -1\n```"
    assert markdown_with_minus_signs(text) == \
        "w = (−0.4, 0.5), $z = -1$, `w = [-0.4]`, $$y = -2$$ and b = −1\n```\nb = -1\n```"


def test_every_number_written_for_people_takes_the_minus_sign_and_reads_back():
    from nnviz.formatting import compact, power_of_ten, written_value

    written = [significant(-0.25037), scientific(-2.2e-15), power_of_ten(-3.9e19), power_of_ten(-0.5), compact(-0.0896),
               compact(-2.05e-217)]
    assert written == ["−0.2504", "−2.2·10⁻¹⁵", "−3.9·10¹⁹", "−0.5", "−0.09", "−2·10⁻²¹⁷"]
    assert [written_value(t) for t in written] == pytest.approx([-0.2504, -2.2e-15, -3.9e19, -0.5, -0.09, -2e-217])


def test_a_signed_value_keeps_its_digits_where_four_decimals_would_write_zero():
    from nnviz.formatting import signed_value

    assert [signed_value(x) for x in (0.01234, -0.25037, 0.0, -0.0)] == ["+0.0123", "−0.2504", "0", "0"]
    assert signed_value(-2.6723e-05) == "−2.672·10⁻⁵" and signed_value(4e-7) == "+4·10⁻⁷"
    assert signed_value(-0.00005) == "−0.0001"  # rounds away from zero: four decimals say it


def test_a_change_is_the_difference_of_the_two_numbers_as_written():
    """Backprop's step showed 0.6972 → 0.8000 with a change of +0.1027 (from the unrounded losses): a student who
    subtracts the two numbers shown gets 0.1028 (a student's review)."""
    from nnviz.formatting import decimals_written, written_change

    assert [decimals_written(t) for t in ("0.6972", "6.921", "12", "3.386·10⁻⁴", "−0.25")] == [4, 3, 0, 7, 2]
    assert written_change("0.6972", "0.8000") == "+0.1028"  # 0.697234 → 0.799953 is +0.102719
    assert written_change("0.6972", "6.921") == "+6.224"  # to the coarser's decimals: 6.2238 rounded
    assert written_change("0.5210", "0.5051") == "-0.0159"  # a hyphen: Streamlit's metric reads its direction
    assert written_change("0.0004012", "3.386·10⁻⁴") == "-0.0000626"
    assert written_change("0.5210", "0.5210") == "0.0000"
