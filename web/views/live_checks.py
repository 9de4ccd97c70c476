"""The composer's live checks: the JSON it sends, turned into variants; the results, turned into JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tenants.errors import DomainError
from tenants.models import Client, MediaAsset, Post, SocialAccount
from tenants.services import links, local_time, posts
from tenants.services.post_checks import Variant
from web.views.composer_state import account_limit, present_finding, present_result


class BadRequest(ValueError):
    """The composer's JSON is not what the page sends."""


def variants_from_json(
    items: Any, accounts: dict[int, SocialAccount], assets: Sequence[MediaAsset] = ()
) -> list[Variant]:
    """One variant per {account_id, text} with the picked media; BadRequest for unknown accounts."""
    if not isinstance(items, list) or len(items) > posts.MAX_TARGETS:
        raise BadRequest("variants")
    variants = []
    for item in items:
        wanted = item.get("account_id") if isinstance(item, dict) else None
        account = accounts.get(wanted) if type(wanted) is int else None
        text = item.get("text") if account is not None else None
        if not isinstance(text, str) or len(text) > posts.MAX_TEXT:
            raise BadRequest("variants")
        variants.append(
            Variant(
                network=account.network,
                text=text.replace("\r\n", "\n"),
                media_count=len(assets),
                account_id=account.id,
                text_limit=account_limit(account),
                media=tuple(assets),
            )
        )
    return variants


def moment_from_json(client: Client, data: dict[str, Any]) -> datetime | None:
    """The planned instant typed so far, if it already means one; the checks run without it otherwise."""
    value, choice = data.get("scheduled_local"), data.get("dst_choice") or None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return local_time.to_utc(local_time.parse_local(value), client.timezone, choice)
    except DomainError:
        return None


def results_as_json(
    results: dict[str, Any], variants: list[Variant], client: Client, post: Post | None
) -> dict[str, Any]:
    """Counters, translated findings and UTM-tagged previews, per variant, in the order sent."""
    return {
        "blocking": results["blocking"],
        "post_findings": [present_finding(f, "") for f in results["post_findings"]],
        "results": [
            present_result(
                result,
                variant.text,
                links.apply_utm(
                    variant.text,
                    client.utm_template,
                    network=variant.network,
                    client_slug=client.slug,
                    post_id=post.id if post else None,
                ),
            )
            for result, variant in zip(results["results"], variants, strict=True)
        ],
    }
