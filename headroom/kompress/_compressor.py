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

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

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
from headroom.kompress._model import KompressModel, load_model, unavailable_reason
from headroom.kompress._relevance import Embedder, is_title, ranked_sentences, sentence_boost
from headroom.kompress._rules import force_keep
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
    grouped = [[i] for i in range(len(keep))] if groups is None else groups
    for _ in range(2):
        excess = ctx.tokens(render(words, keep)) - limit
        if excess <= 0:
            break
        droppable = sorted(
            (unit for unit in grouped if any(keep[i] and not forced[i] for i in unit)),
            key=lambda u: (max(probs[i] for i in u), -u[0]),
        )
        for unit in droppable:
            if excess <= 0:
                break
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


class KompressCompressor:
    """Drops the least useful words of prose; numbers, names, code and error lines always stay."""

    name = "kompress"
    content_type = "prose"

    def __init__(self, scorer: Scorer | None = None, embedder: Embedder | None = None) -> None:
        self._scorer = scorer
        self._embedder = embedder

    def detect(self, sample: str) -> float:
        """The prose recogniser: Kompress handles what the prose compressor would."""
        return detect_prose(sample)

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
            keep = self._decide(text, words, total, settings, ctx)
        except HeadroomError as exc:
            return passthrough(text, ctx, self.name, kind, f"kompress unavailable: {exc}")
        except Exception as exc:  # a model failure must never fail the request
            return passthrough(text, ctx, self.name, kind, f"kompress failed: {type(exc).__name__}: {exc}")
        return self._assemble(text, words, keep, ctx, kind)

    def decide(self, text: str, policy: Policy, ctx: CompressContext) -> list[bool]:
        """Keep (True) or drop for every whitespace-separated word of ``text``, in order (no gates).

        What :meth:`compress` renders, exposed for measurement: ``ctx.query`` and the policy's
        budget apply; the min-token and size gates do not.
        """
        return self._decide(text, layout(text), ctx.tokens(text), policy.prose, ctx)

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
