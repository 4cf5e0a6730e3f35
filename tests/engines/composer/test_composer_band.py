"""The band a prompt asks for: named instruments inside the genre's band, ensembles, sub-genres,
groove/timbre/articulation words, words not understood, and a faithful MIDI file.

Judged on the plan and the notes (no audio needed), plus a few renders.
"""

from __future__ import annotations

import io
from collections import Counter

import mido
import numpy as np
import pretty_midi
import pytest

from music_gen.engines.composer.arrange import Arrangement, TimedNote, arrange
from music_gen.engines.composer.drums import KICK, SIDE_STICK, SNARE
from music_gen.engines.composer.plan import PartRequest, PiecePlan, build_plan
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.styles import GENRES


def compose(prompt: str, duration_s: float = 16.0, seed: int = 1) -> tuple[PiecePlan, Arrangement]:
    chooser = Chooser(seed)
    plan = build_plan(prompt, duration_s, chooser)
    return plan, arrange(plan, chooser.spawn("notes"))


def programs(plan: PiecePlan) -> dict[str, int]:
    """Instrument -> GM program of the melodic parts."""
    return {p.instrument: p.program for p in plan.parts if not p.is_drum}


# --- 1. Named instruments are featured, with their GM program ------------------------------

NAMED = [
    ("Garage punk with fuzzy distorted guitars, 180 bpm", {"distorted guitar": 30}),
    ("heavy metal with distorted guitars", {"distorted guitar": 30}),
    ("rock with overdriven guitar", {"overdriven guitar": 29}),
    ("Delta blues shuffle with slide guitar", {"slide guitar": 25}),
    ("Lounge jazz with vibraphone solo", {"vibraphone": 11}),
    ("Country two-step with pedal steel and fiddle", {"pedal steel": 26, "fiddle": 110}),
    ("Cinematic battle theme for orchestra with taiko drums", {"taiko drum": 116}),
    ("Big band swing with a trumpet section", {"trumpet": 56}),
    ("Funky clavinet riff over a tight groove", {"clavinet": 7}),
    ("Dub reggae with melodica and a one drop rimshot groove", {"melodica": 22}),
    ("Bluegrass with mandolin and banjo", {"mandolin": 25, "banjo": 105}),
    ("pop song with ukulele", {"ukulele": 24}),
    ("blues with harmonica", {"harmonica": 22}),
    ("soul with hammond organ", {"organ": 16}),
    ("jazz with tenor saxophone and vibes", {"tenor sax": 66, "vibraphone": 11}),
    ("tango with bandoneon", {"tango accordion": 23}),
    ("epic trailer with timpani and choir", {"timpani": 47, "choir": 52}),
    ("house track with rhodes and sub bass", {"electric piano": 4, "synth bass": 38}),
    ("funk with slap bass and clav", {"slap bass": 36, "clavinet": 7}),
    ("folk tune with accordion and tin whistle", {"accordion": 21, "recorder": 74}),
    ("reggae with steel drums", {"steel drums": 114}),
    ("lo-fi beat with kalimba", {"kalimba": 108}),
    ("ambient with shakuhachi", {"shakuhachi": 77}),
    ("cinematic with english horn and harp", {"english horn": 69, "harp": 46}),
    ("rock with muted trumpet", {"muted trumpet": 59}),
    ("jazz ballad with flugelhorn", {"trumpet": 56}),
    ("celtic folk with bagpipes", {"bagpipe": 109}),
    ("synthwave with sawtooth lead", {"synth lead": 81}),
    ("pop with honky-tonk piano", {"honky-tonk piano": 3}),
    ("country with dobro-free pedal-steel guitar", {"pedal steel": 26}),
    # Typos, plurals and spacing variants.
    ("jazz with saxaphone", {"alto sax": 65}),
    ("rock with guittar and drumms", {"overdriven guitar": 29}),
    ("classical piece for vilolin", {"violin": 40}),
    ("jazz with upright-bass and vibra phones", {"upright bass": 32}),
    ("hiphop with e piano", {"electric piano": 4}),
]


