"""Shared fixtures: small texts written for the project, an in-memory store, a real Redis server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import NoReturn

import pytest
from hypothesis import settings

from headroom.ccr import MemoryStore

# CI replays the same generated examples every run, so a red build is reproducible;
# locally hypothesis explores new examples each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def make_log(lines: int = 300) -> str:
    body = [
        f"2026-01-01 10:{i // 60:02d}:{i % 60:02d} INFO request {i} served in {i * 3 % 97} ms"
        for i in range(lines)
    ]
    body.insert(lines // 2, "2026-01-01 10:02:30 ERROR database connection refused: host db-1 port 5432")
    return "\n".join(body) + "\n"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def big_log() -> str:
    return make_log()


# A real Redis server for the Redis store tests (.ci/run starts one with .ci/redis.sh).
REDIS_URL_ENV = "HEADROOM_TEST_REDIS_URL"


def _unavailable(reason: str) -> NoReturn:
    """Skip where no server was promised; under CI (which starts one) a missing server is a failure."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI is set, so the Redis tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The server's URL, or a skip (a failure under CI) that says what is missing."""
    redis = pytest.importorskip("redis", reason="the redis client (extra [redis]) is not installed")
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        _unavailable(f"{REDIS_URL_ENV} is not set (.ci/run starts Redis with .ci/redis.sh)")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {REDIS_URL_ENV} is unreachable: {exc}")
    return url


@pytest.fixture
def redis_namespace(redis_url: str) -> Iterator[str]:
    """A namespace no other test uses, with every key under it removed afterwards."""
    import redis

    namespace = f"headroom-test:{uuid.uuid4().hex}"
    yield namespace
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{namespace}:*", count=1000):
        client.delete(key)
    client.close()
