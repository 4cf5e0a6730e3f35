"""World instruments, places, eras and uses, judged on the MIDI file the composer writes.

A named instrument must sound (its part has notes, on the General MIDI program that stands in
for it, in its own register); a place word must bring the scale and instruments a musician
hears in it; "solo X" must leave X alone.
"""

from __future__ import annotations

import io
import itertools
from collections import Counter

import numpy as np
import pretty_midi
import pytest

from music_gen.engines.composer.arrange import arrange
from music_gen.engines.composer.instruments import INSTRUMENTS, NEAREST_NOTES
from music_gen.engines.composer.plan import PiecePlan, build_plan
from music_gen.engines.composer.sampling import Chooser
from music_gen.engines.composer.world_instruments import WORLD_INSTRUMENTS
from tests.engines.composer.conftest import Render

Tracks = dict[str, pretty_midi.Instrument]


def written(
    prompt: str, duration_s: float = 12.0, seed: int = 3
) -> tuple[PiecePlan, pretty_midi.PrettyMIDI]:
    """The plan and its MIDI file, written and read back."""
    chooser = Chooser(seed)
    plan = build_plan(prompt, duration_s, chooser)
    buffer = io.BytesIO()
    arrange(plan, chooser.spawn("notes")).to_midi().write(buffer)
    buffer.seek(0)
    return plan, pretty_midi.PrettyMIDI(buffer)


def piece(prompt: str, duration_s: float = 12.0, seed: int = 3) -> tuple[PiecePlan, Tracks]:
    """The plan and, per part name, the track of the MIDI file written and read back."""
    plan, midi = written(prompt, duration_s, seed)
    return plan, {i.name: i for i in midi.instruments}


def sounding(plan: PiecePlan, tracks: Tracks, instrument: str) -> list[pretty_midi.Note]:
    """The notes every part played by ``instrument`` sounds, checked against its program."""
    notes = []
    for part in plan.parts:
        if part.instrument == instrument:
            track = tracks[part.name]
            assert track.program == INSTRUMENTS[instrument].program
            notes += track.notes
    return notes


def pitch_classes(plan: PiecePlan, tracks: Tracks) -> Counter[int]:
    """Sounding time of each pitch class, relative to the tonic, over the pitched parts."""
    weights: Counter[int] = Counter()
    for track in tracks.values():
        if not track.is_drum:
            for n in track.notes:
                weights[(n.pitch - plan.tonic_pc) % 12] += n.end - n.start
    return weights


@pytest.mark.parametrize(
    ("prompt", "instrument"),
    [
        ("moody nordic folk with nyckelharpa", "nyckelharpa"),
        ("medieval tavern music with hurdy gurdy", "hurdy gurdy"),
        ("mongolian throat singing with morin khuur", "morin khuur"),
        ("duduk lament", "duduk"),
        ("egyptian belly dance with darbuka and ney", "ney"),
        ("indian flute bansuri at dawn", "bansuri"),
        ("andean quena melody", "quena"),
        ("native american flute, spiritual", "native american flute"),
        ("vietnamese dan bau", "dan bau"),
        ("horror ambience with theremin", "theremin"),
        ("didgeridoo groove", "didgeridoo"),
        ("moroccan gnawa with guembri", "guembri"),
        ("anatolian saz melody over darbuka", "saz"),
        ("turkish psychedelic with baglama", "saz"),
        ("russian folk with balalaika", "balalaika"),
        ("portuguese fado with portuguese guitar", "portuguese guitar"),
        ("cuban son with tres guitar and bongos", "tres"),
        ("norteño with accordion and bajo sexto", "bajo sexto"),
        ("son jarocho with jarana", "jarana"),
        ("chinese pipa fast battle", "pipa"),
        ("bedouin desert music with oud and qanun", "qanun"),
        ("persian santur, melancholic", "santur"),
        ("hungarian csardas with cimbalom", "cimbalom"),
        ("west african kora and djembe groove", "kora"),
        ("ukrainian folk with bandura", "bandura"),
        ("indonesian angklung", "angklung"),
        ("toy piano nursery rhyme", "toy piano"),
        ("korean gayageum traditional", "koto"),
        ("japanese koto and shakuhachi, zen garden", "shakuhachi"),
        ("thai traditional with ranat", "xylophone"),
        ("celtic fantasy with uilleann pipes", "bagpipe"),
        ("bluegrass breakdown with mandolin and dobro", "slide guitar"),
        ("opera aria with soprano", "voice"),
        ("chinese dragon dance with suona", "shanai"),
        ("persian love song with santur and kamancheh", "kamancheh"),
        ("thai temple music with khim", "dulcimer"),
    ],
)
def test_named_world_instrument_plays_in_its_register(prompt: str, instrument: str) -> None:
    plan, tracks = piece(prompt)
    notes = sounding(plan, tracks, instrument)
    assert len(notes) >= 3, [(p.instrument, p.role) for p in plan.parts]
    inst = INSTRUMENTS[instrument]
    if inst.family in ("lead", "bass"):
        # A tune or a bass line stays within what the real instrument can play.
        assert all(inst.low <= n.pitch <= inst.high for n in notes)
    assert plan.unrecognized == ()


