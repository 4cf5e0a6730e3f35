"""Route dependencies as ``Annotated`` aliases: ``State``, ``DbSession``, ``CurrentAccount``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from music_gen.service.auth import Principal
from music_gen.service.state import AppState

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer mgk_...`")


def get_state(request: Request) -> AppState:
    """The running service's components."""
    state: AppState = request.app.state.service
    return state


State = Annotated[AppState, Depends(get_state)]


def get_session(state: State) -> Iterator[Session]:
    """A database session for one request (rolled back unless the route commits)."""
    with state.db.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def get_current_account(
    request: Request,
    state: State,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The calling account, after authentication and the per-key request limit."""
    # The raw header, so that a wrong scheme gets its own message; _bearer documents it.
    principal = state.authenticate(session, request.headers.get("authorization"))
    request.state.ratelimit_headers = state.limits.hit_request(principal)
    return principal


CurrentAccount = Annotated[Principal, Depends(get_current_account)]


def authenticate_websocket(websocket: WebSocket) -> Principal:
    """The account behind a WebSocket handshake, counted against its request limit.

    The key comes from the ``Authorization: Bearer`` header or, for browsers (which cannot
    set headers on WebSockets), an ``api_key`` query parameter.

    Raises:
        AuthenticationError: No or bad key (close with 1008, policy violation).
        LimitExceeded: Over the request rate.
    """
    state: AppState = websocket.app.state.service
    header = websocket.headers.get("authorization")
    if header is None and websocket.query_params.get("api_key"):
        header = f"Bearer {websocket.query_params['api_key']}"
    with state.db.sessions() as session:
        principal = state.authenticate(session, header)
    state.limits.hit_request(principal)
    return principal
