"""Run ``python -m music_gen serve`` as a real process on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from music_gen import cli
from tests.service.conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """Environment for a service process with its data in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSICGEN_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(
        MUSICGEN_ENVIRONMENT="test",
        MUSICGEN_SECRET_KEY=SECRET,
        MUSICGEN_DATA_DIR=str(data_dir),
        MUSICGEN_LOG_LEVEL="warning",
    )
    env.update({f"MUSICGEN_{k.upper()}": v for k, v in settings.items()})
    return env


def musicgen(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a musicgen command to completion."""
    return subprocess.run(
        [sys.executable, "-m", "music_gen", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def musicgen_in_process(env: dict[str, str], *args: str) -> Result:
    """Run a musicgen command in this process (no interpreter start-up) with ``env``."""
    result = CliRunner().invoke(cli.app, list(args), env=env)
    return result


def create_key(env: dict[str, str], tier: str = "free") -> str:
    """A key made with ``musicgen keys create`` (the key is the last line printed)."""
    done = musicgen_in_process(env, "keys", "create", "--name", "e2e", "--tier", tier)
    assert done.exit_code == 0, done.output
    return done.stdout.strip().splitlines()[-1]


class LiveServer:
    """A ``musicgen serve`` process.

    Args:
        data_dir: Its database and audio.
        module: What ``python -m`` runs: ``tests.service.with_test_engines`` adds the test
            models.
        settings: ``MUSICGEN_*`` settings (``no_auth="true"``, ...).
    """

    def __init__(self, data_dir: Path, *, module: str = "music_gen", **settings: str) -> None:
        self.module = module
        self.port = free_port()
        self.env = service_env(data_dir, **settings)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_timeout_s: float = 90.0) -> LiveServer:
        """Start it and wait until /health/ready answers 200."""
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, "serve", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/api/v1/health/ready", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not become ready")

    def kill(self) -> None:
        """SIGKILL: no cleanup at all."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
