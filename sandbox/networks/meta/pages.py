"""Facebook pages: the user's pages and page tokens, posts (feed, photos), comments and reactions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Response, jsonify, request

from sandbox import faults
from sandbox.networks.meta import webhooks
from sandbox.networks.meta.blueprint import bp
from sandbox.networks.meta.errors import LOST, _fail
from sandbox.networks.meta.instagram import _plain_ig_user
from sandbox.networks.meta.oauth import _issue_token
from sandbox.networks.meta.parsing import Call, _json_param
from sandbox.networks.meta.permissions import _require, _require_page_publish
from sandbox.networks.meta.world import _fb_time, _new_id, _objects, _of_type, _post_record
from sandbox.state import STORE, now

FB_TEXT_LIMIT = 63206
DUPLICATE_WINDOW = timedelta(hours=24)
PAGE_TASKS = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"]


def _plain_user(call: Call, obj: dict) -> dict:
    return {"id": obj["id"], "name": obj["name"]}


def _plain_page(call: Call, obj: dict) -> dict:
    out = {
        "id": obj["id"],
        "name": obj["name"],
        "username": obj["username"],
        "category": obj["category"],
        "category_list": [{"id": "2500", "name": obj["category"]}],
        "link": f"https://www.facebook.com/{obj['username']}",
        "followers_count": obj["followers_count"],
        "fan_count": obj["fan_count"],
        "tasks": PAGE_TASKS,
        "access_token": _page_token(call, obj) if call.token["type"] == "user" else None,
        "instagram_business_account": None,
    }
    if obj["ig_user_id"] and "instagram_basic" in call.grant["scopes"]:
        out["instagram_business_account"] = _plain_ig_user(call, _objects()[obj["ig_user_id"]])
    return out


def _page_token(call: Call, page: dict) -> str:
    """A page token per grant and page; it never expires when asked for with a long-lived user token."""
    tokens = call.grant["page_tokens"]
    if page["id"] not in tokens:
        expires = None if call.token.get("long_lived") else call.token["expires_at"]
        tokens[page["id"]] = _issue_token(call.grant, "page", expires, page_id=page["id"])
    return tokens[page["id"]]


def _page_author(page_id: str) -> dict[str, str]:
    return {"name": _objects()[page_id]["name"], "id": page_id}


def _plain_post(call: Call, obj: dict) -> dict:
    short = obj["id"].split("_", 1)[1]
    return {
        "id": obj["id"],
        "message": obj["message"] or None,
        "created_time": _fb_time(obj["created_time"]),
        "permalink_url": f"https://www.facebook.com/{obj['page_id']}/posts/{short}",
        "from": _page_author(obj["page_id"]),
        "is_published": True,
        "link": obj["link"],
        # Graph leaves `shares` out entirely while a post has none.
        "shares": {"count": obj["shares"]} if obj["shares"] else None,
    }


def _plain_photo(call: Call, obj: dict) -> dict:
    source = f"{request.host_url}meta/scontent/{obj['id']}.{obj['kind']}"
    return {
        "id": obj["id"],
        "created_time": _fb_time(obj["created_time"]),
        "images": [{"height": 1080, "width": 1080, "source": source}],
        "link": f"https://www.facebook.com/photo/?fbid={obj['id']}",
        "name": obj.get("caption") or None,
    }


def _plain_comment(call: Call, obj: dict) -> dict:
    parent = _objects().get(obj["parent_id"], {})
    return {
        "id": obj["id"],
        "message": obj["message"],
        "created_time": _fb_time(obj["created_time"]),
        "from": obj["from"],
        "like_count": obj.get("likes", 0),
        "user_likes": obj["page_id"] in obj.get("liked_by", ()),
        "is_hidden": obj.get("hidden", False),
        "parent": {"id": parent["id"], "message": parent.get("message")}
        if parent.get("type") == "comment"
        else None,
        "permalink_url": f"https://www.facebook.com/{obj['page_id']}/posts/{obj['post_id']}?comment_id={obj['id']}",
    }


def _list_accounts(call: Call, user: dict, params: dict) -> list[dict]:
    if call.token["type"] != "user":
        raise _fail(400, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)", 100)
    if "pages_show_list" not in call.grant["scopes"]:
        return []  # what users report: an empty list, not an error
    return [_objects()[p] for p in call.grant["pages"]]


def _list_posts(call: Call, page: dict, params: dict) -> list[dict]:
    _require(call, "pages_read_engagement")
    return list(reversed(_of_type("post", page_id=page["id"])))


def _list_comments(call: Call, obj: dict, params: dict) -> list[dict]:
    _require(call, "pages_read_engagement")
    if obj["type"] == "post" and params.get("filter") == "stream":
        # Short post ids are unique only within a page (the seeded posts of every page share theirs).
        items = _of_type("comment", post_id=obj["id"].split("_", 1)[1], page_id=obj["page_id"])
    else:
        items = _of_type("comment", parent_id=obj["id"])
    return list(reversed(items)) if params.get("order") == "reverse_chronological" else items


def _body_reactions(call: Call, post: dict, params: dict) -> dict:
    _require(call, "pages_read_engagement")
    body: dict[str, Any] = {"data": []}  # the sandbox counts reactions but does not keep who reacted
    if str(params.get("summary", "")).lower() in ("true", "1", "total_count"):
        body["summary"] = {"total_count": post["reactions"], "viewer_reaction": "NONE"}
    return body


# --- Facebook writes ------------------------------------------------------------------------------
def _attached_media(params: dict[str, Any]) -> list[str]:
    """attached_media as a JSON list, or PHP-style attached_media[0]={"media_fbid":...} form fields."""
    entries = _json_param(params.get("attached_media")) or []
    if not isinstance(entries, list):
        entries = [entries]
    for key in sorted(k for k in params if re.fullmatch(r"attached_media\[\d+\]", k)):
        entries.append(_json_param(params[key]))
    return [str(e.get("media_fbid", "")) if isinstance(e, dict) else str(e) for e in entries]


def _write_post(call: Call, page: dict, message: str, link: str | None, photo_ids: list[str]):
    """Validate, store and record one page post; the shared end of /feed and published /photos."""
    if not message and not link and not photo_ids:
        raise _fail(400, "(#100) Missing message or attachment", 100)
    if len(message) > FB_TEXT_LIMIT:
        raise _fail(
            400, f"(#100) The message is too long: posts can have at most {FB_TEXT_LIMIT} characters.", 100
        )
    for index, photo_id in enumerate(photo_ids):
        photo = _objects().get(photo_id)
        if not photo or photo["type"] != "photo" or photo["page_id"] != page["id"] or photo.get("post_id"):
            raise _fail(
                400, f"(#100) param attached_media[{index}] must be a valid unpublished photo id", 100
            )
    since = now() - DUPLICATE_WINDOW
    for post in _of_type("post", page_id=page["id"]):
        if message and post["message"] == message and post["link"] == link and post["created_time"] > since:
            raise _fail(
                400,
                "Duplicate status message",
                506,
                subcode=1366051,
                title="Duplicate Post",
                user_msg="This status update is identical to the last one you posted. Try posting something "
                "different, or delete your previous update.",
            )
    post_id = f"{page['id']}_{_new_id()}"
    _objects()[post_id] = _post_record(page["id"], post_id, message, now(), link=link, photos=photo_ids)
    for photo_id in photo_ids:
        _objects()[photo_id]["post_id"] = post_id
    STORE.record_published(
        network="facebook",
        account=page["id"],
        remote_id=post_id,
        kind="post",
        text=message,
        link=link,
        media=photo_ids,
    )
    return post_id


def _post_feed(call: Call, page: dict):
    _require_page_publish(call)
    params = call.params
    post_id = _write_post(
        call, page, str(params.get("message", "")), params.get("link") or None, _attached_media(params)
    )
    if faults.response_lost("facebook", account=page["id"]):
        return LOST
    return jsonify({"id": post_id})


_MAGIC = ((b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF8", "gif"))


def _image_kind(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def _post_photo(call: Call, page: dict):
    """POST /{page}/photos: an upload (multipart `source`), published now or kept for attached_media."""
    _require_page_publish(call)
    upload = request.files.get("source")
    if upload is None:
        raise _fail(400, "(#324) Requires upload file", 324)
    data = upload.read()
    kind = _image_kind(data)
    if kind is None:
        raise _fail(400, "(#324) Missing or invalid image file", 324)
    photo_id = _new_id()
    caption = str(call.params.get("caption") or call.params.get("message") or "")
    _objects()[photo_id] = {
        "type": "photo",
        "id": photo_id,
        "page_id": page["id"],
        "kind": kind,
        "size": len(data),
        "data": data,
        "caption": caption,
        "created_time": now(),
    }
    if str(call.params.get("published", "true")).lower() in ("false", "0"):
        return jsonify({"id": photo_id})
    post_id = _write_post(call, page, caption, None, [photo_id])
    if faults.response_lost("facebook", account=page["id"]):
        return LOST
    return jsonify({"id": photo_id, "post_id": post_id})


def _post_comment(call: Call, target: dict):
    """POST /{post-or-comment}/comments as the page."""
    _require(call, "pages_manage_engagement", code=200)
    message = str(call.params.get("message", ""))
    if not message:
        raise _fail(400, "(#100) Missing message or attachment", 100)
    post_short = target["id"].split("_", 1)[1] if target["type"] == "post" else target["post_id"]
    comment = _add_comment(
        target["page_id"], post_short, target["id"], _page_author(target["page_id"]), message
    )
    STORE.record_published(
        network="facebook",
        account=target["page_id"],
        remote_id=comment["id"],
        kind="reply",
        text=message,
        parent=target["id"],
    )
    if faults.response_lost("facebook", account=target["page_id"]):
        return LOST
    return jsonify({"id": comment["id"]})


def _add_comment(
    page_id: str, post_short: str, parent_id: str, author: dict, message: str, *, notify: bool = True
) -> dict:
    comment_id = f"{post_short}_{_new_id()}"
    comment = {
        "type": "comment",
        "id": comment_id,
        "page_id": page_id,
        "post_id": post_short,
        "parent_id": parent_id,
        "from": author,
        "message": message,
        "created_time": now(),
    }
    _objects()[comment_id] = comment
    if notify:
        webhooks.page_comment(comment)
    return comment


def _delete_post(call: Call, post: dict):
    _require_page_publish(call)
    post["deleted"] = True
    STORE.record_deleted(network="facebook", remote_id=post["id"])
    return jsonify({"success": True})


@bp.get("/scontent/<name>")
def scontent(name: str):
    """The CDN behind photo `images[].source` URLs: public, no token."""
    photo = _objects().get(name.split(".", 1)[0])
    if photo is None or photo["type"] != "photo":
        return Response("Not found", status=404)
    mime = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}[photo["kind"]]
    return Response(photo["data"], mimetype=mime)
