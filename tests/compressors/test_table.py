"""Tests for the CSV/TSV table compressor."""

from __future__ import annotations

import pytest

from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.compressors import CompressContext, Compressed, get_compressor
from headroom.compressors._table import TableCompressor, sniff
from headroom.policy import Policy
from headroom.testing import CompressorContract

CSV = "id,region,latency_ms,status\n" + "\n".join(
    f"{i},us-east,{20 + i % 9},{'error: upstream timeout' if i == 77 else 'ok'}" for i in range(120)
)
TSV = "name\tteam\tscore\n" + "\n".join(f"player{i}\tred\t{i % 11}" for i in range(40))
SMALL = "host,datacenter,cpu\n" + "\n".join(
    f"web-{i},eu-central-frankfurt-zone-b,{i * 7 % 10}" for i in range(8)
)
RAGGED = "a,b\n" + "\n".join(f"{i},{i * 2}" for i in range(40)) + "\n40,80,160\n"


def _compress(text: str, query: str | None = None) -> tuple[Compressed, CompressContext]:
    ctx = CompressContext(store=MemoryStore(), query=query)
    return TableCompressor().compress(text, Policy(), ctx), ctx


class TestTableContract(CompressorContract):
    own_families = ("csv",)

    def make_compressor(self) -> TableCompressor:
        return TableCompressor()

    def own_samples(self) -> list[str]:
        return [CSV, TSV, SMALL]

    def critical_lines(self) -> list[tuple[str, list[str]]]:
        return [(CSV, ["77,25,error: upstream timeout"])]


def test_registered() -> None:
    assert isinstance(get_compressor("table"), TableCompressor)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        (CSV, ","),
        (TSV, "\t"),
        ("a;b\n1;2\n3;4\n", ";"),
        (
            "2024-05-01 12:00:01 INFO start\n2024-05-01 12:00:02 INFO next\n2024-05-01 12:00:03 INFO end\n",
            None,
        ),
        ("x, y\n" * 1, None),
        ("| a | b |\n|---|---|\n| 1 | 2 |\n", None),
        (
            "2024-05-01 12:00:01,123 INFO a\n2024-05-01 12:00:02,456 INFO b\n2024-05-01 12:00:03,789 INFO c\n",
            None,
        ),
    ],
)
def test_sniff(text: str, delimiter: str | None) -> None:
    assert sniff(text) == delimiter


def test_constant_column_moves_to_header() -> None:
    out, _ = _compress(TSV)
    lines = out.text.splitlines()
    assert lines[0] == '# 40 rows; constant: team="red"'
    assert lines[1] == "name\tscore"


def test_marker_counts_match_dropped_rows() -> None:
    out, ctx = _compress(CSV)
    body = out.text.splitlines()[2:]
    kept = [line for line in body if not line.startswith("[")]
    assert sum(m.count for m in parse_markers(out.text)) + len(kept) == 120
    assert all(to_text(ctx.store.get(e.key)) == CSV for e in out.elisions)
    assert kept[0] == "0,20,ok" and kept[-1] == "119,22,ok"


def test_query_rows_kept() -> None:
    text = "id,city\n" + "\n".join(f"{i},{'Reykjavik' if i == 50 else 'Oslo'}" for i in range(100))
    out, _ = _compress(text, query="which row is Reykjavik?")
    assert "50,Reykjavik" in out.text


def test_outlier_row_kept() -> None:
    text = "id,value\n" + "\n".join(f"{i},{5000 if i == 60 else 10 + i % 3}" for i in range(100))
    out, _ = _compress(text)
    assert "60,5000" in out.text


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), ("just prose, nothing else", "not a table"), (RAGGED, "ragged rows")],
)
def test_passthrough(text: str, reason: str) -> None:
    out, _ = _compress(text)
    assert out.text == text and out.reason == reason
