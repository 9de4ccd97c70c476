"""Social text as tokens: lower case, accents folded, links and @handles dropped, emoji kept."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_LINKS_AND_HANDLES = re.compile(r"https?://\S+|www\.\S+|@\w+")
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f]")
# Order matters: the first alternative that matches at a position wins. English contractions stay one
# token ("don't"); an Italian elision keeps its apostrophe on the left ("l'", "dell'"), as does an accent
# typed as an apostrophe ("perche'"). Emoticons come before punctuation so ";)" is not split.
_TOKEN = re.compile(
    r"[a-z]+(?:'(?:t|s|m|re|ve|ll|d)\b|')?"
    r"|#[a-z0-9_]+"
    r"|\d+"
    r"|[:;=]'?-?(?:[()\[\]/|*]+|[dp](?![a-z]))|<3+|</3"
    r"|[!?]+|[.,;]+"
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\u203C\u2049]"
)
PUNCTUATION = frozenset("!?.,;")


def fold(text: str) -> str:
    """Lower case without accents ("Perché" -> "perche"), typographic apostrophes made plain."""
    text = text.lower()
    if text.isascii():
        return text
    # Accents decompose into a letter and a combining mark; dropping the marks leaves the bare letters.
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFD", text)).replace("\u2019", "'")


# Ingesting one item asks for its language, its sentiment and whether it is a question: one tokenising.
@lru_cache(maxsize=256)
def tokens(text: str) -> tuple[str, ...]:
    """Words, #hashtags, numbers, emoticons, emoji and punctuation runs of a social text, folded."""
    folded = fold(text)
    if "@" in folded or "http" in folded or "www." in folded:
        folded = _LINKS_AND_HANDLES.sub(" ", folded)
    return tuple(_TOKEN.findall(folded))


def is_word(token: str) -> bool:
    """True for a word token (not a hashtag, number, emoticon, emoji or punctuation)."""
    return "a" <= token[0] <= "z"
