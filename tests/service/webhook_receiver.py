"""A real webhook receiver on loopback that checks every signature with ``standardwebhooks``."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes
    # The verified payload; None when the signature did not verify.
    payload: dict[str, Any] | None
    # The status it answered.
    status: int


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 recording webhook requests.

    ``answer(payload, tries_of_this_id)`` picks the status of each answer (200 by default);
    returning a negative number sleeps that many seconds, then answers 200.
    """

    secret: str | None = None
    answer: Callable[[dict[str, Any] | None, int], float] = lambda payload, tries: 200
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Tries per webhook-id, counted on arrival.
    _arrivals: dict[str, int] = field(default_factory=dict)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret or "").verify(body, headers)
                except Exception:
                    payload = None
                with receiver._lock:
                    webhook_id = headers.get("webhook-id", "")
                    tries = receiver._arrivals[webhook_id] = (
                        receiver._arrivals.get(webhook_id, 0) + 1
                    )
                status = receiver.answer(payload, tries)
                if status < 0:
                    time.sleep(-status)
                    status = 200
                with receiver._lock:
                    receiver.received.append(Received(headers, body, payload, int(status)))
                try:
                    self.send_response(int(status))
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender gave up waiting (a timeout test)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        """The event type of every request (\"?\" when it was not verified)."""
        with self._lock:
            return [r.payload["type"] if r.payload else "?" for r in self.received]

    def wait_for(self, check: Callable[[list[Received]], bool], timeout_s: float = 30) -> None:
        """Wait until ``check(received)`` holds (a guard, not a timing assertion)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if check(list(self.received)):
                    return
            time.sleep(0.02)
        raise AssertionError(f"receiver never saw what was expected: {self.dump()}")

    def dump(self) -> str:
        with self._lock:
            return json.dumps(
                [{"status": r.status, "payload": r.payload} for r in self.received], default=str
            )[:3000]
