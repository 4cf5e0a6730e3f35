"""Reading who plays from a prompt: role words next to an instrument, and words that limit
the band to the instruments named."""

from __future__ import annotations

#: Words that limit the band to the instruments the prompt names.
LIMIT_WORDS = frozenset(
    {
        "alone",
        "only",
        "just",
        "unaccompanied",
        "by itself",
        "on its own",
        "nothing else",
        "duo",
        "duet",
        "trio",
        "quartet",
        "quintet",
    }
)
#: Role words that bind to the instrument they follow ("sax solo") or precede ("rhythm guitar").
_ROLE_AFTER = frozenset(
    {"solo", "melody", "lead", "chords", "comping", "comp", "accompaniment", "pad", "pads"}
)
_ROLE_BEFORE = frozenset({"lead", "rhythm", "solo", "melodic"})


def adjacent_roles(
    text: str, instruments: list[tuple[int, str, str]], roles: list[tuple[int, str, str]]
) -> list[tuple[str, str]]:
    """Roles named right before or after an instrument ("rhythm guitar", "sax solo")."""
    found = []
    for position, phrase, value in instruments:
        end = position + len(phrase)
        for role_position, role_phrase, role in roles:
            after = role_position in (end + 1, end + 2) and text[end:role_position].strip() in (
                "",
                "s",
            )
            before = role_position + len(role_phrase) + 1 == position
            word_ok = role_phrase in (_ROLE_AFTER if after else _ROLE_BEFORE)
            if (after or before) and word_ok:
                found.append((value, role))
                break
    return found


def solo_limits(
    text: str,
    instruments: list[tuple[int, str, str]],
    roles: list[tuple[int, str, str]],
    has_context: bool,
) -> bool:
    """Whether "solo" means a player alone ("solo piano", "a piano solo" with no genre) rather
    than a featured solo inside a band ("lounge jazz with vibraphone solo")."""
    for position, phrase, _ in roles:
        if phrase != "solo":
            continue
        # "solo piano", "solo jazz piano": an instrument within two words after it.
        after = text[position + len(phrase) :].split()[:3]
        follows = any(
            0 < p - position - len(phrase) <= len(" ".join(after)) + 1 for p, _, _ in instruments
        )
        if follows or not has_context:
            return True
    return False