@pytest.mark.parametrize(("prompt", "expected"), NAMED)
def test_every_named_instrument_plays_with_its_gm_program(
    prompt: str, expected: dict[str, int]
) -> None:
    plan, arrangement = compose(prompt)
    have = programs(plan)
    for instrument, program in expected.items():
        assert have.get(instrument) == program, (instrument, have)
    midi_programs = {i.program for i in arrangement.to_midi().instruments if not i.is_drum}
    assert set(expected.values()) <= midi_programs
    for part in plan.parts:
        if part.instrument in expected:
            assert arrangement.notes[part.name], part.name


NATURAL_ROLES = [
    ("blues with harmonica", "harmonica", "melody"),
    ("jazz with a sax", "alto sax", "melody"),
    ("country with fiddle", "fiddle", "melody"),
    ("funk with clavinet", "clavinet", "chords"),
    ("rock with a rhythm guitar", "overdriven guitar", "chords"),
    ("reggae with organ skank", "organ", "chords"),
    ("funk with slap bass", "slap bass", "bass"),
    ("hip-hop with synth bass", "synth bass", "bass"),
    ("cinematic with big drums", "taiko drum", "percussion"),
    ("classical with timpani", "timpani", "percussion"),
]


@pytest.mark.parametrize(("prompt", "instrument", "role"), NATURAL_ROLES)
def test_named_instruments_take_their_natural_role(prompt: str, instrument: str, role: str) -> None:
    plan, _ = compose(prompt)
    assert role in {p.role for p in plan.parts if p.instrument == instrument}


# --- 2. The rhythm section fills in unless the prompt limits the band ----------------------

BAND_PROMPTS = [
    "Garage punk with fuzzy distorted guitars, 180 bpm",
    "heavy metal with distorted guitars",
    "rock with overdriven guitar",
    "Surf rock with twangy reverb guitar",
    "Delta blues shuffle with slide guitar",
    "Lounge jazz with vibraphone solo",
    "Country two-step with pedal steel and fiddle",
    "Funky clavinet riff over a tight groove",
    "Dub reggae with melodica and a one drop rimshot groove",
    "jazz with a trumpet",
    "disco with strings",
    "hip-hop with piano",
    "pop with a flute",
    "soul with organ",
    "afrobeat with horns",
    "drum and bass with a pad",
    "ska with trombone",
    "gospel with choir",
]


@pytest.mark.parametrize("prompt", BAND_PROMPTS)
def test_band_genres_keep_drums_and_bass(prompt: str) -> None:
    plan, arrangement = compose(prompt)
    roles = Counter(p.role for p in plan.parts)
    assert roles["drums"] == 1 and roles["bass"] >= 1, [p.to_dict() for p in plan.parts]
    assert roles["melody"] >= 1
    for part in plan.parts:
        assert arrangement.notes[part.name], part.name


LIMITED = [
    ("solo piano in C", {"piano"}),
    ("jazz with piano, upright bass and drums only", {"piano", "upright bass", "drums"}),
    ("just an acoustic guitar", {"acoustic guitar"}),
    ("cello alone", {"cello"}),
    ("unaccompanied flute", {"flute"}),
    ("a duo for violin and piano", {"violin", "piano"}),
    ("a trio of flute, clarinet and bassoon", {"flute", "clarinet", "bassoon"}),
    ("rock band with guitar, no drums", None),
    ("jazz without bass", None),
    ("funk without drums and no bass", None),
]


@pytest.mark.parametrize(("prompt", "exact"), LIMITED)
def test_limits_on_the_band_are_kept(prompt: str, exact: set[str] | None) -> None:
    plan, _ = compose(prompt)
    instruments = {p.instrument for p in plan.parts}
    if exact is not None:
        assert instruments == exact
        return
    if "drums" in prompt:
        assert not any(p.is_drum for p in plan.parts)
    if "bass" in prompt:
        assert not any(p.role == "bass" for p in plan.parts)
    assert any(p.role == "melody" for p in plan.parts)


