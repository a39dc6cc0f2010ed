"""Grep and ripgrep results: grouped by file, the best matches kept, the rest counted in markers.

Understands ``path:line:text``, ``path:line:col:text`` (``--vimgrep``), ``path-line-text``
context lines and ``--`` group separators from ``-C``, ``path:text`` (grep without ``-n``)
and ripgrep's heading mode (a path line followed by ``line:text`` lines). Output is in
heading mode: each kept file once, then its kept lines, then one marker for what it lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import Field

from headroom.compressors._base import CompressContext, Compressed, Elision, passthrough, result
from headroom.compressors._registry import register
from headroom.compressors._section import Tuning
from headroom.critical import critical_template, is_critical
from headroom.policy import Section, tunable
from headroom.text import BM25, query_terms, words


class SearchPolicy(Section):
    """Grep-style and search-API results."""

    enabled: bool = Field(True, description="Compress search results at all.")
    max_matches_per_file: int = tunable(3, "Best matches kept per file.", low=1, high=50)
    max_files: int = tunable(25, "Files kept (ranked by relevance to the query).", low=1, high=500, log=True)
    context_lines: int = tunable(
        1, "Context lines (from grep -C) kept on each side of a kept match.", low=0, high=10
    )


if TYPE_CHECKING:
    from headroom.policy import Policy


_MATCH = re.compile(r"^(?P<path>(?:[A-Za-z]:)?[^\s:]+?):(?P<rest>\d+:.*)$")
_BARE = re.compile(r"^(?P<path>(?:[A-Za-z]:)?[^\s:\"'{}\[\]<>(),=]+):(?P<rest>.*)$")
_CONTEXT_NUMBER = re.compile(r"-(\d+)-")
_HEADED = re.compile(r"^(?P<number>\d+)(?P<sep>[:-])")
_PATH = re.compile(r"^(?:[A-Za-z]:)?[\w.@+~\-/\\]+$")
_NUMBER = re.compile(r"^(\d+)[:-]")
_DETECT_LINES = 200
_DIAGNOSTIC = re.compile(r"^\s*(warning|error|note|info|fatal error)\b", re.IGNORECASE)


def _looks_like_path(path: str) -> bool:
    return bool(_PATH.match(path)) and any(c in path for c in "./\\") and not path.startswith("--")


@dataclass
class _Entry:
    """One result line: a match or a context line, with the text after its path."""

    is_match: bool
    number: int
    rest: str
    raw: str
    group: int
    index: int
    text: str = field(init=False)
    """The searched file's line content (without path and numbers)."""
    critical: bool = field(init=False)

    def __post_init__(self) -> None:
        head = _NUMBER.match(self.rest)
        body = self.rest[head.end() :] if head else self.rest
        col = _NUMBER.match(body) if self.is_match and head else None
        self.text = body[col.end() :] if col else body
        self.critical = self.is_match and is_critical(self.text)


@dataclass
class _File:
    """All result lines of one file, in input order."""

    path: str
    entries: list[_Entry] = field(default_factory=list)

    @property
    def matches(self) -> list[_Entry]:
        return [e for e in self.entries if e.is_match]


@dataclass
class _Parsed:
    """Files and unrecognised lines in first-seen order; ``recognised`` counts parsed lines."""

    blocks: list[_File | str] = field(default_factory=list)
    files: dict[str, _File] = field(default_factory=dict)
    recognised: int = 0
    structural: int = 0
    group: int = 0

    def add(self, path: str, is_match: bool, rest: str, raw: str) -> None:
        file = self.files.get(path)
        if file is None:
            file = self.files[path] = _File(path)
            self.blocks.append(file)
        head = _NUMBER.match(rest)
        number = int(head.group(1)) if head else -1
        file.entries.append(_Entry(is_match, number, rest, raw, self.group, self.recognised))
        self.recognised += 1


def _context_split(line: str, known: set[str]) -> tuple[str, str] | None:
    """``path-12-text`` where ``path`` already appeared on a match line."""
    for match in _CONTEXT_NUMBER.finditer(line):
        path = line[: match.start()]
        if path in known:
            return path, line[match.start() + 1 :]
    return None


