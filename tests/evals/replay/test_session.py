"""Session replay on traces built here: arms, calls, cache expiry, determinism, retention."""

from __future__ import annotations

import json

from evals.replay import ReplaySettings, call_starts, load_pricing, masking_policy, replay_session, summarize
from evals.replay._arms import runners
from evals.traces import ToolCall, Trace, Turn
from headroom.ccr import parse_markers
from headroom.policy import Policy


def _log(round_: int) -> str:
    lines = [
        f"2024-05-01 10:{i // 60:02d}:{i % 60:02d} INFO worker-{i % 5} handled request {round_}-{i} in {i % 13} ms"
        for i in range(300)
    ]
    lines[150] = f"2024-05-01 10:02:30 INFO checkpoint saved to /var/data/ckpt_r{round_}_150.bin"
    return "\n".join(lines) + "\n"


def _trace(rounds: int = 6, stamps: list[str] | None = None) -> Trace:
    turns: list[Turn] = [Turn("system", "You are an operations agent.")]
    for r in range(rounds):
        turns.append(Turn("user", f"Look at run {r}."))
        stamp = stamps[r] if stamps else None
        call = ToolCall(f"c{r}", "bash", json.dumps({"command": f"cat run{r}.log"}))
        turns.append(Turn("assistant", "", tool_calls=(call,), timestamp=stamp))
        turns.append(Turn("tool", _log(r), tool_call_id=f"c{r}", tool_name="bash"))
    turns.append(Turn("user", "Where was the first checkpoint saved?"))
    turns.append(Turn("assistant", "It went to /var/data/ckpt_r0_150.bin."))
    turns.append(Turn("assistant", "Anything else?"))
    return Trace("built-in", "test", tuple(turns), model="gpt-4o")


# Six observations per trace: keep the last three so the masking arm has something to mask. The
# activity rules are off: these tests are about what compressing the outputs does to a session.
POLICY = Policy.model_validate({"history": {"keep_last_observations": 3}, "activity": {"enabled": False}})


def _settings(**changes: object) -> ReplaySettings:
    return ReplaySettings(policy=POLICY, pricing=load_pricing(), **changes)  # type: ignore[arg-type]


def test_calls_are_runs_of_assistant_turns() -> None:
    trace = _trace(rounds=2)
    assert call_starts(trace) == [2, 5, 8]
    assert replay_session(trace, _settings()).calls == 3


def test_masking_policy_turns_off_every_compressor_but_history() -> None:
    masking = masking_policy(Policy.model_validate({"history": {"keep_last_observations": 3}}))
    assert masking.history.enabled and masking.history.keep_last_observations == 3
    assert not any(getattr(masking, s).enabled for s in ("json_", "log", "code", "prose", "search", "diff"))


def test_masking_arm_masks_only_outputs_older_than_the_last_turns() -> None:
    trace = _trace(rounds=6)
    messages = trace.to_openai_messages()
    sent = runners(POLICY)["masking"].send(messages[: call_starts(trace)[-1]])
    tool_texts = [m["content"] for m in sent.messages if m["role"] == "tool"]
    masked = [bool(parse_markers(t)) and len(t) < 200 for t in tool_texts]
    # 6 observations; all but the last 3 are masked: rounds 0, 1 and 2
    assert masked == [True, True, True, False, False, False]
    assert tool_texts[3:] == [_log(r) for r in range(3, 6)]


def test_arms_figures_and_retention() -> None:
    result = replay_session(_trace(), _settings())
    raw, policy, masking = (result.arms[a] for a in ("raw", "policy", "masking"))
    assert result.facts == ("var/data/ckpt_r0_150.bin",)
    assert raw.outcomes == ("kept",)
    assert masking.outcomes == ("retrievable",)
    assert policy.outcomes == ("kept",)  # the log compressor keeps the one-off line
    assert policy.input_tokens < raw.input_tokens and masking.input_tokens < raw.input_tokens
    assert raw.output_tokens == policy.output_tokens == masking.output_tokens > 0
    assert raw.cache_read_tokens > 0 and raw.cache_write_tokens == 0
    assert 0 < policy.cost_usd < raw.cost_usd


def test_anthropic_rules_write_the_suffix() -> None:
    result = replay_session(_trace(), _settings(provider="anthropic"))
    assert result.model == "claude-sonnet-4"
    raw = result.arms["raw"]
    assert raw.cache_write_tokens > 0
    assert raw.cache_read_tokens + raw.cache_write_tokens <= raw.input_tokens


def test_cache_expires_after_a_long_gap() -> None:
    close = [f"2024-05-01T10:0{r}:00Z" for r in range(6)]
    apart = [f"2024-05-01T1{r}:00:00Z" for r in range(6)]
    warm = replay_session(_trace(stamps=close), _settings()).arms["raw"]
    cold = replay_session(_trace(stamps=apart), _settings()).arms["raw"]
    assert cold.cache_read_tokens < warm.cache_read_tokens
    assert cold.cost_usd > warm.cost_usd


def test_model_override_and_totals_are_deterministic() -> None:
    settings = _settings(model="gpt-4o-mini")
    first = summarize([replay_session(_trace(), settings)], settings)
    second = summarize([replay_session(_trace(), settings)], settings)
    assert first == second
    assert first["sessions"][0]["model"] == "gpt-4o-mini"
    retention = first["total"]["masking"]["reference_retention"]
    assert retention["kept"] == 0.0 and retention["retrievable"] == 1.0 and retention["ci95"] == [0.0, 0.0]
    versus_masking = first["comparisons"]["policy_vs_masking"]
    assert versus_masking["kept_delta"] == 1.0 and versus_masking["kept_delta_ci95"] == [1.0, 1.0]
    saving = first["comparisons"]["policy_vs_raw"]["cost_saving"]
    assert 0.0 < saving < 1.0
    assert first["comparisons"]["policy_vs_raw"]["cost_saving_ci95"] == [saving, saving]


def test_unannounced_tool_output_keeps_turns_and_messages_aligned() -> None:
    turns = (
        Turn("user", "Run the tests."),
        Turn("assistant", "Running them."),
        Turn("tool", "FAILED tests/test_api.py::test_login_v2 - AssertionError: 401 != 200"),
        Turn("user", "Fix it."),
        Turn("assistant", "test_login_v2 fails with 401; checking tests/test_api.py."),
    )
    result = replay_session(Trace("aider-like", "test", turns, model="gpt-4o"), _settings())
    assert set(result.facts) == {"401", "test_login_v2", "tests/test_api.py"}
    assert result.arms["raw"].outcomes == ("kept", "kept", "kept")


def test_a_fact_not_kept_names_its_block_and_what_changed_it() -> None:
    result = replay_session(_trace(), _settings())
    masking, policy, raw = (result.arms[a] for a in ("masking", "policy", "raw"))
    assert not policy.misses and not raw.misses
    (miss,) = masking.misses
    assert miss.fact == "var/data/ckpt_r0_150.bin" and miss.outcome == "retrievable"
    assert miss.tool_turn == 3 and miss.tool == "bash"  # the first log (turn 3), the one that held it
    assert miss.call == 6  # the seventh call, the answer
    assert miss.changed_by is not None and "history" in miss.changed_by
    assert miss.activity == "read run0.log"  # bash: cat run0.log
    session = summarize([result], _settings())["sessions"][0]
    assert session["masking"]["misses"][0]["tool_turn"] == 3
    assert session["policy"]["misses"] == []
