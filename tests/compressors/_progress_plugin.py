"""A plugin compressor written the way a third party would: one module, the public API only.

It collapses runs of progress-bar lines (``Downloading x  45% |####  |``) to their last lines
and declares, beside its code, its policy section (with tunable ranges) and the corpus its
study reads. The tests load it through an entry point, configure it from YAML, tune and export it.
"""

from __future__ import annotations

import re

from pydantic import Field

from headroom.compressors import CompressContext, Compressed, Elision, Tuning, passthrough, result
from headroom.critical import is_critical
from headroom.policy import Policy, Section, tunable

_PROGRESS = re.compile(r"\b\d{1,3}(?:\.\d+)?%")
_MIN_LINES = 8


class ProgressPolicy(Section):
    """Progress-bar output: runs of progress lines collapse to their last lines."""

    enabled: bool = Field(True, description="Collapse progress lines at all.")
    keep_last: int = tunable(1, "Progress lines kept at the end of each run.", low=1, high=5)
    min_run: int = tunable(4, "Runs shorter than this many lines are kept whole.", low=2, high=20)


class ProgressCompressor:
    """Keeps the last lines of every run of progress lines; critical lines always stay."""

    name = "progress"
    content_type = "progress"
    section = ProgressPolicy
    tuning = Tuning(kinds=("progress",))

    def detect(self, sample: str) -> float:
        """Confident when most of the first lines report a percentage."""
        lines = sample.splitlines()[:200]
        if len(lines) < _MIN_LINES:
            return 0.0
        share = sum(bool(_PROGRESS.search(line)) for line in lines) / len(lines)
        return 0.95 if share >= 0.6 else 0.0

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Replace all but the last ``keep_last`` lines of each long run with one marker."""
        rules = policy.section(self.name)
        if not isinstance(rules, ProgressPolicy):
            rules = ProgressPolicy()
        if not text.strip():
            return passthrough(text, ctx, self.name, self.content_type, "empty")
        parts: list[str] = []
        elisions: list[Elision] = []
        for run, is_progress in _runs(text.splitlines(keepends=True)):
            if not is_progress or len(run) < max(rules.min_run, rules.keep_last + 1):
                parts.extend(run)
                continue
            dropped = run[: -rules.keep_last]
            marker, elision = ctx.marker("".join(dropped), len(dropped), "progress lines")
            parts.append(marker + "\n")
            parts.extend(run[-rules.keep_last :])
            elisions.append(elision)
        out = result(text, "".join(parts), ctx, self, elisions)
        if out.tokens_out >= out.tokens_in:
            return passthrough(text, ctx, self.name, self.content_type, "not smaller")
        return out


def _runs(lines: list[str]) -> list[tuple[list[str], bool]]:
    runs: list[tuple[list[str], bool]] = []
    for line in lines:
        progress = bool(_PROGRESS.search(line)) and not is_critical(line)
        if runs and runs[-1][1] == progress:
            runs[-1][0].append(line)
        else:
            runs.append(([line], progress))
    return runs
