"""Which log lines to keep: critical lines and their stack traces, test results, head, tail, query hits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from headroom.text import BM25

if TYPE_CHECKING:
    from headroom.compressors._log.compressor import LogPolicy

# Cheap literal hints that a non-critical line may still be a test result or summary.
_RESULT_HINTS = ("passed", "ok ", "ok\t", "TESTDONE", "tests", "summary")
WARNING = re.compile(r"(?i)\bwarn(?:ing)?\b")
# Test outcomes and run summaries: always kept verbatim (go test, pytest, curl's runtests, ctest).
RESULT = re.compile(
    r"--- FAIL:|^\s*FAIL\b|\bFAILED\b|^\s*(?:ok|FAIL)\s+\S+\s+(?:[\d.]+s|\(cached\))"
    r"|^=+ .*\b(?:passed|failed|errors?|skipped|xfailed)\b.* =+$|short test summary info"
    r"|\bTESTDONE\b|\bTESTFAIL\b|tests? (?:passed|failed)|(?<!\d)\d+% tests passed"
    r"|(?:Output|\\n)\"?:\s*\"(?:--- FAIL|FAIL\\t)"
)
# Lines that continue a stack trace or an error report opened by an earlier line.
FRAME = re.compile(
    r"^\s+\S|^\s*(?:at |#\d+ |\[stacktrace\]|\[previous exception\]|Caused by|Traceback|File \"|"
    r"goroutine \d+|created by |\.\.\. \d+ more|\"\}|E  |>  |\{main\}|panic:)"
)
TRACE_START = re.compile(r"(?i)traceback|exception|panic:|\berror\b|fatal|\[stacktrace\]|^goroutine \d+")
_COVER = 0.8
_PLAIN_WORD = re.compile(r"\w+")
_MAX_TRACE = 400


@dataclass(frozen=True)
class Lines:
    """The analysed input: display text (de-coloured), template ids and flags, one per line."""

    clean: Sequence[str]
    templates: Sequence[int]
    critical: Sequence[bool]


def trace_blocks(lines: Lines) -> list[range]:
    """Runs of lines forming an error report: a trace-opening line and its frames."""
    blocks: list[range] = []
    i, n = 0, len(lines.clean)
    while i < n:
        if lines.critical[i] and TRACE_START.search(lines.clean[i]):
            end = i + 1
            while end < n and end - i < _MAX_TRACE and FRAME.match(lines.clean[end]):
                end += 1
            if end - i > 1:
                blocks.append(range(i, end))
                i = end
                continue
        i += 1
    return blocks


def _keep_traces(lines: Lines, keep: list[bool]) -> None:
    """Each distinct trace (by its sequence of templates) is kept whole once."""
    seen: set[tuple[int, ...]] = set()
    for block in trace_blocks(lines):
        signature = tuple(lines.templates[i] for i in block)
        if signature not in seen:
            seen.add(signature)
            for i in block:
                keep[i] = True


def _keep_examples(lines: Lines, policy: LogPolicy, keep: list[bool]) -> None:
    """First instances of every template; more of them for error and warning templates."""
    important: set[int] = set()
    for i, line in enumerate(lines.clean):
        if lines.critical[i] or WARNING.search(line):
            important.add(lines.templates[i])
    total: dict[int, int] = {}
    for t in lines.templates:
        total[t] = total.get(t, 0) + 1
    shown: dict[int, int] = {}
    for i, t in enumerate(lines.templates):
        limit = policy.max_critical_examples if t in important else policy.max_examples_per_template
        if total[t] < policy.min_repeat:
            limit = total[t]
        if shown.get(t, 0) < limit:
            shown[t] = shown.get(t, 0) + 1
            keep[i] = True


def _keep_pinned(lines: Lines, policy: LogPolicy, keep: list[bool]) -> None:
    n = len(lines.clean)
    for i in range(min(policy.head_lines, n)):
        keep[i] = True
    for i in range(max(0, n - policy.tail_lines), n):
        keep[i] = True
    for i, line in enumerate(lines.clean):
        hinted = lines.critical[i] or any(hint in line for hint in _RESULT_HINTS)
        if hinted and RESULT.search(line):
            keep[i] = True


def _keep_query(lines: Lines, query: str | None, limit: int, keep: list[bool]) -> None:
    if not query or limit <= 0:
        return
    scores = BM25(lines.clean).scores(query)
    ranked = sorted((s, -i) for i, s in enumerate(scores) if s > 0)
    for _score, neg in ranked[-limit:]:
        keep[-neg] = True


def _cover_critical(lines: Lines, keep: list[bool]) -> None:
    """Keep any critical line that no kept line of its template mostly repeats (by words)."""
    kept_words: dict[int, list[frozenset[str]]] = {}
    for i, flag in enumerate(keep):
        if flag and lines.critical[i]:
            kept_words.setdefault(lines.templates[i], []).append(_plain_words(lines.clean[i]))
    for i, flag in enumerate(keep):
        if flag or not lines.critical[i]:
            continue
        mine = _plain_words(lines.clean[i])
        pool = kept_words.setdefault(lines.templates[i], [])
        if not any(_covers(other, mine) for other in pool):
            keep[i] = True
            pool.append(mine)


def _plain_words(line: str) -> frozenset[str]:
    # Whole words, not identifier parts: "TestFailures/b" and "TestFailures/c" must not cover each other.
    return frozenset(_PLAIN_WORD.findall(line.lower()))


def _covers(kept: frozenset[str], line: frozenset[str]) -> bool:
    return not line or len(kept & line) >= _COVER * len(line)


def select(lines: Lines, policy: LogPolicy, query: str | None) -> list[bool]:
    """One keep flag per line."""
    keep = [False] * len(lines.clean)
    _keep_pinned(lines, policy, keep)
    _keep_traces(lines, keep)
    _keep_examples(lines, policy, keep)
    _keep_query(lines, query, policy.query_matches, keep)
    _cover_critical(lines, keep)
    return keep
