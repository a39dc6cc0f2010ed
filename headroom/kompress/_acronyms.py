"""Acronyms of the query spelled out in the text: "us" ↔ "United States", "oom" ↔ "out of memory".

Questions abbreviate what documents write in full (and the other way round), and neither BM25
nor a small sentence encoder links the two. A short query word matches a run of as many text
words whose initials spell it, first and last word not stopwords.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from headroom.text import is_stopword

MIN_LETTERS = 2
MAX_LETTERS = 5


def acronym_runs(words: Sequence[str], terms: Iterable[str]) -> list[tuple[int, int, str]]:
    """``(start, end, term)`` for every run of ``words`` whose initials spell a query ``term``."""
    wanted = {t for t in terms if MIN_LETTERS <= len(t) <= MAX_LETTERS and t.isalpha()}
    if not wanted:
        return []
    cores = [w.strip("\"'()[]{}«»“”‘’.,;:!?").lower() for w in words]
    initials = "".join(c[:1] if c[:1].isalpha() else " " for c in cores)
    runs: list[tuple[int, int, str]] = []
    for term in sorted(wanted):
        n = len(term)
        start = initials.find(term)
        while start != -1:
            end = start + n
            if not (is_stopword(cores[start]) or is_stopword(cores[end - 1])):
                runs.append((start, end, term))
            start = initials.find(term, start + 1)
    return runs
