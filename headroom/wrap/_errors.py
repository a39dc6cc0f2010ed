"""What can stop ``headroom wrap`` before or instead of running the agent (rooted in HeadroomError)."""

from __future__ import annotations

from headroom.errors import HeadroomError


class WrapError(HeadroomError):
    """The agent cannot be wrapped as asked (unknown agent, missing binary, unsupported setup)."""


class ProxyUnavailable(WrapError):
    """No usable proxy: it did not start or answer in time. The agent is never launched unwrapped."""
