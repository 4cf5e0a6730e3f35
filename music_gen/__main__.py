"""``python -m music_gen`` runs the command line."""

from music_gen.cli import main

main()
