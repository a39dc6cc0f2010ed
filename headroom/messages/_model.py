"""The provider-neutral conversation model: blocks with a role, a kind and a location."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

BlockKind = Literal["text", "tool_call", "tool_result"]


class MessageFormat(StrEnum):
    """Supported provider message shapes."""

    OPENAI_CHAT = "openai_chat"
    OPENAI_RESPONSES = "openai_responses"
    ANTHROPIC = "anthropic"


@dataclass(frozen=True)
class Location:
    """Where a block's text lives: message index, content-part index, and the text field."""

    message: int
    part: int | None
    field: str
    subpart: int | None = None


@dataclass(frozen=True)
class Block:
    """One piece of text in a conversation."""

    location: Location
    role: str
    kind: BlockKind
    text: str
    tool_name: str | None = None
    frozen: bool = False
    tool_arguments: str | None = None
    """For a tool result: the arguments of the call it answers, as the model sent them (JSON text)."""


Messages = list[dict[str, Any]]
