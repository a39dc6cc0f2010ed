"""Run the memory set through a real memory store: recall@k of saved facts and injection's token cost.

Per project, session by session: each later session's questions search the memory (facts of
earlier sessions only), then the session's facts are saved (deduplicated, capped, evicted like
any agent's). Baseline: the ``k`` most recently saved facts (what an injection without search
would add). The injection figures come from ``headroom.memory.inject`` on the session's
conversation up to the question, at a token budget.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.memory._dataset import Project, Question
from evals.stats import mean_ci, paired_delta_ci
from headroom.memory import MemoryStore, fact_id, inject
from headroom.tokens import count_tokens

KS = (1, 3, 5, 10)


@dataclass
class _Tally:
    recall: dict[int, list[float]] = field(default_factory=lambda: {k: [] for k in KS})
    hit: dict[int, list[float]] = field(default_factory=lambda: {k: [] for k in KS})
    recent: dict[int, list[float]] = field(default_factory=lambda: {k: [] for k in KS})
    literal: list[bool] = field(default_factory=list)
    injected_tokens: list[int] = field(default_factory=list)
    injected_facts: list[int] = field(default_factory=list)
    injected_recall: list[float] = field(default_factory=list)
    request_tokens: list[int] = field(default_factory=list)
    saved: int = 0
    duplicates: int = 0
    evicted: int = 0
    facts: int = 0


def evaluate(
    projects: Sequence[Project], open_store: Callable[[], MemoryStore], budget: int = 400
) -> dict[str, Any]:
    """The figures of one split (numbers only; the CLI formats them)."""
    tally = _Tally()
    store = open_store()
    try:
        for project in projects:
            _run_project(project, store, budget, tally)
    finally:
        store.close()
    return _summary(projects, tally, budget)


def _run_project(project: Project, store: MemoryStore, budget: int, tally: _Tally) -> None:
    pid = f"corpus:{project.name}"
    anchors_of: dict[str, frozenset[str]] = {}
    for session, (facts, questions) in enumerate(project.sessions):
        for question in questions:
            relevant = {fid for fid, named in anchors_of.items() if named & question.needed}
            if relevant:
                _ask(store, pid, question, relevant, budget, tally)
        for fact in facts:
            saved = store.save(pid, fact.content, agent=fact.agent, session=f"{project.name}#{session}")
            tally.facts += 1
            tally.saved += not saved.duplicate
            tally.duplicates += saved.duplicate
            tally.evicted += len(saved.evicted)
            anchors_of[fact_id(fact.content)] = (
                anchors_of.get(fact_id(fact.content), frozenset()) | fact.anchors
            )


def _ask(
    store: MemoryStore, pid: str, question: Question, relevant: set[str], budget: int, tally: _Tally
) -> None:
    found = [hit.fact.id for hit in store.search(pid, question.query, k=max(KS))]
    newest = [fact.id for fact in store.recent(pid, limit=max(KS))]
    for k in KS:
        tally.recall[k].append(len(relevant & set(found[:k])) / min(len(relevant), k))
        tally.hit[k].append(float(bool(relevant & set(found[:k]))))
        tally.recent[k].append(len(relevant & set(newest[:k])) / min(len(relevant), k))
    tally.literal.append(question.literal)
    done = inject([{"role": "user", "content": question.history}], store, pid, budget, query=question.query)
    tally.injected_tokens.append(done.tokens)
    tally.injected_facts.append(len(done.facts))
    tally.injected_recall.append(
        len(relevant & {f.id for f in done.facts}) / min(len(relevant), max(1, len(done.facts)))
    )
    tally.request_tokens.append(count_tokens(question.history))


def _summary(projects: Sequence[Project], tally: _Tally, budget: int) -> dict[str, Any]:
    questions = len(tally.literal)
    if not questions:
        return {"projects": len(projects), "questions": 0}
    hard = [i for i, literal in enumerate(tally.literal) if not literal]

    def ci(values: list[float]) -> list[float]:
        return [round(v, 3) for v in mean_ci(values).as_list()] if values else []

    overhead = [t / r for t, r in zip(tally.injected_tokens, tally.request_tokens, strict=True) if r]
    return {
        "projects": len(projects),
        "sessions": sum(len(p.sessions) for p in projects),
        "facts_offered": tally.facts,
        "facts_saved": tally.saved,
        "duplicates": tally.duplicates,
        "evicted": tally.evicted,
        "questions": questions,
        "literal_questions": questions - len(hard),
        "recall_at": {k: ci(tally.recall[k]) for k in KS},
        "hit_at": {k: ci(tally.hit[k]) for k in KS},
        "recent_baseline_recall_at": {k: ci(tally.recent[k]) for k in KS},
        "search_minus_baseline_at": {
            k: [round(v, 3) for v in paired_delta_ci(tally.recent[k], tally.recall[k]).as_list()] for k in KS
        },
        "non_literal_recall_at": {k: ci([tally.recall[k][i] for i in hard]) for k in KS},
        "inject": {
            "budget_tokens": budget,
            "tokens_mean": round(statistics.fmean(tally.injected_tokens), 1),
            "tokens_median": statistics.median(tally.injected_tokens),
            "facts_mean": round(statistics.fmean(tally.injected_facts), 2),
            "recall_at_budget": ci(tally.injected_recall),
            "request_tokens_median": statistics.median(tally.request_tokens),
            "overhead_of_request_median": round(statistics.median(overhead), 4) if overhead else None,
        },
    }
