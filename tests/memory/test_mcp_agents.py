"""Two agents (two processes, each with the official ``mcp`` SDK client and its own stdio server)
share one project's memory, and a third in another project sees none of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the MCP SDK (extra [proxy]) is not installed")

ROOT = Path(__file__).resolve().parents[2]
AGENT = Path(__file__).with_name("_mcp_agent.py")
DEPLOY = "Deploys go through the staging cluster first; promote with `make promote ENV=prod`."
FLAKY = "The payments integration test is flaky under load; rerun it once before investigating."


def _start(
    name: str, cwd: Path, env: dict[str, str], *calls: tuple[str, dict[str, Any]]
) -> subprocess.Popen[str]:
    """Start one agent process that makes ``calls`` through its own server."""
    argv = [sys.executable, str(AGENT), name, str(cwd), json.dumps([list(c) for c in calls])]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _answers(agent: subprocess.Popen[str]) -> list[dict[str, Any]]:
    """Wait for an agent to finish; what each of its tool calls returned."""
    out, err = agent.communicate(timeout=90)
    assert agent.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _agent(
    name: str, cwd: Path, env: dict[str, str], *calls: tuple[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    return _answers(_start(name, cwd, env, *calls))


def _projects(tmp_path: Path) -> tuple[Path, Path]:
    alpha, beta = tmp_path / "alpha", tmp_path / "beta"
    for repo in (alpha, beta):
        (repo / ".git").mkdir(parents=True)
    (alpha / "src" / "payments").mkdir(parents=True)
    return alpha, beta


def _env(tmp_path: Path, memory: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(ROOT),
        "HEADROOM_STORE_PATH": str(tmp_path / "ccr.sqlite3"),
        **memory,
    }


def _share_in_one_project_only(tmp_path: Path, memory: dict[str, str]) -> None:
    alpha, beta = _projects(tmp_path)
    env = _env(tmp_path, memory)
    [saved] = _agent("claude-code", alpha, env, ("memory_save", {"content": DEPLOY}))
    assert not saved["error"] and not saved["data"]["duplicate"], saved
    fact_id = saved["data"]["fact"]["id"]

    # Another agent, started in a subdirectory of the same repository, finds it with its provenance;
    # at the same time, an agent in another project sees nothing of it and cannot forget it.
    inside = _start(
        "codex-mcp-client",
        alpha / "src" / "payments",
        env,
        ("memory_search", {"query": "how do we deploy to prod?"}),
        ("memory_save", {"content": DEPLOY.upper()}),
        ("memory_save", {"content": FLAKY}),
    )
    outside = _start(
        "codex-mcp-client",
        beta,
        env,
        ("memory_search", {"query": "deploy staging cluster promote prod"}),
        ("memory_forget", {"id": fact_id}),
    )
    found, again, flaky = _answers(inside)
    elsewhere, cannot = _answers(outside)
    assert [(f["id"], f["agent"], f["content"]) for f in found["data"]["facts"]] == [
        (fact_id, "claude-code", DEPLOY)
    ]
    assert found["data"]["project"] == saved["data"]["project"]
    assert again["data"]["duplicate"] and again["data"]["fact"]["id"] == fact_id
    assert flaky["data"]["fact"]["agent"] == "codex-mcp-client"

    assert elsewhere["data"]["facts"] == [] and elsewhere["text"] == "no saved fact matches"
    assert cannot["data"]["forgotten"] is False

    # The first agent sees the second's fact, and a forget is seen by everyone in the project.
    seen, forgot, gone, too_long = _agent(
        "claude-code",
        alpha,
        env,
        ("memory_search", {"query": "flaky payments test"}),
        ("memory_forget", {"id": fact_id}),
        ("memory_search", {"query": "deploy staging cluster"}),
        ("memory_save", {"content": "x" * 2001}),
    )
    assert [f["agent"] for f in seen["data"]["facts"]] == ["codex-mcp-client"]
    assert forgot["data"]["forgotten"] is True
    assert fact_id not in [f["id"] for f in gone["data"]["facts"]]
    assert too_long["error"] and "over the cap" in too_long["text"]


def test_two_agents_share_a_project_memory_over_sqlite(tmp_path: Path) -> None:
    _share_in_one_project_only(tmp_path, {"HEADROOM_MEMORY_PATH": str(tmp_path / "memory.sqlite3")})


@pytest.mark.server
def test_two_agents_share_a_project_memory_over_redis(
    tmp_path: Path, redis_url: str, redis_namespace: str
) -> None:
    memory = {"HEADROOM_MEMORY_STORE": redis_url, "HEADROOM_MEMORY_REDIS_NAMESPACE": redis_namespace}
    _share_in_one_project_only(tmp_path, memory)
