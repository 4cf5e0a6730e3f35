"""``/multi-instrument``: separate stems for named instruments plus their mix."""

from __future__ import annotations

from fastapi import APIRouter

from music_gen.errors import InvalidPromptError
from music_gen.mixing import MixSettings
from music_gen.service.deps import CurrentAccount, DbSession, State
from music_gen.service.routes.common import (
    AUTHED,
    new_task,
    queue_task,
    responses,
    validate_params,
)
from music_gen.service.schemas import MultiInstrumentRequest, TaskAccepted
from music_gen.service.webhooks import task_webhook

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
    """Queue a multi-instrument piece.

    The finished task's ``stems`` has one audio URL per instrument and ``audio_url`` is the
    mix (mixed with ``mix_preset``, see the library's ``list_presets()``, and mastered).
    """
    model = ""
    duration_s = body.duration
    # Part names and prompts were checked by the schema (the library's rules).
    for name, prompt in body.instruments.items():
        try:
            model, params = validate_params(
                state,
                body.model,
                prompt=prompt,
                duration=body.duration,
                temperature=body.temperature,
                top_k=body.top_k,
                top_p=body.top_p,
                seed=body.seed,
            )
        except InvalidPromptError as exc:
            raise InvalidPromptError(
                f"instruments[{name!r}]: {exc.message}", details={**exc.details, "part": name}
            ) from exc
        duration_s = params.duration_s
    _check_mix(body.mix_preset, list(body.instruments))
    webhook = task_webhook(
        session, state.settings, principal.account_id, body.webhook, body.webhook_events_filter
    )
    task = new_task(
        principal,
        model=model,
        duration_s=duration_s,
        fmt=body.format,
        kind="multi",
        params={
            "instruments": dict(body.instruments),
            "mix_preset": body.mix_preset,
            "temperature": body.temperature,
            "top_k": body.top_k,
            "top_p": body.top_p,
            "seed": body.seed,
            **({"webhook": webhook} if webhook else {}),
        },
    )
    return queue_task(state, session, principal, task)


def _check_mix(preset: str | None, parts: list[str]) -> None:
    MixSettings.from_dict({"preset": preset} if preset else None).check_tracks(parts)
