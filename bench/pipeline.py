"""What the publishing benchmarks run on: a fresh PostgreSQL database, the sandbox networks served in this
process, Cadenza's own worker and scheduler processes started as an operator would start them, and the
demo agency with its sandbox accounts and posts due to go out."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text, update
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from tenants.models import Client, MediaAsset, Membership, Post, SocialAccount, User, utcnow


def fresh_database(url: str) -> None:
    """Drop and create the database named at the end of a PostgreSQL URL."""
    admin_url, name = url.rsplit("/", 1)
    admin = create_engine(f"{admin_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def serve_sandbox() -> tuple[str, BaseWSGIServer]:
    """The sandbox networks on a free port, in a thread of this process (quiet: no line per request)."""
    from sandbox import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def spawn(kind: str, env: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen:
    """`cadenza worker|scheduler` in a session of its own: a SIGKILL of its group takes its children too."""
    command = [sys.executable, "-m", "web.cli", kind, *args]
    if log is None:
        return subprocess.Popen(
            command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    with open(log, "ab") as output:
        return subprocess.Popen(
            command, env=env, start_new_session=True, stdout=output, stderr=subprocess.STDOUT
        )


def demo_world(settings, session: Session) -> tuple[Client, User, list[SocialAccount]]:
    """The demo agency and client with their sandbox accounts; the demo calendar kept out of the run."""
    from tenants.demo import seed_demo_data
    from tenants.passwords import make_password_hasher
    from web.demo_accounts import connect_demo_accounts

    seed_demo_data(session=session, hasher=make_password_hasher(settings))
    session.commit()
    connect_demo_accounts(settings)
    session.expire_all()
    client = session.scalars(select(Client)).one()
    session.execute(update(Post).where(Post.client_id == client.id).values(status="draft"))
    session.commit()
    owner = session.scalars(select(User).where(User.email == "demo@cadenza.example")).one()
    accounts = list(session.scalars(select(SocialAccount).where(SocialAccount.client_id == client.id)))
    return client, owner, accounts


def demo_picture(session: Session, client: Client) -> MediaAsset:
    """One of the demo client's seeded pictures (Instagram takes no post without one)."""
    return session.scalars(select(MediaAsset).where(MediaAsset.client_id == client.id)).first()


def due_post(
    session: Session,
    *,
    client: Client,
    author: User,
    accounts: Sequence[SocialAccount],
    text: str,
    media_ids: Sequence[int] = (),
    in_seconds: float = -1,
) -> Post:
    """A post written through the composer's service, then scheduled to be due `in_seconds` from now."""
    from tenants.services import posts

    membership = session.scalars(
        select(Membership).where(Membership.user_id == author.id, Membership.agency_id == client.agency_id)
    ).one()
    post = posts.create_post(
        session=session,
        agency_id=client.agency_id,
        client_id=client.id,
        membership=membership,
        actor=author,
        data={"text": text, "targets": [a.id for a in accounts], "media_ids": list(media_ids)},
    )
    post.status, post.scheduled_at = "scheduled", utcnow() + timedelta(seconds=in_seconds)
    return post
