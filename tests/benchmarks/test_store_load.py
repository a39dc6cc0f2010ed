"""The store load benchmark runs end to end on a tiny load and reads every key back."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import store_load  # noqa: E402

TINY = [
    "--processes",
    "2",
    "--entries",
    "300",
    "--puts",
    "15",
    "--large",
    "0",
    "--batch",
    "5",
    "--gap-ms",
    "1",
]


def test_tiny_load_loses_nothing(tmp_path: Path) -> None:
    _check_tiny_load(tmp_path, [])


@pytest.mark.server
def test_tiny_load_on_redis_loses_nothing(tmp_path: Path, redis_url: str) -> None:
    _check_tiny_load(tmp_path, ["--backend", "redis", "--redis-url", redis_url])


def _check_tiny_load(tmp_path: Path, backend: list[str]) -> None:
    out = tmp_path / "load.json"
    store_load.main([*TINY, *backend, "--dir", str(tmp_path), "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    phases = report["phases"]
    assert set(phases) == {"fresh", "existing", "existing, paced", "floor", "existing, one writer"}
    assert phases["fresh"]["puts"] == 30 and phases["fresh"]["entries_after"] == 2 * (15 + 5)
    assert phases["existing"]["entries_after"] == 300 + 2 * 20
    assert all(p["errors"] == [] and p["lost"] == 0 for p in phases.values())
    assert phases["floor"]["entries_after"] == 0  # the floor's workers never touch a store