@pytest.mark.parametrize("name", [row[0] for row in WORLD_INSTRUMENTS])
def test_every_world_instrument_plays_when_named(name: str) -> None:
    plan, tracks = piece(f"a piece with {name}", duration_s=8.0)
    assert sounding(plan, tracks, name)
    assert NEAREST_NOTES[name] in plan.notes  # the plan says what stands in for it


def test_duduk_joins_its_notes() -> None:
    """The duduk plays legato: each note lasts until the next begins (an oboe, the same
    program family, leaves gaps between the notes of the same tune)."""

    def joined(instrument: str) -> float:
        plan, tracks = piece(f"armenian {instrument} lament", seed=5)
        notes = sorted(sounding(plan, tracks, instrument), key=lambda n: n.start)
        pairs = list(itertools.pairwise(notes))
        return sum(a.end >= b.start - 0.03 for a, b in pairs) / len(pairs)

    assert joined("duduk") >= 0.9
    assert joined("oboe") < 0.9


def test_didgeridoo_drones_on_the_tonic() -> None:
    plan, tracks = piece("rock band with didgeridoo, 100 bpm", duration_s=20.0)
    notes = sounding(plan, tracks, "didgeridoo")
    assert len({n.pitch for n in notes}) == 1
    assert notes[0].pitch % 12 == plan.tonic_pc
    assert 36 <= notes[0].pitch <= 45
    # It holds the drone through the piece (bar after bar), not a few hits.
    assert sum(n.end - n.start for n in notes) >= 0.8 * plan.end_s


@pytest.mark.parametrize(
    ("prompt", "genre", "programs"),
    [
        ("moody nordic folk", "folk", {110}),
        ("arabic music", "takht", {24, 107, 77}),
        ("anatolian folk song", "folk", {25}),
        ("japanese zen garden", "folk", {107, 77}),
        ("appalachian hoedown", "bluegrass", {105, 110}),
        ("caribbean beach party", "calypso", {114}),
        ("west african groove", "highlife", {46}),
        ("hawaiian sunset", "folk", {24}),
        ("persian music", "folk", {15}),
        ("indian classical raga", "indian classical", {104}),
        ("tibetan meditation", "ambient", {14}),
        ("andean music", "folk", {75, 24}),
        ("80s", "synthwave", {81}),
        ("bhangra", "bollywood", {106}),
        ("venezuelan joropo", "folk", {46, 24}),
    ],
)
def test_place_and_era_words_bring_their_style_and_instruments(
    prompt: str, genre: str, programs: set[int]
) -> None:
    plan, tracks = piece(prompt)
    assert plan.genre == genre
    assert plan.unrecognized == ()
    playing = {t.program for t in tracks.values() if not t.is_drum and t.notes}
    assert programs <= playing


