"""Content types, the corpus files each one tunes on, and the facts each file must keep.

Retention needs no model: each file gets deterministic *facts* computed once from the
original: its critical lines (one per template, the 75%-words rule), a seeded sample of
identifiers, paths and numbers it holds, and a query made of a few of them. A compressed
output keeps a fact (1), keeps it only behind a marker's store key (0.5) or loses it (0).
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from pathlib import Path

from evals.replay import token_facts
from evals.tune._listing import MANIFEST, list_files, read, routed_counts
from headroom import router
from headroom.compressors import tuned_compressors
from headroom.critical import critical_template, is_critical
from headroom.errors import ConfigError

MAX_TOKEN_FACTS = 40
MAX_CRITICAL_FACTS = 40
QUERY_FACTS = 2
KEEP_SHARE = 0.75
_WORD = re.compile(r"\w+")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_INVISIBLE = re.compile(r"<(script|style|noscript|svg)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class ContentType:
    """A content-type study: its policy section and the corpus files it tunes on.

    Made from what a compressor declares (its ``tuning``), so a plugin compressor gets a study too.
    """

    name: str
    section: str
    """Policy section (alias) the study tunes."""
    kinds: tuple[str, ...]
    """Corpus kinds (manifest kinds or per-kind folders) holding candidate files."""
    compressors: frozenset[str] = frozenset()
    """Keep only files the router sends to one of these (empty: every file of the kinds)."""
    markup: bool = False
    """Facts come from the text a reader sees (tags, scripts and styles removed)."""
    missing: str = ""
    """Note for a corpus without a file for the study (``{corpus}`` is filled in); empty: the default."""


def content_types() -> dict[str, ContentType]:
    """One study per registered compressor that declares a tuned section, by compressor name."""
    found = {}
    for compressor, tuning in tuned_compressors():
        routed = frozenset({compressor.name}) if tuning.routed_only else frozenset()
        found[compressor.name] = ContentType(
            compressor.name, compressor.name, tuning.kinds, routed, tuning.markup, tuning.missing
        )
    return found


def corpus_kinds() -> frozenset[str]:
    """Every corpus kind some study reads (the names of the per-kind folders)."""
    return frozenset(kind for ct in content_types().values() for kind in ct.kinds)


@dataclass(frozen=True)
class Fact:
    """Something a compressed file must still hold."""

    kind: str
    """``critical`` (a critical-line template), ``token`` or ``query`` (a query term)."""
    text: str
    """The token, or the representative critical line."""
    words: frozenset[str] = frozenset()
    """Words of the critical line (the 75% rule), empty for tokens."""
    template: str = ""
    """Critical template: any output line of the same template stands for this one."""


@dataclass(frozen=True)
class CorpusFile:
    """One file of a study with its facts and query, computed once."""

    rel: str
    text: str
    digest: str
    query: str
    facts: tuple[Fact, ...]


def content_type(name: str) -> ContentType:
    """The content type called ``name``."""
    known_types = content_types()
    try:
        return known_types[name]
    except KeyError:
        known = ", ".join(sorted(known_types))
        raise ConfigError(f"no content-type study {name!r} (known: {known})") from None


def study_files(root: Path, ct: ContentType, seed: int = 0, split: str = "all") -> list[CorpusFile]:
    """The corpus files of ``ct`` under ``root`` (on side ``split``), each with its facts.

    A file of a declared kind (manifest or per-kind folder) is read when ``ct`` reads that kind
    (and, where ``ct`` names compressors, the router sends it to one); a file of no declared
    kind is read when the router sends it to the study's compressor. Declared kinds come in
    ``ct.kinds`` order, each sorted by path, then the routed files.
    """
    wanted = ct.compressors or frozenset({ct.name})
    order = {kind: i for i, kind in enumerate(ct.kinds)}
    chosen = []
    for item in list_files(root, corpus_kinds(), split):
        if item.kind is not None and item.kind not in order:
            continue
        text = read(item)
        if (item.kind is None or ct.compressors) and router.detect(text).compressor not in wanted:
            continue
        chosen.append((order.get(item.kind or "", len(order)), make_file(item.rel, text, ct, seed)))
    return [file for _, file in sorted(chosen, key=lambda pair: (pair[0], pair[1].rel))]


def no_files_message(root: Path, studies: list[str], split: str = "all") -> str:
    """Why ``studies`` found nothing under ``root``: what its files go to, and how files are routed."""
    listed = list_files(root, corpus_kinds(), split)
    side = f" (split {split})" if split != "all" else ""
    if not listed:
        return f"no files under {root}{side}: a corpus is a folder of files (tool outputs, logs, code…)"
    counts = routed_counts(listed)
    found = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
    label = "study" if len(studies) == 1 else "studies"
    return (
        f"no file under {root}{side} for the {', '.join(studies)} {label}: its {len(listed)} files go to "
        f"{found} (a file in a per-kind folder such as log/, or listed in {MANIFEST} with a kind, "
        "counts as that kind; any other file goes where the runtime's router sends it)"
    )


def corpus_hash(files: list[CorpusFile]) -> str:
    """Hash of the files' names and bytes (provenance of a corpus study)."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.rel.encode())
        digest.update(file.digest.encode())
    return digest.hexdigest()[:16]


def make_file(rel: str, text: str, ct: ContentType, seed: int) -> CorpusFile:
    """Facts and query of one file; the same text and seed always give the same facts."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    rng = random.Random(f"{seed}:{digest}")
    visible = _visible(text) if ct.markup else text
    tokens = sorted(token_facts(visible))
    sampled = sorted(rng.sample(tokens, min(MAX_TOKEN_FACTS, len(tokens))))
    asked = sorted(rng.sample(sampled, min(QUERY_FACTS, len(sampled))))
    facts = [Fact("query" if t in asked else "token", t) for t in sampled]
    facts.extend(_critical_facts(visible, rng))
    return CorpusFile(rel, text, digest, " ".join(asked), tuple(facts))


def _visible(html: str) -> str:
    return _TAG.sub(" ", _INVISIBLE.sub(" ", html))


def words(line: str) -> frozenset[str]:
    """Lowercase ``\\w+`` words of a line, ANSI colour codes removed."""
    return frozenset(_WORD.findall(_ANSI.sub("", line).lower()))


def _critical_facts(text: str, rng: random.Random) -> list[Fact]:
    groups: dict[str, str] = {}
    for line in text.splitlines():
        if is_critical(line) and line.strip():
            groups.setdefault(critical_template(line.strip()), line.strip())
    picked = sorted(groups)
    if len(picked) > MAX_CRITICAL_FACTS:
        picked = sorted(rng.sample(picked, MAX_CRITICAL_FACTS))
    return [Fact("critical", groups[key], words(groups[key]), key) for key in picked]