# --- 3. Ensembles: their voices, in range ----------------------------------------------------

#: Playable range (MIDI) of each orchestral instrument.
RANGES = {
    "violin": (55, 103),
    "viola": (48, 91),
    "cello": (36, 76),
    "contrabass": (28, 60),
    "flute": (60, 96),
    "french horn": (34, 77),
    "trumpet": (54, 84),
    "trombone": (40, 72),
    "alto sax": (49, 81),
    "tenor sax": (44, 76),
    "baritone sax": (36, 69),
    "timpani": (38, 57),
}


@pytest.mark.parametrize(
    "prompt",
    [
        "string quartet: two violins, viola and cello",
        "String Quartet in G major",
        "a slow string quartet, melancholic",
    ],
)
def test_string_quartet_is_four_voices_in_range(prompt: str) -> None:
    plan, arrangement = compose(prompt)
    assert [(p.name, p.program) for p in plan.parts] == [
        ("violin I", 40),
        ("violin II", 40),
        ("viola", 41),
        ("cello", 42),
    ]
    assert plan.genre == "classical"
    medians = []
    for part in plan.parts:
        pitches = [n.pitch for n in arrangement.notes[part.name]]
        low, high = RANGES[part.instrument]
        assert pitches and low <= min(pitches) and max(pitches) <= high, part.name
        medians.append(float(np.median(pitches)))
    # Four voices from top to bottom.
    assert medians == sorted(medians, reverse=True)


@pytest.mark.parametrize(
    ("prompt", "must_have"),
    [
        (
            "Big band swing with a trumpet section",
            {"trumpet", "alto sax", "tenor sax", "trombone", "piano", "upright bass", "drums"},
        ),
        (
            "Cinematic battle theme for orchestra with taiko drums and horns",
            {"violin", "strings", "french horn", "flute", "contrabass", "timpani", "taiko drum"},
        ),
        ("film score for a sunrise", {"violin", "strings", "french horn", "timpani"}),
        ("jazz piano trio", {"piano", "upright bass", "drums"}),
        ("power trio blues rock", {"overdriven guitar", "bass", "drums"}),
        ("a cappella hymn", {"voice", "choir", "bass voices"}),
        ("brass band march", {"trumpet", "french horn", "trombone", "tuba"}),
        ("wind quintet", {"flute", "oboe", "clarinet", "french horn", "bassoon"}),
    ],
)
def test_ensembles_bring_their_players(prompt: str, must_have: set[str]) -> None:
    plan, arrangement = compose(prompt)
    assert must_have <= {p.instrument for p in plan.parts}
    for part in plan.parts:
        pitches = [n.pitch for n in arrangement.notes[part.name]]
        assert pitches, part.name
        if part.instrument in RANGES and not part.is_drum:
            low, high = RANGES[part.instrument]
            assert low <= min(pitches) and max(pitches) <= high, (part.name, pitches)


def test_orchestra_and_big_band_drum_kits() -> None:
    orchestra, _ = compose("orchestral piece")
    assert orchestra.kit == 48 and orchestra.genre == "cinematic"
    big_band, _ = compose("big band")
    assert big_band.kit == 32 and big_band.swing > 0


# --- Sub-genres: each its own style (or a stated nearest one) --------------------------------

SUB_GENRES = [
    ("punk", "punk"),
    ("grunge", "grunge"),
    ("disco", "disco"),
    ("drum and bass", "drum and bass"),
    ("drum & bass", "drum and bass"),
    ("drum-n-bass", "drum and bass"),
    ("dubstep", "dubstep"),
    ("trap", "trap"),
    ("synthwave", "synthwave"),
    ("chiptune", "chiptune"),
    ("8-bit video game music", "chiptune"),
    ("gospel", "gospel"),
    ("soul", "soul"),
    ("r&b", "r&b"),
    ("rnb slow jam", "r&b"),
    ("afrobeat", "afrobeat"),
    ("tango", "tango"),
    ("flamenco", "flamenco"),
    ("march", "march"),
    ("lullaby", "lullaby"),
    ("baroque", "baroque"),
    ("surf rock", "surf"),
    ("bluegrass", "bluegrass"),
    ("delta blues", "delta blues"),
    ("country", "country"),
    ("reggae", "reggae"),
    ("dub", "dub"),
    ("ska", "ska"),
    ("swing", "swing"),
    ("lounge", "lounge"),
]


