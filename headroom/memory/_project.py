"""Which project a memory call belongs to: an explicit id, else the git repository, else the directory.

Agents started in one repository (at its root or in a subdirectory, from any agent) share a
project. A repository with an ``origin`` remote is named by that remote, so machines sharing a
Redis memory share the project wherever their clones live; one without is named by its root's path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from headroom.errors import ConfigError

PROJECT_ENV = "HEADROOM_PROJECT"
_ORIGIN = re.compile(r'^\s*\[remote\s+"origin"\]\s*$(.*?)(?=^\s*\[|\Z)', re.M | re.S)
_URL = re.compile(r"^\s*url\s*=\s*(\S+)\s*$", re.M)


@dataclass(frozen=True)
class Project:
    """A project id and how it was found."""

    id: str
    source: Literal["explicit", "git-remote", "git-root", "cwd"]


def resolve_project(
    explicit: str | None = None, cwd: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Project:
    """``explicit`` (or ``$HEADROOM_PROJECT``), else the git repository holding ``cwd`` (its
    ``origin`` remote, else its root), else ``cwd`` itself (default: the process's directory)."""
    env = os.environ if environ is None else environ
    chosen = explicit if explicit is not None else env.get(PROJECT_ENV)
    if chosen is not None:
        if not chosen.strip():
            raise ConfigError(f"an explicit project id (or {PROJECT_ENV}) must not be empty")
        return Project(chosen.strip(), "explicit")
    here = Path(cwd if cwd is not None else os.getcwd()).resolve()
    root = _git_root(here)
    if root is None:
        return Project(f"dir:{here}", "cwd")
    remote = _origin(root)
    if remote is not None:
        return Project(f"git:{remote}", "git-remote")
    return Project(f"dir:{root}", "git-root")


def _git_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _origin(root: Path) -> str | None:
    """The ``origin`` remote of the repository at ``root``, normalised (no scheme, user, ``.git``)."""
    config = _git_dir(root) / "config"
    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    section = _ORIGIN.search(text)
    url = _URL.search(section.group(1)) if section else None
    return _normalise_remote(url.group(1)) if url else None


def _git_dir(root: Path) -> Path:
    """``.git``, or the directory a worktree's ``.git`` file points to (its common dir holds the config)."""
    marker = root / ".git"
    if marker.is_dir():
        return marker
    try:
        pointed = marker.read_text(encoding="utf-8").strip().removeprefix("gitdir:").strip()
    except OSError:
        return marker
    gitdir = (root / pointed).resolve()
    common = gitdir / "commondir"
    if common.is_file():
        return (gitdir / common.read_text(encoding="utf-8").strip()).resolve()
    return gitdir


def _normalise_remote(url: str) -> str:
    """``git@github.com:o/r.git`` and ``https://user@github.com/o/r`` both give ``github.com/o/r``."""
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        host, path = parts.hostname or "", parts.path
    elif ":" in url and "/" not in url.split(":", 1)[0]:  # scp-like user@host:path
        where, _, path = url.partition(":")
        host = where.rsplit("@", 1)[-1].lower()
    else:  # a local path
        host, path = "", url
    return f"{host}/{path.strip('/').removesuffix('.git')}" if host else path.rstrip("/").removesuffix(".git")
