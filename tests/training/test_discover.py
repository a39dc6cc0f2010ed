"""A user's folder is found and labelled by content; bad folders and files fail naming file and line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from headroom.errors import ConfigError
from tests.training._fixtures import CONTEXT, DEPLOY, chat_trace, jsonl, squad, write_user_folder
from training.config import DataConfig
from training.data import build_datasets, discover, sniff_kind

pytest.importorskip("datasets")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (json.dumps(squad([(CONTEXT, [("Who built it?", "Robert Stevenson")])])), "squad"),
        (
            json.dumps({"id": "a", "context": DEPLOY, "question": "What failed?", "answers": ["migration"]}),
            "qa",
        ),
        (json.dumps([{"context": DEPLOY, "question": "What failed?", "answers": ["migration"]}]), "qa"),
        ('{"header": {"x": 1}}\n{"context": "c d", "qas": [{"question": "q", "answers": ["d"]}]}\n', "qa"),
        (json.dumps({"question": "q", "answers": ["a"], "ctxs": [{"text": "a b"}]}) + "\n", "nq"),
        (json.dumps({"original": "a b c", "compressed": "a c"}) + "\n", "pairs"),
        (json.dumps(chat_trace()), "traces"),
    ],
)
def test_kind_comes_from_content_not_name(tmp_path: Path, text: str, kind: str) -> None:
    assert sniff_kind(_write(tmp_path / "data.txt", text)) == kind


def test_folder_layout_gives_splits_and_every_file_is_labelled(tmp_path: Path) -> None:
    root = write_user_folder(tmp_path)
    found = {s.path: (s.kind, s.split) for s in discover(DataConfig(root=str(root)))}
    assert found == {
        "train/a.json": ("squad", "train"),
        "train/b.jsonl": ("qa", "train"),
        "train/more/c.data": ("qa", "train"),
        "train/d.jsonl": ("nq", "train"),
        "train/e.jsonl": ("pairs", "train"),
        "train/f.json": ("traces", "train"),
        "validation/v.json": ("squad", "validation"),
        "test/t.jsonl": ("qa", "test"),
    }
    rows, manifest = build_datasets(DataConfig(root=str(root)))
    assert {split: len(ds) for split, ds in rows.items()} == {"train": 7, "validation": 1, "test": 1}
    by_file = {entry["file"]: entry for entry in manifest}
    assert by_file["train/e.jsonl"]["pairs_dropped"] == {"misaligned": 1}
    probe_row = next(r for r in rows["train"] if r["source"] == "b.jsonl")
    kept = {w for w, must in zip(probe_row["words"], probe_row["must_keep"], strict=True) if must}
    assert {"Priya", "Raman", "database", "migration"} <= kept  # the gold answers are must-keep


def test_loose_files_are_held_out_by_share_but_never_all(tmp_path: Path) -> None:
    for i in range(40):
        jsonl(tmp_path / f"q{i}.jsonl", [{"context": f"{DEPLOY} {i}", "question": "q", "answers": ["noon"]}])
    splits = [s.split for s in discover(DataConfig(root=str(tmp_path), validation_share=0.2, test_share=0.2))]
    assert splits == [
        s.split for s in discover(DataConfig(root=str(tmp_path), validation_share=0.2, test_share=0.2))
    ]
    assert {"train", "validation", "test"} == set(splits)
    only = tmp_path / "only"
    only.mkdir()
    jsonl(only / "x.jsonl", [{"context": DEPLOY, "question": "q", "answers": ["noon"]}])
    assert [s.split for s in discover(DataConfig(root=str(only), validation_share=0.5, test_share=0.49))] == [
        "train"
    ]


def test_hidden_files_are_skipped_and_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path / ".DS_Store", "junk")
    with pytest.raises(ConfigError, match=re.escape(f"no training files under {tmp_path}")):
        discover(DataConfig(root=str(tmp_path)))
    with pytest.raises(ConfigError, match=r"data\.root is not set"):
        discover(DataConfig())
    with pytest.raises(ConfigError, match="is not a folder"):
        discover(DataConfig(root=str(tmp_path / "missing")))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"context": "a", "question": "q", "answers": ["a"]}\n{"context": broken\n',
            r"bad\.jsonl:2: not a JSON line",
        ),
        ('{"data": [\n  {"paragraphs": [\n    {"context": "x",,}\n', r"bad\.jsonl:3: not valid JSON"),
        (
            '{"context": "a", "question": "q", "answers": ["a"]}\n{"context": "b"}\n',
            r"bad\.jsonl:2: not a QA record",
        ),
        ("just some notes, not data\n", r"bad\.jsonl: not a recognised training file"),
        ("", r"bad\.jsonl: empty file"),
    ],
)
def test_a_bad_file_is_named_with_its_line(tmp_path: Path, text: str, message: str) -> None:
    _write(tmp_path / "bad.jsonl", text)
    with pytest.raises(ConfigError, match=message):
        build_datasets(DataConfig(root=str(tmp_path)))


def test_undecodable_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ConfigError, match=r"blob\.bin: not UTF-8 text"):
        discover(DataConfig(root=str(tmp_path)))


def test_the_cli_says_what_is_wrong_with_the_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from headroom.cli import cli

    result = CliRunner().invoke(cli, ["train", "--set", f"data.root={tmp_path}", "--quiet"])
    assert result.exit_code == 1
    assert f"no training files under {tmp_path}" in result.output
    _write(tmp_path / "notes.jsonl", '{"context": "a", "question": "q", "answers": ["a"]}\nnot json\n')
    result = CliRunner().invoke(cli, ["train", "--set", f"data.root={tmp_path}", "--quiet"])
    assert "notes.jsonl:2: not a JSON line" in result.output
