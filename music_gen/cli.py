"""The ``musicgen`` command line (``python -m music_gen`` works too)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from music_gen.engines.registry import DEFAULT_MODEL
from music_gen.errors import MusicGenError
from music_gen.params import (
    DEFAULT_DURATION_S,
    DEFAULT_LOUDNESS_LUFS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
)

app = typer.Typer(
    name="musicgen",
    help="Generate music from text, offline. Run `musicgen generate --help` to start.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error and exit non-zero (no traceback)."""
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@app.command()
def generate(
    prompt: Annotated[str, typer.Argument(help='What to play, e.g. "calm piano in D minor".')],
    duration: Annotated[
        float, typer.Option("--duration", "-d", help="Seconds.")
    ] = DEFAULT_DURATION_S,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write (.wav .flac .ogg .mp3).")
    ] = Path("output.wav"),
    model: Annotated[
        str, typer.Option("--model", "-m", help="See `musicgen models`.")
    ] = DEFAULT_MODEL,
    seed: Annotated[int | None, typer.Option(help="Same seed, same music.")] = None,
    temperature: Annotated[
        float, typer.Option(help="0.01 to 100; higher is more adventurous.")
    ] = DEFAULT_TEMPERATURE,
    top_k: Annotated[
        int, typer.Option(help="Keep the k likeliest choices (0: all).")
    ] = DEFAULT_TOP_K,
    top_p: Annotated[float, typer.Option(help="Nucleus cut in (0, 1].")] = DEFAULT_TOP_P,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda or cuda:N.")] = "auto",
    loudness: Annotated[
        str,
        typer.Option(
            help="Integrated loudness in LUFS (-60 to 0; true peak at most -1 dBTP), "
            "or 'off' to keep the model's own level."
        ),
    ] = f"{DEFAULT_LOUDNESS_LUFS:g}",
    midi: Annotated[
        Path | None, typer.Option(help="Also write the notes here (composer only).")
    ] = None,
    stems: Annotated[
        Path | None,
        typer.Option(help="Also write one file per instrument into this folder (composer)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print metadata as JSON.")] = False,
) -> None:
    """Generate a piece from a text prompt and write it to a file."""
    from music_gen.audio import normalize_format
    from music_gen.generator import MusicGenerator

    try:
        normalize_format(output.suffix or "")
        generator = MusicGenerator(model=model, device=device)
        params = generator.make_params(
            prompt,
            duration,
            temperature,
            top_k,
            top_p,
            seed,
            loudness_lufs=_loudness(loudness),
            stems=stems is not None,
        )
        with _progress_bar(f"Generating {params.duration_s:g}s") as update:
            audio = generator.generate(params, progress=update)
        path = audio.save(output)
        written = [str(path)]
        if midi is not None:
            written.append(str(audio.save_midi(midi)))
        if stems is not None:
            saved = audio.save_stems(stems, format=path.suffix.lstrip(".") or "wav")
            written.extend(str(p) for p in saved.values())
    except MusicGenError as exc:
        fail(exc.message)
        return
    if as_json:
        out.print_json(json.dumps({"files": written, "metadata": audio.metadata}, default=str))
        return
    _print_summary(audio.metadata, written, audio.duration)


def _loudness(text: str) -> float | None:
    """``--loudness``: a number of LUFS, or off/none for the model's own level."""
    if text.strip().lower() in ("off", "none"):
        return None
    try:
        return float(text)
    except ValueError:
        from music_gen.errors import InvalidParameterError

        raise InvalidParameterError(
            f"--loudness must be a number of LUFS (e.g. -14) or 'off', got {text!r}",
            details={"field": "loudness_lufs"},
        ) from None


models_app = typer.Typer(
    help="List the models (the default), or download one's weights.",
    invoke_without_command=True,
)
app.add_typer(models_app, name="models")


