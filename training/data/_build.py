"""Build the train/validation/test datasets a config names, with a manifest of what went in."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from headroom.errors import ConfigError
from training.config import DataConfig, Source
from training.data._discover import discover
from training.data._pairs import AlignStats, pair_rows, read_pairs
from training.data._weak import nq_rows, qa_rows, squad_rows, trace_rows
from training.data._words import Row

if TYPE_CHECKING:
    import datasets

SPLITS = ("train", "validation", "test")


def source_path(data: DataConfig, source: Source) -> Path:
    """Where a source's file lives (``data.root`` joined unless the path is absolute)."""
    path = Path(source.path).expanduser()
    return path if path.is_absolute() else Path(data.root or ".").expanduser() / path


def resolved_sources(data: DataConfig) -> tuple[Source, ...]:
    """The sources the config names or, when it names none, every file found under ``data.root``."""
    return data.sources or discover(data)


def source_rows(data: DataConfig, source: Source, stats: AlignStats) -> Iterator[Row]:
    """The labelled rows of one source file."""
    path = source_path(data, source)
    if not path.is_file():
        raise ConfigError(f"training data file not found: {path}")
    if source.kind == "squad":
        return squad_rows(path, data.keep_budget)
    if source.kind == "qa":
        return qa_rows(path, data.keep_budget)
    if source.kind == "nq":
        return nq_rows(path, data.keep_budget)
    if source.kind == "traces":
        return trace_rows(path, data.keep_budget)
    return pair_rows(read_pairs(path), data.min_alignment, stats)


def check_disjoint(data: DataConfig, sources: tuple[Source, ...] | None = None) -> None:
    """A file may appear in one split only: held-out numbers mean nothing otherwise."""
    seen: dict[Path, str] = {}
    for source in data.sources if sources is None else sources:
        path = source_path(data, source).resolve()
        if path in seen and seen[path] != source.split:
            raise ConfigError(f"{path} is in both the {seen[path]} and the {source.split} split")
        seen[path] = source.split


def build_datasets(
    data: DataConfig, sources: tuple[Source, ...] | None = None
) -> tuple[dict[str, datasets.Dataset], list[dict[str, Any]]]:
    """One ``datasets.Dataset`` per split (words, labels, must_keep, source) and the data manifest.

    ``sources`` defaults to :func:`resolved_sources` (the named files, or those found under the root).
    """
    import datasets

    sources = resolved_sources(data) if sources is None else sources
    check_disjoint(data, sources)
    records: dict[str, list[dict[str, object]]] = {split: [] for split in SPLITS}
    manifest = []
    for source in sources:
        stats = AlignStats()
        rows = [row for row in source_rows(data, source, stats) if row.words]
        records[source.split].extend(row.as_dict() for row in rows)
        manifest.append(_manifest_entry(data, source, rows, stats))
    features = datasets.Features(
        {
            "words": datasets.Sequence(datasets.Value("string")),
            "labels": datasets.Sequence(datasets.Value("int8")),
            "must_keep": datasets.Sequence(datasets.Value("bool")),
            "source": datasets.Value("string"),
        }
    )
    # from_list cannot build an empty split (no validation/ folder, say); from_dict can.
    built = {
        split: datasets.Dataset.from_dict(
            {name: [r[name] for r in rows] for name in features}, features=features
        )
        for split, rows in records.items()
    }
    return built, manifest


def _manifest_entry(data: DataConfig, source: Source, rows: list[Row], stats: AlignStats) -> dict[str, Any]:
    path = source_path(data, source)
    words = sum(len(r.words) for r in rows)
    entry: dict[str, Any] = {
        "file": source.path if not Path(source.path).is_absolute() else path.name,
        "kind": source.kind,
        "split": source.split,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "rows": len(rows),
        "words": words,
        "keep_rate": round(sum(sum(r.labels) for r in rows) / max(words, 1), 4),
        "must_keep_rate": round(sum(sum(r.must_keep) for r in rows) / max(words, 1), 4),
    }
    if source.kind == "pairs":
        entry["pairs_kept"] = stats.kept
        entry["pairs_dropped"] = dict(stats.dropped)
    return entry
