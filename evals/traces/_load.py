"""Format auto-detection and the one entry point, :func:`load_traces`."""

from __future__ import annotations

from pathlib import Path

from evals.traces._aider import AiderImporter
from evals.traces._anthropic import AnthropicMessagesImporter
from evals.traces._claude_code import ClaudeCodeImporter
from evals.traces._cline import ClineImporter
from evals.traces._codex import CodexImporter
from evals.traces._cursor import CursorSpecStoryImporter
from evals.traces._gemini import GeminiCLIImporter
from evals.traces._inspect import InspectImporter
from evals.traces._managed_agents import ManagedAgentsImporter
from evals.traces._model import Trace
from evals.traces._openai_chat import OpenAIChatImporter
from evals.traces._opencode import OpenCodeImporter
from evals.traces._openhands import OpenHandsImporter
from evals.traces._pi import PiImporter
from evals.traces._registry import Importer
from evals.traces._responses import OpenAIResponsesImporter
from evals.traces._swe_agent import MiniSWEAgentImporter, SWEAgentImporter
from evals.traces._tau_bench import TauBenchImporter
from headroom.errors import TraceFormatError

IMPORTERS: tuple[Importer, ...] = (
    ClaudeCodeImporter(),
    CodexImporter(),
    GeminiCLIImporter(),
    ManagedAgentsImporter(),
    PiImporter(),
    OpenCodeImporter(),
    ClineImporter(),
    InspectImporter(),
    OpenHandsImporter(),
    SWEAgentImporter(),
    MiniSWEAgentImporter(),
    TauBenchImporter(),
    AnthropicMessagesImporter(),
    OpenAIResponsesImporter(),
    OpenAIChatImporter(),
    CursorSpecStoryImporter(),
    AiderImporter(),
)
"""Asked in this order: agent-specific formats first, generic request logs and markdown last."""


def importer_names() -> list[str]:
    """The names of the known formats, in detection order."""
    return [importer.name for importer in IMPORTERS]


def get_importer(name: str) -> Importer:
    """The importer called ``name``; a TraceFormatError lists the known ones otherwise."""
    for importer in IMPORTERS:
        if importer.name == name:
            return importer
    raise TraceFormatError(name, f"unknown trace format; known: {', '.join(importer_names())}")


def detect_format(path: str | Path) -> Importer:
    """The first importer that recognises the file."""
    file = Path(path)
    if not file.is_file():
        raise TraceFormatError(str(file), "no such file")
    for importer in IMPORTERS:
        if importer.sniff(file):
            return importer
    raise TraceFormatError(str(file), f"not a recognised agent trace (tried {', '.join(importer_names())})")


def load_traces(path: str | Path, format: str | None = None) -> list[Trace]:
    """Every session recorded in the file, its format detected unless ``format`` names one.

    Raises TraceFormatError naming the file (and the line, where known) when the file is not a
    known trace format or is malformed.
    """
    file = Path(path)
    importer = get_importer(format) if format is not None else detect_format(file)
    try:
        return importer.load(file)
    except TraceFormatError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TraceFormatError(str(file), f"cannot read as {importer.name}: {exc}") from exc
