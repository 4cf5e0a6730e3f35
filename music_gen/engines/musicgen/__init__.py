"""MusicGen (transformers) backend: loading, generation and fast decoding."""
