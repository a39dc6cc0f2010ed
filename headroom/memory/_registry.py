"""Memory backends by URL scheme: ``redis://`` (and ``rediss://``, ``unix://``) or a SQLite file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from headroom.errors import ConfigError
from headroom.memory._model import MemoryLimits, MemoryStore

Opener = Callable[[str, MemoryLimits, str | None], MemoryStore]
"""Opens a backend from its location (a URL, or a path for ``sqlite``), the caps, and the key
namespace (for backends on a server that other deployments share; None: the backend's default)."""

_BACKENDS: dict[str, Opener] = {}


def register_backend(scheme: str, opener: Opener) -> None:
    """Make ``<scheme>://...`` locations open with ``opener`` (replacing any earlier one)."""
    _BACKENDS[scheme.lower()] = opener


def backends() -> list[str]:
    """The URL schemes a memory location may use."""
    return sorted(_BACKENDS)


def open_memory(
    location: str | Path | None = None, limits: MemoryLimits | None = None, *, namespace: str | None = None
) -> MemoryStore:
    """The memory at ``location``: a registered URL scheme, a ``sqlite:///path`` URL or a plain path
    (None: the SQLite file in the user data directory)."""
    caps = limits or MemoryLimits()
    if location is None or isinstance(location, Path):
        return _BACKENDS["sqlite"]("" if location is None else str(location), caps, namespace)
    scheme, sep, rest = location.partition("://")
    if not sep:
        return _BACKENDS["sqlite"](location, caps, namespace)
    opener = _BACKENDS.get(scheme.lower())
    if opener is None:
        raise ConfigError(f"no memory backend for {scheme!r} URLs (known: {', '.join(backends())})")
    return opener(rest if scheme.lower() == "sqlite" else location, caps, namespace)


def _sqlite(location: str, limits: MemoryLimits, namespace: str | None) -> MemoryStore:
    from headroom.memory._sqlite import SqliteMemory

    return SqliteMemory(location or None, limits)  # a file of its own: no namespace to keep apart


def _redis(location: str, limits: MemoryLimits, namespace: str | None) -> MemoryStore:
    from headroom.memory._redis import DEFAULT_NAMESPACE, RedisMemory

    return RedisMemory(location, limits, namespace=namespace or DEFAULT_NAMESPACE)


register_backend("sqlite", _sqlite)
for _scheme in ("redis", "rediss", "unix"):
    register_backend(_scheme, _redis)
