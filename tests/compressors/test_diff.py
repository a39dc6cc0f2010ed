from __future__ import annotations

import re

import pytest

from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.compressors._base import CompressContext, Compressed, Compressor
from headroom.compressors._diff import DiffCompressor, _is_generated
from headroom.policy import DiffPolicy, Policy
from headroom.testing import CompressorContract
from tests._timing import fastest

# --- fixtures written for these tests -------------------------------------------------------

_BEFORE = [f"    step_{i} = pipeline.stage({i}, retries=3, label='stage number {i}')" for i in range(40)]


def _source_hunk() -> list[str]:
    """A -U8 style hunk: long context, two separate changes, long context in between."""
    body = [f" {line}" for line in _BEFORE[2:10]]
    body += ["-    step_10 = pipeline.stage(10, retries=3, label='stage number 10')"]
    body += ["+    step_10 = pipeline.stage(10, retries=5, label='stage number ten')"]
    body += [f" {line}" for line in _BEFORE[11:25]]
    body += ["+    pipeline.validate(strict=True)  # reject configs that fail the schema check"]
    body += [f" {line}" for line in _BEFORE[25:33]]
    return ["@@ -3,31 +3,32 @@ def build_pipeline(config):", *body]


GIT_DIFF = "\n".join(
    [
        "diff --git a/src/pipeline/build.py b/src/pipeline/build.py",
        "index 3f2a91c..8be7d04 100644",
        "--- a/src/pipeline/build.py",
        "+++ b/src/pipeline/build.py",
        *_source_hunk(),
    ]
)

_GOLDEN = [
    f"ok   example.com/pkg/sub{i:02d}   0.{i:03d}s   coverage: {50 + i % 40}.0% of statements"
    for i in range(80)
]
_GOLDEN[47] = "FAIL example.com/pkg/sub47   0.047s   panic: runtime error: index out of range"

FORMAT_PATCH = "\n".join(
    [
        "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001",
        "From: Dev Person <dev@example.org>",
        "Date: Tue, 2 Jan 2024 10:00:00 +0100",
        "Subject: [PATCH] pipeline: validate configs and add golden output",
        "",
        "Validation now rejects configs that fail the schema check.",
        "---",
        " src/pipeline/build.py                 |  4 +++-",
        " testdata/golden/pipeline-summary.out  | 80 ++++++++++++++++++++",
        " tests/test_build.py                   |  3 +++",
        " 3 files changed, 86 insertions(+), 1 deletion(-)",
        " create mode 100644 testdata/golden/pipeline-summary.out",
        "",
        GIT_DIFF,
        "diff --git a/testdata/golden/pipeline-summary.out b/testdata/golden/pipeline-summary.out",
        "new file mode 100644",
        "index 0000000..5d1c2e9",
        "--- /dev/null",
        "+++ b/testdata/golden/pipeline-summary.out",
        "@@ -0,0 +1,80 @@",
        *[f"+{line}" for line in _GOLDEN],
        "diff --git a/tests/test_build.py b/tests/test_build.py",
        "index 77aa001..77aa002 100644",
        "--- a/tests/test_build.py",
        "+++ b/tests/test_build.py",
        "@@ -1,2 +1,5 @@",
        " import pytest",
        "+",
        "+def test_rejects_bad_config():",
        "+    pytest.raises(ValueError)",
        " from pipeline import build",
        "-- ",
        "2.43.0",
        "",
    ]
)

PLAIN_UNIFIED = "\n".join(
    [
        "--- settings.ini.orig\t2024-01-01 10:00:00.000000000 +0000",
        "+++ settings.ini\t2024-01-02 11:00:00.000000000 +0000",
        "@@ -1,12 +1,12 @@",
        *[f" option_{i} = value number {i} for the service configuration" for i in range(6)],
        "-timeout = 30",
        "+timeout = 90",
        *[f" option_{i} = value number {i} for the service configuration" for i in range(6, 11)],
        "\\ No newline at end of file",
    ]
)

# A removed line whose text starts with "-- " looks like a file header; counts must not be fooled.
TRICKY = "\n".join(
    [
        "--- a/notes.sql",
        "+++ b/notes.sql",
        "@@ -1,9 +1,8 @@",
        *[f" SELECT column_{i} FROM big_table WHERE id = {i} ORDER BY created_at;" for i in range(4)],
        "--- old comment line",
        *[f" SELECT column_{i} FROM big_table WHERE id = {i} ORDER BY created_at;" for i in range(4, 8)],
    ]
)


