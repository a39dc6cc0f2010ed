"""Plain HTTP to a local proxy that never goes through ``HTTP(S)_PROXY`` (loopback is ours)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, timeout_s: float = 1.0) -> tuple[int, bytes] | None:
    """Status and body of ``GET url``; None when nothing answers (refused, timeout, not HTTP)."""
    try:
        with _DIRECT.open(url, timeout=timeout_s) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (OSError, ValueError):
        return None


def get_json(url: str, timeout_s: float = 1.0) -> dict[str, Any] | None:
    """The JSON object ``GET url`` answers with a 200; None otherwise."""
    answer = get(url, timeout_s)
    if answer is None or answer[0] != 200:
        return None
    try:
        data = json.loads(answer[1])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
