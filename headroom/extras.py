"""Optional extras: one way to import a heavy dependency, and one way for a command to say
which extra to install when an import fails, never a traceback."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from types import ModuleType

from headroom.errors import MissingDependency

__all__ = ["Importer", "needs_extra", "require"]

_OWN_PACKAGES = frozenset({"headroom", "evals", "training", "benchmarks"})
Importer = Callable[[str], ModuleType]


def require(module: str, extra: str, *, importer: Importer = importlib.import_module) -> ModuleType:
    """Import ``module`` (a heavy third-party one, imported only where it is used); when it, or
    something it needs, is not installed, raise :class:`MissingDependency` with the line that
    installs ``headroom[extra]``. ``importer`` is injected by tests."""
    with needs_extra(extra):
        return importer(module)


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
