"""Headroom: content-aware, reversible context compression for AI agents.

``import headroom`` stays light: it never imports torch, transformers, optuna or mlflow, and
the names below load on first use (PEP 562), so a process that needs only a submodule (the
MCP server an agent starts, which must answer within its startup timeout) does not pay for
every compressor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from headroom._lazy import lazy_attributes

if TYPE_CHECKING:
    from headroom._compress import (
        BlockStats,
        CompressResult,
        ReadConversation,
        compress,
        compress_text,
        default_store,
        read_conversation,
    )
    from headroom.ccr import retrieve
    from headroom.compressors import Compressed
    from headroom.errors import HeadroomError
    from headroom.policy import Policy, load_policy

__all__ = [
    "BlockStats",
    "CompressResult",
    "Compressed",
    "HeadroomError",
    "Policy",
    "ReadConversation",
    "compress",
    "compress_text",
    "default_store",
    "load_policy",
    "read_conversation",
    "retrieve",
]
__version__ = "0.1.0"

_HOME = {
    "BlockStats": "headroom._compress",
    "CompressResult": "headroom._compress",
    "Compressed": "headroom.compressors",
    "HeadroomError": "headroom.errors",
    "Policy": "headroom.policy",
    "ReadConversation": "headroom._compress",
    "compress": "headroom._compress",
    "compress_text": "headroom._compress",
    "default_store": "headroom._compress",
    "load_policy": "headroom.policy",
    "read_conversation": "headroom._compress",
    "retrieve": "headroom.ccr",
}


__getattr__ = lazy_attributes(__name__, _HOME)
