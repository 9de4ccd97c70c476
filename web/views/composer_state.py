"""What the composer form holds: read from a saved post or a submitted form, turned into service data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from tenants.models import Client, CommunicationPlan, Post, SocialAccount
from tenants.networks import NETWORKS, text_length
from tenants.services import links, local_time, social_accounts
from tenants.services.local_time import TimeChoiceNeeded


@dataclass
class VariantField:
    """One account's variant in the form: ticked or not, its text, and whether it follows the base."""

    account: SocialAccount
    ticked: bool
    text: str
    customised: bool

    @property
    def id(self) -> int:
        """The account id, used in field names and element ids."""
        return self.account.id


@dataclass
class ComposerState:
    """Everything the composer shows, whether it came from the database or from what was just typed."""

    text: str = ""
    pillar: str = ""
    persona: str = ""
    scheduled_local: str = ""
    dst_choice: str = ""
    dst_options: list[tuple[str, str]] = field(default_factory=list)
    variants: list[VariantField] = field(default_factory=list)
    media_ids: list[int] = field(default_factory=list)


def _lines(value: str) -> str:
    return value.replace("\r\n", "\n")


def composer_accounts(session: Session, client: Client, post: Post | None = None) -> list[SocialAccount]:
    """The accounts the composer offers: connected ones, plus any the post already targets."""
    accounts = social_accounts.list_accounts(session=session, agency_id=client.agency_id, client_id=client.id)
    if post is not None:
        wanted = {t.account_id for t in post.targets} - {a.id for a in accounts}
        if wanted:
            everything = social_accounts.list_accounts(
                session=session, agency_id=client.agency_id, client_id=client.id, include_disconnected=True
            )
            accounts += [a for a in everything if a.id in wanted]
    return accounts


def local_value(post: Post, timezone: str) -> str:
    """The post's planned time as the form's 'YYYY-MM-DDTHH:MM' in the client's time zone."""
    if post.scheduled_at is None:
        return ""
    return local_time.to_local(post.scheduled_at, timezone).strftime("%Y-%m-%dT%H:%M")


def from_post(post: Post, accounts: list[SocialAccount], timezone: str) -> ComposerState:
    """The composer filled from a saved post."""
    targets = {t.account_id: t for t in post.targets}
    return ComposerState(
        text=post.base_text,
        pillar=post.pillar or "",
        persona=post.persona or "",
        scheduled_local=local_value(post, timezone),
        media_ids=list(post.media_ids or []),
        variants=[
            VariantField(
                account=a,
                ticked=a.id in targets,
                text=targets[a.id].text if a.id in targets else post.base_text,
                customised=bool(targets[a.id].customised) if a.id in targets else False,
            )
            for a in accounts
        ],
    )


def from_form(form: MultiDict, accounts: list[SocialAccount]) -> ComposerState:
    """The composer as submitted; a variant edited without JavaScript is noticed by comparing texts."""
    base = _lines(form.get("text", ""))
    ticked = set(form.getlist("accounts"))
    reset = form.get("reset", "")
    variants = []
    for account in accounts:
        key = str(account.id)
        text = _lines(form.get(f"text_{key}", base))
        original = _lines(form.get(f"original_{key}", text))
        customised = form.get(f"customised_{key}") == "1" or (text != original and text != base)
        if reset == key:
            text, customised = base, False
        variants.append(VariantField(account, key in ticked, text if customised else base, customised))
    return ComposerState(
        text=base,
        pillar=form.get("pillar", ""),
        persona=form.get("persona", ""),
        scheduled_local=form.get("scheduled_local", "").strip(),
        dst_choice=form.get("dst_choice", ""),
        variants=variants,
        media_ids=media_ids_from(form.getlist("media_ids")),
    )


def media_ids_from(values: list[Any]) -> list[int]:
    """Library ids picked in the form, in order, without repeats (the service checks whose they are)."""
    picked = [int(v) for v in values if isinstance(v, int) or (isinstance(v, str) and v.isdigit())]
    return list(dict.fromkeys(picked))[:20]