@pytest.mark.parametrize(("prompt", "genre"), SUB_GENRES)
def test_sub_genres_are_their_own_style(prompt: str, genre: str) -> None:
    plan, arrangement = compose(prompt)
    assert plan.genre == genre
    low, high = GENRES[genre].tempo_bpm
    assert low * 0.8 <= plan.tempo_bpm <= high * 1.2
    data = plan.to_dict()
    assert data["genre_family"] == GENRES[genre].base
    assert all(arrangement.notes[p.name] for p in plan.parts)


# --- 4. Groove, timbre and articulation words change the notes ------------------------------


def drum_steps(plan: PiecePlan, notes: list[TimedNote], pitch: int) -> Counter[int]:
    """How often a drum lands on each sixteenth of the bar (4/4, sections after the intro)."""
    steps: Counter[int] = Counter()
    for note in notes:
        if note.pitch != pitch:
            continue
        step = round(note.start_s / plan.beat_s * 4)
        steps[step % 16] += 1
    return steps


def drums_of(prompt: str) -> tuple[PiecePlan, list[TimedNote]]:
    plan, arrangement = compose(prompt, 20.0)
    drum = next(p for p in plan.parts if p.is_drum)
    return plan, arrangement.notes[drum.name]


def test_one_drop_puts_the_kick_on_three_only() -> None:
    plan, notes = drums_of("reggae with a one drop groove at 76 bpm")
    kicks = drum_steps(plan, notes, KICK)
    on_three = kicks[8]
    assert on_three >= 0.7 * sum(kicks.values())
    assert drum_steps(plan, notes, SIDE_STICK)[8] > 0


def test_four_on_the_floor_kicks_every_beat() -> None:
    base_plan, base = drums_of("rock song at 120 bpm")
    plan, four = drums_of("rock song at 120 bpm, four on the floor")
    kicks = drum_steps(plan, four, KICK)
    assert all(kicks[s] >= 4 for s in (0, 4, 8, 12))
    assert drum_steps(base_plan, base, KICK)[4] < kicks[4]


def test_half_time_halves_the_backbeat_and_double_time_doubles_it() -> None:
    plan, base = drums_of("rock song at 100 bpm")
    _, half = drums_of("rock song at 100 bpm, half-time feel")
    _, double = drums_of("rock song at 100 bpm, double time")
    bars = plan.total_bars
    base_snare, half_snare = drum_steps(plan, base, SNARE), drum_steps(plan, half, SNARE)
    double_snare = drum_steps(plan, double, SNARE)
    # Straight: the backbeat on 2 (step 4); half-time: on 3 only; double-time: every beat's
    # "and" (steps 2, 6, 10, 14) as well.
    assert base_snare[4] >= 0.6 * bars and base_snare[8] <= 1
    assert half_snare[4] == 0 and half_snare[8] >= 0.6 * bars
    assert double_snare[2] >= 0.6 * bars and double_snare[6] >= 0.6 * bars
    assert base_snare[2] == 0 and base_snare[6] == 0


def test_blast_beat_and_boom_bap_change_the_kick() -> None:
    plan, metal = drums_of("metal at 140 bpm")
    _, blast = drums_of("metal at 140 bpm with blast beats")
    assert drum_steps(plan, blast, SNARE).total() >= 3 * drum_steps(plan, metal, SNARE).total()
    hip_plan, hiphop = drums_of("hip-hop at 90 bpm")
    _, boombap = drums_of("hip-hop at 90 bpm, boom bap")
    assert drum_steps(hip_plan, hiphop, KICK) != drum_steps(hip_plan, boombap, KICK)


