"""Questions, and the priority of an inbox item with the reasons the UI shows for it."""

from __future__ import annotations

import pytest

from tenants.inbox.priority import HIGH_REACH, is_question, priority_of, priority_reasons
from tenants.inbox.sentiment import Sentiment

NEGATIVE = Sentiment(label="negative", score=-0.6)
NEUTRAL = Sentiment(label="neutral", score=0.0)
POSITIVE = Sentiment(label="positive", score=0.7)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Aprite domenica?", "it"),
        ("Quando riaprite", "it"),
        ("Ciao, dove siete", "it"),
        ("Buongiorno! Come posso cambiare la taglia", "it"),
        ("Avete la taglia M", "it"),
        ("Posso venire con il cane", "it"),
        ("A che ora chiudete", "it"),
        ("Quanto costa la spedizione", "it"),
        ("C'è parcheggio", "it"),
        ("È possibile prenotare", "it"),
        ("Bellissimo posto. Vorrei sapere gli orari", "it"),
        ("@brand quando arriva il mio ordine", "it"),
        ("Open on Sundays?", "en"),
        ("When do you open", "en"),
        ("Hi guys, do you ship to Canada", "en"),
        ("Where can I find the return form", "en"),
        ("How much is delivery", "en"),
        ("Any update on my order", "en"),
        ("Can I book online", "en"),
        ("Is there parking", "en"),
        ("Great shop. Do you have gift cards", "en"),
        ("quando riaprite", ""),
        ("do you ship", ""),
    ],
)
def test_questions(text, language):
    assert is_question(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bellissimo posto", "it"),
        ("Come sempre, ottimo servizio", "it"),
        ("Che bello!", "it"),
        ("Quanto è bello questo posto", "it"),
        ("Grazie mille, a presto", "it"),
        ("Il negozio è in via Roma", "it"),
        ("Love this!", "en"),
        ("Do not buy from them", "en"),
        ("How lovely!", "en"),
        ("What a view", "en"),
        ("Can't wait for Saturday", "en"),
        ("We are at 12 High Street", "en"),
        ("", ""),
        ("😍😍", ""),
    ],
)
def test_not_questions(text, language):
    assert not is_question(text, language)


def test_a_negative_item_from_a_high_reach_author_is_urgent():
    assert priority_of(sentiment=NEGATIVE, question=False, author_followers=HIGH_REACH, kind="comment") == 3
    assert priority_of(sentiment=NEGATIVE, question=True, author_followers=250_000, kind="mention") == 3


def test_any_other_negative_item_is_high():
    assert priority_of(sentiment=NEGATIVE, question=False, author_followers=120, kind="comment") == 2
    assert priority_of(sentiment=NEGATIVE, question=False, author_followers=None, kind="dm") == 2
    assert (
        priority_of(sentiment=NEGATIVE, question=False, author_followers=HIGH_REACH - 1, kind="comment") == 2
    )


def test_a_question_or_dm_ranks_above_a_plain_positive_comment():
    plain = priority_of(sentiment=POSITIVE, question=False, author_followers=120, kind="comment")
    question = priority_of(sentiment=NEUTRAL, question=True, author_followers=120, kind="comment")
    dm = priority_of(sentiment=POSITIVE, question=False, author_followers=120, kind="dm")
    assert plain == 0
    assert question == dm == 1


def test_a_question_or_dm_from_a_high_reach_author_is_high_and_their_praise_normal():
    assert priority_of(sentiment=NEUTRAL, question=True, author_followers=50_000, kind="comment") == 2
    assert priority_of(sentiment=POSITIVE, question=False, author_followers=50_000, kind="dm") == 2
    assert priority_of(sentiment=POSITIVE, question=False, author_followers=50_000, kind="mention") == 1


def test_neutral_mentions_and_comments_with_no_reach_known_are_low():
    assert priority_of(sentiment=NEUTRAL, question=False, author_followers=None, kind="mention") == 0
    assert priority_of(sentiment=NEUTRAL, question=False, author_followers=0, kind="comment") == 0


def test_reasons_name_every_cause_in_a_fixed_order():
    reasons = priority_reasons(sentiment=NEGATIVE, question=True, author_followers=HIGH_REACH, kind="dm")
    assert reasons == ["negative", "question", "dm", "high_reach"]
    assert priority_reasons(sentiment=POSITIVE, question=False, author_followers=None, kind="comment") == []
    assert priority_reasons(sentiment=NEUTRAL, question=False, author_followers=5, kind="mention") == []
