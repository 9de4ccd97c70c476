"""Pre-publish checks on real Italian and English posts, including ones that must not be flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenants.checks import CheckContext, run_checks

DATA = Path(__file__).parent / "data"


def _codes(text: str, **context) -> list[str]:
    return [f.code for f in run_checks(text, CheckContext(**{"network": "facebook", **context}))]


@pytest.mark.parametrize(("language", "path"), [("it", "clean_posts_it.txt"), ("en", "clean_posts_en.txt")])
def test_ordinary_posts_raise_nothing(language, path):
    posts = [p for p in (DATA / path).read_text().splitlines() if p.strip()]
    findings = {p: run_checks(p, CheckContext(network="facebook", client_locale=language)) for p in posts}
    flagged = {p: [(f.code, f.params) for f in fs] for p, fs in findings.items() if fs}
    assert flagged == {}


def test_misspellings_are_flagged_with_suggestions_in_the_detected_language():
    (it,) = run_checks("Approfitta della promozzione di questa settimana!", CheckContext(network="facebook"))
    assert (it.code, it.params["word"], it.params["language"]) == ("spelling", "promozzione", "it")
    assert "promozione" in it.suggestions and it.severity == "warning"
    text = "Come and recieve your free coffee"
    (en,) = run_checks(text, CheckContext(network="facebook", client_locale="it"))
    assert en.params["language"] == "en" and "receive" in en.suggestions
    assert en.spans == ((text.index("recieve"), text.index("recieve") + len("recieve")),)


def test_hashtags_mentions_links_brands_and_acronyms_are_not_spelling_mistakes():
    text = "Da #Gelatissimoo con @gelatissimo_official: gusti su https://gelatissimo.example/gusti e NFT!"
    assert _codes(text, brand_words=("Gelatissimo",)) == []
    assert _codes("Zorbatello è arrivato: il nuovo zorbatello", brand_words=("Zorbatello",)) == []
    assert _codes("Zorbatello è arrivato: il nuovo zorbatello") == ["spelling", "spelling"]
    # A capital inside a sentence is a name, not a dictionary word.
    assert _codes("Da noi trovi il pistacchio di Bronte") == []


@pytest.mark.parametrize(
    "text",
    [
        "Che cazzo di giornata!",
        "Siete dei coglioni",
        "What the fuck is this",
        "This is bullshit",
        "Stronzate, solo stronzate",
    ],
)
def test_offensive_words_block(text):
    findings = run_checks(text, CheckContext(network="facebook"))
    assert [f.code for f in findings if f.code == "offensive"] == ["offensive"]
    assert next(f for f in findings if f.code == "offensive").blocking


@pytest.mark.parametrize(
    "text",
    [
        "Assistente di sala cercasi",
        "Cocktail al tramonto",
        "Class assessment on Sussex street",
        "Ditalini e ceci",
        "Cornetto al fico",
        "Scunthorpe United fans welcome",
        "Classic cocktails and shiitake",
    ],
)
def test_innocent_words_that_contain_bad_ones_are_not_offensive(text):
    assert "offensive" not in _codes(text, client_locale="en")


def test_client_words_forbidden_words_and_phrases_and_severity_overrides():
    context = dict(forbidden=("concorrenza", "gratis per sempre"), extra_offensive=("sfigato",))
    codes = _codes("Meglio della Concorrenza: gratis per sempre, mica sfigato!", **context)
    assert codes.count("forbidden") == 1 and "offensive" in codes
    relaxed = run_checks(
        "Meglio della concorrenza",
        CheckContext(network="facebook", forbidden=("concorrenza",), severities={"forbidden": "warning"}),
    )
    assert [f.severity for f in relaxed] == ["warning"]


def test_network_rules_length_hashtags_media():
    assert _codes("x" * 281, network="x") == ["length"]
    assert _codes("ciao https://example.com/" + "a" * 300, network="x") == []  # a link counts 23 on X
    assert "length" in _codes("é" * 501, network="mastodon")
    assert "length" not in _codes("é" * 900, network="mastodon", text_limit=1000)
    tags = " ".join(f"#tag{n}" for n in range(31))
    assert _codes(tags, network="instagram", media_count=1) == ["hashtags"]
    assert _codes("Foto del giorno", network="instagram") == ["media"]
    assert _codes("Foto", network="x", media_count=5) == ["media"]


@pytest.mark.parametrize("link", ["http//example.com", "https://localhost", "https://exa mple.com"[:13]])
def test_broken_links_are_flagged(link):
    assert "link" in _codes(f"Scopri di più: {link}")


def test_good_links_are_not():
    assert _codes("Scopri di più: https://trattoria.example/menu?utm_source=fb e www.trattoria.example") == []
