"""Every word the composer understands, with its spelling variants, and typo correction.

Phrases are stored as the prompt reader normalises text (lower case, ``&`` as "and", hyphens
as spaces), so ``"hip-hop"``, ``"hip hop"`` and ``"hiphop"`` are one phrase, and each phrase
also matches its plural (``"fiddles"``, ``"taiko drums"``). A word that matches nothing but is
one edit from a known word (two for long words) is corrected with rapidfuzz's Damerau-
Levenshtein distance (``"guittar"`` -> ``"guitar"``, ``"saxaphone"`` -> ``"saxophone"``);
the corrections are reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

#: Shortest word that typo correction touches (shorter words are too often other words).
MIN_CORRECTED_LENGTH = 5


def normalize(text: str) -> str:
    """Lower case, accents dropped ("forró", "norteño", "bodhrán"), ``&`` as "and",
    punctuation as spaces, hyphens before letters as spaces ("hip-hop", "8-bit", "2-step")."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.lower().replace("♯", "#").replace("♭", "b").replace("&", " and ")
    text = re.sub(r"(\d)\s*bpm\b", r"\1 bpm", text)
    text = re.sub(r"[^a-z0-9#/\-\s.]", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)
    text = re.sub(r"(?<=[a-z0-9])-(?=[a-z])", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def variants(phrase: str) -> list[str]:
    """A phrase as the reader sees it, its plural and (for several words) run together."""
    base = normalize(phrase)
    out = [base]
    if base[-1:].isalnum():
        out += [base + "es" if base.endswith(("s", "x", "sh", "ch")) else base + "s"]
    joined = base.replace(" ", "")
    if " " in base and len(joined) >= 5:
        out.append(joined)
    return out


def expand(vocabulary: Mapping[str, str]) -> dict[str, str]:
    """The vocabulary with every phrase's variants (exact entries win over variants)."""
    result = {normalize(k): v for k, v in vocabulary.items()}
    for phrase, value in vocabulary.items():
        for variant in variants(phrase):
            result.setdefault(variant, value)
    return result


def known_words(phrases: Iterable[str]) -> set[str]:
    """Every single word used in the phrases."""
    return {word for phrase in phrases for word in phrase.split()}


def correct(
    text: str, known: set[str], targets: list[str], protected: set[str]
) -> tuple[str, list[tuple[str, str]]]:
    """Replace words one or two edits from a target word; returns (text, [(typo, fix)]).

    Args:
        text: Normalised prompt text.
        known: Words that are never corrected (in a phrase, stop words).
        targets: Words a typo may be corrected to.
        protected: More words left alone (the key letters, numbers, modes).
    """
    corrections: list[tuple[str, str]] = []

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        if (
            len(word) < MIN_CORRECTED_LENGTH
            or word in known
            or word in protected
            or not word.isalpha()
        ):
            return word
        limit = 1 if len(word) < 8 else 2
        best = process.extractOne(
            word, targets, scorer=DamerauLevenshtein.distance, score_cutoff=limit
        )
        if best is None or best[0][0] != word[0]:
            return word
        corrections.append((word, best[0]))
        return str(best[0])

    return re.sub(r"[a-z0-9#/\-.]+", fix, text), corrections
