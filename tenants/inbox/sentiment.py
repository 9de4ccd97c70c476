"""Sentiment of a social comment: lexicon weights, turned by negation, intensifiers, "but", "!" and emoji."""

from __future__ import annotations

import math
from dataclasses import dataclass

from tenants.inbox.lexicon import LANGUAGES
from tenants.inbox.text import PUNCTUATION, tokens
from tenants.inbox.vocabulary import ARTICLE, BOOSTER, CONTRAST, NEGATOR, WORD, vocabulary

# How the parts weigh (in the spirit of VADER: Hutto & Gilbert, 2014).
NEGATED_POSITIVE = -0.75  # "non è buono": a negated praise is a complaint
NEGATED_NEGATIVE = -0.5  # "non male": a negated complaint is only mild praise
NEGATION_REACH = 3  # words after "non"/"not" that it still turns
BOOSTER_REACH = 2  # words after "molto"/"very" within which a sentiment word takes its boost
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5  # "buono ma caro": what follows "but" is what is meant
EXCLAMATION, MAX_EXCLAMATIONS = 0.3, 4
SHOUTING = 1.25  # the whole text in capitals
MUTED_IN_QUESTION = 0.3  # what is left of "grazie" or "consigliate" in a question
NORMALISER = 15.0  # score = total / sqrt(total² + NORMALISER), as VADER's compound
THRESHOLD = 0.2  # |score| below this is neutral


@dataclass(frozen=True)
class Sentiment:
    """A comment's mood: a label and a score from -1 (angry) to 1 (delighted)."""

    label: str  # "positive" | "neutral" | "negative"
    score: float  # -1..1


def _phrase_at(found: tuple[str, ...], at: int, candidates) -> tuple[int, float]:
    """Length and weight of the longest listed phrase starting at `at`, or (0, 0.0)."""
    for parts, weight in candidates:
        if found[at : at + len(parts)] == parts:
            return len(parts), weight
    return 0, 0.0


def _turned(value: float) -> float:
    return value * (NEGATED_POSITIVE if value > 0 else NEGATED_NEGATIVE)


def score_sentiment(text: str, language: str = "") -> Sentiment:
    """Label and score of a comment; `language` ("it", "en", "" for unknown) picks the lexicon."""
    # One loop over local variables and one dictionary look-up per token: this runs for every inbox item.
    words = vocabulary(language if language in LANGUAGES else "")
    entries, memo, entry_of, phrases = words.entries, words.memo, words.entry, words.phrases
    found = tokens(text)
    total = muted = 0.0
    scale = 1.0
    negated_until = -1  # the last position a negation still turns ("non mi è piaciuto")
    boost, boost_until, boost_alone = 1.0, -1, 0.0  # a pending intensifier, its reach, its own weight
    last_at, last = -2, 0.0  # the last sentiment word, for an intensifier right after it ("piace tantissimo")
    exclamations, question = 0, False
    at, count = 0, len(found)
    while at < count:
        token = found[at]
        if at > boost_until >= 0:
            total += boost_alone * scale
            boost, boost_until, boost_alone = 1.0, -1, 0.0
        if token[0] in PUNCTUATION:
            exclamations += token.count("!")
            question = question or "?" in token
            total += boost_alone * scale
            negated_until, boost, boost_until, boost_alone = -1, 1.0, -1, 0.0
            at += 1
            continue
        if token in phrases:
            matched, value = _phrase_at(found, at, phrases[token])
            if matched:
                if at <= negated_until:  # "not worth it", "non ne vale la pena"
                    value = _turned(value)
                value *= boost * scale
                total += value
                if entry_of(token)[3]:
                    muted += value
                last_at, last = at + matched - 1, value
                negated_until, boost, boost_until, boost_alone = -1, 1.0, -1, 0.0
                at += matched
                continue
        role, weight, negated, is_muted = entries.get(token) or memo.get(token) or entry_of(token)
        if role == WORD:
            if at <= negated_until and "a" <= token[0] <= "z":  # emoji are never negated
                weight = _turned(weight) if negated is None else negated
            if weight:
                weight *= boost * scale
                total += weight
                if is_muted:
                    muted += weight
                last_at, last = at, weight
                boost, boost_until, boost_alone = 1.0, -1, 0.0
        elif role == NEGATOR:
            negated_until = at + NEGATION_REACH
        elif role == BOOSTER:
            if last_at == at - 1 and weight > 1:
                total += last * (weight - 1)
                last_at = -2
            else:
                boost, boost_until, boost_alone = weight, at + BOOSTER_REACH, negated or 0.0
        elif role == ARTICLE:
            if at <= negated_until:
                negated_until += 1
        elif role == CONTRAST:
            total *= BEFORE_CONTRAST
            scale = AFTER_CONTRAST
        at += 1
    total += boost_alone * scale
    if question:
        total -= muted * (1 - MUTED_IN_QUESTION)
    if total:
        total += math.copysign(min(exclamations, MAX_EXCLAMATIONS) * EXCLAMATION, total)
        if text.isupper():
            total *= SHOUTING
    score = total / math.sqrt(total * total + NORMALISER)
    label = "positive" if score >= THRESHOLD else "negative" if score <= -THRESHOLD else "neutral"
    return Sentiment(label=label, score=round(score, 4))
