"""What the proxy asks of a request's shape beyond its messages (the rest is the format's adapter)."""

from __future__ import annotations

import json
from typing import Any

from headroom.ccr import RETRIEVE_TOOL_NAME
from headroom.messages import MessageFormat, adapter_for


def shape_problem(request: dict[str, Any], fmt: MessageFormat) -> bool:
    """True when the body is not the shape its route promised (then it is forwarded as it is)."""
    items = request.get(adapter_for(fmt).messages_keys[0])
    if fmt is MessageFormat.OPENAI_RESPONSES:
        return not isinstance(items, list | str)
    # Cursor has sent Responses bodies to /chat/completions: route by path, confirm by shape.
    return not isinstance(items, list)


def retrieval_allowed(request: dict[str, Any], fmt: MessageFormat) -> bool:
    """Whether the proxy can serve the retrieval tool here, so markers may be emitted.

    The request's ``tool_choice`` must let the model call it; a chat must ask for one choice
    (the proxy serves retrieval on one); a Responses call must be stateless (``store: false``,
    no ``previous_response_id``): a stored response's id is what the client's next turn
    continues from, and round 1's would end in the proxy's hidden call.
    """
    if fmt is MessageFormat.OPENAI_CHAT and isinstance(request.get("n"), int) and request["n"] > 1:
        return False
    if fmt is MessageFormat.OPENAI_RESPONSES and (
        request.get("store") is not False
        or request.get("previous_response_id")
        or request.get("conversation")
    ):
        return False
    return adapter_for(fmt).allows_tool(request.get("tool_choice"), RETRIEVE_TOOL_NAME)


def thinking_blocks(request: Any) -> list[str]:
    """Every signed thinking block, canonically encoded, in order (they must reach upstream unchanged)."""
    found: list[str] = []
    for message in request.get("messages") or [] if isinstance(request, dict) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and part.get("type") in ("thinking", "redacted_thinking"):
                found.append(json.dumps(part, sort_keys=True))
    return found
