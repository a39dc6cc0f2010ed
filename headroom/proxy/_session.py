"""Which agent session a request belongs to, and what the proxy saw of each session.

The id comes from the first header an agent sets (Claude Code ``x-claude-code-session-id``;
Codex ``session_id`` / ``conversation_id``; anyone ``x-headroom-session-id``), else from a
fingerprint of the request: model, system prompt and first user message, which every turn of a
conversation resends unchanged (``cache_control`` marks, which move turn to turn, left out).

Compression never depends on it (it is deterministic per block, so nothing per session is
needed to keep provider caches warm). It labels ``/health``'s per-session counts and the
``x-headroom-session-id`` response header, and it watches the retrieval tool: the proxy adds
the tool when a request carries a marker, and markers of frozen history come back on every
later turn, so within a session the tool appears once and stays. A session whose tool comes and
goes has its cached prefix rebuilt each time: ``headroom_retrieval_tool_changes_total{change}``
counts additions (about one per session with markers) and removals (should stay 0).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from headroom.messages import MessageFormat

SESSION_HEADERS = (
    "x-claude-code-session-id",
    "session_id",
    "session-id",
    "conversation_id",
    "x-headroom-session-id",
)
"""In the order the id is taken from."""


def header_session(headers: Iterable[tuple[str, str]]) -> str | None:
    """The session id an agent's header gives, by :data:`SESSION_HEADERS` order."""
    found: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in SESSION_HEADERS and value.strip() and lowered not in found:
            found[lowered] = value.strip()
    return next((found[name][:128] for name in SESSION_HEADERS if name in found), None)


def fingerprint(request: dict[str, Any], fmt: MessageFormat) -> str:
    """``h`` + 16 hex digits of SHA-256 over the model, the system prompt and the first user message."""
    system, first = _opening(request, fmt)
    parts = [request.get("model"), _unmarked(system), _unmarked(first)]
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "h" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _opening(request: dict[str, Any], fmt: MessageFormat) -> tuple[Any, Any]:
    if fmt is MessageFormat.ANTHROPIC:
        return request.get("system"), _first_user(request.get("messages"))
    if fmt is MessageFormat.OPENAI_CHAT:
        messages = request.get("messages")
        system = next(
            (
                m.get("content")
                for m in messages or []
                if isinstance(m, dict) and m.get("role") in ("system", "developer")
            ),
            None,
        )
        return system, _first_user(messages)
    items = request.get("input")
    return request.get("instructions"), items if isinstance(items, str) else _first_user(items)


def _first_user(messages: Any) -> Any:
    if not isinstance(messages, list):
        return None
    return next((m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"), None)


def _unmarked(value: Any) -> Any:
    """``value`` without ``cache_control`` keys, at any depth."""
    if isinstance(value, dict):
        return {k: _unmarked(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    return value


@dataclass
class SessionCounts:
    """What one session sent through the proxy."""

    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    retrieval_tool: bool | None = None
    """Whether its last compressed request carried the retrieval tool (``None``: none compressed yet)."""
    tool_removals: int = 0
    """Times the tool went away after it had been added (each rebuilds the provider's cached prefix)."""


class Sessions:
    """Per-session counts for the most recently seen ``limit`` sessions (thread-safe)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: OrderedDict[str, SessionCounts] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, session: str, tokens_in: int, tokens_out: int, tool: bool | None) -> str | None:
        """Count one request; returns ``added`` / ``removed`` when the retrieval tool changed."""
        with self._lock:
            counts = self._seen.pop(session, None) or SessionCounts()
            self._seen[session] = counts
            if len(self._seen) > self._limit:
                self._seen.popitem(last=False)
            counts.requests += 1
            counts.tokens_in += tokens_in
            counts.tokens_out += tokens_out
            if tool is None:
                return None
            before, counts.retrieval_tool = counts.retrieval_tool, tool
            if tool and not before:
                return "added"
            if before and not tool:
                counts.tool_removals += 1
                return "removed"
            return None

    def summary(self, recent: int = 20) -> dict[str, Any]:
        """How many sessions are tracked, and the ``recent`` last seen, newest first."""
        with self._lock:
            latest = list(self._seen.items())[-recent:]
            return {
                "tracked": len(self._seen),
                "recent": [{"id": sid, **vars(counts)} for sid, counts in reversed(latest)],
            }
