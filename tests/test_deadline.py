"""The per-block time budget: a block that runs past it is forwarded unchanged, with the reason.

Time is a fake clock the slow fake compressor advances by hand, so these tests assert the
deadline's logic, never the machine's speed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from headroom._deadline import REASON_PREFIX, Deadline, block_budget_seconds
from headroom._pipeline import _WARM, compress_block
from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext, Compressed, result
from headroom.compressors._registry import _registry, all_compressors
from headroom.policy import Policy, policy_from_mapping

SENTINEL = "SLOW-FAKE-CONTENT"
TEXT = SENTINEL + "\n" + "".join(f"row {i} of the slow fake content, padded out\n" for i in range(60))


@dataclass
class FakeClock:
    """Whole milliseconds, so budget comparisons are exact."""

    now_ms: int = 0

    def __call__(self) -> float:
        return self.now_ms / 1000


@dataclass
class SlowFake:
    """Claims the sentinel text; each step costs ``step_ms`` of fake time."""

    clock: FakeClock
    steps: int
    step_ms: int
    cooperative: bool
    name: str = "slow-fake"
    content_type: str = "log"
    ran: int = 0

    def detect(self, sample: str) -> float:
        return 1.0 if sample.startswith(SENTINEL) else 0.0

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        for _ in range(self.steps):
            if self.cooperative:
                ctx.check_time("slow fake: step")
            self.clock.now_ms += self.step_ms
            self.ran += 1
        return result(text, SENTINEL + "\n[short]\n", ctx, self, [])


@contextmanager
def registered(fake: SlowFake) -> Iterator[SlowFake]:
    all_compressors()  # built-ins first, so the fake is not replaced by a later load
    _registry[fake.name] = fake
    _WARM.add(fake.name)  # already warm: its first run is timed like any other
    try:
        yield fake
    finally:
        del _registry[fake.name]
        _WARM.discard(fake.name)


def budget_policy(base_ms: float, per_10k_ms: float = 0.0) -> Policy:
    zone = {"min_block_tokens": 0, "block_budget_ms": base_ms, "block_budget_ms_per_10k_tokens": per_10k_ms}
    return policy_from_mapping({"live_zone": zone})


def run(fake: SlowFake, policy: Policy) -> Compressed:
    ctx = CompressContext(store=MemoryStore(), clock=fake.clock)
    with registered(fake):
        return compress_block(TEXT, policy, ctx)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    budget_ms=st.integers(1, 5000),
    steps=st.integers(0, 80),
    step_ms=st.integers(0, 200),
    cooperative=st.booleans(),
)
def test_a_block_past_its_budget_is_forwarded_unchanged(
    budget_ms: int, steps: int, step_ms: int, cooperative: bool
) -> None:
    fake = SlowFake(FakeClock(), steps, step_ms, cooperative)
    out = run(fake, budget_policy(budget_ms))
    if steps * step_ms > budget_ms:
        assert out.text == TEXT
        assert out.reason is not None and out.reason.startswith(REASON_PREFIX + ":")
        assert out.tokens_out == out.tokens_in
    else:
        assert out.text != TEXT and out.reason is None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(budget_ms=st.integers(1, 2000), step_ms=st.integers(1, 100))
def test_a_cooperative_compressor_stops_at_its_next_check(budget_ms: int, step_ms: int) -> None:
    fake = SlowFake(FakeClock(), 10_000, step_ms, cooperative=True)
    out = run(fake, budget_policy(budget_ms))
    assert out.text == TEXT
    # It never runs more than one step past the deadline: the stall is cut short.
    assert fake.ran <= budget_ms // step_ms + 1
    assert fake.clock.now_ms <= budget_ms + step_ms


def test_the_budget_grows_with_the_block_tokens() -> None:
    assert block_budget_seconds(1000, 200, 0) == 1.0
    assert block_budget_seconds(1000, 200, 50_000) == 2.0
    assert block_budget_seconds(0, 0, 50_000) is None


def test_no_budget_means_no_deadline() -> None:
    fake = SlowFake(FakeClock(), 50, 10_000, cooperative=True)
    out = run(fake, budget_policy(0, 0))
    assert out.text != TEXT and fake.ran == 50


def test_time_off_the_clock_is_given_back() -> None:
    clock = FakeClock()
    deadline = Deadline(clock(), 1.0, clock)
    with deadline.untimed():
        clock.now_ms += 30_000  # a model loading
        assert not deadline.expired()
    assert not deadline.expired()
    clock.now_ms += 1500
    assert deadline.expired()


def test_the_first_run_of_a_compressor_pays_its_set_up_off_the_clock() -> None:
    fake = SlowFake(FakeClock(), 1, 60_000, cooperative=False)
    ctx = CompressContext(store=MemoryStore(), clock=fake.clock)
    with registered(fake):
        _WARM.discard(fake.name)  # cold: this run loads its grammars
        cold = compress_block(TEXT, budget_policy(1000), ctx)
        warm = compress_block(TEXT, budget_policy(1000), ctx)
    assert cold.text != TEXT
    assert warm.text == TEXT and warm.reason is not None and warm.reason.startswith(REASON_PREFIX)
