"""Inline SVG charts for the HTML report: no scripts, no external styles, no fonts to fetch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563")
_W, _H, _PAD = 560, 360, 48


@dataclass(frozen=True)
class Point:
    """One scatter point: a content type under one policy."""

    series: str
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class BarGroup:
    """Bars side by side for one item (a session), one per series (raw, policy, masking)."""

    label: str
    values: tuple[tuple[str, float], ...]


def _color(series: str, order: Sequence[str]) -> str:
    return PALETTE[order.index(series) % len(PALETTE)] if series in order else PALETTE[-1]


def _legend(order: Sequence[str], top: int) -> list[str]:
    parts = []
    for i, name in enumerate(order):
        x = _PAD + i * 130
        parts.append(f'<rect x="{x}" y="{top}" width="10" height="10" fill="{_color(name, order)}"/>')
        parts.append(f'<text x="{x + 14}" y="{top + 9}" font-size="11">{escape(name)}</text>')
    return parts


def _frame(title: str, x_label: str, y_label: str, height: int = _H) -> list[str]:
    bottom = height - _PAD
    return [
        f'<svg role="img" viewBox="0 0 {_W} {height + 24}" '
        f'width="{_W}" height="{height + 24}" font-family="sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{_PAD}" y1="{bottom}" x2="{_W - 16}" y2="{bottom}" stroke="#333"/>',
        f'<line x1="{_PAD}" y1="{_PAD - 20}" x2="{_PAD}" y2="{bottom}" stroke="#333"/>',
        f'<text x="{_W / 2}" y="{height - 12}" text-anchor="middle" font-size="11">{escape(x_label)}</text>',
        f'<text x="12" y="{height / 2}" font-size="11" transform="rotate(-90 12 {height / 2})" '
        f'text-anchor="middle">{escape(y_label)}</text>',
    ]


def scatter(title: str, points: Sequence[Point], x_label: str, y_label: str) -> str:
    """Savings (x) against accuracy (y), both shares in [0, 1], one colour per series."""
    order = list(dict.fromkeys(p.series for p in points))
    parts = _frame(title, x_label, y_label)
    span_x, span_y = _W - 16 - _PAD, _H - 2 * _PAD + 20
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x, y = _PAD + tick * span_x, _H - _PAD - tick * span_y
        parts.append(
            f'<text x="{x:.1f}" y="{_H - _PAD + 14}" font-size="10" text-anchor="middle">{tick:.2f}</text>'
        )
        parts.append(
            f'<text x="{_PAD - 4}" y="{y + 3:.1f}" font-size="10" text-anchor="end">{tick:.2f}</text>'
        )
    for p in points:
        x = _PAD + min(max(p.x, 0.0), 1.0) * span_x
        y = _H - _PAD - min(max(p.y, 0.0), 1.0) * span_y
        tip = f"{p.series} · {p.label}: savings {p.x:.3f}, accuracy {p.y:.3f}"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{_color(p.series, order)}" fill-opacity="0.8">'
            f"<title>{escape(tip)}</title></circle>"
        )
        parts.append(f'<text x="{x + 7:.1f}" y="{y - 6:.1f}" font-size="10">{escape(p.label)}</text>')
    parts.extend(_legend(order, _H + 4))
    parts.append("</svg>")
    return "\n".join(parts)


def bars(title: str, groups: Sequence[BarGroup], y_label: str, unit: str = "") -> str:
    """Grouped vertical bars, one group per item, scaled to the largest value."""
    order = list(dict.fromkeys(name for g in groups for name, _ in g.values))
    parts = _frame(title, "", y_label)
    top = max((v for g in groups for _, v in g.values), default=0.0) or 1.0
    span_x, span_y = _W - 16 - _PAD, _H - 2 * _PAD + 20
    slot = span_x / max(len(groups), 1)
    width = max(slot * 0.8 / max(len(order), 1), 1.0)
    parts.append(
        f'<text x="{_PAD + 4}" y="{_PAD - 20}" font-size="10" text-anchor="start">max {top:.4g}{unit}</text>'
    )
    for i, group in enumerate(groups):
        left = _PAD + i * slot + slot * 0.1
        for name, value in group.values:
            height = value / top * span_y
            x = left + order.index(name) * width
            tip = f"{group.label} · {name}: {value:.6g}{unit}"
            parts.append(
                f'<rect x="{x:.1f}" y="{_H - _PAD - height:.1f}" width="{width:.1f}" height="{height:.1f}" '
                f'fill="{_color(name, order)}"><title>{escape(tip)}</title></rect>'
            )
        parts.append(
            f'<text x="{left + slot * 0.4:.1f}" y="{_H - _PAD + 14}" font-size="9" text-anchor="middle">'
            f"{escape(group.label[:20])}</text>"
        )
    parts.extend(_legend(order, _H + 4))
    parts.append("</svg>")
    return "\n".join(parts)
