"""Weak labels from QA data and from agent traces.

QA: the content words of gold answer spans are must-keep, the rest of each answer sentence and
the words matching the question are preferred, and a budget fills up with informative words.
Traces: the content words of a tool output that a later assistant turn or tool call used are
must-keep; the same budget decides the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headroom.compressors import split_sentences
from headroom.errors import ConfigError
from training.data._words import Row, budget_labels, covered, is_content, normalise, terms, word_spans

MAX_TOOL_WORDS = 1200
"""Words taken from one tool output: long dumps would otherwise swamp the data."""
LOOKAHEAD_TURNS = 8
"""How many later turns count as 'using' a tool output."""


def qa_row(
    text: str, answers: Sequence[tuple[int, int]], questions: Sequence[str], source: str, budget: float
) -> Row:
    """Label ``text`` given gold answer character spans and the questions asked about it."""
    spans = word_spans(text)
    words = [text[s:e] for s, e in spans]
    must = [False] * len(words)
    prefer = [False] * len(words)
    sentences = split_sentences(text)
    for start, end in answers:
        for i in covered(spans, start, end):
            must[i] = must[i] or is_content(words[i])
        for s_start, s_end in sentences:
            if s_start < end and s_end > start:
                for i in covered(spans, s_start, s_end):
                    prefer[i] = True
    asked = set().union(*(terms(q) for q in questions)) if questions else set()
    for i, word in enumerate(words):
        prefer[i] = prefer[i] or normalise(word) in asked
    return Row(words, budget_labels(words, must, budget, prefer), must, source)


def squad_rows(path: Path, budget: float) -> Iterator[Row]:
    """One row per SQuAD paragraph (COVID-QA articles are one long paragraph each)."""
    data = read_json(path)
    for number, article in enumerate(data.get("data", []) if isinstance(data, dict) else [], start=1):
        for paragraph in article.get("paragraphs", []):
            try:
                context = str(paragraph["context"])
                answers, questions = squad_answers(paragraph.get("qas", []))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ConfigError(f"{path}: article {number}: not a SQuAD paragraph ({exc!r})") from exc
            yield qa_row(context, answers, questions, path.name, budget)


def read_json(path: Path) -> Any:
    """The JSON document in ``path``; ConfigError with the line of the first error otherwise."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: unreadable: {exc}") from exc


