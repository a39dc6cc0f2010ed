"""Drain-style template mining for log lines: mask variable tokens, then cluster by similarity."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from headroom.critical import ANSI

# Order matters: wide shapes (timestamps, UUIDs, addresses) before bare numbers.
TIMESTAMP = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
    r"|\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d(?: [+-]\d{4})?"
    r"|\b[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d\b"
    r"|\b\d\d:\d\d:\d\d(?:\.\d+)?\b"
    r"|\b1\d{9}(?:\.\d+)?\b"
)
_SPLIT = re.compile(r"[\s,]+")
_HAS_DIGIT = re.compile(r"\d")
NUMERIC = "<N>"
WILDCARD = "<*>"
# Tokens that decide what a line means: two lines differing here never share a template.
_KEYWORD = re.compile(
    r"(?i)\b(?:error|err|warn(?:ing)?|fatal|fail(?:ed|ure)?|exception|panic|info|debug|trace|pass(?:ed)?"
    r"|skip(?:ped)?|ok|critical|severe|notice)\b"
)
_SIMILARITY = 0.5
_MAX_CLUSTERS_PER_GROUP = 64


def colour_codes(lines: list[str]) -> int:
    """How many ANSI escape sequences ``lines`` hold."""
    return sum(len(ANSI.findall(line)) for line in lines if "\x1b" in line)


def template_tokens(line: str) -> list[str]:
    """Whitespace/comma tokens with every token holding a digit masked (Drain's preprocessing).

    Timestamps, ids, addresses, counters and durations all carry digits, so one cheap rule
    masks them all without a regex pass per field shape.
    """
    return [NUMERIC if _HAS_DIGIT.search(tok) else tok for tok in _SPLIT.split(line) if tok]


def first_timestamp(line: str) -> str | None:
    """The first timestamp-looking substring of ``line``, if any."""
    match = TIMESTAMP.search(line)
    return match.group(0) if match else None


@dataclass
class _Cluster:
    ident: int
    tokens: list[str]
    keyed: list[bool] = field(default_factory=list)


def _similar(template: _Cluster, tokens: list[str]) -> float:
    same = 0
    for tok, mine, keyed in zip(tokens, template.tokens, template.keyed, strict=True):
        if tok == mine:
            same += 1
        elif keyed or (mine != WILDCARD and _KEYWORD.search(tok)):
            return -1.0
        elif mine == WILDCARD:
            same += 1
    return same / len(tokens) if tokens else 1.0


def _merge(template: _Cluster, tokens: list[str]) -> None:
    for i, tok in enumerate(tokens):
        if template.tokens[i] != tok:
            template.tokens[i] = WILDCARD


class TemplateMiner:
    """Assigns each line a template id; lines of one id differ only in variable fields."""

    def __init__(self) -> None:
        self._groups: dict[tuple[int, str], list[_Cluster]] = {}
        self._count = 0

    def add(self, line: str) -> int:
        """The template id for ``line`` (a new id when no template is similar enough)."""
        tokens = template_tokens(line)
        head = tokens[0] if tokens else ""
        clusters = self._groups.setdefault((len(tokens), head), [])
        best, best_score = None, _SIMILARITY - 1e-9
        for cluster in clusters[:_MAX_CLUSTERS_PER_GROUP]:
            score = _similar(cluster, tokens)
            if score > best_score:
                best, best_score = cluster, score
        if best is not None:
            _merge(best, tokens)
            return best.ident
        keyed = [bool(_KEYWORD.search(t)) for t in tokens]
        cluster = _Cluster(self._count, list(tokens), keyed)
        self._count += 1
        clusters.append(cluster)
        return cluster.ident


def mine(lines: list[str]) -> list[int]:
    """One template id per line."""
    miner = TemplateMiner()
    return [miner.add(line) for line in lines]
