"""Study storage URLs: the embedded SQLite default, or a shared PostgreSQL for many workers."""

from __future__ import annotations

import importlib.util
import os
import random
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_ATTEMPTS = 5


def resolve_storage(url: str) -> str:
    """``url`` with a driver SQLAlchemy can load here.

    SQLAlchemy 2 reads a bare ``postgresql://`` as psycopg 3; the ``[evals]`` extra installs
    psycopg2, so the bare form is pointed at it unless psycopg 3 is importable.
    """
    if url.startswith("postgresql://") and importlib.util.find_spec("psycopg") is None:
        return "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url


def storage_or_default(storage: str | None, out: Path) -> str:
    """``storage`` when given, else the embedded SQLite file under ``out`` (folder created)."""
    if storage:
        return storage
    out.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{out.resolve() / 'optuna.db'}"


def with_retries(open_storage: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
    """Open a study, retrying a few times: workers racing to create optuna's tables collide once."""
    for attempt in range(_ATTEMPTS):
        try:
            return open_storage()
        except Exception:  # optuna wraps SQLAlchemy errors in several types; all are transient here
            if attempt == _ATTEMPTS - 1:
                raise
            sleep(0.2 * (attempt + 1) + random.random() * 0.3)
    raise AssertionError("unreachable")


def worker_id() -> str:
    """``host:pid`` of this worker, recorded on each trial it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"
