"""LinkedIn's little text format: what must be escaped, and the plain text readers see."""

from __future__ import annotations

import re

_RESERVED = set("\\|{}@[]()<>#*_~")
_URL = re.compile(r"https?://[^\s|{}\[\]()<>\\]+")
_MENTION = re.compile(r"@\[([^\]\\]*)\]\(urn:li:(?:person|organization):[^)\s]+\)")
_HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|\\#\|(\w+)\}")
_HASHTAG = re.compile(r"#\w+")


def _little_text_error(text: str) -> str | None:
    """Where `text` breaks the little text format (an unescaped reserved character), if anywhere."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        patterns = (_URL, _MENTION, _HASHTAG_TEMPLATE, _HASHTAG)
        match = next((m for p in patterns if (m := p.match(text, i))), None)
        if match:
            i = match.end()
        elif text[i] in _RESERVED:
            return f"unescaped reserved character {text[i]!r} at position {i}"
        else:
            i += 1
    return None


def _plain(text: str) -> str:
    """What readers see: templates and mentions rendered, escapes removed."""
    text = _HASHTAG_TEMPLATE.sub(lambda m: "#" + m.group(1), text)
    text = _MENTION.sub(lambda m: m.group(1), text)
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)