def _run(
    text: str, query: str | None = None, policy: Policy | None = None
) -> tuple[Compressed, CompressContext]:
    ctx = CompressContext(store=MemoryStore(), query=query)
    return DiffCompressor().compress(text, policy or Policy(), ctx), ctx


class TestDiffContract(CompressorContract):
    own_families = ("diff",)

    def make_compressor(self) -> Compressor:
        return DiffCompressor()

    def own_samples(self) -> list[str]:
        return [GIT_DIFF, FORMAT_PATCH, PLAIN_UNIFIED, TRICKY]

    def critical_lines(self) -> list[tuple[str, list[str]]]:
        return [
            (FORMAT_PATCH, ["+" + _GOLDEN[47]]),
            (GIT_DIFF, ["+    pipeline.validate(strict=True)  # reject configs that fail the schema check"]),
        ]


# --- behaviour --------------------------------------------------------------------------------

_HEADER = re.compile(r"^(diff --git |index |--- |\+\+\+ |@@ |new file mode )")


def _hunks(text: str) -> list[tuple[str, list[str]]]:
    """(header, body lines) for each hunk, a body ending at the next header-ish line."""
    hunks: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        if line.startswith("@@ "):
            hunks.append((line, []))
        elif hunks and not line.startswith(("diff --git ", "-- ")):
            hunks[-1][1].append(line)
    return hunks


def test_headers_and_changed_lines_are_kept_verbatim_in_order() -> None:
    out, _ = _run(GIT_DIFF)
    kept = [line for line in GIT_DIFF.split("\n") if _HEADER.match(line) or line[:1] in "+-"]
    assert [line for line in out.text.split("\n") if _HEADER.match(line) or line[:1] in "+-"] == kept


@pytest.mark.parametrize("context_lines", [0, 1, 3])
def test_every_hunk_line_is_kept_or_counted(context_lines: int) -> None:
    policy = Policy(diff=DiffPolicy(context_lines=context_lines))
    out, _ = _run(GIT_DIFF, policy=policy)
    ((header, body),) = _hunks(out.text)
    old, new = (int(n) for n in re.findall(r",(\d+)", header))
    omitted = sum(m.count for m in parse_markers("\n".join(body)) if m.kind == "context lines")
    context = sum(1 for line in body if line.startswith(" "))
    removed = sum(1 for line in body if line.startswith("-"))
    added = sum(1 for line in body if line.startswith("+"))
    assert (context + omitted + removed, context + omitted + added) == (old, new)


def test_context_is_trimmed_to_the_policy_around_changes() -> None:
    out, _ = _run(GIT_DIFF)
    body = out.text.split("\n")
    change = body.index("+    step_10 = pipeline.stage(10, retries=5, label='stage number ten')")
    assert body[change - 2] == f" {_BEFORE[9]}"
    assert body[change - 3].startswith("[7 context lines omitted; retrieve: hr")
    assert body[change + 1] == f" {_BEFORE[11]}"
    assert body[change + 2].startswith("[12 context lines omitted; retrieve: hr")
    assert body[change + 3] == f" {_BEFORE[24]}"


def test_markers_sit_on_their_own_lines_and_restore_the_input() -> None:
    out, ctx = _run(FORMAT_PATCH)
    for line in out.text.split("\n"):
        if "retrieve: hr" in line:
            assert line.startswith("[") and line.endswith("]")
    for elision in out.elisions:
        assert to_text(ctx.store.get(elision.key)) == FORMAT_PATCH


def test_golden_file_run_keeps_head_tail_and_critical_lines() -> None:
    out, _ = _run(FORMAT_PATCH)
    keep = Policy().diff.generated_keep_lines
    text = out.text
    assert all(f"+{line}" in text for line in _GOLDEN[:keep] + _GOLDEN[-keep:])
    assert "+" + _GOLDEN[47] in text
    added = [m for m in parse_markers(text) if m.kind == "added lines"]
    assert sum(m.count for m in added) == len(_GOLDEN) - 2 * keep - 1
    assert "+    pytest.raises(ValueError)" in text


