"""The memory eval on a corpus the test writes: the set it builds, and the figures it reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from evals.memory import anchors, build, run_splits
from headroom.cli import cli

POOL = "The connection pool is configured in db/pool.py with a maximum of 20 connections."
THEME = "The frontend styles live in web/theme.css and use CSS variables for colours."


def _log(path: Path, messages: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps({"model": "gpt-4o", "messages": messages}))


def _call(name: str, arguments: dict[str, str], call_id: str) -> dict[str, Any]:
    function = {"name": name, "arguments": json.dumps(arguments)}
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": function}],
    }


def _corpus(root: Path) -> Path:
    traces = root / "agent-trace"
    traces.mkdir(parents=True)
    _log(
        traces / "app-1.json",
        [
            {"role": "user", "content": "Set up the database layer and the styles"},
            {"role": "assistant", "content": f"{POOL} {THEME} Let me read db/pool.py again to be sure."},
        ],
    )
    _log(
        traces / "app-2.json",
        [
            {"role": "user", "content": "Why does the connection pool run out under load?"},
            _call("read_file", {"path": "db/pool.py"}, "c1"),
            {"role": "tool", "tool_call_id": "c1", "content": "MAX = 20"},
            {"role": "assistant", "content": "The maximum is too low for the load."},
        ],
    )
    _log(
        traces / "other.json",
        [
            {"role": "user", "content": "Explain the build in detail please"},
            {
                "role": "assistant",
                "content": "The build script is tools/build.sh and it runs every step twice.",
            },
        ],
    )
    rows = [
        ("agent-trace/app-1.json", "team/app", "tune"),
        ("agent-trace/app-2.json", "team/app", "tune"),
        ("agent-trace/other.json", "team/other", "test"),
    ]
    manifest = [
        {"file": f, "kind": "agent-trace", "repo": r, "split": s, "agent": "codex"} for f, r, s in rows
    ]
    (root / "MANIFEST.jsonl").write_text("".join(json.dumps(row) + "\n" for row in manifest))
    return root


def test_facts_come_from_earlier_sessions_and_questions_from_later_ones(tmp_path: Path) -> None:
    [project] = build(_corpus(tmp_path), "tune")
    (first_facts, first_questions), (later_facts, [question]) = project.sessions
    assert {f.content for f in first_facts} == {POOL, THEME}, "narration is not a fact"
    assert first_questions == [] and later_facts == []
    assert question.query == "Why does the connection pool run out under load?"
    assert question.needed == {"pool.py"} and not question.literal
    assert build(tmp_path, "test") == [], "a project with one short session asks nothing"


def test_anchors_are_file_names_and_quoted_identifiers() -> None:
    assert anchors("see src/App.tsx, `load_config` and README.md; not e.g. or 3.5") == {
        "app.tsx",
        "load_config",
        "readme.md",
    }


def test_the_figures_count_a_found_fact_and_the_injection_cost(tmp_path: Path) -> None:
    figures = run_splits(_corpus(tmp_path), ["tune"], budget=200)["tune"]
    assert (figures["questions"], figures["facts_saved"], figures["duplicates"]) == (1, 2, 0)
    assert figures["recall_at"][1][0] == 1.0 and figures["hit_at"][1][0] == 1.0
    assert 0 < figures["inject"]["tokens_median"] <= 200 and figures["inject"]["recall_at_budget"][0] == 1.0


def test_the_command_prints_the_splits_side_by_side(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    table = CliRunner().invoke(cli, ["eval", "memory", "--corpus", str(corpus)])
    assert table.exit_code == 0, table.output
    header, *rows = table.output.splitlines()
    assert header.split() == ["tune", "test"] and any(r.startswith("recall@5") for r in rows)
    as_json = CliRunner().invoke(
        cli, ["eval", "memory", "--corpus", str(corpus), "--split", "tune", "--json"]
    )
    assert json.loads(as_json.output)["tune"]["questions"] == 1