@pytest.mark.parametrize(
    "prompt",
    ["andalusian guitar", "arabic music", "anatolian folk song", "oud taqsim in D hijaz"],
)
def test_phrygian_dominant_places_sound_the_flat_second_over_a_major_third(prompt: str) -> None:
    plan, tracks = piece(prompt)
    assert plan.mode == "phrygian dominant"
    weights = pitch_classes(plan, tracks)
    total = sum(weights.values())
    # The flat second and the major third sound; the minor third and the major second do not.
    assert weights[1] > 0.03 * total and weights[4] > 0.05 * total
    assert weights[3] + weights[2] < 0.02 * total


def test_hijaz_names_the_tonic_and_mode() -> None:
    plan, _ = piece("oud taqsim in D hijaz")
    assert (plan.tonic_pc, plan.mode) == (2, "phrygian dominant")


@pytest.mark.parametrize(("prompt", "mode"), [("nordic folk", "dorian"), ("japanese", "phrygian")])
def test_modal_places_keep_to_their_mode(prompt: str, mode: str) -> None:
    plan, tracks = piece(prompt)
    assert plan.mode == mode
    weights = pitch_classes(plan, tracks)
    marker = {"dorian": 9, "phrygian": 1}[mode]  # the raised sixth, the flat second
    assert weights[marker] > 0.02 * sum(weights.values())


def test_musette_is_a_waltz_with_accordion() -> None:
    plan, tracks = piece("french musette, paris")
    assert plan.meter == "3/4"
    assert sounding(plan, tracks, "accordion")


def test_a_place_word_does_not_turn_another_genre_into_folk() -> None:
    plan, tracks = piece("japanese city pop")
    assert plan.genre == "city pop"
    playing = {t.program for t in tracks.values() if t.notes}
    assert not {107, 77} & playing  # no koto, no shakuhachi


@pytest.mark.parametrize(
    ("prompt", "program"),
    [
        ("solo duduk", 69),
        ("solo nyckelharpa", 110),
        ("solo kora", 46),
        ("arabic solo oud", 24),
        ("solo theremin", 85),
    ],
)
def test_solo_world_instrument_plays_alone(prompt: str, program: int) -> None:
    _, tracks = piece(prompt)
    playing = {(t.program, t.is_drum) for t in tracks.values() if t.notes}
    assert playing == {(program, False)}


def test_no_drums_keeps_a_place_word_from_adding_its_drum() -> None:
    plan, tracks = piece("arabic music without drums")
    assert not any(t.is_drum and t.notes for t in tracks.values())
    assert sounding(plan, tracks, "oud")


@pytest.mark.parametrize(
    ("prompt", "genre", "mood"),
    [
        ("boss fight music", "cinematic", "epic"),
        ("8-bit boss fight", "chiptune", "epic"),
        ("coffee shop acoustic jazz", "jazz", "calm"),
        ("dungeon crawler", "ambient", "dark"),
        ("podcast intro", "pop", "neutral"),
        ("workout", "house", "energetic"),
        ("coffee shop background", "lounge", "calm"),
        ("70s", "funk", "neutral"),
    ],
)
def test_use_words_choose_a_genre_and_mood(prompt: str, genre: str, mood: str) -> None:
    plan = build_plan(prompt, 8.0, Chooser(3))
    assert (plan.genre, plan.mood) == (genre, mood)


def test_accents_are_read() -> None:
    accented = build_plan("forró with accordion, norteño", 8.0, Chooser(3))
    plain = build_plan("forro with accordion, norteno", 8.0, Chooser(3))
    assert accented.unrecognized == () and accented.genre == plain.genre == "cumbia"
    assert [p.instrument for p in accented.parts] == [p.instrument for p in plain.parts]


def test_arabic_music_plays_maqsum_on_the_darbuka() -> None:
    """Maqsum, dum tek . tek dum . tek .: the low stroke on beats 1 and 3, the high strokes
    between (low and high conga stand in for the darbuka's dum and tek)."""
    _, tracks = piece("arabic music, 96 bpm", duration_s=20.0)
    drums = next(t for t in tracks.values() if t.is_drum)
    eighth = 30.0 / 96

    def steps(pitch: int) -> Counter[int]:
        return Counter(round(n.start / eighth) % 8 for n in drums.notes if n.pitch == pitch)

    dums, teks = steps(64), steps(63)
    assert dums and teks
    assert dums[0] + dums[4] >= 0.9 * sum(dums.values())
    assert teks[1] + teks[3] + teks[6] >= 0.9 * sum(teks.values())


