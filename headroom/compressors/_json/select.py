"""Budgeted item selection shared by the JSON and table compressors.

An array keeps its first and last items, every distinct item carrying an error signal, the
items that best match the query, numeric and structural outliers, change points, and then an
even spread, until the budget is used.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from headroom.critical import (
    CRITICAL,
    LONG_LINE_CHARS,
    critical_units,
    mentions_critical,
    without_no_error_fields,
)
from headroom.text import BM25, query_terms

# From a word's start only (inside a long word it rescanned); it ends where a URL cannot go on (a
# space, a quote, a bracket): in minified code the next space may be a whole program away.
_URL = re.compile(r"(?<!\w)\w+://[^\s\"'`<>()\[\]{}|\\^]+")
_VOLATILE = re.compile(r"[0-9a-f]{7,}|\d+", re.I)
_MAX_CATEGORIES = 6
_SHORT_ITEM_CHARS = 80


@dataclass(frozen=True)
class Budget:
    """How many items an array keeps once selection starts, and which ones are fixed."""

    max_items: int
    min_items: int
    keep_first: int
    keep_last: int
    outlier_z: float

    def nested(self) -> Budget:
        """A smaller budget for arrays inside kept items, so nesting does not multiply the output."""
        smaller = max(self.keep_first + self.keep_last + 1, self.max_items // 2)
        return Budget(smaller, self.min_items, self.keep_first, self.keep_last, self.outlier_z)


def _walk(value: Any, path: str = "", flagged: bool = False) -> Iterator[tuple[str, Any, bool]]:
    """Each leaf by its path, and whether an error-named key is on that path; and each non-empty
    container under an error-named key, whole.

    ``"failure_details": {"code": "insufficient_funds"}`` says what failed only in the key above
    its leaves; only an empty value (``{}``, ``[]``, ``null``) there reports that there is none.
    """
    if isinstance(value, dict):
        for key, child in value.items():
            named = CRITICAL.search(str(key)) is not None
            if named and isinstance(child, dict | list) and child:
                yield f"{path}.{key}", child, True
            yield from _walk(child, f"{path}.{key}", flagged or named)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, path, flagged)
    else:
        yield path, value, flagged


SignalMemo = dict[str, str | None]
"""Each string's error signal as :func:`critical_signature` shows it, by the string: a nested
array is selected again inside every selected item, so one long string is read at each level."""


def _string_signal(value: str) -> str | None:
    """The name- and number-free error signal of one string value; ``None`` when it has none."""
    # URLs are addresses, not signals: ".../check-runs/failures" is no error by itself. Removing
    # them (or empty error fields) never makes a stem, so a value with none is settled at once.
    if mentions_critical(value) and CRITICAL.search(without_no_error_fields(_URL.sub("", value))):
        # A line-sized value is told apart whole; a longer one by the words around its errors.
        shown = value if len(value) <= LONG_LINE_CHARS else "\n".join(critical_units(value))
        return _VOLATILE.sub("#", shown or value[:120])
    return None


def critical_signature(item: Any, memo: SignalMemo | None = None) -> str | None:
    """A name- and number-free signature of the item's error signals; ``None`` when it has none.

    ``memo`` keeps each string's signal across calls (one document's items share their strings).
    """
    hits: list[str] = []
    for path, value, flagged in _walk(item):
        signal = None
        if isinstance(value, str):
            if memo is None:
                signal = _string_signal(value)
            elif value in memo:
                signal = memo[value]
            else:
                signal = memo[value] = _string_signal(value)
        if signal is not None:
            hits.append(f"{path}={signal}")
        elif isinstance(value, dict | list):  # a container under an error-named key: by its shape
            shape = ",".join(map(str, value)) if isinstance(value, dict) else "[]"
            hits.append(f"{path}={{{_VOLATILE.sub('#', shape[:120])}}}")
        elif value not in (None, False, 0, "") and flagged:
            hits.append(f"{path}={_VOLATILE.sub('#', str(value)[:40])}")
    return "\n".join(hits) if hits else None


def _numeric_columns(items: Sequence[Any]) -> dict[str, list[tuple[int, float]]]:
    columns: dict[str, list[tuple[int, float]]] = {}
    for index, item in enumerate(items):
        fields = item.items() if isinstance(item, dict) else [("", item)]
        for key, value in fields:
            number = _finite(value)
            if number is not None:
                columns.setdefault(key, []).append((index, number))
    return columns


def _finite(value: Any) -> float | None:
    """``value`` as a float for statistics; ``None`` for non-numbers, ``1e400`` and ints beyond float."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _outliers(items: Sequence[Any], z_limit: float) -> list[int]:
    scored: dict[int, float] = {}
    for values in _numeric_columns(items).values():
        if len(values) < 5:
            continue
        numbers = [v for _, v in values]
        median = statistics.median(numbers)
        mad = statistics.median(abs(v - median) for v in numbers)
        if mad == 0:
            continue
        for index, value in values:
            z = 0.6745 * abs(value - median) / mad
            if z > z_limit:
                scored[index] = max(scored.get(index, 0.0), z)
    return sorted(scored, key=lambda i: (-scored[i], i))


