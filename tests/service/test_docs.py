"""The configuration page documents every setting, and only settings that exist."""

from __future__ import annotations

import re
from pathlib import Path

from music_gen.service import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    missing = [
        f"MUSICGEN_{name.upper()}"
        for name in Settings.model_fields
        if f"`MUSICGEN_{name.upper()}`" not in text
    ]
    assert missing == []


def test_every_documented_setting_exists() -> None:
    documented = set(re.findall(r"^\| `MUSICGEN_([A-Z0-9_]+)`", DOC.read_text(), re.M))
    assert documented == {name.upper() for name in Settings.model_fields}
