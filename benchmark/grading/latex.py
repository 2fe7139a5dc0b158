"""LaTeX math in a reply, rendered as plain text whose numbers `numbers.find_numbers` reads.

Math is `$$...$$`, `\\[...\\]`, `\\(...\\)`, `$...$` and `\\boxed{...}`. Each side of an equation in it is
evaluated by math-verify (its LaTeX parser, latex2sympy), which reads `\\frac`/`\\dfrac`/`\\tfrac`, mixed
numbers (`2\\frac{1}{4}`), `2.5 \\times 10^{3}`, `^\\circ`, `\\text{...}` units and `{,}` separators; the
side is replaced by its exact value. A side that is not a number (`x`, `\\text{Total}`) keeps its text without
the LaTeX commands. `\\boxed{X}` becomes "answer: X", an explicit answer marker for `gsm8k`.

Our own code does the two things math-verify gets wrong for chat answers: `14\\,400` (a thin space as
thousands separator, which it reads as 414) and `\\text{\\$}` (a dollar sign in text mode). A percentage
keeps its bare number (`55\\%` is 55, as GSM8k golds are). A `$` starts inline math only when what follows
looks like math (a LaTeX command, or a bare number closed by `$` such as `$18$`), so "$1.50 ... $9.00" stays
money.
"""

from __future__ import annotations

import logging
import re
from fractions import Fraction
from functools import lru_cache

from math_verify import LatexExtractionConfig, parse

from benchmark.grading.numbers import format_number

# math-verify warns once that its signal-based timeout is off. It is off on purpose: signals work only in the
# main thread, and what we hand it is bounded instead (its length, and the exponents before evaluating).
logging.getLogger("math_verify").setLevel(logging.ERROR)

_MAX_LATEX = 200
_MAX_EXPONENT = 30  # larger powers are no GSM8k answer, and a tower of them could take minutes to evaluate
_CONFIG = (LatexExtractionConfig(),)
_BOXED_OPEN, _BOXED_CLOSE = "\ue000", "\ue001"  # private-use characters that protect boxed values
_BOXED = re.compile(r"\\boxed\s*\{")
_DISPLAY = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.S)
_BARE_NUMBER = re.compile(r"[-−]?\d[\d.,]*")
_THIN_SPACE = re.compile(r"(?<=\d)(?:\\[,;:! ]|\{,\}|~)(?=\d{3}(?!\d))")
_DOLLAR = re.compile(r"\\text\s*\{\s*\\\$\s*\}|\\\$")
_EQUALS = re.compile(r"(?<![<>!\\])=")
_COMMAND = re.compile(r"\\(?:text|mathrm|textbf|mathbf)\s*\{([^{}]*)\}|\\[A-Za-z]+|[{}]")


def render_math(text: str) -> str:
    """`text` with its LaTeX math replaced by plain text; money dollar signs are left alone."""
    text = _render_boxed(_DOLLAR.sub("", text))
    text = _DISPLAY.sub(lambda match: f" {_render(next(group for group in match.groups() if group))} ", text)
    return _render_inline(text).replace(_BOXED_OPEN, " answer: ").replace(_BOXED_CLOSE, " ")


def latex_value(latex: str) -> Fraction | None:
    """The exact value of a LaTeX number or arithmetic expression, or None if it is not one."""
    return _value(_THIN_SPACE.sub("", _DOLLAR.sub("", latex)).replace("\\%", "").strip())


@lru_cache(maxsize=1024)
def _value(latex: str) -> Fraction | None:
    if not latex or len(latex) > _MAX_LATEX or not any(ch.isdigit() for ch in latex):
        return None
    parsed = parse(f"${latex}$", extraction_config=_CONFIG, fallback_mode="no_fallback", parsing_timeout=None)
    expr = parsed[0] if parsed else None
    try:
        if isinstance(expr, str) or not getattr(expr, "is_number", False) or not _small_powers(expr):
            return None
        exact = expr.doit()  # safe: every power in it is small
        if exact.is_Rational:
            return Fraction(int(exact.p), int(exact.q))
        return Fraction(str(exact)) if exact.is_Float else None
    except (ArithmeticError, TypeError, ValueError):  # a value sympy cannot give as a real number (nan, zoo)
        return None


def _small_powers(expr) -> bool:
    """Whether every power in the sympy expression has a small numeric exponent (10^{10^{10}} has not)."""
    for power in expr.find(lambda node: node.is_Pow):
        exponent = power.exp
        if not exponent.is_number or exponent.find(lambda node: node.is_Pow):
            return False
        if abs(complex(exponent.evalf(5))) > _MAX_EXPONENT:
            return False
    return True


def _render(latex: str) -> str:
    """Each side of the equations in `latex` as its value, or as its text when it is not a number."""
    return " = ".join(_render_side(side) for side in _EQUALS.split(latex))


def _render_side(side: str) -> str:
    if _BOXED_OPEN in side:
        return side
    value = latex_value(side)
    if value is not None:
        return format_number(value)
    return _COMMAND.sub(lambda match: f" {match.group(1) or ''} ", side.replace("}{", "}/{"))


def _render_boxed(text: str) -> str:
    """`\\boxed{X}` (braces balanced) replaced by X's value between the boxed markers."""
    while match := _BOXED.search(text):
        depth, end = 1, match.end()
        while end < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        content = text[match.end() : end - 1] if depth == 0 else text[match.end() :]
        sides = _EQUALS.split(content)
        text = f"{text[: match.start()]}{_BOXED_OPEN}{_render_side(sides[-1])}{_BOXED_CLOSE}{text[end:]}"
    return text


def _render_inline(text: str) -> str:
    """`$...$` math on one line rendered; a `$` that opens no math (money) is kept."""
    out, position = [], 0
    while (start := text.find("$", position)) != -1:
        end = text.find("$", start + 1)
        if end == -1:
            break
        content, after = text[start + 1 : end], text[end + 1 : end + 2]
        if "\n" in content or not _is_math(content, after):
            out.append(text[position : start + 1])
            position = start + 1
            continue
        out.append(f"{text[position:start]} {_render(content)} ")
        position = end + 1
    return "".join(out) + text[position:]


def _is_math(content: str, after: str) -> bool:
    if not content or content != content.strip():
        return False
    if any(mark in content for mark in ("\\", "^", "{", "_", _BOXED_OPEN)):
        return True
    return bool(_BARE_NUMBER.fullmatch(content)) and not after.isdigit()
