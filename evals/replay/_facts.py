"""Facts an agent reuses: identifiers, paths, numbers and quoted strings.

Extraction is deliberately narrow so that a "fact" is something a model could not guess:
plain English words never count, whatever their case. A token counts when it has at least
four characters and looks like code (``snake_case``, ``camelCase``, dotted names, letters
mixed with digits), a path, or a number with at least three digits. Quoted strings count
when they hold several words (single tokens are covered by the token rule).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from evals.traces import Trace, Turn

_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?![\w,])|[\w./\-]+")
_STRIP = "./-"
_NUMBER = re.compile(r"[\d.,]+")
_CAMEL = re.compile(r"[a-z][A-Z]")
_QUOTED = re.compile(r"""(?<!\w)(["'`])([^"'`\n]{8,200})\1(?!\w)""")
MIN_CHARS = 4
MIN_DIGITS = 3


def is_fact_token(token: str) -> bool:
    """Whether a (stripped) token is specific enough to count as a fact."""
    digits = sum(ch.isdigit() for ch in token)
    if _NUMBER.fullmatch(token):
        return digits >= MIN_DIGITS
    if len(token) < MIN_CHARS or not any(ch.isalpha() for ch in token):
        return False
    if digits or _CAMEL.search(token):
        return True
    return any(ch in token for ch in "_/.")


def token_facts(text: str) -> frozenset[str]:
    """Every fact-like token of ``text``."""
    found = set()
    for match in _TOKEN.finditer(text):
        token = match.group(0).strip(_STRIP)
        if token and is_fact_token(token):
            found.add(token)
    return frozenset(found)


def quoted_facts(text: str) -> frozenset[str]:
    """Quoted, back-ticked or double-quoted strings of several words."""
    return frozenset(m.group(2).strip() for m in _QUOTED.finditer(text) if " " in m.group(2).strip())


def used_text(turn: Turn) -> str:
    """What an assistant turn wrote: its text and the string values of its tool arguments."""
    parts = [turn.text]
    for call in turn.tool_calls:
        parts.extend(_strings(_parse(call.arguments)))
    return "\n".join(p for p in parts if p)


def _parse(arguments: str) -> Any:
    try:
        return json.loads(arguments)
    except ValueError:
        return arguments


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [] if value is None or isinstance(value, bool) else [str(value)]


@dataclass(frozen=True)
class FactUse:
    """A fact first seen in a tool output and later used by the assistant."""

    fact: str
    quoted: bool
    """Matched as a substring (quoted strings) rather than as a whole token."""
    first_tool_turn: int
    """Index of the tool turn (= message) where the fact first appeared."""
    call_turn: int
    """Index of the first assistant turn of the call that used it."""


def fact_uses(trace: Trace, call_starts: list[int]) -> list[FactUse]:
    """Facts used by each call that first appeared in a tool output, each at its first use."""
    turns = trace.turns
    seen_in: dict[str, int] = {}
    texts = [_turn_text(t) for t in turns]
    uses: list[FactUse] = []
    done: set[str] = set()
    starts = set(call_starts)
    current = -1
    for index, turn in enumerate(turns):
        if index in starts:
            current = index
        if turn.role == "assistant" and current >= 0:
            uses.extend(_uses_in(turn, texts, turns, seen_in, done, current))
        for fact in token_facts(texts[index]):
            seen_in.setdefault(fact, index)
    return uses


def _turn_text(turn: Turn) -> str:
    return used_text(turn) if turn.role == "assistant" else turn.text


def _uses_in(
    turn: Turn, texts: list[str], turns: tuple[Turn, ...], seen_in: dict[str, int], done: set[str], call: int
) -> list[FactUse]:
    written = used_text(turn)
    uses = []
    for fact in sorted(token_facts(written)):
        first = seen_in.get(fact)
        if fact not in done and first is not None and turns[first].role == "tool":
            uses.append(FactUse(fact, False, first, call))
        done.add(fact)
    for fact in sorted(quoted_facts(written)):
        first = next((i for i in range(call) if fact in texts[i]), None)
        if fact not in done and first is not None and turns[first].role == "tool":
            uses.append(FactUse(fact, True, first, call))
        done.add(fact)
    return uses
