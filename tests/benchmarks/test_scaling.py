"""The scaling benchmark runs end to end on small sizes, with and without a corpus."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import _scaling_inputs as inputs  # noqa: E402
import scaling  # noqa: E402

QUICK = [
    "--quick",
    "--no-peer",
    "--size",
    "10KB",
    "--kind",
    "json",
    "--kind",
    "log",
    "--adversarial-size",
    "4000",
]


def test_quick_run_writes_every_case(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "log").mkdir(parents=True)
    (corpus / "log" / "app.log").write_text(inputs.synthetic("log", 8000, 3), encoding="utf-8")
    out = tmp_path / "report.json"
    assert scaling.main([*QUICK, "--corpus", str(corpus), "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    groups = {(c["group"], c["name"]) for c in report["cases"]}
    assert {("synthetic", "json"), ("synthetic", "log"), ("corpus all", "log: log/app.log")} <= groups
    assert {name for group, name in groups if group == "adversarial"} == set(inputs.ADVERSARIAL)
    for case in report["cases"]:
        assert case["ms_per_10k"] and all(v >= 0 for v in case["ms_per_10k"])
        assert case["peak_memory"] is not None and case["peak_memory"] > 0


def test_a_missing_corpus_is_reported_and_synthetic_cases_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    args = [*QUICK, "--no-adversarial", "--corpus", str(tmp_path / "absent"), "--json", str(out)]
    assert scaling.main(args) == 0
    assert "no corpus at" in capsys.readouterr().out
    assert len(json.loads(out.read_text(encoding="utf-8"))["cases"]) == 2


@pytest.mark.parametrize("kind", inputs.KINDS)
def test_synthetic_inputs_reach_their_size_and_are_deterministic(kind: str) -> None:
    text = inputs.synthetic(kind, 20_000, 1)
    assert len(text) >= 19_000 and text == inputs.synthetic(kind, 20_000, 1)
