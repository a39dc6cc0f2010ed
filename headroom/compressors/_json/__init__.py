"""The JSON compressor family; importing the package registers its compressor."""

from headroom.compressors._json.compressor import JsonCompressor, JsonPolicy

__all__ = ["JsonCompressor", "JsonPolicy"]
