"""The one import rule: arrows point down (web -> worker -> tenants, reports_ui -> tenants)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "tenants": {
        "flask",
        "flask_login",
        "flask_wtf",
        "flask_babel",
        "flask_limiter",
        "rq",
        "streamlit",
        "web",
        "worker",
        "reports_ui",
        "werkzeug",
        "sandbox",
        "httpx",  # network I/O lives in worker/
    },
    "worker": {
        "flask",
        "flask_login",
        "flask_wtf",
        "flask_babel",
        "web",
        "reports_ui",
        "streamlit",
        "sandbox",
    },
    "reports_ui": {"flask", "rq", "web", "worker", "sandbox"},
    "sandbox": {"tenants", "worker", "web", "reports_ui"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_the_import_rule(package):
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        bad = _imports(path) & FORBIDDEN[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_importing_the_packages_opens_no_connection(monkeypatch):
    """No import-time side effects: importing everything must not read settings or connect."""
    import importlib
    import sys

    from tenants import settings as settings_module

    calls = []
    monkeypatch.setattr(
        settings_module.Settings, "from_env", classmethod(lambda cls, env=None: calls.append(1))
    )
    saved = dict(sys.modules)
    ours = {"web", "worker", "tenants", "sandbox", "reports_ui"}
    try:
        for name in [m for m in list(sys.modules) if m.split(".")[0] in ours and m != "tenants.settings"]:
            sys.modules.pop(name, None)
        for module in (
            "tenants.models",
            "tenants.services.clients",
            "worker.jobs.mail",
            "worker.main",
            "worker.networks.registry",
            "web",
            "web.cli",
            "sandbox",
            "reports_ui.data",
        ):
            importlib.import_module(module)
    finally:
        # Later tests must keep using the very classes (exceptions, models) they imported.
        sys.modules.clear()
        sys.modules.update(saved)
    assert calls == []
