"""Which inbox items to answer first, and why: sentiment, questions, DMs and the author's reach."""

from __future__ import annotations

from tenants.inbox.sentiment import Sentiment
from tenants.inbox.text import tokens

HIGH_REACH = 10_000  # followers from which an author's complaint is seen by many

LOW, NORMAL, HIGH, URGENT = 0, 1, 2, 3

# Words before the question itself: "Ciao, quando riaprite", "Hi guys, do you ship".
_PREAMBLE = frozenset(
    ["ciao", "salve", "buongiorno", "buonasera", "buondi", "ehi", "hey", "hi", "hello", "hiya", "scusate"]
    + ["scusa", "scusi", "ragazzi", "raga", "ma", "allora", "quindi", "ok", "guys", "sorry", "so", "just"]
    + ["and", "but", "ps", ","]
)
# An opening word that asks whatever follows, or only before one of the listed words ("come posso", not
# "come sempre"; "do you", not "do not buy"; "how much", not "how lovely").
_ASKS_IT: dict[str, frozenset[str] | None] = {
    "quando": None,
    "dove": None,
    "perche": None,
    "cosa": None,
    "chi": None,
    "quale": None,
    "quali": None,
    "avete": None,
    "potete": None,
    "potreste": None,
    "posso": None,
    "possiamo": None,
    "vendete": None,
    "spedite": None,
    "consegnate": None,
    "accettate": None,
    "sapete": None,
    "fate": None,
    "info": None,
    "informazioni": None,
    "qualcuno": None,
    "come": frozenset(["faccio", "posso", "si", "mai", "funziona", "devo", "possiamo", "fare", "prenoto"]),
    "quanto": frozenset(["costa", "costano", "tempo", "ci", "dura", "manca", "viene", "vengono", "devo"]),
    "quanti": frozenset(["giorni", "posti", "pezzi", "anni", "ne"]),
    "che": frozenset(["ora", "orari", "orario", "giorno", "giorni", "prezzo", "prezzi", "taglia", "tipo"]),
    "a": frozenset(["che", "quanto", "quale", "chi"]),
    "in": frozenset(["che", "quale", "quanto", "quanti"]),
    "si": frozenset(["puo", "possono"]),
    "c'": frozenset(["e"]),
    "ci": frozenset(["sono"]),
    "vorrei": frozenset(["sapere", "informazioni", "info"]),
    "volevo": frozenset(["sapere", "chiedere"]),
    "mi": frozenset(["sapete", "potete", "dite", "dareste"]),
    "e": frozenset(["possibile"]),
}
_SUBJECTS = frozenset(["i", "you", "u", "we", "they", "it", "there", "this", "that", "the", "my", "your"])
_SUBJECTS |= {"anyone", "anybody", "someone", "he", "she", "these", "those"}
_ASKS_EN: dict[str, frozenset[str] | None] = {
    "when": None,
    "where": None,
    "why": None,
    "who": None,
    "which": None,
    "whats": None,
    "what's": None,
    "where's": None,
    "when's": None,
    "any": None,
    "anyone": None,
    "anybody": None,
    "wondering": None,
    "what": frozenset(["time", "is", "are", "do", "does", "did", "was", "about", "happened", "should"]),
    "how": frozenset(["do", "does", "did", "can", "could", "much", "many", "long", "often", "is", "are"])
    | {"to", "soon", "far", "come"},
    "do": _SUBJECTS,
    "does": _SUBJECTS,
    "did": _SUBJECTS,
    "can": _SUBJECTS,
    "could": _SUBJECTS,
    "would": _SUBJECTS,
    "will": _SUBJECTS,
    "is": _SUBJECTS,
    "are": _SUBJECTS,
    "was": _SUBJECTS,
    "have": _SUBJECTS,
    "has": _SUBJECTS,
    "should": _SUBJECTS,
    "i'd": frozenset(["like"]),
}
_ASKS = {"it": _ASKS_IT, "en": _ASKS_EN, "": {**_ASKS_EN, **_ASKS_IT}}
_SENTENCE_END = frozenset(".!;")


def is_question(text: str, language: str) -> bool:
    """True when the text has a "?" or a sentence opens like a question ("quando riaprite", "do you ship")."""
    found = tokens(text)
    asks = _ASKS.get(language, _ASKS[""])
    at_start = True
    for at, token in enumerate(found):
        if "?" in token:
            return True
        if token[0] in _SENTENCE_END:
            at_start = True
        elif at_start and token not in _PREAMBLE:
            at_start = False
            if token in asks:
                followers = asks[token]
                following = found[at + 1] if at + 1 < len(found) else ""
                if followers is None or following in followers:
                    return True
    return False


def priority_reasons(
    *, sentiment: Sentiment, question: bool, author_followers: int | None, kind: str
) -> list[str]:
    """What makes the item matter, as keys the UI translates: "negative", "question", "dm", "high_reach"."""
    reasons = []
    if sentiment.label == "negative":
        reasons.append("negative")
    if question:
        reasons.append("question")
    if kind == "dm":
        reasons.append("dm")
    if author_followers is not None and author_followers >= HIGH_REACH:
        reasons.append("high_reach")
    return reasons


def priority_of(*, sentiment: Sentiment, question: bool, author_followers: int | None, kind: str) -> int:
    """0 (low) to 3 (urgent), from the reasons, first rule that holds:

    3 urgent: a negative item from an author with at least HIGH_REACH followers (many will see it);
    2 high:   any other negative item, or a question or DM from a high-reach author;
    1 normal: a question, a DM, or anything from a high-reach author (someone waits for an answer);
    0 low:    the rest: praise and neutral comments and mentions (nice to answer, nobody waits).
    An unknown follower count counts as low reach.
    """
    reasons = set(
        priority_reasons(sentiment=sentiment, question=question, author_followers=author_followers, kind=kind)
    )
    high_reach = "high_reach" in reasons
    asks = "question" in reasons or "dm" in reasons
    if "negative" in reasons:
        return URGENT if high_reach else HIGH
    if asks and high_reach:
        return HIGH
    if asks or high_reach:
        return NORMAL
    return LOW
