"""deploy/: the compose file, the images' commands and the dashboard fit the code they run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from music_gen.service import Settings, create_app
from tests.service.conftest import make_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DOCKERFILES = ["Dockerfile", "Dockerfile.cuda"]
SETTINGS = {f"MUSICGEN_{name.upper()}" for name in Settings.model_fields}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _instruction(dockerfile: str, name: str) -> list[str]:
    text = (DEPLOY / dockerfile).read_text()
    match = re.search(rf"^{name} (\[.*\])$", text, re.MULTILINE)
    assert match, f"{dockerfile} has no {name} in exec form"
    return list(json.loads(match.group(1)))


def test_compose_runs_api_worker_postgres_and_redis() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"api", "worker", "postgres", "redis"}
    assert services["api"]["command"] == ["serve"]
    assert services["worker"]["command"] == ["worker"]
    api, worker = services["api"]["environment"], services["worker"]["environment"]
    # One database, one broker, one audio volume for both.
    for name in ("MUSICGEN_DATABASE_URL", "MUSICGEN_BROKER_URL", "MUSICGEN_DATA_DIR"):
        assert api[name] == worker[name]
    assert api["MUSICGEN_QUEUE"] == worker["MUSICGEN_QUEUE"] == "celery"
    assert "@postgres:5432/" in api["MUSICGEN_DATABASE_URL"]
    assert api["MUSICGEN_BROKER_URL"].startswith("redis://redis:6379")
    assert services["api"]["volumes"] == services["worker"]["volumes"]
    # The drain has time to finish before compose sends SIGKILL.
    grace = float(api["MUSICGEN_DRAIN_GRACE_S"])
    assert float(services["api"]["stop_grace_period"].rstrip("s")) > grace


@pytest.mark.parametrize("service", ["api", "worker"])
def test_every_compose_variable_is_a_setting(service: str) -> None:
    names = set(_compose()["services"][service]["environment"])
    assert names - SETTINGS == set()


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_every_image_variable_is_a_setting(dockerfile: str) -> None:
    text = (DEPLOY / dockerfile).read_text()
    names = set(re.findall(r"\b(MUSICGEN_[A-Z0-9_]+)=", text))
    assert names and names - SETTINGS == set()


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_the_image_command_runs(dockerfile: str) -> None:
    entrypoint, command = _instruction(dockerfile, "ENTRYPOINT"), _instruction(dockerfile, "CMD")
    assert entrypoint == ["musicgen"]
    script = Path(sys.executable).with_name("musicgen")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "music_gen"]
    for args in (command, ["worker"]):
        done = subprocess.run(
            [*program, *args, "--help"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert "Usage" in done.stdout


def test_the_dashboard_only_charts_metrics_the_service_exports(tmp_path: Path) -> None:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bmusicgen_[a-z_]+", expr)}
    app = create_app(make_settings(tmp_path))
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        client.get("/api/v1/health")
        text = client.get("/metrics").text
    # Labelled families without samples yet still have HELP lines.
    exported = set(re.findall(r"^# (?:HELP|TYPE) (musicgen_[a-z_]+)", text, re.MULTILINE))
    suffixes = ("_bucket", "_count", "_sum", "_total")
    known = exported | {name + s for name in exported for s in suffixes}
    assert used and used - known == set()
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
