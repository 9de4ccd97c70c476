"""What a report says, in Italian and English, and how its numbers, dates and durations are written.

The PDF is read by the client, in the client's language (not the reader's of the web app), so its words
live here rather than in the web app's message catalogue.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from tenants.metrics import display

KPI_LABELS: dict[str, dict[str, str]] = {
    "follower_growth": {"en": "Follower growth", "it": "Crescita follower"},
    "followers": {"en": "Followers", "it": "Follower"},
    "impressions": {"en": "Impressions", "it": "Impression"},
    "engagements": {"en": "Engagements", "it": "Interazioni"},
    "engagement_rate": {"en": "Engagement rate", "it": "Tasso di engagement"},
    "posts_published": {"en": "Posts published", "it": "Post pubblicati"},
    "plan_adherence": {"en": "Published vs planned", "it": "Pubblicati rispetto al piano"},
    "mix_adherence": {"en": "Content mix vs plan", "it": "Mix dei contenuti rispetto al piano"},
    "response_time": {"en": "First response time (median)", "it": "Tempo di prima risposta (mediana)"},
    # From the tracked-links work: named here so they read well the day they arrive.
    "ctr": {"en": "Click-through rate (CTR)", "it": "Tasso di clic (CTR)"},
    "link_clicks": {"en": "Link clicks", "it": "Clic sui link"},
    "clicks": {"en": "Link clicks", "it": "Clic sui link"},
    "conversions": {"en": "Conversions", "it": "Conversioni"},
}

WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "Social media report", "it": "Report social"},
    "period": {"en": "Period", "it": "Periodo"},
    "prepared": {
        "en": "Prepared by %(agency)s for %(client)s",
        "it": "Preparato da %(agency)s per %(client)s",
    },
    "generated": {"en": "Generated on %(date)s", "it": "Generato il %(date)s"},
    "page": {"en": "page %(page)s", "it": "pagina %(page)s"},
    "na": {"en": "n/a", "it": "non disponibile"},
    "kpis": {"en": "KPIs against targets", "it": "KPI rispetto agli obiettivi"},
    "kpi": {"en": "KPI", "it": "KPI"},
    "value": {"en": "Value", "it": "Valore"},
    "previous": {"en": "Previous period", "it": "Periodo precedente"},
    "change": {"en": "Change", "it": "Variazione"},
    "target": {"en": "Target", "it": "Obiettivo"},
    "progress": {"en": "Progress", "it": "Avanzamento"},
    "on_track": {"en": "On target", "it": "In linea"},
    "off_track": {"en": "Below target", "it": "Sotto obiettivo"},
    "no_target": {"en": "no target", "it": "nessun obiettivo"},
    "kpi_note": {
        "en": "n/a: no connected network measures it in this period. Totals' targets are scaled to the "
        "period's length.",
        "it": "non disponibile: nessun social collegato lo misura in questo periodo. Gli obiettivi dei "
        "totali sono riportati alla durata del periodo.",
    },
    "followers_chart": {"en": "Followers, day by day", "it": "Follower, giorno per giorno"},
    "daily_chart": {"en": "Impressions and engagements per day", "it": "Impression e interazioni al giorno"},
    "networks": {"en": "By network", "it": "Per social network"},
    "network": {"en": "Network", "it": "Social network"},
    "accounts": {"en": "Accounts", "it": "Account"},
    "top_posts": {"en": "Top posts", "it": "Post migliori"},
    "bottom_posts": {"en": "Posts that engaged least", "it": "Post con meno interazioni"},
    "post": {"en": "Post", "it": "Post"},
    "engagement_rate_short": {"en": "Eng. rate", "it": "Tasso eng."},
    "community": {"en": "Community", "it": "Community"},
    "items": {"en": "Messages received", "it": "Messaggi ricevuti"},
    "first_median": {"en": "First response, median", "it": "Prima risposta, mediana"},
    "first_p90": {"en": "First response, 90th percentile", "it": "Prima risposta, 90° percentile"},
    "first_within": {"en": "Answered within target", "it": "Risposte entro l'obiettivo"},
    "resolution_median": {"en": "Resolution, median", "it": "Risoluzione, mediana"},
    "business_time": {
        "en": "Times are counted in the client's business hours.",
        "it": "I tempi sono calcolati negli orari di lavoro del cliente.",
    },
    "no_data": {"en": "No data for this period.", "it": "Nessun dato per questo periodo."},
    "no_posts": {
        "en": "No post gathered figures in this period.",
        "it": "Nessun post ha raccolto dati in questo periodo.",
    },
    "engagements_legend": {"en": "Engagements", "it": "Interazioni"},
    "impressions_legend": {"en": "Impressions", "it": "Impression"},
}

NETWORK_NAMES = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "x": "X",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
}


def language(locale: str | None) -> str:
    """The report language for a client locale: Italian or English."""
    return "it" if (locale or "").lower().startswith("it") else "en"


def word(key: str, locale: str, **params: object) -> str:
    """One of the report's fixed texts in the language."""
    text = WORDS[key][language(locale)]
    return text % params if params else text


