"""Opt-in injection: the project's facts most relevant to the latest question, after the frozen prefix.

Nothing calls this unless a deployment asks for it. It never touches the frozen prefix (the
cache aligner says where that ends): the facts go at the end of the conversation, appended to
the latest user message when it is live, else in a new user message after it. The input list is
never modified. The cost is the block's tokens on this request; a client that re-sends its own
history (without the block) loses prompt-cache hits only from that message on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from headroom.cache import align
from headroom.memory._model import Fact, MemoryStore
from headroom.messages import Block, Location, MessageFormat, Messages, read_blocks, sniff_format
from headroom.policy import Policy
from headroom.tokens import count_tokens

HEADER = "Facts saved in earlier sessions of this project (by any agent; they may be out of date):"


@dataclass(frozen=True)
class Injection:
    """What ``inject`` did."""

    messages: Messages
    """The conversation to send (a new list; the input is unchanged)."""
    facts: tuple[Fact, ...]
    """The facts injected, most relevant first."""
    tokens: int
    """Tokens added to the request (0 when nothing was injected)."""
    reason: str | None = None
    """Why nothing was injected, when nothing was."""


def inject(
    messages: Messages,
    store: MemoryStore,
    project: str,
    budget: int = 400,
    *,
    query: str | None = None,
    k: int = 10,
    policy: Policy | None = None,
) -> Injection:
    """Append up to ``budget`` tokens of ``project``'s facts relevant to ``query`` (default: the
    latest user text) after the frozen prefix; unchanged messages and a reason when none fit."""
    fmt = sniff_format(messages)
    if not messages:
        return Injection(messages, (), 0, "no messages")
    if _last_is_frozen(messages, fmt, policy or Policy()):
        return Injection(messages, (), 0, "the whole conversation is frozen prefix")
    asked = query if query is not None else _latest_user_text(messages, fmt)
    if not asked.strip():
        return Injection(messages, (), 0, "no user text to search the memory with")
    chosen, text = _fit([hit.fact for hit in store.search(project, asked, k)], project, budget)
    if not chosen:
        return Injection(messages, (), 0, "no relevant fact fits the budget")
    return Injection(_appended(messages, fmt, text), tuple(chosen), count_tokens(text))


def render(facts: list[Fact], project: str) -> str:
    """The injected block: a header, then one line per fact with its id, agent and date."""
    lines = [f'<memory project="{project}">', HEADER]
    for fact in facts:
        day = datetime.datetime.fromtimestamp(fact.created_at, datetime.UTC).date().isoformat()
        lines.append(f"- [{fact.id}; {fact.agent}, {day}] {fact.content}")
    lines.append("</memory>")
    return "\n".join(lines)


def _fit(facts: list[Fact], project: str, budget: int) -> tuple[list[Fact], str]:
    """Facts taken greedily in relevance order while the block fits ``budget`` tokens (one too
    long to fit is skipped, so it does not shut out shorter relevant ones), and the block."""
    chosen: list[Fact] = []
    text = ""
    for fact in facts:
        candidate = render([*chosen, fact], project)
        if count_tokens(candidate) <= budget:
            chosen.append(fact)
            text = candidate
    return chosen, text


def _last_is_frozen(messages: Messages, fmt: MessageFormat, policy: Policy) -> bool:
    """Whether the aligner freezes the last message (one probe block per message asks it)."""
    probes = [
        Block(Location(i, None, "content"), str(m.get("role", "")), "text", "")
        for i, m in enumerate(messages)
    ]
    return align(probes, messages, fmt, policy)[-1].frozen


def _latest_user_text(messages: Messages, fmt: MessageFormat) -> str:
    texts = [b.text for b in read_blocks(messages, fmt) if b.role == "user" and b.kind == "text"]
    return texts[-1][-2000:] if texts else ""


def _appended(messages: Messages, fmt: MessageFormat, text: str) -> Messages:
    last = messages[-1]
    part_type = "input_text" if fmt is MessageFormat.OPENAI_RESPONSES else "text"
    out = list(messages)
    if last.get("role") == "user" and isinstance(last.get("content"), str):
        out[-1] = {**last, "content": f"{last['content']}\n\n{text}"}
    elif last.get("role") == "user" and isinstance(last.get("content"), list):
        out[-1] = {**last, "content": [*last["content"], {"type": part_type, "text": text}]}
    else:
        message: dict[str, Any] = {"role": "user", "content": [{"type": part_type, "text": text}]}
        out.append(message)
    return out
