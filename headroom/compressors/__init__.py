"""Content-aware compressors behind one protocol and one registry."""

from headroom.compressors._base import (
    CompressContext,
    Compressed,
    Compressor,
    Elision,
    passthrough,
    result,
)
from headroom.compressors._prose.units import split_sentences
from headroom.compressors._registry import (
    ENTRY_POINT_GROUP,
    all_compressors,
    get_compressor,
    load_plugins,
    policy_sections,
    register,
    tuned_compressors,
    unregister,
)
from headroom.compressors._section import Tuning

__all__ = [
    "CompressContext",
    "Compressed",
    "Compressor",
    "ENTRY_POINT_GROUP",
    "Elision",
    "Tuning",
    "all_compressors",
    "get_compressor",
    "load_plugins",
    "passthrough",
    "policy_sections",
    "register",
    "result",
    "split_sentences",
    "tuned_compressors",
    "unregister",
]
