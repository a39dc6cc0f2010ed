"""Is this text a log? Line-shape evidence over a prefix sample, never the whole text."""

from __future__ import annotations

import json
import re

from headroom.compressors._log.mine import TIMESTAMP
from headroom.critical import strip_ansi

_SAMPLE_CHARS = 8000
_SAMPLE_LINES = 80
_PROGRESS_REDRAWS = 3
_SHAPE_CHARS = 400
_BREAK = re.compile(r"\r(?!\n)|\n")

_LEVEL = re.compile(
    r"(?i)(?:^|[\s\[(|.:])(?:info|warn(?:ing)?|error|debug|trace|fatal|notice|critical|severe)(?:[\s\]):|]|$)"
)
# Every _LEVEL match in ASCII text holds one of these, lower-cased: a line without any is not scanned.
_LEVEL_WORDS = ("info", "warn", "error", "debug", "trace", "fatal", "notice", "critical", "severe")
# One pattern per familiar log shape; a line matching any of them is log-like. Every one is anchored
# at the line's start (``^``, no MULTILINE), so ``match`` finds what ``search`` did, without
# trying every other position of a long line.
_SHAPES = re.compile(
    "|".join(
        [
            r"^\S+ \S+ \S+ \[[^\]]+\] \"[A-Z]+ \S+",  # nginx / apache combined
            r"^\d+ +\d\d:\d\d:\d\d\.\d+ \w+\(",  # strace -tt
            r"^\w+\(.*\) += ",  # plain strace
            r"^[\w.-]+ +\| ",  # docker compose prefix
            r"^(?:=== (?:RUN|PAUSE|CONT|NAME)|--- (?:PASS|FAIL|SKIP)|(?:ok|FAIL|PASS)\b)",  # go test
            r"^\S+::\S+\s+(?:PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR)\b",  # pytest -v
            r"^(?:platform \w+ -- Python|cachedir: |rootdir: |configfile: |plugins: |collect)",  # pytest
            r"^=+ .+ =+$",  # pytest section rules
            r"^make\[\d+\]: |^-- |^\[ *\d+(?:/\d+|%)\] ",  # make, cmake, ninja
            r"^(?:test \d+\.\.\.|TESTDONE|TESTFAIL|RUN +\S+$|\s*CC +\S+)",  # curl runtests, kbuild
            r"^#(?:Fields|Software|Version|Date|separator|fields|types|path|open|close)\b",  # W3C, Zeek
            r"^\s+at [\w$.<>]+\(|^#\d+ \S|^Traceback \(most recent|^\s+File \"",  # stack frames
            r"^(?:\$ |\[\w+\] |::(?:group|endgroup|error|warning)::)",  # CI shells
            r"^E {2,}|^> {2,}|^_{3,} \S.* _{3,}$|^\S+\.py:\d+: \w*(?:Error|Exception)$",  # pytest failures
        ]
    )
)
# One of these in any line of the sample is near-proof of a log or test run. Each but the first is
# anchored to the line's start, so it is tried there only (``match``), not at every position.
_SESSION_RULE = re.compile(r"={3,} test session starts ={3,}")
_SIGNATURE = re.compile(
    r"#Fields: |#separator |=== RUN |make\[\d+\]: Entering directory"
    r"|Traceback \(most recent call last\):|goroutine \d+ \[|\[stacktrace\]|-- Build files have been"
)
# A CI runner's per-line label: leading tab-separated fields (GitHub's ``gh run view --log``) or a
# bracketed tag (Jenkins pipeline stages).
_LABEL = re.compile(r"(?:[^\t\n]{1,80}\t){1,3}|\[[^\]\n]{1,80}\] ")
_LABELLED_SHARE = 0.8
_MIN_DISTINCT_LABELS = 3
_LINES_PER_LABEL = 4
_JSON_TIME = ("time", "ts", "timestamp", "@timestamp", "t")
_JSON_EVENT = ("level", "lvl", "severity", "msg", "message", "action", "output", "logger")


