"""The README documents every setting."""

from __future__ import annotations

from pathlib import Path

from music_gen.service import Settings

DOC = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text()
    missing = [
        f"MUSICGEN_{name.upper()}"
        for name in Settings.model_fields
        if f"`MUSICGEN_{name.upper()}`" not in text
    ]
    assert missing == []
