"""Mastodon: any instance; per-instance app registration; tokens do not expire; true idempotency."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx

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
    AppCredentials,
    DiscoveredAccount,
    InboxItem,
    InboxPage,
    MetricSample,
    PublishedPost,
    PublishRequest,
    TokenSet,
)

_TAGS = re.compile(r"<[^>]+>")
_NEXT = re.compile(r"<([^>]+)>;\s*rel=\"next\"")
_MAX_ID = re.compile(r"[?&]max_id=(\d+)")


class MastodonConnector(Connector):
    network = "mastodon"
    inbox_newest_first = frozenset({"mention", "dm"})
    scopes = ("read", "write")

    @property
    def base(self) -> str:
        """The instance's base URL."""
        return self.endpoints["instance"]

    def register_app(self, *, redirect_uri: str, client_name: str = "Cadenza") -> AppCredentials:
        """Register Cadenza at this instance (once per instance; the result is stored)."""
        response = self.request(
            "POST",
            f"{self.base}/api/v1/apps",
            data={
                "client_name": client_name,
                "redirect_uris": redirect_uri,
                "scopes": " ".join(self.scopes),
                "website": "https://cadenza.example",
            },
        )
        body = response.json()
        return AppCredentials(client_id=body["client_id"], client_secret=body["client_secret"])

    def authorization_request(self, *, redirect_uri: str, state: str, instance: str | None = None):
        self.endpoints = {**self.endpoints, "authorize": f"{self.base}/oauth/authorize"}
        return super().authorization_request(redirect_uri=redirect_uri, state=state)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        response = self.request(
            "POST",
            f"{self.base}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "scope": " ".join(self.scopes),
            },
        )
        body = response.json()
        return TokenSet(access_token=body["access_token"], scopes=tuple(body.get("scope", "").split()))

    def discover_accounts(self, tokens: TokenSet) -> list[DiscoveredAccount]:
        me = self.request(
            "GET", f"{self.base}/api/v1/accounts/verify_credentials", headers=self._auth(tokens.access_token)
        ).json()
        host = self.base.rstrip("/").rsplit("/", 1)[-1]
        return [
            DiscoveredAccount(
                # Account ids are unique only within an instance (and anyone can run one): qualify them.
                remote_id=f"{me['id']}@{host}",
                handle=f"@{me['acct']}@{host}",
                display_name=me.get("display_name") or me["username"],
                kind="profile",
                extra={"instance_url": self.base, "url": me.get("url"), "account_id": str(me["id"])},
            )
        ]

    def refresh(self, creds: AccountCredentials) -> TokenSet:
        # Mastodon tokens do not expire; a check proves the token still works.
        self.request(
            "GET", f"{self.base}/api/v1/accounts/verify_credentials", headers=self._auth(creds.access_token)
        )
        return TokenSet(access_token=creds.access_token, refresh_token=creds.refresh_token)

    def revoke(self, creds: AccountCredentials) -> None:
        self.request(
            "POST",
            f"{self.base}/oauth/revoke",
            data={
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "token": creds.access_token,
            },
        )

    def instance_limits(self) -> dict[str, int]:
        """This instance's text and media limits (they differ between instances)."""
        config = self.request("GET", f"{self.base}/api/v2/instance").json().get("configuration", {})
        statuses = config.get("statuses", {})
        return {
            "max_characters": int(statuses.get("max_characters", 500)),
            "max_media_attachments": int(statuses.get("max_media_attachments", 4)),
            "characters_reserved_per_url": int(statuses.get("characters_reserved_per_url", 23)),
        }

    # --- publishing -----------------------------------------------------------------------------
    def publish(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost:
        media_ids = [self._upload(creds, item) for item in request.media]
        text = (
            request.text
            if not request.link or request.link in request.text
            else f"{request.text}\n\n{request.link}"
        )
        response = self.request(
            "POST",
            f"{self.base}/api/v1/statuses",
            json={"status": text, "media_ids": media_ids},
            headers={**self._auth(creds.access_token), "Idempotency-Key": request.idempotency_key},
        )
        body = response.json()
        return PublishedPost(remote_id=str(body["id"]), url=body.get("url"))

    def find_published(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost | None:
        # The instance answers a repeated Idempotency-Key (within ~1 h) with the status it already made,
        # so re-sending is the look-up. Without media, that re-send cannot create a second status.
        if request.media:
            return None
        return self.publish(creds, request)

    def delete_post(self, creds: AccountCredentials, remote_id: str) -> None:
        try:
            self.request(
                "DELETE", f"{self.base}/api/v1/statuses/{remote_id}", headers=self._auth(creds.access_token)
            )
        except PostGone:
            return  # already gone: what deleting wanted

    def _upload(self, creds: AccountCredentials, item) -> str:
        response = self.request(
            "POST",
            f"{self.base}/api/v2/media",
            headers=self._auth(creds.access_token),
            files={"file": (item.filename, item.data, item.mime_type)},
            data={"description": item.alt_text},
        )
        media_id = str(response.json()["id"])
        if response.status_code == 202:
            self._wait_for_media(creds, media_id)
        return media_id

    def _wait_for_media(self, creds: AccountCredentials, media_id: str, attempts: int = 20) -> None:
        import time

        for attempt in range(attempts):
            status = self.request(
                "GET", f"{self.base}/api/v1/media/{media_id}", headers=self._auth(creds.access_token)
            )
            if status.status_code == 200:
                return
            time.sleep(min(0.2 * (attempt + 1), 2))
        raise RetryLater("Mastodon is still processing the image.", retry_at=utcnow() + timedelta(minutes=2))

    # --- community and metrics ----------------------------------------------------------------
    def read_inbox(self, creds: AccountCredentials, *, kind: str, cursor: str | None = None) -> InboxPage:
        params: dict[str, object] = {"limit": 40}
        if cursor:
            params["max_id"] = cursor
        if kind == "dm":
            response = self.request(
                "GET",
                f"{self.base}/api/v1/conversations",
                params=params,
                headers=self._auth(creds.access_token),
            )
            items = [
                self._status_item(c["last_status"], "dm", thread_id=str(c["id"]))
                for c in response.json()
                if c.get("last_status")
            ]
        else:
            params["types[]"] = "mention"
            response = self.request(
                "GET",
                f"{self.base}/api/v1/notifications",
                params=params,
                headers=self._auth(creds.access_token),
            )
            items = [self._status_item(n["status"], "mention") for n in response.json() if n.get("status")]
        next_link = _NEXT.search(response.headers.get("Link", ""))
        max_id = _MAX_ID.search(next_link.group(1)) if next_link else None
        return InboxPage(items=tuple(items), cursor=max_id.group(1) if max_id and items else None)

    def reply(
        self, creds: AccountCredentials, *, item_remote_id: str, kind: str, text: str, idempotency_key: str
    ) -> PublishedPost:
        payload = {"status": text, "in_reply_to_id": item_remote_id}
        if kind == "dm":
            payload["visibility"] = "direct"
        response = self.request(
            "POST",
            f"{self.base}/api/v1/statuses",
            json=payload,
            headers={**self._auth(creds.access_token), "Idempotency-Key": idempotency_key},
        )
        body = response.json()
        return PublishedPost(remote_id=str(body["id"]), url=body.get("url"))

    # Mastodon lets an account favourite what it sees, mentions and direct messages alike; hiding and
    # deleting other people's statuses is for moderators of their instance only.
    @inbox_action
    def like_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        self.check_kind("liking", kind, "mention", "dm")
        # A status favourited already answers as it is: favouriting again changes nothing.
        self.request(
            "POST",
            f"{self.base}/api/v1/statuses/{item_remote_id}/favourite",
            headers=self._auth(creds.access_token),
        )

    def read_metrics(self, creds: AccountCredentials, *, post_remote_ids: list[str]) -> list[MetricSample]:
        me = self.request(
            "GET", f"{self.base}/api/v1/accounts/verify_credentials", headers=self._auth(creds.access_token)
        ).json()
        samples = [MetricSample(name="followers", value=int(me.get("followers_count", 0)))]
        for remote_id in post_remote_ids:
            response = self.http.get(
                f"{self.base}/api/v1/statuses/{remote_id}", headers=self._auth(creds.access_token)
            )
            if response.status_code == 404:
                continue  # deleted at the network: no metrics, not an error
            error = self.classify(response)
            if error:
                raise error
            status = response.json()
            # Mastodon has no impressions: only what it counts is reported.
            samples += [
                MetricSample(name="likes", value=status["favourites_count"], post_remote_id=remote_id),
                MetricSample(name="shares", value=status["reblogs_count"], post_remote_id=remote_id),
                MetricSample(name="comments", value=status["replies_count"], post_remote_id=remote_id),
            ]
        return samples

    # --- helpers --------------------------------------------------------------------------------
    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def _status_item(status: dict, kind: str, thread_id: str | None = None) -> InboxItem:
        account = status["account"]
        text = status.get("text") or _TAGS.sub("", status.get("content", ""))
        return InboxItem(
            remote_id=str(status["id"]),
            kind=kind,
            author_id=str(account["id"]),
            author_handle=f"@{account['acct']}",
            author_name=account.get("display_name") or account["username"],
            text=text,
            created_at=datetime.fromisoformat(status["created_at"].replace("Z", "+00:00")),
            post_remote_id=status.get("in_reply_to_id"),
            thread_id=thread_id,
        )

    def classify(self, response: httpx.Response) -> ConnectorError | None:
        status = response.status_code
        if status < 400:
            return None
        try:
            message = response.json().get("error", "")
        except ValueError:
            message = response.text[:200]
        if status == 401:
            return ReconnectNeeded(
                "Mastodon no longer accepts Cadenza's access: reconnect the account.", detail=message
            )
        if status == 403:
            return MissingPermission(
                "The Mastodon account did not grant Cadenza permission to write (post, favourite): "
                "reconnect it and allow writing.",
                detail=message,
            )
        if status == 429:
            return RetryLater(
                "Mastodon asked Cadenza to slow down.",
                retry_at=parse_retry_at(response.headers.get("X-RateLimit-Reset")),
                detail=message,
            )
        if status == 422:
            if "limit" in message and "character" in message:
                return Rejected("The text is longer than this Mastodon instance allows.", detail=message)
            if "processing" in message:
                return RetryLater(
                    "Mastodon is still processing the image.",
                    retry_at=utcnow() + timedelta(seconds=30),
                    detail=message,
                )
            if "daily" in message:
                return RetryLater(
                    "This Mastodon instance's posting limit is reached for today.",
                    retry_at=utcnow() + timedelta(hours=1),
                    detail=message,
                )
            return Rejected(f"Mastodon refused the post: {message}", detail=message)
        if status == 404:
            return PostGone("Mastodon does not know this post any more (deleted?).", detail=message)
        if status >= 500:
            return RetryLater(
                "Mastodon is having trouble; Cadenza will try again.",
                retry_at=utcnow() + timedelta(minutes=1),
                detail=f"HTTP {status}",
            )
        return None
