"""Elision markers: what was removed, how many, and the key that brings it back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from headroom.ccr._store import KEY_PATTERN

RETRIEVE_TOOL_NAME = "headroom_retrieve"

MARKER_PATTERN = re.compile(
    r"\[(?P<count>\d+) (?P<kind>[a-z][a-z -]*?) omitted(?P<detail>[^;\]\n]*); retrieve: "
    rf"(?P<key>{KEY_PATTERN})\]"
)


@dataclass(frozen=True)
class Marker:
    """A parsed elision marker."""

    count: int
    kind: str
    key: str
    detail: str = ""


def format_marker(count: int, kind: str, key: str, detail: str = "") -> str:
    """``[42 rows omitted (3 with status=ok); retrieve: hr_…]``; ``kind`` is a plural noun."""
    suffix = f" {detail}" if detail else ""
    return f"[{count} {kind} omitted{suffix}; retrieve: {key}]"


def parse_markers(text: str) -> list[Marker]:
    """Every marker in ``text``, in order."""
    return [
        Marker(int(m["count"]), m["kind"], m["key"], m["detail"].strip())
        for m in MARKER_PATTERN.finditer(text)
    ]
