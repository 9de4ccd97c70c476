"""KPI figures written as each language writes them: grouped digits, durations people read at a glance.

One writing for every place that shows figures: the web app, the live reports and the PDF/CSV reports.
"""

from __future__ import annotations

from babel.numbers import format_decimal


def number(value: float, language: str, decimals: int = 0, *, trim: bool = False) -> str:
    """Grouped digits ("1.234,5" in Italian, "1,234.5" in English); `trim` drops zero decimals."""
    pattern = "#,##0" + ("." + ("#" if trim else "0") * decimals if decimals else "")
    return format_decimal(round(value, decimals), format=pattern, locale=language)


def duration(seconds: float, language: str) -> str:
    """45 s, 12 min, 2 h 05 min, 3 d 4 h ("3 g 4 h" in Italian)."""
    total = round(abs(seconds))
    if total < 60:
        return f"{total} s"
    minutes = round(total / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} {'g' if language == 'it' else 'd'} {hours} h"
