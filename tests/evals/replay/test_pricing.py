"""The price table: loading, model lookup, fallbacks and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.replay import load_pricing
from headroom.errors import ConfigError

_VALID = """
defaults: {openai: small, anthropic: claude-x}
models:
  small: {provider: openai, input: 1, cached_input: 0.5, cache_write: 1, output: 4, source: s, as_of: "2025-01"}
  claude-x: {provider: anthropic, input: 3, cached_input: 0.3, cache_write: 3.75, output: 15,
             aliases: [claude-old-x], source: s, as_of: "2025-01"}
"""


def test_bundled_table_loads_with_sources() -> None:
    pricing = load_pricing()
    for name in (
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "o4-mini",
        "claude-sonnet-4",
        "claude-haiku-3.5",
        "claude-opus-4",
    ):
        entry = pricing.models[name]
        assert entry.source.startswith("https://") and entry.as_of
        assert entry.cached_input < entry.input


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # the longest matching name wins
        ("openai/gpt-4.1", "gpt-4.1"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-3-5-haiku-20241022", "claude-haiku-3.5"),
        ("llama-3-70b", None),
        (None, None),
    ],
)
def test_lookup(model: str | None, expected: str | None) -> None:
    assert load_pricing().lookup(model) == expected


def test_unknown_or_foreign_model_falls_back_to_the_provider_default() -> None:
    pricing = load_pricing()
    assert pricing.resolve("llama-3-70b", "openai") == pricing.defaults["openai"]
    assert pricing.resolve("claude-opus-4-20250514", "openai") == pricing.defaults["openai"]
    assert pricing.resolve("claude-opus-4-20250514", "anthropic") == "claude-opus-4"


def test_custom_table_and_aliases(tmp_path: Path) -> None:
    file = tmp_path / "pricing.yaml"
    file.write_text(_VALID, encoding="utf-8")
    pricing = load_pricing(file)
    assert pricing.lookup("claude-old-x-2024") == "claude-x"
    assert pricing.resolve(None, "anthropic") == "claude-x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_VALID.replace("output: 4,", "output: 4, surprise: 1,"), "surprise"),
        (_VALID.replace("input: 1,", "input: -1,"), "input"),
        (_VALID.replace("openai: small", "openai: missing"), "missing"),
        ("models: [", "not valid YAML"),
    ],
)
def test_invalid_file_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "pricing.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_pricing(file)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_pricing(tmp_path / "absent.yaml")
