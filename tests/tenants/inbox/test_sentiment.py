"""Sentiment of real-looking Italian and English customer comments, and the rules that decide it."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tenants.inbox.lexicon import DATA, expand, sentiment_lexicon
from tenants.inbox.sentiment import Sentiment, score_sentiment
from tenants.inbox.text import fold, tokens
from tests.tenants.inbox.helpers import labelled

HELD_OUT = ("heldout_", "heldout2_", "heldout3_", "heldout4_")


@pytest.mark.parametrize(("label", "text"), labelled("sentiment_it"), ids=lambda value: value[:40])
def test_italian_comment_label(label, text):
    assert score_sentiment(text, "it").label == label


@pytest.mark.parametrize(("label", "text"), labelled("sentiment_en"), ids=lambda value: value[:40])
def test_english_comment_label(label, text):
    assert score_sentiment(text, "en").label == label


@pytest.mark.parametrize("language", ["it", "en"])
def test_accuracy_on_held_out_comments_is_at_least_85_percent(language):
    rows = [row for prefix in HELD_OUT for row in labelled(f"{prefix}sentiment_{language}")]
    wrong = [(label, text) for label, text in rows if score_sentiment(text, language).label != label]
    assert len(rows) >= 30
    assert 1 - len(wrong) / len(rows) >= 0.85, wrong


@pytest.mark.parametrize("language", ["it", "en"])
def test_unknown_language_reads_with_both_lexicons(language):
    rows = labelled(f"sentiment_{language}")
    agree = sum(score_sentiment(text).label == label for label, text in rows)
    assert agree >= 0.9 * len(rows)


def test_negation_turns_praise_into_complaint_and_complaint_into_mild_praise():
    assert score_sentiment("è buono", "it").score > 0 > score_sentiment("non è buono", "it").score
    assert score_sentiment("not good", "en").score < 0 < score_sentiment("not bad", "en").score
    # "Non ... mai" is one negation in Italian, not two that cancel out.
    assert score_sentiment("Non ho mai avuto problemi", "it").label == "positive"
    assert score_sentiment("non funziona", "it").score < score_sentiment("non male", "it").score


def test_negation_stops_at_punctuation():
    assert score_sentiment("Non lo so. Bellissimo!", "it").label == "positive"


def test_intensifiers_exclamations_and_elongations_make_it_stronger():
    plain = score_sentiment("buono", "it").score
    assert score_sentiment("molto buono", "it").score > plain
    assert score_sentiment("buono!!!", "it").score > plain
    assert score_sentiment("buonooo", "it").score > plain
    assert score_sentiment("very bad", "en").score < score_sentiment("bad", "en").score
    assert score_sentiment("TERRIBLE", "en").score < score_sentiment("terrible", "en").score


def test_emoji_and_emoticons_carry_sentiment_and_are_not_negated():
    assert score_sentiment("😍", "").label == "positive"
    assert score_sentiment("🤬", "").label == "negative"
    assert score_sentiment(":)", "").label == "positive"
    assert score_sentiment(":(", "").label == "negative"
    assert score_sentiment("👍🏻", "").label == "positive"  # a skin tone changes nothing
    assert score_sentiment("Non è arrivato 😡", "it").label == "negative"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ancora nessuna risposta", "it"),
        ("Voglio il rimborso", "it"),
        ("È una truffa", "it"),
        ("mai più", "it"),
        ("still waiting", "en"),
        ("I want a refund", "en"),
        ("scam", "en"),
        ("never again", "en"),
        ("#fail", "en"),
    ],
)
def test_customer_care_complaints_are_negative(text, language):
    assert score_sentiment(text, language).label == "negative"


def test_what_follows_but_weighs_more():
    assert score_sentiment("Buono ma carissimo", "it").label == "negative"
    assert score_sentiment("A bit pricey but absolutely delicious", "en").label == "positive"


def test_thanks_or_asking_for_advice_in_a_question_is_not_praise():
    assert score_sentiment("Grazie!", "it").label == "positive"
    assert score_sentiment("Quando riaprite? Grazie!", "it").label == "neutral"
    assert score_sentiment("Lo consigliate?", "it").label == "neutral"
    assert score_sentiment("Consigliatissimo!", "it").label == "positive"
    assert score_sentiment("Which one do you recommend?", "en").label == "neutral"


def test_offensive_words_of_the_composer_checks_are_insults_alone_and_intensifiers_before_praise():
    assert score_sentiment("siete degli stronzi", "it").label == "negative"
    assert score_sentiment("fucking amazing", "en").label == "positive"


def test_words_that_look_like_sentiment_but_are_not():
    assert score_sentiment("Accettate i buoni pasto?", "it").label == "neutral"
    assert score_sentiment("Is the blue one available?", "en").label == "neutral"


def test_score_is_bounded_and_the_result_frozen():
    result = score_sentiment("FANTASTICO!!!!!!! 😍😍😍😍😍😍 bellissimo bellissimo stupendo", "it")
    assert 0.9 < result.score <= 1
    assert score_sentiment("", "").score == 0 and score_sentiment("", "").label == "neutral"
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.label = "negative"  # type: ignore[misc]
    assert isinstance(result, Sentiment)


@pytest.mark.parametrize("name", ["sentiment_it.txt", "sentiment_en.txt", "sentiment_emoji.txt"])
def test_every_lexicon_entry_is_reachable_and_weighed_in_range(name):
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        entry, *weights = line.split("\t")
        assert weights and all(-4 <= float(w) <= 4 for w in weights), line
        for form in expand(entry):
            # A character the tokenizer drops (an emoji outside its ranges) would make the entry unmatchable.
            assert "".join(tokens(form)) == fold(form).replace(" ", "").replace("\ufe0f", ""), line


def test_lexicon_is_read_once():
    assert sentiment_lexicon("it") is sentiment_lexicon("it")


def test_importing_reads_no_file_and_the_first_call_does():
    # Run in a fresh interpreter: this one has long imported and loaded everything.
    script = (
        "import pathlib\n"
        "reads = []\n"
        "original = pathlib.Path.read_text\n"
        "pathlib.Path.read_text = lambda self, *a, **k: reads.append(self.name) or original(self, *a, **k)\n"
        "from tenants.inbox import language, priority, sentiment\n"
        "assert reads == [], reads\n"
        "sentiment.score_sentiment('ottimo', language.detect_language('ottimo'))\n"
        "assert 'sentiment_it.txt' in reads, reads\n"
    )
    root = Path(__file__).resolve().parents[3]
    subprocess.run(
        [sys.executable, "-c", script], check=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)}
    )
