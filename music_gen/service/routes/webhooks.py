"""``/webhooks``: the account's signing secret and the deliveries sent to its webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from music_gen.service.deps import CurrentAccount, DbSession
from music_gen.service.models import WebhookDelivery
from music_gen.service.routes.common import AUTHED, responses
from music_gen.service.webhooks import rotate_secret

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

DeliveryState = Literal["pending", "delivered", "failed"]


class WebhookSecretOut(BaseModel):
    """A new signing secret: keep it, it is not shown again."""

    secret: str = Field(description="whsec_... (Standard Webhooks); verify signatures with it.")
    created_at: datetime


class DeliveryOut(BaseModel):
    """One event sent (or being sent) to a task's webhook."""

    id: str = Field(description="The webhook-id header, the same on every try.")
    task_id: str
    event: str = Field(description="start, progress or completed.")
    url: str
    status: DeliveryState
    attempts: int
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    next_attempt_at: datetime | None = Field(
        default=None, description="When the next try is due (pending deliveries)."
    )
    finished_at: datetime | None = None


class DeliveryList(BaseModel):
    """Deliveries, newest first."""

    deliveries: list[DeliveryOut]


@router.post(
    "/secret",
    status_code=201,
    response_model=WebhookSecretOut,
    responses=responses(*AUTHED),
    summary="Create or rotate the signing secret",
)
def create_secret(principal: CurrentAccount, session: DbSession) -> WebhookSecretOut:
    """A new ``whsec_`` secret for every webhook of this account, replacing any earlier one.

    It is shown only in this answer. Deliveries not yet sent are signed with it.
    """
    secret = rotate_secret(session, principal.account_id)
    session.commit()
    return WebhookSecretOut(secret=secret, created_at=datetime.now().astimezone())


@router.get(
    "/deliveries",
    response_model=DeliveryList,
    responses=responses(400, *AUTHED),
    summary="Webhook deliveries",
)
def list_deliveries(
    principal: CurrentAccount,
    session: DbSession,
    task_id: Annotated[str | None, Query(max_length=36)] = None,
    status: DeliveryState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryList:
    """This account's deliveries, newest first, optionally of one task or in one status."""
    query = select(WebhookDelivery).where(WebhookDelivery.account_id == principal.account_id)
    if task_id is not None:
        query = query.where(WebhookDelivery.task_id == task_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    rows = session.scalars(
        query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit)
    ).all()
    session.commit()
    return DeliveryList(
        deliveries=[
            DeliveryOut(
                id=row.id,
                task_id=row.task_id,
                event=row.event,
                url=row.url,
                status=row.status,  # type: ignore[arg-type]
                attempts=row.attempts,
                last_status_code=row.last_status_code,
                last_error=row.last_error,
                created_at=row.created_at,
                next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
                finished_at=row.finished_at,
            )
            for row in rows
        ]
    )
