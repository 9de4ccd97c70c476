"""Small web helpers that guard against tricks: where a form may send the browser next."""

from __future__ import annotations

import pytest

from web.views.helpers import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "c/x",
    ],
)
def test_next_never_leaves_the_site(target):
    assert safe_next(target, "/home") == "/home"


def test_next_follows_paths_on_the_site():
    assert safe_next("/c/mario/calendar?view=week", "/home") == "/c/mario/calendar?view=week"
    assert safe_next(None, "/home") == "/home"
