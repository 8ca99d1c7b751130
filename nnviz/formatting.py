"""Numbers written for people: the small formatting helpers that pages, texts and figures share."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
FROM_SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def power_of_ten(x: float) -> str:
    """A number as 'm·10ᵏ' with one decimal, e.g. 3.9·10¹⁹ (plain '12.3' when 0.01 ≤ |x| < 1000)."""
    if x == 0 or 0.01 <= abs(x) < 1000:
        return with_minus_signs(f"{x:.3g}")
    return with_minus_signs(exponent_as_power(f"{x:.1e}"))


MINUS = "−"  # U+2212, as the formulas (LaTeX), plotly's ticks and hover values write a negative number
# a '-' that starts a number: not one inside a word or between numbers ('mini-batch', '10-20', '1e-05')
_NEGATIVE = re.compile(r"(?<![\w)\]])-(?=\.?\d|∞)")


def with_minus_signs(text: str) -> str:
    """``text`` with the '-' of each negative number written as the minus sign '−' ('σ(-1.00)' → 'σ(−1.00)'): a
    hyphen is short and low beside digits, and on a projector −0.305 read as a dash. Every number the app writes
    for people goes through it (the formatters below, ``ui.table``'s cells, figures' labels), as the formulas and
    plotly's own numbers write it; code, LaTeX and what a program reads back keep Python's '-'."""
    return _NEGATIVE.sub(MINUS, text)


# a formula ($…$, $$…$$) or code (`…`, ```…```) in markdown: their numbers keep Python's '-'
FORMULA_OR_CODE = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|```.*?```|`[^`]*`", re.DOTALL)


def markdown_with_minus_signs(text: str) -> str:
    """Markdown with ``with_minus_signs`` outside its formulas ($…$, $$…$$) and code (`…`), which keep their '-':
    a notebook's 'w = (-0.4, 0.5)' in words, beside its code's ``w = [-0.4, 0.5]``."""
    written, last = [], 0
    for kept in FORMULA_OR_CODE.finditer(text):
        written += [with_minus_signs(text[last:kept.start()]), kept.group()]
        last = kept.end()
    return "".join(written) + with_minus_signs(text[last:])


def significant(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits (−0 written as 0), a power of ten written as one: 6.781·10⁻⁵, not
    Python's 6.781e-05."""
    return with_minus_signs(exponent_as_power(f"{x + 0.0:.{digits}g}"))


def scientific(x: float, decimals: int = 1) -> str:
    """``x`` in scientific notation as a page writes it, 2.2·10⁻¹⁵ (Python's 2.2e-15 reads as 2.2 times e on a
    projector), and 0 as 0."""
    return "0" if x == 0 else with_minus_signs(exponent_as_power(f"{x:.{decimals}e}"))


def signed_value(x: float, decimals: int = 4) -> str:
    """``x`` with its sign to ``decimals`` decimals ('+0.0123', '−0.2504'); one that those would write as ±0.0000
    with its significant digits instead ('−2.672·10⁻⁵', beside TensorFlow's -2.6723e-05, read as a zero there: a
    student's review), and 0 as 0."""
    if x == 0:
        return "0"
    text = f"{x:+.{decimals}f}"
    return with_minus_signs(text if float(text) != 0 else ("+" if x > 0 else "") + significant(x))


def exponent_as_power(text: str) -> str:
    """A number as Python writes it ('1.93e-174', '0.25'), its exponent as a power of ten: 1.93·10⁻¹⁷⁴, 0.25."""
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}·10{str(int(exponent)).translate(SUPERSCRIPT)}" if exponent else mantissa


def written_value(text: str) -> float:
    """The number a text of these helpers writes ('0.0896', '−2.672·10⁻⁵', '3·10⁻⁴') as a float: to tell whether
    it is the value itself or rounded (= or ≈)."""
    mantissa, exponent = _mantissa_and_exponent(text)
    return float(mantissa) * 10.0 ** exponent


