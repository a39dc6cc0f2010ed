"""Unified diffs, ``git diff`` and ``git format-patch`` output.

File headers, hunk headers and changed lines are kept as they are; unchanged context beyond
``policy.diff.context_lines`` around each change, a patch's diffstat, and the middle of very
long added/removed runs in generated or golden files are replaced by markers on their own
lines. A marker line can never be mistaken for a diff line, so a trimmed hunk cannot apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import Field

from headroom.compressors._base import CompressContext, Compressed, Elision, passthrough, result
from headroom.compressors._registry import register
from headroom.compressors._section import Tuning
from headroom.critical import covers, critical_template, is_critical, line_words
from headroom.policy import Section, tunable
from headroom.text import query_terms, words


class DiffPolicy(Section):
    """Unified diffs and patches."""

    enabled: bool = Field(True, description="Compress diffs at all.")
    context_lines: int = tunable(1, "Unchanged context lines kept around each change.", low=0, high=10)
    collapse_diffstat: bool = tunable(
        True, "Replace a patch's per-file diffstat lines with a marker.", choices=[True, False]
    )
    generated_run_lines: int = tunable(
        40,
        "Changed-line runs in generated or golden files longer than this are cut.",
        low=10,
        high=1000,
        log=True,
    )
    generated_keep_lines: int = tunable(
        6, "Lines kept at the head and at the tail of a cut run.", low=0, high=50
    )


if TYPE_CHECKING:
    from headroom.policy import Policy

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_PATCH_MAIL = re.compile(r"^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$", re.MULTILINE)
_DIFFSTAT = re.compile(
    r"^ (?:\S.*?\s+\|\s+(?:\d+ ?[+-]*|Bin .*)|(?:create|delete) mode \d+ .+|rename .+|mode change .+)$"
)
_FILE_HEADERS = ("diff --git ", "--- ", "+++ ", "Index: ")
_EXTENDED_HEADERS = (
    "index ",
    "new file mode",
    "deleted file mode",
    "old mode",
    "new mode",
    "similarity index",
    "rename from",
    "rename to",
    "copy from",
    "copy to",
    "Binary files",
    "diff ",
    "====",
)
_DIFFSTAT_SUMMARY = re.compile(r"^ \d+ files? changed")
_GENERATED = re.compile(
    r"(?:^|/)(?:go\.sum|package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|[\w.-]+\.lock)$"
    r"|\.(?:min\.js|min\.css|map|snap|golden|pb\.go|out|err|expected|svg)$|_pb2\.pyi?$"
    r"|(?:^|/)(?:testdata|expected|golden|goldens|__snapshots__|snapshots|fixtures|vendor|dist|generated)/"
)
_TEST_DIR = re.compile(r"(?:^|/)(?:tests?|spec|__tests__)/")
_SOURCE_EXT = frozenset(
    "py pyi js jsx ts tsx mjs cjs go rs c cc cpp cxx h hh hpp java kt kts scala rb php cs swift m mm "
    "sh bash zsh lua pl ex exs erl hs ml clj dart r jl sql vue svelte groovy gradle cmake am mk".split()
)
# A marker line costs about this many tokens; runs that cost no more are kept as they are.
_MARKER_TOKENS = 20


def _is_generated(path: str) -> bool:
    """Lock files, golden outputs, snapshots and test data (non-source files under a test dir)."""
    if _GENERATED.search(path):
        return True
    name = path.rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return bool(_TEST_DIR.search(path)) and ext not in _SOURCE_EXT


def _hunk_end(lines: list[str], start: int, old: int, new: int) -> int:
    """Index just past the hunk body starting at ``start``, following the header's counts."""
    i = start
    while i < len(lines):
        line = lines[i]
        tag = line[:1]
        if tag == "\\":
            i += 1
            continue
        if old <= 0 and new <= 0:
            break
        if (tag == " " or line == "") and old > 0 and new > 0:
            old, new = old - 1, new - 1
        elif tag == "-" and old > 0:
            old -= 1
        elif tag == "+" and new > 0:
            new -= 1
        else:
            break
        i += 1
    return i


