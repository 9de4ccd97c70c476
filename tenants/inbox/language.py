"""Is a comment Italian or English? Votes of known words, then of word endings, offline and cheap."""

from __future__ import annotations

import re
from functools import cache

from tenants.inbox.lexicon import lexicon_words, word_list
from tenants.inbox.text import is_word, tokens

KNOWN_WORD = 1.0  # a word of language_<it|en|other>.txt
SENTIMENT_WORD = 0.75  # a word of only one language's sentiment lexicon
ENDING = 0.5  # an unknown word whose spelling looks like one language
ENOUGH = SENTIMENT_WORD  # the least evidence for an answer: one listed word ("Grazie!", "Bellissimo")
MARGIN = 1.5  # the winner needs this many times the runner-up's votes, else the text is mixed

_IT_ENDINGS = ("zione", "zioni", "mente", "ggio", "ggia", "ggi")
_EN_ENDINGS = ("ing", "ed", "ly", "ness", "ful", "less", "tion", "ght", "ck", "ous")
_EN_ONLY_LETTERS = frozenset("wkyjx")
_RUNS_OF_THREE = re.compile(r"(.)\1{2,}")
NO_VOTE = (0.0, 0.0, 0.0)
MEMO_SIZE = 50_000  # unlisted tokens remembered (names and typos never end, so it is emptied when full)
_MEMO: dict[str, tuple[float, float, float]] = {}


@cache
def _known() -> dict[str, tuple[float, float, float]]:
    """Votes (it, en, other) of every listed word; a word of both languages votes (0, 0, 0)."""
    italian, english = word_list("language_it"), word_list("language_en")
    shared = word_list("language_shared") | (italian & english)
    votes: dict[str, tuple[float, float, float]] = {}
    lexicon_it, lexicon_en = lexicon_words("it"), lexicon_words("en")
    for word in lexicon_it - lexicon_en:
        votes[word] = (SENTIMENT_WORD, 0.0, 0.0)
    for word in lexicon_en - lexicon_it:
        votes[word] = (0.0, SENTIMENT_WORD, 0.0)
    for word in word_list("language_other"):
        votes[word] = (0.0, 0.0, KNOWN_WORD)
    for word in italian:
        votes[word] = (KNOWN_WORD, 0.0, 0.0)
    for word in english:
        votes[word] = (0.0, KNOWN_WORD, 0.0)
    for word in shared | (lexicon_it & lexicon_en):
        votes[word] = NO_VOTE
    return votes


def _spelled(word: str) -> tuple[float, float, float]:
    """An unlisted token's votes, from its spelling (Italian words end in a vowel); none for emoji."""
    known = _known().get(word)
    if known is None and word.endswith("'"):
        # An accent typed as an apostrophe ("perche'"), unless it is an elision ("dell'") known as such.
        word = word[:-1]
        known = _known().get(word)
    if known is None and _RUNS_OF_THREE.search(word):  # "bellissimooo", "sooo"
        for collapsed in (_RUNS_OF_THREE.sub(r"\1", word), _RUNS_OF_THREE.sub(r"\1\1", word)):
            known = _known().get(collapsed)
            if known is not None:
                return known
    if known is not None:
        return known
    if len(word) < 4 or "'" in word or not is_word(word):
        return NO_VOTE
    if not _EN_ONLY_LETTERS.isdisjoint(word) or "th" in word or "sh" in word or word.endswith(_EN_ENDINGS):
        return (0.0, ENDING, 0.0)
    if word.endswith(_IT_ENDINGS) or "zz" in word or "gli" in word or "cch" in word or word[-1] in "aio":
        return (ENDING, 0.0, 0.0)
    if word[-1] not in "aeiou":
        return (0.0, ENDING, 0.0)
    return NO_VOTE


def detect_language(text: str) -> str:
    """ "it", "en", or "" when the text is too short, mixed, in another language or not words at all."""
    known, memo = _known(), _MEMO
    italian = english = other = 0.0
    for token in tokens(text):
        votes = known.get(token) or memo.get(token)
        if votes is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            votes = memo[token] = _spelled(token)
        italian += votes[0]
        english += votes[1]
        other += votes[2]
    best, runner_up, language = (italian, english, "it") if italian > english else (english, italian, "en")
    if best < ENOUGH or best < MARGIN * runner_up or other >= best:
        return ""
    return language
