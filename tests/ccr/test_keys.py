from __future__ import annotations

import re

import pytest

from headroom.ccr import MemoryStore, content_key, format_marker, parse_markers
from headroom.tokens import SUPPORTED_ENCODINGS, get_encoding


def test_keys_are_decimal_hashes_of_the_content() -> None:
    key = content_key(b"the original")
    assert re.fullmatch(r"hr\d{18}", key)
    assert key == content_key(b"the original")
    assert key != content_key(b"the original.")
    store = MemoryStore()
    stored = store.put("the original")
    assert re.fullmatch(r"hr\d{18}", stored) and stored == store.key_for("the original")
    assert stored != key, "a store's keys are keyed by its secret, never the bare content hash"


@pytest.mark.parametrize("encoding", SUPPORTED_ENCODINGS)
def test_every_key_costs_the_same_few_tokens(encoding: str) -> None:
    # Digits tokenize three to a token: 6 tokens for 18 digits, where 16 hex digits cost ~10.
    tokenizer = get_encoding(encoding)
    costs = {len(tokenizer.encode(content_key(str(i).encode()))) for i in range(300)}
    assert costs == {7}


def test_markers_parse_new_and_older_keys() -> None:
    new = format_marker(12, "lines", content_key(b"x"))
    older = format_marker(3, "rows", "hr_0123456789abcdef", "(2 with status=ok)")
    parsed = parse_markers(f"{new}\n{older}\n[4 rows omitted; retrieve: hr_123]")
    assert [(m.count, m.kind, m.key) for m in parsed] == [
        (12, "lines", content_key(b"x")),
        (3, "rows", "hr_0123456789abcdef"),
    ]
    assert parsed[1].detail == "(2 with status=ok)"