@models_app.command("download")
def models_download(
    name: Annotated[str, typer.Argument(help="A model name, e.g. facebook/musicgen-small.")],
) -> None:
    """Download a model's weights so that it runs offline (and a server serves it)."""
    from music_gen.engines.registry import download

    try:
        folder = download(name)
    except MusicGenError as exc:
        fail(exc.message)
    if folder is None:
        out.print(f"{name} needs no weights: nothing to download")
    else:
        out.print(f"{name}: weights in {folder}")


@models_app.callback()
def models(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the models, and whether each can run here (and if not, how to fix it)."""
    from music_gen.engines.registry import list_models

    if ctx.invoked_subcommand is not None:
        return

    infos = list_models()
    if as_json:
        out.print_json(json.dumps([info.to_dict() for info in infos]))
        return
    # Readable at 80 columns: one table per engine (the engine is its title), short cells,
    # names whole; the long reasons a model cannot run follow as paragraphs that wrap between
    # words.
    reasons = []
    for engine in dict.fromkeys(info.engine for info in infos):
        table = Table(
            title=f"{engine} engine", box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0)
        )
        table.add_column("name", no_wrap=True)
        for column in ("size", "quality", "rate", "max s"):
            table.add_column(column, no_wrap=True)
        table.add_column("status")
        for info in (info for info in infos if info.engine == engine):
            if not info.available:
                status = "[yellow]unavailable[/]"
                reasons.append((info.name, info.reason))
            elif info.downloaded is False:
                status = "[cyan]downloads on first use[/]"
            else:
                status = "[green]ready[/]"
            table.add_row(
                info.name,
                info.size,
                info.quality,
                str(info.sample_rate),
                f"{info.max_duration_s:g}",
                status,
            )
        out.print(table)
    for name, reason in reasons:
        out.print()
        out.print(f"[bold]{escape(name)}[/]: {escape(reason or 'unavailable')}")


@app.command()
def styles(
    section: Annotated[
        str | None,
        typer.Argument(
            help="genres, moods, ensembles, instruments, grooves, descriptors (place, era and "
            "use words), tempo_words or mix_presets (all when left out)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the styles the composer understands, with the words that select each."""
    from music_gen.engines.composer.catalog import SECTIONS, catalog

    if section is not None and section not in SECTIONS:
        fail(f"unknown section {section!r}; choose one of: {', '.join(SECTIONS)}")
    data = catalog()
    shown = {k: v for k, v in data.items() if section is None or k == section}
    if as_json:
        out.print_json(json.dumps(shown))
        return
    for name, entries in shown.items():
        table = Table(title=name.replace("_", " "), show_lines=False)
        table.add_column("name", no_wrap=True)
        table.add_column("words")
        table.add_column("details")
        for entry in entries:
            details = [
                f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in entry.items()
                if k not in ("name", "words") and v not in (None, "", [])
            ]
            table.add_row(entry["name"], ", ".join(entry["words"]), "; ".join(map(str, details)))
        out.print(table)


# --- REST service (imported lazily: the service extras may not be installed) ---------------

keys_app = typer.Typer(help="Manage API keys of the REST service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[int | None, typer.Option(help="Generation worker threads.")] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="No API keys (development, loopback only).")
    ] = False,
) -> None:
    """Run the REST API (settings from MUSICGEN_* variables and .env; see docs/configuration.md)."""
    from music_gen.service import commands

    try:
        commands.serve(host=host, port=port, workers=workers, no_auth=no_auth)
    except MusicGenError as exc:
        fail(exc.message)


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Generation threads (default MUSICGEN_WORKERS).")
    ] = None,
    queues: Annotated[
        list[str] | None,
        typer.Option("--queues", "-Q", help="Celery queues to consume (default musicgen)."),
    ] = None,
) -> None:
    """Run a Celery worker for MUSICGEN_QUEUE=celery (same database and audio folder)."""
    from music_gen.service import commands

    try:
        commands.worker(concurrency=concurrency, queues=queues)
    except MusicGenError as exc:
        fail(exc.message)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who the key is for.")],
    tier: Annotated[str, typer.Option(help="free or pro (for a new account).")] = "free",
    account: Annotated[
        str | None, typer.Option(help="Add the key to this account instead of a new one.")
    ] = None,
) -> None:
    """Create an API key and print it (it is shown only this once)."""
    from music_gen.service import commands

    try:
        info, key = commands.create_key(name=name, tier=tier, account=account)
        console.print(commands.data_location(), highlight=False, soft_wrap=True)
    except MusicGenError as exc:
        fail(exc.message)
        return
    console.print(
        f"Created key {info['prefix']} for account {info['account_id']} ({info['tier']}). "
        "Store it now: it cannot be shown again.",
        highlight=False,
    )
    out.print(key, highlight=False, soft_wrap=True)


