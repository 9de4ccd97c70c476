"""CPU per inbox item of the triage done at ingest: language, sentiment, question, priority (one core).

Runs over the labelled comments of the inbox tests as they are (short: ~43 characters) and joined into
comments of 90+ characters. Each round makes every text unique so the per-text tokens cache never helps
across rounds; per-word memos stay warm, as in a long-running worker. Times are the process's CPU time,
so other processes on a shared machine do not count; the best round is reported beside the median.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from tenants.inbox.language import detect_language
from tenants.inbox.priority import is_question, priority_of
from tenants.inbox.sentiment import score_sentiment

COMMENTS = Path(__file__).resolve().parent.parent / "tests" / "tenants" / "inbox" / "data"
ROUNDS = 15
LONG = 90


def _comments() -> list[list[str]]:
    """The comments of each labelled file."""
    files = []
    for path in sorted(COMMENTS.glob("*sentiment_*.tsv")):
        lines = path.read_text(encoding="utf-8").splitlines()
        files.append([line.split("\t", 1)[1] for line in lines if line.strip() and not line.startswith("#")])
    return files


def _joined(comments: list[str]) -> list[str]:
    """Consecutive comments of one file run together until each text has LONG characters or more."""
    texts, current = [], ""
    for comment in comments:
        current = f"{current} {comment}" if current else comment
        if len(current) >= LONG:
            texts.append(current)
            current = ""
    return texts


def _triage(text: str) -> int:
    language = detect_language(text)
    return priority_of(
        sentiment=score_sentiment(text, language),
        question=is_question(text, language),
        author_followers=1200,
        kind="comment",
    )


STEPS = {
    "detect_language": detect_language,
    "score_sentiment": lambda text: score_sentiment(text, "it"),
    "is_question": lambda text: is_question(text, "it"),
    "triage": _triage,
}


def _measure(texts: list[str]) -> dict:
    """Best and median CPU µs per item of each step over the rounds."""
    # A different suffix each round defeats the per-text tokens cache, which is meant for one item only.
    batches = [[f"{text} {n}" for text in texts] for n in range(ROUNDS + 1)]
    for text in batches[0]:
        _triage(text)
    result = {"items": len(texts), "mean_chars": round(statistics.fmean(map(len, texts)), 1)}
    for name, step in STEPS.items():
        rounds = []
        for batch in batches[1:]:
            started = time.process_time()
            for text in batch:
                step(text)
            rounds.append((time.process_time() - started) / len(batch) * 1e6)
        result[f"{name}_us"] = {"best": round(min(rounds), 1), "median": round(statistics.median(rounds), 1)}
    return result


def run() -> dict:
    """Per-item CPU on short and on 90+ character comments, and the one-off cost of loading the data."""
    started = time.perf_counter()
    _triage("riscaldamento: carica i lessici")
    load_ms = (time.perf_counter() - started) * 1e3
    files = _comments()
    short = _measure([comment for comments in files for comment in comments])
    long = _measure([text for comments in files for text in _joined(comments)])
    return {
        "benchmark": "inbox_triage",
        "load_ms": round(load_ms, 1),
        "short_comments": short,
        "long_comments": long,
        "triage_items_per_s_one_core": round(1e6 / long["triage_us"]["median"]),
    }
