"""Session-study trial speed: seconds (wall and CPU) per trial of a checkout, and a digest of its scores.

    python benchmarks/session_trials.py [--code DIR] [--corpus DIR] [--files N] [--trials N]
        [--workers N] [--no-prose]

Times the session evaluator of the checkout at ``--code`` (default: this one) on the corpus's
``tune`` traces (the first ``--files`` of them; 0: all): the yardsticks, the baseline policy arm,
then ``--trials`` trials of the ``activity`` and ``history`` sections drawn by a seeded random
sampler, so two checkouts (``git worktree add /tmp/old HEAD~3``) score the same policies and can
be compared in one run; equal digests mean equal scores. ``--no-prose`` turns prose compression
off in the base policy (the Kompress baseline is most of the set-up time; trials reuse its blocks).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    parser.add_argument("--files", type=int, default=0)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-prose", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    import optuna

    from evals.replay import ReplaySettings, load_pricing
    from evals.replay._evaluator import SessionEvaluator
    from evals.traces import load_traces
    from evals.tune._session_study import _space, trace_files
    from evals.tune._space import apply, defaults
    from headroom.policy import Policy

    folder = args.corpus / "agent-trace"
    if not folder.is_dir():
        print(f"no agent-trace folder under {args.corpus}: nothing to measure")
        return 0
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    files = trace_files([folder], "tune")[: args.files or None]
    traces = [trace for file in files for trace in load_traces(file)]
    base = Policy.model_validate({"prose": {"enabled": False}}) if args.no_prose else Policy()
    started = time.perf_counter()
    evaluator = SessionEvaluator(traces, ReplaySettings(policy=base, pricing=load_pricing()), args.workers)
    ready = time.perf_counter()
    space = _space(("activity", "history"), {})
    baseline = evaluator.score(apply(base, defaults(space, base)))
    done = time.perf_counter()
    print(
        f"{args.code}: {len(traces)} sessions; yardsticks {ready - started:.1f} s, baseline {done - ready:.1f} s"
    )
    sampler = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=7))
    digest = hashlib.sha256(repr((baseline.cost_usd, baseline.kept)).encode())
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.trials):
        trial = sampler.ask()
        score = evaluator.score(apply(base, {spec.name: spec.suggest(trial) for spec in space}))
        sampler.tell(trial, score.cost_usd)
        rows = [(r.cost_usd, r.outcomes, r.input_tokens, r.cache_read_tokens) for r in score.sessions]
        digest.update(repr(rows).encode())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    evaluator.close()
    print(
        f"{args.code}: {args.trials} trials, {wall / args.trials:.2f} s a trial ({cpu / args.trials:.2f} s CPU "
        f"in this process), load average {os.getloadavg()[0]:.2f}, scores {digest.hexdigest()[:16]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
