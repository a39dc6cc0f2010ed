"""Shared memory: facts that every agent of a project saves and finds, across sessions and providers.

A ``MemoryStore`` keeps facts per project (``resolve_project``: an explicit id, else the git
repository, else the directory), deduplicated by normalised content, with provenance (agent,
session, time) and per-fact and per-project caps (least recently used evicted, and reported).
Backends: SQLite with FTS5 (embedded default, ``SqliteMemory``) and plain Redis (``RedisMemory``),
ranked by one BM25. The MCP tools ``memory_save``, ``memory_search`` and ``memory_forget`` expose
it to agents; ``inject`` (opt-in) appends relevant facts after a conversation's frozen prefix.
"""

from headroom.memory._inject import Injection, inject, render
from headroom.memory._model import Fact, Hit, MemoryLimits, MemoryStats, MemoryStore, Saved
from headroom.memory._project import PROJECT_ENV, Project, resolve_project
from headroom.memory._redis import RedisMemory
from headroom.memory._registry import backends, open_memory, register_backend
from headroom.memory._settings import MemorySettings
from headroom.memory._sqlite import SqliteMemory, default_memory_path
from headroom.memory._text import fact_id, normalise, terms

__all__ = [
    "Fact",
    "Hit",
    "Injection",
    "MemoryLimits",
    "MemorySettings",
    "MemoryStats",
    "MemoryStore",
    "PROJECT_ENV",
    "Project",
    "RedisMemory",
    "Saved",
    "SqliteMemory",
    "backends",
    "default_memory_path",
    "fact_id",
    "inject",
    "normalise",
    "open_memory",
    "register_backend",
    "render",
    "resolve_project",
    "terms",
]
