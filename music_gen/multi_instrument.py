"""MultiInstrumentGenerator: one stem per instrument from one shared plan, plus a mastered mix."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from music_gen.audio import AudioOutput
from music_gen.engines.base import ProgressCallback
from music_gen.engines.registry import DEFAULT_MODEL
from music_gen.errors import GenerationError, InvalidParameterError, InvalidPromptError
from music_gen.generator import MusicGenerator
from music_gen.mixing.mixer import AudioMixer
from music_gen.mixing.settings import MixSettings
from music_gen.params import (
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_K,
    DEFAULT_TOP_P,
    MAX_PART_NAME_CHARS,
    MAX_PROMPT_CHARS,
    GenerationParams,
    is_part_name,
)

#: Key of the mixed and mastered result in generate_multi_track()'s dict; no part may use it.
MIX_KEY = "mix"
# Stem metadata that describes the whole piece and is copied onto the mix.
_SHARED_METADATA = ("engine", "model", "seed", "params", "plan")
# Share of the progress bar given to generation; mixing and mastering take the rest.
_GENERATION_SHARE = 0.9


class MultiInstrumentGenerator(MusicGenerator):
    """Generate separate, sample-aligned instrument stems and their mix.

    Takes the same ``model``, ``device``, ``dtype`` and ``cache_dir`` as
    :class:`~music_gen.MusicGenerator` (and can do everything it does); the model's engine
    must support stems (the composer does).

    Example:
        >>> multi = MultiInstrumentGenerator()
        >>> tracks = multi.generate_multi_track(
        ...     prompts={"piano": "Jazz piano comping", "bass": "Walking bass line",
        ...              "drums": "Swing pattern"},
        ...     duration=60.0, mix_settings={"preset": "jazz_club"})
        >>> tracks["piano"].save("piano.wav"); tracks["mix"].save("mix.wav")
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        device: str = "auto",
        dtype: Any = None,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        mixer: AudioMixer | None = None,
    ) -> None:
        super().__init__(model, device, dtype, cache_dir)
        # Mixes and masters the stems; pass one to share it or to customise it.
        self.mixer = mixer or AudioMixer()

    def generate_multi_track(
        self,
        prompts: Mapping[str, str],
        duration: float,
        mix_settings: Mapping[str, Any] | MixSettings | None = None,
        *,
        prompt: str | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        top_k: int = DEFAULT_TOP_K,
        top_p: float = DEFAULT_TOP_P,
        seed: int | None = None,
        progress: ProgressCallback | None = None,
    ) -> dict[str, AudioOutput]:
        """Generate one stem per part and mix them.

        Args:
            prompts: Part name -> what that instrument plays ({"piano": "Jazz comping"}).
                Names: letters, digits, space, ``_ . -``, at most 64 characters, not "mix".
            duration: Length in seconds.
            mix_settings: A preset name and/or explicit levels, panning, effects (keyed by
                part name) and mastering target_lufs / headroom_db; explicit values override
                the preset's. See :class:`~music_gen.mixing.MixSettings`.
            prompt: The style of the whole piece; default: the part prompts joined.
            temperature: As for :meth:`MusicGenerator.generate`.
            top_k: As for :meth:`MusicGenerator.generate`.
            top_p: As for :meth:`MusicGenerator.generate`.
            seed: As for :meth:`MusicGenerator.generate`.
            progress: Called with the fraction done.

        Returns:
            ``{part: stem, ..., "mix": mix}`` in the order of ``prompts``. Every value is an
            AudioOutput with the same sample rate and exactly the same number of frames. The
            stems are the engine's raw renders (no level, effect or mastering applied); the
            mix is mixed per ``mix_settings`` and mastered, with metadata["mix"] and
            metadata["mastering"], and ``mix.stems`` holding the stems.

        Raises:
            InvalidPromptError: No parts, or a part prompt that is not a non-empty string.
            InvalidParameterError: A bad part name (or "mix"), duration, sampling value or
                mix setting; checked before anything is generated.
            UnsupportedOperationError: The model cannot make separate stems.
            GenerationError: The engine failed or broke the stem contract.
        """
        parts = _check_parts(prompts)
        settings = MixSettings.from_dict(mix_settings)
        settings.check_tracks(list(parts))
        for name, part_prompt in parts.items():
            try:
                GenerationParams(prompt=part_prompt)
            except InvalidPromptError as exc:
                raise InvalidPromptError(
                    f"prompts[{name!r}]: {exc.message}", details={**exc.details, "part": name}
                ) from exc
        overall = prompt if prompt is not None else _joined(parts)
        params = self.make_params(overall, duration, temperature, top_k, top_p, seed)
        engine = self.load()

        def generation_progress(fraction: float) -> None:
            if progress is not None:
                progress(min(max(fraction, 0.0), 1.0) * _GENERATION_SHARE)

        with self._generation_lock(engine):
            stems = engine.generate_stems(parts, params, progress=generation_progress)
        stems = _check_stems(stems, parts)

        def mixing_progress(fraction: float) -> None:
            if progress is not None:
                progress(_GENERATION_SHARE + (1.0 - _GENERATION_SHARE) * min(fraction, 0.999))

        mix = self.mixer.mix(stems, settings, progress=mixing_progress)
        # The shared facts (engine, model, drawn seed, params, the plan) come from the stems.
        first = next(iter(stems.values())).metadata
        shared = {key: first[key] for key in _SHARED_METADATA if key in first}
        mix.metadata = {
            "params": params.to_dict(),
            **shared,
            "parts": dict(parts),
            **mix.metadata,
        }
        mastering = mix.metadata.get("mastering", {})
        mix.metadata["loudness_lufs"] = mastering.get("integrated_lufs")
        mix.metadata["true_peak_dbtp"] = mastering.get("true_peak_dbtp")
        mix.stems = dict(stems)
        if progress is not None:
            progress(1.0)
        return {**stems, MIX_KEY: mix}

    def __repr__(self) -> str:
        return f"MultiInstrumentGenerator(model={self.model!r}, device={self.options.device!r})"


