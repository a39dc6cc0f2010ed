"""Distributed tuning: two ``headroom tune`` worker processes share one study on PostgreSQL.

Needs a real server: ``.ci/run`` starts one with ``.ci/postgres.sh`` and exports
``HEADROOM_TEST_POSTGRES_URL``. Without it the test is skipped, saying why.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from tests.conftest import make_log

pytestmark = pytest.mark.server

URL_ENV = "HEADROOM_TEST_POSTGRES_URL"
TRIALS_PER_WORKER = 3
WORKER_SEEDS = (11, 22)
WORKER_TIMEOUT_S = 420
ROOT = Path(__file__).resolve().parents[3]
# Keys a worker may record to say which process ran a trial; the first one present is used.
WORKER_ATTRS = ("worker", "hostname_pid", "host_pid")


@pytest.fixture
def postgres_url() -> str:
    """The server's URL, or a skip that says what is missing."""
    url = os.environ.get(URL_ENV)
    if not url:
        pytest.skip(f"{URL_ENV} is not set (.ci/run starts PostgreSQL with .ci/postgres.sh)")
    psycopg2 = pytest.importorskip("psycopg2", reason="psycopg2-binary (the evals extra) is not installed")
    try:
        psycopg2.connect(url, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {URL_ENV} is unreachable: {str(exc).strip()}")
    return _with_installed_driver(url)


def _with_installed_driver(url: str) -> str:
    """Name the psycopg2 driver when SQLAlchemy's default for ``postgresql://`` is not installed.

    SQLAlchemy 2.1 maps a bare ``postgresql://`` to psycopg 3, 2.0 to psycopg2; the evals extra
    ships psycopg2-binary, so say so explicitly unless psycopg 3 is there.
    """
    if not url.startswith("postgresql://") or importlib.util.find_spec("psycopg") is not None:
        return url
    return "postgresql+psycopg2://" + url.removeprefix("postgresql://")


@pytest.fixture
def study_name(postgres_url: str) -> Iterator[str]:
    """A fresh study name; the study is deleted afterwards, whatever happened."""
    # Create optuna's tables once, here: two workers creating them at the same instant on a
    # brand-new database can race in PostgreSQL's catalog, which is not what this test is about.
    optuna.storages.RDBStorage(postgres_url)
    name = f"headroom-test-distributed-{uuid.uuid4().hex[:12]}"
    yield name
    with contextlib.suppress(KeyError):  # a worker failed before creating it
        optuna.delete_study(study_name=name, storage=postgres_url)


def _corpus(root: Path) -> Path:
    logs = root / "corpus" / "log"
    logs.mkdir(parents=True)
    (logs / "service.log").write_text(make_log(400), encoding="utf-8")
    (logs / "batch.log").write_text(make_log(150).replace("INFO request", "DEBUG job"), encoding="utf-8")
    return root / "corpus"


def _worker(corpus: Path, url: str, study: str, seed: int, out: Path) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "headroom",
        "tune",
        "--corpus",
        str(corpus),
        "--content-type",
        "log",
        "--trials",
        str(TRIALS_PER_WORKER),
        "--storage",
        url,
        "--study",
        study,
        "--seed",
        str(seed),
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        command, cwd=out, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(worker: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        out, err = worker.communicate(timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        worker.kill()
        out, err = worker.communicate()
    return worker.returncode, f"--- stdout\n{out[-3000:]}\n--- stderr\n{err[-3000:]}"


def test_two_workers_fill_one_postgres_study(tmp_path: Path, postgres_url: str, study_name: str) -> None:
    corpus = _corpus(tmp_path)
    outs = [tmp_path / f"worker-{seed}" for seed in WORKER_SEEDS]
    for out in outs:
        out.mkdir()
    # Both start before either finishes: they really share the study while it grows.
    workers = [
        _worker(corpus, postgres_url, study_name, seed, out)
        for seed, out in zip(WORKER_SEEDS, outs, strict=True)
    ]
    results = [_finish(worker) for worker in workers]
    for code, output in results:
        assert code == 0, output

    study = optuna.load_study(study_name=study_name, storage=postgres_url)
    trials = study.get_trials(deepcopy=False)
    numbers = [t.number for t in trials]
    assert len(trials) == 2 * TRIALS_PER_WORKER, [t.state for t in trials]
    assert sorted(numbers) == list(range(2 * TRIALS_PER_WORKER)), "trial numbers are unique and dense"
    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    assert all(t.state in finished for t in trials), [t.state for t in trials]
    assert any(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    _assert_both_workers_contributed(trials)


def _assert_both_workers_contributed(trials: list[optuna.trial.FrozenTrial]) -> None:
    """Each worker ran its own trials, told apart by the worker id the tuner records, if it does."""
    for key in WORKER_ATTRS:
        ids = [t.user_attrs[key] for t in trials if key in t.user_attrs]
        if ids:
            assert len(ids) == len(trials), f"every trial records {key!r}"
            counts = sorted({i: ids.count(i) for i in ids}.values())
            assert counts == [TRIALS_PER_WORKER, TRIALS_PER_WORKER], f"{key}: {ids}"
            return
    # Without a recorded worker id, 2N trials from two workers of N trials each, both exiting 0,
    # already means both contributed; the count above covers it.
