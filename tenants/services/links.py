"""Links in post texts: campaign (UTM) parameters from the client's template, and splitting for previews."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import regex

from tenants.errors import N_, Invalid

URL_RE = regex.compile(r"https?://[^\s<>\"']+", regex.IGNORECASE)
PLACEHOLDERS = ("network", "client", "post")
MAX_TEMPLATE = 500
_PLACEHOLDER = regex.compile(r"\{([^{}]*)\}")
_KEY = regex.compile(r"^[A-Za-z0-9_.\-\[\]]+$")
# Punctuation that ends a sentence rather than the link ("see https://x.example/menu.").
_TRAILING = ".,;:!?…"


def trim_link(url: str) -> str:
    """The link without the sentence punctuation glued to its end; ')' stays when it closes a '('."""
    while url:
        if url[-1] in _TRAILING or (url[-1] == ")" and url.count(")") > url.count("(")):
            url = url[:-1]
        else:
            break
    return url


def _pairs(template: str) -> list[tuple[str, str]]:
    return parse_qsl(template.strip().lstrip("?"), keep_blank_values=True)


def clean_utm_template(value: object) -> str:
    """The template as stored; Invalid unless it reads like 'utm_source={network}&utm_medium=social'."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEMPLATE:
        raise Invalid(N_("Use at most %(n)s characters."), field="utm_template", n=MAX_TEMPLATE)
    template = value.strip().lstrip("?")
    if not template:
        return ""
    try:
        pairs = parse_qsl(template, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise Invalid(
            N_("Write the template as name=value pairs joined by '&'."), field="utm_template"
        ) from exc
    for key, val in pairs:
        if not _KEY.match(key) or not val:
            raise Invalid(N_("Write the template as name=value pairs joined by '&'."), field="utm_template")
        for name in _PLACEHOLDER.findall(val):
            if name not in PLACEHOLDERS:
                raise Invalid(
                    N_("Unknown placeholder {%(name)s}; use {network}, {client} or {post}."),
                    field="utm_template",
                    name=name,
                )
    return template


def _fill(value: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), value)


def _tag(url: str, params: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    present = {key for key, _v in parse_qsl(parts.query, keep_blank_values=True)}
    extra = [(key, value) for key, value in params if key not in present]
    if not extra:
        return url
    query = f"{parts.query}&{urlencode(extra)}" if parts.query else urlencode(extra)
    return urlunsplit(parts._replace(query=query))


def apply_utm(text: str, template: str, *, network: str, client_slug: str, post_id: int | None = None) -> str:
    """Add the template's parameters to every http(s) link, keeping parameters the link already has."""
    if not template or not template.strip():
        return text
    values = {"network": network, "client": client_slug, "post": str(post_id) if post_id else ""}
    # A parameter whose placeholder has no value yet (no post id before the first save) is left out.
    params = [
        (key, _fill(value, values))
        for key, value in _pairs(template)
        if all(values.get(name) for name in _PLACEHOLDER.findall(value))
    ]

    def replace(match: regex.Match) -> str:
        found = match.group()
        url = trim_link(found)
        return _tag(url, params) + found[len(url) :]

    return URL_RE.sub(replace, text)


def preview_parts(text: str) -> list[tuple[str, str]]:
    """The text cut into ('text', ...) and ('link', url) pieces, for previews that render links."""
    parts: list[tuple[str, str]] = []
    position = 0
    for match in URL_RE.finditer(text):
        url = trim_link(match.group())
        if match.start() > position:
            parts.append(("text", text[position : match.start()]))
        parts.append(("link", url))
        position = match.start() + len(url)
    if position < len(text):
        parts.append(("text", text[position:]))
    return parts
