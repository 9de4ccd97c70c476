"""False positives and recall of the spelling check on posts it was not tuned on."""

from __future__ import annotations

import time
from pathlib import Path

from tenants.checks import CheckContext, run_checks
from tenants.checks.tokens import words

DATA = Path(__file__).parent / "data"


def _posts(name: str) -> list[str]:
    return [line for line in (DATA / name).read_text().splitlines() if line.strip()]


def run() -> dict:
    """Counts on the held-out posts (should raise nothing) and on seeded misspellings (should be caught)."""
    run_checks("warm up the dictionaries", CheckContext(network="facebook"))
    started = time.perf_counter()
    checked_words = false_positives = 0
    flagged_words: list[str] = []
    for language in ("it", "en"):
        for post in _posts(f"heldout_{language}.txt"):
            checked_words += len(words(post))
            found = [
                f
                for f in run_checks(post, CheckContext(network="facebook", client_locale=language))
                if f.code in ("spelling", "offensive")
            ]
            false_positives += len(found)
            flagged_words += [f.params.get("word") or f.params.get("words") for f in found]
    caught = total = 0
    for line in _posts("misspelled.txt"):
        if line.startswith("#"):
            continue
        language, text, wrong = line.split("\t")
        total += 1
        found = run_checks(text, CheckContext(network="facebook", client_locale=language))
        caught += any(f.code == "spelling" and f.params["word"] == wrong for f in found)
    elapsed = time.perf_counter() - started
    return {
        "benchmark": "checks_quality",
        "heldout_words": checked_words,
        "false_positives": false_positives,
        "false_positive_rate": round(false_positives / max(checked_words, 1), 4),
        "flagged": flagged_words,
        "misspellings": total,
        "caught": caught,
        "recall": round(caught / max(total, 1), 3),
        "seconds": round(elapsed, 2),
    }
