"""Adding a compressor is one module: a plugin, loaded through an entry point, is configured from
YAML, routed, tuned and exported with no edit anywhere else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from headroom import compress_text
from headroom.ccr import MemoryStore
from headroom.cli import cli
from headroom.compressors import ENTRY_POINT_GROUP, Compressor, load_plugins, unregister
from headroom.errors import ConfigError
from headroom.policy import Policy, load_policy, policy_from_mapping, search_space
from headroom.testing import CompressorContract
from tests.compressors._progress_plugin import ProgressCompressor, ProgressPolicy

PLUGIN = EntryPoint(
    name="progress", value="tests.compressors._progress_plugin:ProgressCompressor", group=ENTRY_POINT_GROUP
)


def progress_output(package: str, steps: int = 12) -> str:
    lines = [f"Collecting {package}==2.{steps}.0"]
    lines += [
        f"Downloading {package}-2.{steps}.0.tar.gz {100 * i // steps:3d}% |{'#' * i:<{steps}}| {i * 7}kB/{steps * 7}kB"
        for i in range(1, steps + 1)
    ]
    lines.append(f"Successfully installed {package}-2.{steps}.0")
    return "\n".join(lines) + "\n"


@pytest.fixture
def plugin() -> Iterator[Compressor]:
    [loaded] = load_plugins([PLUGIN])
    try:
        yield loaded
    finally:
        unregister(loaded.name)


class TestProgressContract(CompressorContract):
    def make_compressor(self) -> Compressor:
        return ProgressCompressor()

    def own_samples(self) -> list[str]:
        return [progress_output("numpy"), progress_output("requests", 30)]


def test_the_section_is_part_of_the_policy_only_while_the_plugin_is_registered(plugin: Compressor) -> None:
    policy = policy_from_mapping({"progress": {"keep_last": 2}})
    assert policy.section("progress") == ProgressPolicy(keep_last=2)
    assert policy.progress.keep_last == 2
    assert Policy().section("progress") == ProgressPolicy()
    assert policy.policy_hash != Policy().policy_hash
    assert search_space()["progress.keep_last"] == {"log": False, "low": 1, "high": 5, "default": 1}
    with pytest.raises(ConfigError, match=r"progress\.keep_last"):
        policy_from_mapping({"progress": {"keep_last": 9}})
    unregister(plugin.name)
    with pytest.raises(ConfigError, match="progress: Extra inputs are not permitted"):
        policy_from_mapping({"progress": {"keep_last": 2}})


def test_yaml_configures_the_routed_plugin(plugin: Compressor, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump({"name": "mine", "progress": {"keep_last": 3}}), encoding="utf-8")
    text = progress_output("numpy", 40)
    kept = compress_text(text, load_policy(path), store=MemoryStore())
    assert kept.compressor == "progress"
    assert sum("%" in line for line in kept.text.splitlines()) == 3
    path.write_text(yaml.safe_dump({"progress": {"enabled": False}}), encoding="utf-8")
    off = compress_text(text, load_policy(path), store=MemoryStore())
    assert off.text == text and off.reason == "disabled by policy"


def test_the_plugin_is_tuned_and_exported_from_the_cli(plugin: Compressor, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus" / "progress"
    corpus.mkdir(parents=True)
    for index, package in enumerate(["numpy", "pandas", "scipy", "httpx"]):
        (corpus / f"{package}.log").write_text(progress_output(package, 20 + 5 * index), encoding="utf-8")
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump({"name": "base", "progress": {"min_run": 6}}), encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["tune", "--corpus", str(tmp_path / "corpus"), "--content-type", "progress", "--trials", "4"]
    args += ["--no-latency", "--tracking-uri", "none", "--base", str(base), "--out", str(out), "--json"]
    tuned = runner.invoke(cli, args)
    assert tuned.exit_code == 0, tuned.output
    [summary] = json.loads(tuned.output)
    assert summary["study"] == "headroom-progress" and len(summary["files"]) == 4
    assert summary["baseline"]["savings"] > 0 and summary["chosen"] is not None
    storage = f"sqlite:///{out / 'optuna.db'}"
    exported = runner.invoke(
        cli, ["tune", "export", "headroom-progress", "--storage", storage, "--out", str(tmp_path / "pol")]
    )
    assert exported.exit_code == 0, exported.output
    policy = load_policy(tmp_path / "pol" / "headroom-progress.yaml")
    chosen = summary["chosen"]["params"]
    assert policy.section("progress") == ProgressPolicy(
        keep_last=chosen["progress.keep_last"], min_run=chosen["progress.min_run"]
    )
    assert policy.json_ == Policy().json_ and policy.provenance is not None
    assert policy.provenance.trial == summary["chosen"]["trial"]
