"""Sentiment of a social comment: lexicon weights, turned by negation, intensifiers, "but", "!" and emoji."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from tenants.checks.wordlists import offensive_words
from tenants.inbox.lexicon import LANGUAGES, sentiment_lexicon
from tenants.inbox.text import PUNCTUATION, is_word, tokens

# How the parts weigh (in the spirit of VADER: Hutto & Gilbert, 2014).
NEGATED_POSITIVE = -0.75  # "non è buono": a negated praise is a complaint
NEGATED_NEGATIVE = -0.5  # "non male": a negated complaint is only mild praise
NEGATION_REACH = 3  # words after "non"/"not" that it still turns
BOOSTER_REACH = 2  # words after "molto"/"very" within which a sentiment word takes its boost
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5  # "buono ma caro": what follows "but" is what is meant
EXCLAMATION, MAX_EXCLAMATIONS = 0.3, 4
SHOUTING = 1.25  # the whole text in capitals
ELONGATED = 1.2  # "bellissimooo"
SUPERLATIVE = 1.3  # "-issimo" of a listed word
OFFENSIVE, OFFENSIVE_BOOST = -2.5, 1.4  # alone an insult; before a sentiment word an intensifier
POLITE_IN_QUESTION = 0.3  # "grazie" closing a question is manners, not praise
NORMALISER = 15.0  # score = total / sqrt(total² + NORMALISER), as VADER's compound
THRESHOLD = 0.2  # |score| below this is neutral

NEGATORS = frozenset(
    ["non", "nn", "mai", "nessun", "nessuno", "nessuna", "niente", "nulla", "senza", "mica", "zero"]
    + ["neanche", "nemmeno", "neppure", "manco"]
    + ["not", "no", "never", "nobody", "none", "nothing", "neither", "nor", "without", "cannot", "nowhere"]
    + ["hardly", "barely", "don't", "dont", "doesn't", "doesnt", "didn't", "didnt", "isn't", "isnt"]
    + ["wasn't", "wasnt", "aren't", "arent", "weren't", "werent", "won't", "wont", "wouldn't", "wouldnt"]
    + ["can't", "cant", "couldn't", "couldnt", "shouldn't", "shouldnt", "haven't", "havent", "hasn't"]
    + ["hasnt", "hadn't", "hadnt", "ain't", "aint"]
)
BOOSTERS = {
    **dict.fromkeys(["molto", "davvero", "veramente", "proprio", "troppo", "assolutamente"], 1.3),
    **dict.fromkeys(["decisamente", "estremamente", "incredibilmente", "tantissimo"], 1.4),
    **dict.fromkeys(["tanto", "cosi", "piu", "parecchio", "particolarmente", "super"], 1.2),
    **dict.fromkeys(["very", "really", "so", "too", "totally", "completely", "absolutely"], 1.3),
    **dict.fromkeys(["truly", "highly", "such"], 1.3),
    **dict.fromkeys(["extremely", "incredibly", "utterly", "insanely", "seriously"], 1.4),
    **dict.fromkeys(["quite", "pretty", "most"], 1.1),
    **dict.fromkeys(["abbastanza", "piuttosto", "quasi", "leggermente", "po'"], 0.7),
    **dict.fromkeys(["kinda", "somewhat", "fairly", "slightly", "bit"], 0.7),
    "poco": -0.6,  # "poco professionale" is unprofessional
}
# Articles do not use up a negation's reach: "never had a single issue", "non ho avuto nessun problema".
ARTICLES = frozenset(["a", "an", "the", "any", "single", "one", "il", "lo", "la", "i", "gli", "le", "l'"])
ARTICLES |= {"un", "uno", "una", "un'"}
CONTRASTS = frozenset(["ma", "pero", "tuttavia", "but", "however"])
POLITE = frozenset(["grazie", "ringrazio", "ringraziamo", "thanks", "thank", "thankyou", "thx", "ty"])
_NEGATOR, _BOOSTER, _CONTRAST = 1, 2, 3
_ROLES = {
    **{word: _BOOSTER for word in BOOSTERS},
    **{word: _CONTRAST for word in CONTRASTS},
    **{word: _NEGATOR for word in NEGATORS},
}
_RUNS_OF_THREE = re.compile(r"(.)\1{2,}")
_SUPERLATIVE = re.compile(r"(.+)issim[oaie]")
_OFFENSIVE_MARK = "\0offensive"


@dataclass(frozen=True)
class Sentiment:
    """A comment's mood: a label and a score from -1 (angry) to 1 (delighted)."""

    label: str  # "positive" | "neutral" | "negative"
    score: float  # -1..1


@cache
def _offensive() -> re.Pattern[str]:
    """The checks' offensive-word lists as one pattern (their stems end in '*')."""
    words = offensive_words()
    alternatives = sorted(words.exact) + [re.escape(stem) + "[a-z']*" for stem in words.stems]
    return re.compile("(?:" + "|".join(alternatives) + ")")


