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


QAS = [
    ("Who built the lighthouse?", "Robert Stevenson"),
    ("How tall is it?", "24 metres"),
    ("When did the keepers leave?", "1998"),
]
DEPLOY = (
    "The deploy of the billing service started at noon and ran the usual checks first. "
    "The database migration failed because the orders table already existed in production. "
    "Priya Raman rolled the release back and paged the on-call engineer at 12:40."
)


def jsonl(path: Path, records: list[dict[str, object]]) -> None:
    """Write ``records`` as JSON lines."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def chat_trace() -> dict[str, object]:
    """An OpenAI chat request log: a question, a tool call, its output, an answer that uses it."""
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "read_file", "arguments": '{"path": "NOTES.md"}'},
    }
    return {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "user", "content": "Why did the deploy fail?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": DEPLOY},
            {"role": "assistant", "content": "The migration failed: the orders table already existed."},
        ],
    }


def write_user_folder(folder: Path) -> Path:
    """A team's own folder, one file per format the trainer finds by content (names say nothing).

    ``train/`` holds SQuAD JSON, QA JSONL in the README's probe format, MRQA-style ``qas``
    records, NQ-open records, (original, compressed) pairs and an agent trace; ``validation/``
    and ``test/`` hold the held-out files.
    """
    train = folder / "train"
    for sub in (train / "more", folder / "validation", folder / "test"):
        sub.mkdir(parents=True, exist_ok=True)
    doc = squad([(CONTEXT, QAS), (CONTEXT.replace("Port Ellen", "Mull"), QAS[:1])])
    (train / "a.json").write_text(json.dumps(doc), encoding="utf-8")
    probes = [
        {
            "id": "p1",
            "question": "Who rolled the release back?",
            "answers": ["Priya Raman"],
            "context": DEPLOY,
        },
        {"id": "p2", "question": "What failed?", "answers": ["database migration"], "context": DEPLOY},
    ]
    jsonl(train / "b.jsonl", probes)
    jsonl(
        train / "more" / "c.data",
        [
            {"header": {"dataset": "mine"}},
            {
                "context": CONTEXT,
                "qas": [{"question": "Where is the lens kept?", "answers": [{"text": "main room"}]}],
            },
        ],
    )
    jsonl(
        train / "d.jsonl",
        [
            {
                "question": "Who built it?",
                "answers": ["Robert Stevenson"],
                "ctxs": [{"title": "Port Ellen", "text": CONTEXT}],
            }
        ],
    )
    pairs = [
        {"original": CONTEXT, "compressed": "lighthouse Port Ellen built 1832 engineer Robert Stevenson."},
        {"original": "the cat sat on the mat", "compressed": "dogs run fast"},
    ]
    jsonl(train / "e.jsonl", pairs)
    (train / "f.json").write_text(json.dumps(chat_trace()), encoding="utf-8")
    (folder / "validation" / "v.json").write_text(json.dumps(squad([(CONTEXT, QAS[1:])])), encoding="utf-8")
    jsonl(folder / "test" / "t.jsonl", [{"context": CONTEXT, "question": QAS[2][0], "answers": [QAS[2][1]]}])
    return folder
