"""Offline reader: answers a question from the context, extractively, with no network.

It finds the context sentence that best matches the question (BM25 over sentences), then
narrows it to a short span by question type: a number for "how many", a date for "when",
a path for "which file", a name for "who", the value of a ``key is/: value`` clause, else the
clause with most question terms. Elision markers in compressed contexts are ignored, so the
reader answers only from what the compressed context still holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from evals.providers._base import Request, Response
from evals.providers._openai import content_text
from evals.traces._model import Usage
from headroom.ccr import MARKER_PATTERN
from headroom.text import BM25, query_terms, words
from headroom.tokens import DEFAULT_ENCODING, count_tokens

TYPED_CANDIDATES = 5
"""Sentences tried for a typed answer (a number, date, path or name)."""
TYPED_SCORE_SHARE = 0.5
"""...each scoring at least this share of the best sentence."""
MAX_ANSWER_WORDS = 40
"""Longer clauses are cut to a window around the first matched question term."""

_QUESTION_LINE = re.compile(r"^\s*(?:question|q)\s*[:.]\s*", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_CLAUSE_SPLIT = re.compile(r"\s*;\s+|,\s+|\s+[–—-]\s+")
_KEY_VALUE = re.compile(r"^(?P<key>.*?)(?:\s*[:=]\s+|\s+(?:is|are|was|were)\s+)(?P<value>.+)$")
_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:%|\s?(?:ms|s|kb|mb|gb|tb)\b)?", re.I)
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}"
    r"|\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
    r"|\b(?:1[89]|20)\d{2}\b"
)
_PATH = re.compile(
    r"/?(?:[\w.~-]+/)+[\w.-]+|\b[\w-]+\.(?:py|js|ts|tsx|go|rs|java|rb|c|h|cpp|json|ya?ml|toml|md|txt|cfg|ini|sh|log)\b"
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


class OfflineReader:
    """A deterministic extractive reader; ``name`` is ``offline`` and it needs no key."""

    def __init__(self, encoding: str = DEFAULT_ENCODING) -> None:
        self.name = "offline"
        self.model = "offline-extractive"
        self._encoding = encoding

    async def generate(self, request: Request) -> Response:
        """Answer the last user message's question from the rest of the conversation."""
        question, context = split_question(request.messages)
        answer = answer_question(question, context)
        usage = Usage(
            input_tokens=count_tokens(_all_text(request.messages), self._encoding),
            cache_read_tokens=0,
            cache_write_tokens=0,
            output_tokens=count_tokens(answer, self._encoding),
        )
        return Response(text=answer, usage=usage, model=self.model, stop_reason="stop")


