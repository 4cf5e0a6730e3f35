"""Limits and defaults shared by one-shot generation and live sessions.

:mod:`music_gen.params` and :mod:`music_gen.live` both read them from here. The module
imports nothing, so the API client (which imports :mod:`music_gen.live` for its steer
replies) gets them without the generation parameters.
"""

#: Longest accepted prompt, in characters.
MAX_PROMPT_CHARS = 2000
#: Softmax temperature when none is given: the model's own distribution.
DEFAULT_TEMPERATURE = 1.0
#: Nucleus cut when none is given: 1 keeps every option.
DEFAULT_TOP_P = 1.0
