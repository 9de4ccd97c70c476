"""Pre-publish checks of a whole post: each variant's text and media, plus what needs the calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.checks import CheckContext, Finding, run_checks
from tenants.checks.engine import make_finding
from tenants.checks.media import MediaLike, media_findings
from tenants.db import SHORT_LINK_PREFIX
from tenants.errors import N_, Invalid
from tenants.models import Client, CommunicationPlan, MediaAsset, Post, PostTarget, SocialAccount
from tenants.models.base import utcnow
from tenants.networks import NETWORKS, text_length
from tenants.services import links, plans
from tenants.tracking import shortening

MIX_WINDOW = timedelta(days=14)
DUPLICATE_WINDOW = timedelta(days=30)
# Fewer posts than this around a date say nothing about the mix.
MIX_MIN_POSTS = 4


@dataclass(frozen=True)
class Variant:
    """One variant to check: the network, its text, its media, and the account (when saved)."""

    network: str
    text: str
    media_count: int = 0
    account_id: int | None = None
    text_limit: int | None = None
    media: tuple[MediaLike, ...] = ()


def _promotional_keys(plan: CommunicationPlan | None) -> tuple[set[str], float | None]:
    pillars = plan.data.get("pillars", []) if plan else []
    keys = {p["key"] for p in pillars if "promo" in p["key"]}
    target = sum(p["target_share"] for p in pillars if p["key"] in keys) if keys else None
    return keys, target


def mix_findings(
    *,
    session: Session,
    client: Client,
    plan: CommunicationPlan | None,
    post: Post | None,
    pillar: str | None,
    moment: datetime | None,
    context: CheckContext,
) -> list[Finding]:
    """Warn when promotional posts in the weeks around the date exceed the plan's share."""
    keys, target = _promotional_keys(plan)
    # Only a promotional post can tip the balance; the others are what keeps it.
    if not keys or target is None or pillar not in keys:
        return []
    moment = moment or utcnow()
    query = select(Post.id, Post.pillar).where(
        Post.agency_id == client.agency_id,
        Post.client_id == client.id,
        Post.scheduled_at >= moment - MIX_WINDOW,
        Post.scheduled_at < moment + MIX_WINDOW,
    )
    around = {row.id: row.pillar for row in session.execute(query)}
    if post is not None and post.id:
        around.pop(post.id, None)
    pillars = [*around.values(), pillar]
    if len(pillars) < MIX_MIN_POSTS:
        return []
    share = 100 * sum(1 for p in pillars if p in keys) / len(pillars)
    if share <= target:
        return []
    return [
        make_finding(
            context,
            "mix",
            N_(
                "Promotional posts would be %(share)s%% of the posts in the four weeks around this date; "
                "the plan aims at %(target)s%%."
            ),
            share=round(share),
            target=round(target),
        )
    ]


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def duplicate_findings(
    *,
    session: Session,
    client: Client,
    post: Post | None,
    variant: Variant,
    moment: datetime | None,
    context: CheckContext,
) -> list[Finding]:
    """Warn when the same text is planned or posted on the same account within a month."""
    if variant.account_id is None or not variant.text.strip():
        return []
    moment = moment or utcnow()
    query = (
        select(PostTarget.text, Post.scheduled_at)
        .join(Post, Post.id == PostTarget.post_id)
        .where(
            PostTarget.agency_id == client.agency_id,
            PostTarget.client_id == client.id,
            PostTarget.account_id == variant.account_id,
            Post.scheduled_at >= moment - DUPLICATE_WINDOW,
            Post.scheduled_at < moment + DUPLICATE_WINDOW,
        )
    )
    if post is not None and post.id:
        query = query.where(Post.id != post.id)
    wanted = _normalised(variant.text)
    for text, when in session.execute(query):
        if _normalised(text) == wanted:
            return [
                make_finding(
                    context,
                    "duplicate",
                    N_("The same text is already planned on this account for %(date)s."),
                    date=when.strftime("%Y-%m-%d"),
                )
            ]
    return []


def channel_findings(plan: CommunicationPlan | None, context: CheckContext) -> list[Finding]:
    """Warn when the plan lists channels and this network is not one of them."""
    channels = [c["network"] for c in (plan.data.get("channels", []) if plan else [])]
    if not channels or context.network in channels:
        return []
    return [
        make_finding(
            context,
            "channel",
            N_("%(network)s is not one of the channels in this client's plan."),
            network=NETWORKS[context.network].name,
        )
    ]


def published_text(client: Client, variant: Variant, post: Post | None, *, short_prefix: str | None) -> str:
    """The variant as the network will receive it: the client's UTM parameters in its links, and the
    links shortened when the client tracks them and the deployment has short links (short_prefix)."""
    published = links.apply_utm(
        variant.text,
        client.utm_template or "",
        network=variant.network,
        client_slug=client.slug,
        post_id=post.id if post is not None else None,
    )
    if short_prefix and client.link_tracking:
        published = shortening.as_shortened(published, short_prefix)
    return published


def finding_as_dict(finding: Finding) -> dict[str, Any]:
    """A finding as stored with the post and returned by the API."""
    return {
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message % finding.params,
        # The untranslated message with its placeholders: the web shows it in the reader's language.
        "template": finding.message,
        "params": finding.params,
        "spans": [list(span) for span in finding.spans],
        "suggestions": list(finding.suggestions),
    }


