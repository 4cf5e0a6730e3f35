"""Melody conditioning (and its workaround), continuation from audio, and the decode seam."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from music_gen import (
    AudioOutput,
    InvalidParameterError,
    MusicGenerator,
    UnsupportedOperationError,
)
from music_gen.engines.musicgen.codec import codes_to_audio
from music_gen.engines.musicgen.decoding import SamplingSettings, decode_tokens
from music_gen.engines.musicgen.loading import MelodyFeatures
from music_gen.engines.musicgen.melody import chroma_features
from tests.engines.musicgen.tiny import TINY_SAMPLE_RATE


def sine(freq_hz: float, seconds: float = 1.0, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


@pytest.fixture(scope="module")
def melody_generator(melody_path: Path) -> MusicGenerator:
    generator = MusicGenerator(model=str(melody_path))
    generator.load()
    return generator


def test_melody_model_capabilities(melody_generator: MusicGenerator) -> None:
    assert melody_generator.engine.capabilities.melody is True


def test_a_different_melody_changes_the_music(melody_generator: MusicGenerator) -> None:
    # Greedy decoding: any difference comes from the melody, not from sampling.
    a4 = melody_generator.generate(
        "calm piano", duration=1.0, top_k=1, seed=1, melody=(sine(440.0), 16000)
    )
    again = melody_generator.generate(
        "calm piano", duration=1.0, top_k=1, seed=1, melody=(sine(440.0), 16000)
    )
    e4 = melody_generator.generate(
        "calm piano", duration=1.0, top_k=1, seed=1, melody=(sine(329.63), 16000)
    )
    none = melody_generator.generate("calm piano", duration=1.0, top_k=1, seed=1)
    np.testing.assert_array_equal(a4.samples, again.samples)
    assert np.abs(a4.samples - e4.samples).max() > 1e-4
    assert np.abs(a4.samples - none.samples).max() > 1e-4
    assert a4.num_frames == TINY_SAMPLE_RATE
    assert a4.metadata["params"]["extra"]["melody"] == {"sample_rate": 16000, "duration_s": 1.0}


def test_melody_as_audio_output_and_beyond_the_window(melody_generator: MusicGenerator) -> None:
    melody = AudioOutput(samples=np.stack([sine(440.0, 2.0)] * 2), sample_rate=16000)
    audio = melody_generator.generate("calm piano", duration=3.0, seed=2, melody=melody)
    assert audio.num_frames == 3 * TINY_SAMPLE_RATE


def test_melody_batch(melody_generator: MusicGenerator) -> None:
    engine = melody_generator.engine
    params = [
        melody_generator.make_params("calm", 0.5, top_k=1, seed=1, melody=(sine(440.0), 16000)),
        melody_generator.make_params("calm", 0.5, top_k=1, seed=1),
    ]
    batch = engine.generate_batch(params)
    alone = [engine.generate(p) for p in params]
    for together, single in zip(batch, alone, strict=True):
        np.testing.assert_allclose(together.samples, single.samples, atol=1e-5)


@pytest.mark.parametrize(
    ("melody", "match"),
    [
        ("tune.wav", "AudioOutput or a"),
        ((sine(440.0), 0), "sample rate"),
        ((np.array([], dtype=np.float32), 16000), "empty"),
        ((np.full(100, np.nan, dtype=np.float32), 16000), "NaN"),
        ((np.zeros((2, 2, 2), dtype=np.float32), 16000), "shape"),
        ((["a", "b"], 16000), "numeric"),
    ],
)
def test_bad_melody(melody_generator: MusicGenerator, melody: object, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        melody_generator.generate("calm piano", duration=0.2, melody=melody)


def test_melody_on_a_text_only_model(mono_generator: MusicGenerator) -> None:
    with pytest.raises(UnsupportedOperationError, match="melody"):
        mono_generator.generate("calm", duration=0.2, melody=(sine(440.0), 16000))


@pytest.mark.parametrize(("freq_hz", "pitch_class"), [(440.0, 9), (261.63, 0), (392.0, 7)])
def test_chroma_finds_the_pitch_class(freq_hz: float, pitch_class: int) -> None:
    settings = MelodyFeatures(
        sample_rate=32000, n_fft=16384, hop_length=4096, num_chroma=12, chunk_length_s=30.0
    )
    features = chroma_features(sine(freq_hz, 2.0)[None], 16000, settings, torch.device("cpu"))
    assert features.shape[0] == 1 and features.shape[2] == 12
    assert torch.all(features.sum(-1) == 1)  # one-hot per frame
    assert int(features[0, features.shape[1] // 2].argmax()) == pitch_class


def test_continuation(mono_generator: MusicGenerator) -> None:
    prompt = mono_generator.generate("calm piano", duration=1.0, seed=3)
    result = mono_generator.generate_continuation(prompt, "calm piano", duration=3.5, seed=4)
    assert result.num_frames == round(3.5 * TINY_SAMPLE_RATE)
    assert result.metadata["prompt_duration_s"] == pytest.approx(1.0)
    # 3.5 s is 87.5 codec frames, rounded up to 88; the 1 s prompt was 25 of them.
    assert result.metadata["tokens"] == 88 - 25
    again = mono_generator.generate_continuation(prompt, "calm piano", duration=3.5, seed=4)
    np.testing.assert_array_equal(result.samples, again.samples)
    noise = np.random.default_rng(0).standard_normal(8000).astype(np.float32) * 0.3
    greedy = mono_generator.generate_continuation(
        (sine(440.0, 1.0, 8000), 8000), "calm piano", duration=3.5, seed=4, top_k=1
    )
    other = mono_generator.generate_continuation(
        (noise, 8000), "calm piano", duration=3.5, seed=4, top_k=1
    )
    # The continuation follows the audio it was given.
    start = round(1.0 * TINY_SAMPLE_RATE)
    assert np.abs(other.samples[:, start:] - greedy.samples[:, start:]).max() > 1e-4


def test_continuation_from_samples_at_another_rate(stereo_path: Path) -> None:
    generator = MusicGenerator(model=str(stereo_path))
    result = generator.generate_continuation((sine(440.0, 0.5), 16000), "rock", duration=1.5)
    assert result.samples.shape == (2, round(1.5 * TINY_SAMPLE_RATE))


def test_continuation_must_be_longer_than_its_prompt(mono_generator: MusicGenerator) -> None:
    with pytest.raises(InvalidParameterError, match="longer than the audio prompt"):
        mono_generator.generate_continuation((sine(440.0, 2.0), 16000), "calm", duration=1.5)


def test_decode_seam_matches_stock_generate(mono_generator: MusicGenerator) -> None:
    engine = mono_generator.engine
    loaded = engine.loaded  # type: ignore[attr-defined]
    prompts = ["calm piano", "jazz drums loud fast"]
    tokens = loaded.tokenizer(prompts, padding=True, return_tensors="pt")
    torch.manual_seed(0)
    stock = loaded.model.generate(
        **tokens, max_new_tokens=23, do_sample=True, top_k=1, guidance_scale=3.0
    )
    params = [mono_generator.make_params(p) for p in prompts]
    conditioning = engine._conditioning([engine._request(p) for p in params])  # type: ignore[attr-defined]
    codes = decode_tokens(
        loaded.model, conditioning, new_frames=20, sampling=SamplingSettings(top_k=1),
        decoder="stock",
    )  # fmt: skip
    assert codes.shape == (2, 4, 20)
    audio = codes_to_audio(loaded.model, codes, channels=1)
    np.testing.assert_allclose(audio.numpy(), stock.numpy(), atol=1e-5)


def test_decoder_choice(mono_generator: MusicGenerator) -> None:
    with pytest.raises(InvalidParameterError, match="decoder"):
        mono_generator.generate("calm", duration=0.2, decoder="turbo")
    stock = mono_generator.generate("calm", duration=0.4, top_k=1, seed=1, decoder="stock")
    auto = mono_generator.generate("calm", duration=0.4, top_k=1, seed=1, decoder="auto")
    np.testing.assert_allclose(auto.samples, stock.samples, atol=1e-5)
