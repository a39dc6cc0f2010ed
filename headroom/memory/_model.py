"""What a memory holds and answers: facts with provenance, save outcomes, search hits, caps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, model_validator


@dataclass(frozen=True)
class Fact:
    """One remembered fact of a project, with who saved it, in which session, and when."""

    id: str
    """``m`` + 16 hex digits: the hash of the normalised content (one id per fact per project)."""
    project: str
    content: str
    agent: str
    """The agent that saved it first (the MCP client's name, e.g. ``claude-code``)."""
    session: str
    """The session it was saved in (the agent's session id or the MCP server's run)."""
    created_at: float
    """When it was first saved (seconds since the epoch)."""
    used_at: float
    """When it was last saved again or returned by a search (the eviction order)."""
    uses: int
    """How many searches returned it."""


@dataclass(frozen=True)
class Saved:
    """The outcome of a save: the fact held, whether it was already there, and what made room."""

    fact: Fact
    duplicate: bool
    """True when the project already held this fact (same normalised content): nothing was added."""
    evicted: tuple[str, ...]
    """Ids of the least recently used facts removed to keep the project under its caps."""


@dataclass(frozen=True)
class Hit:
    """A fact a search found, with its BM25-style relevance (higher is better)."""

    fact: Fact
    score: float


@dataclass(frozen=True)
class MemoryStats:
    """What one project's memory holds."""

    facts: int
    bytes: int
    """UTF-8 bytes of the facts' content."""


class MemoryLimits(BaseModel):
    """Size caps: per fact (refused beyond it) and per project (least recently used evicted)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_fact_chars: int = Field(2000, gt=0)
    """Longest fact accepted, in characters: a longer one is refused, never cut."""
    max_facts: int = Field(1000, gt=0)
    """Facts one project keeps; saving beyond it evicts the least recently used."""
    max_bytes: int = Field(1_000_000, gt=0)
    """Content bytes one project keeps; saving beyond it evicts the least recently used."""

    @model_validator(mode="after")
    def _one_fact_fits(self) -> MemoryLimits:
        if self.max_fact_chars * 4 > self.max_bytes:
            raise ValueError("max_bytes must hold at least one fact of max_fact_chars (4 bytes a character)")
        return self


@runtime_checkable
class MemoryStore(Protocol):
    """A per-project memory shared by every agent and process that opens the same location.

    Every call names its project; a project never sees, finds or forgets another's facts.
    """

    location: str
    """Where the memory lives, as it may be shown (a file, or a Redis URL without its password)."""
    limits: MemoryLimits

    def save(self, project: str, content: str, *, agent: str = "unknown", session: str = "") -> Saved:
        """Remember ``content`` in ``project`` (once: a duplicate returns the fact already held)."""
        ...

    def search(self, project: str, query: str, k: int = 10) -> list[Hit]:
        """The ``k`` facts of ``project`` most relevant to ``query``, best first (each marked used)."""
        ...

    def get(self, project: str, fact_id: str) -> Fact | None:
        """The fact with this id in ``project``, or None."""
        ...

    def forget(self, project: str, fact_id: str) -> bool:
        """Remove a fact; False when ``project`` holds no fact with that id."""
        ...

    def recent(self, project: str, limit: int = 20) -> list[Fact]:
        """The most recently saved facts of ``project``, newest first."""
        ...

    def stats(self, project: str) -> MemoryStats:
        """How many facts and bytes ``project`` holds."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
