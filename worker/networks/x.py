"""X (API v2): OAuth 2.0 with PKCE, single-use refresh tokens, media upload v2, no idempotency keys."""

from __future__ import annotations

import html
import time
import unicodedata
from datetime import datetime, timedelta
from typing import Any

import httpx

from tenants.networks import x_weighted_length
from worker.networks.base import Connector, inbox_action, parse_retry_at, utcnow
from worker.networks.errors import (
    ConnectorError,
    MissingPermission,
    PostGone,
    ReconnectNeeded,
    Rejected,
    RetryLater,
)
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

CHUNK_BYTES = 1024 * 1024
TWEET_FIELDS = "created_at,author_id,conversation_id,referenced_tweets,entities,attachments"


class _Duplicate(Rejected):
    """X refused the text because an identical tweet exists: maybe our own lost write."""


class _NotFound(PostGone):
    """The tweet is gone at X."""


class _GrantRefused(Rejected):
    """The token endpoint refused a code or refresh token (RFC 6749 error, HTTP 400)."""


class XConnector(Connector):
    network = "x"
    inbox_newest_first = frozenset({"mention", "dm"})
    scopes = (
        "tweet.read",
        "tweet.write",
        "users.read",
        "offline.access",
        "dm.read",
        "dm.write",
        "media.write",
        "like.write",
        "tweet.moderate.write",
    )
    # How far back a lost tweet is looked for; X's own duplicate check covers about a day.
    lookback = timedelta(hours=24)
    timeline_page_size = 100
    timeline_max_pages = 5
    inbox_page_size = 100
    max_poll_wait = 5.0  # seconds; X's check_after_secs is honoured up to this
    media_poll_attempts = 30

    @property
    def api(self) -> str:
        """Base URL of api.x.com (or the sandbox's stand-in)."""
        return self.endpoints["api"]

    # --- connecting -----------------------------------------------------------------------------
    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier or "",
            "client_id": self.app.client_id,
        }
        return self._token_set(self._token_call(data).json())

    def discover_accounts(self, tokens: TokenSet) -> list[DiscoveredAccount]:
        me = self._me(tokens.access_token, fields="profile_image_url")
        return [
            DiscoveredAccount(
                remote_id=str(me["id"]),
                handle=f"@{me['username']}",
                display_name=me.get("name") or me["username"],
                kind="profile",
                extra={
                    "username": me["username"],
                    "url": f"https://x.com/{me['username']}",
                    "scopes": list(tokens.scopes),
                },
            )
        ]

    def refresh(self, creds: AccountCredentials) -> TokenSet:
        if not creds.refresh_token:
            raise ReconnectNeeded(
                "X gave Cadenza no refresh token (offline access was not allowed): reconnect the account."
            )
        data = {
            "grant_type": "refresh_token",
            "refresh_token": creds.refresh_token,
            "client_id": self.app.client_id,
        }
        try:
            response = self._token_call(data)
        except _GrantRefused as exc:
            # Refresh tokens are single-use: a spent or revoked one can only be replaced by reconnecting.
            raise ReconnectNeeded(
                "X no longer accepts Cadenza's refresh token: reconnect the account.", detail=exc.detail
            ) from exc
        return self._token_set(response.json())

    def revoke(self, creds: AccountCredentials) -> None:
        token, hint = (
            (creds.refresh_token, "refresh_token")
            if creds.refresh_token
            else (creds.access_token, "access_token")
        )
        self.request(
            "POST",
            f"{self.api}/2/oauth2/revoke",
            data={"token": token, "token_type_hint": hint, "client_id": self.app.client_id},
            auth=(self.app.client_id, self.app.client_secret),
        )

    def _token_call(self, data: dict[str, str]) -> httpx.Response:
        """POST /2/oauth2/token as a confidential client (HTTP Basic with the app's id and secret)."""
        return self.request(
            "POST", f"{self.api}/2/oauth2/token", data=data, auth=(self.app.client_id, self.app.client_secret)
        )

    @staticmethod
    def _token_set(body: dict[str, Any]) -> TokenSet:
        expires_in = body.get("expires_in")
        return TokenSet(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token"),
            expires_at=utcnow() + timedelta(seconds=int(expires_in)) if expires_in else None,
            scopes=tuple(body.get("scope", "").split()),
        )

    def _me(self, access_token: str, *, fields: str) -> dict[str, Any]:
        return self.request(
            "GET", f"{self.api}/2/users/me", params={"user.fields": fields}, headers=self._auth(access_token)
        ).json()["data"]

    # --- publishing -----------------------------------------------------------------------------
    def publish(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost:
        text = self._compose(request)
        if len(request.media) > self.facts.max_images:
            raise Rejected(f"X allows at most {self.facts.max_images} images in a post.")
        if request.media and x_weighted_length(text) > self.facts.text_limit:
            # Checked here only with images, to spare the uploads; plain text is left to X, whose limit
            # is higher for some subscriptions.
            raise Rejected(_TOO_LONG)
        payload: dict[str, Any] = {"text": text}
        if request.media:
            payload["media"] = {"media_ids": [self._upload(creds, item) for item in request.media]}
        return self._create_tweet(
            creds, payload, lambda: self._find_tweet(creds, text, media_count=len(request.media))
        )

    def find_published(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost | None:
        # X has no idempotency key: the account's recent tweets are searched for this exact text.
        return self._find_tweet(creds, self._compose(request), media_count=len(request.media))

    def delete_post(self, creds: AccountCredentials, remote_id: str) -> None:
        try:
            self.request("DELETE", f"{self.api}/2/tweets/{remote_id}", headers=self._auth(creds.access_token))
        except PostGone:
            return  # already gone: what deleting wanted

    def _create_tweet(self, creds: AccountCredentials, payload: dict[str, Any], lookup) -> PublishedPost:
        """POST /2/tweets; a duplicate refusal counts as published only once the tweet is found."""
        try:
            response = self.request(
                "POST", f"{self.api}/2/tweets", json=payload, headers=self._auth(creds.access_token)
            )
        except _Duplicate:
            found = lookup()
            if found is None:
                raise
            return found
        return PublishedPost(
            remote_id=str(response.json()["data"]["id"]), url=self._url(creds, response.json())
        )

    @staticmethod
    def _compose(request: PublishRequest) -> str:
        if request.link and request.link not in request.text:
            return f"{request.text}\n\n{request.link}".strip()
        return request.text.strip()

    @staticmethod
    def _url(creds: AccountCredentials, body: dict[str, Any]) -> str:
        username = creds.extra.get("username") or "i/web"
        return f"https://x.com/{username}/status/{body['data']['id']}"

    def _find_tweet(
        self,
        creds: AccountCredentials,
        text: str,
        *,
        media_count: int | None = None,
        in_reply_to: str | None = None,
    ) -> PublishedPost | None:
        """The account's newest recent tweet with exactly this text (and media count / parent)."""
        wanted = _normalized(text)
        for tweet in self._recent_tweets(creds):
            if _tweet_text(tweet) != wanted:
                continue
            if (
                media_count is not None
                and len(tweet.get("attachments", {}).get("media_keys", [])) != media_count
            ):
                continue
            if in_reply_to is not None and _replied_to(tweet) != in_reply_to:
                continue
            return PublishedPost(remote_id=str(tweet["id"]), url=self._url(creds, {"data": tweet}))
        return None

    def _recent_tweets(self, creds: AccountCredentials):
        """The account's tweets of the look-back window, newest first, following meta.next_token."""
        start = (utcnow() - self.lookback).strftime("%Y-%m-%dT%H:%M:%SZ")
        params: dict[str, Any] = {
            "max_results": self.timeline_page_size,
            "tweet.fields": TWEET_FIELDS,
            "start_time": start,
        }
        for _page in range(self.timeline_max_pages):
            body = self.request(
                "GET",
                f"{self.api}/2/users/{creds.remote_id}/tweets",
                params=params,
                headers=self._auth(creds.access_token),
            ).json()
            yield from body.get("data", [])
            next_token = body.get("meta", {}).get("next_token")
            if not next_token:
                return
            params["pagination_token"] = next_token

    # --- media upload v2 --------------------------------------------------------------------------
    def _upload(self, creds: AccountCredentials, item: MediaItem) -> str:
        """initialize -> append chunks -> finalize -> wait for processing; returns the media id."""
        headers = self._auth(creds.access_token)
        init = self.request(
            "POST",
            f"{self.api}/2/media/upload/initialize",
            json={
                "media_type": item.mime_type,
                "total_bytes": len(item.data),
                "media_category": "tweet_image",
            },
            headers=headers,
        ).json()["data"]
        media_id = str(init["id"])
        for index, start in enumerate(range(0, len(item.data), CHUNK_BYTES)):
            self.request(
                "POST",
                f"{self.api}/2/media/upload/{media_id}/append",
                data={"segment_index": str(index)},
                files={
                    "media": (
                        item.filename,
                        item.data[start : start + CHUNK_BYTES],
                        "application/octet-stream",
                    )
                },
                headers=headers,
            )
        final = self.request("POST", f"{self.api}/2/media/upload/{media_id}/finalize", headers=headers).json()
        self._wait_for_media(creds, media_id, final["data"].get("processing_info"))
        if item.alt_text:
            self.request(
                "POST",
                f"{self.api}/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": item.alt_text[:1000]}}},
                headers=headers,
            )
        return media_id

    def _wait_for_media(self, creds: AccountCredentials, media_id: str, info: dict | None) -> None:
        for _attempt in range(self.media_poll_attempts):
            state = (info or {}).get("state", "succeeded")
            if state == "succeeded":
                return
            if state == "failed":
                message = (info.get("error") or {}).get("message", "processing failed")
                raise Rejected(f"X could not process the image: {message}.", detail=str(info))
            time.sleep(min(float(info.get("check_after_secs", 1)), self.max_poll_wait))
            info = (
                self.request(
                    "GET",
                    f"{self.api}/2/media/upload",
                    params={"command": "STATUS", "media_id": media_id},
                    headers=self._auth(creds.access_token),
                )
                .json()["data"]
                .get("processing_info")
            )
        raise RetryLater("X is still processing the image.", retry_at=utcnow() + timedelta(minutes=2))

    # --- community and metrics ----------------------------------------------------------------
    def read_inbox(self, creds: AccountCredentials, *, kind: str, cursor: str | None = None) -> InboxPage:
        if kind == "dm":
            return self._read_dms(creds, cursor)
        params: dict[str, Any] = {
            "max_results": self.inbox_page_size,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": "username,name",
        }
        if cursor:
            params["pagination_token"] = cursor
        body = self.request(
            "GET",
            f"{self.api}/2/users/{creds.remote_id}/mentions",
            params=params,
            headers=self._auth(creds.access_token),
        ).json()
        users = {u["id"]: u for u in body.get("includes", {}).get("users", [])}
        items = [self._mention_item(t, users.get(t.get("author_id"), {})) for t in body.get("data", [])]
        return InboxPage(items=tuple(items), cursor=body.get("meta", {}).get("next_token"))

    def _read_dms(self, creds: AccountCredentials, cursor: str | None) -> InboxPage:
        params: dict[str, Any] = {
            "max_results": self.inbox_page_size,
            "event_types": "MessageCreate",
            "dm_event.fields": "id,text,event_type,created_at,sender_id,dm_conversation_id",
            "expansions": "sender_id",
            "user.fields": "username,name",
        }
        if cursor:
            params["pagination_token"] = cursor
        body = self.request(
            "GET", f"{self.api}/2/dm_events", params=params, headers=self._auth(creds.access_token)
        ).json()
        users = {u["id"]: u for u in body.get("includes", {}).get("users", [])}
        items = [
            self._dm_item(event, users.get(event.get("sender_id"), {}))
            for event in body.get("data", [])
            if event.get("sender_id") != creds.remote_id  # the account's own messages are not inbox items
        ]
        return InboxPage(items=tuple(items), cursor=body.get("meta", {}).get("next_token"))

    def reply(
        self, creds: AccountCredentials, *, item_remote_id: str, kind: str, text: str, idempotency_key: str
    ) -> PublishedPost:
        if kind == "dm":
            return self._send_dm(creds, item_remote_id, text)
        payload = {"text": text, "reply": {"in_reply_to_tweet_id": item_remote_id}}
        return self._create_tweet(
            creds, payload, lambda: self._find_tweet(creds, text, in_reply_to=item_remote_id)
        )

    def _send_dm(self, creds: AccountCredentials, event_id: str, text: str) -> PublishedPost:
        headers = self._auth(creds.access_token)
        event = self.request(
            "GET",
            f"{self.api}/2/dm_events/{event_id}",
            params={"dm_event.fields": "sender_id,dm_conversation_id"},
            headers=headers,
        ).json()
        if "data" not in event:
            raise Rejected("X does not know this message any more.", detail=str(event.get("errors")))
        # DMs have no idempotency key: after a lost answer, our message may already be in the conversation.
        sent = self._sent_dm(creds, event["data"]["dm_conversation_id"], after=event_id, text=text)
        if sent:
            return PublishedPost(remote_id=sent)
        response = self.request(
            "POST",
            f"{self.api}/2/dm_conversations/with/{event['data']['sender_id']}/messages",
            json={"text": text},
            headers=headers,
        )
        return PublishedPost(remote_id=str(response.json()["data"]["dm_event_id"]))

    def _sent_dm(
        self, creds: AccountCredentials, conversation_id: str, *, after: str, text: str
    ) -> str | None:
        """Our message with this text in the conversation, after the one we answer (newest 100 events)."""
        body = self.request(
            "GET",
            f"{self.api}/2/dm_events",
            params={
                "max_results": 100,
                "event_types": "MessageCreate",
                "dm_event.fields": "id,text,sender_id,dm_conversation_id",
            },
            headers=self._auth(creds.access_token),
        ).json()
        for event in body.get("data", []):
            if int(event["id"]) <= int(after):
                break  # newest first: everything from here on is older than the message we answer
            if (
                event.get("sender_id") == creds.remote_id
                and event.get("dm_conversation_id") == conversation_id
                and event.get("text") == text
            ):
                return str(event["id"])
        return None

    # X offers no like, hide or delete for DMs, and the account may delete only its own posts.
    @inbox_action
    def like_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        self.check_kind("liking", kind, "mention")
        # X keeps one like per user and post: liking again answers liked=true and changes nothing.
        self.request(
            "POST",
            f"{self.api}/2/users/{creds.remote_id}/likes",
            json={"tweet_id": item_remote_id},
            headers=self._auth(creds.access_token),
        )

    @inbox_action
    def hide_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str, hidden: bool) -> None:
        self.check_kind("hiding", kind, "mention")
        self.request(
            "PUT",
            f"{self.api}/2/tweets/{item_remote_id}/hidden",
            json={"hidden": hidden},
            headers=self._auth(creds.access_token),
        )

    def read_metrics(self, creds: AccountCredentials, *, post_remote_ids: list[str]) -> list[MetricSample]:
        me = self._me(creds.access_token, fields="public_metrics")
        samples = [MetricSample(name="followers", value=int(me["public_metrics"]["followers_count"]))]
        for start in range(0, len(post_remote_ids), 100):
            body = self.request(
                "GET",
                f"{self.api}/2/tweets",
                params={
                    "ids": ",".join(post_remote_ids[start : start + 100]),
                    "tweet.fields": "public_metrics,non_public_metrics",
                },
                headers=self._auth(creds.access_token),
            ).json()
            # Deleted tweets come back under "errors" (HTTP 200): they simply have no metrics.
            for tweet in body.get("data", []):
                samples += _tweet_metrics(tweet)
        return samples

    # --- helpers --------------------------------------------------------------------------------
    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def _mention_item(tweet: dict[str, Any], author: dict[str, Any]) -> InboxItem:
        return InboxItem(
            remote_id=str(tweet["id"]),
            kind="mention",
            author_id=str(tweet.get("author_id", "")),
            author_handle=f"@{author.get('username', 'unknown')}",
            author_name=author.get("name") or author.get("username", ""),
            text=_tweet_text(tweet),
            created_at=_parse_time(tweet["created_at"]),
            post_remote_id=_replied_to(tweet),
            thread_id=tweet.get("conversation_id"),
        )

    @staticmethod
    def _dm_item(event: dict[str, Any], sender: dict[str, Any]) -> InboxItem:
        return InboxItem(
            remote_id=str(event["id"]),
            kind="dm",
            author_id=str(event.get("sender_id", "")),
            author_handle=f"@{sender.get('username', 'unknown')}",
            author_name=sender.get("name") or sender.get("username", ""),
            text=html.unescape(event.get("text", "")),
            created_at=_parse_time(event["created_at"]),
            thread_id=event.get("dm_conversation_id"),
        )

    def classify(self, response: httpx.Response) -> ConnectorError | None:
        status = response.status_code
        if status < 400:
            return None
        body = _json(response)
        detail = _detail(body) or response.text[:200]
        if status == 429:
            return _throttled(response, detail)
        if "error" in body:  # the OAuth endpoints answer in RFC 6749's format
            return _oauth_error(status, body, detail)
        if status == 401:
            return ReconnectNeeded(
                "X no longer accepts Cadenza's access to this account (expired or revoked): reconnect it.",
                detail=detail,
            )
        if status == 403:
            return _forbidden(response, body, detail)
        if status == 400:
            return _bad_request(detail)
        if status == 404:
            return _NotFound("X does not know this post any more (deleted?).", detail=detail)
        if status >= 500:
            return RetryLater(
                "X is having trouble; Cadenza will try again.",
                retry_at=utcnow() + timedelta(minutes=1),
                detail=f"HTTP {status}: {detail}",
            )
        return None


