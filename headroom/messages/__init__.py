"""Provider message formats <-> the conversation model."""

from headroom.messages._formats import read_blocks, sniff_format, write_blocks
from headroom.messages._model import Block, BlockKind, Location, MessageFormat, Messages
from headroom.messages._validate import validate, validate_request

__all__ = [
    "Block",
    "BlockKind",
    "Location",
    "MessageFormat",
    "Messages",
    "read_blocks",
    "sniff_format",
    "validate",
    "validate_request",
    "write_blocks",
]
