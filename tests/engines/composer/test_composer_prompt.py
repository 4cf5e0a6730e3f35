"""Reading prompts: genres, moods, tempo, key, mode, meter, instruments, leftovers."""

from __future__ import annotations

import pytest

from music_gen.engines.composer.prompt import read_prompt


@pytest.mark.parametrize(
    ("prompt", "genre"),
    [
        ("Smooth jazz trio", "jazz"),
        ("slow blues", "blues"),
        ("Rock anthem", "rock"),
        ("catchy POP song", "pop"),
        ("funky groove", "funk"),
        ("EDM festival drop", "house"),
        ("deep house", "house"),
        ("Berlin techno", "techno"),
        ("ambient soundscape", "ambient"),
        ("lo-fi hip hop beats", "lo-fi"),
        ("lofi study music", "lo-fi"),
        ("hip-hop instrumental", "hip-hop"),
        ("classical sonata", "classical"),
        ("cinematic trailer", "cinematic"),
        ("orchestral score", "cinematic"),
        ("acoustic campfire song", "folk"),
        ("bossa nova", "bossa nova"),
        ("latin dance", "bossa nova"),
        ("roots reggae", "reggae"),
        ("country road trip", "country"),
        ("heavy metal", "metal"),
    ],
)
def test_genres(prompt: str, genre: str) -> None:
    assert read_prompt(prompt).genre == genre


@pytest.mark.parametrize(
    ("prompt", "mood"),
    [
        ("calm piano", "calm"),
        ("a happy tune", "happy"),
        ("sad strings", "sad"),
        ("melancholic cello", "melancholic"),
        ("energetic rock", "energetic"),
        ("dark techno", "dark"),
        ("epic orchestral", "epic"),
        ("romantic piano", "romantic"),
        ("mysterious ambient", "mysterious"),
        ("playful marimba", "playful"),
        ("tense cinematic", "tense"),
        ("dreamy pads", "dreamy"),
        ("peaceful flute", "calm"),
    ],
)
def test_moods(prompt: str, mood: str) -> None:
    assert read_prompt(prompt).mood == mood


@pytest.mark.parametrize(
    ("prompt", "bpm", "explicit"),
    [
        ("rock at 120 bpm", 120.0, True),
        ("Jazz, 90BPM!", 90.0, True),
        ("house 128 beats per minute", 128.0, True),
        ("tempo 72 ballad", 72.0, True),
        ("slow piano", 68.0, False),
        ("upbeat pop", 124.0, False),
        ("fast punk", 148.0, False),
        ("piano", None, False),
    ],
)
def test_tempo(prompt: str, bpm: float | None, explicit: bool) -> None:
    reading = read_prompt(prompt)
    assert reading.tempo_bpm == bpm
    assert reading.tempo_explicit is explicit


@pytest.mark.parametrize(
    ("prompt", "tonic", "name", "mode"),
    [
        ("calm piano in D minor", 2, "D", "minor"),
        ("F# major anthem", 6, "F#", "major"),
        ("jazz in Bb", 10, "Bb", None),
        ("sad cello in the key of E flat major", 3, "Eb", "major"),
        ("funk in D dorian", 2, "D", "dorian"),
        ("G mixolydian jam", 7, "G", "mixolydian"),
        ("a song in a minor", 9, "A", "minor"),
        ("mixolydian rock in A", 9, "A", "mixolydian"),
        ("rock in a, 120 bpm", 9, "A", None),
        ("blues in A with drums", 9, "A", None),
        ("jazz in a relaxed style", None, None, None),
        ("F#m ballad", 6, "F#", "minor"),
        ("a calm piano piece", None, None, None),
        ("phrygian metal", None, None, "phrygian"),
        ("aeolian folk in C", 0, "C", "minor"),
    ],
)
def test_key_and_mode(prompt: str, tonic: int | None, name: str | None, mode: str | None) -> None:
    reading = read_prompt(prompt)
    assert (reading.tonic_pc, reading.tonic_name, reading.mode) == (tonic, name, mode)


@pytest.mark.parametrize(
    ("prompt", "meter"),
    [
        ("a waltz for piano", "3/4"),
        ("folk tune in 6/8", "6/8"),
        ("jig", "6/8"),
        ("ballad in 3/4", "3/4"),
        ("rock", None),
    ],
)
def test_meter(prompt: str, meter: str | None) -> None:
    assert read_prompt(prompt).meter == meter


def test_instruments_longest_phrase_first_and_in_order() -> None:
    reading = read_prompt("Electric piano, upright bass, drums and a distorted guitar with sax")
    assert reading.instruments == (
        "electric piano",
        "upright bass",
        "drums",
        "distorted guitar",
        "alto sax",
    )


@pytest.mark.parametrize(
    ("prompt", "instruments"),
    [
        ("strings, violin and cello", ("strings", "violin", "cello")),
        ("choir with organ", ("choir", "organ")),
        ("flute, clarinet, trumpet and brass", ("flute", "clarinet", "trumpet", "brass")),
        ("harp, marimba, vibraphone and bells", ("harp", "marimba", "vibraphone", "bells")),
        ("synth lead over a pad and synth bass", ("synth lead", "pad", "synth bass")),
        ("acoustic guitar and rhodes", ("acoustic guitar", "electric piano")),
        ("guitar", ("guitar",)),
    ],
)
def test_instrument_names(prompt: str, instruments: tuple[str, ...]) -> None:
    assert read_prompt(prompt).instruments == instruments


def test_excluded_instruments() -> None:
    reading = read_prompt("funk with bass and guitar, no drums")
    assert reading.excluded == ("drums",)
    assert "drums" not in reading.instruments


def test_roles_and_styles() -> None:
    reading = read_prompt("Walking bass line with jazz piano comping and a swing pattern")
    assert {"bass", "chords", "drums"} <= set(reading.roles)
    assert {"walking", "comping", "swing"} <= set(reading.styles)


def test_unrecognized_words_exclude_stop_words_and_numbers() -> None:
    reading = read_prompt("A zorblax piano piece with the flibbertigibbet, 120 bpm!")
    assert reading.unrecognized == ("zorblax", "flibbertigibbet")


def test_case_and_punctuation_do_not_matter() -> None:
    a = read_prompt("JAZZ!!! in Bb... (with PIANO), 140 BPM")
    b = read_prompt("jazz in bb with piano 140 bpm")
    assert (a.genre, a.tonic_pc, a.instruments, a.tempo_bpm) == (
        b.genre,
        b.tonic_pc,
        b.instruments,
        b.tempo_bpm,
    )
