"""Bluesky (AT Protocol): app-password sessions, posts with our own record keys, facets in UTF-8 bytes."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from tenants.networks import URL_RE, utf8_byte_span
from worker.networks.base import Connector, inbox_action, parse_retry_at, utcnow
from worker.networks.errors import ConnectorError, PostGone, ReconnectNeeded, Rejected, RetryLater
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

POST = "app.bsky.feed.post"
LIKE = "app.bsky.feed.like"
PAGE_SIZE = 50
GET_POSTS_BATCH = 25
POST_METRICS = (
    ("likes", "likeCount"),
    ("shares", "repostCount"),
    ("comments", "replyCount"),
    ("quotes", "quoteCount"),
)
INBOX_REASONS = {"mention": ("reply", "mention", "quote"), "comment": ("reply",)}
APP_PASSWORD_HELP = "create one in Bluesky under Settings > Privacy and security > App passwords"
_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
# Derived record keys carry a timestamp between 2015 and 2024: always in the past, never "from the future".
_TID_EPOCH_MICROS = 1_420_070_400_000_000
_MENTION = re.compile(
    r"(?<![\w@/.])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)
_TAG = re.compile(r"(?<![\w#&/])#(\w[\w-]{0,63})")
_URL_TRAILING = ".,;:!?'\""


class _RecordExists(Rejected):
    """createRecord found the record key taken: an earlier attempt of the same post went through."""


class _RecordNotFound(PostGone):
    """The record is not (or no longer) in the repository."""


class _ServerTrouble(RetryLater):
    """A 5xx from the PDS."""


def record_key(idempotency_key: str) -> str:
    """A deterministic, valid TID record key: the same idempotency key always names the same post."""
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    micros = _TID_EPOCH_MICROS + (digest >> 16)
    value = (micros << 10) | (digest & 0x3FF)
    return "".join(_B32_SORTABLE[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def normalize_handle(handle: str) -> str:
    """'@Brand' -> 'brand.bsky.social'; full handles are only trimmed and lower-cased."""
    handle = handle.strip().lstrip("@").lower()
    return handle if "." in handle else f"{handle}.bsky.social"


def build_facets(text: str, resolve_did: Callable[[str], str | None]) -> list[dict]:
    """Link, mention and hashtag facets, indexed by UTF-8 byte offsets as Bluesky requires."""
    facets: list[dict] = []
    taken: list[tuple[int, int]] = []
    for match in URL_RE.finditer(text):
        uri = _trim_url(match.group())
        taken.append((match.start(), match.start() + len(uri)))
        facets.append(_facet(text, taken[-1], {"$type": "app.bsky.richtext.facet#link", "uri": uri}))
    for match in _MENTION.finditer(text):
        span = match.span()
        did = None if _overlaps(span, taken) else resolve_did(match.group(1).lower())
        if did:
            facets.append(_facet(text, span, {"$type": "app.bsky.richtext.facet#mention", "did": did}))
    for match in _TAG.finditer(text):
        tag = match.group(1).rstrip("-")
        span = (match.start(), match.start() + 1 + len(tag))
        if not tag.isdigit() and not _overlaps(span, taken):
            facets.append(_facet(text, span, {"$type": "app.bsky.richtext.facet#tag", "tag": tag}))
    return sorted(facets, key=lambda f: f["index"]["byteStart"])


def _trim_url(url: str) -> str:
    url = url.rstrip(_URL_TRAILING)
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1].rstrip(_URL_TRAILING)
    return url


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _facet(text: str, span: tuple[int, int], feature: dict) -> dict:
    start, end = utf8_byte_span(text, *span)
    return {"index": {"byteStart": start, "byteEnd": end}, "features": [feature]}


def _jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT, read without verifying (the PDS verifies; we only plan refreshes)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (IndexError, KeyError, TypeError, ValueError):
        return None


def _pds_endpoint(did_document: dict | None) -> str | None:
    """The #atproto_pds service endpoint of a DID document."""
    for service in (did_document or {}).get("service", []):
        if str(service.get("id", "")).endswith("#atproto_pds") and service.get("serviceEndpoint"):
            return str(service["serviceEndpoint"]).rstrip("/")
    return None


def _web_url(uri: str) -> str:
    did, _collection, rkey = uri.removeprefix("at://").split("/", 2)
    return f"https://bsky.app/profile/{did}/post/{rkey}"


