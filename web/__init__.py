"""The Flask app: staff UI, client area, JSON API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, g, request
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from tenants.db import make_engine, make_session_factory
from tenants.errors import N_
from tenants.passwords import make_password_hasher
from tenants.settings import Settings
from tenants.tracking.shortening import published_prefix
from web.context import close_db, db
from web.extensions import babel, csrf, limiter, login_manager
from worker.queues import redis_connection


def create_app(settings: Settings | None = None, config: dict[str, Any] | None = None) -> Flask:
    """Build the app from settings (read from the environment only when none are given)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_DURATION=timedelta(days=14),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,
        LOGIN_RATE_LIMIT=settings.login_rate_limit,
        RATELIMIT_STORAGE_URI=settings.redis_url_or_embedded,
        RATELIMIT_KEY_PREFIX="cadenza-limits",
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES="translations",
    )
    app.config.update(config or {})
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops, x_host=settings.proxy_hops
        )

    engine = make_engine(settings)
    app.extensions["cadenza"] = {
        "settings": settings,
        "engine": engine,
        "session_factory": make_session_factory(engine, short_link_prefix=published_prefix(settings)),
        "hasher": make_password_hasher(settings),
        "redis": redis_connection(settings.redis_url_or_embedded),
    }
    _init_extensions(app)
    _register_blueprints(app)
    return app


def _init_extensions(app: Flask) -> None:
    from web.i18n import select_locale, select_timezone
    from web.tenancy import can, load_membership
    from web.uploads import allow_large_uploads

    # Before CSRF protection, which parses the form (and so enforces the body limit) in its own hook.
    app.before_request(allow_large_uploads)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    login_manager.localize_callback = _localize
    login_manager.login_message = N_("Please log in to open this page.")
    app.before_request(load_membership)
    app.teardown_appcontext(close_db)
    app.after_request(_security_headers)

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        from tenants.services.notifications import unread_count
        from web.views.common import notification_links, notification_text

        membership = g.get("membership")
        unread = (
            unread_count(session=db(), agency_id=membership.agency_id, user_id=membership.user_id)
            if membership is not None
            else 0
        )
        return {
            "can": can,
            "current_locale": str(get_locale()),
            "membership": membership,
            "memberships": g.get("memberships", []),
            "unread": unread,
            "notification_text": notification_text,
            "notification_links": notification_links,
            "signup_enabled": app.extensions["cadenza"]["settings"].signup_enabled,
        }


def _localize(message: str) -> str:
    from flask_babel import gettext

    return gettext(message)


def _load_user(session_id: str):
    from tenants.models import User

    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db().get(User, int(user_id))
    if user is None or not user.is_active or user.session_id != session_id:
        return None
    return user


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/api/"):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'",
        )
    return response


def _register_blueprints(app: Flask) -> None:
    import web.api.conversions  # noqa: F401 - adds POST /conversions (conversion keys) to the API blueprint
    import web.api.inbox  # noqa: F401 - adds the inbox endpoints to the API blueprint
    import web.api.kpis  # noqa: F401 - adds the KPI endpoints to the API blueprint
    import web.api.posts  # noqa: F401 - adds the post endpoints to the API blueprint
    import web.api.reports  # noqa: F401 - adds the report endpoints to the API blueprint
    from web.api.views import bp as api_bp
    from web.errors import register_error_handlers
    from web.health import bp as health_bp
    from web.metrics import bp as metrics_bp
    from web.views.accounts import bp as accounts_bp
    from web.views.agency import bp as agency_bp
    from web.views.approvals import bp as approvals_bp
    from web.views.auth import bp as auth_bp
    from web.views.calendar import bp as calendar_bp
    from web.views.calendar_io import bp as calendar_io_bp
    from web.views.inbox import bp as inbox_bp
    from web.views.inbox_actions import bp as inbox_actions_bp
    from web.views.inbox_settings import bp as inbox_settings_bp
    from web.views.kpis import bp as kpis_bp
    from web.views.links_public import bp as links_bp
    from web.views.media import bp as media_bp
    from web.views.notification_settings import bp as notification_settings_bp
    from web.views.oauth import bp as oauth_bp
    from web.views.onboarding_public import bp as onboarding_bp
    from web.views.plan import bp as plan_bp
    from web.views.post_actions import bp as post_actions_bp
    from web.views.posts import bp as posts_bp
    from web.views.publish_log import bp as publish_log_bp
    from web.views.publishing import bp as publishing_bp
    from web.views.reports import bp as reports_bp
    from web.views.tracking import bp as tracking_bp
    from web.views.webhooks import bp as webhooks_bp
    from web.views.workspace import bp as workspace_bp

    blueprints = (
        health_bp,
        metrics_bp,
        auth_bp,
        agency_bp,
        notification_settings_bp,
        workspace_bp,
        accounts_bp,
        plan_bp,
        media_bp,
        calendar_bp,
        calendar_io_bp,
        posts_bp,
        post_actions_bp,
        publish_log_bp,
        approvals_bp,
        publishing_bp,
        tracking_bp,
        links_bp,
        inbox_bp,
        inbox_actions_bp,
        inbox_settings_bp,
        kpis_bp,
        reports_bp,
        webhooks_bp,
        oauth_bp,
        onboarding_bp,
        api_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    register_error_handlers(app)
