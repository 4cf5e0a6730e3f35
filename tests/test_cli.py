"""The command line: bad input gives a one-line error and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "music_gen", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["generate", "", "-o", "x.wav"], "empty"),
        (["generate", "piano", "--duration", "-3", "-o", "x.wav"], "duration"),
        (["generate", "piano", "--duration", "nan", "-o", "x.wav"], "finite"),
        (["generate", "piano", "--temperature", "0", "-o", "x.wav"], "temperature"),
        (["generate", "piano", "--top-p", "1.5", "-o", "x.wav"], "top_p"),
        (["generate", "piano", "--model", "nope", "-o", "x.wav"], "not found"),
        (["generate", "piano", "-o", "x.xyz"], "format"),
        (["generate", "piano", "--duration", "100000", "-o", "x.wav"], "maximum"),
    ],
)
def test_bad_input_one_line_error(tmp_path, args, fragment):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert fragment.lower() in result.stderr.lower()
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_models_table_is_readable_at_80_columns():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    result = subprocess.run(
        [sys.executable, "-m", "music_gen", "models"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout  # no cell was cut short
    first_cells = {line.split()[0] for line in lines if line.strip()}
    # The models a fresh process lists (this one may hold test engines other tests registered).
    listed = run_cli("models", "--json")
    names = [entry["name"] for entry in json.loads(listed.stdout)]
    assert "composer" in names
    for name in names:
        assert name in first_cells, name  # whole, on one line, as a row's first cell


def test_models_json_lists_registry():
    result = run_cli("models", "--json")
    assert result.returncode == 0, result.stderr
    names = {entry["name"] for entry in json.loads(result.stdout)}
    assert {"composer", "facebook/musicgen-small"} <= names


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "generate" in result.stdout and "models" in result.stdout


def test_styles_lists_sections_with_their_words():
    result = run_cli("styles", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {
        "genres",
        "moods",
        "ensembles",
        "instruments",
        "grooves",
        "descriptors",
        "tempo_words",
        "mix_presets",
    }
    grooves = {g["name"]: g["words"] for g in data["grooves"]}
    assert "four on the floor" in grooves["four on the floor"]
    places = {word: d for d in data["descriptors"] for word in d["words"]}
    assert places["andalusian"]["genre"] == "flamenco" and places["andalusian"]["kind"] == "place"
    assert places["andalusian"]["mode"] == "phrygian dominant"
    assert "nyckelharpa" in places["swedish"]["instruments"]
    table = run_cli("styles", "ensembles")
    assert table.returncode == 0 and "string quartet" in table.stdout
    places = run_cli("styles", "descriptors")
    assert places.returncode == 0 and "andalusian" in places.stdout
    assert "['" not in places.stdout  # lists read as words, not Python
    bad = run_cli("styles", "colours")
    assert bad.returncode != 0 and "genres" in bad.stderr and "Traceback" not in bad.stderr


def test_generate_prints_a_hint_for_words_not_understood(tmp_path):
    result = run_cli(
        "generate", "zorblax qwyx", "-d", "2", "--seed", "1", "-o", "x.wav", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "not understood: zorblax, qwyx" in result.stdout
    assert "default style, pop" in result.stdout
    assert "musicgen styles" in result.stderr
