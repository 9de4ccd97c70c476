"""Facebook Pages: page tokens from Facebook Login, feed posts with photos, comments, Messenger, insights."""

from __future__ import annotations

from datetime import timedelta

from worker.networks.base import inbox_action, utcnow
from worker.networks.errors import ConnectorError, ReconnectNeeded, Rejected, RetryLater
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

PAGE_METRICS = {"page_media_view": "views", "page_total_media_view_unique": "reach"}
POST_METRICS = {"post_media_view": "views", "post_total_media_view_unique": "reach"}
POST_FIELDS = (
    "reactions.summary(true).limit(0),comments.summary(true).limit(0),shares,"
    f"insights.metric({','.join(POST_METRICS)})"
)
DM_FIELDS = "id,updated_time,messages.limit(10){id,message,from,created_time}"


WEBHOOK_FIELDS = ("feed", "messages")


class FacebookConnector(MetaGraphConnector):
    network = "facebook"
    inbox_newest_first = frozenset({"dm"})
    brand = "Facebook"
    scopes = (
        "pages_show_list",
        "pages_read_engagement",
        "pages_manage_posts",
        "pages_manage_metadata",
        "pages_read_user_content",
        "pages_manage_engagement",
        "pages_messaging",
        "read_insights",
    )
    publish_scopes = ("pages_manage_posts", "pages_read_engagement")

    # --- connecting -----------------------------------------------------------------------------
    def discover_accounts(self, tokens: TokenSet) -> list[DiscoveredAccount]:
        missing = self.missing_publish_scopes(tokens)
        return [
            DiscoveredAccount(
                remote_id=str(page["id"]),
                handle=page.get("username") or page["name"],
                display_name=page["name"],
                kind="page",
                access_token=page["access_token"],
                extra={"page_id": str(page["id"]), **({"missing_permissions": missing} if missing else {})},
            )
            for page in self.managed_pages(tokens)
        ]

    def refresh(self, creds: AccountCredentials) -> TokenSet:
        # Page tokens do not expire and have no refresh: proving the token still opens the page is all.
        me = self.graph("GET", "me", token=creds.access_token, params={"fields": "id,name"})
        if str(me.get("id")) != _page_id(creds):
            raise ReconnectNeeded("The stored Facebook token is not this page's token: reconnect the page.")
        return TokenSet(access_token=creds.access_token, refresh_token=creds.refresh_token)

    # --- publishing -----------------------------------------------------------------------------
    def publish(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost:
        photo_ids = [self._upload_photo(creds, item) for item in request.media]
        payload: dict[str, object] = {"message": _message(request)}
        if photo_ids:
            payload["attached_media"] = [{"media_fbid": photo_id} for photo_id in photo_ids]
        elif request.link:
            payload["link"] = request.link
        body = self.graph("POST", f"{_page_id(creds)}/feed", token=creds.access_token, json=payload)
        return PublishedPost(remote_id=str(body["id"]), url=self._permalink(creds, str(body["id"])))

    def find_published(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost | None:
        # Graph has no idempotency key: the page's posts of the last day are searched for this exact message.
        message = _message(request)
        for post in self.recent_items(
            f"{_page_id(creds)}/posts",
            token=creds.access_token,
            fields="id,message,created_time,permalink_url",
            time_field="created_time",
            since=utcnow() - timedelta(hours=24),
        ):
            if post.get("message", "") == message:
                return PublishedPost(remote_id=str(post["id"]), url=post.get("permalink_url"))
        return None

    def delete_post(self, creds: AccountCredentials, remote_id: str) -> None:
        self.delete_object(creds.access_token, remote_id)

    # --- webhooks -------------------------------------------------------------------------------
    def subscribe_webhooks(self, *, callback_url: str, verify_token: str) -> None:
        """Subscribe Cadenza's app to page comments and messages (Meta calls the callback to verify it)."""
        self.graph(
            "POST",
            f"{self.app.client_id}/subscriptions",
            params={"access_token": f"{self.app.client_id}|{self.app.client_secret}"},
            data={
                "object": "page",
                "callback_url": callback_url,
                "fields": ",".join(WEBHOOK_FIELDS),
                "verify_token": verify_token,
            },
        )

    def install_webhooks(self, creds: AccountCredentials) -> None:
        """Install the app on the page, so the page's comments and messages reach the subscription."""
        self.graph(
            "POST",
            f"{_page_id(creds)}/subscribed_apps",
            token=creds.access_token,
            data={"subscribed_fields": ",".join(WEBHOOK_FIELDS)},
        )

    def _upload_photo(self, creds: AccountCredentials, item: MediaItem) -> str:
        """An unpublished page photo, to attach to the feed post (several photos make one post)."""
        body = self.graph(
            "POST",
            f"{_page_id(creds)}/photos",
            token=creds.access_token,
            data={"published": "false", "caption": item.alt_text},
            files={"source": (item.filename, item.data, item.mime_type)},
        )
        return str(body["id"])

    def _permalink(self, creds: AccountCredentials, post_id: str) -> str | None:
        post = self.best_effort(
            lambda: self.graph("GET", post_id, token=creds.access_token, params={"fields": "permalink_url"})
        )
        return (post or {}).get("permalink_url")

    # --- community ------------------------------------------------------------------------------
    def read_inbox(self, creds: AccountCredentials, *, kind: str, cursor: str | None = None) -> InboxPage:
        if kind == "comment":
            return self.comment_inbox(
                creds.access_token,
                parents_path=f"{_page_id(creds)}/posts",
                fields="id,message,created_time,from,parent{id}",
                own_id=_page_id(creds),
                to_item=_comment_item,
                cursor=cursor,
                extra_params={"filter": "stream"},  # fans answering the page's replies too
            )
        if kind == "dm":
            return self._messenger_inbox(creds, cursor)
        raise ValueError(f"Facebook pages have no {kind!r} inbox")

    def _messenger_inbox(self, creds: AccountCredentials, cursor: str | None) -> InboxPage:
        params: dict[str, object] = {"platform": "messenger", "fields": DM_FIELDS, "limit": 10}
        if cursor:
            params["after"] = cursor
        body = self.graph("GET", f"{_page_id(creds)}/conversations", token=creds.access_token, params=params)
        items = [
            _message_item(message, conversation["id"])
            for conversation in body.get("data", [])
            for message in (conversation.get("messages") or {}).get("data", [])
            if (message.get("from") or {}).get("id") != _page_id(creds)
        ]
        paging = body.get("paging") or {}
        next_cursor = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
        return InboxPage(items=tuple(items), cursor=next_cursor)

    def reply(
        self, creds: AccountCredentials, *, item_remote_id: str, kind: str, text: str, idempotency_key: str
    ) -> PublishedPost:
        if kind == "dm":
            return self._send_message(creds, item_remote_id, text)
        existing = self.existing_reply(
            creds.access_token,
            f"{item_remote_id}/comments",
            own_id=_page_id(creds),
            text_field="message",
            text=text,
        )
        if existing:
            return PublishedPost(remote_id=existing)
        body = self.graph(
            "POST", f"{item_remote_id}/comments", token=creds.access_token, data={"message": text}
        )
        return PublishedPost(remote_id=str(body["id"]))

    def _send_message(self, creds: AccountCredentials, message_id: str, text: str) -> PublishedPost:
        """A Messenger answer to the person who wrote `message_id` (Send API, inside the 24 h window)."""
        token, page_id = creds.access_token, _page_id(creds)
        received = self.graph("GET", message_id, token=token, params={"fields": "id,from,created_time"})
        psid = str(received["from"]["id"])
        sent = self._sent_after(creds, psid, text, graph_time(received["created_time"]))
        if sent:
            return PublishedPost(remote_id=sent)
        body = self.graph(
            "POST",
            f"{page_id}/messages",
            token=token,
            json={"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {"text": text}},
        )
        return PublishedPost(remote_id=str(body["message_id"]))

    def _sent_after(self, creds: AccountCredentials, psid: str, text: str, since) -> str | None:
        """Our message with this text sent after the customer's, if a lost answer already sent it."""
        body = self.graph(
            "GET",
            f"{_page_id(creds)}/conversations",
            token=creds.access_token,
            params={
                "platform": "messenger",
                "user_id": psid,
                "fields": "messages.limit(20){id,message,from,created_time}",
            },
        )
        for conversation in body.get("data", []):
            for message in (conversation.get("messages") or {}).get("data", []):
                if (
                    message.get("from", {}).get("id") == _page_id(creds)
                    and message.get("message") == text
                    and graph_time(message["created_time"]) >= since
                ):
                    return str(message["id"])
        return None

    # --- moderation (comments only: Messenger has no like, hide or delete) -------------------------
    @inbox_action
    def like_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        self.check_kind("liking", kind, "comment")
        # The page likes a comment once however often it asks: Graph keeps one like per liker.
        self.graph("POST", f"{item_remote_id}/likes", token=creds.access_token)

    @inbox_action
    def hide_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str, hidden: bool) -> None:
        self.check_kind("hiding", kind, "comment")
        flag = "true" if hidden else "false"
        self.graph("POST", item_remote_id, token=creds.access_token, data={"is_hidden": flag})

    @inbox_action
    def delete_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        self.check_kind("deleting", kind, "comment")
        self.delete_object(creds.access_token, item_remote_id)

    # --- metrics --------------------------------------------------------------------------------
    def read_metrics(self, creds: AccountCredentials, *, post_remote_ids: list[str]) -> list[MetricSample]:
        """Followers, the page's 28-day views and reach, and per post likes/comments/shares/views/reach."""
        token, page_id = creds.access_token, _page_id(creds)
        page = self.graph("GET", page_id, token=token, params={"fields": "followers_count"})
        samples = [MetricSample(name="followers", value=int(page["followers_count"]))]
        insights = self.graph(
            "GET",
            f"{page_id}/insights",
            token=token,
            params={"metric": ",".join(PAGE_METRICS), "period": "days_28"},
        )
        samples += _insight_samples(insights.get("data", []), PAGE_METRICS, None)
        for remote_id in post_remote_ids:
            try:
                post = self.graph("GET", remote_id, token=token, params={"fields": POST_FIELDS})
            except GraphObjectMissing:
                continue  # deleted at Facebook: no metrics, not an error
            samples += _post_samples(post, remote_id)
        return samples

    def classify_code(self, code: int, subcode: int, error: dict, detail: str) -> ConnectorError | None:
        if code == 506 or (code == 368 and "already posted" in error.get("message", "")):
            return Rejected(
                "Facebook refuses the same text twice in a row on this page (already posted).", detail=detail
            )
        if code == 341:
            return RetryLater(
                "Facebook's posting limit for this page is reached for now; Cadenza will try again later.",
                retry_at=utcnow() + timedelta(hours=1),
                detail=detail,
            )
        if code == 100 and "too long" in error.get("message", ""):
            return Rejected(
                f"The text is longer than Facebook allows ({self.facts.text_limit:,} characters).",
                detail=detail,
            )
        if code == 324:
            return Rejected("Facebook could not read the image; use a JPEG or PNG file.", detail=detail)
        return super().classify_code(code, subcode, error, detail)


def _page_id(creds: AccountCredentials) -> str:
    return str(creds.extra.get("page_id") or creds.remote_id)


def _message(request: PublishRequest) -> str:
    """The post text; with photos the link cannot be a preview card, so it goes into the text."""
    if request.media and request.link and request.link not in request.text:
        return f"{request.text}\n\n{request.link}"
    return request.text


def _comment_item(comment: dict, post_id: str) -> InboxItem:
    author = comment.get("from") or {}
    return InboxItem(
        remote_id=str(comment["id"]),
        kind="comment",
        author_id=str(author.get("id", "")),
        author_handle=author.get("name", ""),
        author_name=author.get("name", ""),
        text=comment.get("message", ""),
        created_at=graph_time(comment["created_time"]),
        post_remote_id=post_id,
        parent_remote_id=(comment.get("parent") or {}).get("id"),
    )


def _message_item(message: dict, conversation_id: str) -> InboxItem:
    author = message.get("from") or {}
    return InboxItem(
        remote_id=str(message["id"]),
        kind="dm",
        author_id=str(author.get("id", "")),
        author_handle=author.get("name", ""),
        author_name=author.get("name", ""),
        text=message.get("message", ""),
        created_at=graph_time(message["created_time"]),
        thread_id=conversation_id,
    )


def _insight_samples(data: list[dict], names: dict[str, str], post_id: str | None) -> list[MetricSample]:
    samples = []
    for entry in data:
        values = entry.get("values") or []
        if entry.get("name") in names and values:
            samples.append(
                MetricSample(
                    name=names[entry["name"]], value=int(values[-1]["value"]), post_remote_id=post_id
                )
            )
    return samples


def _post_samples(post: dict, remote_id: str) -> list[MetricSample]:
    likes = ((post.get("reactions") or {}).get("summary") or {}).get("total_count", 0)
    comments = ((post.get("comments") or {}).get("summary") or {}).get("total_count", 0)
    # Graph leaves `shares` out while a post has none: absent here is a real zero.
    shares = (post.get("shares") or {}).get("count", 0)
    samples = [
        MetricSample(name="likes", value=int(likes), post_remote_id=remote_id),
        MetricSample(name="comments", value=int(comments), post_remote_id=remote_id),
        MetricSample(name="shares", value=int(shares), post_remote_id=remote_id),
    ]
    insights = (post.get("insights") or {}).get("data", [])
    return samples + _insight_samples(insights, POST_METRICS, remote_id)