_TOO_LONG = "The text is longer than X allows (280 characters; links count 23, emoji and CJK count 2)."


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _detail(body: dict[str, Any]) -> str:
    """X's words: RFC 7807 `detail`, the first of `errors`, or OAuth's `error_description`."""
    messages = [e.get("message") or e.get("detail") for e in body.get("errors") or [] if isinstance(e, dict)]
    parts = [body.get("error_description"), *messages, body.get("detail")]
    return " ".join(str(p) for p in parts if p)


def _throttled(response: httpx.Response, detail: str) -> RetryLater:
    headers = response.headers
    for prefix in ("x-user-limit-24hour", "x-app-limit-24hour"):
        if headers.get(f"{prefix}-remaining") == "0":
            return RetryLater(
                "X's daily posting limit for this account is reached; Cadenza will post when it resets.",
                retry_at=parse_retry_at(headers.get(f"{prefix}-reset")),
                detail=detail,
            )
    return RetryLater(
        "X asked Cadenza to slow down.",
        retry_at=parse_retry_at(headers.get("x-rate-limit-reset")),
        detail=detail,
    )


def _oauth_error(status: int, body: dict[str, Any], detail: str) -> ConnectorError:
    if status == 401:
        return Rejected(
            "X does not accept Cadenza's app keys (client id and secret): an administrator must check them.",
            detail=detail,
        )
    return _GrantRefused(
        "X refused the authorization (the code was already used, expired, or the check failed): "
        "connect the account again.",
        detail=f"{body.get('error')}: {detail}",
    )


