"""KPI cards as one block of HTML: value, change against the previous period, target progress and an
inline SVG sparkline per KPI.

One element for the whole grid, not five Streamlit elements and a Vega chart per card: on a first visit
the browser fetches, parses and renders each element kind lazily, and nine cards of metrics, captions,
progress bars and sparkline charts cost the Overview about half a second more before it was drawn.
Every text is escaped here; colours are a validated #rrggbb or fixed; nothing else reaches the markup.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from reports_ui import fmt
from reports_ui.texts import kpi_label, text
from tenants.metrics.kpis import KPIS, KpiValue

GOOD, BAD = "#2b8a3e", "#c92a2a"
ON_TRACK, BEHIND = "#2b8a3e", "#e67700"
BAR_KPIS = frozenset({"posts_published"})  # counts of separate events: bars, not a line
STYLE = """<style>
.cz-kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1rem}
.cz-kpi{border:1px solid rgba(128,128,128,.3);border-radius:.5rem;padding:.75rem 1rem;margin:0}
.cz-label{font-size:.875rem;opacity:.8;margin:0}
.cz-value{font-size:2.25rem;line-height:1.3;margin:0}
.cz-delta{font-size:.875rem;margin:0}
.cz-vs,.cz-target,.cz-none{font-size:.8rem;opacity:.7}
.cz-spark{display:block;width:100%;height:2.5rem;margin:.4rem 0}
.cz-bar{height:.4rem;border-radius:.2rem;background:rgba(128,128,128,.25);margin:.35rem 0;overflow:hidden}
.cz-bar>span{display:block;height:100%}
.cz-status{font-size:.8rem;margin:0}
</style>"""


@dataclass(frozen=True)
class CardContext:
    """What every card of a grid shares: the language, the comparison switch and the client's colour."""

    language: str
    compare: bool
    color: str


def grid(kpis: Iterable[KpiValue], trends: dict[str, list[float] | None], context: CardContext) -> str:
    """Every KPI's card, in order, as one grid."""
    cards = "".join(card(kpi, trends.get(kpi.key), context) for kpi in kpis)
    # The style after the markup: a sanitiser moves a leading <style> out of the body and drops it.
    return f'<div class="cz-kpis">{cards}</div>{STYLE}'


def card(kpi: KpiValue, trend: list[float] | None, context: CardContext) -> str:
    """One KPI: its value, the change, the sparkline and where it stands against its target."""
    language = context.language
    label = escape(kpi_label(language, kpi.key))
    value = escape(fmt.value(kpi.unit, kpi.value, language, not_available=text(language, "not_available")))
    help_text = "" if kpi.available else f' title="{escape(text(language, "not_available_help"))}"'
    parts = [
        f'<section class="cz-kpi" data-kpi="{escape(kpi.key)}" aria-label="{label}">',
        f'<p class="cz-label">{label}</p>',
        f'<p class="cz-value"{help_text}>{value}</p>',
        _delta(kpi, context),
        sparkline(trend, color=context.color, bars=kpi.key in BAR_KPIS) if _drawable(trend) else "",
        _target(kpi, language),
        "</section>",
    ]
    return "".join(parts)


def _drawable(trend: list[float] | None) -> bool:
    """A trend worth a sparkline: two days or more, not all zero (one day is a dot, or a lone bar)."""
    return bool(trend) and len(trend) > 1 and any(trend)


def _delta(kpi: KpiValue, context: CardContext) -> str:
    change = fmt.change(kpi.unit, kpi.change, context.language) if context.compare else None
    if change is None:
        return ""
    if not kpi.change:
        color, arrow = "inherit", "→"
    else:
        better = (kpi.change > 0) == kpi.higher_is_better
        color, arrow = (GOOD if better else BAD), ("▲" if kpi.change > 0 else "▼")
    vs = escape(text(context.language, "vs_previous"))
    return (
        f'<p class="cz-delta" style="color:{color}">{arrow} <span class="cz-change">{escape(change)}</span>'
        f' <span class="cz-vs">{vs}</span></p>'
    )


def _target(kpi: KpiValue, language: str) -> str:
    if kpi.target is None:
        return f'<p class="cz-none">{escape(text(language, "no_target"))}</p>'
    line = f'<p class="cz-target">{escape(target_line(kpi, language))}</p>'
    if kpi.progress is None:
        return line
    share = fmt.share(kpi.progress, language)
    width = round(100 * min(max(kpi.progress, 0.0), 1.0))  # a loss (below zero) is an empty bar
    color = ON_TRACK if kpi.on_track else BEHIND
    status = text(language, "on_track" if kpi.on_track else "behind", progress=share)
    return (
        f'{line}<div class="cz-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"'
        f' aria-valuenow="{width}"><span style="width:{width}%;background:{color}"></span></div>'
        f'<p class="cz-status" style="color:{color}">{escape(status)}</p>'
    )


def target_line(kpi: KpiValue, language: str) -> str:
    """The agreed target; for totals, also what it comes to over this period (kpi_overview scaled it)."""
    per = text(language, f"per_{kpi.target_period}") if kpi.target_period else ""
    scaled = fmt.value(kpi.unit, kpi.target, language)
    definition = KPIS.get(kpi.key)
    if definition is not None and definition.additive and kpi.agreed_target is not None:
        agreed = fmt.value(kpi.unit, kpi.agreed_target, language)
        return text(language, "target_range", target=agreed, period=per, scaled=scaled)
    return text(language, "target", target=scaled, period=per)


def sparkline(values: list[float], *, color: str, bars: bool = False) -> str:
    """The values as a small SVG image stretched to the card's width (bars, or a line over an area)."""
    # Bars stand on zero; a line spans its own range (followers move by tens on hundreds of thousands).
    low, high = (min(0.0, *values), max(0.0, *values)) if bars else (min(values), max(values))
    span = (high - low) or 1.0
    count = len(values)

    def y(value: float) -> float:
        return round(30 - 28 * (value - low) / span, 2)

    if bars:
        slot = 100 / count
        shapes = "".join(
            f'<rect x="{round(i * slot + slot * 0.15, 2)}" y="{min(y(v), y(0))}"'
            f' width="{round(slot * 0.7, 2)}" height="{round(abs(y(0) - y(v)), 2)}"/>'
            for i, v in enumerate(values)
        )
        body = f'<g fill="{color}">{shapes}</g>'
    else:
        step = 100 / max(count - 1, 1)
        points = " ".join(f"{round(i * step, 2)},{y(v)}" for i, v in enumerate(values))
        body = (
            f'<polygon points="0,{y(low)} {points} {round((count - 1) * step, 2)},{y(low)}"'
            f' fill="{color}" fill-opacity="0.15"/>'
            f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.5"'
            ' vector-effect="non-scaling-stroke"/>'
        )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 32" preserveAspectRatio="none">'
        f"{body}</svg>"
    )
    # An image, not inline SVG: Streamlit's HTML sanitiser keeps <img> with a data: URI but drops <svg>.
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return f'<img class="cz-spark" src="{source}" alt="" data-points="{count}">'
