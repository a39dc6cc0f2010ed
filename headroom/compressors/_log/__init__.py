"""The log compressor family; importing the package registers its compressor."""

from headroom.compressors._log.compressor import LogCompressor, LogPolicy

__all__ = ["LogCompressor", "LogPolicy"]
