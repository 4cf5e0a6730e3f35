"""A real ``python -m music_gen serve`` process for the client tests, with keys made by the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.service.live import ROOT, LiveServer, musicgen_in_process

#: Requests a minute allowed to free-tier keys on the test server (the "limited" key).
FREE_REQUESTS_PER_MINUTE = 3


@dataclass
class LiveAPI:
    """The server and the keys the tests use."""

    server: LiveServer
    # A pro key (high limits).
    key: str
    # A key that was revoked with ``musicgen keys revoke``.
    revoked_key: str
    # A free key: FREE_REQUESTS_PER_MINUTE requests a minute.
    limited_key: str
    # Environment for client processes (examples, node): no MUSICGEN_* of the server.
    client_env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/api/v1"

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1)


def start_live_api(data_dir: Path) -> LiveAPI:
    """Start the server (composer, SQLite in ``data_dir``) and make the keys."""
    server = LiveServer(
        data_dir, free_requests_per_minute=str(FREE_REQUESTS_PER_MINUTE), workers="2"
    ).start()
    try:
        # The first key through a separate `python -m music_gen` process, exactly as a user
        # would; the others through the same CLI in this process (no interpreter start-up).
        created = subprocess.run(
            [sys.executable, "-m", "music_gen", "keys", "create", "--name", "sdk", "--tier", "pro"],
            env=server.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip().splitlines()[-1]
        revoked = _cli_key(server, "pro")
        done = musicgen_in_process(server.env, "keys", "revoke", revoked)
        assert done.exit_code == 0, done.output
        limited = _cli_key(server, "free")
    except BaseException:
        server.stop()
        raise
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICGEN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return LiveAPI(server, key, revoked, limited, env)


def _cli_key(server: LiveServer, tier: str) -> str:
    done = musicgen_in_process(server.env, "keys", "create", "--name", "sdk", "--tier", tier)
    assert done.exit_code == 0, done.output
    return done.stdout.strip().splitlines()[-1]
