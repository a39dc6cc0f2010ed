"""The retrieval splice's shape, shared by the three APIs.

A splice sees the upstream's frames as they arrive and says which bytes the client gets now;
frames that belong to the proxy's own ``headroom_retrieve`` calls are withheld. At the end of
an upstream round it says whether the round asked only for retrievals (then the proxy answers
them and continues the call upstream) and, when the turn ends, what held frames close it.
"""

from __future__ import annotations

from typing import Any, Protocol

from headroom.proxy._retrieval import Answer, Call
from headroom.proxy._sse import Frame

ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


class Overflow(Exception):
    """Hidden calls grew past the withheld-bytes cap."""


class StreamSplice(Protocol):
    """Splicing one streamed turn."""

    def feed(self, frame: Frame) -> list[bytes]:
        """The bytes the client gets for ``frame`` now (none while withheld)."""
        ...

    def end_round(self, can_continue: bool) -> list[Call] | None:
        """The calls to answer before continuing upstream, or ``None`` when the turn ends here."""
        ...

    def continuation(self, request: dict[str, Any], answers: list[Answer]) -> dict[str, Any]:
        """The next upstream request: ``request`` extended by this round and the answers."""
        ...

    def tail(self) -> list[bytes]:
        """The held frames that close the client's stream."""
        ...

    def error(self, status: int, body: bytes) -> bytes:
        """An error frame in the API's own grammar (a continuation failed after the stream began)."""
        ...


class JsonSplice(Protocol):
    """Splicing one non-streamed turn."""

    def absorb(self, body: dict[str, Any], can_continue: bool) -> list[Call] | None:
        """Take one round's response body; the calls to answer, or ``None`` when the turn ends."""
        ...

    def continuation(self, request: dict[str, Any], answers: list[Answer]) -> dict[str, Any]: ...

    def final(self) -> dict[str, Any]:
        """The client's response: the last round's body with every round's visible output."""
        ...

    @property
    def spliced(self) -> bool:
        """Whether any round held a hidden call (else the first body is relayed as it came)."""
        ...


def sum_usage(total: dict[str, Any], usage: Any) -> None:
    """Add a round's numeric usage counters into ``total`` (nested detail objects too)."""
    if not isinstance(usage, dict):
        return
    for name, value in usage.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            total[name] = total.get(name, 0) + value
        elif isinstance(value, dict):
            sum_usage(total.setdefault(name, {}), value)


def summed(final: Any, total: dict[str, Any]) -> Any:
    """``final`` usage with each counter it reports replaced by the turn's total."""
    if not isinstance(final, dict):
        return final
    out = dict(final)
    for name, value in final.items():
        if isinstance(value, dict):
            out[name] = summed(value, total.get(name, {}))
        elif isinstance(value, int | float) and not isinstance(value, bool) and name in total:
            out[name] = total[name]
    return out


def as_list(value: Any) -> list[Any]:
    """``value`` when it is a list, else an empty one (bodies are read without a schema)."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}
