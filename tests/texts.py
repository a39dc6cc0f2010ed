"""Hypothesis strategies for tool-output-like texts, one per content type the compressors claim."""

from __future__ import annotations

import json

from hypothesis import strategies as st

WORDS = st.sampled_from(
    ["alpha", "beta", "gamma", "delta", "request", "served", "cache", "user", "error", "value", "the", "of"]
)
NAMES = st.from_regex(r"[a-z]{3,8}", fullmatch=True)


def _log(rows: list[tuple[int, str, list[str]]]) -> str:
    return "\n".join(
        f"2026-01-01 10:{i // 60 % 60:02d}:{i % 60:02d} {level} {' '.join(words)} id={i}"
        for i, (_, level, words) in enumerate(rows)
    )


LOGS = st.lists(
    st.tuples(
        st.integers(0, 9), st.sampled_from(["INFO", "INFO", "DEBUG", "WARN"]), st.lists(WORDS, max_size=6)
    ),
    min_size=20,
    max_size=200,
).map(_log)
JSON_ROWS = st.lists(
    st.fixed_dictionaries(
        {"id": st.integers(0, 999), "name": NAMES, "ok": st.booleans(), "tags": st.lists(WORDS, max_size=3)}
    ),
    min_size=5,
    max_size=60,
).flatmap(
    lambda rows: st.sampled_from([json.dumps(rows), json.dumps(rows, indent=1), json.dumps({"items": rows})])
)


def _module(functions: list[tuple[str, int]]) -> str:
    return "\n\n".join(
        f"def {name}_{i}(x):\n" + "".join(f"    x = x + {j}\n" for j in range(body)) + "    return x\n"
        for i, (name, body) in enumerate(functions)
    )


CODE = st.lists(st.tuples(NAMES, st.integers(1, 12)), min_size=2, max_size=12).map(_module)
CSV = st.lists(st.tuples(NAMES, st.integers(0, 99)), min_size=10, max_size=200).map(
    lambda rows: "id,name,score\n" + "\n".join(f"{i},{n},{s}" for i, (n, s) in enumerate(rows))
)
PROSE = st.lists(st.lists(WORDS, min_size=4, max_size=14), min_size=4, max_size=60).map(
    lambda sentences: " ".join(" ".join(s).capitalize() + "." for s in sentences)
)
SEARCH = st.lists(st.tuples(st.integers(0, 5), NAMES), min_size=10, max_size=200).map(
    lambda hits: "\n".join(f"src/mod_{f}.py:{i + 1}:    value = {n}(item)" for i, (f, n) in enumerate(hits))
)
DIFF = st.lists(st.tuples(NAMES, NAMES), min_size=3, max_size=40).map(
    lambda rows: (
        "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1,40 +1,40 @@\n"
        + "\n".join(f" keep_{a} = 1\n-old_{a} = 2\n+new_{b} = 3" for a, b in rows)
        + "\n"
    )
)
HTML = st.lists(st.lists(WORDS, min_size=3, max_size=12), min_size=2, max_size=30).map(
    lambda paras: (
        "<!DOCTYPE html><html><head><title>T</title><script>var a=1;</script></head><body><nav>"
        "<a href='/'>Home</a></nav><article>"
        + "".join(f"<p>{' '.join(p)}.</p>" for p in paras)
        + "</article></body></html>"
    )
)
TEXTS = st.one_of(LOGS, JSON_ROWS, CODE, CSV, PROSE, SEARCH, DIFF, HTML, st.text(max_size=300))
