"""A teacher model writes (original, compressed) pairs: extractive instruction, faithfulness check.

Every answer is appended to a JSONL cache as soon as it arrives, keyed by a hash of the model,
instruction and text, so an interrupted run resumes where it stopped and a finished one costs
nothing to repeat. Requests are spaced to respect a requests-per-minute limit. An answer that is
not a deletion-only subsequence of the original (too few of its words align, or it is not
shorter) is recorded as rejected and never becomes a pair.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.data._pairs import Pair, align

if TYPE_CHECKING:
    from evals.providers import Provider

INSTRUCTION = (
    "Compress the text below by deleting words only. Keep the words you keep exactly as written and in "
    "their original order; never add, reorder or paraphrase. Keep names, numbers, identifiers, paths, "
    "error messages and every fact someone might ask about; drop filler, function words and repetition. "
    "Keep about {percent}% of the words. Reply with the compressed text only."
)


@dataclass(frozen=True)
class TeacherOptions:
    """How the teacher is asked and checked."""

    model: str
    rate: float = 0.5
    """Share of words the teacher is asked to keep."""
    requests_per_minute: float = 30.0
    min_alignment: float = 0.9
    """Share of the answer's words that must align to the original in order."""
    max_tokens: int = 2048


def cache_key(options: TeacherOptions, text: str) -> str:
    """Stable key of one request."""
    blob = json.dumps([options.model, INSTRUCTION, options.rate, text], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def faithful(original: str, compressed: str, min_alignment: float) -> bool:
    """True when ``compressed`` is (nearly) a deletion-only subsequence of ``original``, and shorter."""
    words, short = original.split(), compressed.split()
    if not short or len(short) >= len(words):
        return False
    return align(words, short)[1] >= min_alignment


def read_cache(path: Path) -> dict[str, dict[str, Any]]:
    """Cached answers by key (an absent cache is empty)."""
    if not path.is_file():
        return {}
    entries = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {str(entry["key"]): entry for entry in entries}


async def teach(
    provider: Provider, texts: Iterable[tuple[str, str]], cache: Path, options: TeacherOptions
) -> list[Pair]:
    """Pairs for ``(source, text)`` items: cached answers reused, new ones requested and cached."""
    from evals.providers import Request

    done = read_cache(cache)
    gap = 60.0 / options.requests_per_minute if options.requests_per_minute > 0 else 0.0
    last = 0.0
    pairs = []
    for source, text in texts:
        key = cache_key(options, text)
        if key not in done:
            await asyncio.sleep(max(0.0, last + gap - time.monotonic()))
            last = time.monotonic()
            prompt = INSTRUCTION.format(percent=round(options.rate * 100)) + "\n\n" + text
            request = Request(
                [{"role": "user", "content": prompt}], options.model, max_tokens=options.max_tokens
            )
            answer = (await provider.generate(request)).text.strip()
            done[key] = _append(cache, key, source, text, answer, options)
        entry = done[key]
        if entry["faithful"]:
            pairs.append(Pair(text, str(entry["compressed"]), source=source))
    return pairs


def _append(
    cache: Path, key: str, source: str, text: str, answer: str, options: TeacherOptions
) -> dict[str, Any]:
    entry = {
        "key": key,
        "source": source,
        "model": options.model,
        "compressed": answer,
        "faithful": faithful(text, answer, options.min_alignment),
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    with cache.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def teach_sync(
    provider: Provider, texts: Iterable[tuple[str, str]], cache: Path, options: TeacherOptions
) -> list[Pair]:
    """:func:`teach` for synchronous callers."""
    return asyncio.run(teach(provider, texts, cache, options))
