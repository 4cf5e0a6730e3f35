"""``/multi-instrument``: separate stems for named instruments plus their mix."""

from __future__ import annotations

from fastapi import APIRouter

from music_gen.errors import InvalidParameterError
from music_gen.service.deps import CurrentAccount, DbSession, State
from music_gen.service.routes.common import AUTHED, eta_s, new_task, responses, validate_params
from music_gen.service.schemas import MultiInstrumentRequest, TaskAccepted

router = APIRouter(prefix="/multi-instrument", tags=["multi-instrument"])


@router.post(
    "",
    status_code=202,
    response_model=TaskAccepted,
    responses=responses(400, 404, 503, *AUTHED),
    summary="Generate stems and a mix",
)
def create_multi(
    body: MultiInstrumentRequest, principal: CurrentAccount, state: State, session: DbSession
) -> TaskAccepted:
    """Queue a multi-instrument piece; the finished task has a URL per stem and one for the mix."""
    model = ""
    duration_s = body.duration
    for name, prompt in body.instruments.items():
        if not name.strip() or len(name) > 50 or name == "mix":
            raise InvalidParameterError(
                f"Instrument names must be 1 to 50 characters and not 'mix', got {name!r}",
                details={"field": "instruments", "name": name},
            )
        model, params = validate_params(
            state, body.model, prompt=prompt, duration=body.duration, seed=body.seed
        )
        duration_s = params.duration_s
    with state.limits.account_lock(principal.account_id):
        state.limits.check_concurrency(session, principal, 1)
        task = new_task(
            principal,
            model=model,
            duration_s=duration_s,
            fmt=body.format,
            kind="multi",
            params={
                "instruments": dict(body.instruments),
                "mix_preset": body.mix_preset,
                "seed": body.seed,
            },
        )
        session.add(task)
        session.commit()
    state.queue.submit(task.id)
    eta = eta_s(state, session, model, duration_s * len(body.instruments))
    session.commit()
    return TaskAccepted(task_id=task.id, status="queued", eta=eta)
