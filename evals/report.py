"""Reports: per-sample JSONL, summary JSON, a self-contained HTML page, and an mlflow run.

The HTML embeds its styles and SVG plots (savings against accuracy by content type, and
per-session cost) and loads nothing from anywhere. mlflow is imported only when a run is
logged; the default tracking URI is a SQLite file inside the output directory, so no
server is needed. Everything written or logged goes through :mod:`headroom.redaction` first
(with the configured API keys): probe contexts, predictions and upstream error texts may hold
secrets, and reports are shared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any

from evals._run import PolicyRun
from evals._svg import BarGroup, Point, bars, scatter
from evals.probes import ProbeResult
from headroom.redaction import Redactor, default_redactor
from headroom.tracking import MlflowRuns

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#111;max-width:70rem}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th{background:#f3f4f6}td:first-child,th:first-child{text-align:left}.bad{color:#b91c1c}.good{color:#15803d}
figure{display:inline-block;margin:0 1rem 1rem 0}
"""
_ARMS = ("raw", "policy", "masking")


@dataclass(frozen=True)
class ReportFiles:
    """Where the report landed."""

    samples: Path
    summary: Path
    html: Path


def write_report(
    out_dir: str | Path, title: str, runs: Sequence[PolicyRun], summary: Mapping[str, Any]
) -> ReportFiles:
    """Write ``samples.jsonl``, ``summary.json`` and ``report.html`` into ``out_dir``, redacted."""
    redactor = default_redactor()
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(folder / "samples.jsonl", folder / "summary.json", folder / "report.html")
    clean_runs = [redact_run(run, redactor) for run in runs]
    clean_summary = redactor.value(dict(summary))
    rows = [json.dumps(r.as_dict(), ensure_ascii=False) for run in clean_runs for r in run.probes]
    files.samples.write_text("".join(f"{row}\n" for row in rows), encoding="utf-8")
    files.summary.write_text(json.dumps(clean_summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    # A last pass over the page catches text the renderer builds from other fields.
    html = redactor.text(render_html(redactor.text(title), clean_runs, clean_summary))
    files.html.write_text(html, encoding="utf-8")
    return files


def redact_run(run: PolicyRun, redactor: Redactor) -> PolicyRun:
    """``run`` with secrets redacted from every probe result and replayed session."""
    probes = tuple(ProbeResult(**redactor.value(r.as_dict())) for r in run.probes)
    return replace(
        run,
        probes=probes,
        sessions=tuple(redactor.value(dict(s)) for s in run.sessions),
        replay_total=redactor.value(dict(run.replay_total)),
    )


def render_html(title: str, runs: Sequence[PolicyRun], summary: Mapping[str, Any]) -> str:
    """The whole report as one HTML document with inline CSS and SVG."""
    policies: list[Mapping[str, Any]] = list(summary.get("policies", []))
    body = [
        f"<h1>{escape(title)}</h1>",
        _meta(summary),
        _policy_table(policies),
        _gate_table(summary.get("gate")),
        "<h2>Plots</h2>",
        f"<figure>{savings_accuracy_plot(policies)}</figure>",
        f"<figure>{session_cost_plot(runs)}</figure>",
        _misses_table(runs),
        _samples_table(runs),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body></html>\n"
    )


def savings_accuracy_plot(policies: Sequence[Mapping[str, Any]]) -> str:
    """Scatter of savings against token F1, one point per content type and policy."""
    points = [
        Point(str(p["policy"]), kind, figures["savings"][0], figures["token_f1"][0])
        for p in policies
        for kind, figures in p.get("by_content_type", {}).items()
    ]
    return scatter("Savings vs accuracy by content type", points, "token savings", "token F1")


def session_cost_plot(runs: Sequence[PolicyRun]) -> str:
    """Per-session cost under raw, policy and masking; per-probe context tokens without replay."""
    sessions = [s for run in runs[:1] for s in run.sessions]
    if sessions:
        groups = [
            BarGroup(_session_label(s, i), tuple((arm, _cost(s, arm)) for arm in _ARMS if arm in s))
            for i, s in enumerate(sessions)
        ]
        return bars("Per-session cost", groups, "cost (USD)", " USD")
    by_probe: dict[str, list[tuple[str, float]]] = {}
    for run in runs:
        for r in run.probes:
            entry = by_probe.setdefault(r.probe_id, [("raw", float(r.context_tokens_in))])
            entry.append((run.policy.name, float(r.context_tokens_out)))
    groups = [BarGroup(pid, tuple(dict(values).items())) for pid, values in by_probe.items()]
    return bars("Per-probe context tokens (no traces replayed)", groups, "tokens")


def _session_label(session: Mapping[str, Any], index: int) -> str:
    name = session.get("source") or session.get("session_id") or f"session {index + 1}"
    # "traces/ops-agent.jsonl#2" → "ops-agent#2": the file stem and which session of it.
    return re.sub(r"\.(jsonl?|md|traj|out)(?=#|$)", "", Path(str(name)).name)


def _cost(session: Mapping[str, Any], arm: str) -> float:
    figures = session.get(arm)
    value = figures.get("cost_usd") if isinstance(figures, Mapping) else None
    return float(value) if isinstance(value, int | float) else 0.0


def _meta(summary: Mapping[str, Any]) -> str:
    keys = ("suite", "suite_hash", "provider", "model", "margin")
    cells = "".join(f"<tr><th>{k}</th><td>{escape(str(summary.get(k, '')))}</td></tr>" for k in keys)
    return f"<table>{cells}</table>"


def _ci(values: Sequence[float]) -> str:
    return f"{values[0]:.3f} [{values[1]:.3f}, {values[2]:.3f}]"


def _policy_table(policies: Sequence[Mapping[str, Any]]) -> str:
    head = "<tr><th>policy</th><th>hash</th><th>probes</th><th>exact match</th><th>token F1</th><th>savings</th></tr>"
    rows = [
        f"<tr><td>{escape(str(p['policy']))}</td><td>{escape(str(p['policy_hash']))}</td><td>{p['probes']}</td>"
        + "".join(
            f"<td>{_ci(p[m])}</td>" if m in p else "<td>—</td>"
            for m in ("exact_match", "token_f1", "savings")
        )
        + "</tr>"
        for p in policies
    ]
    return f"<h2>Policies (mean, 95% CI)</h2><table>{head}{''.join(rows)}</table>"


def _gate_table(gate: Any) -> str:
    if not isinstance(gate, Mapping):
        return ""
    state = "good" if gate["passed"] else "bad"
    rows = "".join(
        f"<tr><td>{escape(v['metric'])}</td><td>{v['baseline']:.3f}</td><td>{v['candidate']:.3f}</td>"
        f"<td>{_ci(v['delta'])}</td><td>{v['margin']:.3f}</td>"
        f'<td class="{"good" if v["non_inferior"] else "bad"}">{"yes" if v["non_inferior"] else "no"}</td></tr>'
        for v in gate["verdicts"]
    )
    head = "<tr><th>metric</th><th>baseline</th><th>candidate</th><th>delta</th><th>margin</th><th>non-inferior</th></tr>"
    verdict = "PASS" if gate["passed"] else "REGRESSION"
    return f'<h2>Gate: <span class="{state}">{verdict}</span></h2><table>{head}{rows}</table>'


_MISS_ROWS = 300


def _misses_table(runs: Sequence[PolicyRun]) -> str:
    """Every later-used fact a policy did not keep verbatim, with the block and compressor responsible."""
    rows = [
        (run.policy.name, _session_label(session, index), miss)
        for run in runs
        for index, session in enumerate(run.sessions)
        for miss in session.get("policy", {}).get("misses", [])
    ]
    if not rows:
        return ""
    head = (
        "<tr><th>policy</th><th>session</th><th>call</th><th>fact</th><th>outcome</th>"
        "<th>tool output (turn)</th><th>changed by</th></tr>"
    )
    cells = "".join(
        f"<tr><td>{escape(policy)}</td><td>{escape(label)}</td><td>{miss['call']}</td>"
        f"<td>{escape(miss['fact'][:120])}</td>"
        f'<td class="{"bad" if miss["outcome"] == "lost" else ""}">{escape(miss["outcome"])}</td>'
        f"<td>{escape(str(miss['tool'] or '?'))} ({miss['tool_turn']}): {escape(str(miss.get('activity') or ''))}</td>"
        f"<td>{escape(str(miss['changed_by'] or 'not changed'))}</td></tr>"
        for policy, label, miss in rows[:_MISS_ROWS]
    )
    more = f"<p>{len(rows) - _MISS_ROWS} more in summary.json.</p>" if len(rows) > _MISS_ROWS else ""
    title = "<h2>Later-used facts not kept verbatim (retrievable costs a round trip; lost is gone)</h2>"
    return f"{title}<table>{head}{cells}</table>{more}"


def _samples_table(runs: Sequence[PolicyRun]) -> str:
    head = "<tr><th>probe</th><th>policy</th><th>type</th><th>EM</th><th>F1</th><th>tokens in→out</th><th>prediction</th></tr>"
    rows = "".join(
        f"<tr><td>{escape(r.probe_id)}</td><td>{escape(r.policy_name)}</td><td>{escape(r.content_type)}</td>"
        f"<td>{r.exact_match:.0f}</td><td>{r.token_f1:.2f}</td><td>{r.context_tokens_in}→{r.context_tokens_out}</td>"
        f"<td>{escape(r.prediction[:120])}</td></tr>"
        for run in runs
        for r in run.probes
    )
    return f"<details><summary>Per-probe results</summary><table>{head}{rows}</table></details>"


def log_mlflow(
    out_dir: str | Path,
    run: PolicyRun,
    summary: Mapping[str, Any],
    files: ReportFiles,
    *,
    tracking_uri: str | None = None,
    experiment: str = "headroom-evals",
) -> str:
    """Log one policy's run to mlflow (params = flattened policy); returns the run id."""
    runs = MlflowRuns(tracking_uri, Path(out_dir), experiment, extra="evals")
    name = f"{summary.get('suite', 'suite')}:{run.policy.name}"
    params = flatten(run.policy.model_dump(mode="json", by_alias=True, exclude={"provenance"}))
    tags = {"suite_hash": str(summary.get("suite_hash", "")), "policy_hash": run.policy.policy_hash}
    tracked = runs.start(name, tags, params)
    tracked.log_metrics(_metrics(summary, run.policy.name))
    for path in (files.html, files.summary, files.samples):
        tracked.log_artifact(path)
    tracked.finish()
    return tracked.run_id


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level with dotted keys."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _metrics(summary: Mapping[str, Any], policy: str) -> dict[str, float]:
    """Point estimates and interval bounds of the named policy's figures."""
    chosen: Mapping[str, Any] = next(
        (p for p in summary.get("policies", []) if p.get("policy") == policy), {}
    )
    metrics: dict[str, float] = {}
    for name in ("exact_match", "token_f1", "savings"):
        if name in chosen:
            estimate, low, high = chosen[name]
            metrics.update({name: estimate, f"{name}_ci_low": low, f"{name}_ci_high": high})
    return metrics
