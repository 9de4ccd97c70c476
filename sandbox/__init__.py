"""A local stand-in for the social networks, at their real API paths under per-network prefixes.

Imports nothing of Cadenza's: it plays the networks, it is not part of the product's code.
"""

from __future__ import annotations

import importlib
import time

from flask import Flask, request

from sandbox.audience import SIMULATORS, SPEAKERS, demo_step
from sandbox.audience import bp as audience_bp
from sandbox.control import bp as control_bp
from sandbox.networks import NETWORK_MODULES
from sandbox.state import STORE
from sandbox.ticker import AudienceTicker


def create_app(*, audience_every: float | None = None) -> Flask:
    """The sandbox app with every network module that exists registered.

    `audience_every` (seconds) lets the audience run by itself, one step that often (demos); off by default,
    so tests advance it only through /_control/audience/tick.
    """
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    app.register_blueprint(control_bp)
    app.register_blueprint(audience_bp)
    for name in NETWORK_MODULES:
        try:
            module = importlib.import_module(f"sandbox.networks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"sandbox.networks.{name}":
                raise
            continue
        app.register_blueprint(module.bp)
        for network in getattr(module, "NETWORKS", (name,)):
            STORE.reset_hooks[network] = getattr(module, "seed", lambda state: None)
            if hasattr(module, "simulate"):
                SIMULATORS[network] = module.simulate
            if hasattr(module, "say"):
                SPEAKERS[network] = module.say
    STORE.reset(seed=STORE.seed)
    if audience_every:
        app.extensions["sandbox_audience"] = AudienceTicker(audience_every, demo_step).start()

    @app.before_request
    def _log_request() -> None:
        if not request.path.startswith("/_control"):
            with STORE.lock:
                STORE.requests.append({"method": request.method, "path": request.path, "at": time.time()})
                del STORE.requests[:-2000]

    return app