def _path_of(line: str, current: str) -> str:
    if line.startswith("diff --git ") and " b/" in line:
        return line.rsplit(" b/", 1)[1]
    if line.startswith("+++ "):
        target = line[4:].split("\t", 1)[0]
        if target != "/dev/null":
            return target[2:] if target.startswith("b/") else target
    return current


@dataclass
class _Trimmer:
    """Walks a diff and builds the trimmed text, recording one elision per marker."""

    text: str
    rules: DiffPolicy
    ctx: CompressContext
    terms: set[str]
    out: list[str] = field(default_factory=list)
    elisions: list[Elision] = field(default_factory=list)
    kept_critical: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    """Words of the critical lines kept so far, by template."""

    def run(self, lines: list[str]) -> None:
        path, i, in_preamble = "", 0, True
        while i < len(lines):
            line = lines[i]
            hunk = _HUNK.match(line)
            if hunk:
                self.ctx.check_time("diff: trimming hunks")
                end = _hunk_end(lines, i + 1, _count(hunk[2]), _count(hunk[4]))
                self.out.append(line)
                self._hunk(lines[i + 1 : end], _is_generated(path))
                i, in_preamble = end, False
                continue
            if line.startswith(("diff --git ", "--- a/", "+++ ")):
                in_preamble = False
            elif _PATCH_MAIL.match(line):
                in_preamble = True  # the next mail of a patch series has its own diffstat
            path = _path_of(line, path)
            if in_preamble and self.rules.collapse_diffstat and _DIFFSTAT.match(line):
                i = self._diffstat(lines, i)
                continue
            self.out.append(line)
            i += 1

    def _diffstat(self, lines: list[str], start: int) -> int:
        """Replace a diffstat block (per-file lines, mode lines) by its summary and one marker."""
        end = start
        while end < len(lines) and (_DIFFSTAT.match(lines[end]) or _DIFFSTAT_SUMMARY.match(lines[end])):
            end += 1
        block = lines[start:end]
        self.out.extend(line for line in block if _DIFFSTAT_SUMMARY.match(line))
        stat = [line for line in block if not _DIFFSTAT_SUMMARY.match(line)]
        self._emit(stat, [self._wanted(line) for line in stat], "diffstat lines")
        return end

    def _hunk(self, body: list[str], generated: bool) -> None:
        changed = [i for i, line in enumerate(body) if line[:1] in ("+", "-")]
        if not changed:
            self.out.extend(body)
            return
        i = 0
        while i < len(body):
            is_change = body[i][:1] in ("+", "-", "\\")
            j = i
            while j < len(body) and (body[j][:1] in ("+", "-", "\\")) == is_change:
                j += 1
            run = body[i:j]
            if is_change:
                self._changes(run, generated)
            else:
                self._context(run, leading=i < changed[0], trailing=i > changed[-1])
            i = j

    def _context(self, run: list[str], leading: bool, trailing: bool) -> None:
        k = self.rules.context_lines
        keep = [False] * len(run)
        for n in range(len(run)):
            near_next = not trailing and len(run) - n <= k
            near_prev = not leading and n < k
            keep[n] = near_next or near_prev or self._wanted(run[n])
        self._emit(run, keep, "context lines")

    def _changes(self, run: list[str], generated: bool) -> None:
        limit, k = self.rules.generated_run_lines, self.rules.generated_keep_lines
        if not generated or len(run) <= limit:
            self.out.extend(run)
            return
        keep = [
            n < k or n >= len(run) - k or line[:1] == "\\" or self._wanted(line) for n, line in enumerate(run)
        ]
        self._emit(run, keep, None)

    def _wanted(self, line: str) -> bool:
        """Critical lines (unless a kept one holds most of their words) and query matches survive any trimming."""
        if is_critical(line):
            # One kept line stands for another only when it holds most of its words (the shared
            # rule): a template alone would let "ExceptionTests.cs | 2" stand for "ErrorTests.cs | 6".
            mine = line_words(line)
            pool = self.kept_critical.setdefault(critical_template(line), [])
            if any(covers(kept, mine) for kept in pool):
                return False
            pool.append(mine)
            return True
        if not self.terms:
            return False
        hits = len(self.terms.intersection(words(line)))
        return hits >= min(2, len(self.terms))

    def _emit(self, run: list[str], keep: list[bool], kind: str | None) -> None:
        """Keep flagged lines; each maximal unflagged stretch becomes one marker (if cheaper)."""
        n = 0
        while n < len(run):
            if keep[n]:
                self.out.append(run[n])
                n += 1
                continue
            m = n
            while m < len(run) and not keep[m]:
                m += 1
            self._drop(run[n:m], kind or _change_kind(run[n:m]))
            n = m

    def _drop(self, lines: list[str], kind: str) -> None:
        if not lines:
            return
        if self.ctx.tokens("\n".join(lines)) <= _MARKER_TOKENS:
            self.out.extend(lines)
            return
        marker, elision = self.ctx.marker(self.text, len(lines), kind)
        self.out.append(marker)
        self.elisions.append(elision)


