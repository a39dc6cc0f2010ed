"""Request bodies: read under a cap, and decoded when the client compressed them (Codex sends zstd)."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass


class BodyTooLarge(Exception):
    """The body (read or decoded) passed its cap."""


class UnknownEncoding(Exception):
    """A content coding this proxy cannot decode."""


@dataclass(frozen=True)
class Body:
    """A request body as received and, when it could be, decoded."""

    raw: bytes
    decoded: bytes | None
    """``raw`` without its content codings; ``None`` when it could not be decoded."""
    problem: str | None = None
    """Why it was not decoded (a fail-open reason)."""


async def read_capped(chunks: AsyncIterator[bytes], cap: int) -> tuple[bytes, bool]:
    """The whole body and whether it stayed within ``cap`` (``Content-Length`` is never trusted)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts), size <= cap


def decode(raw: bytes, content_encoding: str | None, cap: int) -> bytes:
    """``raw`` with every listed coding undone (last applied first); raises on trouble."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    data = raw
    for coding in reversed(codings):
        data = _undo(coding, data, cap)
    return data


def _undo(coding: str, data: bytes, cap: int) -> bytes:
    if coding == "identity":
        return data
    if coding in {"gzip", "x-gzip"}:
        return _inflate(zlib.decompressobj(16 + zlib.MAX_WBITS), data, cap)
    if coding == "deflate":
        try:
            return _inflate(zlib.decompressobj(), data, cap)
        except zlib.error:  # raw deflate without the zlib header, as some clients send
            return _inflate(zlib.decompressobj(-zlib.MAX_WBITS), data, cap)
    if coding == "zstd":
        return _zstd(data, cap)
    if coding == "br":
        return _brotli(data, cap)
    raise UnknownEncoding(coding)


def _inflate(decoder: zlib._Decompress, data: bytes, cap: int) -> bytes:
    out = decoder.decompress(data, cap + 1)
    if len(out) > cap or decoder.unconsumed_tail:
        raise BodyTooLarge(f"decoded body over {cap} bytes")
    return out + decoder.flush()


def _zstd(data: bytes, cap: int) -> bytes:
    try:
        import zstandard
    except ImportError as exc:
        raise UnknownEncoding("zstd (install headroom[proxy])") from exc
    reader = zstandard.ZstdDecompressor().stream_reader(data)
    out = reader.read(cap + 1)
    while len(out) <= cap:
        more = reader.read(cap + 1 - len(out))
        if not more:
            break
        out += more
    if len(out) > cap:
        raise BodyTooLarge(f"decoded body over {cap} bytes")
    return out


def _brotli(data: bytes, cap: int) -> bytes:
    try:
        import brotli
    except ImportError as exc:
        raise UnknownEncoding("br (install headroom[proxy])") from exc
    decoder = brotli.Decompressor()
    out = decoder.process(data)
    if len(out) > cap:
        raise BodyTooLarge(f"decoded body over {cap} bytes")
    return bytes(out)


def decode_body(raw: bytes, content_encoding: str | None, cap: int) -> Body:
    """The body decoded, or the reason it was left as sent."""
    if not content_encoding:
        return Body(raw, raw if len(raw) <= cap else None, None if len(raw) <= cap else "too_large")
    try:
        return Body(raw, decode(raw, content_encoding, cap))
    except BodyTooLarge:
        return Body(raw, None, "too_large")
    except (UnknownEncoding, zlib.error, gzip.BadGzipFile, EOFError, ValueError, OSError):
        return Body(raw, None, "encoding")
    except Exception as exc:  # a codec's own error type (zstandard.ZstdError, brotli.error)
        if type(exc).__module__.split(".")[0] in {"zstandard", "brotli", "_brotli"}:
            return Body(raw, None, "encoding")
        raise
