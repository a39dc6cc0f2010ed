"""Run the peer (headroom-ai) on corpus files; executed by the PEER's python, not ours.

Both projects import as ``headroom``, so the peer lives in its own virtual environment and
this script runs there in a subprocess. It reads ``{"files": [...], "question": str}`` as JSON
on stdin, compresses each file with the peer's default settings as one tool result in the
same conversation shape the benchmark gives our side, and writes one JSON object on stdout:
``{"version", "warmup_seconds", "results": [{"file", "text", "seconds", "error"}]}``.
The output text is returned whole so the benchmark counts tokens with its own counter.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

TOOL_NAME = "read_output"
WARMUP_TEXT = "\n".join(
    f"2024-01-01 00:00:{i % 60:02d} INFO worker {i} finished job {i * 7}" for i in range(400)
)


def conversation(text: str, question: str) -> list[dict[str, Any]]:
    """User question, assistant tool call, tool result holding ``text`` (OpenAI chat shape)."""
    call = {"id": "call_1", "type": "function", "function": {"name": TOOL_NAME, "arguments": "{}"}}
    return [
        {"role": "user", "content": question},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": text},
    ]


def tool_text(messages: list[dict[str, Any]]) -> str:
    """The tool result's text after compression (string or content-block list)."""
    for message in messages:
        if message.get("role") == "tool" and message.get("tool_call_id") == "call_1":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(str(block.get("text", "")) for block in content if isinstance(block, dict))
            return str(content)
    raise ValueError("the tool result is missing from the peer's output")


def run_one(compress: Any, path: str, question: str) -> dict[str, Any]:
    """Compress one file; the peer's own errors are reported, not raised."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    messages = conversation(text, question)
    start = time.perf_counter()
    try:
        out = compress(messages)
    except Exception as exc:  # the peer's failure is a measurement, not a crash
        return {"file": path, "text": text, "seconds": time.perf_counter() - start, "error": repr(exc)}
    seconds = time.perf_counter() - start
    return {"file": path, "text": tool_text(out.messages), "seconds": seconds, "error": None}


def main() -> int:
    """Read the job from stdin, write the results to stdout."""
    job = json.load(sys.stdin)
    question = str(job.get("question", "Look at this output."))
    start = time.perf_counter()
    import headroom

    # One small unrelated call first, so lazy pipeline set-up is not billed to the first file.
    headroom.compress(conversation(WARMUP_TEXT, question))
    warmup = time.perf_counter() - start
    results = [run_one(headroom.compress, path, question) for path in job["files"]]
    version = str(getattr(headroom, "__version__", "unknown"))
    json.dump({"version": version, "warmup_seconds": warmup, "results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