def test_a_raga_is_sitar_over_a_drone_and_tabla_without_a_bass() -> None:
    plan, tracks = piece("indian classical raga")
    assert sounding(plan, tracks, "sitar") and sounding(plan, tracks, "tanpura")
    assert not any(p.role == "bass" for p in plan.parts)
    drums = next(t for t in tracks.values() if t.is_drum)
    assert {62, 63, 64} <= {n.pitch for n in drums.notes}  # tabla strokes, not a drum kit
    assert not {42, 46} & {n.pitch for n in drums.notes}  # no hi-hats


@pytest.mark.parametrize("name", [row[0] for row in WORLD_INSTRUMENTS])
def test_solo_world_instrument_is_heard(render: Render, name: str) -> None:
    """Rendered through the SoundFont, "solo X" is audible, played by X's stand-in alone."""
    audio = render(f"solo {name}", duration_s=4.0, seed=1)
    parts = audio.metadata["plan"]["parts"]
    assert {p["program"] for p in parts} == {INSTRUMENTS[name].program}
    assert float(np.sqrt(np.mean(audio.samples**2))) > 0.01


@pytest.mark.parametrize(
    ("name", "low_share"), [("didgeridoo", (0.6, 1.0)), ("theremin", (0.0, 0.2))]
)
def test_the_drone_is_heard_low(render: Render, name: str, low_share: tuple[float, float]) -> None:
    """Most of a didgeridoo's energy lies under 250 Hz (its drone is C2-A2); a theremin's
    does not."""
    audio = render(f"solo {name}", duration_s=4.0, seed=1)
    mono = np.atleast_2d(audio.samples).mean(axis=0)  # (channels, frames) -> frames
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / audio.sample_rate)
    share = float(power[freqs < 250].sum() / power.sum())
    assert low_share[0] <= share <= low_share[1]


def test_klezmer_and_the_arabic_ensemble_draw_phrygian_dominant() -> None:
    def modes(prompt: str) -> Counter[str]:
        return Counter(build_plan(prompt, 8.0, Chooser(seed)).mode for seed in range(20))

    assert modes("ney solo")["phrygian dominant"] >= 10  # the ney's home: the takht, in hijaz
    klezmer = modes("klezmer clarinet wedding")
    assert klezmer["phrygian dominant"] >= 3  # freygish
    # A wedding keeps klezmer's own keys (a wedding with no style named is romantic).
    assert klezmer["major"] <= 5
    assert build_plan("wedding first dance", 8.0, Chooser(1)).mood == "romantic"


@pytest.mark.parametrize(
    ("prompt", "meter"),
    [
        ("sevillanas", "3/4"),
        ("venezuelan music", "3/4"),
        ("chacarera", "6/8"),
        ("bulgarian", "7/8"),
    ],
)
def test_dances_of_a_place_keep_their_meter(prompt: str, meter: str) -> None:
    _, midi = written(prompt)
    ts = midi.time_signature_changes[0]
    assert f"{ts.numerator}/{ts.denominator}" == meter


@pytest.mark.parametrize(
    ("prompt", "genre", "mode"),
    [
        ("spanish guitar with castanets", "flamenco", "phrygian dominant"),
        ("calm sitar", "indian classical", None),
        ("japanese city pop with spanish guitar", "city pop", None),
    ],
)
def test_a_place_in_an_instruments_name_places_the_piece(
    prompt: str, genre: str, mode: str | None
) -> None:
    """ "Spanish guitar" is flamenco's guitar, not a pop one; a named genre still wins."""
    plan, tracks = piece(prompt)
    assert plan.genre == genre
    if mode is not None:
        assert plan.mode == mode
    assert plan.unrecognized == ()
    assert any(t.notes for t in tracks.values() if not t.is_drum)
