"""Kompress tests keep ONNX exports in a per-session temporary cache, never in the user's cache dir."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HEADROOM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield
