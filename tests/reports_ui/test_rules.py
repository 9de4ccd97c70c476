"""Rules the whole reports app keeps: every cached figure is one client's, and every text exists in both
languages with the same placeholders."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from reports_ui.texts import TEXT

REPORTS_UI = Path(__file__).resolve().parents[2] / "reports_ui"


def _cached_functions() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted(REPORTS_UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if ast.unparse(target) in ("st.cache_data", "streamlit.cache_data"):
                        found.append((f"{path.name}:{node.name}", node))
    return found


def test_every_cached_figure_is_keyed_by_its_agency_and_client():
    # A cache entry is shared by every viewer of the process: without the ids among its arguments,
    # one client's figures would be served to another's viewers.
    cached = _cached_functions()
    assert cached, "no st.cache_data function found: the check would prove nothing"
    for name, function in cached:
        arguments = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        assert {"agency_id", "client_id"} <= set(arguments), name


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


@pytest.mark.parametrize("language", sorted(set(TEXT) - {"en"}))
def test_every_text_exists_in_every_language_with_the_same_placeholders(language):
    english, other = TEXT["en"], TEXT[language]
    assert set(other) == set(english)
    for key, template in english.items():
        assert other[key].strip(), key
        assert _placeholders(other[key]) == _placeholders(template), key
