"""A stand-in coding agent: records its argv and environment, calls the proxy it was given.

Copied into a PATH folder under each agent's name. It sends one request in the shape and to the
path its namesake would use, through ``urllib``'s default opener (which honours HTTP_PROXY and
NO_PROXY, as agents' HTTP clients do), records the answer, and exits with ``$WRAP_EXIT_CODE``.
With ``$WRAP_SNAPSHOT`` set it records that file's text. With ``$WRAP_HOLD`` set it writes ``<record>.ready`` and waits for a signal (recorded), or for the
file ``$WRAP_HOLD`` to appear, before calling the proxy.
"""

import json
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

NAME = Path(sys.argv[0]).name
RECORD = Path(os.environ["WRAP_RECORD_DIR"]) / f"{NAME}.json"
LOG = "\n".join(
    f"2026-01-01 10:{i // 60:02d}:{i % 60:02d} INFO request {i} served in {i * 3 % 97} ms" for i in range(300)
)
record: dict[str, object] = {"argv": sys.argv[1:], "env": dict(os.environ), "pid": os.getpid(), "signals": []}


def save() -> None:
    RECORD.write_text(json.dumps(record))


def on_signal(signum: int, _frame: object) -> None:
    signals = record["signals"]
    assert isinstance(signals, list)
    signals.append(signum)
    save()
    sys.exit(100 + signum)


def codex_base() -> str:
    for arg in sys.argv[1:]:
        if arg.startswith("openai_base_url="):
            return str(json.loads(arg.split("=", 1)[1]))
    raise SystemExit("codex stand-in: no -c openai_base_url=... in argv")


def chat(base: str) -> tuple[str, dict[str, object]]:
    messages = [
        {"role": "user", "content": "why did the service fail?"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "logs", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": LOG},
    ]
    return base + "/chat/completions", {"model": "gpt-4.1", "messages": messages}


def responses(base: str) -> tuple[str, dict[str, object]]:
    items = [
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "why did the service fail?"}],
        },
        {"type": "function_call", "call_id": "c1", "name": "logs", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": LOG},
    ]
    return base + "/responses", {"model": "gpt-4.1", "input": items, "store": False}  # as Codex sends


def messages(root: str) -> tuple[str, dict[str, object]]:
    turns = [
        {"role": "user", "content": "why did the service fail?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "logs", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": LOG}]},
    ]
    return root + "/v1/messages", {"model": "claude-sonnet-4", "max_tokens": 64, "messages": turns}


def request() -> tuple[str, dict[str, object], dict[str, str]]:
    env = os.environ
    headers = {"content-type": "application/json", "authorization": "Bearer test-key"}
    if NAME == "claude":
        url, body = messages(env["ANTHROPIC_BASE_URL"])
        headers["anthropic-version"] = "2023-06-01"
        for line in env.get("ANTHROPIC_CUSTOM_HEADERS", "").splitlines():
            key, _, value = line.partition(":")
            headers[key.strip()] = value.strip()
        return url, body, headers
    if NAME == "codex":
        return (*responses(codex_base()), headers)
    if NAME == "aider":
        return (*chat(env["OPENAI_API_BASE"]), headers)
    if NAME == "opencode":
        config = json.loads(env["OPENCODE_CONFIG_CONTENT"])
        return (*responses(config["provider"]["openai"]["options"]["baseURL"]), headers)
    if NAME == "goose":
        url, body = chat("")
        return f"{env['OPENAI_HOST']}/{env['OPENAI_BASE_PATH']}", body, headers
    if NAME == "openhands":
        return (*chat(env["LLM_BASE_URL"]), headers)
    raise SystemExit(f"no request shape for {NAME}")


def main() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    snapshot = os.environ.get("WRAP_SNAPSHOT")
    if snapshot:  # a config file as the agent sees it while wrapped
        record["snapshot"] = Path(snapshot).read_text() if Path(snapshot).exists() else None
    save()
    hold = os.environ.get("WRAP_HOLD")
    if hold:
        RECORD.with_suffix(".ready").write_text("")
        while not Path(hold).exists():
            time.sleep(0.05)
    url, body, headers = request()
    sent = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(sent, timeout=30) as answer:
            record["status"], record["reply"] = answer.status, json.loads(answer.read())
    except Exception as exc:  # recorded, so the test shows why
        record["status"], record["error"] = None, repr(exc)
    record["url"] = url
    save()
    sys.exit(int(os.environ.get("WRAP_EXIT_CODE", "7")))


main()
