"""``/mix-presets``: the named mixes a multi-instrument piece can ask for."""

from __future__ import annotations

from fastapi import APIRouter

from music_gen.mixing import list_presets
from music_gen.service.deps import CurrentAccount
from music_gen.service.routes.common import AUTHED, responses
from music_gen.service.schemas import MixPreset, MixPresetList

router = APIRouter(prefix="/mix-presets", tags=["multi-instrument"])


@router.get(
    "", response_model=MixPresetList, responses=responses(*AUTHED), summary="List mix presets"
)
def list_mix_presets(principal: CurrentAccount) -> MixPresetList:
    """Every preset's name and description (``mix_preset`` of ``POST /multi-instrument``)."""
    return MixPresetList(
        presets=[MixPreset(name=name, description=text) for name, text in list_presets().items()]
    )
