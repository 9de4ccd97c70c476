"""UTM parameters from the client's template: every link tagged, existing parameters and fragments kept."""

from __future__ import annotations

import pytest

from tenants.errors import Invalid
from tenants.services.links import apply_utm, clean_utm_template, preview_parts

TEMPLATE = "utm_source={network}&utm_medium=social&utm_campaign={client}"


def _utm(text: str, template: str = TEMPLATE, **kw) -> str:
    return apply_utm(text, template, network=kw.pop("network", "x"), client_slug="da-mario", **kw)


def test_every_link_gets_the_template_with_placeholders_filled():
    text = "Menu: https://damario.example/menu and http://damario.example/?lang=it"
    assert _utm(text) == (
        "Menu: https://damario.example/menu?utm_source=x&utm_medium=social&utm_campaign=da-mario"
        " and http://damario.example/?lang=it&utm_source=x&utm_medium=social&utm_campaign=da-mario"
    )


def test_existing_utm_parameters_are_not_overridden():
    text = "https://damario.example/?utm_source=newsletter&utm_campaign=estate"
    assert (
        _utm(text) == "https://damario.example/?utm_source=newsletter&utm_campaign=estate&utm_medium=social"
    )


def test_fragment_is_kept_after_the_query():
    assert _utm("https://damario.example/menu#pizze", network="mastodon") == (
        "https://damario.example/menu?utm_source=mastodon&utm_medium=social&utm_campaign=da-mario#pizze"
    )


def test_sentence_punctuation_stays_outside_the_link():
    assert _utm("Prenota (https://damario.example/book).", "utm_medium=social") == (
        "Prenota (https://damario.example/book?utm_medium=social)."
    )
    assert _utm("https://en.wikipedia.example/wiki/Pizza_(dish)!", "utm_medium=social") == (
        "https://en.wikipedia.example/wiki/Pizza_(dish)?utm_medium=social!"
    )


def test_no_template_no_links_and_missing_post_id_change_nothing_they_should_not():
    assert _utm("https://damario.example/", "") == "https://damario.example/"
    assert _utm("Nessun link qui.") == "Nessun link qui."
    assert _utm("https://damario.example/", "utm_content=post-{post}") == "https://damario.example/"
    assert _utm("https://damario.example/", "utm_content={post}") == "https://damario.example/"
    assert _utm("https://damario.example/", "utm_content={post}", post_id=42) == (
        "https://damario.example/?utm_content=42"
    )


def test_values_are_url_encoded():
    assert _utm("https://damario.example/", "utm_campaign=estate 2026&x=a%26b") == (
        "https://damario.example/?utm_campaign=estate+2026&x=a%26b"
    )


def test_template_validation():
    assert clean_utm_template("  ?utm_source={network}&utm_medium=social ") == (
        "utm_source={network}&utm_medium=social"
    )
    assert clean_utm_template("") == "" and clean_utm_template(None) == ""
    for bad in ("utm_source", "=social", "utm_source={nope}", "utm_medium=", "a b=c", "x" * 501):
        with pytest.raises(Invalid):
            clean_utm_template(bad)


def test_preview_parts_split_links_from_text():
    assert preview_parts("Vieni! https://damario.example/menu.\nCiao") == [
        ("text", "Vieni! "),
        ("link", "https://damario.example/menu"),
        ("text", ".\nCiao"),
    ]
    assert preview_parts("") == []