def test_rimshot_replaces_the_snare_and_brushes_change_the_kit() -> None:
    plan, rim = drums_of("rock song with rimshot")
    assert drum_steps(plan, rim, SNARE).total() == 0 or drum_steps(plan, rim, SIDE_STICK).total()
    assert drum_steps(plan, rim, SIDE_STICK).total() >= 4
    brush_plan, _ = compose("jazz ballad with brushes")
    assert brush_plan.kit == 40
    assert next(p for p in brush_plan.parts if p.is_drum).program == 40


def test_shuffle_swings_the_offbeats() -> None:
    straight, _ = compose("rock at 110 bpm")
    shuffled, _ = compose("rock shuffle at 110 bpm")
    assert straight.swing == 0 and shuffled.swing > 0.1


def test_skank_moves_the_chords_to_the_backbeat() -> None:
    plan, arrangement = compose("pop at 100 bpm with organ skank", 20.0)
    organ = next(p for p in plan.parts if p.instrument == "organ")
    assert organ.style == "skank"
    onsets = Counter(round(n.start_s / plan.beat_s * 2) % 8 for n in arrangement.notes[organ.name])
    backbeat = onsets[2] + onsets[6]
    assert backbeat >= 0.6 * onsets.total()


def chord_lengths(prompt: str, instrument_family: str = "") -> float:
    plan, arrangement = compose(prompt, 20.0)
    part = next(p for p in plan.parts if p.role == "chords")
    return float(np.mean([n.end_s - n.start_s for n in arrangement.notes[part.name]]))


def test_palm_muting_and_staccato_shorten_notes_legato_joins_them() -> None:
    open_chords = chord_lengths("rock at 120 bpm")
    palm = chord_lengths("rock at 120 bpm, palm-muted guitars")
    assert palm <= 0.6 * open_chords

    def melody_length(prompt: str) -> float:
        plan, arrangement = compose(prompt, 20.0)
        part = next(p for p in plan.parts if p.role == "melody")
        return float(np.mean([n.end_s - n.start_s for n in arrangement.notes[part.name]]))

    plain = melody_length("pop song with a flute at 100 bpm")
    assert melody_length("pop song with a staccato flute at 100 bpm") <= 0.7 * plain
    assert melody_length("pop song with a legato flute at 100 bpm") >= plain


@pytest.mark.parametrize(
    ("prompt", "instrument", "program"),
    [
        ("rock with fuzzy guitars", "overdriven guitar", 30),
        ("jazz with guitar, clean tone", "jazz guitar", 27),
        ("country with twangy guitar", "acoustic guitar", 27),
        ("pop with distorted guitar", "distorted guitar", 30),
        ("classical strings, pizzicato", "strings", 45),
        ("string quartet, tremolo", "violin", 44),
        ("jazz with a muted trumpet", "muted trumpet", 59),
        ("funk with trumpet, muted", "trumpet", 59),
        ("funk with a slap bass line", "slap bass", 36),
        ("rock with a picked bass", "bass", 34),
    ],
)
def test_timbre_words_change_the_gm_program(prompt: str, instrument: str, program: int) -> None:
    plan, arrangement = compose(prompt)
    part = next(p for p in plan.parts if p.instrument == instrument)
    assert part.program == program
    midi = {i.name: i.program for i in arrangement.to_midi().instruments}
    assert midi[part.name] == program


# --- 5. Words not understood are said -------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "unknown"),
    [
        ("x", ["x"]),
        ("x y", ["x", "y"]),
        ("zorblax flibbertigibbet", ["zorblax", "flibbertigibbet"]),
        ("qwzx wobbly blorp", ["qwzx", "wobbly", "blorp"]),
    ],
)
def test_nothing_recognised_gets_the_stated_default(prompt: str, unknown: list[str]) -> None:
    data = compose(prompt)[0].to_dict()
    assert data["genre"] == "pop" and data["genre_from"] == "default"
    assert data["unrecognized_words"] == unknown
    assert any("nothing in the prompt was recognised" in note for note in data["notes"])
    # Same default for every seed: not a silent random genre.
    assert {compose(prompt, seed=s)[0].genre for s in range(4)} == {"pop"}


