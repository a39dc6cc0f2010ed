"""The memory tools ``memory_save``, ``memory_search`` and ``memory_forget`` on the MCP server.

Every agent whose MCP server runs in one project (``headroom.memory.resolve_project``: an explicit
``HEADROOM_PROJECT``, else the git repository of the server's working directory, else that
directory) shares that project's facts, on the memory ``HEADROOM_MEMORY_*`` describes (SQLite by
default). The store opens on the first call, so the server starts as fast without it. A fact's
agent is ``HEADROOM_AGENT`` or the MCP client's own name; its session ``HEADROOM_SESSION_ID`` or
this server's run. Tools never inject anything into prompts.
"""

# No ``from __future__ import annotations``: the SDK reads the tools' annotations as objects.
import datetime
import os
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from headroom.errors import StoreError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from headroom.memory import Fact, MemoryStore
# ``headroom.memory`` (its settings, backends and injection) is imported on the first tool call:
# at start it cost about a third of a second, and an agent waits for ``tools/list``.

AGENT_ENV = "HEADROOM_AGENT"
SESSION_ENV = "HEADROOM_SESSION_ID"
_FACT_ID = r"^m[0-9a-f]{16}$"


class FactOut(BaseModel):
    """One fact as a tool returns it."""

    model_config = ConfigDict(frozen=True)

    id: str
    content: str
    agent: str
    """The agent that saved it."""
    session: str
    saved_at: str
    """When it was saved (ISO 8601, UTC)."""
    score: float | None = None
    """Relevance to the query (searches only; higher is better)."""


class SaveOut(BaseModel):
    """What ``memory_save`` did."""

    model_config = ConfigDict(frozen=True)

    fact: FactOut
    duplicate: bool
    """True when the project already held this fact: nothing was added."""
    evicted: list[str]
    """Ids of least recently used facts removed to stay under the project's caps."""
    project: str


class SearchOut(BaseModel):
    """What ``memory_search`` found."""

    model_config = ConfigDict(frozen=True)

    facts: list[FactOut]
    project: str


class ForgetOut(BaseModel):
    """What ``memory_forget`` did."""

    model_config = ConfigDict(frozen=True)

    id: str
    forgotten: bool
    """False when the project held no fact with this id."""
    project: str


class MemoryTools:
    """What the memory tools do over one store and project, both resolved on first use."""

    def __init__(
        self, open_store: Callable[[], "MemoryStore"], project: Callable[[], str], environ: Mapping[str, str]
    ) -> None:
        self._open_store, self._resolve = open_store, project
        self._agent = environ.get(AGENT_ENV) or None
        self.session = environ.get(SESSION_ENV) or f"mcp-{uuid.uuid4().hex[:12]}"
        self._lock = threading.Lock()
        self._store: MemoryStore | None = None
        self._project: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "MemoryTools":
        """Tools on the memory and project this process's environment and directory name."""
        env = dict(os.environ if environ is None else environ)

        def store() -> "MemoryStore":
            from headroom.memory import MemorySettings

            return MemorySettings().open()

        def project() -> str:
            from headroom.memory import resolve_project

            return resolve_project(environ=env).id

        return cls(store, project, env)

    def opened(self) -> tuple["MemoryStore", str]:
        with self._lock:
            if self._store is None or self._project is None:
                self._project = self._resolve()
                self._store = self._open_store()
            return self._store, self._project

    def save(self, content: str, client: str | None) -> SaveOut:
        store, project = self.opened()
        saved = store.save(project, content, agent=self._agent or client or "unknown", session=self.session)
        return SaveOut(
            fact=_out(saved.fact), duplicate=saved.duplicate, evicted=list(saved.evicted), project=project
        )

    def search(self, query: str, k: int) -> SearchOut:
        store, project = self.opened()
        return SearchOut(
            facts=[_out(h.fact, h.score) for h in store.search(project, query, k)], project=project
        )

    def forget(self, fact_id: str) -> ForgetOut:
        store, project = self.opened()
        return ForgetOut(id=fact_id, forgotten=store.forget(project, fact_id), project=project)


def register_memory_tools(server: "MCPServer", tools: MemoryTools | None = None) -> None:
    """Add the three memory tools to ``server`` (default: on this process's environment)."""
    from mcp.server.mcpserver import Context
    from mcp_types import CallToolResult, TextContent

    memory = tools or MemoryTools.from_environment()

    def result(text: str, report: BaseModel) -> CallToolResult:
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=report.model_dump()
        )

    def refused(exc: StoreError) -> CallToolResult:
        return CallToolResult(content=[TextContent(type="text", text=str(exc))], is_error=True)

    @server.tool()
    def memory_save(
        content: Annotated[
            str,
            Field(
                description="One self-contained fact worth knowing in later sessions (≤ 2,000 characters)."
            ),
        ],
        ctx: Context,
    ) -> Annotated[CallToolResult, SaveOut]:
        """Remember a fact about this project for every agent and later session (saved once)."""
        try:
            report = memory.save(content, _client_name(ctx))
        except StoreError as exc:
            return refused(exc)
        verb = "already known" if report.duplicate else "saved"
        text = f"{verb}: {report.fact.id}" + (
            f" (evicted {', '.join(report.evicted)})" if report.evicted else ""
        )
        return result(text, report)

    # At most 20 facts of 2,000 characters: about 10,000 tokens, Claude Code's MCP output warning.
    @server.tool()
    def memory_search(
        query: Annotated[str, Field(description="What you want to know, in words the fact would use.")],
        k: Annotated[int, Field(ge=1, le=20, description="How many facts to return at most.")] = 10,
    ) -> Annotated[CallToolResult, SearchOut]:
        """Facts saved in this project (by any agent) most relevant to the query, best first."""
        try:
            report = memory.search(query, k)
        except StoreError as exc:
            return refused(exc)
        lines = [f"- [{f.id}; {f.agent}, {f.saved_at[:10]}] {f.content}" for f in report.facts]
        return result("\n".join(lines) if lines else "no saved fact matches", report)

    @server.tool()
    def memory_forget(
        id: Annotated[str, Field(pattern=_FACT_ID, description="The fact's id, e.g. m0123456789abcdef.")],
    ) -> Annotated[CallToolResult, ForgetOut]:
        """Remove a saved fact of this project (one that is wrong or out of date)."""
        try:
            report = memory.forget(id)
        except StoreError as exc:
            return refused(exc)
        return result(("forgotten: " if report.forgotten else "no such fact: ") + id, report)


def _client_name(ctx: Any) -> str | None:
    """The MCP client's own name (``clientInfo.name`` of its initialize request), when it sent one."""
    try:
        params = ctx.session.client_params
    except (AttributeError, ValueError):
        return None
    info = getattr(params, "client_info", None)
    return getattr(info, "name", None) or None


def _out(fact: "Fact", score: float | None = None) -> FactOut:
    saved_at = datetime.datetime.fromtimestamp(fact.created_at, datetime.UTC).isoformat(timespec="seconds")
    return FactOut(
        id=fact.id,
        content=fact.content,
        agent=fact.agent,
        session=fact.session,
        saved_at=saved_at,
        score=score,
    )
