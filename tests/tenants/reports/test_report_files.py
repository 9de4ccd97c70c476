"""The PDF and the CSV of a week, read back: the PDF's text is extracted and checked for the client, the
period, the KPIs against targets, the posts (markup printed literally), Italian for an Italian client,
"n/a" where nothing measured; the CSV's blocks and its defused formula cells."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime

from pypdf import PdfReader

from tenants.metrics.kpis import KpiValue
from tenants.reports.csv_export import render_csv, safe_cell
from tenants.reports.data import gather, local_logo
from tenants.reports.pdf import markup, printable, render_pdf
from tests.factories import AgencyFactory, ClientFactory
from tests.report_samples import FORMULA_TITLE, TRICKY_TITLE, WEEK_END, WEEK_START

GENERATED = datetime(2026, 11, 9, 7, tzinfo=UTC)


def week(session, client, start=WEEK_START, end=WEEK_END):
    return gather(
        session=session, agency_id=client.agency_id, client_id=client.id, start=start, end=end, now=GENERATED
    )


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def csv_blocks(text: str) -> dict[str, list[dict]]:
    blocks: dict[str, list[dict]] = {}
    name, header = None, None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            name, header = None, None
        elif row[0].startswith("# "):
            name = row[0][2:]
            blocks[name] = []
        elif header is None:
            header = row
        else:
            blocks[name].append(dict(zip(header, row, strict=True)))
    return blocks


def test_the_pdf_shows_client_period_kpis_against_targets_and_posts(session, report_world):
    text = pdf_text(render_pdf(week(session, report_world.client)))
    found = lines(text)
    assert "Agenzia Nord" in found
    assert "Social media report · Pizzeria Bella" in text
    assert "Period: 2 November 2026 – 8 November 2026" in text
    assert "Generated on 9 November 2026" in text
    # KPIs: the week's figures (hand-computed from the readings), targets and progress.
    assert "Follower growth" in found and "72" in found  # 6 days x (10 on X + 2 on Mastodon)
    assert "144% · On target" in found  # 72 of a weekly target of 50
    assert "Followers" in found and "1,284" in found  # 1,070 on X + 214 on Mastodon on Sunday
    assert "3,500" in found and "10,000" in found and "35% · Below target" in found
    assert "Engagement rate" in found and "8.4%" in found
    assert "+4" in found  # posts published: 4 targets against none the week before
    # Nothing measures these this week: "n/a", never a zero.
    assert "First response time (median)" in " ".join(text.split())
    assert text.count("n/a") >= 10
    # Charts and sections.
    for heading in (
        "Followers, day by day",
        "Impressions and engagements per day",
        "By network",
        "Top posts",
    ):
        assert heading in found
    assert "11/02" in found and "11/08" in found
    # Untrusted post text printed as written, tags and entities included.
    assert TRICKY_TITLE in found
    assert FORMULA_TITLE in found
    assert "Mastodon, X" in found
    assert "Accounts" in found
    assert "Prepared by Agenzia Nord for Pizzeria Bella" in found


def test_an_italian_client_gets_an_italian_report(session, report_world):
    report_world.client.locale = "it"
    session.commit()
    text = pdf_text(render_pdf(week(session, report_world.client)))
    found = lines(text)
    assert "Report social · Pizzeria Bella" in text
    assert "Periodo: 2 novembre 2026 – 8 novembre 2026" in text
    for label in (
        "Crescita follower",
        "Interazioni",
        "Tasso di engagement",
        "Post pubblicati",
        "Tempo di prima risposta (mediana)",
        "Post migliori",
        "Per social network",
        "Follower, giorno per giorno",
        "Preparato da Agenzia Nord per Pizzeria Bella",
    ):
        assert label in " ".join(text.split()), label  # a long label may wrap in its cell
    assert "1.284" in found and "8,4%" in found and "144% · In linea" in found
    assert "Account" in found  # the networks table's header, whole (not "Accou" / "nt")
    assert "non disponibile" in found and "n/a" not in found
    assert "Social media report" not in text


def test_kpis_from_other_branches_render_by_their_unit(session, report_world):
    data = week(session, report_world.client)
    data = replace(
        data,
        kpis=[
            *data.kpis,
            KpiValue(key="ctr", unit="percent", value=2.5, previous=2.0, target=3.0, target_period="month"),
            KpiValue(key="conversions", unit="count", value=None, previous=None),
            KpiValue(key="brand_new_kpi", unit="count", value=12, previous=None),
        ],
    )
    found = lines(pdf_text(render_pdf(data)))
    assert "Click-through rate (CTR)" in found and "2.5%" in found and "+0.5 pp" in found
    assert "83.3% · Below target" in found
    assert "Conversions" in found
    assert "Brand new kpi" in found and "12" in found
    rows = {r["kpi"]: r for r in csv_blocks(render_csv(data))["kpis"]}
    assert rows["ctr"]["value"] == "2.5" and rows["ctr"]["change"] == "0.5"
    assert rows["conversions"]["value"] == "n/a"


def test_the_csv_holds_every_block_with_n_a_and_defused_formulas(session, report_world):
    blocks = csv_blocks(render_csv(week(session, report_world.client)))
    assert blocks["report"] == [
        {
            "agency": "Agenzia Nord",
            "client": "Pizzeria Bella",
            "period_start": "2026-11-02",
            "period_end": "2026-11-08",
            "timezone": "Europe/Rome",
            "generated_at": "2026-11-09T07:00:00+00:00",
        }
    ]
    kpis = {r["kpi"]: r for r in blocks["kpis"]}
    assert kpis["follower_growth"] | {} == {
        "kpi": "follower_growth",
        "unit": "count",
        "value": "72",
        "previous": "n/a",
        "change": "n/a",
        "target": "50",
        "target_period": "week",
        "progress": "1.44",
        "on_target": "yes",
    }
    assert kpis["response_time"]["value"] == "n/a"
    assert kpis["posts_published"]["value"] == "4" and kpis["posts_published"]["previous"] == "0"
    days = blocks["days"]
    assert [d["day"] for d in days] == [f"2026-11-0{n}" for n in range(2, 9)]
    # The first day counts growth from its first reading (one reading: 0), then day over day.
    assert days[0]["follower_gain"] == "0" and days[1]["follower_gain"] == "12"
    assert days[-1]["followers"] == "1284" and days[-1]["impressions"] == "500"
    networks = {r["network"]: r for r in blocks["networks"]}
    assert networks["mastodon"]["impressions"] == "n/a"  # Mastodon counts no impressions
    assert networks["x"]["impressions"] == "3500" and networks["x"]["followers"] == "1070"
    titles = [p["title"] for p in blocks["top_posts"]]
    assert titles == [TRICKY_TITLE, "Menu d'autunno: zucca e castagne", "'" + FORMULA_TITLE]
    # Per impression where impressions are counted: X's likes over X's impressions, not Mastodon's too.
    assert blocks["top_posts"][0]["engagement_rate"] == "10"
    assert blocks["bottom_posts"] == []  # three posts: all among the top ones, none repeated
    assert blocks["community"] == [
        {
            "items": "0",
            "first_response_median_s": "n/a",
            "first_response_p90_s": "n/a",
            "first_response_within_target": "n/a",
            "resolution_median_s": "n/a",
        }
    ]


def test_a_client_with_nothing_connected_gets_a_report_of_n_a(session):
    agency = AgencyFactory(name="Studio Vuoto")
    client = ClientFactory(agency_id=agency.id, name="Nuovo Cliente", locale="en")
    data = week(session, client, date(2026, 11, 2), date(2026, 11, 15))
    text = pdf_text(render_pdf(data))
    found = lines(text)
    assert "Nuovo Cliente" in text and "2 November 2026 – 15 November 2026" in text
    assert "No data for this period." in found
    assert "No post gathered figures in this period." in found
    kpis = {k.key: k for k in data.kpis}
    assert kpis["followers"].value is None and kpis["impressions"].value is None
    assert found.count("n/a") >= 8
    assert len(data.days) == 14 and all(d.followers is None for d in data.days)


def test_text_is_escaped_for_paragraph_markup_and_stripped_of_what_cannot_print():
    assert markup('<para><b>bold</b> & <img src="x"/>') == (
        '&lt;para&gt;&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src="x"/&gt;'
    )
    assert printable("Buon appetito 😋\x00\nda Mario") == "Buon appetito da Mario"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell("-1+2") == "'-1+2"
    assert safe_cell(-3) == "-3" and safe_cell(None) == "n/a" and safe_cell(0.1 + 0.2) == "0.3"


def test_brand_names_with_markup_do_not_break_the_pdf(session):
    agency = AgencyFactory(name="<Agency> & Co")
    client = ClientFactory(agency_id=agency.id, name="Caffè <i>Roma</i> & figli", locale="it")
    text = pdf_text(render_pdf(week(session, client)))
    assert "Caffè <i>Roma</i> & figli" in text and "<Agency> & Co" in text


def test_the_logo_is_read_only_from_the_client_s_own_media_library(session, settings, report_world):
    from tenants.models import Agency
    from tenants.services import media
    from tests.factories import membership_of
    from tests.media_samples import image_bytes

    client = report_world.client
    for url in (None, "https://evil.example/logo.png", "http://127.0.0.1:5000/c/other-client/media/1/file"):
        client.logo_url = url
        assert local_logo(session=session, settings=settings, client=client) is None
    asset = media.store_upload(
        session=session,
        settings=settings,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=membership_of(report_world.manager, session.get(Agency, client.agency_id)),
        actor=report_world.manager,
        filename="logo.png",
        data=image_bytes("PNG"),
    )
    session.commit()
    client.logo_url = f"{settings.base_url}/c/{client.slug}/media/{asset.id}/file"
    logo = local_logo(session=session, settings=settings, client=client)
    assert logo is not None and logo[:8] == b"\x89PNG\r\n\x1a\n"
    client.logo_url = f"https://elsewhere.example/c/{client.slug}/media/{asset.id}/file"
    assert local_logo(session=session, settings=settings, client=client) is None
    data = replace(week(session, client), logo=logo)
    assert "Pizzeria Bella" in pdf_text(render_pdf(data))
