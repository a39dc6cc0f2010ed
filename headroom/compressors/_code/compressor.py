"""The code compressor: tree-sitter skeletons that still parse, query-aware and never silent.

Bodies of functions and runs of top-level executable statements are replaced by a marker
written as a comment in the file's own language (``...  # [12 lines omitted; retrieve: hr_…]``
in Python, ``{ /* [12 lines omitted; retrieve: hr_…] */ }`` in C-family languages). Bodies that
the query, the conversation or a stack trace names stay whole. The output is re-parsed; if it
gained syntax errors the input is passed through with a reason.
"""

from __future__ import annotations

import ast
import bisect
import functools
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from headroom.compressors._base import CompressContext, Compressed, Elision, passthrough, result
from headroom.compressors._code.gate import hopeless_head, too_many_errors
from headroom.compressors._code.langs import LangSpec, clue_scores, detect_language, spec_for
from headroom.compressors._code.query import (
    ancestors,
    file_mentioned,
    identifiers,
    mentioned_rows,
    parents,
    select,
)
from headroom.compressors._code.render import (
    CriticalKeeper,
    CriticalLines,
    RankedLines,
    cost,
    prune_sites,
    ranked_critical,
    replacement,
    trailing_text,
)
from headroom.compressors._code.repair import repaired, suspects
from headroom.compressors._code.site import Site
from headroom.compressors._code.skeleton import collect, error_count, error_spans
from headroom.compressors._registry import register
from headroom.compressors._section import Tuning
from headroom.policy import Section, tunable


class CodePolicy(Section):
    """Source code."""

    enabled: bool = Field(True, description="Compress code at all.")
    mode: Literal["skeleton", "query", "lines"] = tunable(
        "skeleton",
        "How code is reduced: skeleton (bodies elided; bodies the query names stay whole), query "
        "(also bodies the recent conversation names), lines (structure kept, long bodies line-pruned).",
        choices=["skeleton", "query", "lines"],
    )
    min_body_lines: int = tunable(3, "Function bodies shorter than this many lines are kept.", low=1, high=40)
    min_run_lines: int = tunable(
        4, "Runs of top-level executable statements shorter than this are kept.", low=1, high=60
    )
    call_depth: int = tunable(
        1, "Callers/callees (within the file) of a kept symbol also kept, in hops.", low=0, high=3
    )
    prune_over_lines: int = tunable(
        60, "Kept bodies longer than this are line-pruned (0 = never).", low=0, high=1000, log=False
    )
    prune_min_lines: int = tunable(
        3, "Shortest run of plain statements that pruning removes.", low=1, high=20
    )
    min_comment_lines: int = tunable(
        4, "Doc comments/docstrings of at least this many lines are cut to their first line.", low=2, high=50
    )
    protect_recent_files: bool = tunable(
        True,
        "Pass through a file whose name appears in the latest turns (being edited).",
        choices=[True, False],
    )
    protect_recent_symbols: bool = tunable(
        True, "Keep whole the bodies of symbols named in the latest turns.", choices=[True, False]
    )
    critical_per_marker: int = tunable(
        100, "Critical (error/exception…) lines echoed as comments beside each marker.", low=0, high=200
    )


if TYPE_CHECKING:
    from headroom.policy import Policy

NAME = "code"
_SAMPLE_CHARS = 4000
_FOREIGN = (
    re.compile(r"^[\w./\\-]+:\d+[:-]"),  # grep/search output
    re.compile(r"^\[?\d{4}-\d{2}-\d{2}[ T]\d|^\d{2}:\d{2}:\d{2}"),  # timestamped logs
    re.compile(r"^(?:diff --git |@@ -\d|--- a/|\+\+\+ b/|index [0-9a-f]{7})"),  # diffs
)
_CODE_LINE = re.compile(
    r"[{};:(),\]]\s*$|^\s*(?:#include|import|from|def|class|func|fn|end\b|return)\b|^\s+\S"
)


@lru_cache(maxsize=32)
def _parser(grammar: str) -> Any:
    from tree_sitter_language_pack import get_parser

    return get_parser(grammar)  # type: ignore[arg-type]


