"""Headroom: content-aware, reversible context compression for AI agents.

``import headroom`` stays light: it never imports torch, transformers, optuna or mlflow.
"""

from headroom._compress import BlockStats, CompressResult, compress, compress_text, default_store
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
    "compress",
    "compress_text",
    "default_store",
    "load_policy",
    "retrieve",
]
__version__ = "0.1.0"