def test_diffstat_is_collapsed_to_its_summary() -> None:
    out, _ = _run(FORMAT_PATCH)
    assert " 3 files changed, 86 insertions(+), 1 deletion(-)" in out.text
    assert " src/pipeline/build.py                 |  4 +++-" not in out.text
    (stat,) = [m for m in parse_markers(out.text) if m.kind == "diffstat lines"]
    assert stat.count == 4
    assert out.text.endswith("-- \n2.43.0\n")


def test_error_lines_of_one_shape_but_other_names_all_survive_the_diffstat() -> None:
    # Alike by template, not by words: one file name cannot stand for another.
    stat = [f" src/util/part{i:02d}.py                  |  {i % 9 + 1} +-" for i in range(30)]
    stat[9] = " .../ExceptionHandlingAsyncTests.cs          |  4 +-"
    stat[20] = " .../ExceptionHandlingTests.cs               |  6 +-"
    lines = FORMAT_PATCH.splitlines()
    start = lines.index(" src/pipeline/build.py                 |  4 +++-")
    out, _ = _run("\n".join([*lines[:start], *stat, *lines[start + 3 :]]))
    assert stat[9] in out.text.splitlines() and stat[20] in out.text.splitlines()
    assert stat[5] not in out.text


def test_query_terms_keep_context_lines() -> None:
    out, _ = _run(GIT_DIFF, query="what does stage number 17 do")
    assert f" {_BEFORE[17]}" in out.text


def test_header_counts_guard_against_lookalike_lines() -> None:
    out, _ = _run(TRICKY, policy=Policy(diff=DiffPolicy(context_lines=0)))
    assert "--- old comment line" in out.text
    assert sum(m.count for m in parse_markers(out.text)) == 8


def test_no_newline_annotation_survives() -> None:
    out, _ = _run(PLAIN_UNIFIED)
    assert out.text.endswith("\\ No newline at end of file")
    assert "+timeout = 90" in out.text and "-timeout = 30" in out.text


def test_short_context_is_not_replaced_by_a_longer_marker() -> None:
    small = "\n".join(
        ["--- a/x.py", "+++ b/x.py", "@@ -1,5 +1,5 @@", " a", " b", "-c = 1", "+c = 2", " d", " e"]
    )
    out, _ = _run(small)
    assert out.text == small and out.reason == "nothing to trim"


@pytest.mark.parametrize(
    ("path", "generated"),
    [
        ("go.sum", True),
        ("web/package-lock.json", True),
        ("test/expected/case_1.out", True),
        ("test/logfile_sample.0", True),
        ("src/__snapshots__/App.test.tsx.snap", True),
        ("tests/test_format.py", False),
        ("src/app.py", False),
        ("README.md", False),
    ],
)
def test_generated_file_detection(path: str, generated: bool) -> None:
    assert _is_generated(path) is generated


def test_fifty_kilobytes_is_fast() -> None:
    text = "\n".join([GIT_DIFF.replace("build.py", f"build_{i}.py") for i in range(30)])
    assert len(text) > 50_000
    ctx = CompressContext(store=MemoryStore())
    ctx.tokens(text)  # warm the tokenizer and its cache outside the timed part
    seconds, _ = fastest(lambda: DiffCompressor().compress(text, Policy(), ctx))
    assert seconds < 0.2


def test_detect_ignores_a_diff_embedded_in_a_log() -> None:
    log = "\n".join(
        [f"make[2]: Entering directory '/build/tests/unit{i}'" for i in range(40)]
        + ["test 0003...[expected output mismatch]", *PLAIN_UNIFIED.split("\n")]
        + [f"test {i:04d}...OK (12 out of 1200, remaining: 00:{i:02d})" for i in range(40)]
    )
    assert DiffCompressor().detect(log) < 0.5


def test_detect_claims_git_show_output() -> None:
    show = (
        "commit 0123456789abcdef0123456789abcdef01234567\nAuthor: A <a@b.c>\nDate:   Tue Jan 2\n\n    Fix\n\n"
    )
    assert DiffCompressor().detect(show + GIT_DIFF) >= 0.5


def test_each_mail_of_a_patch_series_has_its_diffstat_collapsed() -> None:
    out, _ = _run(FORMAT_PATCH + FORMAT_PATCH)
    assert [m.count for m in parse_markers(out.text) if m.kind == "diffstat lines"] == [4, 4]
