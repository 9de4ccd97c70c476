"""The `cadenza` command: run the servers, migrate, and administer agencies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from tenants.settings import Settings


def _settings() -> Settings:
    return Settings.from_env()


@click.group()
def main() -> None:
    """Cadenza: social-media management for agencies."""


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from tenants.migrate import upgrade

    upgrade(_settings(), revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION."""
    from tenants.migrate import downgrade

    downgrade(_settings(), revision)


def _session():
    from tenants.db import make_engine, make_session_factory
    from tenants.tracking.shortening import published_prefix

    settings = _settings()
    return make_session_factory(make_engine(settings), short_link_prefix=published_prefix(settings))()


@main.command("create-agency")
@click.option("--name", required=True)
@click.option("--owner-email", required=True)
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--owner-name", default="")
def create_agency(name: str, owner_email: str, password: str, owner_name: str) -> None:
    """Create an agency with its owner; prints the agency's slug."""
    from tenants.errors import DomainError
    from tenants.passwords import make_password_hasher
    from tenants.services.agencies import create_agency as create

    with _session() as session:
        try:
            agency, _owner = create(
                session=session,
                hasher=make_password_hasher(_settings()),
                name=name,
                owner_email=owner_email,
                owner_password=password,
                owner_name=owner_name,
            )
            session.commit()
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(agency.slug)


@main.group("api-token")
def api_token() -> None:
    """API token commands."""


@api_token.command("create")
@click.option("--agency", "agency_slug", required=True, help="The agency's slug.")
@click.option("--name", required=True)
def api_token_create(agency_slug: str, name: str) -> None:
    """Create an agency API token and print it (shown only once)."""
    from tenants.errors import DomainError
    from tenants.services.agencies import get_agency_by_slug
    from tenants.services.api_tokens import create_token

    with _session() as session:
        agency = get_agency_by_slug(session=session, slug=agency_slug)
        if agency is None:
            raise click.ClickException(f"no agency with slug {agency_slug!r}")
        try:
            _token, plaintext = create_token(session=session, agency_id=agency.id, name=name)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
        click.echo(plaintext)


@main.command("seed-demo")
def seed_demo() -> None:
    """Create the demo agency, owner and client when the database has no agency yet."""
    from tenants.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo_data
    from tenants.passwords import make_password_hasher

    with _session() as session:
        created = seed_demo_data(session=session, hasher=make_password_hasher(_settings()))
        session.commit()
    if created:
        click.echo(f"demo agency created: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
    else:
        click.echo("database already has an agency; demo data not added")


@main.command("seed-demo-accounts")
def seed_demo_accounts() -> None:
    """Connect sandbox accounts to the demo client (needs the sandbox running)."""
    from web.demo_accounts import connect_demo_accounts

    settings = _settings()
    if not settings.uses_sandbox:
        raise click.ClickException("demo accounts exist only with CADENZA_NETWORKS=sandbox")
    handles = connect_demo_accounts(settings)
    click.echo("demo accounts: " + (", ".join(handles) if handles else "already connected"))


def _wait_for(url: str, timeout: float = 30.0) -> bool:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _serve_options(default_port: int):
    def decorator(func):
        func = click.option("--port", default=default_port, show_default=True, type=int)(func)
        return click.option("--host", default="127.0.0.1", show_default=True)(func)

    return decorator


def _redis_url_for_this_process(settings: Settings) -> str:
    from tenants.embedded_redis import resolve_redis_url

    url, server = resolve_redis_url(settings)
    if server is not None:
        import atexit

        atexit.register(server.stop)
        click.echo(f"embedded redis started at {url}", err=True)
    return url


@main.command("web")
@_serve_options(5000)
@click.option("--debug/--no-debug", default=False)
def web(host: str, port: int, debug: bool) -> None:
    """Serve the web app (development server; use gunicorn in production)."""
    from web import create_app

    settings = _settings()
    url = _redis_url_for_this_process(settings)
    app = create_app(settings.with_overrides(redis_url=url))
    app.run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)


@main.command("worker")
@click.option("--queues", default=None, help="Comma-separated queue names (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: CADENZA_WORKER_PROCESSES, else two per core).",
)
def worker(queues: str | None, burst: bool, processes: int | None) -> None:
    """Run RQ workers on Cadenza's queues."""
    from worker.main import default_processes, run_worker
    from worker.queues import QUEUE_NAMES

    settings = _settings()
    url = _redis_url_for_this_process(settings)
    names = tuple(q.strip() for q in queues.split(",")) if queues else QUEUE_NAMES
    count = processes or settings.worker_processes or default_processes()
    run_worker(settings, redis_url=url, queues=names, burst=burst, processes=count)


