"""Route dependencies as ``Annotated`` aliases: ``State``, ``DbSession``, ``CurrentAccount``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.datastructures import Address

from music_gen.service.auth import Principal
from music_gen.service.state import AppState

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer mgk_...`")


async def get_state(request: Request) -> AppState:
    """The running service's components (async: no worker-thread hop for a lookup)."""
    state: AppState = request.app.state.service
    return state


State = Annotated[AppState, Depends(get_state)]


async def get_session(state: State) -> AsyncIterator[Session]:
    """A database session for one request (rolled back unless the route commits).

    It is opened and closed on the event loop, not in a worker thread: a request holding a
    pooled connection while it waited for a free thread to close its session could starve
    the pool under load. Routes also commit before they return, to give the connection back
    before the response is written.
    """
    session = state.db.session_factory()
    try:
        yield session
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session)]


def get_current_account(
    request: Request,
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The calling account, after authentication and the per-key request limit."""
    # The raw header, so that a wrong scheme gets its own message; _bearer documents it.
    # A session of its own, closed before the route runs (see get_session).
    with state.db.session_factory() as session:
        principal = state.authenticate(
            session, request.headers.get("authorization"), _address(request.client)
        )
    request.state.ratelimit_headers = state.limits.hit_request(principal)
    # For the access log (the account, never the key).
    request.state.account_id = principal.account_id
    return principal


CurrentAccount = Annotated[Principal, Depends(get_current_account)]


def _address(client: Address | None) -> str:
    """The client's address for per-address limits ("unknown" when the server has none)."""
    return client.host if client is not None else "unknown"
