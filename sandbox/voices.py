"""What the simulated audience says, and who says it: varied lines in Italian and English, and fan names.

Lines are praise, complaints, questions and thanks, some with emoji; a small share carries characters a
consumer must escape (`<b>`, `&`, quotes), because real people type them. Everything is drawn from the
random generator it is given, so a seeded sandbox says the same things in the same order.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata

FIRST = (
    "Giulia", "Marco", "Sofia", "Luca", "Chiara", "Matteo", "Sara", "Davide", "Alessia", "Francesco",
    "Elena", "Lorenzo", "Martina", "Andrea", "Federica", "Simone", "Emma", "James", "Olivia", "Noah",
    "Hannah", "Tom", "Priya", "Lukas",
)  # fmt: skip
LAST = (
    "Rossi", "Ferrari", "Russo", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo",
    "Conti", "De Luca", "Costa", "Giordano", "Smith", "Müller", "Dubois", "O'Brien", "Novak", "Santos",
)  # fmt: skip

_ITALIAN = {
    "praise": (
        "Che bello! {emoji}",
        "{thing} spettacolare, complimenti a tutto lo staff",
        "Siamo stati da voi {when}: tutto perfetto {emoji}",
        "Il miglior {thing} di {city}, senza dubbio",
        "Bravissimi, come sempre {emoji}",
    ),
    "complaint": (
        "Servizio pessimo {when}, abbiamo aspettato un'ora",
        "{thing} freddo e caro. Peccato.",
        "Ho scritto tre volte e nessuno risponde 😡",
        "Delusa: il {thing} non era come in foto",
        "Prezzi alzati di nuovo? Non ci siamo",
    ),
    "question": (
        "A che ora aprite {day}?",
        "Si può prenotare per {people} persone {day}?",
        "È disponibile anche a {city}?",
        "Fate consegne a domicilio a {city}? {emoji}",
        "Avete opzioni senza glutine?",
        "C'è anche a Milano? https://maps.example/milan",
    ),
    "thanks": (
        "Grazie mille! {emoji}",
        "Grazie per la risposta veloce 🙏",
        "Grazie, ci vediamo {day}!",
    ),
}
_ENGLISH = {
    "praise": (
        "Love this! {emoji}",
        "Best {thing} in {city}, hands down",
        "We came by {when} and it was perfect {emoji}",
        "Amazing team, keep it up {emoji}",
        "Can't stop thinking about that {thing}",
    ),
    "complaint": (
        "Terrible service {when}.",
        "Waited 40 minutes for a cold {thing}. Not ok.",
        "Nobody answers the phone 😤",
        "Your prices went up again? Disappointed.",
        "The {thing} looked nothing like the photo",
    ),
    "question": (
        "When do you open on {day_en}?",
        "Can I book for {people} people on {day_en}?",
        "Is this available in {city}?",
        "Do you deliver to {city}? {emoji}",
        "Any vegan options?",
        "Is this available in Milan? https://maps.example/milan",
    ),
    "thanks": (
        "Thanks a lot! {emoji}",
        "Thank you for the quick reply 🙌",
        "Thanks, see you on {day_en}!",
    ),
}
# Lines people really type that break naive HTML rendering: markup, ampersands, both kinds of quote.
_NEEDS_ESCAPING = (
    "Il <b>tiramisù</b> è il migliore!!",
    "Pasta & fagioli sold out again? 😢",
    'My kid said it\'s the "best pizza ever" <3',
    "Fish & chips > pizza? Never.",
    'Prenotato per "Rossi & figli", 6 persone',
    "<i>Wow</i> & grazie!",
)
_SLOTS = {
    "emoji": ("😍", "🍕", "👏", "❤️", "🔥", "🇮🇹", "✨", "😋", ""),
    "thing": ("tiramisù", "cappuccino", "pizza", "gelato", "risotto", "cornetto", "aperitivo", "brunch"),
    "city": ("Milano", "Roma", "Napoli", "Torino", "Bologna", "London", "Berlin", "Firenze"),
    "when": ("ieri sera", "sabato", "a pranzo", "yesterday", "last night", "on Sunday"),
    "day": ("domenica", "sabato", "lunedì", "a Pasqua", "stasera"),
    "day_en": ("Sunday", "Saturday", "Monday", "Easter", "Friday night"),
    "people": ("2", "4", "6", "8", "12"),
}
ESCAPING_SHARE = 0.06


def line(rng: random.Random) -> str:
    """One thing a fan might write: Italian or English, praise, complaint, question or thanks."""
    if rng.random() < ESCAPING_SHARE:
        return rng.choice(_NEEDS_ESCAPING)
    language = _ITALIAN if rng.random() < 0.55 else _ENGLISH
    mood = rng.choice(("praise", "praise", "complaint", "question", "question", "thanks"))
    template = rng.choice(language[mood])
    filled = template.format(**{name: rng.choice(values) for name, values in _SLOTS.items()})
    return " ".join(filled.split())


def fan_name(index: int) -> str:
    """The index-th of many distinct fan names (they repeat only after every first/last pair was used)."""
    first, last = FIRST[index % len(FIRST)], LAST[(index // len(FIRST)) % len(LAST)]
    return f"{first} {last}"


def handle_of(name: str) -> str:
    """A plausible lowercase handle for a display name (letters, digits and dots)."""
    plain = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    kept = "".join(c if c.isalnum() else "." for c in plain)
    return ".".join(part for part in kept.split(".") if part) or "fan"


def person_number(name: str) -> int:
    """A stable number for a person's name (ten digits at most), for networks' numeric user ids."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % 10**10


def any_fan(rng: random.Random) -> str:
    """A fan's name drawn at random."""
    return fan_name(rng.randrange(len(FIRST) * len(LAST)))
