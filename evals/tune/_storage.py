"""Study storage URLs: the embedded SQLite default, or a shared PostgreSQL for many workers."""

from __future__ import annotations

import importlib.util
import os
import random
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import optuna
from sqlalchemy import event

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


def open_storage(url: str) -> str | optuna.storages.BaseStorage:
    """What a study runs on: for a SQLite file, storage whose commits do not wait on the disk.

    Optuna commits every parameter and user attribute of a trial on its own; SQLite's default
    waits for the disk on each commit, which on a loaded machine cost a session study about
    half a second a trial (as much as the trial). In write-ahead-log mode with ``synchronous =
    NORMAL`` a commit is durable against a crashed process, not against a lost machine, which
    is what a re-runnable study needs; other URLs (PostgreSQL) are left to the server.
    """
    resolved = resolve_storage(url)
    if not resolved.startswith("sqlite:///"):
        return resolved
    storage = optuna.storages.RDBStorage(resolved)
    event.listen(storage.engine, "connect", _fast_commits)
    storage.engine.dispose()  # the connection that created the tables predates the listener
    return storage


def _fast_commits(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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
