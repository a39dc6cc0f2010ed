"""The zero-code proxy: point an agent's base URL here; requests are compressed on the way out.

Needs the ``[proxy]`` extra (starlette, uvicorn, httpx, zstandard, brotli, prometheus-client).
"""

from headroom.proxy._app import build_app
from headroom.proxy._compression import CompressionStage
from headroom.proxy._outgoing import Outgoing
from headroom.proxy._serve import serve
from headroom.proxy._settings import ProxySettings

__all__ = ["CompressionStage", "Outgoing", "ProxySettings", "build_app", "serve"]
