"""AudioOutput: files on disk in every format, exact lengths, MIDI and stems."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from music_gen import AudioOutput, UnsupportedFormatError, UnsupportedOperationError
from tests.conftest import sine


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg", "mp3"])
@pytest.mark.parametrize("channels", [1, 2])
def test_save_every_format(tmp_path, fmt, channels):
    audio = AudioOutput(samples=sine(channels=channels, duration_s=1.0), sample_rate=44100)
    path = audio.save(tmp_path / f"out.{fmt}")
    assert path.stat().st_size > 1000
    info = sf.info(str(path))
    assert info.channels == channels
    assert info.samplerate == 44100
    loaded = AudioOutput.load(path)
    if fmt in ("wav", "flac"):  # lossless: exact length and close samples
        assert loaded.num_frames == audio.num_frames
        assert np.max(np.abs(loaded.samples - audio.samples)) < 1e-3
    else:  # lossy codecs may pad a little
        assert abs(loaded.duration - audio.duration) < 0.1


def test_format_argument_wins_over_suffix(tmp_path):
    audio = AudioOutput(samples=sine(), sample_rate=44100)
    path = audio.save(tmp_path / "clip.data", format="flac")
    assert sf.info(str(path)).format == "FLAC"


def test_unknown_format_writes_nothing(tmp_path):
    audio = AudioOutput(samples=sine(), sample_rate=44100)
    with pytest.raises(UnsupportedFormatError) as info:
        audio.save(tmp_path / "out.xyz")
    assert "wav" in info.value.message
    assert list(tmp_path.iterdir()) == []


def test_to_bytes_round_trip():
    audio = AudioOutput(samples=sine(channels=2), sample_rate=32000)
    data = audio.to_bytes("wav")
    decoded, rate = sf.read(io.BytesIO(data), always_2d=True)
    assert rate == 32000
    assert decoded.shape == (audio.num_frames, 2)


def test_shape_normalisation():
    mono = AudioOutput(samples=np.zeros(100, dtype=np.float64), sample_rate=8000)
    assert mono.samples.shape == (1, 100)
    assert mono.samples.dtype == np.float32
    frames_first = AudioOutput(samples=np.zeros((100, 2)), sample_rate=8000)
    assert frames_first.samples.shape == (2, 100)
    assert frames_first.duration == pytest.approx(100 / 8000)


def test_bad_sample_rate():
    from music_gen import InvalidParameterError

    with pytest.raises(InvalidParameterError):
        AudioOutput(samples=np.zeros((2, 10)), sample_rate=0)


def test_clipping_on_encode_only():
    loud = AudioOutput(samples=np.full((1, 1000), 1.5, dtype=np.float32), sample_rate=8000)
    decoded, _ = sf.read(io.BytesIO(loud.to_bytes("wav")))
    assert np.max(np.abs(decoded)) <= 1.0
    assert np.max(loud.samples) == pytest.approx(1.5)  # the object itself is untouched


def test_no_midi_or_stems_is_a_clear_error(tmp_path):
    audio = AudioOutput(samples=sine(), sample_rate=44100)
    with pytest.raises(UnsupportedOperationError, match="MIDI"):
        audio.save_midi(tmp_path / "x.mid")
    with pytest.raises(UnsupportedOperationError, match="stems"):
        audio.save_stems(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_stems_get_safe_file_names(tmp_path):
    stem = AudioOutput(samples=sine(duration_s=0.2), sample_rate=44100)
    audio = AudioOutput(
        samples=sine(duration_s=0.2),
        sample_rate=44100,
        stems={"electric piano": stem, "../bass": stem, "drums": stem},
    )
    written = audio.save_stems(tmp_path / "stems", format="flac")
    assert sorted(p.name for p in written.values()) == [
        "bass.flac",
        "drums.flac",
        "electric_piano.flac",
    ]
    assert all(p.parent == tmp_path / "stems" for p in written.values())
    assert all(sf.info(str(p)).frames == stem.num_frames for p in written.values())
