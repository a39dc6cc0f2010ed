"""The parts on their own: metrics parsing, agent settings, upstream choice, header merging."""

from __future__ import annotations

from pathlib import Path

import pytest

from headroom.wrap import AGENTS, WrapError, WrapOptions, agent, parse, plan
from headroom.wrap._agents import custom_headers
from headroom.wrap._leases import PortLeases
from headroom.wrap._profile import AgentProfile, WrapContext
from headroom.wrap._proxy import ProxyRequest, proxy_environment
from headroom.wrap._savings import Counters
from headroom.wrap._session import child_environment, strip_v1, upstreams

METRICS = """# HELP headroom_requests_total Requests handled.
# TYPE headroom_requests_total counter
headroom_requests_total{route="/v1/messages",status_class="2xx",stream="false"} 3.0
headroom_requests_total{route="/v1/responses",status_class="2xx",stream="true"} 2.0
headroom_requests_created{route="/v1/messages",status_class="2xx",stream="false"} 1.7e+09
# TYPE headroom_live_tokens_in_total counter
headroom_live_tokens_in_total 12000.0
# TYPE headroom_tokens_saved_total counter
headroom_tokens_saved_total 5000.0
# TYPE headroom_retrievals_total counter
headroom_retrievals_total{outcome="hit"} 2.0
headroom_retrievals_total{outcome="miss"} 1.0
"""


def test_metrics_are_summed_over_labels_and_ignore_created_samples() -> None:
    counters = parse(METRICS)
    assert (counters.requests, counters.tokens_in, counters.tokens_saved, counters.retrievals) == (
        5,
        12000,
        5000,
        3,
    )


def test_session_deltas_and_a_restarted_proxy() -> None:
    before, after = Counters(requests=5, tokens_saved=100), Counters(requests=8, tokens_saved=40)
    delta = after.minus(before)
    assert delta.requests == 3 and delta.tokens_saved == 40  # went down: the proxy restarted


def test_not_prometheus_text_is_an_error() -> None:
    with pytest.raises(ValueError):
        parse("headroom_requests_total{oops 1\n")


def test_every_profile_satisfies_the_protocol() -> None:
    assert {
        "claude",
        "codex",
        "aider",
        "opencode",
        "goose",
        "openhands",
        "cursor",
        "cline",
        "continue",
    } <= set(AGENTS)
    for profile in AGENTS.values():
        assert isinstance(profile, AgentProfile)
    assert agent("claude-code") is agent("CLAUDE")
    with pytest.raises(WrapError, match="known: aider"):
        agent("vim")


def test_tool_search_is_enabled_only_for_the_first_party_api_and_never_over_the_user() -> None:
    env = {"PATH": "/usr/bin"}
    options = WrapOptions(port=9, anthropic_upstream="https://api.anthropic.com")
    assert "export ENABLE_TOOL_SEARCH=true" in plan(agent("claude"), [], options, env)
    kept = plan(agent("claude"), [], options, env | {"ENABLE_TOOL_SEARCH": "false"})
    assert not any("ENABLE_TOOL_SEARCH" in line for line in kept)
    gateway = WrapOptions(port=9, anthropic_upstream="https://gateway.corp.example")
    assert not any("ENABLE_TOOL_SEARCH" in line for line in plan(agent("claude"), [], gateway, env))


def test_cloud_routes_the_proxy_cannot_serve_are_refused() -> None:
    with pytest.raises(WrapError, match="CLAUDE_CODE_USE_VERTEX"):
        agent("claude").check({"CLAUDE_CODE_USE_VERTEX": "1"})


def test_a_base_url_the_user_had_becomes_the_upstream() -> None:
    env = {
        "OPENAI_BASE_URL": "https://llm.corp.example/v1/",
        "ANTHROPIC_BASE_URL": "https://claude.corp.example",
    }
    assert upstreams(agent("codex"), env, WrapOptions())[1] == "https://llm.corp.example"
    assert upstreams(agent("claude"), env, WrapOptions())[0] == "https://claude.corp.example"
    assert (
        upstreams(agent("claude"), env, WrapOptions(anthropic_upstream="https://x.example"))[0]
        == "https://x.example"
    )
    assert strip_v1("http://h:1/v1") == "http://h:1" and strip_v1("http://h/api") == "http://h/api"


def test_custom_headers_keep_the_users_and_replace_ours() -> None:
    merged = custom_headers("X-Team: infra\nX-Headroom-Project: stale", {"X-Headroom-Project": "app"})
    assert merged == "X-Team: infra\nX-Headroom-Project: app"


def test_a_wrapped_agent_names_itself_and_its_session_for_the_shared_memory(tmp_path: Path) -> None:
    profile = agent("codex")
    ctx = WrapContext("http://127.0.0.1:9", {"PATH": "/bin"}, tmp_path, tmp_path, "https://api.anthropic.com")
    env, changes = child_environment(profile, ctx)
    assert env["HEADROOM_AGENT"] == "codex" and env["HEADROOM_SESSION_ID"].startswith("wrap-")
    assert child_environment(profile, ctx)[0]["HEADROOM_SESSION_ID"] != env["HEADROOM_SESSION_ID"]

    mine = WrapContext("http://127.0.0.1:9", {"HEADROOM_AGENT": "me"}, tmp_path, tmp_path, "")
    assert child_environment(profile, mine)[0]["HEADROOM_AGENT"] == "me"
    assert "HEADROOM_AGENT" in changes and "HEADROOM_AGENT" not in child_environment(profile, mine)[1]


def test_the_proxy_wrap_starts_ignores_a_users_token_and_socket_settings(tmp_path: Path) -> None:
    leases = PortLeases(tmp_path, 8787)
    wanted = ProxyRequest(8787, "https://api.anthropic.com", "https://api.openai.com/v1", tmp_path)
    env = proxy_environment(
        {
            "HEADROOM_PROXY_TOKEN": "t0ken",
            "HEADROOM_PROXY_UDS": "/tmp/x.sock",
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:1",
            "LANG": "C",
        },
        leases,
        wanted,
    )
    assert env["LANG"] == "C"
    assert not {"HEADROOM_PROXY_TOKEN", "HEADROOM_PROXY_UDS", "ANTHROPIC_BASE_URL"} & env.keys()
