"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint, jsonify
from redis import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web.context import db, redis

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    checks: dict[str, str] = {}
    try:
        db().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    try:
        redis().ping()
        checks["redis"] = "ok"
    except RedisError as exc:
        checks["redis"] = f"unavailable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify({"status": "ready" if ready else "unavailable", "checks": checks}), 200 if ready else 503
