"""What every backend does the same way: checking a save, naming its fact, scoring BM25."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from headroom.errors import StoreError, StoreFull
from headroom.memory._model import MemoryLimits
from headroom.memory._text import fact_id, term_counts

Clock = Callable[[], float]
# BM25's usual constants (also FTS5's): term-frequency saturation and length normalisation.
BM25_K1 = 1.2
BM25_B = 0.75


@dataclass(frozen=True)
class Draft:
    """A fact checked and prepared for a backend's write."""

    project: str
    id: str
    content: str
    size: int
    counts: dict[str, int]
    """Search term -> occurrences in the content."""

    @property
    def length(self) -> int:
        """Search terms in the content (BM25's document length)."""
        return sum(self.counts.values())

    @property
    def term_text(self) -> str:
        """The terms, space-separated, each as often as it occurs (what FTS5 indexes)."""
        return " ".join(term for term, n in self.counts.items() for _ in range(n))


def draft(project: str, content: str, limits: MemoryLimits) -> Draft:
    """Check a fact against the caps and name it; refuses empty or over-long facts (never cuts one)."""
    check_project(project)
    if not isinstance(content, str) or not content.strip():
        raise StoreError("a memory fact must be non-empty text")
    if len(content) > limits.max_fact_chars:
        raise StoreFull(
            f"the fact has {len(content)} characters, over the cap of {limits.max_fact_chars} per fact;"
            " save a shorter fact (or several)"
        )
    counts = dict(term_counts(content))
    size = len(content.encode("utf-8", "surrogatepass"))
    return Draft(project, fact_id(content), content, size, counts)


def check_project(project: str) -> None:
    if not isinstance(project, str) or not project:
        raise StoreError("a memory call needs a project id (see headroom.memory.resolve_project)")


def rank(
    candidates: dict[str, tuple[dict[str, int], int]], words: set[str], facts: int, total_length: int, k: int
) -> list[tuple[str, float]]:
    """The ``k`` best of ``candidates`` (id -> (term counts, length)) for the query ``words``, by BM25.

    Statistics are the project's own (``facts`` held, their ``total_length`` in terms), and the
    candidates are every fact holding a query word, so a word's document frequency is exact.
    The inverse document frequency is Lucene's (always positive, so a word in most of a small
    project's facts still counts a little).
    """
    average = total_length / facts if facts else 1.0
    holding = {w: sum(1 for counts, _ in candidates.values() if w in counts) for w in words}
    idf = {w: math.log(1 + (facts - n + 0.5) / (n + 0.5)) for w, n in holding.items() if n}
    scored = []
    for fid, (counts, length) in candidates.items():
        norm = 1 - BM25_B + BM25_B * (length / average if average > 0 else 1.0)
        score = sum(
            idf[w] * counts[w] * (BM25_K1 + 1) / (counts[w] + BM25_K1 * norm) for w in words if w in counts
        )
        scored.append((fid, score))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:k]
