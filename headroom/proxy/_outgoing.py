"""What one request sends upstream, and what happened to it on the way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Outgoing:
    """What to send upstream for one request, and what happened on the way."""

    body: bytes
    request: dict[str, Any] | None
    """The outgoing request parsed (continuation rounds extend it); ``None`` when not JSON."""
    reason: str | None = None
    """Why the original bytes were forwarded (``None``: compressed, or nothing to compress)."""
    spliced: bool = False
    """The proxy added its retrieval tool: it answers the model's calls to it itself."""
    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0
    policy_hash: str = ""
    keys: tuple[str, ...] = ()
    """Store keys the outgoing markers point to."""
    fingerprint: str = ""
    """The session fingerprint of the client's request (empty when it was not parsed)."""
