"""Answering the model's ``headroom_retrieve`` calls from the store, within a per-turn byte budget."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from headroom.ccr import Store, retrieve, to_bytes
from headroom.errors import EntryExpired, EntryNotFound, StoreError

MISSING = (
    "The original behind key {key} is no longer stored (expired or never kept here). "
    "Re-run the command or re-read the file to see it again."
)


@dataclass(frozen=True)
class Call:
    """One retrieval call the model made: its id and its raw JSON arguments."""

    id: str
    arguments: str


@dataclass(frozen=True)
class Answer:
    """What the tool returns to the model for one call."""

    call: Call
    text: str
    is_error: bool
    outcome: str
    """``hit``, ``miss`` or ``error`` (for the metrics)."""


def _parse(arguments: str) -> tuple[str, str | None] | None:
    try:
        args = json.loads(arguments or "{}")
    except ValueError:
        return None
    if not isinstance(args, dict) or not isinstance(args.get("key"), str):
        return None
    query = args.get("query")
    return args["key"], query if isinstance(query, str) else None


def _answer(store: Store, call: Call, budget: int) -> Answer:
    parsed = _parse(call.arguments)
    if parsed is None:
        return Answer(call, 'headroom_retrieve takes {"key": "hr…", "query": optional words}.', True, "error")
    key, query = parsed
    try:
        found = retrieve(store, key, query)
    except (EntryNotFound, EntryExpired):
        return Answer(call, MISSING.format(key=key), True, "miss")
    except StoreError as exc:
        return Answer(call, f"The store could not be read ({exc}); try again later.", True, "error")
    data = to_bytes(found.text)
    if len(data) <= budget:
        return Answer(call, found.text, False, "hit")
    cut = data[:budget].decode("utf-8", "ignore")
    note = (
        f"\n[cut at {budget} of {len(data)} bytes: call headroom_retrieve again with this key and a "
        "query to get the lines you need]"
    )
    return Answer(call, cut + note, False, "hit")


def answer_all(store: Store, calls: list[Call], budget: int) -> list[Answer]:
    """Each call answered in order; the budget is shared by the whole turn."""
    answers = []
    for call in calls:
        answer = _answer(store, call, max(budget, 0))
        budget -= len(to_bytes(answer.text))
        answers.append(answer)
    return answers


async def answer_calls(store: Store, calls: list[Call], budget: int) -> list[Answer]:
    """:func:`answer_all` off the event loop (the store does file I/O)."""
    return await asyncio.to_thread(answer_all, store, calls, budget)
