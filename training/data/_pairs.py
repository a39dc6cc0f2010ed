"""(original, compressed) pairs aligned back to the original, as in LLMLingua-2.

Each compressed word is looked for in a sliding window of the original ahead of the last match;
a found word labels that original word keep. Pairs whose compressed words mostly fail to align
(a teacher that paraphrased instead of deleting), that are not shorter than the original, or
that are empty are dropped and counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from headroom.errors import ConfigError
from training.data._words import Row, normalise

WINDOW = 64
"""How far ahead of the previous match a compressed word may align."""


@dataclass(frozen=True)
class Pair:
    """One example: the original text, its compressed form, optional must-keep strings."""

    original: str
    compressed: str
    must_keep: tuple[str, ...] = ()
    source: str = "pairs"


@dataclass
class AlignStats:
    """What the filters did, for the data manifest."""

    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    def drop(self, reason: str) -> None:
        """Count one dropped pair."""
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


def align(
    original: Sequence[str], compressed: Sequence[str], window: int = WINDOW
) -> tuple[list[int], float]:
    """Keep labels for ``original`` and the share of ``compressed`` words that aligned."""
    labels = [0] * len(original)
    keys = [normalise(w) or w for w in original]
    pointer = matched = 0
    for word in compressed:
        key = normalise(word) or word
        hit = _find(keys, key, pointer, min(len(keys), pointer + window))
        if hit is None:
            continue
        labels[hit] = 1
        matched += 1
        pointer = hit + 1
    return labels, matched / len(compressed) if compressed else 0.0


def _find(keys: Sequence[str], key: str, start: int, stop: int) -> int | None:
    for i in range(start, stop):
        if keys[i] == key:
            return i
    return None


def pair_row(pair: Pair, min_alignment: float, stats: AlignStats) -> Row | None:
    """Align one pair into a row, or count why it was dropped."""
    words, short = pair.original.split(), pair.compressed.split()
    if not words or not short:
        stats.drop("empty")
        return None
    if len(short) >= len(words):
        stats.drop("not_shorter")
        return None
    labels, score = align(words, short)
    if score < min_alignment:
        stats.drop("misaligned")
        return None
    wanted = {normalise(w) for s in pair.must_keep for w in s.split()}
    must = [bool(wanted) and normalise(w) in wanted for w in words]
    labels = [1 if m else label for label, m in zip(labels, must, strict=True)]
    stats.kept += 1
    return Row(words, labels, must, pair.source)


def read_pairs(path: Path) -> Iterator[Pair]:
    """Pairs from JSONL lines ``{"original", "compressed", "must_keep"?: [str], "source"?: str}``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            yield Pair(
                str(record["original"]),
                str(record["compressed"]),
                tuple(str(s) for s in record.get("must_keep", ())),
                str(record.get("source", path.name)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{number}: not a pair record ({exc})") from exc


def pair_rows(pairs: Iterable[Pair], min_alignment: float, stats: AlignStats) -> Iterator[Row]:
    """The rows of every pair that passes the filters."""
    for pair in pairs:
        row = pair_row(pair, min_alignment, stats)
        if row is not None:
            yield row


def write_pairs(path: Path, pairs: Iterable[Pair]) -> int:
    """Append pairs as JSONL; returns how many were written."""
    count = 0
    with path.open("a", encoding="utf-8") as handle:
        for pair in pairs:
            record: dict[str, object] = {
                "original": pair.original,
                "compressed": pair.compressed,
                "source": pair.source,
            }
            if pair.must_keep:
                record["must_keep"] = list(pair.must_keep)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count
