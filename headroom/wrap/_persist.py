"""``--persist``: stamped writes into an agent's own config, undone exactly.

Some agent processes read their config file instead of inheriting the wrapper's environment
(Claude Code's daemon-forked workers read ``.claude/settings.local.json``). ``--persist`` writes
the base URL there for the session and puts the file back at exit. Every write is first
recorded in a stamp (``<state>/persist/<agent>.json``: file, key, our value, what was there,
the file's bytes before and a hash of the bytes we wrote, the owning wrap's pid and start
time), so a session killed before its cleanup is undone by ``headroom unwrap <agent>`` or by
the next wrap of that agent. An undo restores the old bytes when the file is as we left it,
else removes only our key (when it still holds our value); a file that no longer parses is
refused and the stamp kept. Unrelated keys are never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headroom.errors import ConfigError
from headroom.files import write_atomically
from headroom.wrap._codecs import ABSENT, Format, depth_present, edited, key_line, load, lookup
from headroom.wrap._leases import ProcessId

_KEEP_ORIGINAL_BYTES = 1024 * 1024
"""Files up to this size are restored byte for byte; bigger ones by removing our key."""


@dataclass(frozen=True)
class ConfigEdit:
    """One key of one config file set to one value."""

    path: Path
    format: Format
    key: tuple[str, ...]
    """Nested keys (JSON), or one top-level key (TOML, YAML)."""
    value: str


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}; nothing was changed") from exc


def _plan(edit: ConfigEdit, text: str | None) -> tuple[dict[str, Any], str]:
    """The stamp record of ``edit`` on a file holding ``text`` (None: absent), and the text to write."""
    current = text or ""
    data = load(current, edit.format, edit.path)
    previous = lookup(data, edit.key)
    keep = depth_present(data, edit.key)
    new_text = edited(current, edit.format, edit.key, edit.value, edit.path)
    record = {
        "path": str(edit.path),
        "format": edit.format,
        "key": list(edit.key),
        "value": edit.value,
        "had_previous": previous is not ABSENT,
        "previous": None if previous is ABSENT else previous,
        "previous_line": key_line(current, edit.format, edit.key[0]) if edit.format != "json" else "",
        "keep_depth": keep,
        "file_existed": text is not None,
        "original": text if text is not None and len(text) <= _KEEP_ORIGINAL_BYTES else None,
        "written_sha256": _sha(new_text),
    }
    return record, new_text


def _plans(edits: Sequence[ConfigEdit]) -> list[tuple[dict[str, Any], str]]:
    """One plan per edit; edits of one file chain, each on the text the one before produced."""
    texts: dict[Path, str | None] = {}
    plans = []
    for edit in edits:
        if edit.path not in texts:
            texts[edit.path] = _read(edit.path)
        record, text = _plan(edit, texts[edit.path])
        texts[edit.path] = text
        plans.append((record, text))
    return plans


def _undo(record: dict[str, Any]) -> str:
    """Undo one recorded edit; a sentence saying what happened."""
    path, fmt, key = Path(record["path"]), record["format"], tuple(record["key"])
    text = _read(path)
    if text is None:
        return f"{path}: gone, nothing to undo"
    if _sha(text) == record["written_sha256"]:
        if not record["file_existed"]:
            path.unlink()
            return f"{path}: removed (wrap had created it)"
        if record["original"] is not None:
            write_atomically(path, record["original"])
            return f"{path}: restored as it was"
    if lookup(load(text, fmt, path), key) != record["value"]:
        return f"{path}: {'.'.join(key)} was changed since; left alone"
    previous = record["previous"] if record["had_previous"] else ABSENT
    write_atomically(
        path,
        edited(text, fmt, key, previous, path, keep_depth=record["keep_depth"], line=record["previous_line"]),
    )
    return f"{path}: {'.'.join(key)} {'restored' if record['had_previous'] else 'removed'}"


class Stamps:
    """The stamps of one state folder, one per agent."""

    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir / "persist"

    def path(self, agent: str) -> Path:
        return self.root / f"{agent}.json"

    def load(self, agent: str) -> dict[str, Any] | None:
        text = _read(self.path(agent))
        if text is None:
            return None
        try:
            stamp = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{self.path(agent)} is not a wrap stamp; remove it by hand") from exc
        return stamp if isinstance(stamp, dict) else None

    def undo(self, agent: str) -> list[str]:
        """Undo ``agent``'s stamped writes (newest first) and drop the stamp; what was done."""
        stamp = self.load(agent)
        if stamp is None:
            return []
        done = [_undo(record) for record in reversed(stamp.get("edits", []))]
        self.path(agent).unlink(missing_ok=True)
        return done

    def owner(self, agent: str) -> ProcessId | None:
        """The live wrap that holds ``agent``'s stamp (None: none, or it died without undoing)."""
        stamp = self.load(agent)
        owner = ProcessId.from_dict(stamp.get("owner")) if stamp else None
        return owner if owner is not None and owner.alive() else None

    @contextlib.contextmanager
    def persisted(self, agent: str, edits: Sequence[ConfigEdit], port: int) -> Iterator[list[str]]:
        """Apply ``edits`` for the body's duration; yields what an earlier, dead session left and was undone."""
        holder = self.owner(agent)
        if holder is not None:
            raise ConfigError(
                f"wrap session {holder.pid} already persisted {agent}'s config; it undoes it when it exits"
            )
        healed = self.undo(agent)
        plans = _plans(edits)  # every file checked before any is written
        stamp = {
            "agent": agent,
            "owner": ProcessId.of(os.getpid()).as_dict(),
            "port": port,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "edits": [record for record, _ in plans],
        }
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path(agent), json.dumps(stamp, indent=2))
        try:
            for path, text in {Path(record["path"]): text for record, text in plans}.items():
                write_atomically(path, text)  # the last plan of a file holds all its edits
            yield healed
        finally:
            self.undo(agent)
