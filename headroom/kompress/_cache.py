"""A bounded, thread-safe LRU of word keep-probabilities, keyed by the exact words scored.

The classifier does not see the query, so a tool output re-sent on every turn of a conversation
gets the same probabilities each time: caching them leaves only the query-dependent steps
(relevance, budget) to run again. The bound is in words, since one entry can be a whole file.
"""

from __future__ import annotations

import hashlib
import threading
from array import array
from collections import OrderedDict
from collections.abc import Sequence

DEFAULT_MAX_WORDS = 2_000_000
"""About 16 MB of probabilities (kept as float64, so a cached text scores exactly as it did fresh)."""


def lines_key(lines: Sequence[Sequence[str]]) -> bytes:
    """A digest of the words and their line breaks (a word moved to another line is another text)."""
    digest = hashlib.blake2b(digest_size=20)
    for line in lines:
        digest.update("\x1f".join(line).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.digest()


class ScoreCache:
    """Keep probabilities per scored text, least recently used evicted first once ``max_words`` is passed."""

    def __init__(self, max_words: int = DEFAULT_MAX_WORDS) -> None:
        self._max_words = max_words
        self._entries: OrderedDict[bytes, list[array[float]]] = OrderedDict()
        self._words = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every entry (benchmarks time the uncached path with it)."""
        with self._lock:
            self._entries.clear()
            self._words = 0

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def get(self, key: bytes) -> list[list[float]] | None:
        """The probabilities stored under ``key`` (per line), or ``None``."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
        return [list(line) for line in found]

    def put(self, key: bytes, scores: Sequence[Sequence[float]]) -> None:
        """Store ``scores`` (per line); texts larger than the whole bound are not kept."""
        size = sum(len(line) for line in scores)
        if size > self._max_words:
            return
        packed = [array("d", line) for line in scores]
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._words -= sum(len(line) for line in old)
            self._entries[key] = packed
            self._words += size
            while self._words > self._max_words:
                _, evicted = self._entries.popitem(last=False)
                self._words -= sum(len(line) for line in evicted)
