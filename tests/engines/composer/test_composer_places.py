"""Place words against generic genre words, and places that bring their own ensemble, judged
on the MIDI file the composer writes.

"Bulgarian dance" is a Bulgarian folk dance, not house: a word that only says what the music
is for ("dance") yields to a place, while a real genre ("techno", "city pop") keeps winning.
A Japanese, Chinese, Korean, Vietnamese or Mongolian piece plays its own instruments, with no
western upright bass or strummed guitar under them.
"""

from __future__ import annotations

import pytest

from music_gen.engines.composer.drums import KICK
from music_gen.engines.composer.instruments import INSTRUMENTS
from tests.engines.composer.test_composer_world import piece, sounding, written

#: Programs of the folk band a place's own ensemble replaces: upright bass, acoustic guitar.
WESTERN_FOLK = {32, 25}


@pytest.mark.parametrize(
    ("prompt", "genre", "meter"),
    [
        ("bulgarian dance", "folk", "7/8"),
        ("spanish dance", "flamenco", None),
        ("mexican dance music", "mariachi", None),
        ("jewish wedding dance", "klezmer", None),
        ("irish dance", "celtic", None),
    ],
)
def test_a_place_names_the_dance(prompt: str, genre: str, meter: str | None) -> None:
    plan, midi = written(prompt)
    assert plan.genre == genre
    if meter is not None:
        ts = midi.time_signature_changes[0]
        assert f"{ts.numerator}/{ts.denominator}" == meter
    assert plan.unrecognized == ()


@pytest.mark.parametrize(
    "prompt", ["bulgarian wedding dance with clarinet in 11/8", "kopanitsa", "bulgarian kopanitsa"]
)
def test_the_kopanitsa_is_in_eleven_eight_counted_in_eighths(prompt: str) -> None:
    plan, midi = written(prompt)
    ts = midi.time_signature_changes[0]
    assert (ts.numerator, ts.denominator) == (11, 8)
    assert plan.genre == "folk"
    # Each bar lasts eleven eighths at the counted (eighth-note) tempo.
    eighth_s = 60.0 / plan.tempo_bpm
    assert plan.bar_s == pytest.approx(11 * eighth_s)


def test_eleven_eight_drums_mark_the_long_beat() -> None:
    """The 2+2+3+2+2 groove: kicks on the bar's first eighth and on the long third beat."""
    plan, midi = written("rock in 11/8", duration_s=16.0)
    eighth_s = plan.bar_s / 11
    kicks = [n for t in midi.instruments if t.is_drum for n in t.notes if n.pitch == KICK]
    assert len(kicks) >= 4
    positions = {round((n.start % plan.bar_s) / eighth_s) % 11 for n in kicks}
    assert {0, 4} <= positions


def test_greek_dance_is_played_on_the_bouzouki() -> None:
    plan, tracks = piece("greek dance")
    assert plan.genre == "folk"
    assert len(sounding(plan, tracks, "bouzouki")) >= 8


@pytest.mark.parametrize(
    ("prompt", "genre"),
    [
        ("bulgarian techno", "techno"),
        ("japanese city pop", "city pop"),
        ("acoustic rock ballad", "rock"),
        ("dance pop anthem", "pop"),
        ("latin dance", "bossa nova"),
        ("dance music", "house"),
    ],
)
def test_a_real_genre_outranks_a_generic_word(prompt: str, genre: str) -> None:
    plan, tracks = piece(prompt)
    assert plan.genre == genre
    assert any(t.notes for t in tracks.values())


@pytest.mark.parametrize(
    ("prompt", "instruments"),
    [
        ("japanese folk tune", ("koto", "shakuhachi", "taiko drum")),
        ("chinese folk song", ("koto", "erhu", "flute")),
        ("korean traditional music", ("koto", "shakuhachi")),
        ("vietnamese folk melody", ("koto", "dan bau")),
        ("mongolian folk", ("koto", "morin khuur", "throat singing")),
        ("thai folk", ("xylophone", "recorder")),
    ],
)
def test_a_place_plays_its_own_ensemble(prompt: str, instruments: tuple[str, ...]) -> None:
    plan, tracks = piece(prompt)
    for name in instruments:
        assert len(sounding(plan, tracks, name)) >= 3, name
    playing = {t.program for t in tracks.values() if t.notes and not t.is_drum}
    assert not WESTERN_FOLK & playing
    assert not any(p.instrument in ("upright bass", "acoustic guitar") for p in plan.parts)
    assert plan.unrecognized == ()


def test_a_korean_piece_keeps_its_drum() -> None:
    _, tracks = piece("korean traditional music with gayageum")
    assert any(t.is_drum and t.notes for t in tracks.values())


def test_throat_singing_holds_a_low_drone() -> None:
    plan, tracks = piece("mongolian steppe", duration_s=20.0)
    notes = sounding(plan, tracks, "throat singing")
    assert len({n.pitch for n in notes}) == 1
    assert notes[0].pitch % 12 == plan.tonic_pc
    assert notes[0].pitch <= INSTRUMENTS["throat singing"].high


