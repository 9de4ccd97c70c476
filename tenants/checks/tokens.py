"""Split a post into the words to check, leaving out URLs, hashtags, mentions, e-mails and numbers."""

from __future__ import annotations

from dataclasses import dataclass

import regex

# Order matters: the first alternative that matches at a position wins.
_SKIP = regex.compile(
    r"https?:?/{0,2}\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@[\w.]+(?:@[\w.-]+)?|#\w+|\$\w+|\d[\d.,:/%]*",
    regex.IGNORECASE,
)
_WORD = regex.compile(r"\p{L}+(?:['’]\p{L}+)*")


@dataclass(frozen=True)
class Word:
    """A word and where it sits in the text (character offsets)."""

    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        """The word in lower case, with typographic apostrophes made plain."""
        return self.text.lower().replace("’", "'")


def words(text: str) -> list[Word]:
    """The words of the text outside URLs, hashtags, mentions, e-mails, cashtags and numbers."""
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(_masked(text))]


def word_texts(text: str) -> list[str]:
    """words() without their offsets: only the words as written (cheaper, for matching many texts)."""
    return _WORD.findall(_masked(text))


def _masked(text: str) -> str:
    """The text with what is not prose blanked out, each character by a space so offsets hold."""
    return _SKIP.sub(_blank, text)


def _blank(match: regex.Match) -> str:
    return " " * (match.end() - match.start())


def hashtags(text: str) -> list[str]:
    """The hashtags in the text, as written."""
    return regex.findall(r"(?<![\w&])#\w+", text)


def urls(text: str) -> list[tuple[str, int, int]]:
    """Things that look like links, with their offsets (including broken ones such as 'http//x')."""
    pattern = regex.compile(r"(?:https?:?/{0,2}|www\.)[^\s<>\"']+", regex.IGNORECASE)
    return [
        (m.group().rstrip(".,;:!?)"), m.start(), m.start() + len(m.group().rstrip(".,;:!?)")))
        for m in pattern.finditer(text)
    ]
