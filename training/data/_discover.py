"""Find a team's own training files in a folder and tell their kind from their content.

A folder is walked (hidden files and folders skipped); each file's kind comes from what it holds,
never from its name: a SQuAD document (``{"data": [{"paragraphs": …}]}``), QA records with a
``context`` and a ``question`` + ``answers`` (the probe format the README documents, one per line
or as a JSON list) or ``qas`` (MRQA), NQ-open records (``question``, ``answers``, ``ctxs``),
(original, compressed) pairs, or an agent trace any ``evals.traces`` importer reads. Subfolders
named ``train``, ``validation`` and ``test`` give the split; elsewhere every file is ``train``
unless ``data.validation_share`` / ``data.test_share`` hold files out (chosen by a hash of the
relative path, so the assignment is stable).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from headroom.errors import ConfigError, HeadroomError
from training.config import DataConfig, Source, SourceKind, Split

SPLIT_FOLDERS: Mapping[str, Split] = {
    "train": "train",
    "validation": "validation",
    "valid": "validation",
    "dev": "validation",
    "test": "test",
}
"""Top-level subfolder names that fix the split of every file below them."""
KINDS_TRIED = (
    "SQuAD JSON, QA JSON/JSONL (context + question + answers, or context + qas), NQ-open JSONL "
    "(question, answers, ctxs), pairs JSONL (original, compressed), agent traces"
)
_HEAD_LINES = 5


def discover(data: DataConfig) -> tuple[Source, ...]:
    """Every training file under ``data.root`` with its kind and split; ConfigError when there is none."""
    if data.root is None:
        raise ConfigError(
            "data.root is not set: point it at a folder of training files "
            "(headroom train --set data.root=DIR)"
        )
    root = Path(data.root).expanduser()
    if not root.is_dir():
        raise ConfigError(f"data.root {root} is not a folder")
    files = sorted(_walk(root))
    if not files:
        raise ConfigError(f"no training files under {root} (looked for {KINDS_TRIED})")
    splits = [_split(path, root, data) for path in files]
    if "train" not in splits:
        # Held-out draws never take every file: the loose files then all train.
        splits = [s if _folder_split(p, root) else "train" for p, s in zip(files, splits, strict=True)]
    return tuple(
        Source(kind=sniff_kind(path), path=path.relative_to(root).as_posix(), split=split)
        for path, split in zip(files, splits, strict=True)
    )


def _walk(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if path.is_file() and not any(p.startswith(".") for p in parts):
            yield path


def _folder_split(path: Path, root: Path) -> Split | None:
    parts = path.relative_to(root).parts
    return SPLIT_FOLDERS.get(parts[0].lower()) if len(parts) > 1 else None


def _split(path: Path, root: Path, data: DataConfig) -> Split:
    fixed = _folder_split(path, root)
    if fixed is not None:
        return fixed
    parts = path.relative_to(root).parts
    # A stable draw in [0, 1) from the relative path: the same file lands in the same split every run.
    draw = int(hashlib.sha256("/".join(parts).encode()).hexdigest()[:8], 16) / 0x1_0000_0000
    if draw < data.test_share:
        return "test"
    if draw < data.test_share + data.validation_share:
        return "validation"
    return "train"


def sniff_kind(path: Path) -> SourceKind:
    """The kind of training file ``path`` is, from its content; ConfigError naming it otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); training files are JSON, JSONL or traces"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: unreadable: {exc}") from exc
    if not text.strip():
        raise ConfigError(f"{path}: empty file")
    if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        kind = _json_kind(path, text)
        if kind is not None:
            return kind
    return _trace_kind(path)


def _json_kind(path: Path, text: str) -> SourceKind | None:
    try:
        whole = json.loads(text)
    except ValueError as exc:
        records = _head_records(text)
        if records is None:
            line = getattr(exc, "lineno", 1)
            raise ConfigError(f"{path}:{line}: not valid JSON or JSONL ({exc})") from exc
        return _record_kind(records[0])
    if isinstance(whole, dict) and _is_squad(whole):
        return "squad"
    if isinstance(whole, dict):
        return _record_kind(whole)  # a one-line JSONL file parses as one object
    if isinstance(whole, list) and whole and isinstance(whole[0], dict):
        return "qa" if _record_kind(whole[0]) == "qa" else None
    return None


def _head_records(text: str) -> list[dict[str, Any]] | None:
    """The first JSON-object lines (a ``{"header": …}`` record skipped), or None if line one is not one."""
    records: list[dict[str, Any]] = []
    for line in (ln for ln in text.splitlines() if ln.strip()):
        try:
            value = json.loads(line)
        except ValueError:
            break
        if not isinstance(value, dict):
            break
        if set(value) != {"header"}:
            records.append(value)
        if len(records) >= _HEAD_LINES:
            break
    return records or None


def _is_squad(doc: Mapping[str, Any]) -> bool:
    articles = doc.get("data")
    return isinstance(articles, list) and any(isinstance(a, dict) and "paragraphs" in a for a in articles)


def _record_kind(record: Mapping[str, Any]) -> SourceKind | None:
    keys = set(record)
    if {"original", "compressed"} <= keys:
        return "pairs"
    if {"question", "answers", "ctxs"} <= keys:
        return "nq"
    if "context" in keys and ({"question", "answers"} <= keys or "qas" in keys):
        return "qa"
    return None


def _trace_kind(path: Path) -> SourceKind:
    from evals.traces import detect_format

    try:
        detect_format(path)
    except HeadroomError as exc:
        raise ConfigError(
            f"{path}: not a recognised training file (looked for {KINDS_TRIED}): {exc}"
        ) from exc
    return "traces"