def _all_text(messages: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for message in messages:
        parts.append(content_text(message.get("content")))
        parts.extend(
            str((c.get("function") or {}).get("arguments", "")) for c in message.get("tool_calls") or []
        )
    return "\n".join(p for p in parts if p)


def split_question(messages: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """``(question, context texts)``: the question is the end of the last user message."""
    last = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    context = [content_text(m.get("content")) for i, m in enumerate(messages) if i != last]
    if last is None:
        return "", context
    own_context, question = _split_message(content_text(messages[last].get("content")))
    return question, [*context, own_context]


def _split_message(text: str) -> tuple[str, str]:
    """``(context, question)`` of one message: a ``Question:`` line, else the last line with ``?``."""
    lines = text.strip().splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if _QUESTION_LINE.match(lines[index]):
            return "\n".join(lines[:index]), _QUESTION_LINE.sub("", " ".join(lines[index:]))
    for index in range(len(lines) - 1, -1, -1):
        if "?" in lines[index]:
            return "\n".join(lines[:index] + lines[index + 1 :]), lines[index].strip()
    paragraphs = text.strip().split("\n\n")
    return "\n\n".join(paragraphs[:-1]), paragraphs[-1].strip()


def sentences(texts: list[str]) -> list[str]:
    """Context sentences: lines split at sentence ends, elision markers removed."""
    out: list[str] = []
    for text in texts:
        for line in MARKER_PATTERN.sub(" ", text).splitlines():
            out.extend(s.strip() for s in _SENTENCE_END.split(line) if s.strip())
    return [s for s in out if words(s)]


def answer_question(question: str, context: list[str]) -> str:
    """The best short span of ``context`` answering ``question`` ("" when nothing matches)."""
    terms = query_terms(question)
    candidates = sentences(context)
    if not terms or not candidates:
        return ""
    scores = BM25(candidates).scores(question)
    ranked = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    if scores[ranked[0]] <= 0:
        return ""
    extractor = _typed_extractor(question.lower())
    if extractor is not None:
        # A near-best sentence holding the asked-for kind of value beats the best one without.
        for index in ranked[:TYPED_CANDIDATES]:
            if scores[index] < scores[ranked[0]] * TYPED_SCORE_SHARE:
                break
            found = _typed(extractor, question, terms, candidates[index])
            if found:
                return _tidy(found)
    return _tidy(_untyped(question, terms, candidates[ranked[0]]))


def _clause(sentence: str, terms: list[str]) -> str:
    return max(_CLAUSE_SPLIT.split(sentence), key=lambda c: len(set(words(c)) & set(terms)))


def _typed(extractor: Extractor, question: str, terms: list[str], sentence: str) -> str | None:
    for text in (_clause(sentence, terms), sentence):
        found = extractor(text, question, terms)
        if found:
            return found
    return None


def _untyped(question: str, terms: list[str], sentence: str) -> str:
    clause = _clause(sentence, terms)
    return _key_value(clause, question) or _window(clause, terms)


Extractor = Callable[[str, str, list[str]], str | None]


def _typed_extractor(question: str) -> Extractor | None:
    if re.search(
        r"\bhow (?:many|much|long|big|large)\b|\bnumber of\b|\bcount\b|\bwhat (?:port|percentage)\b", question
    ):
        return lambda text, q, terms: _nearest(_NUMBER, text, q, terms)
    if re.search(r"\bwhen\b|\bwhat (?:time|date|year|day)\b|\bwhich (?:year|date|day)\b", question):
        return lambda text, q, terms: _nearest(_DATE, text, q, terms)
    if re.search(r"\b(?:file|path|directory|folder|module)\b", question):
        return lambda text, q, terms: _nearest(_PATH, text, q, terms)
    if re.search(r"\bwho(?:m|se)?\b", question):
        return lambda text, q, terms: _nearest(_NAME, text, q, terms)
    return None


def _nearest(pattern: re.Pattern[str], text: str, question: str, terms: list[str]) -> str | None:
    """The match of ``pattern`` not already in the question closest to a question term."""
    asked = set(words(question))
    anchors = [m.start() for t in terms for m in re.finditer(rf"(?i)\b{re.escape(t)}", text)] or [0]
    matches = [m for m in pattern.finditer(text) if not set(words(m.group())) <= asked]
    if not matches:
        return None
    best = min(matches, key=lambda m: (min(abs(m.start() - a) for a in anchors), m.start()))
    return best.group().strip()


def _key_value(clause: str, question: str) -> str | None:
    """``value`` of ``key is value`` / ``key: value`` when the key is mostly question words."""
    match = _KEY_VALUE.match(clause.strip())
    if match is None:
        return None
    asked = set(words(question))
    key_terms = query_terms(match["key"])
    value_new = [w for w in words(match["value"]) if w not in asked]
    if not key_terms or not value_new:
        return None
    if sum(t in asked for t in key_terms) * 2 < len(key_terms):
        return None
    return match["value"]


def _window(clause: str, terms: list[str]) -> str:
    tokens = clause.split()
    if len(tokens) <= MAX_ANSWER_WORDS:
        return clause
    first = next((i for i, tok in enumerate(tokens) if set(words(tok)) & set(terms)), 0)
    start = max(0, min(first - MAX_ANSWER_WORDS // 4, len(tokens) - MAX_ANSWER_WORDS))
    return " ".join(tokens[start : start + MAX_ANSWER_WORDS])


def _tidy(span: str) -> str:
    return " ".join(span.split()).strip(" .,;:\"'")
