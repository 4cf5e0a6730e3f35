"""The attack run (bench/attack.py) against a real server process: it must find nothing."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.service.live import ROOT, LiveServer, create_key

QUOTA = 100_000  # the pro tier's monthly bandwidth on this server


def _attack() -> ModuleType:
    spec = importlib.util.spec_from_file_location("attack", ROOT / "bench" / "attack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["attack"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


attack = _attack()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(
        tmp_path_factory.mktemp("attack"),
        pro_monthly_bandwidth_bytes=str(QUOTA),
        preload="false",
    ).start()
    try:
        yield live
    finally:
        live.stop()


def test_the_catalogues_are_big_enough() -> None:
    assert len(attack.rest_catalogue()) >= 150
    assert len(attack.ws_catalogue()) >= 50


def test_bad_rest_input_gets_4xx_with_the_envelope(server: LiveServer) -> None:
    key = create_key(server.env, "pro")
    with httpx.Client(base_url=server.url) as client:
        outcomes = attack.run_rest(client, key, attack.rest_catalogue())
    print(attack.summary(outcomes, []))
    problems = [o for o in outcomes if o.kind != "4xx" or not o.enveloped]
    assert problems == []


def test_bad_websocket_frames_get_the_envelope_and_a_proper_close(server: LiveServer) -> None:
    key = create_key(server.env, "pro")
    outcomes = attack.run_ws(server.url, key, attack.ws_catalogue())
    print(attack.summary([], outcomes))
    assert [o for o in outcomes if o.hang or o.close_code not in attack.PROPER_CLOSES] == []
    # Frames the server itself reads get the envelope; a text frame that is not UTF-8 is
    # refused by the WebSocket layer (1007) before it reaches the application.
    unanswered = [o.name for o in outcomes if not o.enveloped]
    assert set(unanswered) <= {"ws invalid utf8 text", "ws overlong utf8", "ws lone surrogate utf8"}
    assert {o.close_code for o in outcomes if o.name in unanswered} <= {1007}


def test_garbage_during_a_stream_does_not_stop_it(server: LiveServer) -> None:
    assert attack.stream_survives_garbage(server.url, create_key(server.env, "free"))


def test_model_paths_cannot_be_probed(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        answers = attack.model_probe(client, create_key(server.env, "pro"))
    assert len(answers) == 1, answers
    assert next(iter(answers)).startswith("404 ")


def test_the_quota_race_is_lost_by_the_attacker(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        race = attack.quota_race(client, create_key(server.env, "pro"), QUOTA)
    assert race["ok"] == 4 and race["refused"] == 6, race
    assert race["served_bytes"] <= QUOTA


def test_the_command_line_reports_no_problem(server: LiveServer, tmp_path: Path) -> None:
    lines: list[str] = []
    code = attack.main(
        [
            "--url",
            server.url,
            "--key",
            create_key(server.env, "pro"),
            "--stream-key",
            create_key(server.env, "free"),
        ],
        out=lines.append,
    )
    assert code == 0, "\n".join(lines)
    assert lines[0].split()[:2] == ["surface", "sent"]


def test_a_reader_that_stops_reading_is_cut_and_recorded(server: LiveServer) -> None:
    """A client that stops reading a long stream: the server cuts it and the task says why."""
    import json
    import time

    from websockets.sync.client import connect

    key = create_key(server.env, "free")
    headers = {"Authorization": f"Bearer {key}"}
    ws_url = server.url.replace("http", "ws", 1) + "/api/v1/ws/stream"
    # max_queue=1: once one message waits unread, the client stops reading the socket.
    with connect(ws_url, additional_headers=headers, max_queue=1, max_size=None) as ws:
        ws.send(json.dumps({"type": "generate", "prompt": "piano", "duration": 120}))
        task_id = json.loads(ws.recv(timeout=30))["task_id"]
        deadline = time.monotonic() + 120
        status: dict = {}
        while time.monotonic() < deadline:  # a guard: the server decides when to cut
            status = httpx.get(f"{server.url}/api/v1/generate/{task_id}", headers=headers).json()
            if status["status"] != "processing":
                break
            time.sleep(0.5)
    assert status["status"] == "cancelled", status
    assert status["error"]["code"] == "CANCELLED"
    assert status["error"]["details"]["reason"] == "slow_reader"
