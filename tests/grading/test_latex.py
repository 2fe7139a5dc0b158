from fractions import Fraction

import pytest

from benchmark.grading.latex import latex_value, render_math


@pytest.mark.parametrize(
    ("latex", "value"),
    [
        (r"\frac{36}{2}", Fraction(18)),
        (r"\dfrac{3}{8}", Fraction(3, 8)),
        (r"2\frac{1}{4}", Fraction(9, 4)),
        (r"2.5 \times 10^{3}", Fraction(2500)),
        (r"14\,400", Fraction(14400)),
        (r"1{,}820", Fraction(1820)),
        (r"\text{\$}37.50", Fraction(75, 2)),
        (r"-4^\circ\text{C}", Fraction(-4)),
        (r"38\text{ meters}", Fraction(38)),
        (r"55\%", Fraction(55)),
        (r"0.15 \times 60", Fraction(9)),
        (r"5 - 5", Fraction(0)),
        (r"120 + 20x", None),
        (r"\text{Total}", None),
        (r"10^{10^{10}}", None),  # refused before it is evaluated
        (r"\sqrt{2}", None),
    ],
)
def test_latex_value(latex, value):
    assert latex_value(latex) == value


def test_render_math_replaces_math_and_keeps_money():
    assert render_math(r"so $3 \times 6 = 18$ stickers") == "so  18 = 18  stickers"
    assert render_math(r"holds $\boxed{\frac{36}{2}}$ apples").split() == ["holds", "answer:", "18", "apples"]
    assert render_math(r"\[ \text{Total} = \$12.50 \]").split() == ["Total", "=", "12.5"]
    money = "Each egg sells for $1.50, so she makes 6 × $1.50 = $9.00."
    assert render_math(money) == money