def _change_points(items: Sequence[Any], limit: int) -> list[int]:
    points: set[int] = set()
    dicts = [item for item in items if isinstance(item, dict)]
    if len(dicts) != len(items) or not dicts:
        return []
    for key in dicts[0]:
        series = [item.get(key) for item in dicts]
        if not all(isinstance(v, str | bool) or v is None for v in series):
            continue
        if not 2 <= len(set(series)) <= _MAX_CATEGORIES:
            continue
        changes = [i for i in range(1, len(series)) if series[i] != series[i - 1]]
        if len(changes) <= limit:
            points.update(changes)
    return sorted(points)


def _rare_shapes(items: Sequence[Any]) -> list[int]:
    shapes = [tuple(item) if isinstance(item, dict) else type(item).__name__ for item in items]
    counts = Counter(shapes)
    if len(counts) < 2:
        return []
    rare = {shape for shape, n in counts.items() if n * 10 < len(items)}
    seen: set[Any] = set()
    picked = []
    for index, shape in enumerate(shapes):
        if shape in rare and shape not in seen:
            seen.add(shape)
            picked.append(index)
    return picked


def _critical(items: Sequence[Any], names: Sequence[str] | None, memo: SignalMemo | None) -> list[int]:
    seen: set[str] = set()
    picked = []
    for index, item in enumerate(items):
        signature = critical_signature(item, memo)
        if names is not None and CRITICAL.search(names[index]):
            # An entry keyed by an error-named id ("http-errors") shows it only in its key.
            signature = f"key={_VOLATILE.sub('#', names[index])}\n{signature or ''}"
        if signature is not None and signature not in seen:
            seen.add(signature)
            picked.append(index)
    return picked


def _query_matches(texts: Sequence[str], query: str | None) -> list[int]:
    if not query_terms(query):
        return []
    scores = BM25(texts).scores(query)
    return sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))


def _spread(n: int, kept: set[int], room: int) -> list[int]:
    free = [i for i in range(n) if i not in kept]
    if room <= 0 or not free:
        return []
    step = len(free) / (room + 1)
    return sorted({free[int(step * (k + 1))] for k in range(room)})


def select(
    items: Sequence[Any],
    texts: Sequence[str],
    budget: Budget,
    query: str | None,
    names: Sequence[str] | None = None,
    memo: SignalMemo | None = None,
) -> list[int] | None:
    """Sorted indices of the items to keep, or ``None`` when the array is kept whole.

    ``names`` are the entries' keys when the items are the values of an object keyed by id;
    ``memo`` is the caller's :data:`SignalMemo` for the document the items come from.
    """
    n = len(items)
    if n <= max(budget.min_items, budget.max_items):
        return None
    kept = set(range(min(budget.keep_first, n))) | set(range(max(0, n - budget.keep_last), n))
    kept.update(_critical(items, names, memo))
    ranked_groups = [
        _query_matches(texts, query),
        _outliers(items, budget.outlier_z),
        _change_points(items, max(1, budget.max_items // 3)),
        _rare_shapes(items),
    ]
    for group in ranked_groups:
        for index in group:
            if len(kept) >= budget.max_items:
                break
            kept.add(index)
    # A few evenly spaced items show the middle; more would mostly buy markers between them.
    room = min(budget.max_items - len(kept), max(1, budget.max_items // 2))
    kept.update(_spread(n, kept, room))
    return _absorb_single_gaps(sorted(kept), texts)


def _absorb_single_gaps(kept: list[int], texts: Sequence[str]) -> list[int]:
    # A marker costs about as much as a short item, so a lone short item is kept instead.
    extra = [
        start
        for start, stop in dropped_runs(kept, len(texts))
        if stop - start == 1 and len(texts[start]) <= _SHORT_ITEM_CHARS
    ]
    return sorted([*kept, *extra]) if extra else kept


def dropped_runs(kept: Sequence[int], n: int) -> list[tuple[int, int]]:
    """``(start, stop)`` ranges of the indices in ``range(n)`` that ``kept`` leaves out."""
    runs = []
    previous = -1
    for index in [*kept, n]:
        if index - previous > 1:
            runs.append((previous + 1, index))
        previous = index
    return runs
