"""``GET /metrics``: the Prometheus scrape endpoint (outside ``/api/v1``, not in the spec).

With ``MUSICGEN_METRICS_TOKEN`` set it needs ``Authorization: Bearer <token>``; without
one only clients on this machine (loopback) may read it.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from music_gen.service.deps import State
from music_gen.service.exceptions import UnauthorizedError
from music_gen.service.metrics import CONTENT_TYPE
from music_gen.service.settings import is_loopback

router = APIRouter(tags=["metrics"], include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request, state: State) -> Response:
    """Every metric of this service in the Prometheus text format."""
    token = state.settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise UnauthorizedError(
                "GET /metrics needs Authorization: Bearer <MUSICGEN_METRICS_TOKEN>",
            )
    elif request.client is None or not is_loopback(request.client.host):
        raise UnauthorizedError(
            "GET /metrics answers only loopback clients unless MUSICGEN_METRICS_TOKEN is set",
        )
    return Response(state.metrics.render(), media_type=CONTENT_TYPE)
