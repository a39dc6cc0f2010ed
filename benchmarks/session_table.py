"""The README's replay table: raw, masking and policies on whole sessions, per split and provider.

    python benchmarks/session_table.py [--corpus DIR] [--splits tune,test] [--providers openai,anthropic]
        [--policy NAME=PATH ...] [--json PATH]

Every ``agent-trace`` session of each split is replayed call by call (what ``headroom eval
replay`` does) under raw, observation masking and each policy (``default`` is the built-in
policy; ``--policy tuned=configs/policies/x.yaml`` adds one). Per row: the cache-priced cost,
the share of later-used facts kept verbatim (pooled over facts; interval: sessions resampled)
and the cost saving against raw and against masking (pooled; paired bootstrap over sessions,
95%, 2000 resamples, seed 0). The second provider reuses the first one's compressed blocks.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# Measure this checkout's code even when another copy is installed: the repo root goes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.replay import ReplaySettings, load_pricing
from evals.replay._bootstrap import bootstrap_ci, ratio_of_sums
from evals.replay._evaluator import SessionEvaluator, SessionScore
from evals.stats import Bootstrap, savings_ci
from evals.traces import load_traces
from evals.tune._session_study import trace_files
from headroom.policy import Policy, load_policy

_SETTINGS = Bootstrap(resamples=2000, confidence=0.95, seed=0)


def _row(score: SessionScore, raw: SessionScore, masking: SessionScore) -> dict[str, Any]:
    costs = [r.cost_usd for r in score.sessions]
    kept = [[r.outcomes.count("kept"), len(r.outcomes)] for r in score.sessions]
    low, high = bootstrap_ci(kept, ratio_of_sums, n=2000, seed=0)
    return {
        "cost_usd": round(score.cost_usd, 4),
        "kept": round(score.kept, 4),
        "kept_ci": [round(low, 4), round(high, 4)],
        "retrievable": round(score.retrievable, 4),
        "saving_vs_raw": [
            round(v, 4) for v in savings_ci([r.cost_usd for r in raw.sessions], costs, _SETTINGS).as_list()
        ],
        "saving_vs_masking": [
            round(v, 4)
            for v in savings_ci([r.cost_usd for r in masking.sessions], costs, _SETTINGS).as_list()
        ],
    }


def _split(files: list[Path], policies: dict[str, Policy], providers: list[str]) -> dict[str, Any]:
    traces = [trace for file in files for trace in load_traces(file)]
    figures: dict[str, Any] = {"files": len(files), "sessions": len(traces)}
    stores = None
    for provider in providers:
        settings = ReplaySettings(policy=Policy(), pricing=load_pricing(), provider=provider)  # type: ignore[arg-type]
        with SessionEvaluator(traces, settings, stores=stores) as evaluator:
            stores = evaluator.stores
            raw, masking = evaluator.raw, evaluator.masking
            rows = {"raw": _row(raw, raw, masking), "masking": _row(masking, raw, masking)}
            for name, policy in policies.items():
                rows[name] = _row(evaluator.score(policy), raw, masking)
                print(provider, name, rows[name], file=sys.stderr, flush=True)
        figures[provider] = {**rows, "facts": raw.facts}
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    parser.add_argument("--splits", default="tune,test")
    parser.add_argument("--providers", default="openai,anthropic")
    parser.add_argument("--policy", action="append", default=[], help="NAME=PATH (repeatable)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = args.corpus / "agent-trace"
    if not folder.is_dir():
        print(f"no agent-trace folder under {args.corpus}: nothing to measure")
        return 0
    policies = {"default": Policy()}
    for item in args.policy:
        name, _, path = item.partition("=")
        policies[name] = load_policy(path)
    providers = [p for p in args.providers.split(",") if p]
    result = {
        split: _split(trace_files([folder], split), policies, providers) for split in args.splits.split(",")
    }
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