def _streamlit_command(host: str, port: int) -> list[str]:
    app_path = Path(__file__).resolve().parent.parent / "reports_ui" / "app.py"
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
        # Code does not change under a running server; watching every module it imports cost each new
        # session's first render about 0.2 s (bench/reports_overview.py).
        "--server.fileWatcherType",
        "none",
    ]


@main.command("reports")
@_serve_options(8501)
def reports(host: str, port: int) -> None:
    """Serve the Streamlit reports app."""
    os.execv(sys.executable, _streamlit_command(host, port))


@main.command("scheduler")
@click.option("--once", is_flag=True, help="Run every periodic task once and exit.")
def scheduler(once: bool) -> None:
    """Run the periodic tasks (token refresh, ...) that enqueue jobs for the workers."""
    from worker.scheduler import run_scheduler

    settings = _settings()
    run_scheduler(settings, redis_url=_redis_url_for_this_process(settings), once=once)


@main.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored network token under the first key of TOKEN_ENCRYPTION_KEYS."""
    from tenants.crypto import TokenCipher
    from tenants.services.social_accounts import rotate_keys as rotate

    with _session() as session:
        count = rotate(session=session, cipher=TokenCipher.from_settings(_settings()))
        session.commit()
    click.echo(f"re-encrypted {count} secrets with the newest key; older keys can now be removed")


@main.command("sandbox")
@_serve_options(5055)
@click.option(
    "--audience-every",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="let the audience comment, mention and write every SECONDS (0: only when told to tick)",
)
def sandbox(host: str, port: int, audience_every: float) -> None:
    """Serve the sandbox social networks (for demos, development and tests)."""
    from sandbox import create_app as create_sandbox

    app = create_sandbox(audience_every=audience_every or None)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command("webhooks-subscribe")
@click.option("--callback", default=None, help="public URL of /webhooks/meta (default: CADENZA_BASE_URL's)")
def webhooks_subscribe(callback: str | None) -> None:
    """Subscribe Cadenza's Meta app to page comments and messages, and install it on every connected page."""
    from web.views.webhooks import meta_verify_token
    from worker.networks.errors import ConnectorError
    from worker.webhook_setup import install_on_every_page, subscribe_meta

    settings = _settings()
    url = callback or f"{settings.base_url}/webhooks/meta"
    try:
        subscribe_meta(settings, callback_url=url, verify_token=meta_verify_token(settings))
    except ConnectorError as exc:
        raise click.ClickException(f"Meta refused the subscription: {exc.reason}") from exc
    with _session() as session:
        pages = install_on_every_page(settings=settings, session=session)
    click.echo(f"Meta webhooks: {url} subscribed; installed on {pages} page(s)")


@main.command("up")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int, help="Web port.")
@click.option("--reports-port", default=8501, show_default=True, type=int)
def up(host: str, port: int, reports_port: int) -> None:
    """Run everything in one terminal: Redis (embedded if needed), web, worker, reports. Ctrl-C stops all."""
    from tenants.embedded_redis import resolve_redis_url

    settings = _settings()
    url, server = resolve_redis_url(settings)
    env = {**os.environ, "REDIS_URL": url}
    me = [sys.executable, "-m", "web.cli"]
    children = {}
    if settings.uses_sandbox:
        sandbox_port = settings.sandbox_url.rsplit(":", 1)[-1].split("/")[0]
        # The demo's audience keeps talking (a step every 20 s) so the inbox fills while people look.
        audience = ["--audience-every", "20"]
        children["sandbox"] = subprocess.Popen([*me, "sandbox", "--port", sandbox_port, *audience], env=env)
        if _wait_for(f"{settings.sandbox_url}/_control/health"):
            subprocess.run([*me, "seed-demo-accounts"], env=env, check=False)
    children["web"] = subprocess.Popen([*me, "web", "--host", host, "--port", str(port)], env=env)
    if settings.uses_sandbox and _wait_for(f"http://{host}:{port}/healthz"):
        # The sandbox pushes the demo pages' comments and messages here, signed, as Meta would.
        subprocess.run(
            [*me, "webhooks-subscribe", "--callback", f"http://{host}:{port}/webhooks/meta"],
            env=env,
            check=False,
        )
    children |= {
        "worker": subprocess.Popen([*me, "worker"], env=env),
        "scheduler": subprocess.Popen([*me, "scheduler"], env=env),
        "reports": subprocess.Popen(_streamlit_command(host, reports_port), env=env),
    }
    click.echo(
        f"Cadenza is up: web http://{host}:{port}/  reports http://{host}:{reports_port}/  "
        f"redis {url}{' (embedded)' if server else ''}. Ctrl-C stops everything."
    )

    stopping = False

    def _stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    click.echo(f"{name} exited with code {child.returncode}; stopping everything", err=True)
                    stopping = True
            time.sleep(0.3)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if server:
            server.stop()


if __name__ == "__main__":
    main()
