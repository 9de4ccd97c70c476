"""Numbers, durations and dates as each language writes them (1.234,5 in Italian, 1,234.5 in English),
and stored text made safe to show inside Markdown."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date

from tenants.metrics import display

# Every ASCII punctuation character: CommonMark lets any of them be backslash-escaped.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def number(value: float, lang: str, decimals: int = 0) -> str:
    """A number with the language's separators."""
    return display.number(value, lang, decimals)


def duration(seconds: float, lang: str) -> str:
    """A duration people read at a glance: 45 s, 12 min, 1 h 05 min, 2 d 3 h."""
    return display.duration(seconds, lang)


def value(unit: str, amount: float | None, lang: str, *, not_available: str = "n/a") -> str:
    """A KPI's value by its unit (count, percent, seconds; anything else as a plain number)."""
    if amount is None:
        return not_available
    if unit == "percent":
        return f"{number(amount, lang, 1)}%"
    if unit == "seconds":
        return duration(amount, lang)
    if unit == "count":
        return number(amount, lang, 0 if float(amount).is_integer() else 1)
    return number(amount, lang, 2)


def change(unit: str, amount: float | None, lang: str) -> str | None:
    """A signed difference by unit ("+12", "-0,5 pp", "-4 min"); None when there is nothing to compare."""
    if amount is None:
        return None
    sign = "-" if amount < 0 else "+"
    if unit == "percent":
        return f"{sign}{number(abs(amount), lang, 1)} pp"
    if unit == "seconds":
        return f"{sign}{duration(amount, lang)}"
    return f"{sign}{value(unit, abs(amount), lang)}"


def share(ratio: float | None, lang: str) -> str:
    """A ratio (1.0 = 100 %) as a percentage."""
    return "–" if ratio is None else f"{number(100 * ratio, lang)}%"


def day(when: date, lang: str) -> str:
    """A short date: 3 Nov 2026 / 3 nov 2026."""
    return format_date(when, "d MMM y", locale=lang)


def plain(text: str) -> str:
    """Stored text (a client's or agency's name) shown as written inside Markdown: no link, image or style."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))
