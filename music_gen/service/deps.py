"""Route dependencies as ``Annotated`` aliases: ``State``, ``DbSession``, ``CurrentAccount``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
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
