"""A user's folder of QA files trains the query selector with one command, and the runtime uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("numpy")

from click.testing import CliRunner

from headroom.ccr import MemoryStore
from headroom.cli import cli
from headroom.compressors._base import CompressContext
from headroom.kompress import KompressCompressor, load_selector
from headroom.policy import Policy, ProsePolicy
from training.selector import Example, label_example

FILLER = [
    "The committee met in the old library on a grey afternoon.",
    "Several members arrived late because the trains were delayed.",
    "Tea was served in the corridor before the discussion began.",
    "The minutes of the previous meeting were read aloud and approved.",
    "A window was opened because the room had become rather warm.",
    "The chair thanked the volunteers who had painted the hall in the summer.",
    "Questions about the parking rules were deferred to the next session.",
    "A short film about the town archive was shown after the break.",
    "The meeting closed with a reminder about the autumn fair.",
]
FACTS = [
    (
        "The new bridge was opened by Mayor Helen Ortiz in March 2019.",
        "Who opened the new bridge?",
        "Helen Ortiz",
    ),
    (
        "The museum roof was repaired for 40,000 pounds last spring.",
        "How much did the roof repair cost?",
        "40,000",
    ),
    (
        "The river festival moved to the northern meadow in 2021.",
        "Where did the river festival move?",
        "northern meadow",
    ),
    (
        "Chief engineer Tomas Berg designed the flood barrier.",
        "Who designed the flood barrier?",
        "Tomas Berg",
    ),
    ("The school library now lends laptops to every pupil.", "What does the school library lend?", "laptops"),
    ("The tram line to the harbour closed in 1962.", "When did the tram line to the harbour close?", "1962"),
]


def context(fact: str, at: int) -> str:
    sentences = list(FILLER)
    sentences.insert(at % (len(FILLER) + 1), fact)
    return " ".join(sentences)


def write_folder(root: Path) -> None:
    records = [
        {"context": context(fact, i), "question": q, "answers": [a]} for i, (fact, q, a) in enumerate(FACTS)
    ]
    (root / "qa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    squad = {"data": [{"paragraphs": [{"context": context(FACTS[0][0], 3), "qas": [
        {"id": "s1", "question": FACTS[0][1], "answers": [{"text": "Helen Ortiz", "answer_start": 0}]}
    ]}]}]}  # fmt: skip
    (root / "more.json").write_text(json.dumps(squad), encoding="utf-8")


def test_labels_mark_the_sentence_holding_the_answer() -> None:
    got = label_example(Example(context(FACTS[1][0], 2), FACTS[1][1], (FACTS[1][2],), "t"))
    assert not isinstance(got, str)
    _, labels = got
    assert labels == [0, 0, 1] + [0] * 7
    assert label_example(Example(FILLER[0] + " " + FILLER[1], "Who?", ("nobody here",), "t")) == (
        "no sentence holds an answer"
    )


def test_one_command_trains_a_selector_the_runtime_uses(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "model"
    data.mkdir()
    write_folder(data)
    result = CliRunner().invoke(cli, ["train-selector", str(data), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "query_selector_manifest.json").read_text(encoding="utf-8"))
    assert manifest["questions_used"] == {"qa.jsonl": 6, "more.json": 1}
    assert {f["kind"] for f in manifest["files"]} == {"qa", "squad"}
    selector = load_selector(out)
    assert selector is not None and selector.rules
    held_out = context("The harbour ferry was renamed Northern Star by captain Ines Alva.", 4)
    policy = Policy().model_copy(
        update={"prose": ProsePolicy(keep_rate=0.35, min_tokens=0, model_path=str(out))}
    )
    ctx = CompressContext(store=MemoryStore(), query="Who renamed the harbour ferry?", batched=True)
    compressed = KompressCompressor(budget=None).compress(held_out, policy, ctx)
    assert "Ines Alva" in compressed.text
    assert compressed.tokens_out <= 0.35 * compressed.tokens_in


def test_a_folder_without_answers_in_context_is_refused(tmp_path: Path) -> None:
    record = {"context": " ".join(FILLER), "question": "Who opened it?", "answers": ["Nobody Known"]}
    (tmp_path / "qa.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["train-selector", str(tmp_path), "--out", str(tmp_path / "m")])
    assert result.exit_code != 0 and "nothing to learn from" in result.output
