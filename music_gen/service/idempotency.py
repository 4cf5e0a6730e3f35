"""``Idempotency-Key`` on POST requests: a retry gets the first answer instead of a new task.

The first POST with a key inserts a row keyed by (account, key); the table's primary key
makes exactly one of several concurrent duplicates win, with no read-then-write race. The
winner's successful (2xx) answer is stored with a hash of the request; later requests with
the key get that answer again (header ``Idempotent-Replayed: true``) if their method, path
and body are the same, and 409 ``IDEMPOTENCY_CONFLICT`` if not. Duplicates that arrive while
the first is still being handled wait for its answer. An answer that is not a success (a
429, a 503 while draining, a validation error) is not kept: the key is free again, so a
client retrying after a rate limit gets a real second chance. Keys expire after
``idempotency_ttl_s`` (24 h).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from music_gen.errors import ErrorCode, MusicGenError
from music_gen.service.errors import error_response
from music_gen.service.models import IdempotencyKey, utcnow

if TYPE_CHECKING:
    from music_gen.service.state import AppState

log = logging.getLogger("music_gen.service")

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
#: Seconds between looks at a key another request is still answering.
_WAIT_STEP_S = 0.05
#: Seconds between deletions of expired keys (per process).
_PURGE_EVERY_S = 600.0


def request_hash(method: str, path: str, body: bytes) -> str:
    """SHA-256 of what makes two requests "the same": method, path and the JSON body.

    Bodies that parse as JSON are compared by content (key order and spacing do not matter).
    """
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Outcome:
    """What to do with a request: run it (``account_id`` set), replay, conflict or wait."""

    kind: str
    account_id: str = ""
    status_code: int = 0
    response: Any = None


class IdempotencyStore:
    """The database side: claim a key, store or release its answer, purge old keys.

    Args:
        state: The running service (database, settings, authentication).
    """

    def __init__(self, state: AppState) -> None:
        self.state = state
        self._purged_at = 0.0

    def begin(self, authorization: str | None, key: str, digest: str) -> _Outcome:
        """Claim ``key`` for the caller, or say what became of an earlier claim."""
        settings = self.state.settings
        now = utcnow()
        cutoff = now - timedelta(seconds=settings.idempotency_ttl_s)
        abandoned_before = now - timedelta(seconds=max(settings.idempotency_wait_s, 60.0))
        self._purge(cutoff)
        with self.state.db.session_factory() as session:
            try:
                account_id = self.state.authenticate(session, authorization).account_id
            except MusicGenError:
                # The route answers the authentication error itself.
                return _Outcome("run")
            for _ in range(3):
                session.add(IdempotencyKey(account_id=account_id, key=key, request_hash=digest))
                try:
                    session.commit()
                    return _Outcome("run", account_id=account_id)
                except IntegrityError:
                    session.rollback()
                row = session.execute(
                    select(
                        IdempotencyKey.request_hash,
                        IdempotencyKey.status_code,
                        IdempotencyKey.response,
                        IdempotencyKey.created_at < cutoff,
                        IdempotencyKey.created_at < abandoned_before,
                    ).where(IdempotencyKey.account_id == account_id, IdempotencyKey.key == key)
                ).first()
                if row is None:  # released between our insert and our read: try again
                    continue
                stored_hash, status_code, response, expired, abandoned = row
                if expired or (status_code is None and abandoned):
                    # Too old, or claimed by a request that never answered (its server
                    # stopped mid-request): the key is free again.
                    session.execute(
                        delete(IdempotencyKey).where(
                            IdempotencyKey.account_id == account_id,
                            IdempotencyKey.key == key,
                            IdempotencyKey.request_hash == stored_hash,
                            IdempotencyKey.status_code.is_(None)
                            if not expired
                            else IdempotencyKey.created_at < cutoff,
                        )
                    )
                    session.commit()
                    continue
                if stored_hash != digest:
                    return _Outcome("conflict")
                if status_code is None:
                    return _Outcome("wait")
                return _Outcome("replay", status_code=status_code, response=response)
        return _Outcome("wait")

    def finish(self, account_id: str, key: str, status_code: int, body: bytes) -> None:
        """Keep a successful JSON answer; release the key after anything else."""
        response: Any = None
        if 200 <= status_code < 300:
            try:
                response = json.loads(body) if body else None
            except ValueError:
                response = None
        with self.state.db.session() as session:
            match = (IdempotencyKey.account_id == account_id, IdempotencyKey.key == key)
            if 200 <= status_code < 300 and response is not None:
                row = session.get(IdempotencyKey, (account_id, key))
                if row is not None:
                    row.status_code = status_code
                    row.response = response
            else:
                session.execute(delete(IdempotencyKey).where(*match))

    def release(self, account_id: str, key: str) -> None:
        """Forget a claim whose request crashed, so the key can be used again."""
        self.finish(account_id, key, 500, b"")

    def _purge(self, cutoff: Any) -> None:
        now = time.monotonic()
        if now - self._purged_at < _PURGE_EVERY_S:
            return
        self._purged_at = now
        try:
            with self.state.db.session() as session:
                session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
        except Exception:
            log.exception("could not delete expired idempotency keys")


class IdempotencyMiddleware:
    """ASGI middleware applying :class:`IdempotencyStore` to POSTs that carry the header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._store: IdempotencyStore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _KEY.match(key):
            response = error_response(
                ErrorCode.INVALID_PARAMETER,
                "Idempotency-Key must be 1-255 visible ASCII characters (a UUID, say)",
                {"field": "Idempotency-Key"},
            )
            await response(scope, receive, send)
            return
        body = await _read_body(receive)
        state = scope["app"].state.service
        if self._store is None or self._store.state is not state:
            self._store = IdempotencyStore(state)
        store = self._store
        digest = request_hash(scope["method"], scope["path"], body)
        deadline = time.monotonic() + state.settings.idempotency_wait_s
        while True:
            outcome = await run_in_threadpool(
                store.begin, headers.get("authorization"), key, digest
            )
            if outcome.kind != "wait" or time.monotonic() > deadline:
                break
            await asyncio.sleep(_WAIT_STEP_S)
        if outcome.kind == "replay":
            from fastapi.responses import JSONResponse

            replay = JSONResponse(
                outcome.response,
                status_code=outcome.status_code,
                headers={REPLAYED_HEADER: "true"},
            )
            await replay(scope, receive, send)
            return
        if outcome.kind in ("conflict", "wait"):
            busy = outcome.kind == "wait"
            response = error_response(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                "A request with this Idempotency-Key is still being handled; retry shortly"
                if busy
                else "This Idempotency-Key was used with another request (method, path or "
                "body); use a new key for a new request",
                {"idempotency_key": key},
                headers={"Retry-After": "1"} if busy else None,
            )
            await response(scope, receive, send)
            return
        if not outcome.account_id:  # not authenticated: let the route answer
            await self.app(scope, _replay_body(body), send)
            return
        status = 500
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, _replay_body(body), capture)
        except BaseException:
            # Shielded: a client that went away must not leave the key claimed.
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(store.release, outcome.account_id, key)
            raise
        await run_in_threadpool(store.finish, outcome.account_id, key, status, b"".join(chunks))


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay_body(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        # After the body, a real receive would wait for the client to disconnect.
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    return receive


__all__ = ["HEADER", "IdempotencyMiddleware", "IdempotencyStore", "request_hash"]