def json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` of every non-blank line; ConfigError naming the line otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: unreadable: {exc}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path}:{number}: not a JSON line ({exc})") from exc
        if not isinstance(record, dict):
            raise ConfigError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
        yield number, record


def qa_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """QA records from a JSON list or JSONL (numbered by item or line); a ``header`` record is skipped."""
    records: Iterator[tuple[int, dict[str, Any]]]
    if path.read_text(encoding="utf-8").lstrip("\ufeff \t\r\n")[:1] == "[":
        items = read_json(path)
        found = enumerate(items, start=1) if isinstance(items, list) else iter(())
        records = ((n, r) for n, r in found if isinstance(r, dict))
    else:
        records = json_lines(path)
    for number, record in records:
        if set(record) != {"header"}:
            yield number, record


def qa_rows(path: Path, budget: float) -> Iterator[Row]:
    """One row per distinct context of QA records (the README's probe format, or MRQA's ``qas``).

    Answers are strings (every occurrence in the context is gold) or SQuAD answer objects
    (``text`` with an optional ``answer_start``).
    """
    contexts: dict[str, tuple[list[tuple[int, int]], list[str]]] = {}
    for number, record in qa_records(path):
        try:
            context = str(record["context"])
            qas = record.get("qas", [record])
            spans, questions = contexts.setdefault(context, ([], []))
            for qa in qas:
                questions.append(str(qa["question"]))
                spans.extend(answer_spans(context, qa["answers"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(
                f"{path}:{number}: not a QA record (needs context, and question + answers or qas): {exc!r}"
            ) from exc
    for context, (spans, questions) in contexts.items():
        yield qa_row(context, spans, questions, path.name, budget)


def answer_spans(context: str, answers: Sequence[Any]) -> list[tuple[int, int]]:
    """Character spans of the answers in ``context`` (strings, or objects with ``text``/``answer_start``)."""
    if isinstance(answers, str):
        answers = [answers]
    spans: list[tuple[int, int]] = []
    for answer in answers:
        if isinstance(answer, dict) and "answer_start" in answer:
            start = int(answer["answer_start"])
            spans.append((start, start + len(str(answer["text"]))))
        else:
            text = str(answer["text"]) if isinstance(answer, dict) else str(answer)
            spans.extend(occurrences(context, [text]))
    return spans


def squad_answers(qas: Sequence[dict[str, Any]]) -> tuple[list[tuple[int, int]], list[str]]:
    """Gold answer character spans and the questions of SQuAD ``qas`` records."""
    spans: list[tuple[int, int]] = []
    for qa in qas:
        for answer in qa.get("answers", []):
            start = int(answer["answer_start"])
            spans.append((start, start + len(str(answer["text"]))))
    return spans, [str(qa.get("question", "")) for qa in qas]


def nq_rows(path: Path, budget: float) -> Iterator[Row]:
    """NQ-open oracle records: the gold passage, with every occurrence of a gold answer must-keep."""
    for number, record in json_lines(path):
        try:
            for ctx in record.get("ctxs", [])[:1]:
                text = f"{ctx.get('title', '')}\n{ctx.get('text', '')}"
                spans = occurrences(text, [str(a) for a in record.get("answers", [])])
                yield qa_row(text, spans, [str(record.get("question", ""))], path.name, budget)
        except (TypeError, AttributeError) as exc:
            raise ConfigError(f"{path}:{number}: not an NQ-open record ({exc!r})") from exc


def occurrences(text: str, needles: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of every case-insensitive occurrence of each non-blank needle."""
    lower = text.lower()
    spans = []
    for needle in (n.lower() for n in needles if n.strip()):
        start = lower.find(needle)
        while start >= 0:
            spans.append((start, start + len(needle)))
            start = lower.find(needle, start + 1)
    return spans


@dataclass(frozen=True)
class ToolOutput:
    """One tool output of a trace: its text, the terms later turns used, and the user text before it."""

    text: str
    used: set[str]
    query: str


def tool_outputs(path: Path) -> Iterator[ToolOutput]:
    """Every non-empty tool output of every session in a trace file (any format ``evals`` imports)."""
    from evals.traces import load_traces

    for trace in load_traces(path):
        turns = trace.turns
        query = ""
        for index, turn in enumerate(turns):
            if turn.role == "user" and turn.text.strip():
                query = turn.text
            if turn.role != "tool" or not turn.text.strip():
                continue
            used = _later_terms(turns[index + 1 : index + 1 + LOOKAHEAD_TURNS])
            yield ToolOutput(turn.text, used, query)


def trace_rows(path: Path, budget: float) -> Iterator[Row]:
    """One row per tool output of every session in a trace file."""
    for output in tool_outputs(path):
        yield tool_row(output.text, output.used, path.name, budget)


def _later_terms(turns: Sequence[Any]) -> set[str]:
    found: set[str] = set()
    for turn in turns:
        if turn.role != "assistant":
            continue
        found |= terms(turn.text)
        for call in turn.tool_calls:
            found |= terms(call.arguments)
    return found


def tool_row(text: str, used: set[str], source: str, budget: float) -> Row:
    """Label one tool output: a content word is must-keep when all its terms were used later."""
    words = text.split()[:MAX_TOOL_WORDS]
    must = []
    for word in words:
        word_terms = terms(word)
        must.append(is_content(word) and bool(word_terms) and word_terms <= used and len(normalise(word)) > 2)
    return Row(words, budget_labels(words, must, budget), must, source)
