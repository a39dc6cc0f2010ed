"""Contract test suites that every compressor and store implementation inherits."""

from headroom.testing._compressor_contract import FOREIGN_SAMPLES, CompressorContract
from headroom.testing._store_contract import StoreContract

__all__ = ["FOREIGN_SAMPLES", "CompressorContract", "StoreContract"]
