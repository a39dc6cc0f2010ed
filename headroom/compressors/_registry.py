"""The compressor registry: built-ins load lazily, plugins come from entry points."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, entry_points

from pydantic import BaseModel

from headroom.compressors._base import Compressor
from headroom.compressors._section import Tuning, section_of, tuning_of
from headroom.errors import ConfigError, UnknownCompressor

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


def unregister(name: str) -> None:
    """Remove the compressor registered as ``name`` (a plugin's tests clean up with it)."""
    _load_builtins()
    _registry.pop(name, None)


def load_plugins(entries: Iterable[EntryPoint]) -> list[Compressor]:
    """Register the compressor each entry point makes (the object it names, called with no arguments)."""
    made: list[Compressor] = []
    for entry in entries:
        factory: Callable[[], Compressor] = entry.load()
        made.append(register(factory()))
    return made


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)
    load_plugins(entry_points(group=ENTRY_POINT_GROUP))
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


def policy_sections(reserved: Iterable[str] = ()) -> dict[str, type[BaseModel]]:
    """The policy section model of every registered compressor that declares one, keyed by name,
    in registration order (a policy file lists them so).

    A compressor whose name is one of the policy's own keys (``reserved``) cannot have a section.
    """
    taken = set(reserved)
    sections: dict[str, type[BaseModel]] = {}
    _load_builtins()
    for compressor in list(_registry.values()):  # registration order: built-ins, then plugins
        model = section_of(compressor)
        if model is None:
            continue
        if compressor.name in taken:
            raise ConfigError(
                f"compressor {compressor.name!r}: its section would shadow the policy's own key"
            )
        sections[compressor.name] = model
    return sections


def tuned_compressors() -> list[tuple[Compressor, Tuning]]:
    """Every registered compressor with a tuned section, and how it is tuned (sorted by name)."""
    found = [(c, tuning_of(c)) for c in all_compressors()]
    return [(c, tuning) for c, tuning in found if tuning is not None and section_of(c) is not None]
