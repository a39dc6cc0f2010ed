"""The building blocks of policy sections: frozen models and fields with a declared search range."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def tunable(
    default: Any,
    description: str,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: Sequence[Any] | None = None,
    log: bool = False,
) -> Any:
    """A field with a declared search range (numeric ``low``/``high`` or ``choices``)."""
    search: dict[str, Any] = {"log": log}
    if choices is not None:
        search["choices"] = list(choices)
    else:
        search.update(low=low, high=high)
    bounds: dict[str, Any] = {}
    if low is not None and high is not None:
        bounds = {"ge": low, "le": high}
    return Field(default=default, description=description, json_schema_extra={"tunable": search}, **bounds)


class Frozen(BaseModel):
    """A frozen section that refuses keys it does not declare."""

    model_config = ConfigDict(frozen=True, extra="forbid")
