"""The simulated audience on the control API: advance it (`tick`), or make it say one thing or many.

Network modules register `simulate(state, rng)` (one step of audience) and `say(state, wanted, rng)` (one item
of a given kind, through the same helpers the simulation uses, so it shows up in the API and in webhooks).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify, request

from sandbox import voices
from sandbox.link_readers import follow_links
from sandbox.state import STORE

bp = Blueprint("audience", __name__, url_prefix="/_control/audience")

SIMULATORS: dict[str, Callable[..., None]] = {}
SPEAKERS: dict[str, Callable[..., dict[str, str]]] = {}
KINDS = ("comment", "mention", "dm")
BULK_LIMIT = 20_000


@dataclass(frozen=True)
class Wanted:
    """One item asked of the audience: its kind, whose inbox, what it says, under which post, by whom."""

    kind: str
    account: str
    text: str
    post: str | None = None
    author: str | None = None
    notify: bool = True  # fire the webhooks an item of this kind fires


class Unheard(Exception):
    """An item the network cannot have: a kind it lacks (400) or an account or post it does not know (404)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def demo_step() -> None:
    """One step of the self-running demo audience: people write and react, and some follow links."""
    tick()
    with STORE.lock:
        rng = random.Random(STORE.rng.random())
    follow_links(rng, share=0.2)


def tick(steps: int = 1, network: str | None = None) -> None:
    """Advance the audience of every network (or one) by `steps`."""
    with STORE.lock:
        for _ in range(steps):
            for name, simulate in SIMULATORS.items():
                if network in (None, name):
                    simulate(STORE.networks.get(name, {}), STORE.rng)


@bp.post("/tick")
def audience_tick():
    """Advance the simulated audience by `steps` (comments, mentions, DMs, likes, followers...)."""
    body = request.get_json(silent=True) or {}
    steps = max(1, min(int(body.get("steps", 1)), 1000))
    tick(steps, body.get("network"))
    return jsonify({"status": "ok", "steps": steps})


@bp.post("/click")
def audience_click():
    """Readers follow links in live posts: {share?: 0..1, network?}; returns how many links answered."""
    body = request.get_json(silent=True) or {}
    share = min(max(float(body.get("share", 1.0)), 0.0), 1.0)
    with STORE.lock:
        rng = random.Random(STORE.rng.random())
    return jsonify({"followed": follow_links(rng, share=share, network=body.get("network"))})


@bp.post("/say")
def audience_say():
    """One item from the audience: {network, kind, account, text, post?, author?}; 201 with its remote id."""
    body = request.get_json(silent=True) or {}
    problem = _problem(body, "text")
    if problem:
        return jsonify({"error": problem}), 400
    try:
        with STORE.lock:
            item = _say(body, text=body["text"], author=body.get("author"), notify=True, rng=STORE.rng)
    except Unheard as exc:
        return jsonify({"error": exc.message}), exc.status
    said = {"network": body["network"], "kind": body["kind"], "account": body["account"], **item}
    return jsonify(said), 201


@bp.post("/bulk")
def audience_bulk():
    """`count` items at once for a benchmark: {network, kind, account, count, post?, webhooks?}."""
    body = request.get_json(silent=True) or {}
    problem = _problem(body, "count")
    if problem:
        return jsonify({"error": problem}), 400
    count = body["count"]
    if not isinstance(count, int) or not 1 <= count <= BULK_LIMIT:
        return jsonify({"error": f"count must be a whole number from 1 to {BULK_LIMIT}"}), 400
    rng = random.Random(f"{STORE.seed}-{body['network']}-{body['account']}-{body['kind']}-{count}")
    started = time.perf_counter()
    try:
        with STORE.lock:
            ids = [
                _say(
                    body,
                    text=voices.line(rng),
                    author=voices.fan_name(n // 2),  # a few messages each, so DM threads stay short
                    notify=bool(body.get("webhooks")),
                    rng=rng,
                )["id"]
                for n in range(count)
            ]
    except Unheard as exc:
        return jsonify({"error": exc.message}), exc.status
    seconds = round(time.perf_counter() - started, 3)
    return jsonify({"created": len(ids), "ids": ids, "seconds": seconds}), 201


def _problem(body: Any, extra: str) -> str | None:
    if not isinstance(body, dict):
        return "need a JSON object"
    missing = [k for k in ("network", "kind", "account", extra) if body.get(k) in (None, "")]
    if missing:
        return f"need {', '.join(missing)}"
    if body["network"] not in SPEAKERS:
        return f"unknown network {body['network']!r}; one of {', '.join(sorted(SPEAKERS))}"
    if body["kind"] not in KINDS:
        return f"unknown kind {body['kind']!r}; one of {', '.join(KINDS)}"
    if extra == "text" and not isinstance(body["text"], str):
        return "text must be a string"
    return None


def _say(body: dict[str, Any], *, text: str, author: str | None, notify: bool, rng) -> dict[str, str]:
    wanted = Wanted(
        kind=body["kind"],
        account=str(body["account"]),
        text=text,
        post=str(body["post"]) if body.get("post") else None,
        author=str(author) if author else None,
        notify=notify,
    )
    return SPEAKERS[body["network"]](STORE.networks[body["network"]], wanted, rng)