def service_data(state: ComposerState, previous_local: str | None = None) -> dict[str, Any]:
    """The posts service's data; an unchanged date is left out so an old past date does not block a save."""
    data: dict[str, Any] = {
        "text": state.text,
        "pillar": state.pillar or None,
        "persona": state.persona or None,
        "media_ids": state.media_ids,
        "targets": [
            {"account_id": v.id, "text": v.text}
            if v.customised
            else {"account_id": v.id, "customised": False}
            for v in state.variants
            if v.ticked
        ],
    }
    if state.scheduled_local != previous_local or state.dst_choice:
        data["scheduled_local"] = state.scheduled_local
        if state.dst_choice:
            data["dst_choice"] = state.dst_choice
    return data


def offer_dst_choice(state: ComposerState, exc: TimeChoiceNeeded, timezone: str) -> None:
    """Put the two instants a DST-ambiguous time can mean into the form, as local times with offsets."""
    state.dst_options = [
        (choice, format_local(option, timezone, "%d/%m/%Y %H:%M %Z (UTC%z)"))
        for choice, option in zip(local_time.CHOICES, exc.options, strict=True)
    ]


def format_local(moment: datetime | None, timezone: str, pattern: str = "%d/%m/%Y %H:%M") -> str:
    """A UTC instant as wall-clock text in the client's zone ('' for none)."""
    return local_time.to_local(moment, timezone).strftime(pattern) if moment else ""


def plan_choices(plan: CommunicationPlan | None) -> tuple[list[tuple[str, str]], list[str]]:
    """(pillar key, name) pairs and persona names from the client's current plan."""
    data = plan.data if plan else {}
    pillars = [(p["key"], p.get("name") or p["key"]) for p in data.get("pillars", [])]
    return pillars, [p["name"] for p in data.get("personas", [])]


def present_finding(finding: dict[str, Any], text: str) -> dict[str, Any]:
    """A stored finding for people: translated sentence, quoted spans, severity, suggestions."""
    try:
        sentence = gettext(finding.get("template") or finding["message"], **finding.get("params", {}))
    except (KeyError, TypeError, ValueError):
        sentence = finding.get("message", finding.get("code", ""))
    quotes = [text[start:end] for start, end in finding.get("spans", []) if 0 <= start < end <= len(text)]
    return {
        "code": finding["code"],
        "severity": finding["severity"],
        "text": sentence,
        "quotes": quotes,
        "suggestions": list(finding.get("suggestions", [])),
    }


def present_result(result: dict[str, Any], text: str, preview: str) -> dict[str, Any]:
    """One variant's check result for the page or the composer's JSON."""
    return {
        "account_id": result["account_id"],
        "network": result["network"],
        "length": result["length"],
        "limit": result["limit"],
        "over": result["length"] > result["limit"],
        "findings": [present_finding(f, text) for f in result["findings"]],
        "preview": links.preview_parts(preview),
    }


def network_name(key: str) -> str:
    """A network's display name."""
    return NETWORKS[key].name if key in NETWORKS else key


def account_limit(account: SocialAccount) -> int:
    """The account's text limit: the instance's own (Mastodon) or the network's."""
    return (account.extra or {}).get("max_characters") or NETWORKS[account.network].text_limit


def variant_views(
    state: ComposerState, client: Client, checks: dict[str, Any] | None, post_id: int | None
) -> dict[int, dict[str, Any]]:
    """Per account: counter, preview with the client's UTM parameters, and the last stored findings."""
    stored = {r.get("account_id"): r for r in (checks or {}).get("results", [])}
    views = {}
    for v in state.variants:
        preview = links.apply_utm(
            v.text, client.utm_template, network=v.account.network, client_slug=client.slug, post_id=post_id
        )
        result = stored.get(v.id) or {"findings": []}
        views[v.id] = present_result(
            {
                "account_id": v.id,
                "network": v.account.network,
                "length": text_length(v.account.network, preview),  # as published, UTM included
                "limit": account_limit(v.account),
                "findings": result["findings"],
            },
            v.text,
            preview,
        )
    return views


def blocking_items(
    unresolved: list[dict[str, Any]], views: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each blocking (check, network) left without an override, with the findings that raised it."""
    return [
        {
            **item,
            "findings": [
                finding
                for view in views.values()
                if view["network"] == item["network"]
                for finding in view["findings"]
                if finding["code"] == item["code"]
            ],
        }
        for item in unresolved
    ]
