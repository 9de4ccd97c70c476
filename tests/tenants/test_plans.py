"""Communication plans: validation, versions, and what the checks take from them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tenants.checks import run_checks
from tenants.errors import Forbidden, Invalid
from tenants.models import Membership
from tenants.services import plans
from tests.factories import AgencyFactory, ClientFactory, member

PLAN = {
    "objectives": ["Più prenotazioni a pranzo", "Far conoscere il menù vegetariano"],
    "personas": [
        {
            "name": "Giulia",
            "age_range": "25-34",
            "gender": "donna",
            "habits": "pranza fuori",
            "buying_habits": "prenota dal telefono",
            "interests": "cucina sana",
            "pains": "poco tempo",
        }
    ],
    "channels": [
        {"network": "instagram", "role": "ispirazione", "posts_per_week": 4},
        {"network": "facebook", "role": "eventi", "posts_per_week": 2},
    ],
    "tone": {
        "adjectives": ["caldo", "genuino"],
        "do_words": ["freschezza"],
        "dont_words": ["economico"],
        "address": "tu",
        "emoji": "some",
        "brand_hashtags": ["#TrattoriaDaMario"],
    },
    "pillars": [
        {"key": "educational", "target_share": 40},
        {"key": "promotional", "target_share": 20},
        {"key": "entertainment", "target_share": 40},
    ],
    "forbidden_words": ["concorrenza"],
    "forbidden_topics": ["politica locale"],
    "brand_words": ["Mariolino"],
}


def _manager(session):
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    user = member(agency, "manager")
    return client, user, session.scalars(select(Membership).where(Membership.user_id == user.id)).one()


def test_saving_creates_versions_and_the_current_one_is_the_latest(session):
    client, user, m = _manager(session)
    first = plans.save_plan(
        session=session, agency_id=client.agency_id, client_id=client.id, membership=m, actor=user, data=PLAN
    )
    second = plans.save_plan(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=m,
        actor=user,
        data={**PLAN, "objectives": ["Solo cene"]},
    )
    session.commit()
    assert (first.version, second.version) == (1, 2)
    current = plans.current_plan(session=session, agency_id=client.agency_id, client_id=client.id)
    assert (
        current.data["objectives"] == ["Solo cene"] and first.data["objectives"] != current.data["objectives"]
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pillars": [{"key": "a", "target_share": 50}, {"key": "b", "target_share": 40}]}, "pillars"),
        ({"channels": [{"network": "myspace", "posts_per_week": 1}]}, "channels"),
        ({"tone": {"address": "voi"}}, "tone.address"),
        ({"personas": [{"age_range": "20-30"}]}, "personas"),
        ({"budget": 1000}, "budget"),
    ],
)
def test_bad_plans_are_refused_and_name_the_field(session, change, field):
    client, user, m = _manager(session)
    with pytest.raises(Invalid) as err:
        plans.save_plan(
            session=session,
            agency_id=client.agency_id,
            client_id=client.id,
            membership=m,
            actor=user,
            data={**PLAN, **change},
        )
    assert err.value.field == field


def test_default_pillars_add_up_and_editors_cannot_change_the_plan(session):
    assert sum(share for _key, share in plans.DEFAULT_PILLARS) == 100
    agency = AgencyFactory()
    client = ClientFactory(agency_id=agency.id)
    editor = member(agency, "editor")
    m = session.scalars(select(Membership).where(Membership.user_id == editor.id)).one()
    with pytest.raises(Forbidden):
        plans.save_plan(
            session=session, agency_id=agency.id, client_id=client.id, membership=m, actor=editor, data=PLAN
        )


def test_the_plan_feeds_the_checks(session):
    client, user, m = _manager(session)
    plan = plans.save_plan(
        session=session, agency_id=client.agency_id, client_id=client.id, membership=m, actor=user, data=PLAN
    )
    context = plans.check_context(plan, network="facebook", client_locale="it")
    text = (
        "Menù economico, meglio della concorrenza! Parliamo di politica locale con mariolino "
        "#TrattoriaDaMario"
    )
    codes = [(f.code, f.params.get("words") or f.params.get("word")) for f in run_checks(text, context)]
    assert ("forbidden", "concorrenza, economico, politica locale") in codes
    assert not any(code == "spelling" for code, _ in codes)  # brand words and brand hashtags are fine
