"""Posts: validation (little text, media, duplicates, daily cap), create, find by author, get, delete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, jsonify, request

from sandbox import faults
from sandbox.networks.linkedin.access import _authenticated, _forbidden, _may_act_as
from sandbox.networks.linkedin.blueprint import bp
from sandbox.networks.linkedin.errors import _error, _input_error, _throttled
from sandbox.networks.linkedin.little_text import _little_text_error, _plain
from sandbox.networks.linkedin.paging import _paged
from sandbox.networks.linkedin.state import _millis, _state
from sandbox.state import STORE, now

DUPLICATE_WINDOW = timedelta(hours=24)
MEMBER_DAILY_POSTS = 150
CHAR_LIMIT = 3000


def _post_json(post: dict[str, Any]) -> dict[str, Any]:
    body = {
        "id": post["id"],
        "author": post["author"],
        "commentary": post["commentary"],
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "lifecycleStateInfo": {"isEditedByAuthor": False},
        "isReshareDisabledByAuthor": False,
        "createdAt": post["created"],
        "publishedAt": post["created"],
        "lastModifiedAt": post["created"],
    }
    if post["content"]:
        body["content"] = post["content"]
    return body


def _media_ids(content: dict[str, Any]) -> list[str]:
    if "media" in content:
        return [str(content["media"].get("id", ""))]
    return [str(i.get("id", "")) for i in content.get("multiImage", {}).get("images", [])]


def _invalid_post(body: dict[str, Any], author: str) -> Response | None:
    """The 422 this post body earns, if any."""
    for field in ("visibility", "distribution", "lifecycleState"):
        if field not in body:
            return _input_error(
                f"/{field} :: field is required but not found and has no default value",
                "MISSING_FIELD",
                field,
            )
    commentary, content = str(body.get("commentary", "")), body.get("content") or {}
    if not commentary and not content:
        return _input_error("/commentary :: a post needs text or content", "MISSING_FIELD")
    problem = _little_text_error(commentary)
    if problem:
        return _input_error(
            f"/commentary :: {problem}",
            "INVALID_LITTLE_TEXT",
            "commentary",
        )
    if len(_plain(commentary)) > CHAR_LIMIT:
        return _input_error(
            f"/commentary :: length {len(_plain(commentary))} exceeds the maximum allowed {CHAR_LIMIT}",
            "MAX_LENGTH_EXCEEDED",
            "commentary",
        )
    if "article" in content and not (content["article"].get("source") and content["article"].get("title")):
        return _input_error("/content/article :: source and title are required", "MISSING_FIELD")
    for image_urn in _media_ids(content):
        image = _state()["images"].get(image_urn)
        if image is None or image["owner"] != author:
            return _input_error(f"/content :: unknown media {image_urn}", "INVALID_MEDIA", "content")
        if image["status"] != "AVAILABLE":
            return _input_error(
                f"/content :: media {image_urn} is not ready (status {image['status']})",
                "MEDIA_NOT_READY" if image["status"] != "PROCESSING_FAILED" else "INVALID_MEDIA",
                "content",
            )
    return None


def _duplicate_of(author: str, commentary: str, content: dict[str, Any]) -> str | None:
    """An earlier post with the same text (and link) by the same author, within LinkedIn's window."""
    if not commentary:
        return None
    source = content.get("article", {}).get("source")
    since = _millis(now() - DUPLICATE_WINDOW)
    for post in _state()["posts"].values():
        same_link = post["content"].get("article", {}).get("source") == source
        if (
            post["author"] == author
            and post["commentary"] == commentary
            and same_link
            and post["created"] >= since
        ):
            return post["id"]
    return None


def _posts_today(username: str) -> int:
    day = now().date()
    return sum(1 for p in _state()["posts"].values() if p["member"] == username and p["created_day"] == day)


@bp.post("/api/rest/posts")
def create_post():
    body = request.get_json(silent=True) or {}
    author = str(body.get("author", ""))
    record, error = _authenticated(author or None)
    if error:
        return error
    why = _may_act_as(record, author, write=True)
    if why:
        return _forbidden(why, "partnerApiPostsExternal.CREATE")
    invalid = _invalid_post(body, author)
    if invalid:
        return invalid
    if _posts_today(record["username"]) >= MEMBER_DAILY_POSTS:
        return _throttled("MEMBER")
    commentary, content = str(body.get("commentary", "")), body.get("content") or {}
    duplicate = _duplicate_of(author, commentary, content)
    if duplicate:
        return _input_error(
            "com.linkedin.content.common.exception.BadRequestResponseException: "
            f"Content is a duplicate of {duplicate}",
            "DUPLICATE_POST",
        )
    urn = f"urn:li:share:{STORE.next_id()}"
    _state()["posts"][urn] = {
        "id": urn,
        "author": author,
        "member": record["username"],
        "commentary": commentary,
        "content": content,
        "created": _millis(),
        "created_day": now().date(),
        "deleted": False,
        **dict.fromkeys(("impressions", "unique_impressions", "clicks", "likes", "shares"), 0),
    }
    STORE.record_published(
        network="linkedin",
        account=author,
        remote_id=urn,
        kind="post",
        text=_plain(commentary),
        commentary=commentary,
        content=content,
    )
    if faults.response_lost("linkedin", account=author):
        return faults.lost_response()
    response = Response(status=201)
    response.headers["x-restli-id"] = urn
    response.headers["x-linkedin-id"] = urn
    return response


@bp.get("/api/rest/posts")
def find_posts():
    author = request.args.get("author", "")
    record, error = _authenticated(author or None)
    if error:
        return error
    if request.args.get("q") != "author" or not author:
        return _error(
            400, "Invalid query parameters: q=author and author are required", code="ILLEGAL_ARGUMENT"
        )
    why = _may_act_as(record, author, write=False)
    if why:
        return _forbidden(why, "partnerApiPostsExternal.FINDER-author")
    posts = [p for p in _state()["posts"].values() if p["author"] == author and not p["deleted"]]
    posts.sort(key=lambda p: (p["created"], p["id"]), reverse=True)
    return _paged([_post_json(p) for p in posts], with_total=False)


@bp.get("/api/rest/posts/<urn>")
def get_post(urn: str):
    post = _state()["posts"].get(urn)
    record, error = _authenticated(post["author"] if post else None)
    if error:
        return error
    if post is None or post["deleted"]:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    why = _may_act_as(record, post["author"], write=False)
    return _forbidden(why, "partnerApiPostsExternal.GET") if why else jsonify(_post_json(post))


@bp.delete("/api/rest/posts/<urn>")
def delete_post(urn: str):
    post = _state()["posts"].get(urn)
    record, error = _authenticated(post["author"] if post else None)
    if error:
        return error
    if post is None:
        return _error(404, f"Not Found: {urn}", code="NOT_FOUND")
    why = _may_act_as(record, post["author"], write=True)
    if why:
        return _forbidden(why, "partnerApiPostsExternal.DELETE")
    post["deleted"] = True  # deleting twice is not an error
    STORE.record_deleted(network="linkedin", remote_id=urn)
    return Response(status=204)


@bp.get("/www/feed/update/<urn>/")
def feed_update(urn: str):
    post = _state()["posts"].get(urn)
    if post is None or post["deleted"]:
        return "This post cannot be displayed", 404
    return f"<!doctype html><title>LinkedIn (sandbox)</title><p>{_plain(post['commentary'])}</p>"
