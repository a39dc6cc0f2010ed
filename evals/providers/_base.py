"""The provider protocol: one async ``generate`` with usage, whatever the vendor."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from evals.traces._model import ToolCall, Usage


@dataclass(frozen=True)
class Request:
    """A provider-neutral request; ``messages`` are OpenAI Chat shaped (providers convert)."""

    messages: list[dict[str, Any]]
    model: str
    max_tokens: int = 512
    temperature: float = 0.0
    tools: list[dict[str, Any]] = field(default_factory=list)
    """OpenAI Chat ``tools`` entries; providers convert them."""
    policy_hash: str | None = None
    """The compression policy the messages were produced with (part of cassette keys)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Vendor options passed through (e.g. ``reasoning_effort``, ``thinking``)."""


@dataclass(frozen=True)
class Response:
    """What came back: text, tool calls and usage (incl. cached tokens)."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)
    model: str = ""
    stop_reason: str | None = None


@runtime_checkable
class Provider(Protocol):
    """Anything that can answer a :class:`Request`."""

    name: str

    async def generate(self, request: Request) -> Response:
        """Answer ``request``; raise UpstreamError subclasses on provider failures."""
        ...