@dataclass
class _Plan:
    """Everything one compression decided: sites to elide and the parse baseline."""

    spec: LangSpec
    src: bytes
    sites: list[Site]
    errors: int
    tree: Any = None
    """The input's syntax tree: a skeleton is reparsed from it, edited, rather than from nothing."""

    _costs: dict[Site, int] = field(default_factory=dict)

    def cost_of(self, site: Site) -> int:
        """What eliding ``site`` saves, estimated once however often the skeleton is assembled."""
        known = self._costs.get(site)
        if known is None:
            known = self._costs[site] = cost(self.src[site.start : site.end].decode("utf-8", "replace"))
        return known

    _ranked: dict[Site, RankedLines] = field(default_factory=dict)

    def ranked_critical(self, site: Site) -> RankedLines:
        """The critical lines eliding ``site`` would remove, ranked once per plan."""
        known = self._ranked.get(site)
        if known is None:
            known = self._ranked[site] = ranked_critical(site.removed(self.src))
        return known

    @functools.cached_property
    def _line_starts(self) -> list[int]:
        return [0, *(m.end() for m in re.finditer(b"\n", self.src))]

    def point(self, offset: int) -> tuple[int, int]:
        """The ``(row, byte column)`` of a byte offset of the input, as tree-sitter counts them."""
        row = bisect.bisect_right(self._line_starts, offset) - 1
        return row, offset - self._line_starts[row]

    def reparse(self, out: bytes, spans: dict[Site, tuple[int, int]]) -> Any:
        """The tree of ``out`` (the input with each site in ``spans`` replaced by its output bytes).

        Tree-sitter reuses the input's tree where the text did not change, so a skeleton tried
        many times while it is repaired costs the parse of its edits, not of the whole file.
        """
        parser = _parser(self.spec.grammar)
        if self.tree is None:
            return parser.parse(out)
        tree = self.tree.copy()
        # From the last site back, so every edit's input offsets still hold when it is applied.
        for site, (start, end) in sorted(spans.items(), key=lambda item: item[0].start, reverse=True):
            new = out[start:end]
            row, column = start_point = self.point(site.start)
            lines = new.count(b"\n")
            tail = len(new) - new.rfind(b"\n") - 1 if lines else column + len(new)
            tree.edit(
                start_byte=site.start,
                old_end_byte=site.end,
                new_end_byte=site.start + len(new),
                start_point=start_point,
                old_end_point=self.point(site.end),
                new_end_point=(row + lines, tail),
            )
        return parser.parse(out, old_tree=tree)

    @functools.cached_property
    def critical(self) -> CriticalLines:
        """The source's critical lines, for every assembly of the skeleton."""
        return CriticalLines(self.src)


def _foreign(lines: list[str]) -> bool:
    head = lines[0].lstrip()
    if (head.startswith(("{", "[")) and '":' in "".join(lines[:5])) or (
        head.startswith("<") and "<?php" not in head
    ):
        return True
    for pattern in _FOREIGN:
        if sum(1 for line in lines if pattern.search(line)) >= max(2, len(lines) * 0.3):
            return True
    return False


def code_confidence(sample: str) -> float:
    """Confidence that ``sample`` is source code (language-independent)."""
    lines = [line for line in sample[:_SAMPLE_CHARS].splitlines()[:80] if line.strip()]
    if len(lines) < 2 or _foreign(lines):
        return 0.05
    scores = clue_scores("\n".join(lines))
    best = max(scores.values(), default=0.0)
    shape = sum(1 for line in lines if _CODE_LINE.search(line)) / len(lines)
    if best >= 3.0 and shape >= 0.35:
        return min(0.98, 0.6 + best / 40 + shape / 10)
    return min(0.45, best / 10 + shape / 5)


