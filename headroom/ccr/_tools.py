"""Retrieval tool definitions in each provider's format."""

from __future__ import annotations

from typing import Any

from headroom.ccr._markers import RETRIEVE_TOOL_NAME

_DESCRIPTION = (
    "Fetch content that Headroom compressed away. Markers like "
    "'[42 rows omitted; retrieve: hr_…]' name a key. Call with the key for the exact "
    "original, or with key and query for only the matching lines or items."
)
_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "key": {"type": "string", "description": "The key from a marker, e.g. hr012345678901234567."},
        "query": {"type": "string", "description": "Optional words to filter lines or items by."},
    },
    "required": ["key"],
    "additionalProperties": False,
}


def openai_chat_tool() -> dict[str, Any]:
    """Tool definition for OpenAI Chat Completions ``tools``."""
    return {
        "type": "function",
        "function": {"name": RETRIEVE_TOOL_NAME, "description": _DESCRIPTION, "parameters": _PARAMETERS},
    }


def openai_responses_tool() -> dict[str, Any]:
    """Tool definition for the OpenAI Responses API ``tools``."""
    return {
        "type": "function",
        "name": RETRIEVE_TOOL_NAME,
        "description": _DESCRIPTION,
        "parameters": _PARAMETERS,
    }


def anthropic_tool() -> dict[str, Any]:
    """Tool definition for Anthropic Messages ``tools``."""
    return {"name": RETRIEVE_TOOL_NAME, "description": _DESCRIPTION, "input_schema": _PARAMETERS}
