"""LinkedIn: members and the organizations they administer; versioned /rest API; 60-day tokens."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import httpx

from worker.networks.base import Connector, inbox_action, utcnow
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

# LinkedIn retires each monthly version about a year after its release: bump this at least yearly.
API_VERSION = "202611"
EXPIRY_MARGIN = timedelta(hours=1)
# A lost publish is looked up among posts this recent: an identical older post is another post.
LOOKUP_WINDOW = timedelta(hours=24)
RECONNECT_EVERY_60_DAYS = (
    "LinkedIn requires reconnecting every 60 days: reconnect the account to keep publishing."
)
VERSION_RETIRED = "Cadenza's LinkedIn API version is retired: update Cadenza"
_URL = re.compile(r"https?://[^\s|{}\[\]()<>\\]+")
_HASHTAG = re.compile(r"#\w+")
_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")
_START = re.compile(r"[?&]start=(\d+)")
_COMMENT_URN = re.compile(r"urn:li:comment:\((urn:li:(?:share|ugcPost|activity):\d+),(\d+)\)")
_DUPLICATE_OF = re.compile(r"duplicate of (urn:li:(?:share|ugcPost):\d+)")
_STATISTICS = {
    "impressionCount": "impressions",
    "uniqueImpressionsCount": "reach",
    "clickCount": "clicks",
    "likeCount": "likes",
    "commentCount": "comments",
    "shareCount": "shares",
}


def little_text(text: str) -> str:
    """Escape LinkedIn's reserved characters, keeping links and #hashtags working."""
    parts, position = [], 0
    for match in re.finditer(f"{_URL.pattern}|{_HASHTAG.pattern}", text):
        parts += [_RESERVED.sub(r"\\\1", text[position : match.start()]), match.group(0)]
        position = match.end()
    parts.append(_RESERVED.sub(r"\\\1", text[position:]))
    return "".join(parts)


class _Conflict(Rejected):
    """LinkedIn has this already (409), such as the actor's reaction to an entity."""


def is_organization(urn: str) -> bool:
    """True for an organization URN, False for a member."""
    return urn.startswith("urn:li:organization:")