class CodeCompressor:
    """AST-aware compressor for source code (skeleton, query-aware, line pruning)."""

    name = NAME
    content_type = "code"
    max_confidence = 0.98  # the most detect() returns; the router skips what cannot win
    section = CodePolicy
    tuning = Tuning(kinds=("code",))

    def detect(self, sample: str) -> float:
        """Confidence in [0, 1] that ``sample`` is code."""
        return code_confidence(sample)

    def content_type_of(self, sample: str, filename: str | None = None) -> str:
        """``code:<lang>`` for a sample (``code`` when the language is unknown)."""
        lang = detect_language(sample, filename)
        return f"code:{lang}" if lang else "code"

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Skeletonise ``text``; pass it through (with a reason) when that is unsafe or useless."""
        rules = policy.code
        lang = detect_language(text, ctx.filename) if text.strip() else None
        content_type = f"code:{lang}" if lang else "code"
        reason = self._refusal(text, rules, ctx, lang)
        if reason or lang is None:
            return passthrough(text, ctx, NAME, content_type, reason or "language not recognised")
        try:
            plan = self._plan(text, spec_for(lang), rules, ctx)
        except (ValueError, RuntimeError, RecursionError) as exc:  # parser failures on odd input
            return passthrough(text, ctx, NAME, content_type, f"unparsable code: {exc}")
        if isinstance(plan, str):
            return passthrough(text, ctx, NAME, content_type, plan)
        return self._render(text, plan, rules, ctx, content_type)

    @staticmethod
    def _refusal(text: str, rules: CodePolicy, ctx: CompressContext, lang: str | None) -> str:
        if not text.strip():
            return "empty"
        if not rules.enabled:
            return "code compression disabled by policy"
        if "\x00" in text:
            return "binary content"
        if rules.protect_recent_files and file_mentioned(ctx.recent_text, ctx.filename):
            return "protected: file named in the latest turns (being edited)"
        return "" if lang else "language not recognised"

    def _plan(self, text: str, spec: LangSpec, rules: CodePolicy, ctx: CompressContext) -> _Plan | str:
        hopeless = hopeless_head(text, _parser(spec.grammar))
        if hopeless is not None:
            return hopeless
        src = text.encode("utf-8", "surrogatepass")
        tree = _parser(spec.grammar).parse(src)
        root = tree.root_node
        errors = error_count(root) if root.has_error else 0
        lines = text.count("\n") + 1
        if too_many_errors(errors, lines):
            return f"unparsable code: {errors} syntax errors in {lines} lines"
        bodies, runs, docs = collect(root, src, spec)
        mention = _mention_text(rules, ctx)
        named, kept = _kept_indexes(bodies, src, rules, ctx.filename, mention)
        parent = parents(bodies)
        sites = self._choose(bodies, parent, runs, kept, rules)
        if spec.style == "brace":
            sites = [_with_doc(site, docs, src) for site in sites]
        sites += _outside(_docs(docs, rules, mention, ctx.filename), sites)
        pruned = _pruned(bodies, parent, named, kept, src, rules, ctx)
        sites += _outside(pruned, sites + [bodies[i] for i in named])
        if errors:
            bad = error_spans(root)
            sites = [s for s in sites if not any(a < s.end and s.start < b for a, b in bad)]
        # A marker written as a line comment would swallow code after it on the line; a Bash body's
        # marker ends its line itself, so the closing brace after it stays code.
        sites = [s for s in sites if _safe_end(s, spec, src)]
        return _Plan(spec, src, sorted(sites, key=lambda s: s.start), errors, tree)

    @staticmethod
    def _choose(
        bodies: list[Site], parent: list[int], runs: list[Site], kept: set[int], rules: CodePolicy
    ) -> list[Site]:
        if rules.mode == "lines":
            return []
        kept_spans = [bodies[i] for i in kept]
        long_runs = [
            run
            for run in runs
            if run.lines >= rules.min_run_lines
            and not any(run.start <= b.start < run.end for b in kept_spans)
        ]
        # A run inside a module wrapper that an outer run takes whole goes with it.
        chosen_runs = [
            r for r in long_runs if not any(o.start <= r.start < o.end and o != r for o in long_runs)
        ]
        # Bodies holding a kept one are opened: they stay, and their other inner bodies go.
        opened: set[int] = set().union(*(ancestors(i, parent) for i in kept))
        chosen = [
            body
            for i, body in enumerate(bodies)
            if i not in kept
            and i not in opened
            and (parent[i] < 0 or (parent[i] in opened and not ancestors(i, parent) & kept))
            and body.lines >= rules.min_body_lines
            and not any(run.start <= body.start < run.end for run in chosen_runs)
        ]
        return chosen + chosen_runs

    def _render(
        self, text: str, plan: _Plan, rules: CodePolicy, ctx: CompressContext, content_type: str
    ) -> Compressed:
        out, elisions = _parsing_skeleton(text, plan, rules, ctx)
        if not elisions:
            return passthrough(text, ctx, NAME, content_type, "nothing worth eliding")
        problem = _python_problem(out, plan)
        if problem:
            return passthrough(text, ctx, NAME, content_type, problem)
        compressed = result(text, out, ctx, self, elisions, content_type)
        if compressed.tokens_out >= compressed.tokens_in:
            return passthrough(text, ctx, NAME, content_type, "skeleton not smaller than the input")
        return compressed


def _assemble(
    text: str, plan: _Plan, sites: list[Site], rules: CodePolicy, ctx: CompressContext
) -> tuple[str, list[Elision], dict[Site, tuple[int, int]]]:
    """The skeleton with ``sites`` elided, its elisions, and each applied site's output bytes."""
    src, spec = plan.src, plan.spec
    keeper = CriticalKeeper(rules.critical_per_marker)
    keeper.accept(_kept_critical(plan.critical, src, sites))  # lines that stay already cover their like
    pieces: list[bytes] = []
    elisions: list[Elision] = []
    spans: dict[Site, tuple[int, int]] = {}
    cursor = size = 0
    for site in sites:
        marker, elision = ctx.marker(text, site.lines, "comment lines" if site.kind == "type" else "lines")
        # A type body keeps its critical comment lines in place: nothing needs echoing.
        echoes = [] if site.kind == "type" else keeper.pick_ranked(plan.ranked_critical(site))
        new = replacement(site, spec, marker, echoes).encode("utf-8")
        if cost(new.decode("utf-8")) >= plan.cost_of(site):  # the marker would cost what it saves
            continue
        keeper.accept(echoes)
        size += site.start - cursor
        spans[site] = (size, size + len(new))
        size += len(new)
        pieces += [src[cursor : site.start], new]
        elisions.append(elision)
        cursor = site.end
    pieces.append(src[cursor:])
    return b"".join(pieces).decode("utf-8", "surrogatepass"), elisions, spans


