"""The README's suite and probe examples load with the real loaders and run, so the docs cannot drift."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from evals.probes import Probe
from evals.suite import BootstrapSpec, Suite, TuneSpec, load_suite
from evals.tune._space import section_space
from headroom.cli._eval_run import eval_run_command

README = Path(__file__).resolve().parents[2] / "README.md"
_EXAMPLE = re.compile(r"<!-- example: (?P<path>\S+) -->\n```\w*\n(?P<body>.*?)\n```", re.DOTALL)


def _examples() -> dict[str, str]:
    return {m["path"]: m["body"] + "\n" for m in _EXAMPLE.finditer(README.read_text(encoding="utf-8"))}


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("### Suites and probes")
    return text[start : text.index("\n## ", start)]


@pytest.fixture
def written(tmp_path: Path) -> Path:
    examples = _examples()
    assert set(examples) == {"my-evals/suite.yaml", "my-evals/probes.jsonl"}
    for rel, body in examples.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(body, encoding="utf-8")
    return tmp_path / "my-evals" / "suite.yaml"


def test_the_example_suite_and_probes_load(written: Path) -> None:
    suite = load_suite(written)
    probes = suite.load_probes()
    assert suite.name == "team-qa" and len(probes) == 3
    assert {p.label for p in probes} == {"log", "json", "prose"}
    for probe in probes:
        assert any(answer in probe.context for answer in probe.answers), probe.id
    assert suite.tune is not None and suite.tune.corpus is not None
    for kind in suite.tune.content_types:
        section_space(kind, {k: v for k, v in suite.tune.space.items() if k.startswith(f"{kind}.")})


def test_the_example_suite_runs_offline(written: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    args = ["--suite", str(written), "--out", str(out), "--no-mlflow", "--json"]
    result = CliRunner().invoke(eval_run_command, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["suite"] == "team-qa"


@pytest.mark.parametrize(
    "fields",
    [
        sorted(set(Suite.model_fields) - {"root"}),
        sorted(BootstrapSpec.model_fields),
        sorted(TuneSpec.model_fields),
        sorted(Probe.__dataclass_fields__),
    ],
)
def test_every_field_is_documented(fields: list[str]) -> None:
    section = _section()
    assert [f for f in fields if f"`{f}`" not in section] == []