def decimals_written(text: str) -> int:
    """How many decimal places a number as these helpers write it carries: '0.6972' 4, '6.921' 3, '12' 0,
    '3.386·10⁻⁴' 7."""
    mantissa, exponent = _mantissa_and_exponent(text)
    return max(len(mantissa.partition(".")[2]) - exponent, 0)


def _mantissa_and_exponent(text: str) -> tuple[str, int]:
    """'−3.386·10⁻⁴' as ('-3.386', -4): a written number's mantissa in Python's notation and its power of ten."""
    mantissa, _, power = text.replace(MINUS, "-").partition("·10")
    return mantissa, int(power.translate(FROM_SUPERSCRIPT) or 0)


def written_change(before: str, after: str) -> str:
    """``after`` − ``before`` as the two texts write them, with its sign, to the decimal places of the coarser:
    0.6972 → 0.8000 is '+0.1028', 0.6972 → 6.921 '+6.224', so that a student who subtracts the two numbers on the
    screen gets the change shown (backprop's step showed +0.1027 from the unrounded losses, a student's review).
    Its '-' stays a hyphen: Streamlit reads a metric delta's direction from it."""
    decimals = min(decimals_written(before), decimals_written(after))
    change = round(written_value(after) - written_value(before), decimals) + 0.0
    return f"{change:+.{decimals}f}" if change else f"{0.0:.{decimals}f}"


def latex_number(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits for a LaTeX formula, a power of ten written as one (5.394 · 10⁻⁵):
    LaTeX sets '5.394e-05' as 5.394·e − 05, a product and a difference. −0 is written 0."""
    mantissa, _, exponent = f"{x + 0.0:.{digits}g}".partition("e")
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}" if exponent else mantissa


def digits_that_add_up(values, combine, result: float, digits: int = 4, most: int = 7,
                       written: Callable[[float], str] | None = None) -> int | None:
    """The fewest significant digits, from ``digits`` up to ``most``, to write ``values`` with so that ``combine`` of
    the numbers as written gives ``result`` as written (to ``digits``, or as ``written`` writes it): a student who
    works the equation out by hand gets the number shown. Products of numbers rounded to 4 digits are off by a unit
    of the 4th now and then; a sum of terms that nearly cancel, by far more (0.8701·0.06478 + 0.6317·(−0.1199) +
    (−0.9945)·(−0.01962) gives 0.0001363 where the exact sum is 0.0001473). None where no number of digits does it:
    write ≈ then."""
    write = written or (lambda x: f"{x + 0.0:.{digits}g}")
    target = write(result)
    for d in range(digits, most + 1):
        as_written = [float(f"{v + 0.0:.{d}g}") for v in values]
        if write(combine(as_written)) == target:
            return d
    return None


# Advance widths of the characters of numbers and their labels ('z = −0.49', 'δ = 0.1') in the app's font (Source
# Sans), in em; any other character counts 0.55
_EM = {**dict.fromkeys("0123456789+=" + MINUS, 0.5), "-": 0.31, ".": 0.25, " ": 0.2, "e": 0.49, "δ": 0.55, "z": 0.43,
       "·": 0.25, **dict.fromkeys("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", 0.37)}
COMPACT_ROOM = 2.8  # em: as wide as '0.0896', what a unit's circle holds


def em_width(text: str) -> float:
    """How wide plain ``text`` (a number or a label of numbers) is drawn, in em of its font."""
    return sum(_EM.get(c, 0.55) for c in text)


def compact(x: float, room: float = COMPACT_ROOM) -> str:
    """3 significant digits, else 2, else 1 with its power of ten, the first as narrow as ``room`` em: for a small
    place (a unit's circle, a diagram's output), e.g. 0.535, −0.09 (not −0.0896, wider than the circle, nor
    −9·10⁻², which its z = −0.0898 beside it did not explain), 2·10⁻²¹⁷ (not 2.05·10⁻²¹⁷), 1·10⁵."""
    for digits in (3, 2):
        text = with_minus_signs(f"{x + 0.0:.{digits}g}")
        if em_width(text) <= room and "e" not in text:
            return text
    # as a power of ten, as the formulas beside write it: the perceptron's diagram read 'ŷ ≈ 3e-04' over its
    # formula's 0.000335 (a student's review); 2·10⁻²¹⁷ is 0.4 em wider than 2e-217, on hand-set weights of ±1000 only
    return with_minus_signs(exponent_as_power(f"{x:.0e}"))


def percent(p: float) -> str:
    """A probability as a whole percent, never 100 % or 0 % where it is not 1 or 0: a wrong prediction 'said 0
    (100%)' (a helper's review); '>99%' and '<1%' there."""
    text = f"{p:.0%}"
    if text == "100%" and p < 1:
        return ">99%"
    return "<1%" if text == "0%" and p > 0 else text


def share_percent(share: float) -> str:
    """A share of a few points (k of 80) as a percent with the digits it has: 65/80 -> '81.25%', 70/80 -> '87.5%'.
    Rounded to one decimal, 81.25 came out '81.2%' (round half to even) and 83.75 '83.8%', which a student working
    k/80 out by hand cannot follow. The Keras code prints it as ``f"{100 * share:g}%"``, the same text."""
    return f"{100 * share:g}%"


def loss_text(value: float) -> str:
    """A loss to four significant digits: a solved problem's loss (3.2e-05) is not 0.0000 (the Playground's moment
    15); trailing zeros kept, so that 0.8430 beside 0.8444 does not read as less precise ('0.843': a student's
    review). The Playground's Keras code prints it so too (``:#.4g``), a power of ten in Python's notation where the
    page writes one as the rest of the app (1.155·10⁻⁶, not 1.155e-06: a student's review)."""
    return exponent_as_power(f"{value:#.4g}") if math.isfinite(value) else "not a number"


def count(n: int, noun: str) -> str:
    """'1 epoch', '3 epochs': a number and its noun, in the plural where it needs one."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def shortened(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: what a user typed or uploaded, quoted in a message."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plain_markdown(text: str) -> str:
    """``text`` shown as it is where Streamlit reads Markdown and LaTeX (an uploaded label like ``$x^2$``)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|$<>~])", r"\\\1", text)


