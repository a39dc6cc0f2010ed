"""``headroom tune --content-type shaping --suite``: the study over a suite, and its export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from evals.providers._base import Request, Response
from evals.traces._model import Usage
from evals.tune._shaping_study import tune_shaping
from evals.tune.cli import export
from headroom.cli._tune import tune_group
from headroom.policy import Policy, load_policy
from headroom.shaping import VERBOSITY_NOTES

DEMO_SUITE = Path(__file__).resolve().parents[3] / "configs" / "suites" / "demo.yaml"
GOLD = {
    "Which port refused the connection?": "port 5432 on db-primary",
    "Who owns the billing service?": "payments platform team",
    "What version is deployed?": "release 4 2 1 build 77",
}


class NoteFake:
    """Wordy without a note, exactly the gold at concise, clipped (worse) at terse."""

    name = "note-fake"

    async def generate(self, request: Request) -> Response:
        system = "\n".join(str(m.get("content") or "") for m in request.messages if m["role"] == "system")
        question = next(str(m["content"]) for m in request.messages if m["role"] == "user")
        gold = GOLD[question]
        level = next(
            (lvl for lvl, notes in VERBOSITY_NOTES.items() if any(n in system for n in notes.values())), "off"
        )
        if level == "terse":
            text = gold.split()[0]
        elif level == "concise":
            text = gold
        else:
            text = f"Having read the whole tool output carefully, the answer is {gold}, as you asked."
        return Response(text=text, usage=Usage(output_tokens=len(text.split())))


def _suite(tmp_path: Path, **extra: Any) -> Path:
    probes = [
        {"id": f"p{i}", "context": f"context {i}: {gold}", "question": question, "answers": [gold]}
        for i, (question, gold) in enumerate(GOLD.items())
    ]
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump({"name": "tiny", "probes": probes, **extra}), encoding="utf-8")
    return path


def _options(tmp_path: Path, suite: Path, **extra: Any) -> dict[str, Any]:
    return {"suite": suite, "trials": 24, "seed": 3, "delta": 0.05, "out": tmp_path / "out", **extra}


def test_study_picks_the_fewest_output_tokens_within_delta(tmp_path: Path) -> None:
    run = tune_shaping(_options(tmp_path, _suite(tmp_path)), provider=NoteFake())
    summary = run.summary
    assert summary["study"] == "headroom-shaping" and summary["cases"] == 3
    assert summary["trials"]["complete"] == 24 and run.trials_run == 24
    chosen = summary["chosen"]
    # Terse is shorter but loses the answer (beyond δ); concise is both shorter and exact.
    assert chosen["params"]["shaping.verbosity"] == "concise"
    metrics = chosen["metrics"]
    assert metrics["baseline_output_tokens"] == round(run.baseline.output_tokens, 4)
    assert metrics["output_tokens"] < metrics["baseline_output_tokens"]
    assert metrics["quality"] >= metrics["baseline_quality"] - 0.05


def test_seeded_study_reproduces(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    first = tune_shaping(_options(tmp_path / "a", suite, trials=8), provider=NoteFake())
    second = tune_shaping(_options(tmp_path / "b", suite, trials=8), provider=NoteFake())
    assert first.summary["chosen"] == second.summary["chosen"]


def test_export_writes_the_shaping_section_with_provenance(tmp_path: Path) -> None:
    options = _options(tmp_path, _suite(tmp_path))
    run = tune_shaping(options, provider=NoteFake())
    base = tmp_path / "base.yaml"
    base.write_text(Policy(name="base").model_copy(update={"encoding": "cl100k_base"}).to_yaml())
    storage = f"sqlite:///{tmp_path / 'out' / 'optuna.db'}"
    done = export({"study": "headroom-shaping", "storage": storage, "out": tmp_path / "pol", "base": base})
    policy = load_policy(done.path)
    assert done.path == tmp_path / "pol" / "headroom-shaping.yaml"
    assert policy.shaping.verbosity == "concise" and policy.encoding == "cl100k_base"
    assert policy.json_ == Policy().json_
    assert policy.provenance is not None
    assert policy.provenance.study == "headroom-shaping" and policy.provenance.trial == done.trial
    assert policy.provenance.trial == run.summary["chosen"]["trial"]
    metrics = policy.provenance.metrics
    assert {"output_tokens", "quality", "baseline_output_tokens", "baseline_quality", "delta"} <= set(metrics)
    assert metrics["content_type"] == "shaping" and metrics["delta"] == 0.05


def test_export_delta_redraws_the_constraint(tmp_path: Path) -> None:
    tune_shaping(_options(tmp_path, _suite(tmp_path)), provider=NoteFake())
    storage = f"sqlite:///{tmp_path / 'out' / 'optuna.db'}"
    loose = export({"study": "headroom-shaping", "storage": storage, "out": tmp_path / "pol", "delta": 1.0})
    assert loose.policy.shaping.verbosity == "terse"
    assert loose.policy.provenance is not None and loose.policy.provenance.metrics["delta"] == 1.0


def test_cli_runs_the_demo_suite_and_exports(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    args = ["--content-type", "shaping", "--suite", str(DEMO_SUITE), "--trials", "3", "--out", str(out)]
    tuned = runner.invoke(tune_group, [*args, "--json"])
    assert tuned.exit_code == 0, tuned.output
    [summary] = json.loads(tuned.output)
    assert summary["content_type"] == "shaping" and summary["trials"]["complete"] == 3
    # The offline reader ignores the note, so every trial ties with the baseline: trial 0 is chosen.
    assert summary["chosen"]["trial"] == 0
    storage = f"sqlite:///{out / 'optuna.db'}"
    exported = runner.invoke(
        tune_group, ["export", "headroom-shaping", "--storage", storage, "--out", str(tmp_path / "pol")]
    )
    assert exported.exit_code == 0, exported.output
    assert "output tokens" in exported.output and "quality" in exported.output
    policy = load_policy(tmp_path / "pol" / "headroom-shaping.yaml")
    assert policy.shaping == Policy().shaping and policy.provenance is not None


def test_cli_shaping_without_a_suite_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(tune_group, ["--content-type", "shaping", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "needs --suite" in result.output


def test_suite_listing_shaping_among_corpus_studies_is_a_clear_error(tmp_path: Path) -> None:
    suite = _suite(tmp_path, tune={"content_types": ["json", "shaping"], "corpus": "corpus"})
    result = CliRunner().invoke(tune_group, ["--suite", str(suite), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "--content-type shaping" in result.output