@lru_cache(maxsize=65536)
def _listed_form(language: str, token: str) -> tuple[str, float] | None:
    """An unlisted token's listed form and what its spelling adds: "bellissimooo" -> ("bellissimo", 1.2)."""
    words = sentiment_lexicon(language).words

    def known(form: str) -> bool:
        return form in words or form in _ROLES

    if token[0] == "#":
        token = token[1:]
        if known(token):
            return token, 1.0
    if token.endswith("'") and known(token[:-1]):
        return token[:-1], 1.0
    if _RUNS_OF_THREE.search(token):
        for collapsed in (_RUNS_OF_THREE.sub(r"\1", token), _RUNS_OF_THREE.sub(r"\1\1", token)):
            if known(collapsed):
                return collapsed, ELONGATED
            found = _listed_form(language, collapsed) if collapsed != token else None
            if found:
                return found[0], found[1] * ELONGATED
    superlative = _SUPERLATIVE.fullmatch(token)
    if superlative:
        for ending in "oea":
            if superlative.group(1) + ending in words:
                return superlative.group(1) + ending, SUPERLATIVE
    if token.endswith("mente") and len(token) > 7:
        for base in (token[:-5], token[:-5] + "e"):
            if base in words:
                return base, 1.0
    if _offensive().fullmatch(token):
        return _OFFENSIVE_MARK, 1.0
    return None


def _phrase_at(found: tuple[str, ...], at: int, candidates) -> tuple[int, float]:
    """Length and weight of the longest listed phrase starting at `at`, or (0, 0.0)."""
    for parts, weight in candidates:
        if found[at : at + len(parts)] == parts:
            return len(parts), weight
    return 0, 0.0


def score_sentiment(text: str, language: str = "") -> Sentiment:
    """Label and score of a comment; `language` ("it", "en", "" for unknown) picks the lexicon."""
    # One loop over local variables, no objects per token: this runs for every item the inbox ingests.
    language = language if language in LANGUAGES else ""
    lexicon = sentiment_lexicon(language)
    weights, negated_weights, phrases = lexicon.words, lexicon.negated, lexicon.phrases
    found = tokens(text)
    total = polite = 0.0
    scale = 1.0
    negated_until = -1  # the last position a negation still turns ("non mi è piaciuto")
    boost, boost_until, boost_alone = 1.0, -1, 0.0  # a pending intensifier, its reach, its own weight
    last_at, last = -2, 0.0  # the last sentiment word, for an intensifier right after it ("piace tantissimo")
    exclamations, question = 0, False
    at, count = 0, len(found)
    while at < count:
        token = found[at]
        if boost_until >= 0 and at > boost_until:
            total += boost_alone * scale
            boost, boost_until, boost_alone = 1.0, -1, 0.0
        if token[0] in PUNCTUATION:
            exclamations += token.count("!")
            question = question or "?" in token
            total += boost_alone * scale
            negated_until, boost, boost_until, boost_alone = -1, 1.0, -1, 0.0
            at += 1
            continue
        matched, weight = _phrase_at(found, at, phrases.get(token, ()))
        if matched:
            value = weight
            if at <= negated_until:  # "not worth it", "non ne vale la pena"
                value *= NEGATED_POSITIVE if value > 0 else NEGATED_NEGATIVE
            value *= boost * scale
            total += value
            polite += value if token in POLITE else 0.0
            last_at, last = at + matched - 1, value
            negated_until, boost, boost_until, boost_alone = -1, 1.0, -1, 0.0
            at += matched
            continue
        factor = 1.0
        weight = weights.get(token)
        role = _ROLES.get(token)
        if weight is None and role is None:
            listed = _listed_form(language, token)
            if listed is not None:
                token, factor = listed
                weight, role = weights.get(token), _ROLES.get(token)
        if role == _NEGATOR:
            negated_until = at + NEGATION_REACH
        elif role == _CONTRAST:
            total *= BEFORE_CONTRAST
            scale = AFTER_CONTRAST
        elif role == _BOOSTER or token == _OFFENSIVE_MARK:
            multiplier = BOOSTERS.get(token, OFFENSIVE_BOOST)
            if last_at == at - 1 and multiplier > 1:
                total += last * (multiplier - 1)
                last_at = -2
            else:
                boost, boost_until = multiplier, at + BOOSTER_REACH
                boost_alone = OFFENSIVE if token == _OFFENSIVE_MARK else (weight or 0.0)
        elif token in ARTICLES:
            if at <= negated_until:
                negated_until += 1
        elif weight is not None:
            negated = at <= negated_until and is_word(token)
            value = weight * factor
            if negated:
                turned = value * (NEGATED_POSITIVE if value > 0 else NEGATED_NEGATIVE)
                value = negated_weights.get(token, turned)
            if value:
                value *= boost * scale
                total += value
                polite += value if token in POLITE else 0.0
                last_at, last = at, value
                boost, boost_until, boost_alone = 1.0, -1, 0.0
        at += 1
    total += boost_alone * scale
    if question:
        total -= polite * (1 - POLITE_IN_QUESTION)
    if total:
        total += math.copysign(min(exclamations, MAX_EXCLAMATIONS) * EXCLAMATION, total)
        if text.isupper():
            total *= SHOUTING
    score = total / math.sqrt(total * total + NORMALISER)
    label = "positive" if score >= THRESHOLD else "negative" if score <= -THRESHOLD else "neutral"
    return Sentiment(label=label, score=round(score, 4))
