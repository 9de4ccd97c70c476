"""Checks that need the calendar: content mix, the same text again, channels outside the plan."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tenants.models import utcnow
from tenants.services import plans, post_checks
from tests.factories import (
    AgencyFactory,
    ClientFactory,
    SocialAccountFactory,
    draft_post,
    member,
    membership_of,
)
from tests.tenants.test_plans import PLAN


@pytest.fixture
def setup(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    account = SocialAccountFactory(agency_id=agency.id, client_id=client.id, network="instagram")
    author = member(agency, "manager")
    plans.save_plan(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership_of(author, agency),
        actor=author,
        data=PLAN,
    )
    session.commit()
    return client, account, author


def _codes(result):
    return {f["code"] for r in result["results"] for f in r["findings"]} | {
        f["code"] for f in result["post_findings"]
    }


def _at(days):
    return (utcnow() + timedelta(days=days)).isoformat()


def test_too_many_promotional_posts_around_the_date_warn(session, setup):
    client, account, author = setup
    for day in range(1, 5):
        draft_post(client, author, [account], f"Offerta {day}", pillar="promotional", scheduled_at=_at(day))
    post = draft_post(
        client, author, [account], "Sconto del giorno", pillar="promotional", scheduled_at=_at(6)
    )
    result = post_checks.check_post(session=session, client=client, post=post, suggest=False)
    mix = [f for f in result["post_findings"] if f["code"] == "mix"]
    assert mix and mix[0]["params"]["share"] == 100 and mix[0]["severity"] == "warning"
    # A post of another pillar restores the balance: it is not warned about.
    other = draft_post(
        client, author, [account], "La nostra storia", pillar="educational", scheduled_at=_at(6)
    )
    assert "mix" not in _codes(
        post_checks.check_post(session=session, client=client, post=other, suggest=False)
    )


def test_a_balanced_calendar_does_not_warn_about_the_mix(session, setup):
    client, account, author = setup
    for day, pillar in enumerate(["educational", "entertainment", "educational", "entertainment"], start=1):
        draft_post(client, author, [account], f"Post {day}", pillar=pillar, scheduled_at=_at(day))
    post = draft_post(client, author, [account], "Sconto", pillar="promotional", scheduled_at=_at(6))
    assert "mix" not in _codes(
        post_checks.check_post(session=session, client=client, post=post, suggest=False)
    )


def test_the_same_text_on_the_same_account_within_a_month_warns(session, setup):
    client, account, author = setup
    draft_post(client, author, [account], "La pasta fresca  di oggi", scheduled_at=_at(2))
    post = draft_post(client, author, [account], "la pasta fresca di oggi", scheduled_at=_at(10))
    assert "duplicate" in _codes(
        post_checks.check_post(session=session, client=client, post=post, suggest=False)
    )
    later = draft_post(client, author, [account], "La pasta fresca di oggi", scheduled_at=_at(45))
    assert "duplicate" not in _codes(
        post_checks.check_post(session=session, client=client, post=later, suggest=False)
    )


def test_a_network_outside_the_plan_warns(session, setup):
    client, _account, author = setup
    x = SocialAccountFactory(agency_id=client.agency_id, client_id=client.id, network="x")
    post = draft_post(client, author, [x], "Nuovo menù di stagione", scheduled_at=_at(3))
    assert "channel" in _codes(
        post_checks.check_post(session=session, client=client, post=post, suggest=False)
    )


def test_a_client_can_make_a_warning_blocking(session, setup):
    client, account, author = setup
    client.check_severities = {"channel": "blocking"}
    x = SocialAccountFactory(agency_id=client.agency_id, client_id=client.id, network="x")
    post = draft_post(client, author, [x], "Nuovo menù di stagione", scheduled_at=_at(3))
    result = post_checks.check_post(session=session, client=client, post=post, suggest=False)
    assert result["blocking"] and result["unresolved"] == [{"code": "channel", "network": "x"}]


def test_client_extra_offensive_words_are_flagged(session, setup):
    client, account, author = setup
    client.extra_offensive = ["sfigato"]
    post = draft_post(client, author, [account], "Non fare lo sfigato, vieni a cena", scheduled_at=_at(3))
    assert "offensive" in _codes(
        post_checks.check_post(session=session, client=client, post=post, suggest=False)
    )


def test_library_media_are_checked_per_network(session, setup, settings):
    from tenants.models import Agency
    from tenants.services import media
    from tests.media_samples import image_bytes

    client, account, author = setup
    agency_membership = membership_of(author, session.get(Agency, client.agency_id))
    asset = media.store_upload(
        session=session,
        settings=settings,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=agency_membership,
        actor=author,
        filename="menu.png",
        data=image_bytes("PNG"),
    )
    post = draft_post(client, author, [account], "Il menù di oggi", scheduled_at=_at(3), media_ids=[asset.id])
    result = post_checks.check_post(session=session, client=client, post=post, suggest=False)
    media_findings = [f for r in result["results"] for f in r["findings"] if f["code"].startswith("media")]
    assert {f["code"] for f in media_findings} == {"media", "media_alt"}
    assert any("PNG" in f["message"] for f in media_findings)  # Instagram takes JPEG only
