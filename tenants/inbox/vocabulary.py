"""What each token is to the sentiment scorer: a weighted word, a negation, an intensifier, a "but"..."""

from __future__ import annotations

import re
from functools import cache

from tenants.checks.wordlists import offensive_words
from tenants.inbox.lexicon import sentiment_lexicon

WORD, NEGATOR, BOOSTER, CONTRAST, ARTICLE, NOTHING = range(6)
ELONGATED = 1.2  # "bellissimooo" weighs more than "bellissimo"
SUPERLATIVE = 1.3  # "-issimo" of a listed word
OFFENSIVE, OFFENSIVE_BOOST = -2.5, 1.4  # alone an insult; before a sentiment word an intensifier
MEMO_SIZE = 50_000  # unlisted tokens remembered (names and typos never end, so it is emptied when full)

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
# In a question these are manners ("A che ora aprite? Grazie") or a request ("Che crocchette consigliate?").
MUTED_IN_QUESTIONS = frozenset(["grazie", "ringrazio", "ringraziamo", "thanks", "thank", "thankyou", "thx"])
MUTED_IN_QUESTIONS |= {"ty", "consigliate", "consigli", "consigliereste", "recommend", "suggest"}

# (role, weight, weight after a negation or None for the default turn, muted in questions)
# For a booster the weight is its multiplier and the third field what it weighs on its own ("super!").
Entry = tuple[int, float, float | None, bool]
_UNLISTED: Entry = (NOTHING, 0.0, None, False)
_RUNS_OF_THREE = re.compile(r"(.)\1{2,}")
_SUPERLATIVE = re.compile(r"(.+)issim[oaie]")


class Vocabulary:
    """The roles of the tokens of one lexicon; unlisted tokens are worked out once and remembered."""

    def __init__(self, language: str) -> None:
        lexicon = sentiment_lexicon(language)
        self.phrases = lexicon.phrases
        self.entries: dict[str, Entry] = {
            word: (WORD, weight, lexicon.negated.get(word), word in MUTED_IN_QUESTIONS)
            for word, weight in lexicon.words.items()
        }
        for word, multiplier in BOOSTERS.items():
            self.entries[word] = (BOOSTER, multiplier, lexicon.words.get(word, 0.0), False)
        for words, role in ((CONTRASTS, CONTRAST), (ARTICLES, ARTICLE), (NEGATORS, NEGATOR)):
            self.entries.update(dict.fromkeys(words, (role, 0.0, None, False)))
        self.memo: dict[str, Entry] = {}  # unlisted tokens already worked out

    def entry(self, token: str) -> Entry:
        """The token's role and weights, from the lists or from its spelling ("#fail", "bellissimooo")."""
        found = self.entries.get(token) or self.memo.get(token)
        if found is None:
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            found = self.memo[token] = self._spelled(token)
        return found

    def _spelled(self, token: str) -> Entry:
        entries = self.entries
        if token[0] == "#":
            token = token[1:]
            if token in entries:
                return entries[token]
        if token.endswith("'") and token[:-1] in entries:
            return entries[token[:-1]]
        if _RUNS_OF_THREE.search(token):
            for collapsed in (_RUNS_OF_THREE.sub(r"\1", token), _RUNS_OF_THREE.sub(r"\1\1", token)):
                found = entries.get(collapsed) or self._spelled(collapsed)
                if found[0] != NOTHING:
                    return _scaled(found, ELONGATED)
        superlative = _SUPERLATIVE.fullmatch(token)
        if superlative:
            for ending in "oea":
                found = entries.get(superlative.group(1) + ending)
                if found and found[0] == WORD:
                    return _scaled(found, SUPERLATIVE)
        if token.endswith("mente") and len(token) > 7:
            for base in (token[:-5], token[:-5] + "e"):
                found = entries.get(base)
                if found and found[0] == WORD:
                    return found
        if _offensive().fullmatch(token):
            return (BOOSTER, OFFENSIVE_BOOST, OFFENSIVE, False)
        return _UNLISTED


def _scaled(entry: Entry, factor: float) -> Entry:
    role, weight, negated, muted = entry
    return (role, weight * factor, negated, muted) if role == WORD else entry


@cache
def _offensive() -> re.Pattern[str]:
    """The composer checks' offensive-word lists as one pattern (their stems end in '*')."""
    words = offensive_words()
    alternatives = sorted(words.exact) + [re.escape(stem) + "[a-z']*" for stem in words.stems]
    return re.compile("(?:" + "|".join(alternatives) + ")")


@cache
def vocabulary(language: str) -> Vocabulary:
    """The vocabulary of a lexicon ("it", "en" or "" for both), built on first use."""
    return Vocabulary(language)
