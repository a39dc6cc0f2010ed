"""The prose compressor family; importing the package registers its compressor."""

from headroom.compressors._prose.compressor import ProseCompressor, ProsePolicy

__all__ = ["ProseCompressor", "ProsePolicy"]
