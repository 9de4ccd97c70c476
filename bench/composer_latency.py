"""How long the composer's live checks take while someone types: three variants, a plan, a calendar."""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tenants.checks import spelling
from tenants.db import make_engine, make_session_factory
from tenants.demo import DEMO_PLAN
from tenants.migrate import upgrade
from tenants.models import Agency, Client, Membership, SocialAccount, User, utcnow
from tenants.services import plans, post_checks, posts
from tenants.settings import Settings

DATA = Path(__file__).parent / "data"
NETWORKS = ("x", "facebook", "mastodon")


def _world(session) -> tuple[Client, Membership, User, list[SocialAccount]]:
    agency = Agency(name="Bench", slug="bench")
    user = User(email="bench@bench.example", password_hash="-")
    session.add_all([agency, user])
    session.flush()
    client = Client(agency_id=agency.id, name="Trattoria", slug="trattoria", locale="it")
    membership = Membership(user_id=user.id, agency_id=agency.id, role="owner")
    session.add_all([client, membership])
    session.flush()
    accounts = [
        SocialAccount(agency_id=agency.id, client_id=client.id, network=n, remote_id=n, handle=f"@{n}")
        for n in NETWORKS
    ]
    session.add_all(accounts)
    session.flush()
    plans.save_plan(
        session=session,
        agency_id=agency.id,
        client_id=client.id,
        membership=membership,
        actor=user,
        data=DEMO_PLAN,
    )
    return client, membership, user, accounts


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def run() -> dict:
    """p50/p95 in ms of a live check (no suggestions) and of a submit-time check of a post with a typo."""
    texts = [line for line in (DATA / "heldout_it.txt").read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"CADENZA_INSTANCE_PATH": tmp})
        upgrade(settings)
        engine = make_engine(settings)
        with make_session_factory(engine)() as session:
            client, membership, user, accounts = _world(session)
            # A calendar around the date, so the mix and duplicate checks have rows to read.
            for day in range(60):
                posts.create_post(
                    session=session,
                    agency_id=client.agency_id,
                    client_id=client.id,
                    membership=membership,
                    actor=user,
                    data={
                        "text": texts[day % len(texts)],
                        "targets": [a.id for a in accounts],
                        "pillar": ("promotional", "educational", "entertainment")[day % 3],
                        "scheduled_at": (utcnow() + timedelta(days=1 + day // 2)).isoformat(),
                    },
                )
            session.commit()
            moment = utcnow() + timedelta(days=10)
            warm = [post_checks.Variant(network="x", text="riscaldamento dei dizionari")]
            post_checks.check_variants(session=session, client=client, variants=warm, suggest=False)
            typos = [
                line.split("\t")[1]
                for line in (DATA / "misspelled.txt").read_text().splitlines()
                if line.startswith("it\t")
            ]
            typing, submitting = [], []
            for text in texts * 5:
                variants = [
                    post_checks.Variant(network=a.network, text=text, account_id=a.id) for a in accounts
                ]
                started = time.perf_counter()
                post_checks.check_variants(
                    session=session,
                    client=client,
                    variants=variants,
                    pillar="promotional",
                    moment=moment,
                    suggest=False,
                )
                typing.append((time.perf_counter() - started) * 1000)
            # Cold suggestions, as on a first submit (another benchmark in this process may have warmed them).
            spelling.suggestions.cache_clear()
            for text in typos:
                variants = [
                    post_checks.Variant(network=a.network, text=text, account_id=a.id) for a in accounts
                ]
                started = time.perf_counter()
                post_checks.check_variants(
                    session=session, client=client, variants=variants, moment=moment, suggest=True
                )
                submitting.append((time.perf_counter() - started) * 1000)
            accounts_seen = len(session.scalars(select(SocialAccount.id)).all())
        engine.dispose()
    return {
        "benchmark": "composer_latency",
        "variants_per_check": accounts_seen,
        "live_checks": len(typing),
        "live_p50_ms": round(statistics.median(typing), 1),
        "live_p95_ms": round(_percentile(typing, 95), 1),
        "submit_checks": len(submitting),
        "submit_p50_ms": round(statistics.median(submitting), 1),
        "submit_p95_ms": round(_percentile(submitting, 95), 1),
    }
