"""An incremental server-sent-events framer: bytes in as they arrive, whole raw frames out.

Frames keep their exact bytes (relayed untouched unless a splice must change one); fields are
parsed only when asked. Frames end at a blank line in any of the three line-end spellings.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FRAME_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


class Frame:
    """One event: its raw bytes (with the blank line that ended it) and its fields on demand."""

    __slots__ = ("_fields", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._fields: tuple[str | None, str] | None = None

    @property
    def event(self) -> str | None:
        return self.fields()[0]

    @property
    def data(self) -> str:
        return self.fields()[1]

    def json(self) -> Any:
        """The data parsed as JSON (``None`` when it is not JSON, e.g. ``[DONE]``)."""
        try:
            return json.loads(self.data)
        except ValueError:
            return None

    def fields(self) -> tuple[str | None, str]:
        """``(event, data)``, parsed once."""
        if self._fields is None:
            self._fields = _simple(self.raw) or _general(self.raw)
        return self._fields


def _simple(raw: bytes) -> tuple[str | None, str] | None:
    """The common spelling, read without splitting lines: ``event: X\ndata: Y\n\n`` or ``data: Y\n\n``."""
    event: str | None = None
    rest = raw
    if rest.startswith(b"event: "):
        head, newline, rest = rest[7:].partition(b"\n")
        if not newline or b"\r" in head:
            return None
        event = head.decode("utf-8", "replace")
    if not rest.startswith(b"data: ") or not rest.endswith(b"\n\n"):
        return None
    data = rest[6:-2]
    if b"\n" in data or b"\r" in data:
        return None
    return event, data.decode("utf-8", "replace")


def _general(raw: bytes) -> tuple[str | None, str]:
    event: str | None = None
    data: list[str] = []
    for line in raw.decode("utf-8", "replace").splitlines():
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    return event, "\n".join(data)


class Framer:
    """Feed bytes, get the frames they complete."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[Frame]:
        self._pending += chunk
        frames: list[Frame] = []
        start = 0
        for match in _FRAME_END.finditer(self._pending):
            frames.append(Frame(self._pending[start : match.end()]))
            start = match.end()
        self._pending = self._pending[start:]
        return frames

    def rest(self) -> bytes:
        """Bytes after the last complete frame (a stream cut mid-frame)."""
        return self._pending


def render(event: str | None, data: Any) -> bytes:
    """A frame we write ourselves: always with an ``event:`` line when the stream uses them."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    head = f"event: {event}\n" if event is not None else ""
    return f"{head}data: {payload}\n\n".encode()