class LinkedInConnector(Connector):
    network = "linkedin"
    scopes = (
        "openid",
        "profile",
        "email",
        "w_member_social",
        "r_organization_social",
        "w_organization_social",
        "rw_organization_admin",
    )
    api_version = API_VERSION
    inbox_posts = 20  # comments are read on this many recent posts
    comments_page_size = 20
    lookup_page_size = 50
    lookup_pages = 4

    @property
    def api(self) -> str:
        """Base URL of api.linkedin.com (or the sandbox's)."""
        return self.endpoints["api"]

    @property
    def www(self) -> str:
        """Base URL of www.linkedin.com (or the sandbox's), for post links."""
        return self.endpoints["authorize"].split("/oauth/", 1)[0]

    # --- connecting -----------------------------------------------------------------------------
    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str | None = None) -> TokenSet:
        return self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )

    def discover_accounts(self, tokens: TokenSet) -> list[DiscoveredAccount]:
        me = self.request("GET", f"{self.api}/v2/userinfo", headers=self._auth(tokens.access_token)).json()
        person = f"urn:li:person:{me['sub']}"
        member = DiscoveredAccount(
            remote_id=person,
            handle=me["name"],  # LinkedIn gives ordinary apps no public handle (vanity name) for members
            display_name=me["name"],
            kind="member",
            extra={"person_urn": person, "scopes": list(tokens.scopes)},
        )
        return [member, *self._organizations(tokens, person)]

    def refresh(self, creds: AccountCredentials) -> TokenSet:
        if creds.refresh_token:
            return self._refresh_with_token(creds)
        # Without MDP partner status LinkedIn issues no refresh tokens: the member must sign in again.
        if creds.expires_at and creds.expires_at - utcnow() <= EXPIRY_MARGIN:
            raise ReconnectNeeded(RECONNECT_EVERY_60_DAYS, detail=f"token expires at {creds.expires_at}")
        self.request("GET", f"{self.api}/v2/userinfo", headers=self._auth(creds.access_token))
        return TokenSet(access_token=creds.access_token, expires_at=creds.expires_at)

    def revoke(self, creds: AccountCredentials) -> None:
        self.request(
            "POST",
            self.endpoints["revoke"],
            data={
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "token": creds.access_token,
            },
        )

    def _token_request(self, form: dict[str, str]) -> TokenSet:
        form = {**form, "client_id": self.app.client_id, "client_secret": self.app.client_secret}
        body = self.request("POST", self.endpoints["token"], data=form).json()
        extra = {}
        if body.get("refresh_token_expires_in"):
            extra["refresh_token_expires_at"] = utcnow() + timedelta(seconds=body["refresh_token_expires_in"])
        return TokenSet(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token"),
            expires_at=utcnow() + timedelta(seconds=int(body.get("expires_in", 0))),
            scopes=tuple(s for s in re.split(r"[,\s]+", body.get("scope", "")) if s),
            extra=extra,
        )

    def _refresh_with_token(self, creds: AccountCredentials) -> TokenSet:
        try:
            return self._token_request({"grant_type": "refresh_token", "refresh_token": creds.refresh_token})
        except Rejected as exc:
            raise ReconnectNeeded(
                "LinkedIn no longer renews Cadenza's access: reconnect the account.", detail=exc.detail
            ) from exc

    def _organizations(self, tokens: TokenSet, person: str) -> list[DiscoveredAccount]:
        if tokens.scopes and "rw_organization_admin" not in tokens.scopes:
            return []  # the member did not let Cadenza see the pages they administer
        acls = self.request(
            "GET",
            f"{self.api}/rest/organizationAcls",
            params={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"},
            headers=self._rest(tokens.access_token),
        ).json()
        accounts = []
        for acl in acls.get("elements", []):
            urn = acl["organization"]
            org = self.request(
                "GET",
                f"{self.api}/rest/organizations/{urn.rsplit(':', 1)[-1]}",
                headers=self._rest(tokens.access_token),
            ).json()
            accounts.append(
                DiscoveredAccount(
                    remote_id=urn,
                    handle=org.get("vanityName") or urn,
                    display_name=org.get("localizedName") or urn,
                    kind="organization",
                    extra={"person_urn": person, "scopes": list(tokens.scopes)},
                )
            )
        return accounts

    # --- publishing -----------------------------------------------------------------------------
    def publish(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost:
        images = [self._upload(creds, item) for item in request.media]
        response = self.request(
            "POST",
            f"{self.api}/rest/posts",
            json=self._post_body(creds.remote_id, request, images),
            headers=self._rest(creds.access_token),
        )
        return self._published(response.headers["x-restli-id"])

    def find_published(self, creds: AccountCredentials, request: PublishRequest) -> PublishedPost | None:
        if is_organization(creds.remote_id):
            return self._find_in_recent_posts(creds, request)
        return self._find_by_duplicate_check(creds, request)

    def delete_post(self, creds: AccountCredentials, remote_id: str) -> None:
        try:
            self.request(
                "DELETE",
                f"{self.api}/rest/posts/{quote(remote_id, safe='')}",
                headers=self._rest(creds.access_token),
            )
        except PostGone:
            return  # already gone: what deleting wanted

    def _post_body(self, author: str, request: PublishRequest, images: list[str]) -> dict:
        text = request.text
        if request.link and images and request.link not in text:
            # A post holds one kind of content: the images win and the link goes into the text.
            text = f"{text}\n\n{request.link}"
        body = {
            "author": author,
            "commentary": little_text(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        alts = [item.alt_text for item in request.media]
        if len(images) == 1:
            body["content"] = {"media": {"id": images[0], "altText": alts[0]}}
        elif images:
            body["content"] = {
                "multiImage": {"images": [{"id": i, "altText": a} for i, a in zip(images, alts, strict=True)]}
            }
        elif request.link:
            title = urlsplit(request.link).hostname or request.link
            body["content"] = {"article": {"source": request.link, "title": title}}
        return body

    def _published(self, urn: str) -> PublishedPost:
        return PublishedPost(remote_id=urn, url=f"{self.www}/feed/update/{urn}/")

    def _find_in_recent_posts(
        self, creds: AccountCredentials, request: PublishRequest
    ) -> PublishedPost | None:
        # Placeholders for the images: the commentary and content kind must come out as when publishing.
        expected = self._post_body(creds.remote_id, request, ["image"] * len(request.media))
        source = expected.get("content", {}).get("article", {}).get("source")
        since = (utcnow() - LOOKUP_WINDOW).timestamp() * 1000
        start: int | None = 0
        for _ in range(self.lookup_pages):
            page = self._posts_page(creds, start=start, count=self.lookup_page_size)
            for post in page.get("elements", []):
                if post.get("createdAt", 0) < since:
                    return None  # newest first: everything further is older still
                same_link = post.get("content", {}).get("article", {}).get("source") == source
                if post.get("commentary") == expected["commentary"] and same_link:
                    return self._published(post["id"])
            start = self._next_start(page)
            if start is None:
                return None
        return None

    def _find_by_duplicate_check(
        self, creds: AccountCredentials, request: PublishRequest
    ) -> PublishedPost | None:
        """Members' posts cannot be listed (r_member_social is closed), but LinkedIn refuses a repeat of
        a recent post and names the existing one: sending again finds it, or publishes it exactly once."""
        if not request.text.strip():
            return None  # no text, no duplicate check: nothing can tell whether the post exists
        try:
            return self.publish(creds, request)
        except Rejected as exc:
            found = _DUPLICATE_OF.search(exc.detail or "")
            if found is None:
                raise
            return self._published(found.group(1))

    def _posts_page(self, creds: AccountCredentials, *, start: int, count: int) -> dict:
        return self.request(
            "GET",
            f"{self.api}/rest/posts",
            params={
                "author": creds.remote_id,
                "q": "author",
                "count": count,
                "start": start,
                "sortBy": "CREATED",
            },
            headers={**self._rest(creds.access_token), "X-RestLi-Method": "FINDER"},
        ).json()

    def _upload(self, creds: AccountCredentials, item: MediaItem) -> str:
        value = self.request(
            "POST",
            f"{self.api}/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": creds.remote_id}},
            headers=self._rest(creds.access_token),
        ).json()["value"]
        self.request(
            "PUT",
            value["uploadUrl"],
            content=item.data,
            headers={**self._auth(creds.access_token), "Content-Type": item.mime_type},
        )
        self._wait_for_image(creds, value["image"])
        return value["image"]

    def _wait_for_image(self, creds: AccountCredentials, urn: str, attempts: int = 15) -> None:
        for attempt in range(attempts):
            status = self.request(
                "GET", f"{self.api}/rest/images/{quote(urn, safe='')}", headers=self._rest(creds.access_token)
            ).json()["status"]
            if status == "AVAILABLE":
                return
            if status == "PROCESSING_FAILED":
                raise Rejected(
                    "LinkedIn could not process the image (is it a JPEG, PNG or GIF?).", detail=urn
                )
            time.sleep(min(0.2 * (attempt + 1), 2))
        raise RetryLater("LinkedIn is still processing the image.", retry_at=utcnow() + timedelta(minutes=2))

    # --- community and metrics ----------------------------------------------------------------
    def read_inbox(self, creds: AccountCredentials, *, kind: str, cursor: str | None = None) -> InboxPage:
        # LinkedIn has no DM API and no mentions feed for ordinary apps; members' comments need the
        # closed r_member_social permission. Only organizations' comments can be read.
        if kind != "comment" or not is_organization(creds.remote_id):
            return InboxPage(items=())
        posts = [
            p["id"] for p in self._posts_page(creds, start=0, count=self.inbox_posts).get("elements", [])
        ]
        post, start = cursor.rsplit("|", 1) if cursor else (posts[0] if posts else "", "0")
        if post not in posts:
            return InboxPage(items=())
        index, start_at = posts.index(post), int(start)
        while True:
            items, next_start = self._comments_page(creds, posts[index], start_at)
            if next_start is None:
                index, next_start = index + 1, 0
            next_cursor = f"{posts[index]}|{next_start}" if index < len(posts) else None
            if items or next_cursor is None:
                return InboxPage(items=tuple(items), cursor=next_cursor)
            start_at = next_start

    def reply(
        self, creds: AccountCredentials, *, item_remote_id: str, kind: str, text: str, idempotency_key: str
    ) -> PublishedPost:
        # LinkedIn has no idempotency mechanism for comments; a lost answer surfaces as UnknownOutcome.
        parent = _COMMENT_URN.fullmatch(item_remote_id)
        body = {
            "actor": creds.remote_id,
            "object": parent.group(1) if parent else item_remote_id,
            "message": {"text": text},
        }
        if parent:
            body["parentComment"] = item_remote_id
        response = self.request(
            "POST",
            f"{self.api}/rest/socialActions/{quote(item_remote_id, safe='')}/comments",
            json=body,
            headers=self._rest(creds.access_token),
        )
        comment = response.json()
        return PublishedPost(remote_id=comment.get("$URN") or comment["commentUrn"])

    # LinkedIn has no hiding of comments; likes are reactions of type LIKE, one per actor and entity.
    @inbox_action
    def like_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        self.check_kind("liking", kind, "comment")
        if self._reaction_exists(creds, item_remote_id):
            return  # liked (or otherwise reacted to) already
        try:
            self.request(
                "POST",
                f"{self.api}/rest/reactions",
                params={"actor": creds.remote_id},
                json={"root": item_remote_id, "reactionType": "LIKE"},
                headers=self._rest(creds.access_token),
            )
        except _Conflict:
            return  # another attempt's reaction got there first

    @inbox_action
    def delete_item(self, creds: AccountCredentials, *, item_remote_id: str, kind: str) -> None:
        self.check_kind("deleting", kind, "comment")
        comment = _COMMENT_URN.fullmatch(item_remote_id)
        if comment is None:
            raise Rejected("This is not a LinkedIn comment Cadenza can delete.", detail=item_remote_id)
        post, comment_id = comment.groups()
        try:
            self.request(
                "DELETE",
                f"{self.api}/rest/socialActions/{quote(post, safe='')}/comments/{comment_id}",
                # Without the actor LinkedIn acts as the member, who may not delete others' comments.
                params={"actor": creds.remote_id},
                headers=self._rest(creds.access_token),
            )
        except PostGone:
            return  # already gone: what deleting wanted

    def _reaction_exists(self, creds: AccountCredentials, entity: str) -> bool:
        key = f"(actor:{quote(creds.remote_id, safe='')},entity:{quote(entity, safe='')})"
        try:
            self.request("GET", f"{self.api}/rest/reactions/{key}", headers=self._rest(creds.access_token))
        except PostGone:
            return False
        return True

    def read_metrics(self, creds: AccountCredentials, *, post_remote_ids: list[str]) -> list[MetricSample]:
        # Members get no follower or post analytics from LinkedIn without closed permissions.
        if not is_organization(creds.remote_id):
            return []
        org = quote(creds.remote_id, safe="")
        size = self.request(
            "GET",
            f"{self.api}/rest/networkSizes/{org}",
            params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
            headers=self._rest(creds.access_token),
        ).json()
        samples = [MetricSample(name="followers", value=int(size["firstDegreeSize"]))]
        for offset in range(0, len(post_remote_ids), 20):
            samples += self._share_statistics(creds, post_remote_ids[offset : offset + 20])
        return samples

    def _comments_page(
        self, creds: AccountCredentials, post: str, start: int
    ) -> tuple[list[InboxItem], int | None]:
        page = self.request(
            "GET",
            f"{self.api}/rest/socialActions/{quote(post, safe='')}/comments",
            params={"start": start, "count": self.comments_page_size},
            headers=self._rest(creds.access_token),
        ).json()
        items = [
            self._comment_item(c, post)
            for c in page.get("elements", [])
            if c.get("actor") != creds.remote_id  # Cadenza's own replies are not inbox items
        ]
        return items, self._next_start(page)

    def _share_statistics(self, creds: AccountCredentials, urns: list[str]) -> list[MetricSample]:
        org = quote(creds.remote_id, safe="")
        shares = ",".join(quote(u, safe="") for u in urns)
        # Rest.li 2.0 List(...) syntax: the parentheses and commas must stay unencoded.
        url = (
            f"{self.api}/rest/organizationalEntityShareStatistics?q=organizationalEntity"
            f"&organizationalEntity={org}&shares=List({shares})"
        )
        elements = self.request("GET", url, headers=self._rest(creds.access_token)).json().get("elements", [])
        samples = []
        for element in elements:
            stats = element.get("totalShareStatistics", {})
            samples += [
                MetricSample(name=name, value=stats[key], post_remote_id=element["share"])
                for key, name in _STATISTICS.items()
                if key in stats
            ]
        return samples

    # --- helpers --------------------------------------------------------------------------------
    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def _rest(self, token: str) -> dict[str, str]:
        return {
            **self._auth(token),
            "LinkedIn-Version": self.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    @staticmethod
    def _next_start(page: dict) -> int | None:
        for link in page.get("paging", {}).get("links", []):
            match = _START.search(link.get("href", ""))
            if link.get("rel") == "next" and match:
                return int(match.group(1))
        return None

    @staticmethod
    def _comment_item(comment: dict, post: str) -> InboxItem:
        actor = comment["actor"]
        return InboxItem(
            remote_id=comment.get("$URN") or comment["commentUrn"],
            kind="comment",
            author_id=actor,
            author_handle=actor,
            # Commenters' names need profile permissions LinkedIn does not grant to ordinary apps.
            author_name="LinkedIn organization" if is_organization(actor) else "LinkedIn member",
            text=comment.get("message", {}).get("text", ""),
            created_at=datetime.fromtimestamp(comment["created"]["time"] / 1000, UTC),
            post_remote_id=post,
            parent_remote_id=comment.get("parentComment"),
        )

    def classify(self, response: httpx.Response) -> ConnectorError | None:
        status = response.status_code
        if status < 400:
            return None
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if "error" in body:
            return _oauth_error(body)
        message = str(body.get("message", ""))[:300]
        codes = {body.get("code")} | {
            e.get("code") for e in body.get("errorDetails", {}).get("inputErrors", []) if isinstance(e, dict)
        }
        detail = f"{status} {body.get('code') or ''} {message}".strip()
        if status == 401:
            return _token_refused(body.get("serviceErrorCode"), detail)
        if status == 403:
            return _permission_refused(message, detail)
        if status == 426:
            return Rejected(VERSION_RETIRED, detail=detail)
        if status == 429:
            return _throttled(message, detail)
        if status == 422:
            return _content_refused(codes, message, detail)
        if status == 404:
            return PostGone("LinkedIn does not know this post any more (deleted?).", detail=detail)
        if status == 409:
            return _Conflict("LinkedIn already has this.", detail=detail)
        if status >= 500:
            return RetryLater(
                "LinkedIn is having trouble; Cadenza will try again.",
                retry_at=utcnow() + timedelta(minutes=1),
                detail=detail,
            )
        return None


def _oauth_error(body: dict) -> ConnectorError:
    detail = f"{body['error']}: {body.get('error_description', '')}"
    if body["error"] == "invalid_client":
        return Rejected(
            "LinkedIn refused Cadenza's app credentials: an administrator must check them.", detail=detail
        )
    return Rejected("LinkedIn refused the sign-in step; start connecting the account again.", detail=detail)


def _token_refused(service_code: object, detail: str) -> ReconnectNeeded:
    if service_code == 65602:
        return ReconnectNeeded(f"LinkedIn access has expired. {RECONNECT_EVERY_60_DAYS}", detail=detail)
    if service_code == 65601:
        return ReconnectNeeded(
            "The LinkedIn member revoked Cadenza's access: reconnect the account.", detail=detail
        )
    return ReconnectNeeded(
        "LinkedIn no longer accepts Cadenza's access: reconnect the account.", detail=detail
    )


def _permission_refused(message: str, detail: str) -> ConnectorError:
    if "/author" in message or "/actor" in message or "/owner" in message:
        return ReconnectNeeded(
            "The LinkedIn member who connected this page is no longer one of its administrators: "
            "reconnect it with an administrator's account.",
            detail=detail,
        )
    return MissingPermission(
        "The LinkedIn connection lacks a permission Cadenza needs (such as posting as the organization): "
        "reconnect it and allow every permission.",
        detail=detail,
    )


def _throttled(message: str, detail: str) -> RetryLater:
    # LinkedIn sends no reset header; its daily limits reset at midnight UTC. Try hourly meanwhile.
    now = utcnow()
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    retry_at = min(now + timedelta(hours=1), midnight + timedelta(minutes=1))
    if "MEMBER" in message:
        return RetryLater(
            "This LinkedIn member reached today's posting limit.", retry_at=retry_at, detail=detail
        )
    return RetryLater("LinkedIn asked Cadenza to slow down.", retry_at=retry_at, detail=detail)


def _content_refused(codes: set, message: str, detail: str) -> ConnectorError:
    if "DUPLICATE_POST" in codes:
        return Rejected("LinkedIn says this was already posted (same text recently).", detail=detail)
    if "MAX_LENGTH_EXCEEDED" in codes:
        return Rejected("The text is longer than LinkedIn allows (3,000 characters).", detail=detail)
    if "MEDIA_NOT_READY" in codes:
        return RetryLater(
            "LinkedIn is still processing the image.",
            retry_at=utcnow() + timedelta(seconds=30),
            detail=detail,
        )
    return Rejected(f"LinkedIn refused the post: {message}", detail=detail)
