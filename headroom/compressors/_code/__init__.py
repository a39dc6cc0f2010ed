"""The code compressor family; importing the package registers its compressor."""

from headroom.compressors._code.compressor import CodeCompressor, CodePolicy

__all__ = ["CodeCompressor", "CodePolicy"]