def _forbidden(response: httpx.Response, body: dict[str, Any], detail: str) -> ConnectorError:
    if "duplicate content" in detail:
        return _Duplicate("X refuses a post identical to one already on this account.", detail=detail)
    if body.get("reason") == "client-not-enrolled":
        return ReconnectNeeded(
            "X says Cadenza's app is not enrolled for this part of the API: an administrator must attach the "
            "app to a project, then reconnect the account.",
            detail=detail,
        )
    if "too long" in detail:
        return Rejected(_TOO_LONG, detail=detail)
    if "deleted or not visible" in detail:
        return Rejected("The post to answer was deleted or is not visible to this account.", detail=detail)
    if detail.strip() in ("", "Forbidden"):  # a plain Forbidden is X's answer to a missing scope
        return MissingPermission(
            f"The X account did not grant Cadenza permission for {_what(response.request)}: reconnect it and "
            "allow every permission.",
            detail=detail,
        )
    if response.request.url.path.endswith("/hidden"):
        return Rejected(
            "X lets an account hide only replies in conversations it started, and never its own posts.",
            detail=detail,
        )
    return Rejected(f"X refused: {detail}", detail=detail)


def _what(request: httpx.Request) -> str:
    path = request.url.path
    if "/media/" in path:
        return "uploading images"
    if "/dm_" in path:
        return "direct messages"
    if path.endswith("/likes"):
        return "liking posts"
    if path.endswith("/hidden"):
        return "hiding replies"
    if "/tweets" in path and request.method in ("POST", "DELETE"):
        return "posting"
    return "reading the account"


