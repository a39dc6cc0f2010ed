"""The corpus benchmark runs end to end on a tiny corpus, and its checks catch what they should."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import _bench_common as common  # noqa: E402
import compress_corpus  # noqa: E402

from headroom.ccr import MemoryStore, format_marker  # noqa: E402

LOG = "\n".join(
    [f"2024-05-01 10:00:{i:02d} INFO request {i} served in {i * 3} ms" for i in range(60)]
    + ["2024-05-01 10:01:00 ERROR connection refused by upstream db-1"]
    + [f"2024-05-01 10:01:{i:02d} INFO request {i} served in {i * 2} ms" for i in range(40)]
)
ITEMS = json.dumps([{"id": i, "name": f"item-{i}", "status": "ok", "price": i * 1.5} for i in range(80)])
PROSE = (
    "The committee met on Tuesday to review the budget. Members discussed the proposal at length. "
    "Several questions were raised about the timeline. The chair promised a written answer by Friday. "
) * 6


def write_corpus(root: Path) -> Path:
    """A three-kind corpus plus a qa file the benchmark must skip."""
    for rel, text in {
        "log/app.log": LOG,
        "json/items.json": ITEMS,
        "prose/minutes.txt": PROSE,
        "qa/questions.json": json.dumps({"q": "why?", "a": "because"}),
        "README.md": "not a corpus file",
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run_benchmark(tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "report.json"
    corpus = write_corpus(tmp_path / "corpus")
    assert compress_corpus.main(["--corpus", str(corpus), "--no-peer", "--json", str(out)]) == 0
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def test_runs_and_writes_sane_json(tmp_path: Path) -> None:
    report = run_benchmark(tmp_path)
    assert report["peer"] is None
    assert report["machine"]["cores"] >= 1
    assert sorted(f["file"] for f in report["files"]) == [
        "json/items.json",
        "log/app.log",
        "prose/minutes.txt",
    ]
    assert set(report["kinds"]) == {"json", "log", "prose", "TOTAL"}
    total = report["kinds"]["TOTAL"]
    assert total["files"] == 3 and total["peer"] is None
    ours = total["ours"]
    assert ours["tokens_in"] == sum(f["tokens_in"] for f in report["files"]) > 0
    assert 0 <= ours["tokens_out"] <= ours["tokens_in"]
    assert ours["seconds"] > 0 and ours["p50_ms_per_10k"] > 0
    assert ours["critical"]["lines_total"] == 1 == ours["critical"]["templates_total"]
    assert ours["errors"] == 0
    assert report["checks"]["savings >= 2.5x the peer's"] is None


def test_missing_corpus_is_not_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert compress_corpus.main(["--corpus", str(tmp_path / "absent"), "--no-peer"]) == 0
    assert "no corpus found" in capsys.readouterr().out


def test_missing_peer_is_reported_not_fatal(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    corpus = write_corpus(tmp_path / "corpus")
    argv = [
        "--corpus",
        str(corpus),
        "--kind",
        "log",
        "--peer-python",
        str(tmp_path / "nope"),
        "--json",
        str(out),
    ]
    assert compress_corpus.main(argv) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert "not found" in report["peer"]["error"]
    assert [f["file"] for f in report["files"]] == ["log/app.log"]
    assert report["files"][0]["peer"] is None


def test_manifest_kind_wins_over_directory(tmp_path: Path) -> None:
    root = write_corpus(tmp_path)
    (root / "MANIFEST.jsonl").write_text(json.dumps({"file": "prose/minutes.txt", "kind": "markdown"}) + "\n")
    kinds = {f.rel: f.kind for f in common.list_corpus(root)}
    assert kinds == {"json/items.json": "json", "log/app.log": "log", "prose/minutes.txt": "markdown"}


def test_split_keeps_one_side_of_the_manifest(tmp_path: Path) -> None:
    root = write_corpus(tmp_path)
    sides = {"log/app.log": "tune", "json/items.json": "test", "prose/minutes.txt": "test"}
    lines = [json.dumps({"file": rel, "split": side}) for rel, side in sides.items()]
    (root / "MANIFEST.jsonl").write_text("\n".join(lines) + "\n")
    assert [f.rel for f in common.list_corpus(root, split="tune")] == ["log/app.log"]
    assert [f.rel for f in common.list_corpus(root, split="test")] == ["json/items.json", "prose/minutes.txt"]
    assert len(common.list_corpus(root, split="all")) == 3
    assert common.corpus_has_splits(root)


def test_a_corpus_without_splits_is_measured_whole_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run_benchmark(tmp_path)
    assert report["kinds"]["TOTAL"]["files"] == 3
    assert "marks no split" in capsys.readouterr().out


def test_an_empty_selection_is_reported_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    assert compress_corpus.main(["--corpus", str(corpus), "--no-peer", "--kind", "diff"]) == 0
    assert "nothing to benchmark" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("critical", "output", "kept"),
    [
        ("ERROR disk full on /dev/sda1 at 10:02", "x\nerror disk full on /dev/sda1 at 10:02\n", True),
        ("ERROR disk full on /dev/sda1 at 10:02", "ERROR disk full on /dev/sda1 at 11:00", True),
        ("ERROR disk full on /dev/sda1 at 10:02", "ERROR disk full on /dev/sdb at 11:00", False),
        ("ERROR disk full on /dev/sda1 at 10:02", "ERROR disk full on\n/dev/sda1 at 10:02", False),
        ("Traceback (most recent call last):", "[3 lines omitted]", False),
        ("test_io \x1b[31mFAILED\x1b[0m [ 25%]", "test_io FAILED [ 25%]", True),
        # A JSON string shown on one line: "\n54:" is a line break and the word 54, at any depth.
        ("54:  VaultError::TooMany", 'content: "4:use x\\n54:  VaultError::TooMany\\n60:}"', True),
        ("28\t@ VaultError::Inactive", '"a\\\\n28\\\\t@ VaultError::Inactive"', True),
    ],
)
def test_retention_needs_three_quarters_of_words_on_one_line(critical: str, output: str, kept: bool) -> None:
    assert common.retention([critical], output).lines_kept == kept


def test_templates_collapse_numbers_hex_and_quoted_names() -> None:
    lines = [
        "worker 12 failed: 'alpha' at 0xdeadbeef",
        "worker 7 failed: 'beta' at 0x1f2e3d",
        'job "error-handler" exited',
        'job "error-reporter" exited',
    ]
    result = common.retention(lines, "worker 12 failed: 'alpha' at 0xdeadbeef")
    assert (result.templates_total, result.templates_kept, result.lines_kept) == (3, 1, 1)


@pytest.mark.parametrize(
    ("line", "units"),
    [
        ('{"type": "result", "is_error": false, "uuid": "a1"}', []),
        ('{"id": 3, "error": null, "last_error": "", "failures": []}', []),
        ('{"msg": "{\\"error\\":null}"}', []),
        ('"is_error": true, "content": "boom"', ['"is_error": true, "content": "boom"']),
        ('"error": null, "message": "upload failed"', ['"error": null, "message": "upload failed"']),
        ("Tests run: 5, Failures: 0", ["Tests run: 5, Failures: 0"]),
    ],
)
def test_an_error_field_that_reports_no_error_is_not_critical(line: str, units: list[str]) -> None:
    assert common.critical_lines(line) == units


def test_a_long_line_is_cut_around_its_first_real_error_word() -> None:
    line = 'record "is_error": false, "pad": "' + "word " * 100 + 'then it failed badly", "x": 1'
    (unit,) = common.critical_lines(line)
    assert unit.startswith("word") and "failed badly" in unit and "is_error" not in unit


@pytest.mark.parametrize(
    ("record", "units"),
    [
        ('{"id": 7, "status": "error", "output": "File not found"}', ["status: error"]),
        ('{"type": "tool_result", "is_error": true, "uuid": "u1"}', ["is_error: true"]),
        ('{"id": 1, "output": "line one\\nERROR two\\nthree", "error": null}', ["ERROR two"]),
        ('{"out": "{\\"error\\": \\"quota exceeded\\"}"}', ["error: quota exceeded"]),
        ('[{"title": "should fail"}, {"title": "ok"}]', ["should fail"]),
        ('{"is_error": false, "content": "fine"}', []),
    ],
)
def test_a_long_json_lines_record_is_read_field_by_field(record: str, units: list[str]) -> None:
    pad = '"' + "x" * 400 + '"'
    padded = record[:-1] + (f', "pad": {pad}}}' if record[0] == "{" else f", {pad}]")
    assert common.critical_lines(padded) == units


def test_a_long_member_line_of_a_pretty_printed_document_is_read_field_by_field() -> None:
    # One field of an indented document whose value is JSON in a string: its units are its fields'.
    inner = json.dumps({"request": "x" * 400, "cost": 0, "cancelReason": "streaming_failed"})
    line = "    " + json.dumps({"text": inner})[1:-1] + ","
    assert common.critical_lines(line) == ["cancelReason: streaming_failed"]
    output = "text: (JSON string)\n request: xxx\n cost: 0\n cancelReason: streaming_failed"
    assert common.retention(common.critical_lines(line), output).templates_kept == 1


def test_a_long_coloured_line_is_cut_around_its_error_as_its_plain_text() -> None:
    # An output that keeps the line de-coloured keeps it: escape codes are no words, as in words().
    plain = "2026-01-28T18:07:43.6717735Z | Error: operation error DynamoDB: DescribeTable, " + "x " * 200
    coloured = plain.replace("| Error: ", "\x1b[31m|\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[1m")
    (unit,) = common.critical_lines(coloured)
    assert "31m" not in unit and common.retention([unit], plain).lines_kept == 1


def test_a_short_json_lines_record_stays_one_unit() -> None:
    line = '{"id": 7, "status": "error"}'
    assert common.critical_lines(line) == [line]


def _stored(text: str, part: str | None = None) -> tuple[MemoryStore, str]:
    store = MemoryStore()
    return store, store.put(text if part is None else part)


def test_marker_checks_pass_on_honest_markers() -> None:
    original = "\n".join(f"line {i}" for i in range(10))
    store, key = _stored(original)
    output = "line 0\n" + format_marker(8, "lines", key) + "\nline 9"
    report = common.check_markers(original, output, store, [("lines", 8, key)])
    assert (report.checked, report.failures) == (1, [])


@pytest.mark.parametrize(
    ("count", "kind", "stored", "problem"),
    [
        (11, "lines", None, "exceeds the 10 lines"),
        (9, "similar lines", None, "kept lines exceed"),
        (0, "rows", None, "omits nothing"),
        (3, "lines", "text that is not in the original", "neither the tool result"),
    ],
)
def test_marker_checks_catch_wrong_markers(count: int, kind: str, stored: str | None, problem: str) -> None:
    original = "\n".join(f"line {i}" for i in range(10))
    store, key = _stored(original, stored)
    output = "line 0\n" + format_marker(count, kind, key) + "\nline 9"
    failures = common.check_markers(original, output, store).failures
    assert any(problem in f.problem for f in failures), failures


def test_marker_checks_catch_missing_keys_and_stats_mismatch() -> None:
    original = "a\nb\nc"
    output = "a\n" + format_marker(2, "lines", "hr_" + "0" * 16)
    problems = [f.problem for f in common.check_markers(original, output, MemoryStore(), []).failures]
    assert any("not found" in p for p in problems)
    assert any("missing from the block stats" in p for p in problems)


def test_embedded_originals_may_be_json_escaped_twice() -> None:
    part = 'say "hi"\nthen leave'
    whole = json.dumps({"body": json.dumps({"text": part})})
    assert common.occurrences(part, whole) == 1
    assert common.occurrences("absent", whole) == 0


def test_an_original_escaped_in_another_spelling_is_found() -> None:
    part = "if a < b && c > d:\n    return 'x'\n"
    go_style = (
        json.dumps({"content": part}).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )
    whole = json.dumps({"event": go_style}) + "\n" + go_style
    assert part not in whole and json.dumps(part)[1:-1] not in whole
    assert common.occurrences(part, whole) >= 1
    assert common.occurrences(part, whole, thorough=True) == 2
    assert common.occurrences("not there at all", whole) == 0


def test_no_time_budget_turns_the_per_block_budget_off() -> None:
    policy = compress_corpus.without_time_budget(compress_corpus.engine_policy("extractive"))
    assert (policy.live_zone.block_budget_ms, policy.live_zone.block_budget_ms_per_10k_tokens) == (0.0, 0.0)
    assert policy.prose.engine == "extractive"