def _check_parts(prompts: object) -> dict[str, str]:
    if not isinstance(prompts, Mapping):
        raise InvalidPromptError(
            f"prompts must be a dict of part name -> prompt, got {type(prompts).__name__}",
            details={"field": "prompts"},
        )
    if not prompts:
        raise InvalidPromptError(
            "prompts cannot be empty: give at least one part, e.g. {'piano': 'Jazz comping'}",
            details={"field": "prompts"},
        )
    parts: dict[str, str] = {}
    for name, part_prompt in prompts.items():
        if not is_part_name(name):
            raise InvalidParameterError(
                f"Part name {name!r} is not valid: use 1-{MAX_PART_NAME_CHARS} letters, "
                "digits, spaces, '_', '.' or '-', starting with a letter or digit",
                details={"field": "prompts", "part": str(name)},
            )
        if name.strip().lower() == MIX_KEY:
            raise InvalidParameterError(
                f"Part name {name!r} collides with the {MIX_KEY!r} key of the result; "
                "rename the part",
                details={"field": "prompts", "part": name},
            )
        parts[name] = part_prompt
    return parts


def _joined(parts: Mapping[str, str]) -> str:
    text = ", ".join(part_prompt.strip() for part_prompt in parts.values())
    if len(text) <= MAX_PROMPT_CHARS:
        return text
    return text[:MAX_PROMPT_CHARS].rsplit(" ", 1)[0]


def _check_stems(stems: object, parts: Mapping[str, str]) -> dict[str, AudioOutput]:
    if not isinstance(stems, Mapping) or set(stems) != set(parts):
        got = sorted(stems) if isinstance(stems, Mapping) else type(stems).__name__
        raise GenerationError(
            f"The engine returned stems {got} for parts {sorted(parts)}",
            details={"parts": list(parts)},
        )
    ordered = {name: stems[name] for name in parts}
    if not all(isinstance(audio, AudioOutput) for audio in ordered.values()):
        raise GenerationError(
            "The engine returned stems that are not AudioOutput", details={"parts": list(parts)}
        )
    shapes = {(audio.sample_rate, audio.num_frames) for audio in ordered.values()}
    if len(shapes) != 1:
        raise GenerationError(
            "The engine returned stems of different sample rates or lengths: "
            + ", ".join(f"{n}={a.sample_rate}Hz/{a.num_frames}" for n, a in ordered.items()),
            details={"parts": list(parts)},
        )
    return ordered
