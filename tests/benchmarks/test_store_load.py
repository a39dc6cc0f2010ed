"""The store load benchmark runs end to end on a tiny load and reads every key back."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import store_load  # noqa: E402


def test_tiny_load_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    argv = ["--processes", "2", "--entries", "300", "--puts", "15", "--large", "0", "--batch", "5"]
    store_load.main([*argv, "--dir", str(tmp_path), "--json", str(out)])
    report = json.loads(out.read_text(encoding="utf-8"))
    phases = report["phases"]
    assert set(phases) == {"fresh", "existing", "existing, paced", "floor", "existing, one writer"}
    assert phases["fresh"]["puts"] == 30 and phases["fresh"]["entries_after"] == 2 * (15 + 5)
    assert phases["existing"]["entries_after"] == 300 + 2 * 20
    assert all(p["errors"] == [] and p["lost"] == 0 for p in phases.values())
    assert phases["floor"]["entries_after"] == 0  # the floor's workers never touch a store
