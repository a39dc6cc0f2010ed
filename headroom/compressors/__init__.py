"""Content-aware compressors behind one protocol and one registry."""

from headroom.compressors._base import (
    CompressContext,
    Compressed,
    Compressor,
    Elision,
    passthrough,
    result,
)
from headroom.compressors._prose_units import split_sentences
from headroom.compressors._registry import all_compressors, get_compressor, register

__all__ = [
    "CompressContext",
    "Compressed",
    "Compressor",
    "Elision",
    "all_compressors",
    "get_compressor",
    "passthrough",
    "register",
    "result",
    "split_sentences",
]