def _bad_request(detail: str) -> Rejected:
    if "too long" in detail:
        return Rejected(_TOO_LONG, detail=detail)
    if "media" in detail.lower():
        return Rejected("X did not accept the images (format, size or count).", detail=detail)
    return Rejected(f"X refused the request: {detail}", detail=detail)


def _normalized(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _tweet_text(tweet: dict[str, Any]) -> str:
    """The text as it was posted: t.co links expanded, the appended media link dropped, HTML unescaped."""
    text = tweet.get("text", "")
    for url in tweet.get("entities", {}).get("urls", []):
        if url.get("media_key") or "/photo/" in url.get("expanded_url", ""):
            text = text.replace(url["url"], "")
        else:
            text = text.replace(url["url"], url.get("expanded_url") or url["url"])
    return _normalized(html.unescape(text))


def _replied_to(tweet: dict[str, Any]) -> str | None:
    for ref in tweet.get("referenced_tweets") or []:
        if ref.get("type") == "replied_to":
            return str(ref["id"])
    return None


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _tweet_metrics(tweet: dict[str, Any]) -> list[MetricSample]:
    """X's counts in Cadenza's words: shares = retweets + quotes, comments = replies, saves = bookmarks."""
    public = tweet.get("public_metrics") or {}
    private = tweet.get("non_public_metrics") or {}
    values = {
        "impressions": public.get("impression_count", private.get("impression_count")),
        "likes": public.get("like_count"),
        "shares": (
            public["retweet_count"] + public.get("quote_count", 0) if "retweet_count" in public else None
        ),
        "comments": public.get("reply_count"),
        "saves": public.get("bookmark_count"),
        "clicks": private.get("url_link_clicks"),
    }
    return [
        MetricSample(name=name, value=int(value), post_remote_id=str(tweet["id"]))
        for name, value in values.items()
        if value is not None
    ]
