"""ReportData -> PDF bytes: the client's branded report, in the client's language.

Every text that came from people (post texts, client and agency names) goes into reportlab's Paragraph
markup escaped, so "<b>" in a post prints as "<b>", never as bold or a broken document. Fonts are the
Bitstream Vera faces reportlab ships: the PDF looks the same on every machine and its text extracts.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from tenants.metrics.series import PostPerformance
from tenants.reports import charts
from tenants.reports.data import ReportData
from tenants.reports.texts import (
    duration,
    kpi_change,
    kpi_label,
    kpi_value,
    long_date,
    network_name,
    number,
    percent,
    period_label,
    word,
)
from tenants.services.local_time import to_local

FONT, BOLD = "CadenzaVera", "CadenzaVera-Bold"
DEFAULT_BRAND = "#3b5bdb"
GRID = colors.HexColor("#dee2e6")
MUTED = colors.HexColor("#868e96")
GOOD = colors.HexColor("#2b8a3e")
BAD = colors.HexColor("#c92a2a")


@lru_cache(maxsize=1)
def _fonts() -> frozenset[int]:
    """Register the shipped fonts once; returns the code points they can draw."""
    folder = Path(reportlab.__file__).parent / "fonts"
    regular = TTFont(FONT, str(folder / "Vera.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
    return frozenset(regular.face.charWidths)


def printable(text: str | None) -> str:
    """The text without control characters and glyphs the font lacks (emoji would print as boxes)."""
    drawable = _fonts()
    kept = []
    for ch in text or "":
        if ch in "\n\t":
            kept.append(" ")
        elif unicodedata.category(ch)[0] != "C" and ord(ch) in drawable:
            kept.append(ch)
    return " ".join("".join(kept).split())


def markup(text: str | None) -> str:
    """Untrusted text made safe for Paragraph markup: drawable, and every <, > and & escaped."""
    return escape(printable(text))


def _brand(value: str | None) -> colors.Color:
    try:
        return colors.HexColor(
            value if value and value.startswith("#") and len(value) == 7 else DEFAULT_BRAND
        )
    except ValueError:
        return colors.HexColor(DEFAULT_BRAND)


def _styles(brand: colors.Color) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5),
        "num": ParagraphStyle("num", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=20, leading=24),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=15),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=BOLD, fontSize=12, leading=16, textColor=brand, spaceBefore=10
        ),
    }


def render_pdf(data: ReportData) -> bytes:
    """The whole report as PDF bytes (A4, portrait)."""
    _fonts()
    brand = _brand(data.brand_color)
    styles = _styles(brand)
    locale = data.locale
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{word('title', locale)} · {printable(data.client_name)}",
        author=printable(data.agency_name),
        subject=period_label(data.start, data.end, locale),
        creator="Cadenza",
    )
    footer = word("prepared", locale, agency=printable(data.agency_name), client=printable(data.client_name))

    def _decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFillColor(brand)
        canvas.rect(0, A4[1] - 6 * mm, A4[0], 6 * mm, stroke=0, fill=1)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(18 * mm, 9 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, word("page", locale, page=doc.page))
        canvas.restoreState()

    story = [
        *_header(data, styles),
        Paragraph(word("kpis", locale), styles["h2"]),
        _kpi_table(data, styles, brand),
        Spacer(1, 3),
        Paragraph(escape(word("kpi_note", locale)), styles["small"]),
        KeepTogether(
            [
                Paragraph(word("followers_chart", locale), styles["h2"]),
                charts.follower_trend(data.days, locale=locale, color=brand, font=FONT),
            ]
        ),
        KeepTogether(
            [
                Paragraph(word("daily_chart", locale), styles["h2"]),
                charts.daily_activity(data.days, locale=locale, color=brand, font=FONT),
            ]
        ),
        KeepTogether(
            [
                Paragraph(word("networks", locale), styles["h2"]),
                _network_table(data, styles, brand),
                *(
                    [
                        Spacer(1, 6),
                        charts.network_engagements(data.networks, locale=locale, color=brand, font=FONT),
                    ]
                    if data.networks
                    else []
                ),
            ]
        ),
        KeepTogether(
            [
                Paragraph(word("top_posts", locale), styles["h2"]),
                _posts_table(data.top_posts, data, styles, brand),
            ]
        ),
    ]
    if data.bottom_posts:
        story.append(
            KeepTogether(
                [
                    Paragraph(word("bottom_posts", locale), styles["h2"]),
                    _posts_table(data.bottom_posts, data, styles, brand),
                ]
            )
        )
    story.append(
        KeepTogether([Paragraph(word("community", locale), styles["h2"]), *_community(data, styles)])
    )
    document.build(story, onFirstPage=_decorate, onLaterPages=_decorate)
    return buffer.getvalue()


def _header(data: ReportData, styles: dict) -> list:
    locale = data.locale
    lines = [
        Paragraph(markup(data.agency_name), styles["subtitle"]),
        Paragraph(f"{escape(word('title', locale))} · {markup(data.client_name)}", styles["title"]),
        Paragraph(
            f"{escape(word('period', locale))}: {escape(period_label(data.start, data.end, locale))}",
            styles["subtitle"],
        ),
        Paragraph(
            escape(word("generated", locale, date=long_date(_local_day(data), locale))), styles["small"]
        ),
    ]
    logo = _logo(data.logo)
    if logo is None:
        return [*lines, Spacer(1, 4)]
    table = Table([[lines, logo]], colWidths=[None, 34 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    return [table, Spacer(1, 4)]


def _local_day(data: ReportData) -> date:
    return to_local(data.generated_at, data.timezone).date()


def _logo(raw: bytes | None) -> Image | None:
    if not raw:
        return None
    try:
        reader = ImageReader(BytesIO(raw))
        width, height = reader.getSize()
    except Exception:  # noqa: BLE001 - a picture reportlab cannot read: no logo rather than no report
        return None
    scale = min(32 * mm / width, 18 * mm / height)
    return Image(BytesIO(raw), width=width * scale, height=height * scale)


def _table(rows: list[list], widths: list, brand: colors.Color, *, numeric_from: int = 1) -> Table:
    """A table with a brand-coloured header row (wrapping between words) and right-aligned figures."""
    head = ParagraphStyle("head", fontName=BOLD, fontSize=7.5, leading=9, textColor=colors.white)
    head_num = ParagraphStyle("head_num", parent=head, alignment=TA_RIGHT)
    header = [
        Paragraph(escape(str(text)), head_num if i >= numeric_from else head)
        for i, text in enumerate(rows[0])
    ]
    table = Table([header, *rows[1:]], colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                ("BACKGROUND", (0, 0), (-1, 0), brand),
                ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, GRID),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f8f9fa")]),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _kpi_table(data: ReportData, styles: dict, brand: colors.Color) -> Table:
    locale = data.locale
    header = [word(k, locale) for k in ("kpi", "value", "previous", "change", "target", "progress")]
    rows: list[list] = [header]
    marks = []
    for kpi in data.kpis:
        target = "—" if kpi.target is None else kpi_value(kpi.unit, kpi.target, locale)
        if kpi.progress is None:
            progress = word("na", locale) if kpi.target is not None else word("no_target", locale)
        else:
            status = word("on_track", locale) if kpi.on_track else word("off_track", locale)
            progress = f"{percent(100 * kpi.progress, locale)} · {status}"
            marks.append((len(rows), GOOD if kpi.on_track else BAD))
        rows.append(
            [
                Paragraph(escape(kpi_label(kpi.key, locale)), styles["cell"]),
                kpi_value(kpi.unit, kpi.value, locale),
                kpi_value(kpi.unit, kpi.previous, locale),
                kpi_change(kpi.unit, kpi.change, locale),
                target,
                progress,
            ]
        )
    table = _table(rows, [40 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm, 34 * mm], brand)
    table.setStyle(TableStyle([("TEXTCOLOR", (5, row), (5, row), color) for row, color in marks]))
    return table


def _network_table(data: ReportData, styles: dict, brand: colors.Color):
    locale = data.locale
    if not data.networks:
        return Paragraph(escape(word("no_data", locale)), styles["small"])
    header = [
        word("network", locale),
        word("accounts", locale),
        kpi_label("followers", locale),
        kpi_label("follower_growth", locale),
        kpi_label("impressions", locale),
        kpi_label("engagements", locale),
        kpi_label("posts_published", locale),
    ]
    rows: list[list] = [header]
    for n in data.networks:
        rows.append(
            [
                network_name(n.network),
                number(n.accounts, locale),
                number(n.followers, locale),
                number(n.follower_gain, locale),
                number(n.impressions, locale),
                number(n.engagements, locale),
                number(n.posts_published, locale),
            ]
        )
    return _table(rows, [20 * mm, 18 * mm, 26 * mm, 26 * mm, 27 * mm, 27 * mm, 30 * mm], brand)


def _posts_table(posts: list[PostPerformance], data: ReportData, styles: dict, brand: colors.Color):
    locale = data.locale
    if not posts:
        return Paragraph(escape(word("no_posts", locale)), styles["small"])
    header = [
        word("post", locale),
        word("network", locale),
        kpi_label("impressions", locale),
        kpi_label("engagements", locale),
        word("engagement_rate_short", locale),
    ]
    rows: list[list] = [header]
    for post in posts:
        rows.append(
            [
                Paragraph(markup(post.title) or "—", styles["cell"]),
                Paragraph(escape(", ".join(network_name(n) for n in post.networks)), styles["cell"]),
                number(post.impressions, locale),
                number(post.engagements, locale),
                percent(post.engagement_rate, locale),
            ]
        )
    return _table(rows, [62 * mm, 30 * mm, 27 * mm, 28 * mm, 27 * mm], brand, numeric_from=2)


def _community(data: ReportData, styles: dict) -> list:
    locale = data.locale
    report = data.community or {}
    first = report.get("first_response") or {}
    resolution = report.get("resolution") or {}
    within = first.get("within_target")
    rows = [
        [word("items", locale), number(report.get("items"), locale)],
        [word("first_median", locale), duration(first.get("median"), locale)],
        [word("first_p90", locale), duration(first.get("p90"), locale)],
        [word("first_within", locale), percent(None if within is None else 100 * within, locale)],
        [word("resolution_median", locale), duration(resolution.get("median"), locale)],
    ]
    table = Table(rows, colWidths=[80 * mm, 40 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID),
            ]
        )
    )
    return [table, Spacer(1, 3), Paragraph(escape(word("business_time", locale)), styles["small"])]
