"""Prometheus metrics of one proxy (its own registry, so several apps in a process never collide)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "Metrics"]

_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The counters ``/metrics`` serves and ``/health`` summarises."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "headroom_requests", "Requests handled.", ["route", "status_class", "stream"], registry=r
        )
        self.passthrough = Counter(
            "headroom_passthrough",
            "Requests forwarded uncompressed (fail open), by reason.",
            ["reason"],
            registry=r,
        )
        self.tokens_in = Counter(
            "headroom_live_tokens_in", "Live-zone tokens before compression.", registry=r
        )
        self.tokens_out = Counter(
            "headroom_live_tokens_out", "Live-zone tokens after compression.", registry=r
        )
        self.tokens_saved = Counter("headroom_tokens_saved", "Live-zone tokens removed.", registry=r)
        self.cache_read = Counter(
            "headroom_upstream_cache_read_tokens",
            "Prompt tokens the upstream read from its cache.",
            registry=r,
        )
        self.cache_write = Counter(
            "headroom_upstream_cache_write_tokens",
            "Prompt tokens the upstream wrote to its cache.",
            registry=r,
        )
        self.compress_seconds = Histogram(
            "headroom_compress_seconds", "Time to compress one request.", buckets=_FAST, registry=r
        )
        self.ttfb_seconds = Histogram(
            "headroom_upstream_ttfb_seconds",
            "Time from request to upstream response headers.",
            buckets=_FAST,
            registry=r,
        )
        self.retrievals = Counter(
            "headroom_retrievals", "Retrieval calls served, by outcome.", ["outcome"], registry=r
        )
        self.rounds = Counter("headroom_ccr_rounds", "Continuation rounds sent upstream.", registry=r)
        self.tool_changes = Counter(
            "headroom_retrieval_tool_changes",
            "Sessions whose requests gained or lost the retrieval tool (a loss rebuilds the cached prefix).",
            ["change"],
            registry=r,
        )
        self._inflight = Gauge("headroom_inflight_requests", "Requests in progress.", registry=r)
        self.inflight = 0
        """Requests in progress (a stream until its last byte), for ``/health``."""

    def started(self) -> None:
        self.inflight += 1
        self._inflight.inc()

    def finished(self) -> None:
        self.inflight -= 1
        self._inflight.dec()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def usage(self, usage: Any) -> None:
        """Count the upstream's cache reads and writes from a usage object of any of the three APIs."""
        if not isinstance(usage, dict):
            return
        read = _int(usage.get("cache_read_input_tokens"))
        for details in ("prompt_tokens_details", "input_tokens_details"):
            inner = usage.get(details)
            if isinstance(inner, dict):
                read += _int(inner.get("cached_tokens"))
        self.cache_read.inc(read)
        self.cache_write.inc(_int(usage.get("cache_creation_input_tokens")))

    def counters(self) -> dict[str, Any]:
        """Totals for ``/health``."""
        out: dict[str, Any] = {"requests": 0, "passthrough_by_reason": {}, "retrievals": 0}
        for family in self.registry.collect():
            for sample in family.samples:
                if sample.name == "headroom_requests_total":
                    out["requests"] += int(sample.value)
                elif sample.name == "headroom_passthrough_total":
                    out["passthrough_by_reason"][sample.labels["reason"]] = int(sample.value)
                elif sample.name == "headroom_retrievals_total":
                    out["retrievals"] += int(sample.value)
        return out


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
