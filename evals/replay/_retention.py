"""Reference retention: was a reused fact still in the context an arm sent, or retrievable?"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any, Literal

from evals.replay._arms import message_text
from evals.replay._facts import FactUse, token_facts
from evals.traces import Trace
from headroom.ccr import Store, parse_markers, to_text
from headroom.errors import StoreError

Outcome = Literal["kept", "retrievable", "lost"]
OUTCOMES: tuple[Outcome, ...] = ("kept", "retrievable", "lost")


_TEXTS_HELD = 50_000
"""Texts whose fact tokens a :class:`JudgeCache` holds before it starts over."""


class JudgeCache:
    """What judging a session's fact uses needs whatever the arm: shared by every judge of the session.

    A study judges the same session under hundreds of policies: the tool outputs that originally
    held each fact, and the fact tokens of every text seen (originals, and compressed variants that
    recur from trial to trial), are worked out once.
    """

    def __init__(self) -> None:
        self.tokens: dict[str, frozenset[str]] = {}
        self.sources: dict[FactUse, list[int]] = {}

    def facts_of(self, text: str) -> frozenset[str]:
        """The fact tokens of ``text``."""
        found = self.tokens.get(text)
        if found is None:
            if len(self.tokens) >= _TEXTS_HELD:
                self.tokens.clear()
            found = self.tokens[text] = token_facts(text)
        return found


class RetentionJudge:
    """Classifies fact uses against the messages an arm sent; caches per text and key."""

    def __init__(
        self,
        trace: Trace,
        store: Store | None,
        positions: list[int] | None = None,
        cache: JudgeCache | None = None,
    ) -> None:
        self._store = store
        self._originals = {i: t.text for i, t in enumerate(trace.turns) if t.role == "tool"}
        self._positions = positions if positions is not None else list(range(len(trace.turns)))
        """Message index of each turn in the requests (see ``message_positions``)."""
        self._cache = cache if cache is not None else JudgeCache()
        self._stored: dict[str, str] = {}

    def judge(self, use: FactUse, messages: list[dict[str, Any]]) -> Outcome:
        """Outcome of ``use`` given the arm's request for the call that used it.

        Every tool output before the call that originally held the fact is a source; the
        fact is kept when any source still holds it verbatim, retrievable when a marker in
        a source leads to a stored original that holds it.
        """
        return self.judge_with_source(use, messages)[0]

    def judge_with_source(self, use: FactUse, messages: list[dict[str, Any]]) -> tuple[Outcome, int | None]:
        """The outcome and the turn index of the newest tool output that held the fact."""
        sources = self._sources(use)
        where = [self._positions[i] for i in sources]
        texts = [message_text(messages[i]) for i in where if i < len(messages)]
        newest = sources[-1] if sources else None
        if any(self._holds(text, use) for text in texts):
            return "kept", newest
        if any(self._holds(self._restored(key), use) for key in _marker_keys(texts)):
            return "retrievable", newest
        return "lost", newest

    def position(self, turn: int) -> int:
        """The message index of trace turn ``turn`` in the requests."""
        return self._positions[turn]

    def _sources(self, use: FactUse) -> list[int]:
        known = self._cache.sources.get(use)
        if known is None:
            known = self._cache.sources[use] = [
                index
                for index, text in self._originals.items()
                if use.first_tool_turn <= index < use.call_turn and self._holds(text, use)
            ]
        return known

    def _holds(self, text: str, use: FactUse) -> bool:
        if use.quoted:
            return any(spelling in text for spelling in unescaped_spellings(use.fact))
        return use.fact in self._cache.facts_of(text)

    def _restored(self, key: str) -> str:
        cached = self._stored.get(key)
        if cached is None:
            cached = self._stored[key] = self._fetch(key)
        return cached

    def _fetch(self, key: str) -> str:
        if self._store is None:
            return ""
        try:
            return to_text(self._store.get(key))
        except StoreError:
            return ""


def _marker_keys(texts: Iterable[str]) -> list[str]:
    keys: dict[str, None] = {}
    for text in texts:
        for marker in parse_markers(text):
            keys.setdefault(marker.key)
    return list(keys)


_MIN_SPELLING = 4


@functools.lru_cache(maxsize=4096)
def unescaped_spellings(fact: str) -> tuple[str, ...]:
    """``fact`` and what it reads as once JSON escapes are undone, level by level.

    A fact quoted from a JSON string inside a JSON string carries its escapes (``next build\\\\``);
    a lossless re-encoding that decodes the embedded JSON shows the same words unescaped, which
    the model reads just the same, so that spelling counts as the fact kept.
    """
    spellings = [fact]
    current = fact
    for _ in range(3):
        trimmed = current.rstrip("\\")
        try:
            decoded = json.loads(f'"{trimmed}"')
        except ValueError:
            decoded = trimmed.replace('\\"', '"').replace("\\\\", "\\")
        if decoded == current or len(decoded) < _MIN_SPELLING:
            break
        spellings.append(decoded)
        current = decoded
    return tuple(dict.fromkeys(spellings))
