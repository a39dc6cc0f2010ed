"""The Pareto front of a study, the export rule, and a self-contained SVG plot of the front.

Export rule: among completed trials whose retention drop against the baseline is at most δ,
take the one with the highest savings; ties go to higher retention, then to lower latency
(latencies within ``LATENCY_TOLERANCE`` of the fastest count as equal, because timing noise
must not decide between identical outputs), then to the earliest trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import optuna
from optuna.trial import FrozenTrial, TrialState

LATENCY_TOLERANCE = 0.25
_EPS = 1e-12
_W, _H, _PAD = 600, 380, 56


@dataclass(frozen=True)
class Point:
    """One completed trial in objective space."""

    number: int
    savings: float
    retention: float
    latency: float
    feasible: bool


def points(trials: Sequence[FrozenTrial], floor: float) -> list[Point]:
    """Completed trials as points; feasible when retention ≥ ``floor`` (baseline − δ)."""
    found = []
    for trial in trials:
        if trial.state is not TrialState.COMPLETE or "retention" not in trial.user_attrs:
            continue
        attrs = trial.user_attrs
        retention = float(attrs["retention"])
        found.append(
            Point(
                trial.number,
                float(attrs["savings"]),
                retention,
                float(attrs["latency"]),
                retention >= floor - _EPS,
            )
        )
    return found


def front(found: Sequence[Point], with_latency: bool = True) -> list[Point]:
    """Feasible points no other feasible point dominates (savings ↑, retention ↑, latency ↓)."""
    feasible = [p for p in found if p.feasible]
    return sorted(
        (p for p in feasible if not any(_dominates(q, p, with_latency) for q in feasible)),
        key=lambda p: (p.savings, p.retention, p.number),
    )


def _dominates(a: Point, b: Point, with_latency: bool) -> bool:
    no_worse = a.savings >= b.savings and a.retention >= b.retention
    no_worse = no_worse and (not with_latency or a.latency <= b.latency)
    better = a.savings > b.savings or a.retention > b.retention
    return no_worse and (better or (with_latency and a.latency < b.latency))


def choose(found: Sequence[Point], with_latency: bool = True) -> Point | None:
    """The point the export rule picks, or None when no trial meets the constraint."""
    feasible = [p for p in found if p.feasible]
    if not feasible:
        return None
    top = max((p.savings, p.retention) for p in feasible)
    tied = [p for p in feasible if (p.savings, p.retention) == top]
    if with_latency:
        fastest = min(p.latency for p in tied)
        tied = [p for p in tied if p.latency <= fastest * (1 + LATENCY_TOLERANCE)]
    return min(tied, key=lambda p: p.number)


def chosen_trial(study: optuna.Study, floor: float, with_latency: bool = True) -> FrozenTrial | None:
    """The study's trial the export rule picks."""
    trials = study.get_trials(deepcopy=False)
    pick = choose(points(trials, floor), with_latency)
    return None if pick is None else next(t for t in trials if t.number == pick.number)


def svg(title: str, found: Sequence[Point], baseline: Point, chosen: Point | None) -> str:
    """Savings (x) against retention (y): every trial, the front, the baseline and the choice."""
    on_front = {p.number for p in front(found)}
    xs = [p.savings for p in [*found, baseline]]
    ys = [p.retention for p in [*found, baseline]]
    box = (min(xs), max(xs), min(ys), max(ys))
    parts = _frame(title)
    parts.extend(_ticks(box))
    for p in sorted(found, key=lambda p: p.number in on_front):
        color = "#2563eb" if p.number in on_front else ("#9ca3af" if p.feasible else "#fca5a5")
        parts.append(_dot(p, box, color, 4, f"trial {p.number}"))
    parts.append(_dot(baseline, box, "#111827", 6, "baseline (default policy)"))
    if chosen is not None:
        parts.append(_dot(chosen, box, "#16a34a", 7, f"exported: trial {chosen.number}"))
    parts.append(_legend())
    parts.append("</svg>")
    return "\n".join(parts)


def _frame(title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H + 30}" '
        f'viewBox="0 0 {_W} {_H + 30}" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{_W / 2}" y="20" font-size="14" text-anchor="middle">{escape(title)}</text>',
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - 16}" y2="{_H - _PAD}" stroke="#333"/>',
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_PAD}" y2="36" stroke="#333"/>',
        f'<text x="{_W / 2}" y="{_H - 16}" font-size="12" text-anchor="middle">token savings</text>',
        f'<text x="14" y="{_H / 2}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 14 {_H / 2})">retention</text>',
    ]


def _xy(x: float, y: float, box: tuple[float, float, float, float]) -> tuple[float, float]:
    x0, x1, y0, y1 = box
    fx = (x - x0) / (x1 - x0) if x1 > x0 else 0.5
    fy = (y - y0) / (y1 - y0) if y1 > y0 else 0.5
    return _PAD + 10 + fx * (_W - 16 - _PAD - 20), _H - _PAD - 10 - fy * (_H - _PAD - 56)


def _ticks(box: tuple[float, float, float, float]) -> list[str]:
    x0, x1, y0, y1 = box
    parts = []
    for i in range(5):
        vx, vy = x0 + (x1 - x0) * i / 4, y0 + (y1 - y0) * i / 4
        px, _ = _xy(vx, y0, box)
        _, py = _xy(x0, vy, box)
        parts.append(
            f'<text x="{px:.1f}" y="{_H - _PAD + 14}" font-size="10" text-anchor="middle">{vx:.3f}</text>'
        )
        parts.append(
            f'<text x="{_PAD - 4}" y="{py + 3:.1f}" font-size="10" text-anchor="end">{vy:.3f}</text>'
        )
    return parts


def _dot(p: Point, box: tuple[float, float, float, float], color: str, radius: int, label: str) -> str:
    x, y = _xy(p.savings, p.retention, box)
    tip = f"{label}: savings {p.savings:.4f}, retention {p.retention:.4f}, {p.latency:.1f} ms/10K tokens"
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{color}"><title>{escape(tip)}</title></circle>'
    )


def _legend() -> str:
    items = [("#2563eb", "Pareto front"), ("#9ca3af", "feasible"), ("#fca5a5", "infeasible")]
    items += [("#111827", "baseline"), ("#16a34a", "exported")]
    parts = []
    for i, (color, name) in enumerate(items):
        x = _PAD + i * 105
        parts.append(f'<circle cx="{x}" cy="{_H + 12}" r="5" fill="{color}"/>')
        parts.append(f'<text x="{x + 9}" y="{_H + 16}" font-size="11">{escape(name)}</text>')
    return "\n".join(parts)