def _headed_at(lines: list[str], i: int) -> bool:
    """Whether line ``i`` is a ripgrep heading: a path followed by numbered lines."""
    line = lines[i].strip()
    if not _looks_like_path(line) or i + 1 >= len(lines):
        return False
    return bool(_HEADED.match(lines[i + 1]))


def _bare_paths(lines: list[str]) -> set[str]:
    """Paths of ``path:text`` lines (grep without ``-n``): repeated, or holding a directory."""
    counts: dict[str, int] = {}
    for line in lines:
        bare = _BARE.match(line)
        if bare and _looks_like_path(bare["path"]) and not bare["rest"].startswith(":"):
            counts[bare["path"]] = counts.get(bare["path"], 0) + 1
    return {path for path, n in counts.items() if n > 1 or "/" in path or "\\" in path}


def _parse(lines: list[str]) -> _Parsed:
    parsed = _Parsed()
    known = {m.group("path") for line in lines if (m := _MATCH.match(line)) and _looks_like_path(m["path"])}
    bare_known = _bare_paths(lines)
    heading: str | None = None
    for i, line in enumerate(lines):
        if not line.strip():
            heading = None
        elif line == "--":
            parsed.group += 1
            parsed.structural += 1
        elif heading is not None and (head := _HEADED.match(line)):
            parsed.add(heading, head.group("sep") == ":", line, line)
        elif (m := _MATCH.match(line)) and m["path"] in known:
            parsed.add(m["path"], True, m["rest"], line)
        elif split := _context_split(line, known):
            parsed.add(split[0], False, split[1], line)
        elif _headed_at(lines, i):
            heading = line.strip()
            parsed.group += 1
            parsed.structural += 1
        elif (bare := _BARE.match(line)) and bare["path"] in bare_known and not bare["rest"].startswith(":"):
            parsed.add(bare["path"], True, bare["rest"], line)
        else:
            parsed.blocks.append(line)
    return parsed


