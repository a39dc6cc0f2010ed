"""Shared fixtures: small texts written for the project, and an in-memory store."""

from __future__ import annotations

import os

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
