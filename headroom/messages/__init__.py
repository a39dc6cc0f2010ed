"""Provider message formats <-> the conversation model."""

from headroom.messages._formats import read_blocks, sniff_format, validate, write_blocks
from headroom.messages._model import Block, BlockKind, Location, MessageFormat, Messages

__all__ = [
    "Block",
    "BlockKind",
    "Location",
    "MessageFormat",
    "Messages",
    "read_blocks",
    "sniff_format",
    "validate",
    "write_blocks",
]