def test_a_calm_japanese_garden_has_no_taiko() -> None:
    plan, tracks = piece("calm japanese garden")
    assert not sounding(plan, tracks, "taiko drum")
    assert sounding(plan, tracks, "koto")


def test_a_named_instrument_joins_the_place_ensemble() -> None:
    plan, tracks = piece("japanese folk with piano")
    assert sounding(plan, tracks, "piano")
    assert sounding(plan, tracks, "shakuhachi")
    assert not any(p.instrument == "upright bass" for p in plan.parts)


def test_a_place_in_another_genre_keeps_that_genres_band() -> None:
    plan, tracks = piece("chinese jazz")
    assert plan.genre == "jazz"
    assert sounding(plan, tracks, "upright bass")
    assert not sounding(plan, tracks, "erhu")


@pytest.mark.parametrize(
    ("prompt", "instrument"),
    [
        ("okinawan folk song with sanshin", "shamisen"),
        ("korean folk with haegeum", "erhu"),
        ("japanese festival with shinobue", "flute"),
        ("mongolian khoomei with morin khuur", "throat singing"),
        ("vietnamese lullaby on dan tranh", "koto"),
        ("cambodian temple music with roneat", "xylophone"),
        ("malian desert blues with ngoni", "banjo"),
        ("ethiopian jazz with krar", "harp"),
        ("russian troika with domra", "balalaika"),
        ("ukrainian kolomyjka dance with tsymbaly", "cimbalom"),
        ("basque festival with txalaparta", "marimba"),
        ("afghan rubab melody", "oud"),
        ("uzbek dutar song", "saz"),
        ("persian setar with tombak", "saz"),
        ("colombian cumbia with gaita flute", "recorder"),
        ("south african township jive with pennywhistle", "recorder"),
        ("beijing opera with jinghu", "erhu"),
        ("geisha in a kyoto teahouse", "koto"),
        ("samurai duel at dawn", "shakuhachi"),
        ("ninja stealth", "taiko drum"),
    ],
)
def test_traditional_instrument_words_play(prompt: str, instrument: str) -> None:
    plan, tracks = piece(prompt)
    assert len(sounding(plan, tracks, instrument)) >= 3, [p.instrument for p in plan.parts]
    assert plan.unrecognized == ()


@pytest.mark.parametrize(
    ("prompt", "absent"),
    [
        ("persian setar", "sitar"),  # a Persian lute, not the Indian sitar
        ("colombian cumbia with tambora", "tanpura"),  # a drum, not the drone lute
        ("shanghai jazz bar", "shanai"),  # a city, not the shehnai
    ],
)
def test_a_look_alike_word_is_not_misread(prompt: str, absent: str) -> None:
    plan, _ = piece(prompt)
    assert all(p.instrument != absent for p in plan.parts)
    assert plan.corrections == ()


@pytest.mark.parametrize(
    ("prompt", "genre"),
    [("swing band from the 1930s", "swing"), ("korean drama ost", "cinematic")],
)
def test_era_and_soundtrack_words(prompt: str, genre: str) -> None:
    plan, tracks = piece(prompt)
    assert plan.genre == genre
    assert plan.unrecognized == ()
    assert any(t.notes for t in tracks.values())


@pytest.mark.parametrize(
    ("prompt", "genre", "meter"),
    [
        ("brazilian forro", "cumbia", None),
        ("polish mazurka", "classical", "3/4"),
        ("malian desert blues", "blues", None),
    ],
)
def test_a_traditions_own_style_leads_the_nation(
    prompt: str, genre: str, meter: str | None
) -> None:
    plan, midi = written(prompt)
    assert plan.genre == genre
    if meter is not None:
        ts = midi.time_signature_changes[0]
        assert f"{ts.numerator}/{ts.denominator}" == meter


def test_pansori_is_a_singer_and_a_drum() -> None:
    plan, tracks = piece("korean pansori with buk drum")
    assert sounding(plan, tracks, "voice")
    assert any(t.is_drum and t.notes for t in tracks.values())
    assert {p.instrument for p in plan.parts if not p.is_drum} == {"voice"}


def test_a_zulu_choir_sings_in_parts_without_a_folk_band() -> None:
    plan, tracks = piece("zulu choir")
    for name in ("choir", "voice", "bass voices"):
        assert sounding(plan, tracks, name), name
    assert not any(p.instrument in ("upright bass", "acoustic guitar", "flute") for p in plan.parts)


def test_a_chinese_orchestra_is_the_traditional_one() -> None:
    plan, tracks = piece("chinese orchestra with erhu solo")
    for name in ("erhu", "pipa", "koto"):
        assert sounding(plan, tracks, name), name
    # The solo stands in the orchestra: the others still play.
    assert len([t for t in tracks.values() if t.notes]) >= 3
    assert not any(p.instrument in ("strings", "french horn", "contrabass") for p in plan.parts)


def test_anime_leads_japanese() -> None:
    plan, tracks = piece("japanese anime opening")
    assert plan.genre == "pop"
    assert plan.unrecognized == ()
    assert not sounding(plan, tracks, "koto")
