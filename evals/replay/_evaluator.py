"""Scoring many policies on the same sessions: what a session-level study asks once per trial.

Only the policy arm depends on the trial, so the sessions are prepared once (calls, fact uses,
messages, prices, cache expiry) and the raw and masking arms are replayed once, as the yardsticks.
Each trial replays the policy arm of every session, in ``workers`` processes (sessions are
independent). Each session always goes to the same process (sessions are dealt out largest first
to the least loaded one), and keeps one store for every trial: keys derive from content, so trials never disturb each other's entries, and the
runtime's block memo (per store) then reuses every block whose policy sections a trial did not
change, so a trial costs the blocks its parameters touch. A replay is deterministic, so a trial
that repeats a policy another trial scored is answered from memory.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from evals.replay._arms import Arm, ArmRunner, Tokenizer, masking_policy
from evals.replay._session import ArmResult, PreparedSession, ReplaySettings, prepare_session, replay_arm
from evals.traces import Trace
from headroom.ccr import MemoryStore
from headroom.policy import Policy, policy_from_mapping


@dataclass(frozen=True)
class SessionScore:
    """One arm's figures pooled over every session."""

    cost_usd: float
    kept: float
    """Share of later-used facts kept verbatim, pooled over facts (1.0 when there are none)."""
    retrievable: float
    """Share only retrievable through a marker (a round trip: a cost, never counted as kept)."""
    facts: int
    sessions: tuple[ArmResult, ...]

    @staticmethod
    def of(results: Sequence[ArmResult]) -> SessionScore:
        outcomes = [o for r in results for o in r.outcomes]
        facts = len(outcomes)
        return SessionScore(
            cost_usd=sum(r.cost_usd for r in results),
            kept=outcomes.count("kept") / facts if facts else 1.0,
            retrievable=outcomes.count("retrievable") / facts if facts else 0.0,
            facts=facts,
            sessions=tuple(results),
        )


class SessionEvaluator:
    """Replays the policy arm of fixed sessions for any policy; raw and masking are measured once."""

    def __init__(
        self,
        traces: Sequence[Trace],
        settings: ReplaySettings,
        workers: int = 1,
        stores: Sequence[MemoryStore] | None = None,
    ) -> None:
        """``stores``: another evaluator's (:attr:`stores`) on the same traces, so that scoring them
        under another provider's prices reuses every block it compressed (keys derive from content).
        """
        self.settings = settings
        self.workers = max(1, workers)
        self._traces = list(traces)
        self._tokenizer = Tokenizer()
        self._sessions = [prepare_session(t, settings, self._tokenizer) for t in self._traces]
        if stores is not None and len(stores) != len(self._sessions):
            raise ValueError(f"{len(stores)} stores for {len(self._sessions)} sessions")
        self.stores = list(stores) if stores is not None else [MemoryStore() for _ in self._sessions]
        self._shares = _deal([_size(s) for s in self._sessions], self.workers)
        self._pools: list[ProcessPoolExecutor] = []
        self._scores: dict[str, SessionScore] = {}
        self.raw = SessionScore.of(self._replay_here(None, "raw"))
        self.masking = SessionScore.of(self._replay_here(masking_policy(settings.policy), "masking"))
        if self.workers == 1:
            self._replay_here(compressing_policy(settings.policy), "policy")

    @property
    def sessions(self) -> int:
        return len(self._sessions)

    def score(self, policy: Policy) -> SessionScore:
        """The policy arm of every session under ``policy`` (remembered by policy hash)."""
        known = self._scores.get(policy.policy_hash)
        if known is None:
            results = (
                self._replay_here(policy, "policy") if self.workers == 1 else self._replay_pooled(policy)
            )
            known = self._scores[policy.policy_hash] = SessionScore.of(results)
        return known

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(cancel_futures=True)
        self._pools = []

    def __enter__(self) -> SessionEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _replay_here(self, policy: Policy | None, arm: Arm) -> list[ArmResult]:
        provider = self.settings.provider
        return [
            replay_arm(s, _runner(arm, policy, store), self._tokenizer, provider)
            for s, store in zip(self._sessions, self.stores, strict=True)
        ]

    def _replay_pooled(self, policy: Policy) -> list[ArmResult]:
        if not self._pools:
            # One process per share, so a session meets its own store (and its memo) every trial.
            self._pools = [
                ProcessPoolExecutor(
                    1,
                    mp_context=mp.get_context("spawn"),
                    initializer=_worker_start,
                    initargs=([self._traces[i] for i in share], self.settings),
                )
                for share in self._shares
            ]
        futures = [pool.submit(_worker_replay_all, policy) for pool in self._pools]
        results: dict[int, ArmResult] = {}
        for share, future in zip(self._shares, futures, strict=True):
            results.update(zip(share, future.result(), strict=True))
        return [results[i] for i in range(len(self._sessions))]


def compressing_policy(policy: Policy) -> Policy:
    """``policy`` with the activity rules and masking off: every live block goes through its compressor.

    Replayed once when the stores are new, so that each session's block memo holds every block as
    the base policy's content sections compress it: a trial that forwards fewer reads verbatim
    than the baseline then finds them compressed already, instead of paying for it (Kompress on
    prose) in whichever trial first asks. The memo returns what compressing anew would.
    """
    data = policy.model_dump(mode="json", by_alias=True, exclude={"provenance"})
    data["activity"]["enabled"] = False
    data["history"]["enabled"] = False
    return policy_from_mapping(data, source="memo warm-up")


def _deal(sizes: list[int], workers: int) -> list[list[int]]:
    """Session indices in ``workers`` shares of about equal size (largest first, to the lightest share)."""
    shares: list[list[int]] = [[] for _ in range(min(workers, max(1, len(sizes))))]
    loads = [0] * len(shares)
    for index in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        lightest = loads.index(min(loads))
        shares[lightest].append(index)
        loads[lightest] += sizes[index]
    return [sorted(share) for share in shares if share]


def _runner(arm: Arm, policy: Policy | None, store: MemoryStore) -> ArmRunner:
    """The policy arm keeps its session's store across trials; the yardsticks get their own."""
    return ArmRunner(arm, policy, store) if arm == "policy" else ArmRunner(arm, policy)


def _size(session: PreparedSession) -> int:
    return len(session.starts) * len(session.messages)


_WORKER: dict[str, object] = {}


def _worker_start(traces: list[Trace], settings: ReplaySettings) -> None:
    tokenizer = Tokenizer()
    _WORKER["tokenizer"] = tokenizer
    _WORKER["settings"] = settings
    _WORKER["sessions"] = [prepare_session(t, settings, tokenizer) for t in traces]
    _WORKER["stores"] = stores = [MemoryStore() for _ in traces]
    warm_up = compressing_policy(settings.policy)
    for session, store in zip(_WORKER["sessions"], stores, strict=True):  # type: ignore[call-overload]
        replay_arm(session, _runner("policy", warm_up, store), tokenizer, settings.provider)


def _worker_replay_all(policy: Policy) -> list[ArmResult]:
    sessions: list[PreparedSession] = _WORKER["sessions"]  # type: ignore[assignment]
    stores: list[MemoryStore] = _WORKER["stores"]  # type: ignore[assignment]
    settings: ReplaySettings = _WORKER["settings"]  # type: ignore[assignment]
    tokenizer: Tokenizer = _WORKER["tokenizer"]  # type: ignore[assignment]
    return [
        replay_arm(session, _runner("policy", policy, store), tokenizer, settings.provider)
        for session, store in zip(sessions, stores, strict=True)
    ]
