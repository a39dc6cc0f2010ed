"""Reports: JSONL rows, summary JSON, a self-contained HTML page with plots, an mlflow run."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from evals._run import PolicyRun, run_policy, summarize
from evals.report import flatten, log_mlflow, render_html, write_report
from evals.suite import load_suite, suite_hash
from tests.evals._fakes import Spotter
from tests.evals._fixtures import write_suite

SESSIONS = (
    {
        "source": "a.jsonl#0",
        "raw": {"cost_usd": 0.03},
        "policy": {"cost_usd": 0.01},
        "masking": {"cost_usd": 0.02},
    },
    {
        "source": "a.jsonl#1",
        "raw": {"cost_usd": 0.05},
        "policy": {"cost_usd": 0.02},
        "masking": {"cost_usd": 0.04},
    },
)


def _runs(tmp_path: Path) -> tuple[list[PolicyRun], dict[str, Any]]:
    suite = load_suite(write_suite(tmp_path))
    probes = suite.load_probes()
    runs = [
        asyncio.run(run_policy(suite, suite.policy(name), Spotter(probes), probes)) for name in suite.policies
    ]
    runs[0] = PolicyRun(runs[0].policy, runs[0].probes, SESSIONS, {"raw": {"cost_usd": 0.08}})
    summary = {
        "suite": suite.name,
        "suite_hash": suite_hash(suite),
        "policies": [summarize(r, suite.bootstrap.settings()) for r in runs],
    }
    return runs, summary


def test_files_are_written(tmp_path: Path) -> None:
    runs, summary = _runs(tmp_path)
    files = write_report(tmp_path / "out", "Test report", runs, summary)
    rows = [json.loads(line) for line in files.samples.read_text().splitlines()]
    assert len(rows) == 8 and {r["policy_name"] for r in rows} == {"default", "degraded"}
    assert {"exact_match", "token_f1", "context_tokens_in", "context_tokens_out"} <= set(rows[0])
    loaded = json.loads(files.summary.read_text())
    assert loaded["policies"][0]["by_content_type"]["log"]["n"] == 2
    assert loaded["policies"][0]["replay"] == {"raw": {"cost_usd": 0.08}}


def test_html_is_self_contained_and_has_the_plots(tmp_path: Path) -> None:
    runs, summary = _runs(tmp_path)
    page = render_html("Test <report>", runs, summary)
    assert page.startswith("<!DOCTYPE html>") and "Test &lt;report&gt;" in page
    assert not re.search(r"<script|<link|@import|url\(", page, re.I)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert page.count("<svg") == 2
    assert "Savings vs accuracy by content type" in page and "Per-session cost" in page
    assert page.count("<circle") == 6, "one point per content type (log, prose, json) and policy"
    assert page.count("<rect x=") >= 6, "three bars per session"


def test_without_replay_the_bars_show_probe_tokens(tmp_path: Path) -> None:
    runs, summary = _runs(tmp_path)
    plain = [PolicyRun(r.policy, r.probes) for r in runs]
    assert "Per-probe context tokens" in render_html("t", plain, summary)


def test_flatten() -> None:
    assert flatten({"a": {"b": 1, "c": {"d": "x"}}, "e": True}) == {"a.b": 1, "a.c.d": "x", "e": True}


def test_mlflow_run_is_written_to_a_local_store(tmp_path: Path) -> None:
    mlflow = pytest.importorskip("mlflow", reason="mlflow (extra 'evals') is not installed")
    runs, summary = _runs(tmp_path)
    out = tmp_path / "out"
    files = write_report(out, "t", runs, summary)
    run_id = log_mlflow(out, runs[0], summary, files)
    assert (out / "mlflow.db").is_file()
    client = mlflow.tracking.MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    logged = client.get_run(run_id)
    assert logged.data.params["json.max_items"] == "15"
    assert logged.data.metrics["exact_match"] == pytest.approx(1.0)
    assert "savings_ci_low" in logged.data.metrics
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"report.html", "summary.json", "samples.jsonl"} <= artifacts
