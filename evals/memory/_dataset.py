"""A LoCoMo-style memory set built from recorded agent traces: facts saved in earlier sessions of a
project, questions asked in later ones.

Per project (a repository of the corpus), sessions run in recorded order; a project recorded as
one session of at least ``min_split_turns`` user turns is cut in two at its middle user turn.
An *episode* is a user turn and the agent's work until the next one.

* **Facts** are what an agent would save: sentences of the agent's own prose (code fences
  removed) that name an *anchor*, a file (by name) or a back-quoted identifier.
* **Questions** are later sessions' user turns; the facts *relevant* to one are the earlier
  sessions' facts naming an anchor that the agent then worked with in that episode (in its tool
  calls or prose). The query is the user's text alone, so recall measures whether a request
  finds what the agent went on to need. ``literal`` marks questions whose text names one of the
  relevant anchors itself (the easy case).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from evals.traces import Trace, load_traces

_EXTENSIONS = (
    "py|pyi|js|mjs|cjs|ts|tsx|jsx|json|jsonl|md|mdx|yaml|yml|toml|rs|go|java|kt|c|h|cc|cpp|hpp|cs|rb|php|sh|"
    "sql|html|css|scss|txt|cfg|ini|lock|swift|vue|svelte|env|xml|gradle|ipynb|proto|sol|tf|dockerfile"
)
_FILE = re.compile(rf"(?<![\w@])(?:[\w.-]+/)*([\w-]+(?:\.[\w-]+)*\.(?:{_EXTENSIONS}))\b", re.I)
_TICKED = re.compile(r"`([A-Za-z_][\w.:-]{3,60})`")
_FENCE = re.compile(r"```.*?(```|\Z)", re.S)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# Narration of what the agent is about to do, and rendered tool-call markup, are not facts anyone saves.
_NOT_A_FACT = re.compile(
    r"^(i('ll| will| am going to| need to| want to)|let me|let's|now,? (i|let)|next,? i|first,? i|okay,? i)\b"
    r"|&lt;|&gt;|tool use:",
    re.I,
)


@dataclass(frozen=True)
class Fact:
    """A sentence an agent would save, and the anchors it names."""

    content: str
    anchors: frozenset[str]
    session: int
    agent: str


@dataclass(frozen=True)
class Question:
    """A later session's request, and the earlier facts the agent went on to need."""

    query: str
    needed: frozenset[str]
    """Anchors the agent worked with in this episode that earlier facts name."""
    session: int
    literal: bool
    history: str
    """The session's conversation up to and including this request (for the request's size)."""


@dataclass
class Project:
    """One repository's sessions, as facts to save and questions to ask, session by session."""

    name: str
    split: str
    agent: str
    sessions: list[tuple[list[Fact], list[Question]]] = field(default_factory=list)


@dataclass(frozen=True)
class _Episode:
    user: str
    work: str
    """The agent's prose and tool-call arguments until the next user turn."""
    prose: str
    history: str


def anchors(text: str) -> set[str]:
    """File names (lower-cased, without their folders) and back-quoted identifiers in ``text``."""
    found = {m.group(1).lower() for m in _FILE.finditer(text)}
    return found | {m.group(1).lower() for m in _TICKED.finditer(text)}


def build(corpus: Path, split: str, *, min_split_turns: int = 4, max_fact_chars: int = 400) -> list[Project]:
    """Every project of ``split`` with at least one question that an earlier fact can answer."""
    projects = []
    for name, agent, traces in _by_repository(corpus, split):
        sessions = _sessions(traces, min_split_turns)
        project = _project(name, split, agent, sessions, max_fact_chars)
        if any(questions for _, questions in project.sessions):
            projects.append(project)
    return projects


def _by_repository(corpus: Path, split: str) -> Iterator[tuple[str, str, list[Trace]]]:
    rows = [json.loads(line) for line in (corpus / "MANIFEST.jsonl").read_text().splitlines() if line.strip()]
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row.get("kind") == "agent-trace" and row.get("split") == split:
            grouped.setdefault(row["repo"], []).append(row)
    for repo, files in sorted(grouped.items()):
        traces = [
            t for row in sorted(files, key=lambda r: r["file"]) for t in load_traces(corpus / row["file"])
        ]
        yield repo, str(files[0].get("agent", "agent")), traces


def _sessions(traces: list[Trace], min_split_turns: int) -> list[list[_Episode]]:
    sessions = [_episodes(trace) for trace in traces]
    sessions = [s for s in sessions if s]
    if len(sessions) == 1 and len(sessions[0]) >= min_split_turns:
        only = sessions[0]
        middle = len(only) // 2
        return [only[:middle], only[middle:]]
    return sessions


def _episodes(trace: Trace) -> list[_Episode]:
    episodes: list[_Episode] = []
    user: str | None = None
    work: list[str] = []
    prose: list[str] = []
    history: list[str] = []
    for turn in trace.turns:
        if turn.role == "user" and turn.text.strip():
            if user is not None:
                episodes.append(_Episode(user, "\n".join(work), "\n".join(prose), "\n".join(history)))
            user, work, prose = turn.text, [], []
            history.append(turn.text)
            continue
        history.append(turn.text + "".join(c.arguments for c in turn.tool_calls))
        if user is None or turn.role == "tool":
            continue
        work += [turn.text, *(c.arguments for c in turn.tool_calls)]
        prose.append(turn.text)
    if user is not None:
        episodes.append(_Episode(user, "\n".join(work), "\n".join(prose), "\n".join(history)))
    return episodes


def _project(
    name: str, split: str, agent: str, sessions: list[list[_Episode]], max_fact_chars: int
) -> Project:
    project = Project(name, split, agent)
    earlier: set[str] = set()
    for index, episodes in enumerate(sessions):
        questions = []
        for episode in episodes:
            needed = frozenset(anchors(episode.work) & earlier)
            if needed and len(episode.user.split()) >= 3:
                literal = bool(anchors(episode.user) & needed)
                questions.append(Question(episode.user[-2000:], needed, index, literal, episode.history))
        facts = [f for e in episodes for f in _facts(e.prose, index, agent, max_fact_chars)]
        earlier |= {a for f in facts for a in f.anchors}
        project.sessions.append((facts, questions if index else []))
    return project


def _facts(prose: str, session: int, agent: str, max_chars: int) -> Iterator[Fact]:
    for sentence in _SENTENCE.split(_FENCE.sub(" ", prose)):
        sentence = sentence.strip(" \t-*#>")
        named = anchors(sentence)
        if _NOT_A_FACT.search(sentence):
            continue
        if named and 30 <= len(sentence) <= max_chars and len(sentence.split()) >= 5:
            yield Fact(sentence, frozenset(named), session, agent)
