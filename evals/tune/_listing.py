"""Which files a corpus holds, and the kind each one declares (if any).

A corpus is any folder. A file's kind comes from ``MANIFEST.jsonl`` (when the folder has one,
it lists the corpus: files it does not name are not read) or from a per-kind subfolder
(``json/``, ``log/``…); a file with neither, say in a flat folder of dumps, has no declared kind
and the study routes it by its content with the runtime's router. The manifest's ``split``
(``tune`` or ``test``) marks the side of a held-out split.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from headroom import router
from headroom.errors import ConfigError

MANIFEST = "MANIFEST.jsonl"
SPLITS = ("tune", "test", "all")
OTHER_KINDS = frozenset({"agent-trace", "qa"})
"""Corpus kinds that are not compressor input (agent traces, QA sets): no study reads them."""


@dataclass(frozen=True)
class Listed:
    """One corpus file and the kind it declares."""

    rel: str
    """Path relative to the corpus root, with forward slashes."""
    path: Path
    kind: str | None
    """The manifest's or the subfolder's kind; ``None``: routed by content."""


def list_files(root: Path, kinds: Iterable[str], split: str = "all") -> list[Listed]:
    """The corpus files under ``root`` on side ``split``, sorted; ``kinds`` name the kind folders."""
    if not root.is_dir():
        raise ConfigError(f"corpus directory {root} does not exist")
    if split not in SPLITS:
        raise ConfigError(f"unknown split {split!r} (known: {', '.join(SPLITS)})")
    folders = frozenset(kinds) | OTHER_KINDS
    manifest = _manifest(root)
    if manifest is None:
        if split != "all":
            raise ConfigError(f"--split {split} needs a {MANIFEST} under {root} that marks each file's split")
        return [_listed(root, path, folders, None) for path in _walk(root)]
    listed = []
    for rel in sorted(manifest):
        entry = manifest[rel]
        path = root / rel
        if not path.is_file():
            raise ConfigError(f"{root / MANIFEST} lists {rel}, which is not a file under {root}")
        if split != "all" and entry.get("split") != split:
            continue
        listed.append(_listed(root, path, folders, entry.get("kind")))
    if split != "all" and not any("split" in entry for entry in manifest.values()):
        raise ConfigError(f"--split {split}: {root / MANIFEST} marks no file's split")
    return listed


def routed_counts(files: Iterable[Listed]) -> Counter[str]:
    """What each file goes to: its declared kind, else the compressor the router picks."""
    counts: Counter[str] = Counter()
    for item in files:
        counts[item.kind or router.detect(read(item)).compressor] += 1
    return counts


def read(item: Listed) -> str:
    """The file's text (undecodable bytes replaced)."""
    return item.path.read_text(encoding="utf-8", errors="replace")


def _listed(root: Path, path: Path, folders: frozenset[str], kind: str | None) -> Listed:
    rel = path.relative_to(root).as_posix()
    if kind is None and "/" in rel and rel.split("/", 1)[0] in folders:
        kind = rel.split("/", 1)[0]
    return Listed(rel, path, kind)


def _walk(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and not any(part.startswith(".") for part in parts):
            found.append(path)
    return found


def _manifest(root: Path) -> dict[str, dict[str, str]] | None:
    path = root / MANIFEST
    if not path.is_file():
        return None
    entries: dict[str, dict[str, str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            entries[str(entry["file"])] = {k: str(v) for k, v in entry.items() if k in ("kind", "split")}
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}:{number}: not a manifest entry with a 'file' ({exc})") from exc
    return entries