def listed(items: list[str], most: int = 8, separator: str = "; ") -> str:
    """The first ``most`` items joined, then how many more: a message about 2,500 bad entries stays a line."""
    shown = separator.join(items[:most])
    return shown if len(items) <= most else f"{shown}{separator}… and {len(items) - most:,} more"


def equals_per_line(formula: str) -> str:
    """A LaTeX formula (an equation, equations apart by ``\\qquad``, or an ``aligned`` block) as an ``aligned`` block
    with a line for each equation and for each '=' after an equation's first, aligned at the '=': on a phone a step's
    'δ = … = … = a − y' ran off the column, its result cut away. An '=' inside braces (a fraction's) stays where it
    is."""
    block = re.fullmatch(r"\s*\\begin\{aligned\}(.*)\\end\{aligned\}\s*", formula, re.DOTALL)
    equations = _split_at_top_level(block.group(1), "\\\\") if block else _split_at_top_level(formula, r"\qquad")
    lines = []
    for equation in equations:
        sides = [side.strip() for side in _split_at_top_level(equation.replace("&", ""), "=")]
        if len(sides) == 1:
            lines.append("&" + sides[0])
            continue
        lines.append(f"{sides[0]} &= {sides[1]}")
        lines.extend(f"&= {side}" for side in sides[2:])
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


def _split_at_top_level(text: str, separator: str) -> list[str]:
    """``text`` split at each ``separator`` outside braces (an escaped brace, ``\\{``, counts for none)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        if depth == 0 and text.startswith(separator, i):
            parts.append(text[start:i])
            i = start = i + len(separator)
            continue
        if text[i] == "\\" and text[i + 1:i + 2] in ("{", "}", "\\"):
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    parts.append(text[start:])
    return [part for part in parts if part.strip()]
