"""Counting rules per network, as the composer and the connectors rely on them."""

from hypothesis import given
from hypothesis import strategies as st

from tenants.networks import (
    NETWORKS,
    grapheme_length,
    text_length,
    utf8_byte_span,
    x_weighted_length,
)


def test_every_network_declares_limits_and_a_counting_rule():
    assert set(NETWORKS) == {"facebook", "instagram", "linkedin", "x", "mastodon", "bluesky"}
    for spec in NETWORKS.values():
        assert spec.text_limit > 0 and spec.max_images > 0
        assert spec.counting in {"chars", "x_weighted", "graphemes"}
    assert "dms" not in NETWORKS["linkedin"].capabilities and "dms" in NETWORKS["x"].capabilities


def test_x_counts_urls_as_23_and_cjk_and_emoji_as_two():
    assert x_weighted_length("ciao") == 4
    assert x_weighted_length("https://example.com/a/very/long/path/that/goes/on?and=on") == 23
    assert x_weighted_length("日本") == 4
    assert x_weighted_length("👍🏽") == 2  # one emoji sequence
    assert x_weighted_length("e\u0301") == x_weighted_length("é") == 1  # NFC first, as X does


def test_bluesky_counts_graphemes_and_facets_use_utf8_bytes():
    assert grapheme_length("👨‍👩‍👧") == 1
    assert text_length("bluesky", "perché 🇮🇹") == 8
    text = "Caffè ☕ #buongiorno"
    start = text.index("#")
    assert utf8_byte_span(text, start, len(text)) == (len("Caffè ☕ ".encode()), len(text.encode()))


def test_mastodon_counts_links_as_23_characters():
    assert (
        text_length("mastodon", "menu: https://trattoria.example/menu/oggi/specialita") == len("menu: ") + 23
    )


@given(st.text())
def test_counts_are_never_negative_and_graphemes_never_exceed_code_points(text):
    assert 0 <= grapheme_length(text) <= len(text)
    assert x_weighted_length(text) >= 0
