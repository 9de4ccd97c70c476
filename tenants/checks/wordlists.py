"""Word lists as data files (offensive words per language) and matching against a post's words."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tenants.checks.tokens import Word

DATA = Path(__file__).parent / "data"
LANGUAGES = ("it", "en")


@dataclass(frozen=True)
class WordList:
    """Exact words and stems (from entries ending in '*')."""

    exact: frozenset[str]
    stems: tuple[str, ...]

    @classmethod
    def from_entries(cls, entries: list[str] | tuple[str, ...]) -> WordList:
        """Build from entries such as 'cazzo' or 'stronz*' (blank lines and # comments ignored)."""
        cleaned = [e.strip().lower().replace("’", "'") for e in entries]
        cleaned = [e for e in cleaned if e and not e.startswith("#")]
        return cls(
            exact=frozenset(e for e in cleaned if not e.endswith("*")),
            stems=tuple(e[:-1] for e in cleaned if e.endswith("*") and len(e) > 2),
        )

    def matches(self, word: str) -> bool:
        """True when the (lower-case) word is on the list."""
        # str.startswith takes the tuple of stems at once (an empty tuple matches nothing).
        return word in self.exact or word.startswith(self.stems)

    def matches_any(self, words: list[str]) -> bool:
        """True when one of the (lower-case) words is on the list."""
        if not self.exact.isdisjoint(words):
            return True
        stems = self.stems
        return bool(stems) and any(word.startswith(stems) for word in words)

    def __or__(self, other: WordList) -> WordList:
        return WordList(exact=self.exact | other.exact, stems=self.stems + other.stems)


@cache
def offensive_words() -> WordList:
    """The shipped offensive-word lists of every language, merged (a post may mix languages)."""
    merged = WordList(exact=frozenset(), stems=())
    for language in LANGUAGES:
        merged = merged | WordList.from_entries((DATA / f"offensive_{language}.txt").read_text().splitlines())
    return merged


def find(words: list[Word], wordlist: WordList) -> list[Word]:
    """The words of the post that are on the list."""
    return [w for w in words if wordlist.matches(w.lower)]


def find_phrases(text: str, phrases: tuple[str, ...]) -> list[tuple[str, int, int]]:
    """Multi-word entries (a forbidden topic such as 'gratis per sempre') found in the text, any case."""
    found = []
    lowered = text.lower()
    for phrase in phrases:
        needle = phrase.strip().lower()
        if " " not in needle or not needle:
            continue
        start = lowered.find(needle)
        while start != -1:
            found.append((phrase, start, start + len(needle)))
            start = lowered.find(needle, start + 1)
    return found
