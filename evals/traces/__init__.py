"""Agent traces: the provider-neutral model and one importer per agent format."""

from evals.traces._load import IMPORTERS, detect_format, get_importer, importer_names, load_traces
from evals.traces._model import Role, ToolCall, Trace, Turn, Usage, arguments_text
from evals.traces._registry import Importer

__all__ = [
    "IMPORTERS",
    "Importer",
    "Role",
    "ToolCall",
    "Trace",
    "Turn",
    "Usage",
    "arguments_text",
    "detect_format",
    "get_importer",
    "importer_names",
    "load_traces",
]
