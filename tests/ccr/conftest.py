"""A real Redis server for the Redis store tests (``.ci/run`` starts one with ``.ci/redis.sh``)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

URL_ENV = "HEADROOM_TEST_REDIS_URL"


def _unavailable(reason: str) -> None:
    """Skip where no server was promised; under CI (which starts one) a missing server is a failure."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI is set, so the Redis tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The server's URL, or a skip (a failure under CI) that says what is missing."""
    redis = pytest.importorskip("redis", reason="the redis client (extra [redis]) is not installed")
    url = os.environ.get(URL_ENV)
    if not url:
        _unavailable(f"{URL_ENV} is not set (.ci/run starts Redis with .ci/redis.sh)")
        raise AssertionError("unreachable")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis at {URL_ENV} is unreachable: {exc}")
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
