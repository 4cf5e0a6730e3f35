"""The data folder defaults to the user's data directory, wherever a command runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from music_gen import cli
from music_gen.service.settings import Settings


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No MUSICGEN_* settings, a private XDG data home, and a working directory elsewhere."""
    for name in ("MUSICGEN_DATA_DIR", "MUSICGEN_DATABASE_URL", "MUSICGEN_AUDIO_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    work = tmp_path / "somewhere"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def test_the_default_is_the_user_data_directory(elsewhere: Path) -> None:
    data_dir = Settings().data_dir
    assert data_dir == elsewhere / "xdg" / "musicgen"
    assert data_dir.is_absolute()


def test_keys_commands_say_where_the_data_is(elsewhere: Path) -> None:
    created = CliRunner().invoke(cli.app, ["keys", "create", "--name", "me"])
    assert created.exit_code == 0, created.output
    listed = CliRunner().invoke(cli.app, ["keys", "list"])
    assert listed.exit_code == 0, listed.output
    where = str(elsewhere / "xdg" / "musicgen")
    assert where in created.output and where in listed.output
    assert not (elsewhere / "somewhere" / "data").exists()
    assert (elsewhere / "xdg" / "musicgen" / "musicgen.db").is_file()
