"""Communication plans: validate, save as a new version, read the current one, feed the checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.checks import CheckContext
from tenants.db import flush_or_conflict
from tenants.errors import N_, Invalid
from tenants.models import CommunicationPlan, Membership, User
from tenants.networks import NETWORKS
from tenants.permissions import Perm
from tenants.services import audit
from tenants.services.access import get_visible_client, require

ADDRESS = ("tu", "lei", "informal", "formal")
EMOJI = ("none", "some", "many")
DEFAULT_PILLARS = (
    ("educational", 30),
    ("entertainment", 25),
    ("promotional", 20),
    ("contest", 5),
    ("curated", 10),
    ("user_generated", 10),
)
_PERSONA_FIELDS = ("name", "age_range", "gender", "habits", "buying_habits", "interests", "pains")


def _strings(value: Any, field: str, *, limit: int = 50, length: int = 200) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > limit or not all(isinstance(v, str) for v in value):
        raise Invalid(
            N_("'%(name)s' must be a list of at most %(n)s texts."), field=field, name=field, n=limit
        )
    cleaned = [" ".join(v.split()) for v in value if v.strip()]
    if any(len(v) > length for v in cleaned):
        raise Invalid(N_("Use at most %(n)s characters."), field=field, n=length)
    return cleaned


def _text(value: Any, field: str, length: int = 500) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > length:
        raise Invalid(N_("Use at most %(n)s characters."), field=field, n=length)
    return value.strip()


def _personas(value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 20:
        raise Invalid(
            N_("'%(name)s' must be a list of at most %(n)s texts."), field="personas", name="personas", n=20
        )
    personas = []
    for item in value:
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise Invalid(N_("Every persona needs a name."), field="personas")
        personas.append({key: _text(item.get(key), f"personas.{key}") for key in _PERSONA_FIELDS})
    return personas


def _channels(value: Any) -> list[dict[str, Any]]:
    channels = []
    for item in value or []:
        network = item.get("network") if isinstance(item, dict) else None
        if network not in NETWORKS:
            raise Invalid(N_("Unknown network in the plan's channels."), field="channels")
        per_week = item.get("posts_per_week", 0)
        if not isinstance(per_week, int | float) or not 0 <= per_week <= 100:
            raise Invalid(N_("Posts per week must be between 0 and 100."), field="channels")
        channels.append(
            {
                "network": network,
                "role": _text(item.get("role"), "channels.role", 300),
                "posts_per_week": per_week,
            }
        )
    return channels


def _pillars(value: Any) -> list[dict[str, Any]]:
    items = (
        value if value is not None else [{"key": k, "name": k, "target_share": s} for k, s in DEFAULT_PILLARS]
    )
    pillars, keys = [], set()
    for item in items:
        if not isinstance(item, dict) or not str(item.get("key", "")).strip():
            raise Invalid(N_("Every content pillar needs a key."), field="pillars")
        share = item.get("target_share", 0)
        if not isinstance(share, int | float) or not 0 <= share <= 100:
            raise Invalid(N_("A pillar's share is a percentage from 0 to 100."), field="pillars")
        key = str(item["key"]).strip().lower()
        if key in keys:
            raise Invalid(N_("Two pillars have the same key."), field="pillars")
        keys.add(key)
        pillars.append(
            {"key": key, "name": _text(item.get("name") or key, "pillars.name", 80), "target_share": share}
        )
    if pillars and round(sum(p["target_share"] for p in pillars)) != 100:
        raise Invalid(N_("The pillars' target shares must add up to 100%."), field="pillars")
    return pillars


def _tone(value: Any) -> dict[str, Any]:
    tone = value if isinstance(value, dict) else {}
    address = tone.get("address") or "tu"
    emoji = tone.get("emoji") or "some"
    if address not in ADDRESS:
        raise Invalid(N_("Address must be one of: tu, lei, informal, formal."), field="tone.address")
    if emoji not in EMOJI:
        raise Invalid(N_("Emoji policy must be none, some or many."), field="tone.emoji")
    return {
        "adjectives": _strings(tone.get("adjectives"), "tone.adjectives"),
        "do_words": _strings(tone.get("do_words"), "tone.do_words"),
        "dont_words": _strings(tone.get("dont_words"), "tone.dont_words"),
        "address": address,
        "emoji": emoji,
        "hashtag_policy": _text(tone.get("hashtag_policy"), "tone.hashtag_policy"),
        "brand_hashtags": _strings(tone.get("brand_hashtags"), "tone.brand_hashtags"),
    }


def clean_plan(data: Mapping[str, Any]) -> dict[str, Any]:
    """A validated, normalised plan document; Invalid names the field at fault."""
    known = {
        "objectives",
        "personas",
        "channels",
        "tone",
        "pillars",
        "forbidden_words",
        "forbidden_topics",
        "brand_words",
    }
    unknown = set(data) - known
    if unknown:
        raise Invalid(N_("Unknown field: %(name)s."), field=sorted(unknown)[0], name=sorted(unknown)[0])
    return {
        "objectives": _strings(data.get("objectives"), "objectives", limit=20, length=500),
        "personas": _personas(data.get("personas")),
        "channels": _channels(data.get("channels")),
        "tone": _tone(data.get("tone")),
        "pillars": _pillars(data.get("pillars")),
        "forbidden_words": _strings(data.get("forbidden_words"), "forbidden_words", limit=500, length=80),
        "forbidden_topics": _strings(data.get("forbidden_topics"), "forbidden_topics", limit=100),
        "brand_words": _strings(data.get("brand_words"), "brand_words", limit=200, length=80),
    }


def current_plan(*, session: Session, agency_id: int, client_id: int) -> CommunicationPlan | None:
    """The latest version of the client's plan, if any."""
    query = (
        select(CommunicationPlan)
        .where(CommunicationPlan.agency_id == agency_id, CommunicationPlan.client_id == client_id)
        .order_by(CommunicationPlan.version.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def save_plan(
    *,
    session: Session,
    agency_id: int,
    client_id: int,
    membership: Membership,
    actor: User | None,
    data: Mapping[str, Any],
    actor_label: str | None = None,
) -> CommunicationPlan:
    """Store the plan as the client's next version."""
    require(membership, Perm.PLAN_EDIT)
    get_visible_client(session=session, membership=membership, client_id=client_id)
    document = clean_plan(data)
    latest = (
        session.scalar(
            select(func.max(CommunicationPlan.version)).where(CommunicationPlan.client_id == client_id)
        )
        or 0
    )
    plan = CommunicationPlan(
        agency_id=agency_id,
        client_id=client_id,
        version=latest + 1,
        data=document,
        created_by_id=actor.id if actor else None,
    )
    session.add(plan)
    flush_or_conflict(session, message=N_("Someone saved the plan at the same moment; reload and try again."))
    audit.record(
        session=session,
        agency_id=agency_id,
        client_id=client_id,
        action="plan.saved",
        actor=actor,
        actor_label=actor_label,
        target_type="plan",
        target_id=plan.id,
        details={"version": plan.version},
    )
    return plan


def check_context(
    plan: CommunicationPlan | None, *, network: str, client_locale: str, **extra: Any
) -> CheckContext:
    """The pre-publish check settings the plan implies for one network."""
    data = plan.data if plan else {}
    tone = data.get("tone", {})
    brand = tuple(data.get("brand_words", [])) + tuple(h.lstrip("#") for h in tone.get("brand_hashtags", []))
    forbidden = (
        tuple(data.get("forbidden_words", []))
        + tuple(tone.get("dont_words", []))
        + tuple(data.get("forbidden_topics", []))
    )
    return CheckContext(
        network=network, client_locale=client_locale, forbidden=forbidden, brand_words=brand, **extra
    )


def plan_as_dict(plan: CommunicationPlan) -> dict[str, Any]:
    """The public JSON shape of a plan version."""
    return {"version": plan.version, "created_at": plan.created_at.isoformat(), **plan.data}
