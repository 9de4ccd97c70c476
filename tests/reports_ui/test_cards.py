"""The KPI cards' HTML: changes coloured by which way is better, sparklines, progress, escaping."""

from __future__ import annotations

import base64
import re

from reports_ui.cards import BAD, GOOD, CardContext, card, grid, sparkline
from tenants.metrics.kpis import KpiValue

EN = CardContext(language="en", compare=True, color="#123456")


def _kpi(key: str = "follower_growth", unit: str = "count", **values) -> KpiValue:
    return KpiValue(key=key, unit=unit, **{"value": 10.0, "previous": 5.0, **values})


def test_a_change_is_green_when_it_goes_the_better_way():
    assert f'color:{GOOD}">▲' in card(_kpi(), None, EN)
    assert f'color:{BAD}">▼' in card(_kpi(value=1.0), None, EN)
    # Response time: lower is better, so a shorter time is good news.
    faster = _kpi("response_time", "seconds", value=600.0, previous=1200.0, higher_is_better=False)
    assert f'color:{GOOD}">▼' in card(faster, None, EN)
    assert "→" in card(_kpi(value=5.0), None, EN)
    assert "cz-delta" not in card(_kpi(), None, CardContext(language="en", compare=False, color="#123456"))


def test_not_available_is_said_never_shown_as_zero():
    html = card(_kpi("impressions", value=None, previous=None), [0, 0, 0], EN)
    assert ">n/a</p>" in html and 'title="None of the connected networks measures this."' in html
    assert "cz-delta" not in html and "cz-spark" not in html  # all-zero trend: no sparkline either
    assert "cz-spark" not in card(_kpi(), [12], EN)  # one day: a dot, or a lone bar the card's width


def test_progress_bar_and_status_follow_the_target():
    behind = card(_kpi(value=15.0, target=30.0, agreed_target=30.0, target_period="month"), None, EN)
    assert 'aria-valuenow="50"' in behind and "Behind: 50% of target" in behind
    beyond = card(_kpi(value=90.0, target=30.0, agreed_target=30.0, target_period="month"), None, EN)
    assert 'aria-valuenow="100"' in beyond and "On track: 300% of target" in beyond
    lost = card(_kpi(value=-3.0, target=30.0, agreed_target=30.0, target_period="month"), None, EN)
    assert 'aria-valuenow="0"' in lost
    assert "No target agreed" in card(_kpi(), None, EN)


def test_texts_are_escaped_in_every_language():
    italian = CardContext(language="it", compare=True, color="#123456")
    html = card(_kpi(value=15.0, target=30.0, agreed_target=30.0, target_period="month"), None, italian)
    assert "dell&#x27;obiettivo" in html and "dell'obiettivo" not in html


def _svg(html: str) -> str:
    return base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)).decode()


def test_sparklines_draw_a_point_or_a_bar_a_day_in_the_clients_colour():
    line = sparkline([1, 3, 2], color="#123456")
    assert 'data-points="3"' in line and "<polyline" in _svg(line) and 'stroke="#123456"' in _svg(line)
    bars = _svg(sparkline([1, 0, 2, 1], color="#123456", bars=True))
    assert bars.count("<rect") == 4 and 'fill="#123456"' in bars
    published = grid([_kpi("posts_published")], {"posts_published": [1, 0, 2]}, EN)
    assert _svg(published).count("<rect") == 3 and published.startswith('<div class="cz-kpis">')
