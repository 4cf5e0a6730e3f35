"""``/models``: the models this server knows and whether each can run here."""

from __future__ import annotations

from fastapi import APIRouter

from music_gen.service.deps import CurrentAccount, State
from music_gen.service.routes.common import AUTHED, responses
from music_gen.service.schemas import ModelEntry, ModelList

router = APIRouter(prefix="/models", tags=["models"])


@router.get("", response_model=ModelList, responses=responses(*AUTHED), summary="List models")
def list_models(principal: CurrentAccount, state: State) -> ModelList:
    """Every model with its size, quality, limits and availability (and if not, why)."""
    return ModelList(models=[ModelEntry(**info.to_dict()) for info in state.models()])
