"""Claude Code session JSONL (``~/.claude/projects/<project>/<session>.jsonl``).

Each line is one entry: ``type`` user/assistant carry an Anthropic ``message`` (content blocks
with ``tool_use``/``tool_result``, ``usage`` with cache read/creation counts); ``summary``,
``system`` and bookkeeping entries carry no conversation. A file may interleave several
``sessionId`` values (a resumed session); each becomes one trace.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._anthropic import Meta, message_turns
from evals.traces._model import Trace, Turn
from headroom.errors import TraceFormatError

_SESSION_KEYS = {"sessionId", "uuid", "leafUuid", "parentUuid"}
_CONVERSATION = {"user", "assistant"}
_SNIFF_RECORDS = 40


class _Session:
    def __init__(self, session_id: str | None) -> None:
        self.session_id = session_id
        self.turns: list[Turn] = []
        self.names: dict[str, str] = {}
        self.summaries: list[str] = []
        self.model: str | None = None
        self.last_message_id: str | None = None


class ClaudeCodeImporter:
    """Claude Code session transcripts."""

    name = "claude-code"

    def sniff(self, path: Path) -> bool:
        """JSONL of typed entries whose conversation entries carry a ``message`` and session keys.

        Real sessions open with any number of bookkeeping records (``last-prompt``,
        ``permission-mode``, ``attachment``, ``file-history-snapshot``, ``queue-operation``, and
        types newer versions add), so the sniff reads past them to the first conversation entry.
        """
        records = shared.head_records(shared.read_prefix(path), limit=_SNIFF_RECORDS)
        if not records or not all(isinstance(r.get("type"), str) for r in records):
            return False
        talk = [r for r in records if r["type"] in _CONVERSATION]
        return bool(talk) and all(
            isinstance(r.get("message"), dict) and bool(_SESSION_KEYS & r.keys()) for r in talk
        )

    def load(self, path: Path) -> list[Trace]:
        """One trace per session id, in order of first appearance."""
        sessions: dict[str | None, _Session] = {}
        summaries: list[str] = []
        warnings: list[str] = []
        for line, entry in shared.iter_jsonl(path, warnings):
            kind = entry.get("type")
            if kind == "summary":
                summaries.append(str(entry.get("summary", "")))
            if kind not in ("user", "assistant") or entry.get("isMeta") is True:
                continue
            session_id = shared.as_str(entry.get("sessionId"))
            session = sessions.setdefault(session_id, _Session(session_id))
            self._add(path, line, entry, session)
        ordered = [s for s in sessions.values() if s.turns]
        if not ordered and warnings:
            raise TraceFormatError(str(path), f"no readable conversation entries ({warnings[0]})", 1)
        traces = [self._trace(path, s, i, len(ordered), summaries) for i, s in enumerate(ordered)]
        return [replace(t, warnings=tuple(warnings)) for t in traces]

    def _add(self, path: Path, line: int, entry: dict[str, Any], session: _Session) -> None:
        message = shared.require_dict(path, entry.get("message"), "message", line)
        model = shared.as_str(message.get("model"))
        meta = Meta(
            usage=shared.usage_from(message.get("usage")),
            model=model,
            timestamp=shared.as_str(entry.get("timestamp")),
        )
        turns = message_turns(path, message, session.names, meta, line)
        message_id = shared.as_str(message.get("id")) if message.get("role") == "assistant" else None
        if message_id is not None and message_id == session.last_message_id and session.turns:
            # Claude Code writes one entry per content block of a streamed response; they share the id.
            turns = [_merge(session.turns.pop(), turns[0])]
        session.last_message_id = message_id
        session.turns.extend(turns)
        if model is not None and model != "<synthetic>":
            session.model = session.model or model

    def _trace(self, path: Path, session: _Session, index: int, count: int, summaries: list[str]) -> Trace:
        metadata: dict[str, Any] = {"summaries": summaries} if summaries else {}
        return Trace(
            source=shared.session_source(path, index, count),
            format=self.name,
            turns=tuple(session.turns),
            model=session.model,
            session_id=session.session_id,
            metadata=metadata,
        )


def _merge(first: Turn, second: Turn) -> Turn:
    text = "\n".join(t for t in (first.text, second.text) if t)
    return replace(
        first, text=text, tool_calls=first.tool_calls + second.tool_calls, usage=second.usage or first.usage
    )