def _quoted_uri(embed: dict | None) -> str | None:
    record = (embed or {}).get("record") or {}
    return record.get("uri") or (record.get("record") or {}).get("uri")


class BlueskyConnector(Connector):
    """Bluesky through XRPC, connected with an app password (no browser OAuth in Cadenza).

    Sessions: `create_session()` logs in once at connect time; createSession is limited to 30 per 5 minutes
    and 300 per day per handle, so jobs never log in: they use the access token and `refresh()`.

    Expired tokens: a normal call whose access token expired raises ReconnectNeeded with
    detail "ExpiredToken" -- callers should call `refresh()` first and retry, and only treat it as a
    reconnect when that fails. A failing refreshSession (refresh token used, revoked or expired) is a
    real ReconnectNeeded. Other token errors carry their XRPC name as detail (e.g. "InvalidToken").

    Idempotency: the record key of a post is derived from PublishRequest.idempotency_key, so a retry
    cannot create a second post, and `find_published()` is a getRecord of that key.
    """

    network = "bluesky"
    inbox_newest_first = frozenset({"mention", "comment"})

    # --- connecting -----------------------------------------------------------------------------
    def authorization_request(self, *, redirect_uri: str, state: str, instance: str | None = None):
        raise NotImplementedError("Bluesky connects with an app password")

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        raise NotImplementedError("Bluesky connects with an app password")

    def create_session(self, *, handle: str, app_password: str) -> tuple[TokenSet, DiscoveredAccount]:
        """Log in with an app password at the account's own PDS: tokens plus the account they act for."""
        handle = normalize_handle(handle)
        pds_url = self.pds_url(self.resolve_handle(handle))
        body = self.request(
            "POST",
            f"{pds_url}/xrpc/com.atproto.server.createSession",
            json={"identifier": handle, "password": app_password.strip()},
        ).json()
        tokens = self._tokens(body, _pds_endpoint(body.get("didDoc")) or pds_url)
        (account,) = self.discover_accounts(tokens)
        return tokens, account

    def resolve_handle(self, handle: str) -> str:
        """The DID behind a handle, asked at the entryway."""
        response = self.request(
            "GET",
            f"{self.endpoints['entryway']}/xrpc/com.atproto.identity.resolveHandle",
            params={"handle": handle},
        )
        return str(response.json()["did"])

    def pds_url(self, did: str) -> str:
        """The account's PDS, from its DID document (PLC directory for did:plc, the domain for did:web)."""
        if did.startswith("did:plc:"):
            url = f"{self.endpoints['plc']}/{did}"
        elif did.startswith("did:web:"):
            url = f"https://{did.removeprefix('did:web:')}/.well-known/did.json"
        else:
            raise Rejected("This Bluesky account uses an identity Cadenza does not support.", detail=did)
        endpoint = _pds_endpoint(self.request("GET", url).json())
        if endpoint is None:
            raise Rejected("This Bluesky account has no data server (PDS) in its identity.", detail=did)
        return endpoint

    def discover_accounts(self, tokens: TokenSet) -> list[DiscoveredAccount]:
        did, pds_url = tokens.extra["did"], tokens.extra["pds_url"]
        profile = self.request(
            "GET",
            f"{pds_url}/xrpc/app.bsky.actor.getProfile",
            params={"actor": did},
            headers=self._auth(tokens.access_token),
        ).json()
        return [
            DiscoveredAccount(
                remote_id=did,
                handle=f"@{profile['handle']}",
                display_name=profile.get("displayName") or profile["handle"],
                kind="profile",
                extra={"did": did, "pds_url": pds_url},
            )
        ]

    def refresh(self, creds: AccountCredentials) -> TokenSet:
        """A new token pair from refreshSession; the refresh token used here stops working."""
        if not creds.refresh_token:
            raise ReconnectNeeded(
                "Bluesky needs the account to be connected again.", detail="no refresh token"
            )
        body = self.request(
            "POST",
            f"{self._pds(creds)}/xrpc/com.atproto.server.refreshSession",
            headers=self._auth(creds.refresh_token),
        ).json()
        return self._tokens(body, _pds_endpoint(body.get("didDoc")) or self._pds(creds))

    def revoke(self, creds: AccountCredentials) -> None:
        """End the session at disconnect (the app password itself can only be revoked by the user)."""
        if not creds.refresh_token:
            return
        with contextlib.suppress(ReconnectNeeded):  # the session had already ended
            self.request(
                "POST",
                f"{self._pds(creds)}/xrpc/com.atproto.server.deleteSession",
                headers=self._auth(creds.refresh_token),
            )

    # --- publishing -----------------------------------------------------------------------------
    def publish(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost:
        if len(request.media) > self.facts.max_images:
            raise Rejected(f"Bluesky allows at most {self.facts.max_images} images in a post.")
        text = request.text
        if request.link and request.media and request.link not in text:
            text = f"{text}\n\n{request.link}"  # images take the embed slot: keep the link in the text
        record = self._post_record(creds, text)
        if request.media:
            images = [{"image": self._upload(creds, item), "alt": item.alt_text} for item in request.media]
            record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
        elif request.link:
            record["embed"] = self._link_card(request.link)
        return self._create_post(creds, record_key(request.idempotency_key), record)

    def find_published(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost | None:
        return self._get_post(creds, record_key(request.idempotency_key))

    def delete_post(self, creds: AccountCredentials, remote_id: str) -> None:
        did, collection, rkey = remote_id.removeprefix("at://").split("/", 2)
        try:
            self._call(
                "POST",
                creds,
                "com.atproto.repo.deleteRecord",
                json={"repo": did, "collection": collection, "rkey": rkey},
            )
        except PostGone:
            return  # atproto deletes idempotently, but a PDS may still name the missing record

    def _post_record(self, creds: AccountCredentials, text: str) -> dict:
        record = {
            "$type": POST,
            "text": text,
            "createdAt": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        facets = build_facets(text, self._did_or_none)
        if facets:
            record["facets"] = facets
        return record

    def _did_or_none(self, handle: str) -> str | None:
        """The DID of a mentioned handle; None (no mention facet) when Bluesky does not know it."""
        try:
            return self.resolve_handle(handle)
        except Rejected:
            return None

    @staticmethod
    def _link_card(link: str) -> dict:
        """A link card built client-side (Bluesky does not fetch previews for API posts)."""
        parts = urlsplit(link)
        title = parts.netloc + (parts.path if parts.path not in ("", "/") else "")
        return {
            "$type": "app.bsky.embed.external",
            "external": {"uri": link, "title": title, "description": ""},
        }

    def _upload(self, creds: AccountCredentials, item: MediaItem) -> dict:
        response = self._call(
            "POST",
            creds,
            "com.atproto.repo.uploadBlob",
            content=item.data,
            headers={"Content-Type": item.mime_type},
        )
        return response.json()["blob"]

    def _create_post(self, creds: AccountCredentials, rkey: str, record: dict) -> PublishedPost:
        uri = self._create_once(creds, POST, rkey, record)
        return PublishedPost(remote_id=uri, url=_web_url(uri))

    def _get_post(self, creds: AccountCredentials, rkey: str) -> PublishedPost | None:
        uri = self._record_uri(creds, POST, rkey)
        return PublishedPost(remote_id=uri, url=_web_url(uri)) if uri else None

    def _create_once(self, creds: AccountCredentials, collection: str, rkey: str, record: dict) -> str:
        """createRecord under our own record key: the record's URI, also when an earlier attempt made it."""
        payload = {"repo": creds.extra["did"], "collection": collection, "rkey": rkey, "record": record}
        try:
            return self._call("POST", creds, "com.atproto.repo.createRecord", json=payload).json()["uri"]
        except (_RecordExists, _ServerTrouble):
            # The key is taken when an earlier attempt of this very record went through; some PDS
            # versions answer that with a 500 instead of an error name, so look before giving up.
            uri = self._record_uri(creds, collection, rkey)
            if uri is None:
                raise
            return uri

    def _record_uri(self, creds: AccountCredentials, collection: str, rkey: str) -> str | None:
        try:
            body = self._call(
                "GET",
                creds,
                "com.atproto.repo.getRecord",
                params={"repo": creds.extra["did"], "collection": collection, "rkey": rkey},
            ).json()
        except _RecordNotFound:
            return None
        return str(body["uri"])

    # --- community and metrics ----------------------------------------------------------------
    def read_inbox(self, creds: AccountCredentials, *, kind: str, cursor: str | None = None) -> InboxPage:
        """Replies, mentions and quotes ("mention") or replies only ("comment"); no DMs in Cadenza."""
        reasons = INBOX_REASONS.get(kind)
        if reasons is None:
            return InboxPage(items=())
        params: dict[str, object] = {"limit": PAGE_SIZE, "reasons": list(reasons)}
        if cursor:
            params["cursor"] = cursor
        body = self._call("GET", creds, "app.bsky.notification.listNotifications", params=params).json()
        notifications = body.get("notifications", [])
        # Filter here too: an AppView that ignores `reasons` must not leak likes and follows into the inbox.
        items = tuple(self._inbox_item(n) for n in notifications if n.get("reason") in reasons)
        more = len(notifications) >= PAGE_SIZE and body.get("cursor")
        return InboxPage(items=items, cursor=body["cursor"] if more else None)

    def reply(
        self, creds: AccountCredentials, *, item_remote_id: str, kind: str, text: str, idempotency_key: str
    ) -> PublishedPost:
        if kind == "dm":
            raise Rejected("Cadenza does not offer Bluesky direct messages.")
        posts = self._call("GET", creds, "app.bsky.feed.getPosts", params={"uris": [item_remote_id]}).json()
        if not posts.get("posts"):
            raise Rejected("The Bluesky post to answer no longer exists.", detail=item_remote_id)
        target = posts["posts"][0]
        parent = {"uri": target["uri"], "cid": target["cid"]}
        root = (target.get("record", {}).get("reply") or {}).get("root") or parent
        record = self._post_record(creds, text)
        record["reply"] = {"root": root, "parent": parent}
        return self._create_post(creds, record_key(idempotency_key), record)

    # Bluesky has no hiding or deleting of other people's posts: each post lives in its author's repo.
    @inbox_action
    def like_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        self.check_kind("liking", kind, "mention", "comment")
        posts = self._call("GET", creds, "app.bsky.feed.getPosts", params={"uris": [item_remote_id]}).json()
        if not posts.get("posts"):
            raise PostGone("The Bluesky post to like no longer exists.", detail=item_remote_id)
        post = posts["posts"][0]
        if (post.get("viewer") or {}).get("like"):
            return  # liked already, by Cadenza or by hand in the app
        record = {
            "$type": LIKE,
            "subject": {"uri": post["uri"], "cid": post["cid"]},
            "createdAt": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        # A like is a record like any other: our own key, derived from the post, makes a repeat (or a
        # retry after a lost answer, before the AppView shows viewer.like) find the first like.
        self._create_once(creds, LIKE, record_key(f"like {post['uri']}"), record)

    def read_metrics(self, creds: AccountCredentials, *, post_remote_ids: list[str]) -> list[MetricSample]:
        profile = self._call(
            "GET", creds, "app.bsky.actor.getProfile", params={"actor": creds.extra["did"]}
        ).json()
        samples = [MetricSample(name="followers", value=int(profile.get("followersCount", 0)))]
        for start in range(0, len(post_remote_ids), GET_POSTS_BATCH):
            batch = post_remote_ids[start : start + GET_POSTS_BATCH]
            body = self._call("GET", creds, "app.bsky.feed.getPosts", params={"uris": batch}).json()
            # Deleted posts are simply missing from the answer; Bluesky has no impressions at all.
            for post in body.get("posts", []):
                samples += [
                    MetricSample(name=name, value=int(post.get(field, 0)), post_remote_id=post["uri"])
                    for name, field in POST_METRICS
                ]
        return samples

    @staticmethod
    def _inbox_item(notification: dict) -> InboxItem:
        record = notification.get("record") or {}
        reply = record.get("reply") or {}
        author = notification["author"]
        root = (reply.get("root") or {}).get("uri")
        return InboxItem(
            remote_id=notification["uri"],
            kind="comment" if notification["reason"] == "reply" else "mention",
            author_id=author["did"],
            author_handle=f"@{author['handle']}",
            author_name=author.get("displayName") or author["handle"],
            text=record.get("text", ""),
            created_at=datetime.fromisoformat(notification["indexedAt"].replace("Z", "+00:00")),
            post_remote_id=root or _quoted_uri(record.get("embed")),
            parent_remote_id=(reply.get("parent") or {}).get("uri"),
            thread_id=root,
        )

    # --- HTTP -----------------------------------------------------------------------------------
    def _pds(self, creds: AccountCredentials) -> str:
        pds_url = creds.extra.get("pds_url")
        if not pds_url:
            raise ReconnectNeeded("Bluesky needs the account to be connected again.", detail="no pds_url")
        return str(pds_url).rstrip("/")

    def _call(self, method: str, creds: AccountCredentials, nsid: str, **kwargs) -> httpx.Response:
        """An XRPC call to the account's PDS with its access token."""
        headers = {**kwargs.pop("headers", {}), **self._auth(creds.access_token)}
        return self.request(method, f"{self._pds(creds)}/xrpc/{nsid}", headers=headers, **kwargs)

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def _tokens(body: dict, pds_url: str) -> TokenSet:
        return TokenSet(
            access_token=body["accessJwt"],
            refresh_token=body["refreshJwt"],
            expires_at=_jwt_expiry(body["accessJwt"]),
            extra={"did": body["did"], "handle": body.get("handle"), "pds_url": pds_url},
        )

    def classify(self, response: httpx.Response) -> ConnectorError | None:
        status = response.status_code
        if status < 400:
            return None
        name, message = _xrpc_error(response)
        path = response.request.url.path
        nsid = path.rsplit("/", 1)[-1]
        detail = f"{name}: {message}" if name else message
        if status == 429 or name == "RateLimitExceeded":
            return self._throttled(response, nsid, detail)
        if status == 401 or name in ("ExpiredToken", "InvalidToken", "AccountTakedown", "AccountDeactivated"):
            return self._auth_error(nsid, name, detail)
        if name == "RecordNotFound":
            return _RecordNotFound("Bluesky does not know this post any more (deleted?).", detail=detail)
        if name == "BlobTooLarge" or status == 413:
            return Rejected(
                "An image is larger than Bluesky's 1 MB limit; use a smaller image.", detail=detail
            )
        if status >= 500:
            return _ServerTrouble(
                "Bluesky is having trouble; Cadenza will try again.",
                retry_at=utcnow() + timedelta(minutes=1),
                detail=f"HTTP {status} {detail}".strip(),
            )
        return self._refusal(path, nsid, message, detail)

    @staticmethod
    def _throttled(response: httpx.Response, nsid: str, detail: str) -> RetryLater:
        retry_at = parse_retry_at(response.headers.get("ratelimit-reset"))
        if nsid == "com.atproto.server.createSession":
            reason = "Bluesky limits how often an account can log in; try connecting again later."
        else:
            reason = (
                "Bluesky's rate limit for this account is reached; Cadenza will try again when it resets."
            )
        return RetryLater(reason, retry_at=retry_at, detail=detail)

    @staticmethod
    def _auth_error(nsid: str, name: str, detail: str) -> ConnectorError:
        if nsid == "com.atproto.server.createSession":
            return Rejected(
                f"Bluesky did not accept this handle and app password. Check both, or {APP_PASSWORD_HELP}.",
                detail=detail,
            )
        if name in ("AccountTakedown", "AccountDeactivated"):
            return ReconnectNeeded("Bluesky has suspended or deactivated this account.", detail=name)
        if nsid in ("com.atproto.server.refreshSession", "com.atproto.server.deleteSession"):
            return ReconnectNeeded(
                "Bluesky ended Cadenza's session: reconnect the account with an app password "
                f"({APP_PASSWORD_HELP}).",
                detail=name or "AuthenticationRequired",
            )
        if name == "ExpiredToken":
            return ReconnectNeeded("Bluesky's session for this account has expired.", detail="ExpiredToken")
        return ReconnectNeeded(
            "Bluesky no longer accepts Cadenza's session: reconnect the account with an app password.",
            detail=name or "AuthenticationRequired",
        )

    @staticmethod
    def _refusal(path: str, nsid: str, message: str, detail: str) -> Rejected:
        if nsid == "com.atproto.identity.resolveHandle":
            return Rejected(
                "Bluesky does not know this handle: check its spelling (e.g. name.bsky.social).",
                detail=detail,
            )
        if "/xrpc/" not in path:
            return Rejected("Bluesky's directory does not know this account.", detail=detail)
        if "already exists" in message.lower():
            return _RecordExists("This post already exists on Bluesky.", detail=detail)
        if "graphemes" in message:
            return Rejected("The text is longer than Bluesky's 300 characters.", detail=detail)
        if "Record/text" in message and "longer" in message:
            return Rejected("The text is too long for Bluesky (at most 3,000 bytes of text).", detail=detail)
        return Rejected(f"Bluesky refused the post: {message}", detail=detail)


def _xrpc_error(response: httpx.Response) -> tuple[str, str]:
    """The XRPC error name and message ({"error": ..., "message": ...}); PLC answers only a message."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200]
    if not isinstance(body, dict):
        return "", str(body)[:200]
    return str(body.get("error") or ""), str(body.get("message") or "")
