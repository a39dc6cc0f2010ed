"""Per-session and total figures as the JSON ``headroom eval replay --json`` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evals.replay._arms import ARMS, Arm
from evals.replay._bootstrap import bootstrap_ci, mean, ratio_of_sums
from evals.replay._session import ArmResult, ReplaySettings, SessionResult

MIN_SESSIONS_FOR_CLUSTERS = 8
"""With fewer sessions holding facts, totals resample facts instead of sessions."""
BOOTSTRAP_SEED = 0
BOOTSTRAP_RESAMPLES = 2000


def summarize(sessions: Sequence[SessionResult], settings: ReplaySettings) -> dict[str, Any]:
    """``{"settings", "sessions": [...], "total": {arm: figures}}``; retention as shares 0-1."""
    unit = _ci_unit(sessions)
    return {
        "settings": {
            "provider": settings.provider,
            "model": settings.model,
            "policy": settings.policy.name,
            "policy_hash": settings.policy.policy_hash,
            "masking_keep_last_observations": settings.policy.history.keep_last_observations,
            "retention_ci_unit": unit,
        },
        "sessions": [_session(s) for s in sessions],
        "total": {arm: _total(sessions, arm, unit) for arm in ARMS},
        "comparisons": {
            f"policy_vs_{other}": compare(sessions, "policy", other, unit) for other in ("raw", "masking")
        },
    }


def _session(result: SessionResult) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "source": result.source,
        "format": result.format,
        "model": result.model,
        "calls": result.calls,
        "facts": len(result.facts),
    }
    for arm in ARMS:
        figures[arm] = _figures([result.arms[arm]], _fact_retention(result.arms[arm].outcomes))
        figures[arm]["misses"] = [asdict(miss) for miss in result.arms[arm].misses]
    return figures


def _total(sessions: Sequence[SessionResult], arm: Arm, unit: str) -> dict[str, Any]:
    results = [s.arms[arm] for s in sessions]
    if unit == "session":
        retention = _cluster_retention([r.outcomes for r in results])
    else:
        retention = _fact_retention(tuple(o for r in results for o in r.outcomes))
    figures = _figures(results, retention)
    figures["sessions"] = len(results)
    return figures


def _figures(results: Sequence[ArmResult], retention: dict[str, Any]) -> dict[str, Any]:
    return {
        "input_tokens": sum(r.input_tokens for r in results),
        "cache_read_tokens": sum(r.cache_read_tokens for r in results),
        "cache_write_tokens": sum(r.cache_write_tokens for r in results),
        "output_tokens": sum(r.output_tokens for r in results),
        "cost_usd": round(sum(r.cost_usd for r in results), 6),
        "input_cost_usd": round(sum(r.input_cost_usd for r in results), 6),
        "elided_blocks": sum(r.elided_blocks for r in results),
        "reference_retention": retention,
    }


def _ci_unit(sessions: Sequence[SessionResult]) -> str:
    with_facts = sum(1 for s in sessions if s.facts)
    return "session" if with_facts >= MIN_SESSIONS_FOR_CLUSTERS else "fact"


def _fact_retention(outcomes: Sequence[str]) -> dict[str, Any]:
    """Shares over facts; the interval resamples facts."""
    if not outcomes:
        return _empty()
    kept = np.array([o == "kept" for o in outcomes], dtype=np.float64)
    retrievable = sum(o == "retrievable" for o in outcomes) / len(outcomes)
    low, high = bootstrap_ci(kept, mean, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED)
    return _shares(float(kept.mean()), retrievable, len(outcomes), (low, high))


def _cluster_retention(per_session: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Pooled shares over facts; the interval resamples sessions (facts within one are correlated)."""
    rows = [(sum(o == "kept" for o in outs), len(outs)) for outs in per_session if outs]
    if not rows:
        return _empty()
    facts = sum(n for _, n in rows)
    retrievable = sum(o == "retrievable" for outs in per_session for o in outs) / facts
    kept = sum(k for k, _ in rows) / facts
    interval = bootstrap_ci(
        np.array(rows, dtype=np.float64), ratio_of_sums, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
    )
    return _shares(kept, retrievable, facts, interval)


def _shares(kept: float, retrievable: float, facts: int, ci: tuple[float, float]) -> dict[str, Any]:
    return {
        "kept": round(kept, 6),
        "retrievable": round(retrievable, 6),
        "lost": round(max(0.0, 1.0 - kept - retrievable), 6),
        "facts": facts,
        "ci95": [round(ci[0], 6), round(ci[1], 6)],
    }


def _empty() -> dict[str, Any]:
    return {"kept": None, "retrievable": None, "lost": None, "facts": 0, "ci95": None}


def compare(sessions: Sequence[SessionResult], arm: Arm, baseline: Arm, unit: str) -> dict[str, Any]:
    """Paired differences of ``arm`` against ``baseline`` with intervals.

    ``cost_saving`` is ``1 - cost(arm) / cost(baseline)`` (sessions resampled);
    ``kept_delta`` is the difference of kept shares (resampled like the retention intervals).
    """
    costs = np.array([(s.arms[arm].cost_usd, s.arms[baseline].cost_usd) for s in sessions], dtype=np.float64)
    saving = _saving(costs) if len(costs) else None
    saving_ci = bootstrap_ci(costs, _saving, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED) if len(costs) else None
    delta, delta_ci = _kept_delta(sessions, arm, baseline, unit)
    return {
        "cost_saving": _rounded(saving),
        "cost_saving_ci95": _rounded_pair(saving_ci),
        "kept_delta": _rounded(delta),
        "kept_delta_ci95": _rounded_pair(delta_ci),
    }


def _saving(rows: NDArray[np.float64]) -> float:
    base = float(rows[:, 1].sum())
    return 1.0 - float(rows[:, 0].sum()) / base if base else 0.0


def _kept_delta(
    sessions: Sequence[SessionResult], arm: Arm, baseline: Arm, unit: str
) -> tuple[float | None, tuple[float, float] | None]:
    pairs = [(s.arms[arm].outcomes, s.arms[baseline].outcomes) for s in sessions if s.facts]
    if not pairs:
        return None, None
    if unit == "session":
        rows = np.array([(a.count("kept") - b.count("kept"), len(a)) for a, b in pairs], dtype=np.float64)
        return ratio_of_sums(rows), bootstrap_ci(rows, ratio_of_sums, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED)
    diffs = np.array(
        [(x == "kept") - (y == "kept") for a, b in pairs for x, y in zip(a, b, strict=True)], dtype=np.float64
    )
    return float(diffs.mean()), bootstrap_ci(diffs, mean, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _rounded_pair(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [round(pair[0], 6), round(pair[1], 6)]
