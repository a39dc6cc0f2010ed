"""``--split tune|test|all`` in the tuning and Kompress benchmarks, on tiny corpora the tests write."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import kompress_quality  # noqa: E402
import kompress_recall  # noqa: E402
import tune_corpus  # noqa: E402

from tests.evals.tune._tune_fixtures import write_corpus, write_manifest  # noqa: E402

CONTEXT = "The survey ran in Lisbon during March and counted 4312 patients across eleven clinics overall."


def _squad(path: Path, answer: str) -> None:
    start = CONTEXT.index(answer)
    qa = {"question": "Where did the survey run?", "answers": [{"text": answer, "answer_start": start}]}
    data = {"data": [{"paragraphs": [{"context": CONTEXT, "qas": [qa]}]}]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def _qa_corpus(root: Path, marked: bool = True) -> Path:
    _squad(root / "qa" / "covidqa-squad-a.json", "Lisbon")
    _squad(root / "qa" / "covidqa-squad-b.json", "4312 patients")
    if marked:
        write_manifest(
            root,
            [
                {"file": "qa/covidqa-squad-a.json", "kind": "qa", "split": "tune"},
                {"file": "qa/covidqa-squad-b.json", "kind": "qa", "split": "test"},
            ],
        )
    return root


@pytest.mark.parametrize(
    ("split", "files"),
    [
        ("all", ["covidqa-squad-a.json", "covidqa-squad-b.json"]),
        ("tune", ["covidqa-squad-a.json"]),
        ("test", ["covidqa-squad-b.json"]),
    ],
)
def test_quality_items_keep_one_side(tmp_path: Path, split: str, files: list[str]) -> None:
    root = _qa_corpus(tmp_path / "c")
    assert [item.file for item in kompress_quality.corpus_items(root, split)] == files


def test_quality_without_marked_splits_measures_everything_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _qa_corpus(tmp_path / "c", marked=False)
    assert kompress_quality.measured_split(root, "test") == "all"
    assert "marks no split" in capsys.readouterr().err
    assert kompress_quality.measured_split(_qa_corpus(tmp_path / "m"), "test") == "test"


def test_recall_cases_keep_the_held_out_files_of_one_side(tmp_path: Path) -> None:
    root = _qa_corpus(tmp_path / "c")
    config = tmp_path / "recipe.yaml"
    sources = [{"kind": "squad", "path": f"qa/covidqa-squad-{x}.json", "split": "test"} for x in "ab"]
    config.write_text(yaml.safe_dump({"name": "t", "data": {"root": str(root), "sources": sources}}))
    sides = {
        split: [case.row.source for case in kompress_recall.held_out_cases(config, root, split=split)]
        for split in ("all", "tune", "test")
    }
    assert sides == {
        "all": ["covidqa-squad-a.json", "covidqa-squad-b.json"],
        "tune": ["covidqa-squad-a.json"],
        "test": ["covidqa-squad-b.json"],
    }


def _bench(corpus: Path, out: Path, *extra: str) -> None:
    args = ["--corpus", str(corpus), "--out", str(out), "--tracking-uri", "none", "--trials", "2"]
    assert tune_corpus.main([*args, "--content-type", "log", "--json", *extra]) == 0


def test_tune_benchmark_reports_its_split(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_corpus(tmp_path / "c")
    sides = {"log/service1.log": "tune", "log/service2.log": "test", "json/records1.json": "tune"}
    write_manifest(root, [{"file": rel, "split": side} for rel, side in sides.items()])
    _bench(root, tmp_path / "o", "--split", "test")
    [row] = json.loads(capsys.readouterr().out)
    assert row["split"] == "test" and row["files"] == 1 and row["trials"] == 2


def test_tune_benchmark_without_marked_splits_uses_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _bench(write_corpus(tmp_path / "c"), tmp_path / "o", "--split", "tune")
    said = capsys.readouterr()
    [row] = json.loads(said.out)
    assert row["split"] == "all" and row["files"] == 2 and "marks no split" in said.err
