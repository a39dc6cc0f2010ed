"""Commands whose optional extra is missing say which one to install, never a traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from headroom.errors import MissingDependency

_OWN_PACKAGES = frozenset({"headroom", "evals", "training", "benchmarks"})


@contextlib.contextmanager
def needs_extra(extra: str) -> Iterator[None]:
    """Run a command that needs ``headroom[extra]``: a third-party module it cannot import becomes
    :class:`MissingDependency` naming the module and the install line. Our own modules that fail
    to import are bugs, and propagate as they are."""
    try:
        yield
    except ModuleNotFoundError as exc:
        root = (exc.name or "").split(".")[0]
        if not root or root in _OWN_PACKAGES:
            raise
        raise MissingDependency(f"the package {root!r}, which this command needs,", extra=extra) from exc
