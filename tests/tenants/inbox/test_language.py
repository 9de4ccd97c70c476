"""Language of inbox items: Italian, English, or none, on short and messy social text."""

from __future__ import annotations

import pytest

from tenants.inbox.language import detect_language
from tests.tenants.inbox.helpers import labelled

SENTIMENT_SETS = [
    f"{kind}sentiment_{language}"
    for kind in ("", "heldout_", "heldout2_", "heldout3_", "heldout4_")
    for language in ("it", "en")
]


@pytest.mark.parametrize(("expected", "text"), labelled("language"), ids=lambda value: value[:40])
def test_language_of_short_social_texts(expected, text):
    assert detect_language(text) == ("" if expected == "-" else expected)


@pytest.mark.parametrize("name", SENTIMENT_SETS)
def test_customer_comments_are_never_taken_for_the_other_language(name):
    language = name[-2:]
    detected = [(detect_language(text), text) for _, text in labelled(name)]
    assert [text for found, text in detected if found not in (language, "")] == []
    # A comment made only of shared words ("TOP!!! 🔥🔥") may stay unknown; hardly any should.
    assert sum(found == language for found, _ in detected) >= 0.95 * len(detected)


def test_accents_typed_as_apostrophes_or_left_out_still_read_as_italian():
    assert detect_language("perche' piu' nessuno risponde") == "it"
    assert detect_language("PERCHE NESSUNO RISPONDE") == "it"


def test_links_handles_and_hashtags_cast_no_vote():
    english_noise = "@thebestshop https://www.example.com/best-price-in-town #blackfriday #deals"
    assert detect_language(f"{english_noise} quando arriva il mio ordine?") == "it"
    assert detect_language(english_noise) == ""


def test_a_text_with_as_much_of_each_language_is_mixed():
    assert detect_language("Grazie, thanks!") == ""
    assert detect_language("Grazie mille for everything, thank you") == "en"
