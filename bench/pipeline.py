"""What the publishing benchmarks run on: a fresh PostgreSQL database, the sandbox networks served in this
process, Cadenza's own worker and scheduler processes started as an operator would start them, and the
demo agency with its sandbox accounts and posts due to go out."""

from __future__ import annotations

import logging
import os
import resource
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


def process_env(*, database_url: str, redis_url: str, instance: str, sandbox_url: str) -> dict[str, str]:
    """The environment a benchmark's Cadenza processes share: its database, Redis, instance and sandbox."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CADENZA_INSTANCE_PATH": instance,
        "CADENZA_SANDBOX_URL": sandbox_url,
        "CADENZA_NETWORK_TIMEOUT": "10",
    }


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


def process_cpu() -> dict[int, tuple[int, str, float]]:
    """pid -> (process group, command, CPU seconds) of every live process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        command = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        table[int(stat.parent.name)] = (int(fields[2]), command, (int(fields[11]) + int(fields[12])) / tick)
    return table


def cpu_seconds(
    groups: list[int], before: dict[int, tuple[int, str, float]] | None = None, database: str | None = None
) -> dict:
    """CPU seconds so far: the pipeline's process groups, this process (the sandbox, mostly) and PostgreSQL
    (its processes alive now, less what they had used at `before`; with `database`, only the server's own
    processes and the sessions on that database, not other people's on a shared server)."""
    table = process_cpu()
    before = before or {}
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "pipeline": sum(cpu for group, _, cpu in table.values() if group in groups),
        "sandbox": own.ru_utime + own.ru_stime,
        "postgresql": sum(
            cpu - (before[pid][2] if pid in before and before[pid][1] == command else 0.0)
            for pid, (_, command, cpu) in table.items()
            if command.startswith("postgres") and (database is None or _serves(pid, database))
        ),
    }


def _serves(pid: int, database: str) -> bool:
    """Whether a PostgreSQL process works for `database`: a session on it, or one of the server's own."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    # Sessions are titled "postgres: <user> <database> <host>(<port>) <state>"; the server's own processes
    # (checkpointer, WAL writer...) name no host.
    return "(" not in title or f" {database} " in title


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def stop(processes: list[subprocess.Popen]) -> None:
    """Ask the processes to end; kill those still running after 20 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