def _published_length_finding(context: CheckContext, variant: Variant, *, length: int, limit: int) -> Finding:
    return make_finding(
        context,
        "length",
        N_(
            "As published, with its links tracked, this text has %(length)s characters; "
            "%(network)s allows %(limit)s."
        ),
        network=NETWORKS[variant.network].name,
        limit=limit,
        length=length,
    )


def variants_from_json(items: Any) -> list[Variant]:
    """Variants from an API body: a list of {network, text, media_count?, account_id?}."""
    if not isinstance(items, list) or not items or len(items) > 30:
        raise Invalid(N_("Send 'variants': a list of {network, text, media_count}."), field="variants")
    variants = []
    for item in items:
        if not isinstance(item, dict) or item.get("network") not in NETWORKS:
            raise Invalid(N_("Send 'variants': a list of {network, text, media_count}."), field="variants")
        text, media, account = item.get("text", ""), item.get("media_count", 0), item.get("account_id")
        if not isinstance(text, str) or len(text) > 100_000 or type(media) is not int or media < 0:
            raise Invalid(N_("Send 'variants': a list of {network, text, media_count}."), field="variants")
        if account is not None and type(account) is not int:
            raise Invalid(N_("Send 'variants': a list of {network, text, media_count}."), field="variants")
        variants.append(Variant(network=item["network"], text=text, media_count=media, account_id=account))
    return variants


def check_variants(
    *,
    session: Session,
    client: Client,
    variants: Sequence[Variant],
    post: Post | None = None,
    pillar: str | None = None,
    moment: datetime | None = None,
    suggest: bool = True,
    overrides: Sequence[dict] = (),
) -> dict[str, Any]:
    """Every finding per variant, and whether any blocking one is left without a manager's override."""
    plan = plans.current_plan(session=session, agency_id=client.agency_id, client_id=client.id)
    short_prefix = session.info.get(SHORT_LINK_PREFIX)
    results = []
    for variant in variants:
        context = plans.check_context(
            plan,
            network=variant.network,
            client_locale=client.locale,
            media_count=variant.media_count,
            severities=dict(client.check_severities or {}),
            extra_offensive=tuple(client.extra_offensive or ()),
            text_limit=variant.text_limit,
            suggest=suggest,
        )
        findings = run_checks(variant.text, context)
        if variant.media:
            # The library knows each file: its type and size findings replace the bare count.
            findings = [f for f in findings if f.code != "media"]
            findings += media_findings(variant.media, variant.network, severities=context.severities)
        findings += channel_findings(plan, context)
        findings += duplicate_findings(
            session=session, client=client, post=post, variant=variant, moment=moment, context=context
        )
        published = published_text(client, variant, post, short_prefix=short_prefix)
        length = text_length(variant.network, published)
        limit = variant.text_limit or NETWORKS[variant.network].text_limit
        if length != text_length(variant.network, variant.text):
            # The network measures what it receives: short links can make a long text fit, or not.
            findings = [f for f in findings if f.code != "length"]
            if length > limit:
                findings.insert(0, _published_length_finding(context, variant, length=length, limit=limit))
        results.append(
            {
                "network": variant.network,
                "account_id": variant.account_id,
                "length": length,
                "limit": variant.text_limit or NETWORKS[variant.network].text_limit,
                "findings": [finding_as_dict(f) for f in findings],
            }
        )
    # The mix is a property of the post, not of one variant: reported once.
    mix_context = CheckContext(
        network=variants[0].network if variants else "x", severities=dict(client.check_severities or {})
    )
    post_findings = [
        finding_as_dict(f)
        for f in mix_findings(
            session=session,
            client=client,
            plan=plan,
            post=post,
            pillar=pillar,
            moment=moment,
            context=mix_context,
        )
    ]
    overridden = {(o["code"], o.get("network")) for o in overrides}
    blocking = [
        {"code": f["code"], "network": r["network"]}
        for r in results
        for f in r["findings"]
        if f["severity"] == "blocking" and (f["code"], r["network"]) not in overridden
    ]
    return {
        "checked_at": utcnow().isoformat(),
        "blocking": bool(blocking),
        "unresolved": blocking,
        "post_findings": post_findings,
        "results": results,
    }


def variants_of(
    post: Post, accounts: dict[int, SocialAccount], assets: dict[int, MediaAsset] | None = None
) -> list[Variant]:
    """The variants of a saved post, one per target."""
    assets = assets or {}
    return [
        Variant(
            network=t.network,
            text=t.text,
            media_count=len(t.media_ids or []),
            media=tuple(assets[i] for i in t.media_ids or [] if i in assets),
            account_id=t.account_id,
            text_limit=(accounts[t.account_id].extra or {}).get("max_characters")
            if t.account_id in accounts
            else None,
        )
        for t in post.targets
    ]


def check_post(*, session: Session, client: Client, post: Post, suggest: bool = True) -> dict[str, Any]:
    """Run every check on a saved post and store the results with it."""
    accounts = {
        a.id: a
        for a in session.scalars(
            select(SocialAccount).where(
                SocialAccount.client_id == client.id,
                SocialAccount.id.in_([t.account_id for t in post.targets]),
            )
        )
    }
    media_ids = {i for t in post.targets for i in t.media_ids or []}
    assets = {
        a.id: a
        for a in session.scalars(
            select(MediaAsset).where(MediaAsset.client_id == client.id, MediaAsset.id.in_(media_ids))
        )
    }
    post.checks = check_variants(
        session=session,
        client=client,
        variants=variants_of(post, accounts, assets),
        post=post,
        pillar=post.pillar,
        moment=post.scheduled_at,
        suggest=suggest,
        overrides=post.overrides or (),
    )
    return post.checks
