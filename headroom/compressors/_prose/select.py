"""Budgeted span selection and marker assembly, shared by the extractive scorer and Kompress.

:func:`select_spans` decides which units to keep under a token budget, charging each
dropped run the price of its marker; :func:`assemble` writes the kept units in their
original order and layout, with one marker per maximal dropped run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from headroom.compressors._base import CompressContext, Elision
from headroom.compressors._prose.units import Unit

MIXED_KIND = "parts"
_CALIBRATION_ROUNDS = 3


def select_spans(
    units: Sequence[Unit], scores: Sequence[float], budget: float, marker_cost: float = 18.0
) -> list[bool]:
    """Which units to keep: must-keep units, then the best-scoring ones while the budget lasts.

    The cost of keeping a unit is its tokens plus the change in marker tokens it causes
    (splitting a dropped run adds a marker, closing a gap removes one). Dropped runs whose
    marker would cost more than the run itself are kept afterwards; the budget is then
    tightened by what that overshoot cost, so the output lands close to ``budget``.
    """
    order = sorted(range(len(units)), key=lambda k: (-scores[k], units[k].tokens, k))
    target = budget
    keep = _greedy(units, order, target, marker_cost)
    for _ in range(_CALIBRATION_ROUNDS):
        overshoot = output_tokens(units, keep, marker_cost) - budget
        if overshoot <= 0 or target <= 0:
            break
        target -= overshoot
        keep = _greedy(units, order, target, marker_cost)
    return keep


def output_tokens(units: Sequence[Unit], keep: Sequence[bool], marker_cost: float) -> float:
    """Estimated tokens of the assembled output: kept units plus one marker per dropped run."""
    kept = sum(u.tokens for u, k in zip(units, keep, strict=True) if k)
    return kept + marker_cost * _count_runs(keep)


def _greedy(units: Sequence[Unit], order: Sequence[int], budget: float, marker_cost: float) -> list[bool]:
    keep = [u.must_keep for u in units]
    spent = output_tokens(units, keep, marker_cost)
    for k in order:
        if keep[k]:
            continue
        cost = units[k].tokens + marker_cost * _marker_delta(keep, k)
        if spent + cost <= budget:
            keep[k] = True
            spent += cost
    return keep_cheap_runs(units, keep, marker_cost)


def _count_runs(keep: Sequence[bool]) -> int:
    return sum(1 for k, kept in enumerate(keep) if not kept and (k == 0 or keep[k - 1]))


def _marker_delta(keep: Sequence[bool], k: int) -> int:
    """Markers added (+1) or removed (-1) by keeping unit ``k`` while it is dropped."""
    left = k > 0 and not keep[k - 1]
    right = k + 1 < len(keep) and not keep[k + 1]
    if left and right:
        return 1
    if not left and not right:
        return -1
    return 0


def dropped_runs(keep: Sequence[bool]) -> list[tuple[int, int]]:
    """``(first, last + 1)`` of every maximal run of dropped units."""
    runs: list[tuple[int, int]] = []
    k = 0
    while k < len(keep):
        if keep[k]:
            k += 1
            continue
        j = k
        while j < len(keep) and not keep[j]:
            j += 1
        runs.append((k, j))
        k = j
    return runs


def keep_cheap_runs(units: Sequence[Unit], keep: list[bool], marker_cost: float) -> list[bool]:
    """Keep every dropped run that would not save more tokens than its marker costs."""
    for first, stop in dropped_runs(keep):
        if sum(u.tokens for u in units[first:stop]) <= marker_cost:
            keep[first:stop] = [True] * (stop - first)
    return keep


def run_label(units: Sequence[Unit]) -> tuple[int, str, str]:
    """``(count, kind, detail)`` for a dropped run; mixed runs spell out each kind's count."""
    kinds = Counter(u.kind for u in units)
    if len(kinds) == 1:
        kind, count = next(iter(kinds.items()))
        return count, kind, ""
    detail = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    return len(units), MIXED_KIND, f"({detail})"


def assemble(
    text: str, units: Sequence[Unit], keep: Sequence[bool], ctx: CompressContext
) -> tuple[str, list[Elision]]:
    """The kept units verbatim, in order, with a marker where each dropped run was."""
    parts = [text[: units[0].start]] if units else [text]
    elisions: list[Elision] = []
    k = 0
    while k < len(units):
        if keep[k]:
            parts.append(text[units[k].start : units[k].end])
            k += 1
            continue
        j = k
        while j < len(units) and not keep[j]:
            j += 1
        count, kind, detail = run_label(units[k:j])
        marker, elision = ctx.marker(text, count, kind, detail)
        last = units[j - 1]
        separator = text[last.content_end : last.end]
        parts.append(marker + (separator or (" " if j < len(units) else "")))
        elisions.append(elision)
        k = j
    return "".join(parts), elisions
