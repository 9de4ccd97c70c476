"""The `cadenza` command, run as an operator would (in a subprocess, settings from the environment)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import settings_environ


@pytest.fixture
def cli_env(settings):
    return {**os.environ, **settings_environ(settings)}


def cadenza(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_create_agency_then_api_token_that_works(cli_env, app):
    done = cadenza(
        cli_env,
        "create-agency",
        "--name",
        "Agenzia Sole",
        "--owner-email",
        "sole@agenzia.example",
        "--password",
        "a long password",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "agenzia-sole"
    token = cadenza(cli_env, "api-token", "create", "--agency", "agenzia-sole", "--name", "ci")
    assert token.returncode == 0, token.stderr
    plaintext = token.stdout.strip()
    assert plaintext.startswith("cdz_")
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert me.get_json()["agency"]["slug"] == "agenzia-sole"


def test_cli_errors_are_messages_not_tracebacks(cli_env):
    bad = cadenza(
        cli_env, "create-agency", "--name", "X", "--owner-email", "not-an-email", "--password", "pw"
    )
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "not valid" in bad.stderr
    missing = cadenza(cli_env, "api-token", "create", "--agency", "nope", "--name", "x")
    assert missing.returncode != 0 and "no agency with slug 'nope'" in missing.stderr


def test_seed_demo_only_once(cli_env):
    first = cadenza(cli_env, "seed-demo")
    assert "demo@cadenza.example" in first.stdout
    assert "already has an agency" in cadenza(cli_env, "seed-demo").stdout


def test_every_server_command_takes_host_and_port(cli_env):
    for command in ("web", "reports"):
        help_text = cadenza(cli_env, command, "--help").stdout
        assert "--host" in help_text and "--port" in help_text
    assert "--reports-port" in cadenza(cli_env, "up", "--help").stdout


def test_demo_accounts_connect_through_the_sandbox_once(cli_env, sandbox, session):
    from sqlalchemy import select

    from tenants.demo_calendar import DEMO_POSTS
    from tenants.models import Post, PostTarget, SocialAccount

    env = {**cli_env, "CADENZA_SANDBOX_URL": sandbox.url}
    cadenza(env, "seed-demo")
    first = cadenza(env, "seed-demo-accounts")
    assert first.returncode == 0, first.stderr
    networks = set(session.scalars(select(SocialAccount.network)).all())
    assert {"mastodon", "x", "bluesky", "linkedin"} <= networks
    assert "already connected" in cadenza(env, "seed-demo-accounts").stdout
    statuses = session.scalars(select(Post.status)).all()
    by_text = {p.base_text: p.status for p in session.scalars(select(Post))}
    assert by_text == {text: status for *_rest, status, text in DEMO_POSTS}  # every post reached its stage
    assert {"draft", "in_review", "awaiting_client", "approved", "scheduled"} <= set(statuses)
    assert len(statuses) == len(DEMO_POSTS)  # seeded once, not again on the second run
    instagram = session.scalars(select(PostTarget).where(PostTarget.network == "instagram")).all()
    assert instagram and all(t.media_ids for t in instagram)  # Instagram posts carry the demo picture


def test_rotate_keys_re_encrypts_under_the_new_key(cli_env, sandbox, session):
    from cryptography.fernet import Fernet
    from sqlalchemy import select

    from tenants.crypto import TokenCipher
    from tenants.models import SocialAccount

    env = {**cli_env, "CADENZA_SANDBOX_URL": sandbox.url}
    cadenza(env, "seed-demo")
    cadenza(env, "seed-demo-accounts")
    old_key = env["TOKEN_ENCRYPTION_KEYS"]
    new_key = Fernet.generate_key().decode()
    rotated = cadenza({**env, "TOKEN_ENCRYPTION_KEYS": f"{new_key},{old_key}"}, "rotate-keys")
    assert rotated.returncode == 0 and "re-encrypted" in rotated.stdout
    session.expire_all()
    only_new = TokenCipher((new_key,))
    for account in session.scalars(select(SocialAccount)):
        assert only_new.decrypt(account.access_token_enc)
