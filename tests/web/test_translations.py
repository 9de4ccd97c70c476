"""The Italian catalogue is complete and keeps every placeholder (run `make extract` after UI changes)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def test_catalogue_is_up_to_date_with_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with (ROOT / "web/translations/it/LC_MESSAGES/messages.po").open("rb") as fh:
        have = {m.id for m in read_po(fh) if m.id}
    assert wanted - have == set(), "run `make extract` and translate the new messages"


def test_every_message_is_translated_without_losing_placeholders():
    with (ROOT / "web/translations/it/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(translations), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        for translation in translations:
            assert sorted(PLACEHOLDER.findall(sources[-1])) == sorted(PLACEHOLDER.findall(translation)), (
                message.id
            )
