"""``/styles``: the genres, moods, ensembles, instruments, grooves, place/era/use words and mix
presets the composer understands, with the words that select each."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from music_gen.engines.composer.catalog import catalog
from music_gen.service.deps import CurrentAccount
from music_gen.service.routes.common import AUTHED, responses

router = APIRouter(prefix="/styles", tags=["styles"])


class StyleEntry(BaseModel):
    """One style: its name, the prompt words that select it, and details by section."""

    model_config = ConfigDict(extra="allow")

    name: str
    words: list[str]


class StyleCatalog(BaseModel):
    """Everything the composer's prompt reader understands, by section."""

    genres: list[StyleEntry]
    moods: list[StyleEntry]
    ensembles: list[StyleEntry]
    instruments: list[StyleEntry]
    grooves: list[StyleEntry]
    descriptors: list[StyleEntry] = Field(
        description="Place, era, use and occasion words: the genre, mode, meter, mood and "
        "instruments a musician hears in them (a genre the prompt names wins)"
    )
    tempo_words: list[StyleEntry]
    mix_presets: list[StyleEntry]


@cache
def _catalog() -> dict[str, list[dict[str, Any]]]:
    return catalog()


@router.get("", response_model=StyleCatalog, responses=responses(*AUTHED), summary="List styles")
def list_styles(principal: CurrentAccount) -> dict[str, list[dict[str, Any]]]:
    """Genres, moods, ensembles, instruments, grooves, place/era/use words, tempo words and mix
    presets, each with
    the words a prompt uses for it (see the composer docs for how a prompt is read)."""
    return _catalog()
