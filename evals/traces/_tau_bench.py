"""tau-bench trajectories: one result object, or a JSON array of them.

Each result is ``{"task_id", "reward", "info", "traj": [OpenAI Chat messages], "trial"}``;
the agent's tool calls and the ``role: tool`` results are plain OpenAI Chat messages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from evals.traces import _registry as shared
from evals.traces._model import Trace
from evals.traces._openai_chat import chat_turns

_TRAJ_KEY = re.compile(r'"traj"\s*:\s*\[')
_TAU_KEYS = re.compile(r'"(task_id|reward|trial)"\s*:')


class TauBenchImporter:
    """tau-bench historical trajectories and run results."""

    name = "tau-bench"

    def sniff(self, path: Path) -> bool:
        """JSON with a ``traj`` message list next to ``task_id``/``reward``."""
        prefix = shared.read_prefix(path)
        return bool(shared.json_kind(prefix) and _TRAJ_KEY.search(prefix) and _TAU_KEYS.search(prefix))

    def load(self, path: Path) -> list[Trace]:
        """One trace per result object."""
        data = shared.read_json(path)
        results = data if isinstance(data, list) else [data]
        return [self._trace(path, raw, i, len(results)) for i, raw in enumerate(results)]

    def _trace(self, path: Path, raw: Any, index: int, count: int) -> Trace:
        result = shared.require_dict(path, raw, f"result {index}")
        messages = shared.require_list(path, result.get("traj"), f"result {index} traj")
        info = shared.sub_dict(result, "info")
        task_id = result.get("task_id")
        return Trace(
            source=shared.session_source(path, index, count),
            format=self.name,
            turns=tuple(chat_turns(path, messages)),
            session_id=None if task_id is None else f"task-{task_id}/trial-{result.get('trial', 0)}",
            metadata={"task_id": task_id, "reward": result.get("reward"), "info": info},
        )
