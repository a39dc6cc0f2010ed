"""Which tool results the activity rules forward verbatim, and why.

Decided from the whole conversation as sent: a result is one of the newest N of its kind (file
reads, searches, test runs), or a read of a file that a later call in the conversation edits.
Agents read what they are about to change: the replays showed compressed file reads as the
source of most later-used facts that were only retrievable.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence

from headroom.activity import Activity, classify_call
from headroom.messages import Block
from headroom.policy import ActivityPolicy


def verbatim_reasons(blocks: Sequence[Block], rules: ActivityPolicy) -> dict[int, str]:
    """Position in ``blocks`` → why the tool result there goes verbatim."""
    wanted = rules.read_verbatim_last or rules.search_verbatim_last or rules.test_verbatim_last
    if not rules.enabled or not (wanted or rules.edited_read_verbatim):
        return {}  # nothing to decide: no call is read at all
    calls = [
        (position, classify_call(block.tool_name or "", block.tool_arguments))
        for position, block in enumerate(blocks)
        if block.kind == "tool_result" and (block.tool_name or block.tool_arguments)
    ]
    limits = {
        "read": (rules.read_verbatim_last, "read_verbatim_last"),
        "search": (rules.search_verbatim_last, "search_verbatim_last"),
        "test": (rules.test_verbatim_last, "test_verbatim_last"),
    }
    reasons: dict[int, str] = {}
    seen: Counter[str] = Counter()
    edited: list[str] = []
    for position, activity in reversed(calls):
        # A read that names no file (``read_logs``, ``read_output``) is not a file read: the rule
        # is for source an agent goes on to quote or edit, not for any tool whose name says read.
        kind = activity.kind if activity.kind != "read" or activity.paths else "other"
        limit, field = limits.get(kind, (0, ""))
        if seen[kind] < limit:
            reasons[position] = f"verbatim: one of the newest {limit} {kind} results (activity.{field})"
        seen[kind] += 1
        if rules.edited_read_verbatim and activity.kind == "read" and _edited(activity, edited):
            reasons.setdefault(
                position, "verbatim: a later call edits this file (activity.edited_read_verbatim)"
            )
        if activity.kind == "edit":
            edited.extend(activity.paths)
    return reasons


def _edited(read: Activity, edited: list[str]) -> bool:
    return any(same_file(path, other) for path in read.paths for other in edited)


@functools.lru_cache(maxsize=65536)  # every call re-reads the conversation's reads and edits
def same_file(first: str, second: str) -> bool:
    """Whether two spellings name one file: equal, or one is the other's trailing path (``src/a.py``)."""
    a, b = first.strip().lstrip("./").rstrip("/"), second.strip().lstrip("./").rstrip("/")
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return "/" in shorter and longer.endswith("/" + shorter)
