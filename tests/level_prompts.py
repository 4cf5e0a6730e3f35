"""Band prompts whose level tests/test_level.py and bench/composer_loudness.py measure."""

#: Sixteen band prompts that spanned -20.2 to -8.6 LUFS before levelling.
PROMPTS = [
    "Garage punk with fuzzy distorted guitars, 180 bpm",
    "heavy metal with distorted guitars",
    "Calm piano melody in D minor",
    "Delta blues shuffle with slide guitar",
    "Lounge jazz with vibraphone solo",
    "Cinematic battle theme for orchestra with taiko drums and horns",
    "dark techno in F# minor at 130 bpm",
    "ambient pads, slow and dreamy",
    "upbeat funk with drums, bass, electric piano and brass",
    "lo-fi hip hop beat",
    "bossa nova with nylon guitar and flute",
    "reggae with organ skank",
    "country two-step with fiddle",
    "a waltz in A minor for strings and flute",
    "happy pop song",
    "soft harp lullaby",
]
