"""Keeping a skeleton parseable: the sites whose elision adds syntax errors stay as they were.

Tree-sitter recovers from errors differently once text moves, so an elision beside an error
the input already had (or a grammar gap) can break the parse far from itself. The sites next
to the skeleton's new errors are suspects; when the others parse, the suspects are bisected
back in with them applied (halves tried alone, what parses kept); otherwise all sites are.
"""

from __future__ import annotations

from collections.abc import Callable

from headroom.compressors._code.site import Node, Site
from headroom.compressors._code.skeleton import error_count, error_spans

Parses = Callable[[list[Site]], bool]


def suspects(root: Node, errors: int, spans: dict[Site, tuple[int, int]]) -> set[Site] | None:
    """``None`` when the skeleton's tree has no more errors than the input's ``errors``, else the
    applied sites (``spans``: their output bytes) overlapping or just before each error."""
    if not root.has_error or error_count(root) <= errors:
        return None
    found: set[Site] = set()
    for start, end in error_spans(root):
        before = [site for site, span in spans.items() if span[0] <= start]
        found.update(site for site, span in spans.items() if span[0] <= end and start <= span[1])
        found.update(before[-1:])
    return found or set(spans)


def repaired(sites: list[Site], found: set[Site], parses: Parses) -> list[Site]:
    """The most of ``sites`` that still parse, trying the ``found`` suspects first."""
    fixed = [site for site in sites if site not in found]
    if 2 * len(fixed) >= len(sites) and parses(fixed):
        doubtful = [site for site in sites if site in found]
        return _in_order(fixed + bisect(doubtful, lambda subset: parses(_in_order(fixed + subset))))
    return bisect(sites, parses)


def bisect(sites: list[Site], parses: Parses) -> list[Site]:
    """A subset of ``sites`` that parses: halves are tried alone and joined when they parse together."""
    if not sites or parses(sites):
        return sites
    if len(sites) == 1:
        return []
    middle = len(sites) // 2
    left, right = bisect(sites[:middle], parses), bisect(sites[middle:], parses)
    both = left + right
    if parses(both):
        return both
    return left if len(left) >= len(right) else right


def _in_order(sites: list[Site]) -> list[Site]:
    return sorted(sites, key=lambda site: site.start)
