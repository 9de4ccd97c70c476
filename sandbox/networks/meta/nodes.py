"""Rendering nodes and edges: default fields, field expansion, cursor pagination, and what each type has."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from flask import request

from sandbox.networks.meta.errors import _fail
from sandbox.networks.meta.insights import _body_insights
from sandbox.networks.meta.instagram import (
    _body_publishing_limit,
    _list_ig_comments,
    _list_ig_media,
    _plain_container,
    _plain_ig_comment,
    _plain_ig_media,
    _plain_ig_user,
)
from sandbox.networks.meta.messenger import (
    _list_conversations,
    _list_messages,
    _plain_conversation,
    _plain_message,
)
from sandbox.networks.meta.pages import (
    _body_reactions,
    _list_accounts,
    _list_comments,
    _list_posts,
    _plain_comment,
    _plain_page,
    _plain_photo,
    _plain_post,
    _plain_user,
)
from sandbox.networks.meta.parsing import Call, Field, parse_fields
from sandbox.networks.meta.permissions import _body_permissions
from sandbox.networks.meta.subscriptions import _body_subscribed_apps

_DEFAULTS = {
    "user": "id,name",
    "page": "id,name",
    "post": "created_time,message,id",
    "photo": "created_time,id",
    "comment": "created_time,from,message,id",
    "conversation": "id,link,updated_time",
    "message": "id,created_time",
    "ig_user": "id",
    "ig_media": "id",
    "ig_comment": "id,text,timestamp",
    "container": "id",
}
_EDGE_DEFAULTS = {("user", "accounts"): "access_token,category,category_list,name,id,tasks"}
_REFERENCES = {"instagram_business_account"}  # nested nodes that default to just their id


def _render(call: Call, obj: dict[str, Any], fields: list[Field] | None) -> dict[str, Any]:
    fields = fields or parse_fields(_DEFAULTS[obj["type"]])[0]
    plain = _plain(call, obj)
    out: dict[str, Any] = {}
    for name, modifiers, children in fields:
        if (obj["type"], name) in LISTS or (obj["type"], name) in BODIES:
            out[name] = _edge_body(call, obj, name, dict(modifiers), children, False)
        elif name in plain:
            value = plain[name]
            if value is None:
                continue
            if isinstance(value, dict) and (children or name in _REFERENCES):
                keep = {c.name for c in children} or {"id"}
                value = {k: v for k, v in value.items() if k in keep or k == "id"}
            out[name] = value
        else:
            raise _fail(
                400,
                f"(#100) Tried accessing nonexisting field ({name}) on node type ({obj['type'].title()})",
                100,
            )
    out["id"] = obj["id"]
    return out


def _plain(call: Call, obj: dict[str, Any]) -> dict[str, Any]:
    return _PLAIN[obj["type"]](call, obj)


_PLAIN = {
    "user": _plain_user,
    "page": _plain_page,
    "post": _plain_post,
    "photo": _plain_photo,
    "comment": _plain_comment,
    "conversation": _plain_conversation,
    "message": _plain_message,
    "ig_user": _plain_ig_user,
    "ig_media": _plain_ig_media,
    "ig_comment": _plain_ig_comment,
    "container": _plain_container,
}


# --- edges: lists with cursor pagination, and computed bodies -------------------------------------
def _edge_body(call: Call, obj: dict, edge: str, params: dict, fields: list[Field] | None, top: bool) -> dict:
    kind = obj["type"]
    if (kind, edge) in BODIES:
        return BODIES[(kind, edge)](call, obj, params)
    items = LISTS[(kind, edge)](call, obj, params)
    fields = (
        fields
        or parse_fields(_EDGE_DEFAULTS.get((kind, edge), _DEFAULTS[items[0]["type"]] if items else "id"))[0]
    )
    body = _paginate(call, items, params, fields, top)
    if str(params.get("summary", "")).lower() in ("true", "1", "total_count"):
        body["summary"] = {"order": "chronological", "total_count": len(items), "can_comment": True}
    return body


def _cursor(object_id: str) -> str:
    return base64.urlsafe_b64encode(object_id.encode()).decode()


def _paginate(call: Call, items: list[dict], params: dict, fields: list[Field], top: bool) -> dict:
    """Cursor pagination: data, paging.cursors.before/after, and paging.next while more remain."""
    limit = max(0, min(int(params["limit"]) if str(params.get("limit", "")).isdigit() else 25, 100))
    start = 0
    if params.get("after"):
        try:
            anchor = base64.urlsafe_b64decode(str(params["after"]).encode()).decode()
        except ValueError:
            anchor = ""
        ids = [i["id"] for i in items]
        start = ids.index(anchor) + 1 if anchor in ids else len(items)
    page = items[start : start + limit]
    body: dict[str, Any] = {"data": [_render(call, item, fields) for item in page]}
    if page:
        paging: dict[str, Any] = {
            "cursors": {"before": _cursor(page[0]["id"]), "after": _cursor(page[-1]["id"])}
        }
        if top and start + limit < len(items):
            query = {k: v for k, v in request.args.items() if k not in ("after", "before")}
            paging["next"] = f"{request.base_url}?{urlencode({**query, 'after': _cursor(page[-1]['id'])})}"
        if top and start:
            query = {k: v for k, v in request.args.items() if k not in ("after", "before")}
            paging["previous"] = (
                f"{request.base_url}?{urlencode({**query, 'before': _cursor(page[0]['id'])})}"
            )
        body["paging"] = paging
    return body


LISTS = {
    ("user", "accounts"): _list_accounts,
    ("page", "feed"): _list_posts,
    ("page", "posts"): _list_posts,
    ("page", "published_posts"): _list_posts,
    ("page", "conversations"): _list_conversations,
    ("post", "comments"): _list_comments,
    ("comment", "comments"): _list_comments,
    ("conversation", "messages"): _list_messages,
    ("ig_user", "media"): _list_ig_media,
    ("ig_media", "comments"): _list_ig_comments,
    ("ig_comment", "replies"): _list_ig_comments,
}


BODIES = {
    ("user", "permissions"): _body_permissions,
    ("post", "reactions"): _body_reactions,
    ("page", "insights"): _body_insights,
    ("post", "insights"): _body_insights,
    ("ig_media", "insights"): _body_insights,
    ("ig_user", "content_publishing_limit"): _body_publishing_limit,
    ("page", "subscribed_apps"): _body_subscribed_apps,
}
