"""The word splitter the checks and moderation rules share: the cheap forms agree with the full ones."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tenants.checks.tokens import word_texts, words
from tenants.checks.wordlists import WordList

PIECES = list("abcèéò’' AB@#$.:/-_0123456789😀\n") + ["http://x.it/a", "www.b.com", "a@b.it"]
SOCIAL = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@given(SOCIAL)
def test_word_texts_are_the_words_without_offsets(text):
    assert word_texts(text) == [w.text for w in words(text)]


def test_links_handles_tags_and_numbers_are_not_words():
    text = "Ciao @anna! Guarda https://x.it/promo e #saldi: 20% su www.shop.it, scrivi a info@shop.it"
    assert word_texts(text) == ["Ciao", "Guarda", "e", "su", "scrivi", "a"]
    assert [(w.text, w.start) for w in words(text)][:2] == [("Ciao", 0), ("Guarda", 12)]


@given(st.lists(st.sampled_from(["pessimo", "rimbors", "rimborso", "truffa", "ok", "r", ""]), max_size=6))
def test_matches_any_agrees_with_matching_word_by_word(candidates):
    wordlist = WordList.from_entries(["pessimo", "rimbors*", "truff*"])
    assert wordlist.matches_any(candidates) == any(wordlist.matches(w) for w in candidates)
