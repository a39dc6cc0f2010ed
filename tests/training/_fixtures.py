"""Small hand-written fixtures for the training tests (no corpus data)."""

from __future__ import annotations

import json
from pathlib import Path

CONTEXT = (
    "The lighthouse at Port Ellen was built in 1832 by the engineer Robert Stevenson. "
    "It stands 24 metres tall and its lamp can be seen from 19 nautical miles away. "
    "The keepers left in 1998 when the light was automated by the Northern Lighthouse Board. "
    "Today the building is a small museum that opens every summer for visitors and school groups. "
    "Its original lens, made of brass and glass in Edinburgh, is kept in the museum's main room."
)


def squad(contexts: list[tuple[str, list[tuple[str, str]]]]) -> dict[str, object]:
    """A SQuAD document from (context, [(question, answer)]) with real answer offsets."""
    paragraphs = []
    for context, qas in contexts:
        entries = [
            {"question": q, "id": str(i), "answers": [{"text": a, "answer_start": context.index(a)}]}
            for i, (q, a) in enumerate(qas)
        ]
        paragraphs.append({"context": context, "qas": entries})
    return {"version": "test", "data": [{"paragraphs": paragraphs}]}


def write_tiny_corpus(folder: Path) -> Path:
    """The files configs/training/tiny.yaml names, written under ``folder``."""
    qas = [
        ("Who built the lighthouse?", "Robert Stevenson"),
        ("How tall is it?", "24 metres"),
        ("When did the keepers leave?", "1998"),
    ]
    doc = squad([(CONTEXT, qas), (CONTEXT.replace("Port Ellen", "Mull"), qas[:1])])
    (folder / "train.json").write_text(json.dumps(doc), encoding="utf-8")
    (folder / "validation.json").write_text(json.dumps(squad([(CONTEXT, qas[1:])])), encoding="utf-8")
    (folder / "test.json").write_text(json.dumps(squad([(CONTEXT, qas[2:])])), encoding="utf-8")
    pairs = [
        {"original": CONTEXT, "compressed": "lighthouse Port Ellen built 1832 engineer Robert Stevenson."},
        {"original": "the cat sat on the mat", "compressed": "dogs run fast"},
    ]
    (folder / "pairs.jsonl").write_text("\n".join(json.dumps(p) for p in pairs) + "\n", encoding="utf-8")
    return folder
