"""Retrieval: exact originals, or the parts of an original that match a query."""

from __future__ import annotations

import json
from dataclasses import dataclass

from headroom.ccr._store import Store, to_text
from headroom.critical import json_record
from headroom.text import BM25, query_terms


@dataclass(frozen=True)
class Retrieved:
    """An original, whole or filtered by a query."""

    key: str
    text: str
    matched: int
    total: int
    unit: str


def retrieve(store: Store, key: str, query: str | None = None, limit: int = 50) -> Retrieved:
    """The exact original, or up to ``limit`` items/lines that match ``query`` (in original order)."""
    original = to_text(store.get(key))
    if not query_terms(query):
        return Retrieved(key=key, text=original, matched=0, total=0, unit="whole")
    units, unit = _split_units(original)
    scores = BM25(units).scores(query)
    ranked = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: -scores[i])
    chosen = sorted(ranked[:limit])
    text = "\n".join(units[i] for i in chosen)
    return Retrieved(key=key, text=text, matched=len(ranked), total=len(units), unit=unit)


def _split_units(original: str) -> tuple[list[str], str]:
    data = json_record(original)
    if isinstance(data, list) and data:
        return [json.dumps(item, ensure_ascii=False) for item in data], "items"
    return original.splitlines(), "lines"
