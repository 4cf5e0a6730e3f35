"""Only the models the operator serves can be named over the API; nothing reaches the disk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from music_gen import cli
from music_gen.engines.registry import resolve
from music_gen.service import create_app
from tests.service.conftest import Service, make_settings


@pytest.fixture
def checkpoint_dir(tmp_path: Path) -> Path:
    """A directory that looks like a MusicGen checkpoint (a config.json, no weights)."""
    folder = tmp_path / "ckpt"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "musicgen"}))
    return folder


PROBES = [
    "/root",
    "/etc/ssl/private",
    "/home/nosuch",
    "../../etc",
    "~root",
    "./data",
    "facebook/musicgen-large",  # registered but not downloaded here
    "someone/never-cached-model",
    "nope",
]


def _answers(service: Service, models: list[str]) -> list[tuple[int, dict]]:
    """Each model's answer to a generation request (accepted tasks are waited for)."""
    headers = service.auth(tier="pro")
    answers = []
    for model in models:
        response = service.client.post(
            "/api/v1/generate", json={"prompt": "x", "duration": 1, "model": model}, headers=headers
        )
        answers.append((response.status_code, response.json()))
        if response.status_code == 202:
            service.wait(response.json()["task_id"], headers)
    return answers


def test_paths_and_unserved_names_all_get_the_same_answer(
    service: Service, checkpoint_dir: Path
) -> None:
    answers = _answers(service, [*PROBES, str(checkpoint_dir)])
    statuses = {status for status, _ in answers}
    bodies = {json.dumps(body, sort_keys=True) for _, body in answers}
    assert statuses == {404}
    assert len(bodies) == 1, bodies  # no existence probe: one answer for every name
    error = answers[0][1]["error"]
    assert error["code"] == "MODEL_NOT_FOUND"
    assert "/" not in error["message"].replace("/models", "")
    assert "test-tone" in error["details"]["available"]
    listed = {
        m["name"]
        for m in service.client.get("/api/v1/models", headers=service.auth()).json()["models"]
    }
    assert "facebook/musicgen-large" not in listed
    assert {"composer", "test-tone"} <= listed


def test_served_models_answer_by_name_and_alias(service: Service) -> None:
    answers = _answers(service, ["test-tone", "default", "TEST-TONE", " test-tone "])
    assert [status for status, _ in answers] == [202, 202, 404, 404]  # spellings are exact


@pytest.fixture
def operator(tmp_path: Path, checkpoint_dir: Path) -> Iterator[Service]:
    """A server whose operator serves test-tone, test-slow's alias-free name and a folder."""
    settings = make_settings(
        tmp_path / "data", models=f"test-tone, {checkpoint_dir}", default_model="test-tone"
    )
    app = create_app(settings)
    with TestClient(app) as client:
        yield Service(client=client, state=app.state.service)


def test_the_operator_list_is_all_that_is_served(operator: Service, checkpoint_dir: Path) -> None:
    answers = _answers(operator, ["test-tone", "test-slow", "composer", str(checkpoint_dir)])
    codes = [body.get("error", {}).get("code") for _, body in answers]
    assert answers[0][0] == 202
    assert codes[1:3] == ["MODEL_NOT_FOUND", "MODEL_NOT_FOUND"]
    # The operator's own folder is served (it holds no weights, so it cannot load).
    assert codes[3] != "MODEL_NOT_FOUND"
    listed = [
        m["name"]
        for m in operator.client.get("/api/v1/models", headers=operator.auth()).json()["models"]
    ]
    assert listed == ["test-tone", str(checkpoint_dir.resolve())]


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSICGEN_MODELS", "composer,facebook/musicgen-small")
    from music_gen.service.settings import Settings

    assert Settings().models == ("composer", "facebook/musicgen-small")


def test_the_library_still_loads_local_paths(checkpoint_dir: Path) -> None:
    assert resolve(str(checkpoint_dir)).extra["local"] is True


def test_models_download_needs_no_download_for_the_composer() -> None:
    result = CliRunner().invoke(cli.app, ["models", "download", "composer"])
    assert result.exit_code == 0, result.output
    assert "no weights" in result.output


def test_models_download_refuses_unknown_names() -> None:
    result = CliRunner().invoke(cli.app, ["models", "download", "no-such-model"])
    assert result.exit_code != 0
    assert "not found" in result.output


def test_models_download_offline_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = CliRunner().invoke(cli.app, ["models", "download", "facebook/musicgen-large"])
    assert result.exit_code != 0
    assert "offline" in result.output.lower()


def test_models_still_lists() -> None:
    result = CliRunner().invoke(cli.app, ["models", "--json"])
    assert result.exit_code == 0
    assert "composer" in {m["name"] for m in json.loads(result.output)}


@pytest.fixture
def undownloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    """The operator serves a Hub model whose weights are not here, and the Hub answers."""
    import socket

    from huggingface_hub import constants

    from music_gen.engines.musicgen import checkpoints

    with socket.socket() as hub:  # accepts connections: downloading would be possible
        hub.bind(("127.0.0.1", 0))
        hub.listen()
        for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{hub.getsockname()[1]}")
        checkpoints.forget_hub_reachability()
        settings = make_settings(tmp_path / "data", models="test-tone,facebook/musicgen-small")
        app = create_app(settings)
        with TestClient(app) as client:
            yield Service(client=client, state=app.state.service)
    checkpoints.forget_hub_reachability()


def test_a_served_model_without_weights_is_unavailable_not_downloaded(
    undownloaded: Service,
) -> None:
    headers = undownloaded.auth()
    response = undownloaded.client.post(
        "/api/v1/generate",
        json={"prompt": "x", "duration": 1, "model": "facebook/musicgen-small"},
        headers=headers,
    )
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "MODEL_UNAVAILABLE"
    assert "musicgen models download facebook/musicgen-small" in error["message"]
    listed = {
        m["name"]: m
        for m in undownloaded.client.get("/api/v1/models", headers=headers).json()["models"]
    }
    assert listed["facebook/musicgen-small"]["available"] is False
