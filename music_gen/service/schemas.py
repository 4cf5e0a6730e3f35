"""Request and response bodies of the REST API (pydantic models, shown in the OpenAPI spec).

Bodies are checked here for shape and type only; the generation rules themselves (ranges,
prompt length, the model's maximum duration) are checked by music_gen.GenerationParams so
that the API and the Python library accept exactly the same requests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from music_gen.errors import InvalidPromptError
from music_gen.params import (
    DEFAULT_DURATION_S,
    DEFAULT_LOUDNESS_LUFS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
    LOUDNESS_LUFS_RANGE,
    MAX_PART_NAME_CHARS,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    PART_NAME_PATTERN,
    PROMPT_PATTERN,
    check_prompt,
    is_part_name,
)
from music_gen.service.states import TaskState

if TYPE_CHECKING:
    from music_gen.service.models import Task


def _prompt(value: str) -> str:
    # The library's own rule and message (the schema shows it as PROMPT_PATTERN).
    try:
        check_prompt(value)
    except InvalidPromptError as exc:
        raise PydanticCustomError("invalid_prompt", exc.message) from exc
    return value


def _part_name(value: str) -> str:
    if not is_part_name(value) or value.strip().lower() == "mix":
        raise PydanticCustomError(
            "invalid_part_name",
            "use 1-{max} letters, digits, spaces, '_', '.' or '-', starting with a letter or "
            "digit, not 'mix'",
            {"max": MAX_PART_NAME_CHARS},
        )
    return value


def _not_text_or_bool(value: Any) -> Any:
    if isinstance(value, (str, bool)):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


#: Numbers are numbers: "30" and true are refused, as the library refuses them (an integer
#: is a fine float, and 7.0 a fine integer, as in JSON Schema).
Number = Annotated[float, Strict()]
Integer = Annotated[int, BeforeValidator(_not_text_or_bool)]
# Constraints before the validator, so that the schema says minimum/maximum.
Seed = Annotated[int, Field(ge=0, le=MAX_SEED), BeforeValidator(_not_text_or_bool)]
#: A prompt: what GenerationParams accepts.
Prompt = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_PROMPT_CHARS,
        json_schema_extra={"pattern": PROMPT_PATTERN},
        description="What to play, in words (no control characters; something visible).",
    ),
    AfterValidator(_prompt),
]
PartName = Annotated[str, AfterValidator(_part_name)]


def _preset_names(schema: dict[str, Any]) -> None:
    # The schema lists the presets (read when the schema is built, not at import: mixing
    # is heavy).
    from music_gen.mixing import list_presets

    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string":
            branch["enum"] = sorted(list_presets())
            branch.pop("maxLength", None)


def _utc(value: datetime) -> datetime:
    # Stored times are UTC; SQLite hands them back without a zone.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: A time in UTC, written with its offset ("2026-12-01T14:50:00+00:00").
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]

AudioFormat = Literal["wav", "flac", "ogg", "mp3"]
WebhookEvent = Literal["start", "progress", "completed"]
MAX_INSTRUMENTS = 8


class ErrorBody(BaseModel):
    """What went wrong: a stable code, a message for people and machine-readable details."""

    code: str = Field(examples=["INVALID_PROMPT"])
    message: str = Field(examples=["Prompt cannot be empty"])
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(BaseModel):
    """Every error response has this body."""

    error: ErrorBody


class GenerateRequest(BaseModel):
    """One piece to generate."""

    model_config = ConfigDict(extra="forbid")

    prompt: Prompt = Field(examples=["Upbeat jazz piano"])
    duration: Number = Field(
        default=DEFAULT_DURATION_S,
        gt=0,
        description="Seconds of audio; at most the model's max_duration_s (see /models).",
    )
    temperature: Number = Field(
        default=DEFAULT_TEMPERATURE,
        ge=MIN_TEMPERATURE,
        le=MAX_TEMPERATURE,
        description="Higher is more adventurous.",
    )
    top_k: Integer = Field(default=DEFAULT_TOP_K, ge=0, description="0 disables the cut.")
    top_p: Number = Field(default=DEFAULT_TOP_P, gt=0, le=1, description="In (0, 1].")
    seed: Seed | None = Field(default=None, description="Same seed, same music.")
    loudness_lufs: Number | None = Field(
        default=DEFAULT_LOUDNESS_LUFS,
        ge=LOUDNESS_LUFS_RANGE[0],
        le=LOUDNESS_LUFS_RANGE[1],
        description="Integrated loudness of the result (BS.1770; true peak at most -1 dBTP); "
        "null keeps the model's own level.",
    )
    model: str | None = Field(
        default=None, max_length=200, description="A name from /models; default: the server's."
    )
    format: AudioFormat = Field(default="wav", description="Container of the result.")
    webhook: str | None = Field(
        default=None,
        max_length=2048,
        description="https URL told about the task's events (Standard Webhooks signatures; "
        "create the secret with POST /webhooks/secret).",
    )
    webhook_events_filter: list[WebhookEvent] | None = Field(
        default=None,
        max_length=3,
        description="Events sent to the webhook; default all of start, progress, completed.",
    )


class TaskAccepted(BaseModel):
    """A task was queued."""

    task_id: str
    status: TaskState
    eta: float = Field(description="Estimated seconds until the audio is ready.")


class TaskStatus(BaseModel):
    """Where a task stands and, when completed, where its audio is."""

    task_id: str
    status: TaskState
    progress: float = Field(description="0 to 1.")
    audio_url: str | None = Field(
        default=None, description="The audio (for multi-instrument tasks, the mix)."
    )
    stems: dict[str, str] | None = Field(
        default=None, description="Multi-instrument tasks: part name -> audio URL."
    )
    midi_url: str | None = Field(
        default=None, description="The notes as a Standard MIDI File (note-based engines)."
    )
    duration: float | None = Field(default=None, description="Seconds of audio.")
    metadata: dict[str, Any] = Field(default_factory=dict)
    error: ErrorBody | None = None
    engine_s: float | None = Field(
        default=None, description="Seconds the engine took (completed tasks)."
    )
    model: str
    format: AudioFormat
    batch_id: str | None = None
    created_at: UtcDatetime
    finished_at: UtcDatetime | None = None


def task_status(
    task: Task,
    *,
    file_url: Callable[[str], str],
    midi_url: Callable[[str], str] | None = None,
) -> TaskStatus:
    """The public view of a task (``GET /generate/{task_id}``, webhook payloads).

    Args:
        task: The task's row.
        file_url: The URL of an audio file from its id.
        midi_url: The URL of a task's notes from its id (None: the view has no midi_url).
    """
    result = task.result or {}
    files: dict[str, str] = result.get("files") or {}
    completed = task.status == TaskState.COMPLETED
    audio_url = notes_url = None
    stems = None
    if completed and files:
        urls = {label: file_url(file_id) for label, file_id in files.items()}
        if task.kind == "multi":
            audio_url = urls.pop("mix", None)
            stems = urls
        else:
            audio_url = urls.get("audio")
        if midi_url is not None and result.get("midi"):
            notes_url = midi_url(task.id)
    return TaskStatus(
        task_id=task.id,
        status=task.status,
        progress=1.0 if completed else task.progress,
        audio_url=audio_url,
        stems=stems,
        midi_url=notes_url,
        duration=result.get("duration") if completed else task.duration_s,
        metadata=result.get("metadata") or {},
        error=task.error,  # type: ignore[arg-type]
        engine_s=result.get("engine_s"),
        model=task.model,
        format=task.format,  # type: ignore[arg-type]
        batch_id=task.batch_id,
        created_at=task.created_at,
        finished_at=task.finished_at,
    )


class TaskSummary(TaskStatus):
    """A task in the account's history: its status plus what was asked."""

    kind: Literal["generate", "multi", "stream"]
    prompt: str | None = Field(default=None, description="The prompt (single pieces).")
    instruments: dict[str, str] | None = Field(
        default=None, description="Part name -> what it plays (multi-instrument tasks)."
    )
    seed: int | None = Field(default=None, description="The seed asked for, if any.")


