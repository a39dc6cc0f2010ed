"""The prior's fast paths (scans skipped when they cannot match) give what the full scans give."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.compressors._prose import score

# What the prior counted before its fast paths, spelled out: the reference these tests hold it to.
_NAME_BEFORE = re.compile(r"(?<=[\w,;:)] )[A-Z][\w-]*[A-Za-z0-9]")


def _density_by_full_scans(text: str, tokens: list[str]) -> float:
    if not tokens:
        return 0.0
    hits = len(score._DIGIT.findall(text)) + len(score._IDENT.findall(text)) + len(_NAME_BEFORE.findall(text))
    return min(1.0, 2.0 * hits / len(tokens))


# Letters, digits and the punctuation the patterns turn on, plus a few non-ASCII letters that
# case-insensitive matching folds (Kelvin sign, long s, dotless i) and accented capitals.
_ALPHABET = st.sampled_from(
    [*"aAbBeEfFgGiIkKnNoOsStTuUwWyYzZ019 ,;:)(.-_`\n", "\u212a", "\u017f", "\u0131", "\u00c9", "\u00e9"]
)
_CUE_PIECES = st.sampled_from(
    ["note", "NOTE", "Note:", "key", "monkey", "keys", "in summary", "we found", "results show", "\u212aey"]
)
_TEXTS = st.lists(st.one_of(st.text(_ALPHABET, max_size=12), _CUE_PIECES), max_size=12).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_density_counts_what_the_full_scans_count(text: str) -> None:
    tokens = text.split()
    assert score._density(text, tokens) == _density_by_full_scans(text, tokens)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_cue_matches_what_the_full_scan_matches(text: str) -> None:
    assert score._cue(text) == (0.5 if score._CUES.search(text) else 0.0)


def test_fast_paths_on_familiar_shapes() -> None:
    assert score._cue("A Key result.") == 0.5
    assert score._cue("The monkey ran.") == 0.0  # a stem inside a word is no cue
    assert score._cue("\u212aey point.") == 0.5  # the Kelvin sign folds to k: the full scan decides
    assert _density_by_full_scans("Run foo_bar.py on Linux, Mac", ["x"] * 6) == score._density(
        "Run foo_bar.py on Linux, Mac", ["x"] * 6
    )
