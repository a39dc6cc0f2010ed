"""A session's savings: the proxy's ``/metrics`` counters read before and after, as differences.

The proxy serves Prometheus text; it is parsed with ``prometheus_client``'s own parser (labels,
escaping and ``_created`` samples handled), and every sample of a counter is summed over its
labels. A shared proxy also counts other sessions' traffic in the same window, which the
summary says.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from headroom.wrap._http import get

_SAMPLES = {
    "requests": "headroom_requests_total",
    "tokens_in": "headroom_live_tokens_in_total",
    "tokens_out": "headroom_live_tokens_out_total",
    "tokens_saved": "headroom_tokens_saved_total",
    "retrievals": "headroom_retrievals_total",
    "passthrough": "headroom_passthrough_total",
}


@dataclass(frozen=True)
class Counters:
    """Totals of the proxy's counters at one moment (or their change over a session)."""

    requests: float = 0.0
    tokens_in: float = 0.0
    """Live-zone tokens before compression."""
    tokens_out: float = 0.0
    tokens_saved: float = 0.0
    retrievals: float = 0.0
    """Retrieval calls the proxy served (hits and misses)."""
    passthrough: float = 0.0
    """Requests forwarded uncompressed (fail open)."""

    def minus(self, earlier: Counters) -> Counters:
        """The change since ``earlier``; a counter that went down (proxy restarted) counts from zero."""
        changes = {}
        for spec in fields(self):
            now, then = getattr(self, spec.name), getattr(earlier, spec.name)
            changes[spec.name] = now - then if now >= then else now
        return Counters(**changes)


def parse(text: str) -> Counters:
    """Counters from Prometheus exposition text; ValueError when it is not that format."""
    from prometheus_client.parser import text_string_to_metric_families

    wanted = {sample: field for field, sample in _SAMPLES.items()}
    totals = dict.fromkeys(_SAMPLES, 0.0)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            field = wanted.get(sample.name)
            if field is not None:
                totals[field] += float(sample.value)
    return Counters(**totals)


def read(base_url: str) -> Counters | None:
    """The proxy's counters now; None when ``/metrics`` does not answer or does not parse."""
    answer = get(f"{base_url}/metrics", timeout_s=2.0)
    if answer is None or answer[0] != 200:
        return None
    try:
        return parse(answer[1].decode("utf-8", errors="replace"))
    except ValueError:
        return None
