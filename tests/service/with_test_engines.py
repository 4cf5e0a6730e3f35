"""``python -m tests.service.with_test_engines <musicgen args>``: the CLI with test models.

Registers test-tone, test-slow, test-fail and test-missing, then runs ``musicgen``. With
``TEST_ENGINES_RELEASE=1`` test-slow generations finish at once instead of waiting.
"""

from __future__ import annotations

import os

from music_gen import cli
from tests.service.engines import RELEASE, register_test_engines

if __name__ == "__main__":
    register_test_engines()
    if os.environ.get("TEST_ENGINES_RELEASE") == "1":
        RELEASE.set()
    cli.main()
