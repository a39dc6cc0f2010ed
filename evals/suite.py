"""Suites: what to evaluate, as YAML (``configs/suites/*.yaml``).

A suite names its traces (paths or globs), its QA probes (inline or a JSONL file), the
provider and model that answer the probes, the policies to compare, the non-inferiority
margin and the bootstrap settings. Relative paths are resolved against the suite file's
directory. :func:`suite_hash` covers the suite and the bytes of every file it names, so a
changed probe or trace changes the hash.
"""

from __future__ import annotations

import glob
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.probes import Probe, load_probes, probe_from_mapping
from evals.stats import Bootstrap
from headroom.errors import ConfigError
from headroom.policy import Policy, load_policy
from headroom.yaml_io import read_yaml

DEFAULT_POLICY = "default"
"""The policy name that means the built-in default policy rather than a file."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BootstrapSpec(_Frozen):
    """Bootstrap settings for every interval of the suite."""

    resamples: int = Field(2000, ge=100, description="Resamples per interval.")
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Two-sided confidence level.")
    seed: int = Field(0, description="Seed of the resampling generator.")

    def settings(self) -> Bootstrap:
        """The stats-level settings object."""
        return Bootstrap(resamples=self.resamples, confidence=self.confidence, seed=self.seed)


class TuneSpec(_Frozen):
    """A suite's ``tune:`` block: what ``headroom tune --suite`` tunes, and how."""

    content_types: list[str] = Field(default_factory=list, description="Studies to run (default: all).")
    corpus: str | None = Field(None, description="Corpus directory (relative to the suite file).")
    space: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Range overrides within the schema, e.g. {'json.max_items': {'low': 5, 'high': 60}}.",
    )
    delta: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Largest tolerated retention drop (default: evals.tune.DEFAULT_DELTA).",
    )
    trials: int | None = Field(None, ge=1, description="Trials per study (the CLI's --trials wins).")
    sessions: bool = Field(
        False, description="Tune on the suite's traces (a session study, as --traces) instead of a corpus."
    )


class Suite(_Frozen):
    """One evaluation suite. Load with :func:`load_suite`."""

    name: str = Field(description="Suite name (used in reports and mlflow).")
    description: str = Field("", description="What the suite measures.")
    traces: list[str] = Field(default_factory=list, description="Trace files or globs to replay.")
    probes: str | list[dict[str, Any]] = Field(
        default_factory=list, description="A probes JSONL path, or the probes inline."
    )
    provider: str = Field(
        "offline",
        description="Provider spec as evals.providers.build_provider reads it, e.g. 'offline', "
        "'openai:gpt-4o-mini', 'replay:cassettes/demo.jsonl:openai:gpt-4o-mini'.",
    )
    model: str = Field("offline", description="Model name sent to the provider.")
    policies: dict[str, str] = Field(
        default_factory=lambda: {DEFAULT_POLICY: DEFAULT_POLICY},
        description="Policies by name: a policy YAML path, or 'default' for the built-in default.",
    )
    margin: float = Field(0.05, ge=0.0, le=1.0, description="Non-inferiority margin δ on accuracy.")
    bootstrap: BootstrapSpec = Field(default_factory=BootstrapSpec, description="Bootstrap settings.")
    concurrency: int = Field(8, ge=1, description="Probes in flight at once.")
    tune: TuneSpec | None = Field(None, description="Settings for headroom tune --suite.")
    root: Path = Field(Path("."), exclude=True, description="Directory relative paths resolve against.")

    def path(self, relative: str) -> Path:
        """``relative`` resolved against the suite file's directory."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    def trace_files(self) -> list[Path]:
        """Every trace file the suite names, globs expanded, sorted and deduplicated."""
        found: set[Path] = set()
        for pattern in self.traces:
            full = str(self.path(pattern))
            matches = glob.glob(full, recursive=True) if glob.has_magic(full) else [full]
            if not matches:
                raise ConfigError(f"suite {self.name}: no trace file matches {pattern!r}")
            found.update(Path(m) for m in matches)
        return sorted(found)

    def load_probes(self) -> list[Probe]:
        """The suite's probes, validated."""
        if isinstance(self.probes, str):
            return load_probes(self.path(self.probes))
        return [probe_from_mapping(p, f"suite {self.name} probe {i}") for i, p in enumerate(self.probes)]

    def policy(self, name_or_path: str) -> Policy:
        """A policy by suite name, by path, or the built-in default."""
        chosen = self.policies.get(name_or_path, name_or_path)
        if chosen == DEFAULT_POLICY:
            return Policy()
        # Suite entries are relative to the suite file; a path the user typed, to where they stand.
        given = Path(chosen)
        from_user = name_or_path not in self.policies and given.exists()
        named = load_policy(given if from_user else self.path(chosen))
        if named.name == DEFAULT_POLICY and name_or_path in self.policies:
            return named.model_copy(update={"name": name_or_path})
        return named


def load_suite(path: str | Path) -> Suite:
    """Read and validate a suite YAML file."""
    file = Path(path)
    data = read_yaml(file, "suite")
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: a suite must be a mapping")
    try:
        return Suite.model_validate({**data, "root": file.resolve().parent})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{file}: invalid suite: {problems}") from exc


def suite_hash(suite: Suite) -> str:
    """Hash of the suite's settings and of the bytes of every file it names."""
    digest = hashlib.sha256()
    body = suite.model_dump(mode="json")
    digest.update(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    named = suite.trace_files()
    if isinstance(suite.probes, str):
        named.append(suite.path(suite.probes))
    for file in named:
        digest.update(file.name.encode())
        digest.update(_file_digest(file))
    return digest.hexdigest()[:16]


def _file_digest(file: Path) -> bytes:
    try:
        return hashlib.sha256(file.read_bytes()).digest()
    except OSError as exc:
        raise ConfigError(f"cannot read suite file {file}: {exc}") from exc
