"""Tool calls of many agents read as the same few activities."""

from __future__ import annotations

import json

import pytest

from headroom.activity import Activity, classify_call, classify_command


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("Read", {"file_path": "src/app.py"}, Activity("read", ("src/app.py",))),
        ("read_file", {"path": "lib/x.ts"}, Activity("read", ("lib/x.ts",))),
        ("read", {"filePath": "a/b.go"}, Activity("read", ("a/b.go",))),
        ("readFile", {"path": "README.md"}, Activity("read", ("README.md",))),
        ("str_replace_editor", {"command": "view", "path": "/repo/m.c"}, Activity("read", ("/repo/m.c",))),
        (
            "str_replace_editor",
            {"command": "str_replace", "path": "/repo/m.c"},
            Activity("edit", ("/repo/m.c",)),
        ),
        ("Edit", {"file_path": "a.py", "old_string": "x", "new_string": "y"}, Activity("edit", ("a.py",))),
        ("Write", {"file_path": "b.py", "content": "..."}, Activity("edit", ("b.py",))),
        ("search_replace", {"edit": "..."}, Activity("edit")),
        ("newFileCreated", {"path": "n.ts", "content": ""}, Activity("edit", ("n.ts",))),
        ("TodoWrite", {"todos": []}, Activity("other")),
        ("Grep", {"pattern": "TODO", "path": "src"}, Activity("search", ("src",))),
        ("codebase_search", {"description": "where is auth"}, Activity("search")),
        ("list_dir", {"description": "."}, Activity("list")),
        ("WebFetch", {"url": "https://example.org", "prompt": "x"}, Activity("fetch")),
        ("Bash", {"command": "cat src/app.py | head -50"}, Activity("read", ("src/app.py",))),
        (
            "execute_bash",
            {"command": "cd /repo && python -m pytest tests/test_x.py -q"},
            Activity("test", ("tests/test_x.py",)),
        ),
        ("run_terminal_cmd", {"command": "rg -n 'def main' src/"}, Activity("search", ("src/",))),
        ("exec_command", {"cmd": "npm test -- --watch=false"}, Activity("test")),
        (
            "shell",
            {"command": ["bash", "-lc", "sed -i 's/a/b/' conf.yaml"]},
            Activity("edit", ("conf.yaml",)),
        ),
        ("bash", {"command": "echo hi > notes.txt"}, Activity("edit", ("notes.txt",))),
        ("bash", {"command": "curl -s https://api.example.org/v1"}, Activity("fetch")),
        ("bash", {"command": "git diff HEAD~1 -- a.py"}, Activity("read", ("a.py",))),
        ("bash", {"command": "make build"}, Activity("run")),
        ("open", {"command": "open src/flask/app.py 120"}, Activity("read", ("src/flask/app.py",))),
        ("find_file", {"command": "find_file setup.cfg"}, Activity("search", ("setup.cfg",))),
        ("get_reservation_details", {"reservation_id": "X1"}, Activity("other")),
    ],
)
def test_calls_of_many_agents(name: str, arguments: dict[str, object], expected: Activity) -> None:
    assert classify_call(name, json.dumps(arguments)) == expected
    assert classify_call(name, arguments) == expected


def test_raw_and_broken_arguments_are_read_as_a_command() -> None:
    assert classify_call("bash", "ls -la src") == Activity("list", ("src",))
    assert classify_call("bash", '{"command": "cat a.py"') == classify_command('{"command": "cat a.py"')
    assert classify_call("mystery", None) == Activity("other")


def test_an_unterminated_quote_still_parses() -> None:
    assert classify_command("grep -rn 'unterminated src/").kind == "search"


def test_the_strongest_segment_wins() -> None:
    assert classify_command("cat a.py && pytest -x").kind == "test"
    assert classify_command("timeout 60 sudo env A=1 tail -f log/app.log").paths == ("log/app.log",)
