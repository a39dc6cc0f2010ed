"""The search space comes from the policy schema; suites may only narrow it."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

from evals.tune import apply, content_types, defaults, section_space
from headroom.errors import ConfigError
from headroom.policy import Policy, search_space


@pytest.mark.parametrize("name", sorted(content_types()))
def test_space_is_every_tunable_of_the_section_with_schema_ranges(name: str) -> None:
    section = content_types()[name].section
    schema = {k: v for k, v in search_space(Policy).items() if k.startswith(f"{section}.")}
    space = section_space(section)
    assert [s.name for s in space] == sorted(schema)
    for spec in space:
        raw = schema[spec.name]
        assert spec.default == raw["default"]
        if "choices" in raw:
            assert list(spec.choices) == raw["choices"]
        else:
            assert (spec.low, spec.high, spec.log) == (raw["low"], raw["high"], raw["log"])


def test_only_the_section_is_tuned() -> None:
    names = {s.name.split(".")[0] for s in section_space("json")}
    assert names == {"json"}


def test_suggestions_follow_types_and_bounds() -> None:
    space = section_space("code")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    for _ in range(20):
        trial = study.ask()
        for spec in space:
            value = spec.suggest(trial)
            if spec.choices:
                assert value in spec.choices
            else:
                assert spec.low is not None and spec.high is not None
                assert spec.low <= value <= spec.high
                assert isinstance(value, int) == spec.is_int
        study.tell(trial, 0.0)


def test_suite_may_narrow_a_range_and_its_choices() -> None:
    space = {
        s.name: s for s in section_space("json", {"json.max_items": {"low": 5, "high": 60, "log": False}})
    }
    assert (space["json.max_items"].low, space["json.max_items"].high, space["json.max_items"].log) == (
        5,
        60,
        False,
    )
    diff = {s.name: s for s in section_space("diff", {"diff.collapse_diffstat": {"choices": [True]}})}
    assert diff["diff.collapse_diffstat"].choices == (True,)


@pytest.mark.parametrize(
    "override",
    [
        {"json.max_items": {"low": 1, "high": 60}},
        {"json.max_items": {"low": 5, "high": 5000}},
        {"json.max_items": {"step": 2}},
        {"json.not_a_field": {"low": 1, "high": 2}},
        {"log.head_lines": {"low": 1, "high": 2}},
    ],
)
def test_suite_cannot_widen_or_invent(override: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        section_space("json", override)


def test_defaults_are_the_base_policy_values() -> None:
    assert defaults(section_space("log"), Policy()) == {s.name: s.default for s in section_space("log")}


def test_apply_writes_the_section_and_validates() -> None:
    tuned = apply(Policy(), {"json.max_items": 40, "json.outlier_z": 2.5}, name="t")
    assert (tuned.json_.max_items, tuned.json_.outlier_z, tuned.name) == (40, 2.5, "t")
    assert tuned.log == Policy().log
    with pytest.raises(ConfigError, match="max_items"):
        apply(Policy(), {"json.max_items": 10_000})
    with pytest.raises(ConfigError, match="bogus"):
        apply(Policy(), {"json.bogus": 1})