class TaskPage(BaseModel):
    """One page of the account's tasks, newest first."""

    tasks: list[TaskSummary]
    next_cursor: str | None = Field(
        default=None, description="Pass as ``cursor`` for the next page; null on the last one."
    )


class BatchRequest(BaseModel):
    """Several pieces at once (at most MUSICGEN_BATCH_MAX_REQUESTS, 16 by default)."""

    model_config = ConfigDict(extra="forbid")

    requests: list[GenerateRequest] = Field(min_length=1, max_length=256)
    webhook: str | None = Field(
        default=None, max_length=2048, description="Webhook of every task without its own."
    )
    webhook_events_filter: list[WebhookEvent] | None = Field(default=None, max_length=3)


class BatchAccepted(BaseModel):
    """A batch was queued."""

    batch_id: str
    task_ids: list[str]
    status: TaskState


class BatchStatus(BaseModel):
    """A batch's aggregate status and each of its tasks.

    The aggregate is ``processing`` while any task is queued or running (``queued`` if none
    started yet), else ``completed`` if every task completed, else ``failed`` if any failed,
    else ``cancelled``.
    """

    batch_id: str
    status: TaskState
    counts: dict[str, int]
    tasks: list[TaskStatus]


class MultiInstrumentRequest(BaseModel):
    """Separate stems for named instruments, plus their mix."""

    model_config = ConfigDict(extra="forbid")

    instruments: dict[PartName, Prompt] = Field(
        min_length=1,
        max_length=MAX_INSTRUMENTS,
        description="Instrument (part) name -> what it plays.",
        examples=[{"piano": "Jazz piano comping", "bass": "Walking bass line"}],
        json_schema_extra={
            "propertyNames": {
                "pattern": PART_NAME_PATTERN,
                "minLength": 1,
                "maxLength": MAX_PART_NAME_CHARS,
                "not": {"pattern": "^ *[Mm][Ii][Xx] *$"},
            }
        },
    )
    duration: Number = Field(default=DEFAULT_DURATION_S, gt=0)
    mix_preset: str | None = Field(
        default=None,
        max_length=100,
        examples=["jazz_club"],
        description="A mix preset name.",
        json_schema_extra=_preset_names,
    )
    temperature: Number = Field(default=DEFAULT_TEMPERATURE, ge=MIN_TEMPERATURE, le=MAX_TEMPERATURE)
    top_k: Integer = Field(default=DEFAULT_TOP_K, ge=0)
    top_p: Number = Field(default=DEFAULT_TOP_P, gt=0, le=1)
    seed: Seed | None = None
    model: str | None = Field(default=None, max_length=200)
    format: AudioFormat = "wav"
    webhook: str | None = Field(default=None, max_length=2048)
    webhook_events_filter: list[WebhookEvent] | None = Field(default=None, max_length=3)


class MixPreset(BaseModel):
    """A named mix for multi-instrument pieces."""

    name: str
    description: str


class MixPresetList(BaseModel):
    """Every mix preset."""

    presets: list[MixPreset]


class ModelEntry(BaseModel):
    """One model and whether it can run on this server."""

    name: str
    engine: str
    size: str
    quality: str
    sample_rate: int
    channels: int
    max_duration_s: float
    description: str
    aliases: list[str]
    available: bool
    reason: str | None = None


class ModelList(BaseModel):
    """Every model the server knows."""

    models: list[ModelEntry]


class Liveness(BaseModel):
    """The process answers."""

    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    """Whether the server can take work now, and why not."""

    ready: bool
    database: bool
    # Whether a file can be written in the audio folder.
    storage: bool
    engine_loaded: bool
    engine_error: str | None = None
    default_model: str
    queue_depth: int
    workers_alive: int
    workers: int
