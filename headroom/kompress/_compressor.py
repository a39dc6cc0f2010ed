"""The Kompress compressor: word-level deletion (LLMLingua-2 style) under the Compressor protocol.

Each word gets a keep probability from the model (or an injected scorer), raised near query
terms, shared across a name's words (and a bound's: "till September") and, with a query,
across the sentences most relevant to it (the coarse step, see
:mod:`headroom.kompress._relevance`); force-keep rules win; the most
probable words fill the keep-rate budget (or a probability threshold decides). The budget is the
whole output: the marker's price is known up front (its key hashes the text) and the rendering
is measured and trimmed. The output is the kept words in order with the original line breaks,
then ONE marker with the exact number of words dropped, whose key restores the whole block.
"""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from headroom.ccr import content_key, format_marker, to_bytes
from headroom.compressors._base import (
    CompressContext,
    Compressed,
    passthrough,
    smaller_or_passthrough,
)
from headroom.compressors._prose.detect import detect_prose, is_markdown
from headroom.errors import HeadroomError
from headroom.kompress._acronyms import acronym_runs
from headroom.kompress._answer_type import expected_type, typed_words
from headroom.kompress._budget import (
    DEFAULT_BUDGET,
    CostBudget,
    CostEstimator,
    OverBudget,
    RecentKeys,
    over_budget_reason,
)
from headroom.kompress._cache import lines_key
from headroom.kompress._model import KompressModel, default_model_dir, load_model, unavailable_reason
from headroom.kompress._relevance import Embedder, is_title, ranked_sentences, sentence_boost
from headroom.kompress._rules import force_keep
from headroom.kompress._selector import (
    QuerySelector,
    load_selector,
    segment_features,
    segments_of,
    select_segments,
    typed_segments,
    word_probabilities,
)
from headroom.kompress._words import (
    Layout,
    boost,
    choose,
    layout,
    render,
    share_best,
    tie_markup,
    together_spans,
    token_costs,
    units,
)
from headroom.text import query_terms

if TYPE_CHECKING:
    from headroom.compressors._prose.compressor import ProsePolicy
    from headroom.policy import Policy

#: Lines of words → keep probability of each word (same shape). Injected in tests; the model otherwise.
Scorer = Callable[[list[list[str]]], list[list[float]]]

MIN_WORDS = 8
WORDS = "words"


def _cost(costs: list[int], kept: list[bool]) -> int:
    return sum(c for c, k in zip(costs, kept, strict=True) if k)


def _droppable(
    groups: Sequence[Sequence[int]] | None, keep: list[bool], forced: list[bool], probs: list[float]
) -> list[tuple[float, int, Sequence[int]]]:
    """``(best probability, -first index, unit)`` for each unit holding a kept, unforced word."""
    if groups is None:  # every word alone
        return [(probs[i], -i, (i,)) for i, k in enumerate(keep) if k and not forced[i]]
    out: list[tuple[float, int, Sequence[int]]] = []
    for unit in groups:
        if len(unit) == 1:  # most units are one word: no generator per word
            i = unit[0]
            if keep[i] and not forced[i]:
                out.append((probs[i], -i, unit))
        elif any(keep[i] and not forced[i] for i in unit):
            out.append((max(probs[i] for i in unit), -unit[0], unit))
    return out


def trim_to_budget(
    words: Layout,
    keep: list[bool],
    forced: list[bool],
    probs: list[float],
    costs: list[int],
    limit: float,
    ctx: CompressContext,
    groups: Sequence[Sequence[int]] | None = None,
) -> list[bool]:
    """Drop the least probable unforced words until the rendered text costs at most ``limit`` tokens.

    Word costs are counted apart, so line breaks and joins can push the real text a few tokens
    over; measuring the rendering settles it (twice at most: one pass nearly always does).
    ``groups`` (names and bounds, see :func:`~headroom.kompress._words.units`) are dropped whole.
    """
    keep = list(keep)
    for _ in range(2):
        excess = ctx.tokens(render(words, keep)) - limit
        if excess <= 0:
            break
        # Least probable first, later words first among equals; a heap pops only the few it needs.
        droppable = _droppable(groups, keep, forced, probs)
        heapq.heapify(droppable)
        while droppable and excess > 0:
            *_, unit = heapq.heappop(droppable)
            for i in unit:
                if keep[i] and not forced[i]:
                    keep[i] = False
                    excess -= costs[i]
        keep = tie_markup(words, keep)
    return keep


