"""A tiny corpus for the tuning tests, written by the tests (never real data)."""

from __future__ import annotations

import json
from pathlib import Path


def _records(count: int, seed: int) -> list[dict[str, object]]:
    return [
        {
            "id": 10_000 + seed * 1000 + i,
            "name": f"user_{seed}_{i}",
            "path": f"/srv/data/bucket{seed}/item_{i}.json",
            "score": round(0.5 + (i % 7) * 0.01, 3) if i != 37 else 97.5,
            "status": "ok" if i % 11 else "failed",
        }
        for i in range(count)
    ]


def _log(lines: int) -> str:
    out = []
    for i in range(lines):
        stamp = f"2024-05-01T10:{i // 60:02d}:{i % 60:02d}Z"
        if i % 17 == 5:
            out.append(
                f"{stamp} ERROR worker_{i % 3} failed to open /var/lib/app/shard_{i}.db: permission denied"
            )
        elif i % 5 == 0:
            out.append(f"{stamp} WARN cache miss for key session_{i * 13} after {i * 7} ms")
        else:
            out.append(f"{stamp} INFO request req_{4000 + i} GET /api/v2/items/{i} 200 in {i % 9 + 1} ms")
    return "\n".join(out) + "\n"


def write_corpus(root: Path) -> Path:
    """``root`` with ``json/`` (two arrays of records) and ``log/`` (two service logs)."""
    (root / "json").mkdir(parents=True)
    (root / "log").mkdir(parents=True)
    for seed in (1, 2):
        (root / "json" / f"records{seed}.json").write_text(
            json.dumps(_records(60 + 20 * seed, seed), indent=1)
        )
        (root / "log" / f"service{seed}.log").write_text(_log(150 * seed))
    return root


def write_flat_corpus(root: Path) -> Path:
    """The same four files with no per-kind folders: ``root/dump-N.txt`` and ``root/more/out-N.txt``."""
    (root / "more").mkdir(parents=True)
    for seed in (1, 2):
        (root / f"dump-{seed}.txt").write_text(json.dumps(_records(60 + 20 * seed, seed), indent=1))
        (root / "more" / f"out-{seed}.txt").write_text(_log(150 * seed))
    (root / ".hidden").write_text("not a corpus file\n")
    return root


def write_manifest(root: Path, entries: list[dict[str, str]]) -> None:
    """``root/MANIFEST.jsonl`` with one JSON object per entry."""
    (root / "MANIFEST.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
