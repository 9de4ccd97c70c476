"""Instagram business accounts via Facebook Login: container -> status -> media_publish, comments."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import timedelta
from typing import ClassVar

from worker.networks.base import inbox_action, utcnow
from worker.networks.errors import ConnectorError, Rejected, RetryLater
from worker.networks.meta_graph import GraphObjectMissing, MetaGraphConnector, graph_time
from worker.networks.types import (
    AccountCredentials,
    DiscoveredAccount,
    InboxItem,
    InboxPage,
    MediaItem,
    MetricSample,
    PublishedPost,
    PublishRequest,
    TokenSet,
)

MEDIA_METRICS = {
    "views": "views",
    "reach": "reach",
    "saved": "saves",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
}
STATUS_POLLS = 8


class ContainerMemo:
    """Containers this worker prepared, by (IG account, idempotency key): a cache, never the truth.

    A container publishes at most one media, so re-using it for a retried target can never double-post.
    """

    def __init__(self, size: int = 2048) -> None:
        self._items: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> str | None:
        """The container remembered for this target, if any."""
        with self._lock:
            return self._items.get(key)

    def remember(self, key: tuple[str, str], container_id: str) -> None:
        """Keep a container for this target (oldest forgotten first)."""
        with self._lock:
            self._items[key] = container_id
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def forget(self, key: tuple[str, str]) -> None:
        """Drop a container that expired, failed or vanished."""
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        """Forget everything (a fresh worker process)."""
        with self._lock:
            self._items.clear()


CONTAINERS = ContainerMemo()


class InstagramConnector(MetaGraphConnector):
    network = "instagram"
    brand = "Instagram"
    # pages_manage_posts: images are hosted as unpublished page photos, because Instagram fetches
    # image_url itself and Cadenza has no public media host of its own.
    scopes = (
        "pages_show_list",
        "pages_read_engagement",
        "pages_manage_posts",
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_comments",
        "instagram_manage_insights",
    )
    publish_scopes = ("instagram_basic", "instagram_content_publish", "pages_manage_posts")
    containers: ClassVar[ContainerMemo] = CONTAINERS

    # --- connecting -----------------------------------------------------------------------------
    def discover_accounts(self, tokens: TokenSet) -> list[DiscoveredAccount]:
        missing = self.missing_publish_scopes(tokens)
        accounts = []
        for page in self.managed_pages(tokens):
            ig = page.get("instagram_business_account")
            if not ig:
                continue  # a page without an Instagram business account
            extra = {"page_id": str(page["id"]), "ig_user_id": str(ig["id"])}
            accounts.append(
                DiscoveredAccount(
                    remote_id=str(ig["id"]),
                    handle=f"@{ig.get('username', ig['id'])}",
                    display_name=ig.get("name") or ig.get("username") or page["name"],
                    kind="instagram_business",
                    access_token=page["access_token"],
                    extra={**extra, **({"missing_permissions": missing} if missing else {})},
                )
            )
        return accounts

    def refresh(self, creds: AccountCredentials) -> TokenSet:
        # The page token does not expire; reading the IG account proves token and page link still hold.
        self.graph("GET", _ig(creds), token=creds.access_token, params={"fields": "id,username"})
        return TokenSet(access_token=creds.access_token, refresh_token=creds.refresh_token)

    # --- publishing -----------------------------------------------------------------------------
    def publish(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost:
        if not request.media:
            raise Rejected("Instagram posts need at least one image: add a JPEG image.")
        key = (_ig(creds), request.idempotency_key)
        container = self._reusable_container(creds, key)
        if container is None:
            self._check_publishing_limit(creds)
            container = self._prepare(creds, request.media, _caption(request))
            self.containers.remember(key, container)
        self._wait_until_finished(creds, key, container)
        media_id = str(
            self.graph(
                "POST",
                f"{_ig(creds)}/media_publish",
                token=creds.access_token,
                data={"creation_id": container},
            )["id"]
        )
        return PublishedPost(remote_id=media_id, url=self._permalink(creds, media_id))

    def find_published(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost | None:
        key = (_ig(creds), request.idempotency_key)
        container = self.containers.get(key)
        if container and self._container_status(creds, container) == "PUBLISHED":
            # The container is Instagram's idempotency handle: publishing it again names the media it made.
            published = self.best_effort(
                lambda: self.graph(
                    "POST",
                    f"{_ig(creds)}/media_publish",
                    token=creds.access_token,
                    data={"creation_id": container},
                )
            )
            if published and published.get("id"):
                media_id = str(published["id"])
                return PublishedPost(remote_id=media_id, url=self._permalink(creds, media_id))
        return self._find_by_caption(creds, _caption(request))

    def _find_by_caption(self, creds: AccountCredentials, caption: str) -> PublishedPost | None:
        """Without the container (another worker made it): this caption among the last day's media."""
        for media in self.recent_items(
            f"{_ig(creds)}/media",
            token=creds.access_token,
            fields="id,caption,timestamp,permalink",
            time_field="timestamp",
            since=utcnow() - timedelta(hours=24),
        ):
            if media.get("caption", "") == caption:
                return PublishedPost(remote_id=str(media["id"]), url=media.get("permalink"))
        return None

    def _reusable_container(self, creds: AccountCredentials, key: tuple[str, str]) -> str | None:
        container = self.containers.get(key)
        if container is None:
            return None
        if self._container_status(creds, container) in ("IN_PROGRESS", "FINISHED", "PUBLISHED"):
            return container
        self.containers.forget(key)
        return None

    def _container_status(self, creds: AccountCredentials, container: str) -> str | None:
        try:
            body = self.graph("GET", container, token=creds.access_token, params={"fields": "status_code"})
        except GraphObjectMissing:
            return None
        return body.get("status_code")

    def _check_publishing_limit(self, creds: AccountCredentials) -> None:
        body = self.graph(
            "GET",
            f"{_ig(creds)}/content_publishing_limit",
            token=creds.access_token,
            params={"fields": "quota_usage,config"},
        )
        usage = (body.get("data") or [{}])[0]
        config = usage.get("config") or {}
        if "quota_total" in config and int(usage.get("quota_usage", 0)) >= int(config["quota_total"]):
            raise RetryLater(
                f"Instagram allows {config['quota_total']} API posts a day and they are used up; "
                "Cadenza will try again tomorrow.",
                retry_at=utcnow() + timedelta(seconds=int(config.get("quota_duration", 86400))),
                detail=f"quota_usage {usage.get('quota_usage')}",
            )

    def _prepare(self, creds: AccountCredentials, media: tuple[MediaItem, ...], caption: str) -> str:
        """One image container, or a carousel of item containers."""
        if len(media) == 1:
            return self._container(creds, media[0], caption=caption)
        children = [self._container(creds, item, is_carousel_item="true") for item in media]
        return self._create_container(
            creds, {"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption}
        )

    def _container(self, creds: AccountCredentials, item: MediaItem, **fields: str) -> str:
        data = {"image_url": self._host_image(creds, item), **fields}
        if item.alt_text:
            data["alt_text"] = item.alt_text
        return self._create_container(creds, data)

    def _create_container(self, creds: AccountCredentials, data: dict[str, str]) -> str:
        return str(self.graph("POST", f"{_ig(creds)}/media", token=creds.access_token, data=data)["id"])

    def _host_image(self, creds: AccountCredentials, item: MediaItem) -> str:
        """A URL Instagram can fetch: the image as an unpublished photo of the linked page."""
        photo = self.graph(
            "POST",
            f"{creds.extra['page_id']}/photos",
            token=creds.access_token,
            data={"published": "false"},
            files={"source": (item.filename, item.data, item.mime_type)},
        )
        images = self.graph("GET", str(photo["id"]), token=creds.access_token, params={"fields": "images"})
        return images["images"][0]["source"]

    def _wait_until_finished(self, creds: AccountCredentials, key: tuple[str, str], container: str) -> None:
        for attempt in range(STATUS_POLLS):
            status = self._container_status(creds, container)
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED", None):
                self.containers.forget(key)
                if status == "ERROR":
                    raise Rejected(
                        "Instagram could not process the image (it could not be downloaded or read)."
                    )
                raise RetryLater(
                    "The prepared Instagram post expired before publishing; Cadenza will prepare it again.",
                    retry_at=utcnow() + timedelta(minutes=1),
                )
            time.sleep(min(0.2 * (attempt + 1), 2.0))
        raise RetryLater(
            "Instagram is still processing the image; Cadenza will try again.",
            retry_at=utcnow() + timedelta(minutes=2),
        )

    def _permalink(self, creds: AccountCredentials, media_id: str) -> str | None:
        media = self.best_effort(
            lambda: self.graph("GET", media_id, token=creds.access_token, params={"fields": "permalink"})
        )
        return (media or {}).get("permalink")

    # --- community ------------------------------------------------------------------------------
    def read_inbox(self, creds: AccountCredentials, *, kind: str, cursor: str | None = None) -> InboxPage:
        if kind != "comment":
            raise ValueError(f"Instagram business accounts have no {kind!r} inbox in Cadenza")
        return self.comment_inbox(
            creds.access_token,
            parents_path=f"{_ig(creds)}/media",
            fields="id,text,timestamp,username,from",
            own_id=_ig(creds),
            to_item=_comment_item,
            cursor=cursor,
        )

    def reply(
        self, creds: AccountCredentials, *, item_remote_id: str, kind: str, text: str, idempotency_key: str
    ) -> PublishedPost:
        existing = self.existing_reply(
            creds.access_token, f"{item_remote_id}/replies", own_id=_ig(creds), text_field="text", text=text
        )
        if existing:
            return PublishedPost(remote_id=existing)
        body = self.graph(
            "POST", f"{item_remote_id}/replies", token=creds.access_token, data={"message": text}
        )
        return PublishedPost(remote_id=str(body["id"]))

    # --- moderation (Instagram's API cannot like comments) ---------------------------------------
    @inbox_action
    def hide_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str, hidden: bool) -> None:
        self.check_kind("hiding", kind, "comment")
        flag = "true" if hidden else "false"
        self.graph("POST", item_remote_id, token=creds.access_token, data={"hide": flag})

    @inbox_action
    def delete_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        self.check_kind("deleting", kind, "comment")
        self.delete_object(creds.access_token, item_remote_id)

    # --- metrics --------------------------------------------------------------------------------
    def read_metrics(self, creds: AccountCredentials, *, post_remote_ids: list[str]) -> list[MetricSample]:
        """Followers, and per media views, reach, saves, likes, comments and shares."""
        account = self.graph(
            "GET", _ig(creds), token=creds.access_token, params={"fields": "followers_count"}
        )
        samples = [MetricSample(name="followers", value=int(account["followers_count"]))]
        for remote_id in post_remote_ids:
            try:
                body = self.graph(
                    "GET",
                    f"{remote_id}/insights",
                    token=creds.access_token,
                    params={"metric": ",".join(MEDIA_METRICS)},
                )
            except GraphObjectMissing:
                continue  # deleted at Instagram: no metrics, not an error
            for entry in body.get("data", []):
                values = entry.get("values") or []
                if entry.get("name") in MEDIA_METRICS and values:
                    samples.append(
                        MetricSample(
                            name=MEDIA_METRICS[entry["name"]],
                            value=int(values[-1]["value"]),
                            post_remote_id=remote_id,
                        )
                    )
        return samples

    def classify_code(self, code: int, subcode: int, error: dict, detail: str) -> ConnectorError | None:
        if code == 9 and subcode == 2207042:
            return RetryLater(
                "Instagram's daily limit of API posts for this account is reached; Cadenza will try again "
                "tomorrow.",
                retry_at=utcnow() + timedelta(hours=24),
                detail=detail,
            )
        if code == 9007 and subcode == 2207027:
            return RetryLater(
                "Instagram is still processing the image.",
                retry_at=utcnow() + timedelta(seconds=30),
                detail=detail,
            )
        if subcode in (2207008, 2207020):
            return RetryLater(
                "The prepared Instagram post expired; Cadenza will prepare it again.",
                retry_at=utcnow() + timedelta(minutes=1),
                detail=detail,
            )
        if code == 36001 or subcode == 2207005:
            return Rejected("Instagram accepts only JPEG images: convert the image to JPEG.", detail=detail)
        if code == 36000 or subcode == 2207004:
            return Rejected("The image is too large for Instagram (at most 8 MB).", detail=detail)
        if code == 9004 or subcode == 2207052:
            return Rejected("Instagram could not download the image.", detail=detail)
        if code == 100 and "hashtags" in error.get("message", ""):
            return Rejected(
                f"Instagram allows at most {self.facts.hashtag_limit} hashtags in a caption.", detail=detail
            )
        if code == 100 and "caption is too long" in error.get("message", ""):
            return Rejected(
                f"The caption is longer than Instagram allows ({self.facts.text_limit:,} characters).",
                detail=detail,
            )
        return super().classify_code(code, subcode, error, detail)


def _ig(creds: AccountCredentials) -> str:
    return str(creds.extra.get("ig_user_id") or creds.remote_id)


def _caption(request: PublishRequest) -> str:
    """Links in captions are not clickable on Instagram, but people can still copy them."""
    if request.link and request.link not in request.text:
        return f"{request.text}\n\n{request.link}"
    return request.text


def _comment_item(comment: dict, media_id: str) -> InboxItem:
    author = comment.get("from") or {}
    username = comment.get("username") or author.get("username", "")
    return InboxItem(
        remote_id=str(comment["id"]),
        kind="comment",
        author_id=str(author.get("id", "")),
        author_handle=f"@{username}",
        author_name=username,
        text=comment.get("text", ""),
        created_at=graph_time(comment["timestamp"]),
        post_remote_id=media_id,
    )