@pytest.mark.parametrize(
    ("prompt", "unknown"),
    [
        ("Funky clavinet riff over a tight groove", ["tight"]),
        ("jazz with a zorblax", ["zorblax"]),
        ("sad piano under the glimmering moonlight", ["glimmering", "moonlight"]),
    ],
)
def test_unrecognized_words_are_listed(prompt: str, unknown: list[str]) -> None:
    data = compose(prompt)[0].to_dict()
    assert data["unrecognized_words"] == unknown
    assert data["genre_from"] != "default"


def test_typos_are_corrected_and_reported() -> None:
    data = compose("jaz with saxaphone and guittar")[0].to_dict()
    assert data["corrections"] == {"saxaphone": "saxophone", "guittar": "guitar"}
    assert {"alto sax", "jazz guitar"} <= set(data["instruments"])
    assert data["unrecognized_words"] == ["jaz"]


def test_gm_substitutes_are_stated() -> None:
    notes = compose("bluegrass with mandolin")[0].to_dict()["notes"]
    assert any("no mandolin" in note and "(25)" in note for note in notes)


# --- 6. The MIDI file is faithful -----------------------------------------------------------


def midi_readback(arrangement: Arrangement) -> tuple[mido.MidiFile, pretty_midi.PrettyMIDI]:
    buffer = io.BytesIO()
    arrangement.to_midi().write(buffer)
    buffer.seek(0)
    raw = mido.MidiFile(file=io.BytesIO(buffer.getvalue()))
    return raw, pretty_midi.PrettyMIDI(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize(
    ("prompt", "kit", "tempo", "key", "meter"),
    [
        ("jazz in Bb major at 140 bpm", 32, 140.0, "Bb", (4, 4)),
        ("lounge jazz waltz in F minor, 96 bpm", 40, 96.0, "Fm", (3, 4)),
        ("techno in A minor at 128 bpm", 24, 128.0, "Am", (4, 4)),
        ("funk in D dorian at 100 bpm", 0, 100.0, "Am", (4, 4)),
        ("folk jig in G major with drums, 120 bpm", 0, 180.0, "G", (6, 8)),
    ],
)
def test_midi_meta_events_and_drum_kit(
    prompt: str, kit: int, tempo: float, key: str, meter: tuple[int, int]
) -> None:
    plan, arrangement = compose(prompt, 8.0)
    raw, reread = midi_readback(arrangement)
    metas = [m for track in raw.tracks for m in track if m.is_meta]
    tempos = [round(mido.tempo2bpm(m.tempo), 3) for m in metas if m.type == "set_tempo"]
    assert tempos == [pytest.approx(tempo, abs=0.01)]
    assert [m.key for m in metas if m.type == "key_signature"] == [key]
    assert [(m.numerator, m.denominator) for m in metas if m.type == "time_signature"] == [meter]
    names = [m.name for m in metas if m.type == "track_name"]
    assert names == [p.name for p in plan.parts]
    drum_programs = [
        m.program
        for track in raw.tracks
        for m in track
        if m.type == "program_change" and m.channel == 9
    ]
    assert drum_programs == [kit]
    assert [i.name for i in reread.instruments] == [p.name for p in plan.parts]
    for instrument, part in zip(reread.instruments, plan.parts, strict=True):
        assert instrument.program == part.program and instrument.is_drum == part.is_drum


# --- A few renders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prompt",
    [
        "Cinematic battle theme for orchestra with taiko drums and horns",
        "string quartet, pizzicato",
        "Dub reggae with melodica and a one drop rimshot groove",
    ],
)
def test_new_bands_render(render: object, prompt: str) -> None:
    audio = render(prompt, duration_s=4.0, seed=2)  # type: ignore[operator]
    assert audio.samples.shape == (2, 4 * 44100)
    assert np.isfinite(audio.samples).all()
    rms = float(np.sqrt(np.mean(audio.samples**2)))
    assert 0.02 < rms < 0.5
    assert {p["name"] for p in audio.metadata["plan"]["parts"]} == {
        i.name for i in audio.midi.instruments
    }


