"""Search spaces derived from the policy schema, one policy section per content-type study.

The schema (:func:`headroom.policy.search_space`) is the only source of ranges, so a study can
never suggest a key the runtime ignores. A suite may narrow a range or change its scale, but
not widen it past the schema's bounds: the runtime would reject the exported value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import optuna

from headroom.errors import ConfigError
from headroom.policy import Policy, policy_from_mapping, search_space


@dataclass(frozen=True)
class ParamSpec:
    """One tunable parameter: a numeric range or a list of choices."""

    name: str
    """Dotted key, e.g. ``json.max_items``."""
    default: Any
    """The schema default (what the default policy uses)."""
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    @property
    def is_int(self) -> bool:
        """Integer-valued range (the schema default is an int)."""
        return not self.choices and isinstance(self.default, int) and not isinstance(self.default, bool)

    def suggest(self, trial: optuna.trial.BaseTrial) -> Any:
        """Ask optuna for a value of this parameter."""
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        assert self.low is not None and self.high is not None
        if self.is_int:
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log)


def section_space(section: str, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[ParamSpec]:
    """Every tunable of policy ``section`` (``"json"``, ``"log"``…), with suite overrides applied."""
    schema = search_space(Policy)
    prefix = f"{section}."
    specs = {key: spec_of(key, raw) for key, raw in schema.items() if key.startswith(prefix)}
    if not specs:
        raise ConfigError(f"policy section {section!r} has no tunable fields")
    for key, change in (overrides or {}).items():
        if key not in specs:
            raise ConfigError(f"tune space: {key!r} is not a tunable of section {section!r}")
        specs[key] = _override(specs[key], change)
    return [specs[key] for key in sorted(specs)]


def spec_of(key: str, raw: Mapping[str, Any]) -> ParamSpec:
    """The spec of one entry of :func:`headroom.policy.search_space`."""
    if "choices" in raw:
        return ParamSpec(key, raw["default"], choices=tuple(raw["choices"]))
    return ParamSpec(key, raw["default"], low=raw["low"], high=raw["high"], log=bool(raw.get("log")))


def _override(spec: ParamSpec, change: Mapping[str, Any]) -> ParamSpec:
    unknown = set(change) - {"low", "high", "log", "choices"}
    if unknown:
        raise ConfigError(f"tune space {spec.name}: unknown setting(s) {sorted(unknown)}")
    if spec.choices:
        choices = tuple(change.get("choices", spec.choices))
        if not choices or not set(choices) <= set(spec.choices):
            raise ConfigError(f"tune space {spec.name}: choices must be a non-empty subset of {spec.choices}")
        return ParamSpec(spec.name, spec.default, choices=choices)
    low, high = change.get("low", spec.low), change.get("high", spec.high)
    assert spec.low is not None and spec.high is not None
    if not spec.low <= low <= high <= spec.high:
        raise ConfigError(
            f"tune space {spec.name}: [{low}, {high}] must lie within the schema range "
            f"[{spec.low}, {spec.high}] (the runtime rejects values outside it)"
        )
    log = bool(change.get("log", spec.log))
    if log and low <= 0:
        raise ConfigError(f"tune space {spec.name}: a log scale needs low > 0")
    return ParamSpec(spec.name, spec.default, low=low, high=high, log=log)


def defaults(space: list[ParamSpec], base: Policy) -> dict[str, Any]:
    """The base policy's values for ``space`` (the baseline trial), clamped into narrowed ranges."""
    dumped = base.model_dump(mode="json", by_alias=True)
    values: dict[str, Any] = {}
    for spec in space:
        section, field = spec.name.split(".", 1)
        value = dumped[section][field]
        if spec.choices:
            values[spec.name] = value if value in spec.choices else spec.choices[0]
        else:
            assert spec.low is not None and spec.high is not None
            values[spec.name] = min(max(value, spec.low), spec.high)
    return values


def apply(base: Policy, params: Mapping[str, Any], name: str | None = None) -> Policy:
    """``base`` with dotted ``params`` written into their sections, validated by the schema."""
    data = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    for key, value in params.items():
        section, field = key.split(".", 1)
        if section not in data or not isinstance(data[section], dict):
            raise ConfigError(f"unknown policy section {section!r} in parameter {key!r}")
        data[section][field] = value
    if name is not None:
        data["name"] = name
    return policy_from_mapping(data, source="tuned parameters")
