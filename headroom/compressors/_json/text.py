"""JSON text that can always be sent: readable non-ASCII, but never a raw lone surrogate."""

from __future__ import annotations

import json
from typing import Any

from headroom.compressors._json.exact import exact_dumps


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` without ASCII escapes, unless the value holds a lone surrogate.

    ``"\\ud83d"`` (half of an emoji pair, as truncated API output has it) decodes to a lone
    surrogate; written raw, the request can no longer be encoded as UTF-8 and SDKs refuse it,
    so such a value keeps its escapes. Numbers parsed as exact keep their original text.
    """
    return exact_dumps(value, _sendable_dumps, **options)


def _sendable_dumps(value: Any, **options: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, **options)
    return text if sendable(text) else json.dumps(value, ensure_ascii=True, **options)


def sendable(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (holds no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
