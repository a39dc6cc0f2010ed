"""Exact JSON: numbers keep their text, and a duplicate key is never silently dropped.

``json.loads`` turns ``1e400`` into ``inf`` (written back as ``Infinity``, not JSON), rounds
``0.12345678901234567890`` and rewrites ``1.50`` or ``1E5``; a duplicate key keeps only its
last value. A re-encoding that claims to be lossless cannot do any of that, so a number whose
text ``float`` does not reproduce is parsed as an :class:`ExactNumber` (a float for arithmetic
that remembers its text, written back verbatim by :func:`exact_dumps`), and an object with a
repeated key raises :class:`DuplicateKey` (the document is then not re-encoded at all).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import math
import secrets
from collections.abc import Iterator
from typing import Any


class ExactNumber(float):
    """A JSON number whose text ``repr(float(text))`` does not give back."""

    text: str
    created = 0
    """How many were ever made: a parse that moved it holds some (see :func:`exact_numbers_in_play`)."""

    def __new__(cls, text: str) -> ExactNumber:
        number = super().__new__(cls, float(text))
        number.text = text
        ExactNumber.created += 1
        return number

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExactNumber) and other.text == self.text

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(("exact", self.text))

    def __repr__(self) -> str:
        return self.text

    @property
    def finite(self) -> bool:
        """Whether its float value is usable in arithmetic (``1e400`` is not)."""
        return math.isfinite(self)


class DuplicateKey(Exception):
    """An object repeats a key: re-encoding it would drop a value."""

    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key!r} in an object: re-encoding would drop a value")
        self.key = key


def exact_float(text: str) -> float:
    """``float(text)`` when it writes back as ``text``; else an :class:`ExactNumber`."""
    value = float(text)
    return value if repr(value) == text else ExactNumber(text)


def unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A dict of ``pairs``; raises :class:`DuplicateKey` when a key repeats."""
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return value


EXACT_DECODER = json.JSONDecoder(parse_float=exact_float, object_pairs_hook=unique_object)

_EXACT_IN_PLAY: contextvars.ContextVar[bool] = contextvars.ContextVar("headroom_exact_numbers", default=False)


@contextlib.contextmanager
def exact_numbers_in_play(active: bool) -> Iterator[None]:
    """Within this block :func:`exact_dumps` looks for :class:`ExactNumber` values (a walk it skips otherwise)."""
    token = _EXACT_IN_PLAY.set(active)
    try:
        yield
    finally:
        _EXACT_IN_PLAY.reset(token)


def exact_dumps(value: Any, dumps: Any, **options: Any) -> str:
    """``dumps(value)`` with every :class:`ExactNumber` written as its original text."""
    if not _EXACT_IN_PLAY.get():
        return str(dumps(value, **options))
    texts: list[str] = []
    nonce = secrets.token_hex(6)
    stand_in = _stand_ins(value, texts, nonce)
    if not texts:
        return str(dumps(value, **options))
    encoded = str(dumps(stand_in, **options))
    for index, text in enumerate(texts):
        encoded = encoded.replace(f'"\\u0000{nonce}:{index}\\u0000"', text, 1)
    return encoded


def _stand_ins(value: Any, texts: list[str], nonce: str) -> Any:
    if isinstance(value, ExactNumber):
        texts.append(value.text)
        return f"\x00{nonce}:{len(texts) - 1}\x00"
    if isinstance(value, dict):
        return {key: _stand_ins(item, texts, nonce) for key, item in value.items()}
    if isinstance(value, list):
        return [_stand_ins(item, texts, nonce) for item in value]
    return value
