"""Each page of the reports renders the client's figures (hand-built rollups, posts, inbox, plan and
targets): KPI cards by unit with change and target, the networks, top and weakest posts, the community,
and the plan; in English and Italian; never a figure of the sibling client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from reports_ui import data
from reports_ui.texts import TEXT
from tenants.metrics.targets import replace_targets
from tenants.models import ClientMetricDay, utcnow
from tenants.services.local_time import to_local
from tests.factories import AgencyFactory, ClientFactory, member, membership_of
from tests.reports_ui.helpers import (
    cards,
    chart_data,
    chart_labels,
    everything,
    metrics,
    open_page,
    run,
    token_for,
)
from tests.reports_ui.world import SIBLING_FOLLOWERS, SIBLING_POST, build_world


@pytest.fixture
def world(reports_env, session):
    return build_world(session)


def _open(reports_env, world, page: str = "overview", *, locale: str = "en"):
    contact = member(world.agency, "viewer", client=world.client, locale=locale)
    return open_page(run(token_for(reports_env, contact, world.client)), page)


def _no_sibling(at) -> None:
    text = everything(at)
    assert "Secret Sibling" not in text and SIBLING_POST not in text
    assert f"{SIBLING_FOLLOWERS:,}" not in text and "77,777" not in text and "99,999" not in text


def test_overview_shows_every_kpi_with_change_target_and_trend(reports_env, world):
    at = _open(reports_env, world)
    # Last 30 days: +2 followers a day, 100 impressions and 10 engagements a day; 10 posts.
    shown = cards(at)
    values = metrics(at)
    assert values["Follower growth"] == ("60", "+0")
    assert values["Followers"] == ("1,118", "+60")
    assert values["Impressions"] == ("3,000", "+0")
    assert values["Engagements"] == ("300", "+0")
    assert values["Engagement rate"] == ("10.0%", "+0.0 pp")
    assert values["Posts published"][0] == "10"
    # Nobody answered in the previous period; this one's four messages in 20 minutes each.
    assert values["Response time"] == ("20 min", None)
    assert set(values) >= {"Plan adherence", "Content-mix adherence"}
    growth, rate = shown["Follower growth"], shown["Engagement rate"]
    assert growth["target"] == "Target 30 per month (30 for this period)" and growth["progress"] == 100
    assert growth["status"] == "On track: 200% of target"
    assert rate["target"] == "Target 12.0% per month" and rate["status"] == "Behind: 83% of target"
    assert rate["progress"] == 83
    assert shown["Impressions"]["target"] == "No target agreed" and shown["Impressions"]["progress"] is None
    assert shown["Followers"]["points"] == 30  # the sparkline: a point a day
    assert shown["Response time"]["points"] == 0  # no daily figure, no sparkline
    captions = " | ".join(c.value for c in at.caption)
    (trend,) = at.get("vega_lite_chart")
    drawn = chart_data(trend).groupby("series")["value"].agg(["count", "sum"])
    assert drawn.to_dict("index") == {
        "This period": {"count": 30, "sum": 3000},
        "Previous period": {"count": 30, "sum": 3000},
    }
    assert "Live · updated" in captions
    _no_sibling(at)


def test_the_trend_sets_each_day_against_the_same_day_of_the_previous_period(reports_env, world):
    at = _open(reports_env, world)
    at.segmented_control(key="trend_metric").set_value("followers").run()
    (trend,) = at.get("vega_lite_chart")
    drawn = chart_data(trend).pivot(index="day", columns="series", values="value")
    assert len(drawn) == 30 and drawn.index[-1].date() == world.today
    # Followers grow by 2 a day: each day is 30 days (60 followers) after its previous-period twin.
    assert set(drawn["This period"] - drawn["Previous period"]) == {60}


def test_overview_without_comparison_hides_the_changes(reports_env, world):
    at = _open(reports_env, world)
    at.sidebar.toggle(key="compare").set_value(False).run()
    assert all(delta is None for _value, delta in metrics(at).values())
    assert "previous period" not in " ".join(c.value for c in at.caption)


def test_overview_over_the_last_7_days(reports_env, world):
    at = _open(reports_env, world)
    at.sidebar.selectbox(key="range").set_value("7").run()
    assert metrics(at)["Follower growth"][0] == "14" and metrics(at)["Impressions"][0] == "700"
    assert cards(at)["Follower growth"]["target"] == "Target 30 per month (7 for this period)"


def test_a_kpi_no_network_measures_shows_not_available(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Nuovo Cliente")
    contact = member(agency, "viewer", client=client, locale="it")
    at = run(token_for(reports_env, contact, client))
    shown = cards(at)
    assert (shown["Impression"]["value"], shown["Impression"]["delta"]) == ("n.d.", None)
    assert shown["Impression"]["help"] == "Nessuna delle reti collegate misura questo dato."
    assert shown["Tasso di interazione"]["value"] == "n.d." and shown["Impression"]["points"] == 0
    assert any("Ancora nessun dato" in i.value for i in at.info)


def test_channels_add_up_each_network(reports_env, world):
    at = _open(reports_env, world, "channels")
    table = at.dataframe[0].value
    assert list(table["Network"]) == ["X", "Mastodon"]
    x = table.iloc[0]
    assert x["Followers"] == "559 (+30)" and x["Impressions"] == "3,000 (+0)"
    mastodon = table.iloc[1]
    assert mastodon["Followers"] == "259 (+30)"
    assert mastodon["Impressions"] == "n/a" and mastodon["Engagement rate"] == "n/a"
    _no_sibling(at)


def test_posts_rank_the_strongest_and_weakest_with_ctr_and_pillars(reports_env, world):
    at = _open(reports_env, world, "posts")
    top = at.dataframe[0].value
    assert top.iloc[0]["Post"] == "La nuova IPA è qui"
    assert top.iloc[0]["Networks"] == "Mastodon, X"
    assert top.iloc[0]["CTR"] == "0.8%"  # 40 clicks on 5,000 impressions (X counts both)
    bottom = at.dataframe[1].value
    assert list(bottom["Post"])[:2] == ["Orari di Natale", "Il birraio Marco"]
    assert bottom.iloc[0]["Impressions"] == "n/a" and bottom.iloc[0]["Pillar"] == "(no pillar)"
    pillars = at.dataframe[2].value
    assert list(pillars["Pillar"]) == ["prodotto", "persone", "(no pillar)"]
    _no_sibling(at)


def test_community_volume_sentiment_and_response_times(reports_env, world):
    at = _open(reports_env, world, "community")
    cards = metrics(at)
    assert cards["Messages received"] == ("4", "+4")
    assert cards["Positive"][0] == "50.0%" and cards["Negative"][0] == "25.0%"
    assert cards["First response (median)"][0] == "20 min"
    assert cards["Answered within target"][0] == "100%"
    assert at.dataframe[0].value.iloc[0].tolist() == ["X", 4]
    _no_sibling(at)


def test_plan_published_against_planned_and_the_mix(reports_env, world):
    at = _open(reports_env, world, "plan")
    weeks = at.dataframe[0].value
    assert set(weeks["Network"]) == {"X", "Mastodon"}
    assert weeks["Published"].sum() == 10  # targets published in the last 30 days
    mix = at.dataframe[1].value
    assert list(mix["Pillar"]) == ["Prodotto", "Persone", "(no pillar)"]
    assert list(mix["Target share"]) == ["60.0%", "40.0%", "0.0%"]
    assert "Plan adherence" in metrics(at)
    text = everything(at)
    assert "Segreto" not in text
    _no_sibling(at)


@pytest.mark.parametrize("page", ["overview", "channels", "posts", "community", "plan"])
def test_every_page_speaks_italian(reports_env, world, page):
    at = _open(reports_env, world, page, locale="it")
    heading = {
        "overview": "Panoramica",
        "channels": "Canali",
        "posts": "Post",
        "community": "Community",
        "plan": "Aderenza al piano",
    }[page]
    assert at.subheader[0].value == heading
    assert "In tempo reale · aggiornato alle" in " ".join(c.value for c in at.caption)
    # Charts too: every axis title and tooltip name is an Italian text, never a column's English name.
    labels = chart_labels(at)
    assert labels and labels <= set(TEXT["it"].values()), labels - set(TEXT["it"].values())
    _no_sibling(at)


def test_reports_page_offers_the_client_s_finished_reports_only(reports_env, world, session, monkeypatch):
    from tenants.models import Report

    def report(client, start, status, *, pdf=b"%PDF-1.4 ok", csv="# report\nclient\n"):
        row = Report(
            agency_id=client.agency_id,
            client_id=client.id,
            kind="scheduled",
            period_start=start,
            period_end=start,
            schedule_key=f"weekly:{client.id}:{start}",
            status=status,
            progress=40,
            pdf=pdf if status == "done" else None,
            csv=csv if status == "done" else None,
        )
        session.add(row)
        return row

    from datetime import date

    report(world.client, date(2026, 11, 2), "done")
    report(world.client, date(2026, 11, 9), "running")
    report(world.sibling, date(2026, 11, 2), "done", pdf=b"%PDF Secret Sibling", csv="Secret Sibling")
    session.commit()
    read = []
    monkeypatch.setattr(data, "report_file", lambda **kwargs: read.append(kwargs))
    at = _open(reports_env, world, "archive")
    text = everything(at)
    assert "2 Nov 2026" in text and "9 Nov 2026" in text and "being prepared (40%)" in text
    buttons = at.get("download_button")
    assert len(buttons) == 2  # PDF and CSV of the finished report; none for the one being made
    # Files are read when asked for, not at every live refresh of the list.
    assert read == []
    _no_sibling(at)


def test_an_archived_file_is_read_for_a_viewer_who_may_still_see_the_client(reports_env, world, session):
    from tenants.errors import NotFound
    from tenants.models import Membership, Report
    from tenants.services.report_links import LinkRejected

    def report(client, body):
        row = Report(
            agency_id=client.agency_id,
            client_id=client.id,
            kind="on_demand",
            period_start=world.today,
            period_end=world.today,
            status="done",
            pdf=b"%PDF " + body.encode(),
            csv=body,
        )
        session.add(row)
        session.commit()
        return row.id

    mine, theirs = report(world.client, "ours"), report(world.sibling, "Secret Sibling")
    contact = member(world.agency, "viewer", client=world.client)
    ids = {"user_id": contact.id, "agency_id": world.agency.id, "client_id": world.client.id}
    assert data.archived_file(**ids, report_id=mine, fmt="pdf") == b"%PDF ours"
    assert data.archived_file(**ids, report_id=mine, fmt="csv") == b"ours"
    with pytest.raises(NotFound):
        data.archived_file(**ids, report_id=theirs, fmt="pdf")
    session.delete(session.scalars(select(Membership).where(Membership.user_id == contact.id)).one())
    session.commit()
    with pytest.raises(LinkRejected):
        data.archived_file(**ids, report_id=mine, fmt="pdf")


def _losing_followers(session, *, name: str = "Cantina in Calo", every_other_day_unread: bool = False):
    """A client that lost a follower a day for 60 days, against a target of +30 a month."""
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name=name)
    manager = member(agency, "manager", locale="en")
    today = to_local(utcnow(), client.timezone).date()
    for n in range(60):
        unread = every_other_day_unread and n % 2 == 1
        session.add(
            ClientMetricDay(
                agency_id=agency.id,
                client_id=client.id,
                day=today - timedelta(days=n),
                followers=None if unread else 1000 + n,
                followers_gain=-1,
            )
        )
    session.commit()
    replace_targets(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership_of(manager, agency),
        actor=manager,
        data={"follower_growth": {"target": 30, "period": "month"}},
    )
    session.commit()
    return agency, client


def test_a_kpi_below_zero_against_its_target_shows_behind(reports_env, session):
    agency, client = _losing_followers(session)
    contact = member(agency, "viewer", client=client, locale="en")
    at = run(token_for(reports_env, contact, client))
    assert metrics(at)["Follower growth"][0] == "-30"
    growth = cards(at)["Follower growth"]
    assert growth["status"] == "Behind: -100% of target"
    assert growth["progress"] == 0  # an empty bar, not an error


def test_a_day_without_a_reading_is_left_out_of_the_sparkline_not_drawn_as_zero(reports_env, session):
    agency, client = _losing_followers(session, every_other_day_unread=True)
    contact = member(agency, "viewer", client=client, locale="en")
    at = run(token_for(reports_env, contact, client))
    assert cards(at)["Followers"]["points"] == 15  # the 15 days read in the last 30, no zeros between


def test_community_without_messages_shows_its_rates_as_not_available(reports_env, session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id, name="Nuovo Cliente")
    contact = member(agency, "viewer", client=client, locale="en")
    cards = metrics(open_page(run(token_for(reports_env, contact, client)), "community"))
    assert cards["Messages received"][0] == "0"
    for label in ("Positive", "Negative", "First response (median)", "Resolution (median)"):
        assert cards[label][0] == "n/a", label
    assert cards["Answered within target"][0] == "n/a"
