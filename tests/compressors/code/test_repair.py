"""Repairing a skeleton: bisection keeps every site except those that break the parse."""

from __future__ import annotations

from headroom.compressors._code.repair import bisect, repaired
from headroom.compressors._code.site import Site


def _sites(n: int) -> list[Site]:
    return [Site("body", f"f{i}", 10 * i, 10 * i + 5, 3, (i, i + 2), "") for i in range(n)]


def _counted(bad: set[str]) -> tuple[list[tuple[str, ...]], object]:
    seen: list[tuple[str, ...]] = []

    def parses(subset: list[Site]) -> bool:
        seen.append(tuple(site.name for site in subset))
        return not any(site.name in bad for site in subset)

    return seen, parses


def test_bisect_drops_only_the_breaking_sites() -> None:
    sites = _sites(8)
    _, parses = _counted({"f2", "f5"})
    kept = bisect(sites, parses)  # type: ignore[arg-type]
    assert [s.name for s in kept] == ["f0", "f1", "f3", "f4", "f6", "f7"]


def test_repaired_keeps_the_fixed_sites_and_bisects_the_suspects() -> None:
    sites = _sites(6)
    _, parses = _counted({"f4"})
    kept = repaired(sites, {sites[4], sites[5]}, parses)  # type: ignore[arg-type]
    assert [s.name for s in kept] == ["f0", "f1", "f2", "f3", "f5"]