class SearchCompressor:
    """Keeps the most relevant matches of the most relevant files of grep-style output."""

    name = "search"
    content_type = "search"
    max_confidence = 0.95  # the most detect() returns; the router skips what cannot win
    section = SearchPolicy
    tuning = Tuning(
        kinds=("search-results", "log", "prose"),
        routed_only=True,
        missing="no grep-style search output under {corpus} (search-API JSON dumps route to json)",
    )

    def detect(self, sample: str) -> float:
        """High when most of the first lines parse as grep/ripgrep result lines."""
        lines = [line for line in sample[:40_000].splitlines()[:_DETECT_LINES] if line.strip()]
        if len(lines) < 3 or lines[0].lstrip()[:1] in ("{", "["):
            return 0.0
        parsed = _parse(lines)
        matches = [e for f in parsed.files.values() for e in f.matches]
        covered = (parsed.recognised + parsed.structural) / len(lines)
        if len(matches) < 3 or covered < 0.6:
            return 0.0
        # Compiler diagnostics share the path:line:col shape but are logs, not search results.
        diagnostics = sum(1 for e in matches if _DIAGNOSTIC.match(e.text))
        if diagnostics * 2 > len(matches):
            return 0.3
        return round(0.55 + 0.4 * covered, 3)

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Group by file, keep the best matches and files, count the rest in markers."""
        rules = policy.search
        if not text.strip():
            return passthrough(text, ctx, self.name, self.content_type, "empty input")
        if not rules.enabled:
            return passthrough(text, ctx, self.name, self.content_type, "disabled by policy")
        parsed = _parse(text.splitlines())
        if not parsed.files:
            return passthrough(text, ctx, self.name, self.content_type, "no search results found")
        ctx.check_time("search: parsing")
        out, elisions = _Selector(text, rules, ctx, parsed).render()
        if ctx.tokens(out) >= ctx.tokens(text):
            return passthrough(text, ctx, self.name, self.content_type, "grouped output is not smaller")
        return result(text, out, ctx, self, elisions, lossless="results grouped by file (heading mode)")


class _Selector:
    """Chooses files and lines to keep and renders them with markers."""

    def __init__(self, text: str, rules: SearchPolicy, ctx: CompressContext, parsed: _Parsed) -> None:
        self.text, self.rules, self.ctx, self.parsed = text, rules, ctx, parsed
        self.elisions: list[Elision] = []
        self.seen_templates: set[str] = set()
        self.terms = set(query_terms(ctx.query))
        self.scores = self._match_scores()

    def _match_scores(self) -> dict[int, float]:
        entries = [e for f in self.parsed.files.values() for e in f.matches]
        if not self.ctx.query:
            return {}
        # Repeated lines (common in grep output) are scored once.
        texts = list(dict.fromkeys(e.text for e in entries))
        by_text = dict(zip(texts, BM25(texts).scores(self.ctx.query), strict=True))
        return {e.index: by_text[e.text] for e in entries}

    def _file_rank(self, file: _File) -> tuple[float, int, int]:
        path_score = float(len(self.terms.intersection(words(file.path))))
        top = sorted((self.scores.get(e.index, 0.0) for e in file.matches), reverse=True)[:3]
        critical = any(e.critical for e in file.matches)
        return (-(sum(top) + path_score), 0 if critical else 1, file.entries[0].index)

    def render(self) -> tuple[str, list[Elision]]:
        """The compressed text and the elisions it records."""
        files = list(self.parsed.files.values())
        ranked = sorted(files, key=self._file_rank)
        budget = {
            id(f): self.rules.max_matches_per_file if i < self.rules.max_files else 0
            for i, f in enumerate(ranked)
        }
        kept = {id(f): self._select(f, budget[id(f)]) for f in ranked}
        out: list[str] = []
        for block in self.parsed.blocks:
            if isinstance(block, str):
                out.append(block)
            elif kept[id(block)]:
                out.extend(self._render_file(block, kept[id(block)]))
        dropped = [f for f in files if not kept[id(f)]]
        if dropped:
            matches = sum(len(f.matches) for f in dropped)
            context = sum(len(f.entries) for f in dropped) - matches
            detail = f"({matches} matches, {context} context lines)" if context else f"({matches} matches)"
            out.append(self._marker(len(dropped), "files", detail))
        return "\n".join(out), self.elisions

    def _select(self, file: _File, budget: int) -> set[int]:
        """Indices of the entries of ``file`` to keep (matches, then their nearby context)."""
        unique: dict[str, _Entry] = {}
        for entry in file.matches:
            unique.setdefault(entry.text.strip(), entry)
        order = sorted(
            unique.values(), key=lambda e: (-self.scores.get(e.index, 0.0), not e.critical, e.index)
        )
        chosen = order[:budget]
        for entry in order[budget:]:
            if entry.critical and critical_template(entry.text) not in self.seen_templates:
                chosen.append(entry)
                self.seen_templates.add(critical_template(entry.text))
        self.seen_templates.update(critical_template(e.text) for e in chosen if e.critical)
        keep = {e.index for e in chosen}
        reach = self.rules.context_lines
        for entry in file.entries:
            if not entry.is_match and any(
                c.group == entry.group and abs(c.number - entry.number) <= reach for c in chosen
            ):
                keep.add(entry.index)
        return keep

    def _render_file(self, file: _File, keep: set[int]) -> list[str]:
        entries = [e for e in file.entries if e.index in keep]
        headed = all(e.number >= 0 for e in file.entries)
        lines = [file.path] if headed else []
        # An error line stays verbatim, its path in it: under a heading it would lose what failed where.
        lines.extend(e.rest if headed and not e.critical else e.raw for e in entries)
        lost = [e for e in file.matches if e.index not in keep]
        lost_context = sum(1 for e in file.entries if not e.is_match and e.index not in keep)
        detail = f"in {_safe(file.path)}"
        if lost:
            kept_texts = {e.text.strip() for e in entries if e.is_match}
            identical = sum(1 for e in lost if e.text.strip() in kept_texts)
            notes = [f"{identical} identical to kept ones"] if identical else []
            notes += [f"{lost_context} context lines"] if lost_context else []
            extra = f" ({', '.join(notes)})" if notes else ""
            lines.append(self._marker(len(lost), "matches", detail + extra))
        elif lost_context:
            lines.append(self._marker(lost_context, "context lines", detail))
        return lines

    def _marker(self, count: int, kind: str, detail: str) -> str:
        marker, elision = self.ctx.marker(self.text, count, kind, detail)
        self.elisions.append(elision)
        return marker


def _safe(path: str) -> str:
    """A path fit for a marker's detail (which cannot hold ``;``, ``]`` or newlines)."""
    return path.replace(";", ",").replace("]", ")")


register(SearchCompressor())