def _json_event(line: str) -> bool | None:
    """True for a JSON log event, False for other JSON, None for non-JSON lines."""
    start = line.find("{")
    if start < 0 or (start > 0 and not re.match(r"^[\w.-]+ +\| ", line)):
        return None
    try:
        value = json.loads(line[start:])
    except ValueError:
        return None
    if not isinstance(value, dict):
        return False
    keys = {str(k).lower(): v for k, v in value.items()}
    timed = any(k in keys for k in _JSON_TIME)
    return timed and any(isinstance(keys.get(k), str) for k in _JSON_EVENT)


def _sample_lines(sample: str) -> list[str]:
    head = sample[:_SAMPLE_CHARS]
    split = _BREAK.split(head) if _progress(head) else head.split("\n")
    lines = [strip_ansi(line) for line in split[:_SAMPLE_LINES]]
    if len(sample) > _SAMPLE_CHARS and len(lines) > 1:
        lines.pop()  # the cut-off last line would not parse
    return [line for line in lines if line.strip()]


def _progress(head: str) -> bool:
    """Lines redrawn with a lone ``\r`` (progress bars, download counters): only terminals write those."""
    return head.count("\r") - head.count("\r\n") >= _PROGRESS_REDRAWS


def _json_score(lines: list[str]) -> float | None:
    verdicts = [_json_event(line) for line in lines]
    if any(v is None for v in verdicts):
        return None
    events = sum(1 for v in verdicts if v)
    return 0.92 if events >= 0.8 * len(lines) else 0.3


def _signature(head: str) -> bool:
    if _SIGNATURE.match(head):
        return True
    return "test session starts" in head and _SESSION_RULE.search(head) is not None


def _levelled(head: str) -> bool:
    """Whether ``head`` names a log level; outside ASCII, case-insensitive matching folds more than lower()."""
    if head.isascii():
        lowered = head.lower()
        if not any(word in lowered for word in _LEVEL_WORDS):
            return False
    return _LEVEL.search(head) is not None


def detect_log(sample: str) -> float:
    """Confidence in [0, 1] that ``sample`` is a log or command output.

    CI runners put a label before every line (``[stage] make[1]: …``, ``job<TAB>step<TAB>timestamp …``),
    which hides the timestamps and shapes that lead a line: when most lines carry a label that
    repeats, the lines after it are judged too.
    """
    lines = _sample_lines(sample)
    if len(lines) < 2:
        return 0.0
    json_score = _json_score(lines)
    if json_score is not None:
        return json_score
    progress = _progress(sample[:_SAMPLE_CHARS])
    evidence = _evidence(lines, progress)
    unlabelled = without_labels(lines)
    if unlabelled is not None:
        evidence = max(evidence, _evidence(unlabelled, progress))
    if evidence < 0.3:
        return evidence
    return min(0.95, 0.45 + 0.5 * evidence)


def _evidence(lines: list[str], progress: bool) -> float:
    # Shapes and signatures are line prefixes; a long line of ``:`` took seconds in full.
    shaped = sum(1 for line in lines if _SHAPES.match(line[:_SHAPE_CHARS])) / len(lines)
    stamped = sum(1 for line in lines if TIMESTAMP.search(line[:40])) / len(lines)
    levelled = sum(1 for line in lines if _levelled(line[:80])) / len(lines)
    if any(_signature(line[:_SHAPE_CHARS]) for line in lines):
        shaped = min(1.0, shaped + 0.3)
    if progress:
        shaped = max(shaped, 0.8)
    return max(shaped, stamped * 0.7 + levelled * 0.3, min(1.0, stamped + levelled) * 0.8)


def without_labels(lines: list[str]) -> list[str] | None:
    """``lines`` without the label most of them start with, or None when they share none.

    A label is one to three leading tab-separated fields or a bracketed tag before a space. It
    counts only when at least 80% of the lines carry one and the labels repeat (a few jobs or
    steps, not a different one per line, as a table's first column would be).
    """
    found = [_LABEL.match(line) for line in lines]
    labels = [match.group(0) for match in found if match is not None]
    if len(labels) < _LABELLED_SHARE * len(lines):
        return None
    if len(set(labels)) > max(_MIN_DISTINCT_LABELS, len(lines) // _LINES_PER_LABEL):
        return None
    return [line if match is None else line[match.end() :] for line, match in zip(lines, found, strict=True)]