def kpi_label(key: str, locale: str) -> str:
    """A KPI's name; one this module does not know yet is named after its key."""
    labels = KPI_LABELS.get(key)
    if labels is None:
        return key.replace("_", " ").capitalize()
    return labels[language(locale)]


def network_name(network: str) -> str:
    """A network's brand name."""
    return NETWORK_NAMES.get(network, network.capitalize())


def number(value: float | None, locale: str, *, decimals: int = 0) -> str:
    """A count in the language's digits ("1.234" in Italian), or "n/a"."""
    if value is None:
        return word("na", locale)
    return display.number(value, language(locale), decimals, trim=True)


def percent(value: float | None, locale: str) -> str:
    """A value already in percent (4.25 -> "4,3%" in Italian), or "n/a"."""
    if value is None:
        return word("na", locale)
    return display.number(value, language(locale), 1, trim=True) + "%"


def duration(seconds: float | None, locale: str) -> str:
    """A duration as people say it: "45 s", "12 min", "2 h 05 min", "3 d 4 h" ("3 g 4 h" in Italian)."""
    if seconds is None:
        return word("na", locale)
    return display.duration(seconds, language(locale))


def kpi_value(unit: str, value: float | None, locale: str) -> str:
    """A KPI's value written by its unit (count, percent, seconds); unknown units as plain numbers."""
    if unit == "percent":
        return percent(value, locale)
    if unit == "seconds":
        return duration(value, locale)
    return number(value, locale, decimals=0 if value is None or float(value).is_integer() else 1)


def kpi_change(unit: str, change: float | None, locale: str) -> str:
    """A difference from the previous period, signed; percent KPIs change by percentage points."""
    if change is None:
        return word("na", locale)
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    size = abs(change)
    if unit == "percent":
        points = display.number(size, language(locale), 1, trim=True)
        return f"{sign}{points} {'p.p.' if language(locale) == 'it' else 'pp'}"
    if unit == "seconds":
        return f"{sign}{duration(size, locale)}"
    return sign + number(size, locale, decimals=0 if float(size).is_integer() else 1)


def long_date(day: date, locale: str) -> str:
    """A date as a letter writes it ("30 novembre 2026", "30 November 2026")."""
    return format_date(day, "d MMMM y", locale=language(locale))


def period_label(start: date, end: date, locale: str) -> str:
    """A period's first and last day."""
    return f"{long_date(start, locale)} – {long_date(end, locale)}"


def short_day(day: date, locale: str) -> str:
    """A chart's day label ("30/11" in Italian, "11/30" in English)."""
    return format_date(day, "dd/MM" if language(locale) == "it" else "MM/dd", locale=language(locale))


def printable_plain(text: str | None) -> str:
    """A name for a plain-text email line: control characters and line breaks removed (no header tricks)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text or "").split())
