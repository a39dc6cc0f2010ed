"""The compressor registry: built-ins load lazily, plugins come from entry points."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from headroom.compressors._base import Compressor
from headroom.errors import UnknownCompressor

ENTRY_POINT_GROUP = "headroom.compressors"

# Each module registers its compressor(s) when imported. Adding one never edits the router.
_BUILTIN_MODULES = (
    "headroom.compressors._json",
    "headroom.compressors._table",
    "headroom.compressors._log",
    "headroom.compressors._search",
    "headroom.compressors._diff",
    "headroom.compressors._html",
    "headroom.compressors._code",
    "headroom.compressors._prose",
)

_registry: dict[str, Compressor] = {}
_loaded = False


def register(compressor: Compressor) -> Compressor:
    """Add ``compressor`` under its name (a later registration replaces an earlier one)."""
    _registry[compressor.name] = compressor
    return compressor


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        register(entry.load()())
    # Only once everything imported: a failure must surface on every call, not leave a partial registry.
    _loaded = True


def get_compressor(name: str) -> Compressor:
    """The compressor registered as ``name``."""
    _load_builtins()
    try:
        return _registry[name]
    except KeyError:
        known = ", ".join(sorted(_registry)) or "none"
        raise UnknownCompressor(f"no compressor named {name!r} (known: {known})") from None


def all_compressors() -> list[Compressor]:
    """Every registered compressor, sorted by name for determinism."""
    _load_builtins()
    return [_registry[name] for name in sorted(_registry)]
