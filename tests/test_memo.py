"""A conversation re-sent each turn costs only its new part, and its earlier blocks keep their bytes."""

from __future__ import annotations

from typing import Any

from headroom import compress
from headroom.ccr import MemoryStore, parse_markers
from headroom.policy import policy_from_mapping

EAGER = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})


def _log(seed: int) -> str:
    lines = [
        f"2026-12-03T08:00:{i % 60:02d}Z INFO worker-{seed} batch {i} done in {i % 13}ms" for i in range(300)
    ]
    lines.insert(150, f"2026-12-03T08:02:30Z ERROR worker-{seed} connection refused")
    return "\n".join(lines)


def _turns(n: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "why do the workers fail?"}]
    for i in range(n):
        call = {"id": f"c{i}", "type": "function", "function": {"name": "bash", "arguments": "{}"}}
        messages += [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"c{i}", "content": _log(i)},
        ]
    return messages


class _CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.batches = 0

    def put_many(self, entries, keep=()):  # type: ignore[no-untyped-def]
        self.batches += 1
        return super().put_many(entries, keep)


def test_a_resent_conversation_compresses_only_its_new_blocks() -> None:
    store = _CountingStore()
    first = compress(_turns(3), EAGER, store=store)
    assert store.batches == 3
    second = compress(_turns(4), EAGER, store=store)
    assert store.batches == 4, "only the new tool output is compressed and stored"
    assert second.messages[: len(first.messages)] == first.messages
    assert sum(1 for b in second.blocks if b.elisions) == 4


def test_a_remembered_block_whose_original_is_gone_is_compressed_again() -> None:
    store = _CountingStore()
    first = compress(_turns(2), EAGER, store=store)
    for marker in parse_markers(str(first.messages[2]["content"])):
        store.delete(marker.key)
    again = compress(_turns(2), EAGER, store=store)
    assert store.batches == 3
    assert all(store.contains(m.key) for m in parse_markers(str(again.messages[2]["content"])))
    assert again.messages == first.messages


def test_another_store_or_policy_does_not_share_remembered_blocks() -> None:
    store, other = _CountingStore(), _CountingStore()
    compress(_turns(2), EAGER, store=store)
    compress(_turns(2), EAGER, store=other)
    assert other.batches == 2
    lighter = policy_from_mapping({"live_zone": {"min_block_tokens": 0}, "log": {"head_lines": 3}})
    compress(_turns(2), lighter, store=store)
    assert store.batches == 4


def _mixed() -> list[dict[str, Any]]:
    import json

    rows = json.dumps([{"id": i, "name": f"item-{i}", "status": "ok", "note": "x" * 30} for i in range(200)])
    calls = [
        {"id": c, "type": "function", "function": {"name": "bash", "arguments": "{}"}} for c in ("j", "l")
    ]
    return [
        {"role": "user", "content": "why do the workers fail?"},
        {"role": "assistant", "content": None, "tool_calls": calls},
        {"role": "tool", "tool_call_id": "j", "content": rows},
        {"role": "tool", "tool_call_id": "l", "content": _log(7)},
    ]


def test_a_policy_that_changes_only_sections_a_block_never_read_reuses_it() -> None:
    store = _CountingStore()
    compress(_mixed(), EAGER, store=store)
    assert store.batches == 2
    lighter_logs = policy_from_mapping({"live_zone": {"min_block_tokens": 0}, "log": {"head_lines": 3}})
    again = compress(_mixed(), lighter_logs, store=store)
    assert store.batches == 3, "the log is compressed again; the JSON block never read the log section"
    fresh = compress(_mixed(), lighter_logs, store=MemoryStore())
    assert again.messages == fresh.messages, "a reused block is what compressing it would give"


def test_a_policy_that_changes_a_section_the_block_read_compresses_it_again() -> None:
    store = _CountingStore()
    compress(_mixed(), EAGER, store=store)
    fewer_items = policy_from_mapping({"live_zone": {"min_block_tokens": 0}, "json": {"max_items": 5}})
    again = compress(_mixed(), fewer_items, store=store)
    assert store.batches == 3
    assert again.messages == compress(_mixed(), fewer_items, store=MemoryStore()).messages


def test_reads_that_depend_on_the_whole_policy_key_on_its_hash() -> None:
    from headroom._memo import PolicyReads

    recorder = PolicyReads(EAGER)
    assert recorder.live_zone.min_block_tokens == 0
    assert [name for name, _ in recorder.reads()] == ["live_zone"]
    _ = recorder.policy_hash
    assert recorder.reads() == (("*", EAGER.policy_hash),)
