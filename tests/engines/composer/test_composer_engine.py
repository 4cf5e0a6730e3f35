"""The composer engine end to end: exact length, level, metadata, determinism, stems
(multi-instrument), streaming, options and a missing SoundFont."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from music_gen.engines.composer import ComposerEngine
from music_gen.engines.composer.render import find_soundfont, soundfont_problem
from music_gen.engines.registry import load_engine
from music_gen.errors import InvalidParameterError, ModelUnavailableError
from music_gen.params import GenerationParams

Render = Any

FUNK = "upbeat funk with drums, bass, electric piano and brass"


def test_capabilities(engine: ComposerEngine) -> None:
    caps = engine.capabilities
    assert (caps.max_duration_s, caps.sample_rate, caps.channels) == (900, 44100, 2)
    assert caps.streaming and caps.stems and caps.midi


@pytest.mark.parametrize("duration_s", [0.5, 3.3, 6.0])
def test_exact_length_stereo_float_finite_audible_unclipped(
    render: Render, duration_s: float
) -> None:
    audio = render("Calm piano melody", duration_s)
    samples = audio.samples
    assert samples.shape == (2, round(duration_s * 44100))
    assert samples.dtype == np.float32 and audio.sample_rate == 44100
    assert np.isfinite(samples).all()
    assert np.abs(samples).max() <= 1.0
    rms = float(np.sqrt(np.mean(samples**2)))
    assert rms > 0.01  # audible: louder than -40 dBFS
    # The last samples are faded to silence: no click at the end.
    assert np.abs(samples[:, -5:]).max() < 1e-3


def test_level_is_sane_for_a_full_band(render: Render) -> None:
    samples = render(FUNK, 8.0).samples
    peak_db = 20 * np.log10(np.abs(samples).max())
    rms_db = 20 * np.log10(np.sqrt(np.mean(samples**2)))
    assert -6.0 < peak_db <= 0.0
    assert -30.0 < rms_db < -8.0


def test_metadata(render: Render) -> None:
    audio = render(FUNK, 6.0, seed=42)
    meta = audio.metadata
    assert meta["engine"] == "composer" and meta["model"] == "composer" and meta["seed"] == 42
    assert meta["params"]["prompt"] == FUNK and meta["params"]["seed"] == 42
    plan = meta["plan"]
    assert plan["genre"] == "funk"
    assert {p["role"] for p in plan["parts"]} == {"drums", "bass", "chords", "melody"}
    json.dumps(meta)  # JSON-serialisable


def test_midi_matches_the_plan(render: Render) -> None:
    audio = render(FUNK, 6.0, seed=42)
    assert audio.midi is not None
    plan_programs = sorted(
        p["program"] for p in audio.metadata["plan"]["parts"] if not p["is_drum"]
    )
    midi_programs = sorted(i.program for i in audio.midi.instruments if not i.is_drum)
    assert midi_programs == plan_programs
    assert audio.midi.get_end_time() <= 6.0
    tempo = audio.midi.get_tempo_changes()[1][0]
    assert tempo == pytest.approx(audio.metadata["plan"]["tempo_bpm"])


def test_same_seed_is_bit_identical_and_other_seeds_differ(engine: ComposerEngine) -> None:
    params = GenerationParams("lo-fi hip hop with piano", duration_s=4.0, seed=7)
    first = engine.generate(params).samples
    second = engine.generate(params).samples
    assert np.array_equal(first, second)
    other = engine.generate(params.with_(seed=8)).samples
    assert not np.array_equal(first, other)


def test_seed_none_draws_and_reports_a_seed(engine: ComposerEngine) -> None:
    params = GenerationParams("folk guitar", duration_s=2.0)
    audio = engine.generate(params)
    seed = audio.metadata["seed"]
    assert isinstance(seed, int) and 0 <= seed < 2**32
    again = engine.generate(params.with_(seed=seed))
    assert np.array_equal(audio.samples, again.samples)


def test_sampling_parameters_change_the_music(engine: ComposerEngine) -> None:
    base = GenerationParams("jazz piano trio", duration_s=8.0, seed=3)
    greedy = engine.plan(base.with_(top_k=1))[1]
    hot = engine.plan(base.with_(temperature=3.0))[1]

    def pitches(arrangement: Any) -> list[int]:
        return [n.pitch for notes in arrangement.notes.values() for n in notes]

    assert pitches(greedy) != pitches(hot)


def test_stems_are_aligned_and_sum_to_the_mix(render: Render) -> None:
    audio = render(FUNK, 5.0, seed=5, extra={"stems": True})
    assert audio.stems is not None
    names = [p["name"] for p in audio.metadata["plan"]["parts"]]
    assert list(audio.stems) == names
    total = np.zeros_like(audio.samples)
    for stem in audio.stems.values():
        assert stem.samples.shape == audio.samples.shape
        assert np.sqrt(np.mean(stem.samples**2)) > 1e-3
        total += stem.samples
    # Same notes, same gain: the stems add up to the mix except where the limiter bent peaks.
    error = np.sqrt(np.mean((total - audio.samples) ** 2)) / np.sqrt(np.mean(audio.samples**2))
    assert error < 0.05
    # The stems do not change the mix itself.
    plain = render(FUNK, 5.0, seed=5)
    assert np.array_equal(plain.samples, audio.samples)


def test_stream_concatenates_to_generate(engine: ComposerEngine, render: Render) -> None:
    whole = render(FUNK, 5.0, seed=9)
    params = GenerationParams(FUNK, duration_s=5.0, seed=9)
    chunks = list(engine.stream(params, chunk_s=0.7))
    assert [c.start_frame for c in chunks] == [i * 30870 for i in range(len(chunks))]
    assert chunks[-1].final and not any(c.final for c in chunks[:-1])
    streamed = np.concatenate([c.samples for c in chunks], axis=1)
    assert np.array_equal(streamed, whole.samples)


def test_stream_yields_a_chunk_before_rendering_the_rest(
    engine: ComposerEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    renderer = engine._live_renderer()
    rendered: list[int] = []
    original = renderer._write_float

    def counting(synth: Any, frames: int, *args: Any) -> Any:
        rendered.append(frames)
        return original(synth, frames, *args)

    monkeypatch.setattr(renderer, "_write_float", counting)
    stream = engine.stream(GenerationParams("rock", duration_s=600.0, seed=1), chunk_s=0.5)
    first = next(stream)
    # Ten minutes planned, half a second rendered: the first chunk does not wait for the rest.
    assert first.samples.shape == (2, 22050) and first.start_frame == 0
    assert sum(rendered) == 22050
    stream.close()


def test_progress_is_reported_up_to_one(engine: ComposerEngine) -> None:
    seen: list[float] = []
    engine.generate(GenerationParams("rock", duration_s=3.0, seed=1), progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    assert all(0.0 <= f <= 1.0 for f in seen)


def test_multi_instrument_shares_one_plan(engine: ComposerEngine) -> None:
    parts = {"piano": "Jazz piano comping", "bass": "Walking bass line", "drums": "Swing pattern"}
    stems = engine.generate_stems(parts, GenerationParams("cool jazz", duration_s=4.0, seed=2))
    assert list(stems) == list(parts)
    plans = [stem.metadata["plan"] for stem in stems.values()]
    assert all(plan == plans[0] for plan in plans)
    assert plans[0]["genre"] == "jazz"
    for name, stem in stems.items():
        assert stem.samples.shape == (2, 4 * 44100)
        assert np.sqrt(np.mean(stem.samples**2)) > 1e-3
        assert stem.metadata["part"]["name"] == name
        assert stem.midi is not None and len(stem.midi.instruments) == 1
    assert stems["drums"].midi.instruments[0].is_drum
    assert stems["bass"].metadata["part"]["style"] == "walking"


def test_multi_instrument_unknown_instrument(engine: ComposerEngine) -> None:
    with pytest.raises(InvalidParameterError, match="known instruments"):
        engine.generate_stems({"zorblophone-x": "spooky"}, GenerationParams("x", seed=1))


def test_invalid_extra_keys_list_the_valid_ones(engine: ComposerEngine) -> None:
    with pytest.raises(InvalidParameterError, match="stems"):
        engine.generate(GenerationParams("rock", duration_s=1.0, extra={"reverb_amount": 3}))
    with pytest.raises(InvalidParameterError, match="true or false"):
        engine.generate(GenerationParams("rock", duration_s=1.0, extra={"stems": "yes"}))


def test_duration_above_the_maximum(engine: ComposerEngine) -> None:
    with pytest.raises(InvalidParameterError, match="maximum"):
        engine.generate(GenerationParams("rock", duration_s=901.0))


def test_missing_soundfont_raises_with_install_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("MUSICGEN_SOUNDFONT", str(tmp_path / "missing.sf2"))
    with pytest.raises(ModelUnavailableError, match="fluid-soundfont-gm") as info:
        ComposerEngine()
    assert "MUSICGEN_SOUNDFONT" in info.value.message
    problem = soundfont_problem()
    assert problem is not None and "apt-get install" in problem
    with pytest.raises(ModelUnavailableError):
        load_engine("composer")
    with pytest.raises(ModelUnavailableError, match="not a file"):
        ComposerEngine(soundfont=tmp_path / "nope.sf2")


def test_registry_builds_the_composer() -> None:
    assert find_soundfont().suffix == ".sf2"
    engine = load_engine("composer")
    try:
        assert isinstance(engine, ComposerEngine)
        audio = engine.generate(GenerationParams("bossa nova", duration_s=1.5, seed=1))
        assert audio.num_frames == round(1.5 * 44100)
    finally:
        engine.close()


@pytest.mark.parametrize("prompt", ["solo flute", "Calm piano melody", FUNK])
def test_no_silent_stretches(render: Render, prompt: str) -> None:
    audio = render(prompt, 12.0, seed=2)
    # Up to the final chord (which may ring and fade as long as it likes).
    final_s = audio.metadata["plan"]["sections"][-1]["end_s"] - audio.metadata["plan"]["bar_s"]
    mono = audio.samples.mean(axis=0)[: round(final_s * 44100)]
    window = 44100 // 2
    levels = [
        20 * np.log10(np.sqrt(np.mean(mono[i : i + window] ** 2)) + 1e-12)
        for i in range(0, mono.size - window + 1, window)
    ]
    assert min(levels) > -45.0, f"{prompt}: a half second at {min(levels):.1f} dBFS"


@pytest.mark.parametrize("temperature", [0.01, 100.0])
def test_extreme_temperatures_give_valid_audio(engine: Any, temperature: float) -> None:
    from music_gen.params import GenerationParams

    audio = engine.generate(
        GenerationParams("jazz piano trio", duration_s=1.0, temperature=temperature, seed=3)
    )
    assert np.isfinite(audio.samples).all()
    assert np.abs(audio.samples).max() > 1e-3
