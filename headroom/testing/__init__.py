"""Contract test suites that every compressor and store implementation inherits."""

from headroom.testing._compressor_contract import FOREIGN_SAMPLES, CompressorContract
from headroom.testing._store_contract import StoreContract

__all__ = [
    "CompressorContract",
    "FOREIGN_SAMPLES",
    "StoreContract",
]
