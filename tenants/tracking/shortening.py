"""Short links: every link of a text about to be published becomes {base_url}/l/<code>.

One code per target (one post on one account) and destination, made the first time and found again on
every retry, so the network receives the same text each time. The destination is stored whole (UTM
parameters included): the redirect only ever goes to a stored destination, never to one in the request.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.models import Client, PostTarget, TrackedLink
from tenants.services.links import URL_RE, trim_link
from tenants.settings import Settings

# Letters and digits only: nothing a network, a markdown renderer or a line break would cut off.
ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 10  # 62**10, about 8e17 codes: not guessable, not enumerable
MAX_CODE_LENGTH = 16
_ATTEMPTS = 5
# Names and addresses only a local network resolves (not is_private: it also covers the documentation ranges).
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")
_LAN_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


@dataclass(frozen=True)
class ResolvedLink:
    """A short link found by its code, with what recording a click needs of its client."""

    link: TrackedLink
    timezone: str
    # False once the client is deleted: its posts still lead to the site, but nothing is recorded.
    counting: bool = True


def new_code() -> str:
    """A random short code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def short_prefix(base_url: str) -> str:
    """Where short links live: '{base_url}/l/'."""
    return f"{base_url.rstrip('/')}/l/"


def reachable_from_outside(base_url: str, *, live_networks: bool) -> bool:
    """False when real networks would receive short links nobody can open (a local or LAN base URL)."""
    if not live_networks:
        return True  # the sandbox and the demo run on this machine
    host = (urlsplit(base_url).hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # A name without a dot ("localhost", a container's name) or under a local suffix resolves here only.
        return "." in host and not host.endswith(_LOCAL_SUFFIXES)
    local = address.is_loopback or address.is_unspecified or address.is_link_local
    return not local and not any(address in network for network in _LAN_NETWORKS)


def published_prefix(settings: Settings) -> str | None:
    """Where this deployment's short links live, or None when links go out long (no public base URL)."""
    if not reachable_from_outside(settings.base_url, live_networks=not settings.uses_sandbox):
        return None
    return short_prefix(settings.base_url)


def _replace_links(text: str, prefix: str, code_of: Callable[[str], str | None]) -> str:
    """Each link the text has, with a code, becomes prefix + code (trailing punctuation kept)."""

    def replace(match) -> str:
        whole = match.group()
        url = trim_link(whole)
        code = None if url.startswith(prefix) else code_of(url)
        return whole if code is None else prefix + code + whole[len(url) :]

    return URL_RE.sub(replace, text)


def as_shortened(text: str, prefix: str) -> str:
    """The text as it will read once its links are shortened (a stand-in code: for measuring it)."""
    return _replace_links(text, prefix, lambda _url: "x" * CODE_LENGTH)


def _digest(destination: str) -> str:
    return hashlib.sha256(destination.encode()).hexdigest()


def shorten_links(*, session: Session, target: PostTarget, text: str, base_url: str) -> str:
    """The text with each link replaced by its short link (UTM parameters must already be applied)."""
    prefix = short_prefix(base_url)
    found = [trim_link(match.group()) for match in URL_RE.finditer(text)]
    destinations = {url for url in found if not url.startswith(prefix)}  # already one of ours
    if not destinations:
        return text
    digests = {_digest(url): url for url in destinations}
    known = {
        link.destination_hash: link
        for link in session.scalars(
            select(TrackedLink).where(
                TrackedLink.target_id == target.id,
                TrackedLink.client_id == target.client_id,
                TrackedLink.destination_hash.in_(digests),
            )
        )
    }
    codes = {}
    for digest, url in digests.items():
        link = known.get(digest) or _create(session, target, url, digest)
        codes[url] = link.code
    return _replace_links(text, prefix, codes.get)


def _create(session: Session, target: PostTarget, destination: str, digest: str) -> TrackedLink:
    """A new link for the target and destination; a lost race finds the winner's, a code clash retries."""
    for _ in range(_ATTEMPTS):
        link = TrackedLink(
            agency_id=target.agency_id,
            client_id=target.client_id,
            post_id=target.post_id,
            target_id=target.id,
            account_id=target.account_id,
            network=target.network,
            code=new_code(),
            destination=destination,
            destination_hash=digest,
        )
        try:
            with session.begin_nested():
                session.add(link)
                session.flush()
            return link
        except IntegrityError:
            existing = session.scalar(
                select(TrackedLink).where(
                    TrackedLink.target_id == target.id, TrackedLink.destination_hash == digest
                )
            )
            if existing is not None:
                return existing
    raise RuntimeError("could not find a free short code")  # 5 clashes in 8e17: the generator is broken


def resolve(*, session: Session, code: str) -> ResolvedLink | None:
    """The link behind a code (the code is the only key a public click has), or None."""
    if not code or len(code) > MAX_CODE_LENGTH or not all(ch in ALPHABET for ch in code):
        return None
    row = session.execute(
        select(TrackedLink, Client.timezone, Client.deleted_at)
        .join(Client, Client.id == TrackedLink.client_id)
        .where(TrackedLink.code == code)
    ).first()
    if row is None:
        return None
    return ResolvedLink(link=row[0], timezone=row[1], counting=row[2] is None)
