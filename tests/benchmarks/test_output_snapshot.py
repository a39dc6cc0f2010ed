"""The output guard for speed work: identical outputs pass, a worse total fails."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import _scaling_inputs as inputs  # noqa: E402
import output_snapshot  # noqa: E402


def _entry(sha: str, tokens_out: int, kept: int = 3, failures: int = 0) -> dict[str, Any]:
    return {
        "sha256": sha,
        "tokens_in": 100,
        "tokens_out": tokens_out,
        "templates_kept": kept,
        "templates_total": 3,
        "marker_failures": failures,
        "seconds": 0.1,
        "cpu_seconds": 0.1,
    }


@pytest.mark.parametrize(
    ("after", "ok", "changed"),
    [
        (_entry("a", 40), True, 0),
        (_entry("b", 35), True, 1),  # changed, and saves more
        (_entry("b", 45), False, 1),  # saves less
        (_entry("b", 40, kept=2), False, 1),  # loses a critical template
        (_entry("b", 40, failures=1), False, 1),  # a marker fails
    ],
)
def test_compare_flags_changed_outputs_and_worse_totals(
    after: dict[str, Any], ok: bool, changed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {"log/a.log": _entry("a", 40)}
    assert output_snapshot.compare(before, {"log/a.log": after}) is ok
    assert f"{changed} outputs changed" in capsys.readouterr().out


def test_a_run_saves_fingerprints_and_compares_equal_with_itself(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "log").mkdir(parents=True)
    (corpus / "log" / "app.log").write_text(inputs.synthetic("log", 8000, 3), encoding="utf-8")
    saved = tmp_path / "before.json"
    args = ["--corpus", str(corpus), "--split", "all", "--slowest", "1"]
    assert output_snapshot.main([*args, "--save", str(saved)]) == 0
    assert output_snapshot.main([*args, "--compare", str(saved)]) == 0