def _parsing_skeleton(
    text: str, plan: _Plan, rules: CodePolicy, ctx: CompressContext
) -> tuple[str, list[Elision]]:
    """The skeleton and its elisions, less the sites whose elision makes it parse worse than the input."""

    def broken(out: str, spans: dict[Site, tuple[int, int]], edited: bool = True) -> set[Site] | None:
        src = out.encode("utf-8", "surrogatepass")
        tree = plan.reparse(src, spans) if edited else _parser(plan.spec.grammar).parse(src)
        return suspects(tree.root_node, plan.errors, spans)

    tried: dict[tuple[Site, ...], bool] = {}

    def parses(subset: list[Site]) -> bool:
        # Bisection meets some subsets twice (a failed whole rejoined from halves that kept everything).
        key = tuple(subset)
        if key not in tried:
            out, _, spans = _assemble(text, plan, subset, rules, ctx)
            tried[key] = broken(out, spans) is None
            ctx.check_time("code: repairing the skeleton")
        return tried[key]

    out, elisions, spans = _assemble(text, plan, plan.sites, rules, ctx)
    # The whole skeleton edits most of the file: parsing it afresh is cheaper than reusing the tree.
    found = broken(out, spans, edited=False)
    if found is None:
        return out, elisions
    tried[tuple(plan.sites)] = False
    out, elisions, _ = _assemble(text, plan, repaired(plan.sites, found, parses), rules, ctx)
    return out, elisions


