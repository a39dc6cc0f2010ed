"""Names a module exports but imports only on first use (PEP 562), so importing it stays light."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(module: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``module``: a name in ``homes`` is imported from the
    module named there when first asked for, then kept in ``module``'s namespace, so later
    lookups are plain attribute reads; any other name is an ``AttributeError`` as usual."""
    namespace = vars(sys.modules[module])

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    return __getattr__
