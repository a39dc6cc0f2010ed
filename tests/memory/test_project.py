"""Project resolution: an explicit id, else the git repository (its origin remote, else its root), else cwd."""

from __future__ import annotations

from pathlib import Path

import pytest

from headroom.errors import ConfigError
from headroom.memory import resolve_project


def _repo(root: Path, origin: str | None = None) -> Path:
    (root / ".git").mkdir(parents=True)
    if origin is not None:
        (root / ".git" / "config").write_text(
            f'[core]\n\tbare = false\n[remote "origin"]\n\turl = {origin}\n'
        )
    (root / "src" / "pkg").mkdir(parents=True)
    return root


def test_an_explicit_id_wins_then_the_environment(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    assert resolve_project("team-x", repo, {"HEADROOM_PROJECT": "env-y"}).id == "team-x"
    found = resolve_project(None, repo, {"HEADROOM_PROJECT": "env-y"})
    assert (found.id, found.source) == ("env-y", "explicit")
    with pytest.raises(ConfigError):
        resolve_project("  ", repo, {})


def test_every_directory_of_a_repository_is_one_project(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r")
    top, deep = resolve_project(None, repo, {}), resolve_project(None, repo / "src" / "pkg", {})
    assert top == deep and top.source == "git-root" and top.id == f"dir:{repo.resolve()}"


@pytest.mark.parametrize(
    "origin",
    [
        "git@github.com:team/app.git",
        "https://user:token@GitHub.com/team/app",
        "ssh://git@github.com:22/team/app.git",
    ],
)
def test_clones_of_one_remote_are_one_project_without_credentials(tmp_path: Path, origin: str) -> None:
    found = resolve_project(None, _repo(tmp_path / "clone", origin) / "src", {})
    assert (found.id, found.source) == ("git:github.com/team/app", "git-remote")


def test_a_worktree_reads_its_main_repositorys_remote(tmp_path: Path) -> None:
    main = _repo(tmp_path / "main", "https://example.com/team/app.git")
    gitdir = main / ".git" / "worktrees" / "feature"
    gitdir.mkdir(parents=True)
    (gitdir / "commondir").write_text("../..\n")
    tree = tmp_path / "feature"
    tree.mkdir()
    (tree / ".git").write_text(f"gitdir: {gitdir}\n")
    assert resolve_project(None, tree, {}).id == "git:example.com/team/app"


def test_outside_a_repository_the_directory_is_the_project(tmp_path: Path) -> None:
    found = resolve_project(None, tmp_path, {})
    assert (found.id, found.source) == (f"dir:{tmp_path.resolve()}", "cwd")