def test_reverb_words_set_the_mix_reverb() -> None:
    surf, _ = compose("Surf rock with twangy reverb guitar")
    assert surf.reverb > 0.6 and surf.unrecognized == ()
    guitar = next(p for p in surf.parts if p.role == "melody")
    assert guitar.program == 27
    assert compose("dry funk, no reverb")[0].reverb < 0.2
    assert compose("funk")[0].reverb == pytest.approx(0.35)


def test_multi_instrument_parts_take_natural_roles_too() -> None:
    chooser = Chooser(3)
    plan = build_plan(
        "cinematic",
        8.0,
        chooser,
        part_requests=[PartRequest("taiko", "big hits"), PartRequest("strings", "pad")],
    )
    roles = {p.name: (p.role, p.program) for p in plan.parts}
    assert roles == {"taiko": ("percussion", 116), "strings": ("pad", 48)}
    notes = arrange(plan, chooser.spawn("notes")).notes
    assert notes["taiko"] and notes["strings"]


@pytest.mark.parametrize(
    ("prompt", "genre"),
    [
        ("banjo", "bluegrass"),
        ("clavinet", "funk"),
        ("taiko drums", "cinematic"),
        ("harpsichord and violin", "baroque"),
        ("banjo and fiddle duo", "bluegrass"),
    ],
)
def test_instruments_with_a_home_bring_their_genre(prompt: str, genre: str) -> None:
    plan, _ = compose(prompt)
    assert plan.genre == genre and plan.genre_from == "instrument"


def test_a_named_instrument_keeps_its_leading_role_in_the_band() -> None:
    plan, _ = compose("gospel with choir")
    roles = {p.instrument: p.role for p in plan.parts}
    assert roles["choir"] == "melody" and roles["organ"] == "pad"


def test_groove_words_combine() -> None:
    plan, notes = drums_of("rock song at 100 bpm, half-time with rimshots")
    drum = next(p for p in plan.parts if p.is_drum)
    assert drum.style == "rock+half+rim"
    assert drum_steps(plan, notes, SIDE_STICK)[8] >= 0.6 * plan.total_bars
    assert drum_steps(plan, notes, SIDE_STICK)[4] == 0


def test_a_calm_orchestra_leaves_out_its_percussion_unless_asked() -> None:
    calm, _ = compose("calm orchestral piece")
    assert not any(p.role in ("drums", "percussion") for p in calm.parts)
    assert {"violin", "strings", "contrabass"} <= {p.instrument for p in calm.parts}
    asked, _ = compose("calm orchestral piece with timpani")
    assert any(p.instrument == "timpani" for p in asked.parts)


@pytest.mark.parametrize(
    ("prompt", "instrument"),
    [
        ("Delta blues shuffle with slide guitar", "harmonica"),
        ("Country two-step with pedal steel and fiddle", "pedal steel"),
        ("march", "clarinet"),
        ("jazz with tenor sax and trumpet", "trumpet"),
    ],
)
def test_answering_lead_instruments_stay_in_their_range(prompt: str, instrument: str) -> None:
    from music_gen.engines.composer.instruments import INSTRUMENTS

    plan, arrangement = compose(prompt, 20.0)
    part = next(p for p in plan.parts if p.instrument == instrument and p.role != "melody")
    pitches = [n.pitch for n in arrangement.notes[part.name]]
    inst = INSTRUMENTS[instrument]
    assert pitches and inst.low <= min(pitches) and max(pitches) <= inst.high
