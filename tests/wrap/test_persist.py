"""``--persist`` and ``headroom unwrap``: stamped writes, undone exactly, unrelated content untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from headroom.errors import ConfigError
from headroom.wrap import ConfigEdit, Stamps
from headroom.wrap._leases import ProcessId
from headroom.wrap._proxy import free_port
from tests.wrap.conftest import Bench, Proxy, listening, said, wait_until

SETTINGS = '{\n    "permissions": {"allow": ["Bash(ls)"]},\n    "env": {"FOO": "1"}\n}\n'  # 4-space, inline


def _settings(bench: Bench) -> Path:
    path = bench.root / "project" / ".claude" / "settings.local.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SETTINGS)
    return path


def test_persist_writes_for_the_session_and_restores_the_bytes(bench: Bench, user_proxy: Proxy) -> None:
    path = _settings(bench)
    done = bench.wrap("--port", str(user_proxy.port), "--persist", "claude", WRAP_SNAPSHOT=str(path))
    assert done.returncode == 7, done.stderr
    record = bench.record("claude")
    assert record is not None
    during = json.loads(record["snapshot"])
    assert during["env"] == {"FOO": "1", "ANTHROPIC_BASE_URL": user_proxy.url}
    assert during["permissions"] == {"allow": ["Bash(ls)"]}
    assert path.read_text() == SETTINGS
    assert not (bench.root / "state" / "persist" / "claude.json").exists()


def test_unwrap_undoes_what_a_killed_session_left(bench: Bench, user_proxy: Proxy) -> None:
    path = _settings(bench)
    wrapper = bench.spawn(
        "--port", str(user_proxy.port), "--persist", "claude", WRAP_HOLD=str(bench.root / "never")
    )
    wait_until(lambda: (bench.records / "claude.ready").exists(), what="the wrapped agent")
    record = bench.record("claude")
    assert record is not None
    os.kill(record["pid"], signal.SIGKILL)
    wrapper.kill()
    wrapper.communicate(timeout=10)
    assert json.loads(path.read_text())["env"]["ANTHROPIC_BASE_URL"] == user_proxy.url

    unwrap = [sys.executable, "-m", "headroom", "unwrap", "claude"]
    done = subprocess.run(unwrap, env=bench.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "restored as it was" in said(done.stderr), done.stderr
    assert path.read_text() == SETTINGS
    again = subprocess.run(unwrap, env=bench.env, capture_output=True, text=True, timeout=60)
    assert "nothing to undo" in said(again.stderr)


def test_a_config_that_does_not_parse_is_refused_before_anything_starts(bench: Bench) -> None:
    path = _settings(bench)
    path.write_text("{not json")
    port = free_port()
    done = bench.wrap("--port", str(port), "--persist", "claude")
    assert done.returncode != 0 and "does not parse as JSON" in said(done.stderr)
    assert bench.record("claude") is None and path.read_text() == "{not json"
    assert not listening(port)


def test_agents_that_inherit_their_environment_have_nothing_to_persist(bench: Bench) -> None:
    done = bench.wrap("--port", str(free_port()), "--persist", "aider")
    assert done.returncode != 0 and "nothing to persist" in said(done.stderr)
    assert bench.record("aider") is None


CASES = {
    "json": (
        "opencode.json",
        '{"theme": "dark", "provider": {"openai": {"models": {}}}}',
        (("provider", "anthropic", "options", "baseURL"), ("provider", "openai", "options", "baseURL")),
    ),
    "toml": (
        "config.toml",
        '# mine\nmodel = "o3"\n\n[mcp_servers.x]\ncommand = "y"\n',
        (("openai_base_url",),),
    ),
    "yaml": (
        "config.yaml",
        "# goose\nGOOSE_PROVIDER: openai\nOPENAI_HOST: https://corp.example\nextensions:\n  dev: {enabled: true}\n",
        (("OPENAI_HOST",), ("OPENAI_BASE_PATH",)),
    ),
}


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_stamped_edits_round_trip_byte_for_byte(fmt: str, tmp_path: Path) -> None:
    from headroom.wrap._codecs import load, lookup

    name, text, keys = CASES[fmt]
    path = tmp_path / name
    path.write_text(text)
    before = load(text, fmt, path)  # type: ignore[arg-type]
    edits = [ConfigEdit(path, fmt, key, "http://127.0.0.1:1/v1") for key in keys]  # type: ignore[arg-type]
    stamps = Stamps(tmp_path / "state")
    with stamps.persisted("agent", edits, 1):
        during = load(path.read_text(), fmt, path)  # type: ignore[arg-type]
        for key in keys:
            assert lookup(during, key) == "http://127.0.0.1:1/v1"
        unrelated = {k: v for k, v in during.items() if k not in {key[0] for key in keys}}
        assert unrelated == {k: v for k, v in before.items() if k not in {key[0] for key in keys}}
    assert path.read_text() == text


def test_an_undo_after_the_user_edited_the_file_removes_only_our_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('model = "o3"\n')
    stamps = Stamps(tmp_path / "state")
    with stamps.persisted("codex", [ConfigEdit(path, "toml", ("openai_base_url",), "http://x/v1")], 1):
        path.write_text(path.read_text() + 'approval = "never"\n')  # the user, meanwhile
    assert path.read_text() == 'model = "o3"\napproval = "never"\n'


def test_an_undo_refuses_a_file_that_no_longer_parses_and_keeps_the_stamp(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    stamps = Stamps(tmp_path / "state")
    edit = ConfigEdit(path, "json", ("env", "X"), "v")
    with pytest.raises(ConfigError, match="does not parse"), stamps.persisted("claude", [edit], 1):
        path.write_text('{"env": {"X": "v"}, oops')
    assert stamps.load("claude") is not None
    path.write_text('{"env": {"X": "v", "Y": "mine"}}')
    assert stamps.undo("claude") == [f"{path}: env.X removed"]
    assert json.loads(path.read_text()) == {"env": {"Y": "mine"}}


def test_a_dead_sessions_stamp_is_healed_by_the_next_session(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"a": 1}\n')
    stamps = Stamps(tmp_path / "state")
    session = stamps.persisted("claude", [ConfigEdit(path, "json", ("env", "X"), "old")], 1)
    session.__enter__()  # a session that is then killed: its exit never runs
    stamp = json.loads(stamps.path("claude").read_text())
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stamp["owner"] = ProcessId(int(finished.stdout), "").as_dict()
    stamps.path("claude").write_text(json.dumps(stamp))
    with stamps.persisted("claude", [ConfigEdit(path, "json", ("env", "X"), "new")], 2) as healed:
        assert healed == [f"{path}: restored as it was"]
        assert json.loads(path.read_text()) == {"a": 1, "env": {"X": "new"}}
    assert path.read_text() == '{"a": 1}\n'
