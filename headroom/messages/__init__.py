"""Provider message formats <-> the conversation model."""

from headroom.messages._adapters import ADAPTERS, FormatAdapter, adapter_for, read_blocks, validate
from headroom.messages._formats import sniff_format, write_blocks
from headroom.messages._model import Block, BlockKind, Location, MessageFormat, Messages
from headroom.messages._validate import validate_request

__all__ = [
    "ADAPTERS",
    "Block",
    "BlockKind",
    "FormatAdapter",
    "Location",
    "MessageFormat",
    "Messages",
    "adapter_for",
    "read_blocks",
    "sniff_format",
    "validate",
    "validate_request",
    "write_blocks",
]