@keys_app.command("list")
def keys_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List API keys (prefixes only; keys themselves are never stored)."""
    from music_gen.service import commands

    rows = commands.list_keys()
    console.print(commands.data_location(), highlight=False, soft_wrap=True)
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title="API keys")
    for column in ("prefix", "name", "tier", "account", "created", "revoked"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["prefix"],
            row["name"],
            row["tier"],
            row["account_id"],
            row["created_at"] or "",
            row["revoked_at"] or "",
        )
    out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key's prefix, id, or the key itself.")],
) -> None:
    """Revoke an API key at once."""
    from music_gen.service import commands

    try:
        row = commands.revoke_key(key)
    except MusicGenError as exc:
        fail(exc.message)
        return
    out.print(f"Revoked key {row['prefix']} ({row['name']})", highlight=False)


class _ProgressContext:
    def __init__(self, label: str) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self._task = self._progress.add_task(label, total=1.0)

    def __enter__(self) -> Any:
        self._progress.start()

        def update(fraction: float) -> None:
            self._progress.update(self._task, completed=min(max(fraction, 0.0), 1.0))

        return update

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


def _progress_bar(label: str) -> _ProgressContext:
    return _ProgressContext(label)


def _print_summary(metadata: dict[str, Any], written: list[str], duration_s: float) -> None:
    plan = metadata.get("plan") or {}
    out.print(f"[bold green]Wrote[/] {', '.join(written)} ({duration_s:.2f}s)")
    if plan:
        parts = ", ".join(f"{p.get('name')} ({p.get('instrument')})" for p in plan.get("parts", []))
        out.print(
            f"  {plan.get('genre')} / {plan.get('mood')}, {plan.get('tempo_bpm')} bpm, "
            f"{plan.get('key')}, {plan.get('meter')}"
        )
        if parts:
            out.print(f"  parts: {parts}")
        if plan.get("form"):
            out.print(f"  form: {' '.join(plan['form'])}")
        for note in plan.get("notes") or []:
            out.print(f"  note: {note}", highlight=False)
        corrections = plan.get("corrections") or {}
        if corrections:
            read_as = ", ".join(f"{typo} -> {word}" for typo, word in corrections.items())
            out.print(f"  read as: {read_as}", highlight=False)
        if plan.get("unrecognized_words"):
            out.print(f"  not understood: {', '.join(plan['unrecognized_words'])}")
            console.print(
                "[yellow]hint:[/] some words were not understood; run `musicgen styles` "
                "for the genres, moods, instruments and grooves the composer knows",
                highlight=False,
            )
    if metadata.get("loudness_lufs") is not None:
        out.print(
            f"  level: {metadata['loudness_lufs']} LUFS, "
            f"true peak {metadata.get('true_peak_dbtp')} dBTP"
        )
    out.print(f"  model: {metadata.get('model')}, seed: {metadata.get('seed')}")


def main() -> None:
    """Entry point of the ``musicgen`` script."""
    try:
        app()
    except MusicGenError as exc:  # pragma: no cover - commands catch their own
        console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        sys.exit(2)


def _print_version(value: bool) -> None:
    if value:
        from music_gen import __version__

        out.print(f"musicgen {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Generate music from text, offline. Run `musicgen generate --help` to start."""
