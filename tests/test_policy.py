from __future__ import annotations

from pathlib import Path

import pytest

from headroom.errors import ConfigError
from headroom.policy import POLICY_ENV_VAR, Policy, load_policy, policy_from_mapping, search_space

REPO = Path(__file__).resolve().parents[1]


def test_default_yaml_matches_the_built_in_default() -> None:
    assert load_policy(REPO / "configs" / "policies" / "default.yaml") == Policy()


def test_yaml_round_trip_keeps_the_hash(tmp_path: Path) -> None:
    policy = policy_from_mapping({"json": {"max_items": 9}, "log": {"tail_lines": 3}})
    path = tmp_path / "p.yaml"
    path.write_text(policy.to_yaml())
    assert load_policy(path).policy_hash == policy.policy_hash != Policy().policy_hash


def test_hash_ignores_name_and_provenance() -> None:
    base = Policy()
    renamed = policy_from_mapping({"name": "tuned", "provenance": {"study": "s1", "trial": 3}})
    assert renamed.policy_hash == base.policy_hash


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"json": {"max_itemz": 3}}, "json.max_itemz"),
        ({"json": {"max_items": 100000}}, "json.max_items"),
        ({"prose": {"keep_rate": 0.0}}, "prose.keep_rate"),
        ({"schema_version": 99}, "schema_version 99"),
        ({"surprise": 1}, "surprise"),
        ([1, 2], "must be a mapping"),
    ],
)
def test_invalid_policies_name_the_problem(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        policy_from_mapping(data)


def test_env_var_selects_the_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.yaml"
    path.write_text("log:\n  head_lines: 2\n")
    monkeypatch.setenv(POLICY_ENV_VAR, str(path))
    assert load_policy().log.head_lines == 2


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("json: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_policy(bad)


def test_policy_is_frozen() -> None:
    with pytest.raises(Exception, match="frozen"):
        Policy().log.head_lines = 3  # type: ignore[misc]


def test_every_tunable_field_declares_a_valid_range() -> None:
    space = search_space()
    assert "json.max_items" in space and "prose.keep_rate" in space
    assert space["prose.engine"]["choices"] == ["auto", "extractive"]  # tuning may pick either engine
    for key, spec in space.items():
        if "choices" in spec:
            assert spec["default"] in spec["choices"], key
        else:
            assert spec["low"] <= spec["default"] <= spec["high"], key
