"""The labelled comments of the inbox tests, read from data/ (label<TAB>text, # comments)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def labelled(name: str) -> list[tuple[str, str]]:
    """(label, text) pairs of data/<name>.tsv."""
    rows = []
    for line in (DATA / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip("\n"):
            continue
        label, text = line.split("\t", 1)
        rows.append((label, text))
    return rows
