"""Instagram business accounts: media, containers and media_publish, comments and the publishing limit."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from urllib.parse import urlsplit

from flask import jsonify

from sandbox import faults
from sandbox.networks.meta import webhooks
from sandbox.networks.meta.errors import LOST, QUOTA_MESSAGE, _fail
from sandbox.networks.meta.parsing import Call
from sandbox.networks.meta.permissions import _require_ig
from sandbox.networks.meta.world import _fb_time, _media_record, _new_id, _objects, _of_type
from sandbox.state import STORE, now

IG_CAPTION_LIMIT = 2200
IG_HASHTAG_LIMIT = 30
IG_QUOTA = 100
IG_IMAGE_BYTES = 8 * 1024 * 1024
CONTAINER_TTL = timedelta(hours=24)


def _plain_ig_user(call: Call, obj: dict) -> dict:
    return {
        "id": obj["id"],
        "username": obj["username"],
        "name": obj["name"],
        "biography": f"{obj['name']} (sandbox)",
        "followers_count": obj["followers_count"],
        "follows_count": obj["follows_count"],
        "media_count": len(_of_type("ig_media", ig_user_id=obj["id"])),
        "profile_picture_url": f"https://scontent.cdninstagram.com/sandbox/{obj['id']}.jpg",
    }


def _plain_ig_media(call: Call, obj: dict) -> dict:
    owner = _objects()[obj["ig_user_id"]]
    shortcode = base64.urlsafe_b64encode(obj["id"].encode()).decode().rstrip("=")[-11:]
    return {
        "id": obj["id"],
        "caption": obj["caption"] or None,
        "media_type": obj["media_type"],
        "media_product_type": "FEED",
        "media_url": f"https://scontent.cdninstagram.com/sandbox/{obj['id']}.jpg",
        "permalink": f"https://www.instagram.com/p/{shortcode}/",
        "shortcode": shortcode,
        "timestamp": _fb_time(obj["timestamp"]),
        "username": owner["username"],
        "like_count": obj["likes"],
        "comments_count": len(_of_type("ig_comment", media_id=obj["id"])),
    }


def _plain_ig_comment(call: Call, obj: dict) -> dict:
    return {
        "id": obj["id"],
        "text": obj["text"],
        "timestamp": _fb_time(obj["timestamp"]),
        "username": obj["from"]["username"],
        "from": obj["from"],
        "like_count": 0,
        "hidden": obj.get("hidden", False),
        "media": {"id": obj["media_id"]},
        "parent_id": obj["parent_id"],
    }


def _plain_container(call: Call, obj: dict) -> dict:
    status = _container_status(obj)
    obj["polls"] += 1
    texts = {
        "IN_PROGRESS": "In Progress: Media is still being processed.",
        "FINISHED": "Finished: Media has been uploaded and it is complete.",
        "PUBLISHED": "Published: Media has been successfully published.",
        "EXPIRED": "Expired: Media was not published within 24 hours.",
        "ERROR": "Error: Media download has failed. The media URI doesn't meet our requirements. (2207052)",
    }
    return {"id": obj["id"], "status_code": status, "status": texts[status]}


def _container_status(obj: dict) -> str:
    """IN_PROGRESS until first looked at, then FINISHED; ERROR if unreachable; EXPIRED after 24 h."""
    if obj.get("media_id"):
        return "PUBLISHED"
    if now() - obj["created_time"] > CONTAINER_TTL:
        return "EXPIRED"
    if obj["polls"] < 1:
        return "IN_PROGRESS"
    return "ERROR" if obj.get("download_failed") else "FINISHED"


def _list_ig_media(call: Call, ig_user: dict, params: dict) -> list[dict]:
    _require_ig(call, "instagram_basic")
    return list(reversed(_of_type("ig_media", ig_user_id=ig_user["id"])))


def _list_ig_comments(call: Call, obj: dict, params: dict) -> list[dict]:
    _require_ig(call, "instagram_manage_comments")
    if obj["type"] == "ig_media":
        return _of_type("ig_comment", media_id=obj["id"], parent_id=None)
    return _of_type("ig_comment", parent_id=obj["id"])


def _body_publishing_limit(call: Call, ig_user: dict, params: dict) -> dict:
    _require_ig(call, "instagram_content_publish")
    return {
        "data": [
            {
                "quota_usage": _published_last_day(ig_user["id"]),
                "config": {"quota_total": IG_QUOTA, "quota_duration": 86400},
            }
        ]
    }


def _published_last_day(ig_id: str) -> int:
    since = now() - timedelta(hours=24)
    return sum(
        1 for m in _of_type("ig_media", ig_user_id=ig_id) if m["timestamp"] > since and m["container_id"]
    )


# --- Instagram writes -----------------------------------------------------------------------------
def _post_container(call: Call, ig_user: dict):
    """POST /{ig}/media: a container (single image, carousel item or carousel) to publish later."""
    _require_ig(call, "instagram_content_publish")
    params = call.params
    caption = str(params.get("caption", ""))
    if len(caption) > IG_CAPTION_LIMIT:
        raise _fail(
            400,
            f"(#100) The caption is too long: at most {IG_CAPTION_LIMIT} characters.",
            100,
            title="Caption too long",
        )
    if len(re.findall(r"(?<!\w)#\w+", caption)) > IG_HASHTAG_LIMIT:
        raise _fail(
            400,
            f"(#100) The caption has more than {IG_HASHTAG_LIMIT} hashtags.",
            100,
            title="Too many hashtags",
        )
    media_type = str(params.get("media_type", "IMAGE")).upper()
    container = {
        "type": "container",
        "id": f"178{_new_id()}",
        "ig_user_id": ig_user["id"],
        "page_id": ig_user["page_id"],
        "caption": caption,
        "media_type": media_type,
        "carousel_item": str(params.get("is_carousel_item", "")).lower() == "true",
        "children": [],
        "alt_text": params.get("alt_text"),
        "created_time": now(),
        "polls": 0,
        "media_id": None,
    }
    if media_type == "CAROUSEL":
        container["children"] = _carousel_children(ig_user, str(params.get("children", "")))
    elif media_type == "IMAGE":
        _attach_image(container, str(params.get("image_url", "")))
    else:
        raise _fail(
            400, f"The media type {media_type} is not supported by the sandbox.", 100, subcode=2207023
        )
    _objects()[container["id"]] = container
    return jsonify({"id": container["id"]})


def _attach_image(container: dict, image_url: str) -> None:
    """Instagram fetches image_url itself; the sandbox can only fetch images it serves (page photos)."""
    if not image_url:
        raise _fail(400, "(#100) The parameter image_url is required.", 100)
    match = re.search(r"/meta/scontent/(\d+)\.\w+$", urlsplit(image_url).path)
    photo = _objects().get(match.group(1)) if match else None
    if photo is None:
        container["download_failed"] = True
        return
    if photo["kind"] != "jpg":
        raise _fail(
            400,
            "The image format is not supported. Supported formats are: JPEG",
            36001,
            subcode=2207005,
            title="Unsupported format",
            user_msg="The image format is not supported. Supported formats are: JPEG",
        )
    if photo["size"] > IG_IMAGE_BYTES:
        raise _fail(400, "The image size is too large.", 36000, subcode=2207004, title="Image size too large")
    container["image_url"] = image_url


def _carousel_children(ig_user: dict, children: str) -> list[str]:
    ids = [c for c in children.replace(" ", "").split(",") if c]
    if not 2 <= len(ids) <= 10:
        raise _fail(400, "(#100) The carousel must have between 2 and 10 children.", 100, subcode=2207028)
    for child_id in ids:
        child = _objects().get(child_id)
        if (
            not child
            or child["type"] != "container"
            or child["ig_user_id"] != ig_user["id"]
            or not child["carousel_item"]
        ):
            raise _fail(400, f"(#100) Invalid carousel child {child_id}.", 100, subcode=2207028)
    return ids


def _media_publish(call: Call, ig_user: dict):
    """POST /{ig}/media_publish: turn a FINISHED container into media, once; again gives the same media."""
    _require_ig(call, "instagram_content_publish")
    container = _objects().get(str(call.params.get("creation_id", "")))
    if not container or container["type"] != "container" or container["ig_user_id"] != ig_user["id"]:
        raise _fail(400, "The media with the given creation_id cannot be found.", 24, subcode=2207006)
    status = _container_status(container)
    if status == "PUBLISHED":
        return jsonify({"id": container["media_id"]})
    if status == "EXPIRED":
        raise _fail(
            400,
            "The media you are trying to access has expired. Please try to upload again.",
            -2,
            subcode=2207020,
        )
    if status == "ERROR":
        raise _fail(
            400,
            "Media download has failed. The media URI doesn't meet our requirements.",
            9004,
            subcode=2207052,
        )
    if status == "IN_PROGRESS":
        raise _fail(
            400,
            "Media ID is not available",
            9007,
            subcode=2207027,
            user_msg="The media is not ready for publishing, please wait for a moment",
        )
    if _published_last_day(ig_user["id"]) >= IG_QUOTA:
        raise _fail(
            400,
            "Application request limit reached",
            9,
            subcode=2207042,
            user_msg=QUOTA_MESSAGE,
        )
    media_id = f"179{_new_id()}"
    media = _media_record(ig_user["id"], ig_user["page_id"], media_id, container["caption"], container["id"])
    media["media_type"] = "CAROUSEL_ALBUM" if container["media_type"] == "CAROUSEL" else "IMAGE"
    _objects()[media_id] = media
    container["media_id"] = media_id
    STORE.record_published(
        network="instagram",
        account=ig_user["id"],
        remote_id=media_id,
        kind="post",
        text=container["caption"],
        container_id=container["id"],
    )
    if faults.response_lost("instagram", account=ig_user["id"]):
        return LOST
    return jsonify({"id": media_id})


def _post_ig_reply(call: Call, comment: dict):
    """POST /{ig-comment}/replies as the business account."""
    _require_ig(call, "instagram_manage_comments")
    text = str(call.params.get("message", ""))
    if not text:
        raise _fail(400, "(#100) The parameter message is required.", 100)
    ig_user = _objects()[comment["ig_user_id"]]
    reply = _add_ig_comment(
        comment["media_id"], {"id": ig_user["id"], "username": ig_user["username"]}, text, comment["id"]
    )
    STORE.record_published(
        network="instagram",
        account=ig_user["id"],
        remote_id=reply["id"],
        kind="reply",
        text=text,
        parent=comment["id"],
    )
    if faults.response_lost("instagram", account=ig_user["id"]):
        return LOST
    return jsonify({"id": reply["id"]})


def _add_ig_comment(
    media_id: str, author: dict, text: str, parent_id: str | None, *, notify: bool = True
) -> dict:
    media = _objects()[media_id]
    comment = {
        "type": "ig_comment",
        "id": f"180{_new_id()}",
        "ig_user_id": media["ig_user_id"],
        "page_id": media["page_id"],
        "media_id": media_id,
        "parent_id": parent_id,
        "from": author,
        "text": text,
        "timestamp": now(),
    }
    _objects()[comment["id"]] = comment
    if notify:
        webhooks.ig_comment(comment)
    return comment
