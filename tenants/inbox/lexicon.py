"""The inbox's data files (sentiment lexicons, language word lists), read once on first use."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tenants.inbox.text import fold, tokens

DATA = Path(__file__).parent / "data"
LANGUAGES = ("it", "en")
_BRACES = re.compile(r"\{([^}]*)\}")
_LEXICON_FILES = {"it": ("en", "it"), "en": ("en",)}


def expand(entry: str) -> list[str]:
    """Inflections written once: "pessim{o,a,i,e}" -> pessimo, pessima, pessimi, pessime."""
    match = _BRACES.search(entry)
    if not match:
        return [entry]
    head, tail = entry[: match.start()], entry[match.end() :]
    return [form for ending in match.group(1).split(",") for form in expand(head + ending + tail)]


def _lines(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@dataclass
class Lexicon:
    """Weights of words and phrases (-4..4); what a word weighs after a negation, where that differs."""

    words: dict[str, float] = field(default_factory=dict)
    negated: dict[str, float] = field(default_factory=dict)
    # Keyed by a phrase's first token, longest first: "ancora nessuna risposta" beats "nessuna risposta".
    phrases: dict[str, list[tuple[tuple[str, ...], float]]] = field(default_factory=dict)

    def add_file(self, name: str) -> None:
        """Add the entries of one data file (entry<TAB>weight[<TAB>weight when negated])."""
        for row in _lines(name):
            entry, weight = row[0], float(row[1])
            negated = float(row[2]) if len(row) > 2 else None
            for form in expand(entry):
                self._add(form, weight, negated)
        for candidates in self.phrases.values():
            candidates.sort(key=lambda phrase: -len(phrase[0]))

    def _add(self, form: str, weight: float, negated: float | None) -> None:
        # Phrases and emoticons go through the same tokenizer as the texts they are matched against.
        parts = tokens(form)
        if len(parts) > 1:
            self.phrases.setdefault(parts[0], []).append((parts, weight))
            return
        word = parts[0] if parts else fold(form)
        self.words[word] = weight
        if negated is not None:
            self.negated[word] = negated


@cache
def sentiment_lexicon(language: str) -> Lexicon:
    """The lexicon for a language ("it", "en", or anything else for both, English winning ties)."""
    lexicon = Lexicon()
    # Italian social text borrows English ("top", "fail", "love"), so Italian reads English first and
    # overrides it; English does without Italian, whose "male", "pure" and "fine" mean other things there.
    for name in _LEXICON_FILES.get(language, ("it", "en")):
        lexicon.add_file(f"sentiment_{name}.txt")
    lexicon.add_file("sentiment_emoji.txt")
    return lexicon


@cache
def lexicon_words(language: str) -> frozenset[str]:
    """The single words (not phrases) of one language's sentiment file, every inflection spelled out."""
    lexicon = Lexicon()
    lexicon.add_file(f"sentiment_{language}.txt")
    return frozenset(lexicon.words)


@cache
def word_list(name: str) -> frozenset[str]:
    """A one-word-a-line data file, folded (accents dropped, lower case)."""
    return frozenset(fold(row[0]) for row in _lines(f"{name}.txt"))
