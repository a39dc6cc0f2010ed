"""Weak labels from QA data and from agent traces."""

from __future__ import annotations

import json
from pathlib import Path

from tests.training._fixtures import CONTEXT, squad
from training.data import budget_labels, nq_rows, qa_row, squad_rows, tool_row, trace_rows


def _answer_span(text: str, answer: str) -> tuple[int, int]:
    start = text.index(answer)
    return start, start + len(answer)


def test_answer_content_words_are_must_keep_and_kept() -> None:
    row = qa_row(
        CONTEXT, [_answer_span(CONTEXT, "by the engineer Robert Stevenson")], ["Who built it?"], "t", 0.45
    )
    must = {w for w, m in zip(row.words, row.must_keep, strict=True) if m}
    assert must == {"engineer", "Robert", "Stevenson."}
    assert all(label for label, m in zip(row.labels, row.must_keep, strict=True) if m)


def test_keep_rate_stays_within_budget_and_drops_function_words() -> None:
    row = qa_row(CONTEXT, [_answer_span(CONTEXT, "24 metres")], ["How tall?"], "t", 0.45)
    assert sum(row.labels) <= 0.45 * len(row.words) + 1
    kept = {w.lower() for w, k in zip(row.words, row.labels, strict=True) if k}
    assert not kept & {"the", "and", "of", "by", "its"}
    assert {"24", "metres"} <= kept


def test_must_keep_beyond_budget_is_still_kept() -> None:
    words = ["alpha"] * 10
    labels = budget_labels(words, [True] * 8 + [False] * 2, 0.3)
    assert labels[:8] == [1] * 8


def test_squad_file_gives_one_row_per_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "qa.json"
    path.write_text(json.dumps(squad([(CONTEXT, [("Built when?", "1832")])])), encoding="utf-8")
    rows = list(squad_rows(path, 0.45))
    assert len(rows) == 1
    assert rows[0].source == "qa.json"
    assert rows[0].must_keep[rows[0].words.index("1832")]


def test_nq_records_mark_every_answer_occurrence(tmp_path: Path) -> None:
    record = {
        "question": "where is the museum",
        "answers": ["Port Ellen"],
        "ctxs": [{"title": "Port Ellen", "text": CONTEXT}],
    }
    path = tmp_path / "nq.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (row,) = nq_rows(path, 0.45)
    marked = [w for w, m in zip(row.words, row.must_keep, strict=True) if m]
    assert marked == ["Port", "Ellen", "Port", "Ellen"]


def test_tool_output_words_used_later_are_must_keep() -> None:
    row = tool_row(
        "found config at src/app/settings.py line 42 and nothing else",
        {"src", "app", "settings", "py"},
        "t",
        0.45,
    )
    must = [w for w, m in zip(row.words, row.must_keep, strict=True) if m]
    assert must == ["src/app/settings.py"]


def test_trace_file_rows_come_from_tool_outputs(tmp_path: Path) -> None:
    messages = [
        {"role": "user", "content": "Which port does the server use?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "read", "arguments": '{"path": "server.cfg"}'},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "c1",
            "content": "listen_port = 8443\nworkers = 4\nlog_level = debug",
        },
        {"role": "assistant", "content": "The server listens on port 8443."},
    ]
    path = tmp_path / "trace.json"
    path.write_text(json.dumps({"model": "m", "messages": messages}), encoding="utf-8")
    (row,) = trace_rows(path, 0.45)
    assert row.words[row.must_keep.index(True)] == "8443"
    assert sum(row.must_keep) == 1
