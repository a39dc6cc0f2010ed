"""Reparsing a skeleton from the input's edited tree gives the tree a fresh parse gives."""

from __future__ import annotations

import pytest

from headroom.compressors._code.compressor import _parser, _Plan
from headroom.compressors._code.langs import spec_for
from headroom.compressors._code.site import Site

_JAVA = """class Shapes {
    int area(int w, int h) {
        int a = w * h;
        return a;
    }

    /** Perimeter, in the same unit. */
    int perimeter(int w, int h) {
        return 2 * (w + h);
    }

    String name() { return "shapes ü"; }
}
"""


def _site(src: bytes, start_text: bytes, end_text: bytes) -> Site:
    start = src.index(start_text) + len(start_text)
    end = src.index(end_text, start)
    return Site("body", "", start, end, 1, (0, 0), "")


def _skeleton(
    src: bytes, sites: list[Site], replacements: list[bytes]
) -> tuple[bytes, dict[Site, tuple[int, int]]]:
    out, spans, cursor = b"", {}, 0
    for site, new in zip(sites, replacements, strict=True):
        out += src[cursor : site.start]
        spans[site] = (len(out), len(out) + len(new))
        out += new
        cursor = site.end
    return out + src[cursor:], spans


@pytest.mark.parametrize(
    "replacements",
    [
        [b"\n        // ... 2 lines\n    ", b" // 1 line\n    "],
        [b"", b"\n\n\n"],
        [b" return 0; ", b"\n        return (w + h"],  # the second edit breaks the parse
    ],
)
def test_reparse_matches_a_fresh_parse(replacements: list[bytes]) -> None:
    src = _JAVA.encode()
    spec = spec_for("java")
    tree = _parser(spec.grammar).parse(src)
    sites = [
        _site(src, b"int h) {", b"}\n\n    /**"),
        _site(src, b"perimeter(int w, int h) {", b"}\n\n    String"),
    ]
    plan = _Plan(spec, src, sites, 0, tree)
    out, spans = _skeleton(src, sites, replacements)
    fresh = _parser(spec.grammar).parse(out).root_node
    edited = plan.reparse(out, spans).root_node
    assert str(edited) == str(fresh)
    assert edited.has_error == fresh.has_error


def test_points_count_bytes_not_characters() -> None:
    src = "a = 'ü'\nb = 1\n".encode()
    plan = _Plan(spec_for("python"), src, [], 0)
    assert plan.point(src.index(b"b")) == (1, 0)
    assert plan.point(src.index(b"'", 5) + 1) == (0, len("a = 'ü'".encode()))
