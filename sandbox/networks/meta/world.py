"""The Meta world both network keys share: seed data, the object store and record builders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox.state import STORE, now

NETWORKS = ("facebook", "instagram")
USERS = ("maria", "luca")
APPS = {
    "cadenza-sandbox-facebook": {
        "secret": "sandbox-secret-facebook",
        "name": "Cadenza",
        "network": "facebook",
    },
    "cadenza-sandbox-instagram": {
        "secret": "sandbox-secret-instagram",
        "name": "Cadenza",
        "network": "instagram",
    },
}
PEOPLE = {"maria": ("100000000000001", "Maria Esposito"), "luca": ("100000000000002", "Luca Bianchi")}
PAGES = (
    {
        "id": "200000000000001",
        "name": "Trattoria Da Mario",
        "username": "trattoriadamario",
        "category": "Italian Restaurant",
        "owner": "maria",
        "ig": ("17841400000000001", "trattoria.damario"),
    },
    {
        "id": "200000000000002",
        "name": "Bar Sport",
        "username": "barsport.sandbox",
        "category": "Bar",
        "owner": "maria",
        "ig": None,
    },
    {
        "id": "200000000000003",
        "name": "Gelateria del Porto",
        "username": "gelateriadelporto",
        "category": "Ice Cream Shop",
        "owner": "luca",
        "ig": ("17841400000000003", "gelateria.delporto"),
    },
)


def seed(state: dict[str, Any]) -> None:
    """One Meta world (users, pages, IG accounts, a few older posts) shared by both network keys."""
    key = next((k for k, v in STORE.networks.items() if v is state), "facebook")
    world = next(
        (v for k, v in STORE.networks.items() if k in NETWORKS and v is not state and "objects" in v), None
    )
    state.update({k: v for k, v in (world or _new_world()).items() if k != "plays"})
    state["plays"] = key  # which half of the audience simulate() plays for this key


class Objects(dict):
    """Graph objects by id, indexed by type and by the parent fields the edges list children by.

    Edges list one page's posts or one post's comments; scanning every object of the world per request
    made reads slow down with everything else that exists. Indexed fields never change after insertion.
    """

    INDEXED = {
        "post": ("page_id",),
        "comment": ("post_id", "parent_id"),
        "conversation": ("page_id",),
        "message": ("conversation_id",),
        "ig_media": ("ig_user_id",),
        "ig_comment": ("media_id", "parent_id"),
    }

    def __init__(self) -> None:
        super().__init__()
        self.by_type: dict[str, list[dict[str, Any]]] = {}
        self.by_field: dict[tuple[str, str, Any], list[dict[str, Any]]] = {}

    def __setitem__(self, key: str, obj: dict[str, Any]) -> None:
        if key in self:
            raise KeyError(f"object {key} exists already")
        super().__setitem__(key, obj)
        self.by_type.setdefault(obj["type"], []).append(obj)
        for name in self.INDEXED.get(obj["type"], ()):
            self.by_field.setdefault((obj["type"], name, obj[name]), []).append(obj)

    def candidates(self, kind: str, match: dict[str, Any]) -> list[dict[str, Any]]:
        """The smallest indexed list holding every object of `kind` that could equal `match`."""
        lists = [
            self.by_field.get((kind, name, value), [])
            for name, value in match.items()
            if name in self.INDEXED.get(kind, ())
        ]
        return min(lists, key=len) if lists else self.by_type.get(kind, [])


def _new_world() -> dict[str, Any]:
    objects = Objects()
    for username, (user_id, name) in PEOPLE.items():
        objects[user_id] = {"type": "user", "id": user_id, "name": name, "username": username}
    start = now()
    for index, spec in enumerate(PAGES):
        page_id = spec["id"]
        objects[page_id] = {
            "type": "page",
            "id": page_id,
            "page_id": page_id,
            "name": spec["name"],
            "username": spec["username"],
            "category": spec["category"],
            "owner": spec["owner"],
            "followers_count": 120 + 37 * index,
            "fan_count": 110 + 35 * index,
            "media_views": 900 + 100 * index,
            "media_viewers": 400 + 50 * index,
            "engagements": 80,
            "ig_user_id": spec["ig"][0] if spec["ig"] else None,
        }
        for age in (3, 1):
            post_id = f"{page_id}_{9000 + age}"
            objects[post_id] = _post_record(page_id, post_id, f"Welcome to {spec['name']}!", start)
            objects[post_id]["created_time"] = start - timedelta(days=age)
        if spec["ig"]:
            ig_id, ig_username = spec["ig"]
            objects[ig_id] = {
                "type": "ig_user",
                "id": ig_id,
                "ig_user_id": ig_id,
                "page_id": page_id,
                "username": ig_username,
                "name": spec["name"],
                "followers_count": 340 + 20 * index,
                "follows_count": 80,
            }
            for age in (4, 2):
                media_id = f"179{ig_id[-4:]}{9000 + age}"
                objects[media_id] = _media_record(ig_id, page_id, media_id, "Buon appetito! #food", None)
                objects[media_id]["timestamp"] = start - timedelta(days=age)
    apps = {app_id: dict(app) for app_id, app in APPS.items()}
    # subscriptions: app id -> object (page, instagram) -> its webhook subscription
    return {"objects": objects, "codes": {}, "tokens": {}, "grants": {}, "apps": apps, "subscriptions": {}}


def _world() -> dict[str, Any]:
    return STORE.networks["facebook"]


def _objects() -> Objects:
    return _world()["objects"]


def _of_type(kind: str, **match: Any) -> list[dict[str, Any]]:
    """Objects of one type whose fields equal `match`, oldest first."""
    return [
        o
        for o in _objects().candidates(kind, match)
        if all(o.get(k) == v for k, v in match.items()) and not o.get("deleted")
    ]


def _new_id() -> str:
    return str(STORE.next_id())


def _fb_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _post_record(page_id: str, post_id: str, message: str, created: datetime, **extra: Any) -> dict:
    return {
        "type": "post",
        "id": post_id,
        "page_id": page_id,
        "message": message,
        "link": None,
        "photos": [],
        "created_time": created,
        "reactions": 0,
        "shares": 0,
        "views": 0,
        "reach": 0,
        "clicks": 0,
        **extra,
    }


def _media_record(ig_id: str, page_id: str, media_id: str, caption: str, container_id: str | None) -> dict:
    return {
        "type": "ig_media",
        "id": media_id,
        "ig_user_id": ig_id,
        "page_id": page_id,
        "caption": caption,
        "media_type": "IMAGE",
        "timestamp": now(),
        "container_id": container_id,
        "likes": 0,
        "views": 0,
        "reach": 0,
        "saved": 0,
        "shares": 0,
    }
