"""Contract test suites that every compressor, store and memory implementation inherits, and proxy fakes.

The proxy fakes (``headroom.testing.upstream``) need the ``[proxy]`` extra and are imported from there."""

from headroom.testing._compressor_contract import FOREIGN_SAMPLES, CompressorContract
from headroom.testing._memory_contract import MemoryContract
from headroom.testing._store_contract import StoreContract

__all__ = [
    "CompressorContract",
    "FOREIGN_SAMPLES",
    "MemoryContract",
    "StoreContract",
]
