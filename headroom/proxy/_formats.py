"""What the proxy must know about each provider's request shape beyond its messages."""

from __future__ import annotations

import json
from typing import Any

from headroom.ccr import RETRIEVE_TOOL_NAME
from headroom.messages import MessageFormat

_MESSAGES_KEY = {
    MessageFormat.ANTHROPIC: "messages",
    MessageFormat.OPENAI_CHAT: "messages",
    MessageFormat.OPENAI_RESPONSES: "input",
}


def shape_problem(request: dict[str, Any], fmt: MessageFormat) -> bool:
    """True when the body is not the shape its route promised (then it is forwarded as it is)."""
    items = request.get(_MESSAGES_KEY[fmt])
    if fmt is MessageFormat.OPENAI_RESPONSES:
        return not isinstance(items, list | str)
    if not isinstance(items, list):
        return True
    # Cursor has sent Responses bodies to /chat/completions: route by path, confirm by shape.
    return fmt is MessageFormat.OPENAI_CHAT and "input" in request and "messages" not in request


def retrieval_allowed(request: dict[str, Any], fmt: MessageFormat) -> bool:
    """Whether the model could call the retrieval tool here, so markers may be emitted.

    ``tool_choice`` of none, or one that forces another named tool, bars it; so does asking a
    chat for several choices (the proxy serves retrieval on one), and so does a stored Responses
    call (the client's next turn continues from a response id whose round ended in the
    proxy's hidden call).
    """
    choice = request.get("tool_choice")
    if fmt is MessageFormat.OPENAI_RESPONSES and (
        request.get("store") is not False
        or request.get("previous_response_id")
        or request.get("conversation")
    ):
        return False
    if fmt is MessageFormat.OPENAI_CHAT and isinstance(request.get("n"), int) and request["n"] > 1:
        return False
    if choice in ("none", {"type": "none"}):
        return False
    return not (isinstance(choice, dict) and _forced_name(choice) not in (None, RETRIEVE_TOOL_NAME))


def _forced_name(choice: dict[str, Any]) -> str | None:
    if choice.get("type") in ("tool", "function"):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, dict) else choice.get("name")
        return name if isinstance(name, str) else "?"
    return None


def thinking_blocks(request: Any) -> list[str]:
    """Every signed thinking block, canonically encoded, in order (they must reach upstream unchanged)."""
    found: list[str] = []
    for message in request.get("messages") or [] if isinstance(request, dict) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and part.get("type") in ("thinking", "redacted_thinking"):
                found.append(json.dumps(part, sort_keys=True))
    return found
