"""Which files a study reads: per-kind folders, a flat folder routed by content, a manifest, splits."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.tune import content_type, study_files
from headroom.errors import ConfigError
from tests.evals.tune._tune_fixtures import write_corpus, write_flat_corpus, write_manifest


def _rels(root: Path, study: str, split: str = "all") -> list[str]:
    return [f.rel for f in study_files(root, content_type(study), split=split)]


def test_a_flat_folder_is_routed_by_content(tmp_path: Path) -> None:
    root = write_flat_corpus(tmp_path / "flat")
    assert _rels(root, "json") == ["dump-1.txt", "dump-2.txt"]
    assert _rels(root, "log") == ["more/out-1.txt", "more/out-2.txt"]
    assert _rels(root, "prose") == []


def test_a_kind_folder_decides_over_content(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c")
    (root / "prose").mkdir()
    (root / "prose" / "looks-like-a-log.txt").write_text((root / "log" / "service1.log").read_text())
    assert _rels(root, "prose") == ["prose/looks-like-a-log.txt"]
    assert _rels(root, "log") == ["log/service1.log", "log/service2.log"]


@pytest.mark.parametrize(
    ("split", "json_files"),
    [("all", ["dump-1.txt", "dump-2.txt"]), ("tune", ["dump-1.txt"]), ("test", ["dump-2.txt"])],
)
def test_a_manifest_lists_the_files_with_their_kind_and_split(
    tmp_path: Path, split: str, json_files: list[str]
) -> None:
    root = write_flat_corpus(tmp_path / "flat")
    (root / "README.md").write_text("# About this corpus\n\nNot a corpus file: the manifest omits it.\n")
    write_manifest(
        root,
        [
            {"file": "dump-1.txt", "kind": "json", "split": "tune"},
            {"file": "dump-2.txt", "kind": "json", "split": "test"},
            {"file": "more/out-1.txt", "kind": "agent-trace", "split": "tune"},
            {"file": "more/out-2.txt", "split": "test"},
        ],
    )
    assert _rels(root, "json", split) == json_files
    # a kind the manifest names that no study reads keeps the file out; no kind: routed by content
    assert _rels(root, "log", split) == ([] if split == "tune" else ["more/out-2.txt"])
    assert _rels(root, "prose", split) == []


def test_listing_errors_are_config_errors(tmp_path: Path) -> None:
    root = write_flat_corpus(tmp_path / "flat")
    with pytest.raises(ConfigError, match="split"):
        study_files(root, content_type("json"), split="tune")  # no manifest marks a split
    with pytest.raises(ConfigError, match="split"):
        study_files(root, content_type("json"), split="holdout")
    write_manifest(root, [{"file": "gone.txt", "kind": "json"}])
    with pytest.raises(ConfigError, match=r"gone\.txt"):
        study_files(root, content_type("json"))
