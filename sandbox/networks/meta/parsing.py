"""Request parsing: Graph parameters, field expansion, and the authenticated call they make up."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import request

from sandbox.networks.meta.errors import _fail


class Field(NamedTuple):
    name: str
    modifiers: dict[str, str]
    children: list[Field]


@dataclass
class Call:
    """One authenticated Graph request: who asks (token, grant), about what, on which network."""

    token: dict[str, Any]
    grant: dict[str, Any]
    target: dict[str, Any]
    params: dict[str, Any]
    network: str
    account: str | None
    business_id: str | None


def _params() -> dict[str, Any]:
    """Graph takes parameters in the query string, a form body or a JSON body alike."""
    params: dict[str, Any] = dict(request.args.items())
    params.update(request.form.items())
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        params.update(body)
    return params


def _access_token(params: dict[str, Any]) -> str:
    """The token of a Graph request: a Bearer or OAuth header, or the access_token parameter."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return str(params.get("access_token", ""))


def _json_param(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_NAME = re.compile(r"[A-Za-z0-9_]+")
_MODIFIER = re.compile(r"\.([A-Za-z_]+)\(([^)]*)\)")


def parse_fields(text: str, pos: int = 0) -> tuple[list[Field], int]:
    """Graph's field expansion: `a,b.limit(2).summary(true){c,d{e}},insights.metric(x,y)`."""
    fields: list[Field] = []
    while pos < len(text):
        if text[pos] in ", ":
            pos += 1
            continue
        if text[pos] == "}":
            return fields, pos + 1
        name = _NAME.match(text, pos)
        if not name:
            raise _fail(400, f'Syntax error "Expected name." at character {pos}: {text}', 2500)
        pos, modifiers, children = name.end(), {}, []
        while pos < len(text) and text[pos] in ".{":
            if text[pos] == "{":
                children, pos = parse_fields(text, pos + 1)
                continue
            modifier = _MODIFIER.match(text, pos)
            if not modifier:
                raise _fail(400, f'Syntax error "Expected modifier." at character {pos}: {text}', 2500)
            modifiers[modifier.group(1)] = modifier.group(2)
            pos = modifier.end()
        fields.append(Field(name.group(), modifiers, children))
    return fields, pos


def _fields(text: str | None) -> list[Field] | None:
    return parse_fields(text)[0] if text else None