def _mention_text(rules: CodePolicy, ctx: CompressContext) -> str:
    """The text whose names and ``file:line`` mentions keep bodies whole."""
    mention = ctx.query or ""
    if rules.mode == "query" or rules.protect_recent_symbols:
        mention += "\n" + ctx.recent_text
    return mention


def _kept_indexes(
    bodies: list[Site], src: bytes, rules: CodePolicy, filename: str | None, mention: str
) -> tuple[set[int], set[int]]:
    """``(named, kept)`` body indexes; named bodies (query, trace, recent turns) are never pruned."""
    if not mention.strip():
        return set(), set()
    depth = rules.call_depth if rules.mode == "query" else 0
    return select(bodies, src, identifiers(mention), mentioned_rows(mention, filename), depth)


def _docs(docs: list[Site], rules: CodePolicy, mention: str, filename: str | None) -> list[Site]:
    """Long doc comments, and type bodies (less their comments) that no mention names."""
    names = identifiers(mention)
    rows = mentioned_rows(mention, filename)
    return [
        doc
        for doc in docs
        if (doc.kind != "type" and doc.lines + 1 >= rules.min_comment_lines)
        or (
            doc.kind == "type"
            and doc.name not in names
            and not any(doc.rows[0] <= row <= doc.rows[1] for row in rows)
        )
    ]


def _pruned(
    bodies: list[Site],
    parent: list[int],
    named: set[int],
    kept: set[int],
    src: bytes,
    rules: CodePolicy,
    ctx: CompressContext,
) -> list[Site]:
    if rules.prune_over_lines <= 0:
        return []
    targets = (set(range(len(bodies))) if rules.mode == "lines" else kept) - named
    terms = identifiers(ctx.query or "")
    sites: list[Site] = []
    for index in sorted(targets):
        body = bodies[index]
        if ancestors(index, parent) & (targets | named):
            continue  # pruned (or kept whole) as part of an outer body already
        if body.lines > rules.prune_over_lines and body.node is not None:
            sites += prune_sites(body.node, src, terms, rules.prune_min_lines)
    return sites


def _with_doc(site: Site, docs: list[Site], src: bytes) -> Site:
    """An elided body together with the tail of the doc comment right above its declaration.

    One marker then counts both (the doc keeps its first line), as a Python docstring does.
    """
    doc = next((d for d in docs if d.kind == "doc" and site.rows[0] - 1 <= d.rows[1] <= site.rows[0]), None)
    if site.kind != "body" or doc is None or doc.indent != site.indent:
        return site
    inside = f"\n{doc.indent} " if doc.name == "/*" else ""  # a block comment still needs its close
    middle = inside + src[doc.end : site.start].decode("utf-8", "surrogatepass")
    inner = (doc.end, site.start)
    return replace(site, start=doc.start, lines=site.lines + doc.lines, doc=middle, inner=inner)


def _kept_critical(critical: CriticalLines, src: bytes, sites: list[Site]) -> list[str]:
    """Critical lines of ``src`` outside every site (they stay in the output as they are)."""
    found: list[str] = []
    cursor = 0
    for site in [*sites, Site("run", "", len(src), len(src), 0, (0, 0), "")]:
        # The edge lines of a gap are partly inside a site: only whole lines count.
        found += critical.within(cursor, site.start)
        cursor = max(cursor, site.end)
    return found


def _safe_end(site: Site, spec: LangSpec, src: bytes) -> bool:
    if spec.style == "brace" or (spec.style == "bash" and site.kind == "body"):
        return True
    return not trailing_text(src, site.end)


def _outside(candidates: list[Site], taken: list[Site]) -> list[Site]:
    """Candidates that overlap none of the sites already taken."""
    return [c for c in candidates if not any(t.start < c.end and c.start < t.end for t in taken)]


def _python_problem(out: str, plan: _Plan) -> str:
    if plan.spec.name == "python" and not plan.errors:
        try:
            ast.parse(out)
        except (SyntaxError, ValueError) as exc:
            return f"skeleton failed ast.parse ({exc.__class__.__name__}); passed through"
    return ""


register(CodeCompressor())