def answer_words(words: Layout, query: str | None) -> list[bool] | None:
    """Per word: could it answer the type of question ``query`` asks (``None``: no known type)?

    Title lines are left out: a title names the topic the question already holds.
    """
    kind = expected_type(query)
    if kind is None:
        return None
    titles = [bool(line) and is_title(" ".join(line)) for line in words.lines]
    typed = typed_words(words.lines, kind, query or "")
    for start, end, _ in acronym_runs(words.flat, query_terms(query)):
        typed[start:end] = [False] * (end - start)  # "United States" is the question's "us"
    line_of = [i for i, line in enumerate(words.lines) for _ in line]
    return [t and not titles[line_of[i]] for i, t in enumerate(typed)]


def marker_reserve(text: str, words: int, ctx: CompressContext) -> int:
    """Exact tokens of the line break and marker the output will end with (the key is the text's hash).

    The count is written as ``words``, which has at least as many digits as the number dropped.
    """
    return ctx.tokens("\n" + format_marker(words, WORDS, content_key(to_bytes(text))))


SELECTED_CACHE = 256
_K = TypeVar("_K")
_V = TypeVar("_V")


class _Memo(Generic[_K, _V]):
    """A small thread-safe LRU map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[_K, _V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: _K) -> _V | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def put(self, key: _K, value: _V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


@lru_cache(maxsize=8)
def _bundled_selector(model_dir: str) -> QuerySelector | None:
    return load_selector(Path(model_dir))


class KompressCompressor:
    """Drops the least useful words of prose; numbers, names, code and error lines always stay."""

    name = "kompress"
    content_type = "prose"

    def __init__(
        self,
        scorer: Scorer | None = None,
        embedder: Embedder | None = None,
        budget: CostBudget | None = DEFAULT_BUDGET,
        estimator: CostEstimator | None = None,
        selector: QuerySelector | None = None,
        use_selector: bool = True,
    ) -> None:
        """``budget``: model time a block may cost under ``engine: auto`` (None: no limit).

        ``estimator`` prices a block (the loaded model by default; tests inject one with a scorer).
        ``selector`` decides blocks that come with a query (default: the ``query_selector.json``
        beside the model, when there is one); ``use_selector=False`` keeps the word-level path for
        every block, as before the selector existed.
        """
        self._selector = selector
        self._use_selector = use_selector
        self._selected: _Memo[tuple[bytes, str, QuerySelector], list[float]] = _Memo(SELECTED_CACHE)
        """Sentence probabilities per (text, question, selector)."""
        self._scorer = scorer
        self._embedder = embedder
        self._budget = budget
        self._estimator = estimator
        self._extractive = RecentKeys()
        """Texts sent to the extractive engine for cost: they stay there on later turns."""
        self._scored = RecentKeys()
        """Texts the model scored within budget: on later turns their scores come from the cache."""

    def detect(self, sample: str) -> float:
        """The prose recogniser: Kompress handles what the prose compressor would."""
        return detect_prose(sample)

    def selector_for(self, settings: ProsePolicy, query: str | None) -> QuerySelector | None:
        """The query-conditioned selector that decides this block, or ``None`` (word-level path).

        It applies with a query holding content words, under a keep rate (a probability
        ``threshold`` is the word classifier's), when ``query_share`` is not turned off.
        """
        if not self._use_selector or not query_terms(query) or settings.threshold is not None:
            return None
        if settings.query_share <= 0.0:
            return None
        if self._selector is not None:
            return self._selector
        if self._scorer is not None:  # an injected scorer means no model folder is read (as for the encoder)
            return None
        return _bundled_selector(
            str(Path(settings.model_path) if settings.model_path else default_model_dir())
        )

    def unavailable(self, settings: ProsePolicy) -> str | None:
        """Why this compressor cannot run with ``settings`` (``None`` when it can)."""
        return None if self._scorer is not None else unavailable_reason(settings.model_path)

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Word-level deletion under the policy's budget; passthrough with a reason when it cannot help."""
        kind = "markdown" if is_markdown(text) else self.content_type
        settings = policy.prose
        if not settings.enabled or (settings.keep_rate >= 1.0 and settings.threshold is None):
            return passthrough(text, ctx, self.name, kind, "prose compression disabled (or keep_rate 1)")
        total = ctx.tokens(text)
        if total < max(settings.min_tokens, 1):
            return passthrough(text, ctx, self.name, kind, "below min_tokens")
        words = layout(text)
        if len(words.flat) < MIN_WORDS:
            return passthrough(text, ctx, self.name, kind, "too few words")
        try:
            selector = self.selector_for(settings, ctx.query)
            if selector is not None:  # lexical and linear in the text: no time budget to check
                keep = self._select(text, words, total, settings, ctx, selector)
            else:
                self._check_budget(words, total, settings, ctx)
                keep = self._decide(text, words, total, settings, ctx)
        except OverBudget as exc:
            return passthrough(text, ctx, self.name, kind, str(exc))
        except HeadroomError as exc:
            return passthrough(text, ctx, self.name, kind, f"kompress unavailable: {exc}")
        except Exception as exc:  # a model failure must never fail the request
            return passthrough(text, ctx, self.name, kind, f"kompress failed: {type(exc).__name__}: {exc}")
        return self._assemble(text, words, keep, ctx, kind)

    def decide(self, text: str, policy: Policy, ctx: CompressContext) -> list[bool]:
        """Keep (True) or drop for every whitespace-separated word of ``text``, in order (no gates).

        What :meth:`compress` renders, exposed for measurement: ``ctx.query`` and the policy's
        budget apply; the min-token and size gates and the time budget do not.
        """
        words, total = layout(text), ctx.tokens(text)
        selector = self.selector_for(policy.prose, ctx.query)
        if selector is not None:
            return self._select(text, words, total, policy.prose, ctx, selector)
        return self._decide(text, words, total, policy.prose, ctx)

    def _select(
        self,
        text: str,
        words: Layout,
        total: int,
        settings: ProsePolicy,
        ctx: CompressContext,
        selector: QuerySelector,
    ) -> list[bool]:
        """The question decides: whole sentences by the selector's probability, in order, to the budget."""
        query = ctx.query or ""
        ranges, segments = segments_of(words)
        key = (lines_key(words.lines), query, selector)
        probs = self._selected.get(key)
        if probs is None:  # the same text and question again (another rate, a later turn): no new pass
            typed = typed_segments(words, ranges, query)
            probs = selector.probabilities(segment_features(segments, query, typed))
            self._selected.put(key, probs)
        costs = token_costs(words.flat, ctx.encoding)
        forced = force_keep(words.raw, words.lines).words if selector.rules else [False] * len(costs)
        # The output ends with the marker (and the text's trailing newline); a token may merge across
        # the joins, so one more is held back: the whole output stays within the rate.
        trailing = ctx.tokens("\n") if words.trailing_newline else 0
        limit = settings.keep_rate * total - marker_reserve(text, len(costs), ctx) - trailing - 1
        keep = tie_markup(words, select_segments(ranges, probs, costs, forced, limit))
        word_probs = word_probabilities(ranges, probs, len(costs))
        target = limit
        for _ in range(3):  # kept markup pairs can push a trimmed text back over: measure and retrim
            keep = trim_to_budget(words, keep, forced, word_probs, costs, target, ctx)
            excess = ctx.tokens(render(words, keep)) - limit
            if excess <= 0:
                break
            target -= excess
        return keep

    def _decide(
        self, text: str, words: Layout, total: int, settings: ProsePolicy, ctx: CompressContext
    ) -> list[bool]:
        forced = force_keep(words.raw, words.lines)
        # Lines the rules keep whole are not sent to the model: it could not change their fate.
        to_score = [[] if whole else line for line, whole in zip(words.lines, forced.lines, strict=True)]
        scored = self._scorer_for(settings)(to_score)
        probs = [
            p
            for line, whole, line_probs in zip(words.lines, forced.lines, scored, strict=True)
            for p in ([1.0] * len(line) if whole else line_probs)
        ]
        typed = answer_words(words, ctx.query)
        if typed is not None:
            # Words that could answer the question's type count as query words do.
            probs = [p + settings.query_boost * t for p, t in zip(probs, typed, strict=True)]
        together = together_spans(words)
        unboosted = share_best(probs, together)
        probs = share_best(boost(words, probs, ctx.query, settings.query_boost), together)
        costs = token_costs(words.flat, ctx.encoding)
        reserve = marker_reserve(text, len(costs), ctx)
        kept = forced.words
        if ctx.query and settings.query_share > 0.0:
            ranked = ranked_sentences(
                words.raw, words.lines, ctx.query, self._embedder_for(settings), typed, settings.dense_weight
            )
            # Forced words are paid for first; the most relevant sentences share what is left.
            left = settings.keep_rate * total - reserve - _cost(costs, kept)
            if ranked and left <= 0:
                # The rules spent the whole budget: the sentence that best answers the query
                # is still kept, as if forced, so a query is never ignored.
                a, b = ranked[0]
                kept = [k or a <= i < b for i, k in enumerate(kept)]
            free = [0 if k else c for c, k in zip(costs, kept, strict=True)]
            protect = sentence_boost(ranked, len(probs), free, settings.query_share * left)
            # Inside a protected sentence the query's own words are not preferred: the reader has the
            # question, and what the sentence adds to it is the answer.
            probs = [(u + b if b else p) for p, u, b in zip(probs, unboosted, protect, strict=True)]
        groups = units(len(probs), together)
        keep = tie_markup(
            words, choose(probs, kept, costs, settings.keep_rate, settings.threshold, reserve, total, groups)
        )
        if settings.threshold is not None:
            return keep
        limit = settings.keep_rate * total - reserve
        return trim_to_budget(words, keep, kept, probs, costs, limit, ctx, groups)

    def _check_budget(self, words: Layout, total: int, settings: ProsePolicy, ctx: CompressContext) -> None:
        """Raise OverBudget when, under ``engine: auto``, the model would take longer than allowed.

        Checked before the rules run, on every word (an upper bound: lines the rules keep whole
        are not scored), so a block the model cannot take costs the extractive engine only.
        """
        estimator = self._estimator if self._scorer is not None else self._model(settings)
        if self._budget is None or settings.engine != "auto" or estimator is None:
            return
        key = lines_key(words.lines)
        if key in self._scored:
            return
        if key in self._extractive:
            raise OverBudget("over the time budget when first seen (kept on the extractive engine)")
        # The classifier first: when it alone is over, the encoder's rate need not be measured.
        stages = [False, True] if ctx.query and settings.query_share > 0.0 else [False]
        for with_encoder in stages:
            seconds = estimator.first_seen_seconds(words.lines, with_encoder)
            reason = over_budget_reason(seconds, total, self._budget)
            if reason is not None:
                self._extractive.add(key)
                raise OverBudget(reason)
        self._scored.add(key)

    def _scorer_for(self, settings: ProsePolicy) -> Scorer:
        return self._scorer if self._scorer is not None else self._model(settings).score_lines

    def _embedder_for(self, settings: ProsePolicy) -> Embedder | None:
        # An injected scorer means no model is loaded: only an injected encoder (or BM25) ranks.
        return self._embedder if self._scorer is not None else self._model(settings).embedder()

    @staticmethod
    def _model(settings: ProsePolicy) -> KompressModel:
        return load_model(
            settings.model_path,
            keep_label=settings.keep_label,
            quantize=settings.quantize,
            backend=settings.backend,
        )

    def _assemble(
        self, text: str, words: Layout, keep: list[bool], ctx: CompressContext, kind: str
    ) -> Compressed:
        dropped = keep.count(False)
        if dropped == 0:
            return passthrough(text, ctx, self.name, kind, "every word kept")
        marker, elision = ctx.marker(text, dropped, WORDS)
        body = render(words, keep)
        out_text = body + ("" if body.endswith("\n") or not body else "\n") + marker
        out_text += "\n" if words.trailing_newline else ""
        out = smaller_or_passthrough(text, out_text, ctx, self, [elision])
        return replace(out, content_type=kind)
