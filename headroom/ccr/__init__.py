"""Reversible store (CCR): originals kept by content hash, retrievable by key."""

from headroom.ccr._keys import DEFAULT_SCOPE, KeyScheme
from headroom.ccr._markers import (
    MARKER_PATTERN,
    RETRIEVE_TOOL_NAME,
    Marker,
    format_marker,
    parse_markers,
)
from headroom.ccr._redis import RedisStore
from headroom.ccr._retrieve import Retrieved, retrieve
from headroom.ccr._sqlite import SqliteStore, default_store_path
from headroom.ccr._store import (
    MemoryStore,
    SharedStore,
    Store,
    StoreStats,
    content_key,
    to_bytes,
    to_text,
)
from headroom.ccr._tools import anthropic_tool, openai_chat_tool, openai_responses_tool

__all__ = [
    "DEFAULT_SCOPE",
    "KeyScheme",
    "MARKER_PATTERN",
    "Marker",
    "MemoryStore",
    "RETRIEVE_TOOL_NAME",
    "RedisStore",
    "Retrieved",
    "SharedStore",
    "SqliteStore",
    "Store",
    "StoreStats",
    "anthropic_tool",
    "content_key",
    "default_store_path",
    "format_marker",
    "openai_chat_tool",
    "openai_responses_tool",
    "parse_markers",
    "retrieve",
    "to_bytes",
    "to_text",
]