def _diff_coverage(lines: list[str], start: int) -> float:
    """Share of ``lines`` from ``start`` on that are file headers, hunk headers or hunk bodies."""
    covered, i = 0, start
    while i < len(lines):
        hunk = _HUNK.match(lines[i])
        if hunk:
            end = _hunk_end(lines, i + 1, _count(hunk[2]), _count(hunk[4]))
            covered += end - i
            i = end
            continue
        covered += lines[i].startswith(_FILE_HEADERS) or lines[i].startswith(_EXTENDED_HEADERS)
        i += 1
    return covered / max(1, len(lines) - start)


def _count(group: str | None) -> int:
    return 1 if group is None else int(group)


def _change_kind(lines: list[str]) -> str:
    tags = {line[:1] for line in lines} - {"\\"}
    if tags == {"+"}:
        return "added lines"
    if tags == {"-"}:
        return "removed lines"
    return "changed lines"


class DiffCompressor:
    """Trims unchanged context, diffstats and huge generated-file runs from diffs."""

    name = "diff"
    content_type = "diff"
    max_confidence = 0.99  # the most detect() returns; the router skips what cannot win
    section = DiffPolicy
    tuning = Tuning(kinds=("diff",))

    def detect(self, sample: str) -> float:
        """High for unified diffs (file headers plus hunk headers) and format-patch mails."""
        head = sample[:20_000]
        # A well-formed git diff or patch mail is unambiguous: claim it above code-like detectors.
        if _PATCH_MAIL.search(head[:200]):
            return 0.99
        lines = head.splitlines()[:400]
        first = next((i for i, line in enumerate(lines) if line.startswith(_FILE_HEADERS)), None)
        if first is None or not any(_HUNK.match(line) for line in lines):
            return 0.0
        # A diff embedded in other output (a test log printing expected/actual) is not a diff.
        if first > max(20, len(lines) // 4) or _diff_coverage(lines, first) < 0.6:
            return 0.3
        return 0.99 if lines[first].startswith("diff --git ") else 0.95

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Trim context, the diffstat and generated runs; headers and changes stay verbatim."""
        if not text.strip():
            return passthrough(text, ctx, self.name, self.content_type, "empty input")
        if not policy.diff.enabled:
            return passthrough(text, ctx, self.name, self.content_type, "disabled by policy")
        trimmer = _Trimmer(text, policy.diff, ctx, set(query_terms(ctx.query)))
        trimmer.run(text.split("\n"))
        if not trimmer.elisions:
            return passthrough(text, ctx, self.name, self.content_type, "nothing to trim")
        out = "\n".join(trimmer.out)
        if ctx.tokens(out) >= ctx.tokens(text):
            return passthrough(text, ctx, self.name, self.content_type, "trimmed diff is not smaller")
        return result(text, out, ctx, self, trimmer.elisions)


register(DiffCompressor())
