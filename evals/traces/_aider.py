"""Aider chat history markdown (``.aider.chat.history.md``).

Aider appends every session to one file: ``# aider chat started at <time>`` opens a session,
``#### `` lines are what the user typed, ``> `` blockquote lines are aider's own tool and
command output (file edits applied, commits, ``/run`` output...) and everything else is the
assistant's reply. Blockquote and heading lines inside the assistant's fenced code are code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from evals.traces._cursor import is_specstory
from evals.traces._model import Role, Trace, Turn, Usage
from evals.traces._registry import json_kind, read_prefix, session_source
from headroom.errors import TraceFormatError

_START = "# aider chat started at"
_MODEL = re.compile(r"^> (?:Main )?[Mm]odels?: (\S+)")
_TOKENS = re.compile(
    r"^Tokens: (?P<sent>[\d.,]+[kM]?) sent"
    r"(?:, (?P<write>[\d.,]+[kM]?) cache write)?(?:, (?P<hit>[\d.,]+[kM]?) cache hit)?"
    r", (?P<received>[\d.,]+[kM]?) received",
    re.MULTILINE,
)
_SCALE = {"k": 1_000, "M": 1_000_000}
_USER_LINE = re.compile(r"^#### ", re.MULTILINE)
_TOOL_LINE = re.compile(r"^>( |$)", re.MULTILINE)


@dataclass
class _Session:
    started_at: str | None
    turns: list[Turn] = field(default_factory=list)
    model: str | None = None
    role: Role | None = None
    lines: list[str] = field(default_factory=list)
    in_fence: bool = False

    def feed(self, line: str) -> None:
        role = self._classify(line)
        if role is None:
            self.lines.append(line)
            return
        if role != self.role:
            self.flush()
            self.role = role
        if role == "assistant" and line.lstrip().startswith("```"):
            self.in_fence = not self.in_fence
        self.lines.append(_strip_prefix(line, role))
        match = _MODEL.match(line)
        if match and self.model is None:
            self.model = match.group(1)

    def _classify(self, line: str) -> Role | None:
        if self.role == "assistant" and self.in_fence:
            return "assistant"
        if not line.strip():
            return None
        if line.startswith("#### ") or line.rstrip() == "####":
            return "user"
        if line.startswith("> ") or line.rstrip() == ">":
            return "tool"
        return "assistant"

    def flush(self) -> None:
        text = "\n".join(self.lines).strip("\n")
        if self.role is not None and text.strip():
            # Free text before anything was typed or run is page furniture (a published transcript's intro).
            if self.role != "assistant" or self.turns:
                self.turns.append(
                    Turn(role=self.role, text=text, tool_name="aider" if self.role == "tool" else None)
                )
            if self.role == "tool":
                self._attach_usage(text)
        self.lines = []
        self.in_fence = False

    def _attach_usage(self, text: str) -> None:
        # Aider reports each LLM call's tokens in the tool output that follows the reply.
        match = _TOKENS.search(text)
        for index in range(len(self.turns) - 1, -1, -1):
            if match is None or self.turns[index].role == "user":
                return
            if self.turns[index].role == "assistant":
                usage = Usage(
                    input_tokens=_count(match["sent"]),
                    cache_read_tokens=_count(match["hit"]),
                    cache_write_tokens=_count(match["write"]),
                    output_tokens=_count(match["received"]),
                )
                self.turns[index] = replace(self.turns[index], usage=usage)
                return


def _count(value: str | None) -> int | None:
    """Aider's rounded counts: ``11,336``, ``2.5k``, ``1.2M``."""
    if value is None:
        return None
    scale = _SCALE.get(value[-1], 1)
    number = value.rstrip("kM").replace(",", "")
    try:
        return round(float(number) * scale)
    except ValueError:
        return None


def _strip_prefix(line: str, role: Role) -> str:
    if role == "user":
        return line[5:].rstrip() if line.startswith("#### ") else ""
    if role == "tool":
        return line[2:].rstrip() if line.startswith("> ") else ""
    return line


class AiderImporter:
    """Aider chat history transcripts."""

    name = "aider"

    def sniff(self, path: Path) -> bool:
        """Markdown with aider's session header, or with both ``#### `` and ``> `` lines."""
        prefix = read_prefix(path)
        if json_kind(prefix) or "\x00" in prefix or is_specstory(prefix):
            return False
        return _START in prefix or bool(_USER_LINE.search(prefix) and _TOOL_LINE.search(prefix))

    def load(self, path: Path) -> list[Trace]:
        """One trace per ``# aider chat started at`` session."""
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            raise TraceFormatError(str(path), "not UTF-8 text", line) from exc
        sessions = self._sessions(text)
        kept = [s for s in sessions if s.turns]
        if not kept:
            raise TraceFormatError(str(path), "no aider chat turns (#### user lines) found", 1)
        return [self._trace(path, s, i, len(kept)) for i, s in enumerate(kept)]

    def _sessions(self, text: str) -> list[_Session]:
        sessions = [_Session(started_at=None)]
        for line in text.splitlines():
            if line.startswith(_START):
                sessions[-1].flush()
                sessions.append(_Session(started_at=line[len(_START) :].strip() or None))
                continue
            sessions[-1].feed(line)
        sessions[-1].flush()
        return sessions

    def _trace(self, path: Path, session: _Session, index: int, count: int) -> Trace:
        turns = list(session.turns)
        turns[0] = replace(turns[0], timestamp=session.started_at)
        metadata = {"started_at": session.started_at} if session.started_at else {}
        return Trace(
            source=session_source(path, index, count),
            format=self.name,
            turns=tuple(turns),
            model=session.model,
            metadata=metadata,
        )
