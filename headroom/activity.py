"""What an agent was doing when a tool ran: reading a file, editing one, searching, testing, fetching.

Agents name the same act differently (``Read``, ``read_file``, ``str_replace_editor view``,
``cat``; ``Bash``, ``execute_bash``, ``run_terminal_cmd``; ``Grep``, ``rg``), so a call is read
the way its parts say: the words of the tool's name, the keys of its arguments (a ``file_path``
makes a file tool), and, for a shell tool, the command line parsed into its pipeline segments
(the program that runs, its sub-command, and its redirections). Policies key rules on the
resulting kind and on the files a call touched.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from headroom.critical import json_record

ActivityKind = Literal["read", "edit", "search", "list", "test", "fetch", "run", "other"]
ACTIVITY_KINDS: tuple[ActivityKind, ...] = ("read", "edit", "search", "list", "test", "fetch", "run", "other")


@dataclass(frozen=True)
class Activity:
    """The kind of a tool call and the files it names."""

    kind: ActivityKind
    paths: tuple[str, ...] = ()


# Words of a tool's name, by what they say the tool does (checked in this order: "search_replace"
# edits, "read_lints" is a check, "codebase_search" searches).
_NAME_WORDS: tuple[tuple[ActivityKind, frozenset[str]], ...] = (
    (
        "edit",
        frozenset({"write", "edit", "replace", "patch", "create", "insert", "edited", "created", "update"}),
    ),
    ("test", frozenset({"test", "tests", "lint", "lints", "check"})),
    ("search", frozenset({"search", "grep", "find", "glob", "rg", "lookup"})),
    ("list", frozenset({"ls", "list", "dir", "tree"})),
    ("fetch", frozenset({"fetch", "web", "http", "url", "browse", "download", "curl"})),
    ("read", frozenset({"read", "view", "open", "cat", "show"})),
)
_SHELL_WORDS = frozenset(
    {"bash", "shell", "sh", "terminal", "exec", "execute", "run", "command", "cmd", "zsh", "powershell"}
)
_EDITOR_VIEWS = frozenset({"view", "read", "show"})
_PATH_KEYS = ("file_path", "path", "filePath", "filename", "file", "target_file", "relative_workspace_path")
_COMMAND_KEYS = ("command", "cmd", "commands", "script")
_EDIT_KEYS = frozenset(
    {"content", "diff", "edit", "new_string", "old_string", "patch", "new_str", "file_text"}
)

_PROGRAMS: dict[str, ActivityKind] = {
    **dict.fromkeys(("cat", "head", "tail", "less", "more", "nl", "bat", "view", "open", "type"), "read"),
    **dict.fromkeys(
        ("grep", "rg", "ag", "ack", "find", "fd", "locate", "search_dir", "search_file"), "search"
    ),
    **dict.fromkeys(("find_file", "git-grep"), "search"),
    **dict.fromkeys(("ls", "tree", "dir", "exa", "eza"), "list"),
    **dict.fromkeys(("pytest", "jest", "vitest", "mocha", "tox", "nox", "rspec", "phpunit", "ctest"), "test"),
    **dict.fromkeys(("curl", "wget", "http", "httpie", "lynx"), "fetch"),
    **dict.fromkeys(
        ("tee", "touch", "patch", "apply_patch", "create", "edit", "insert", "str_replace"), "edit"
    ),
}
# ``<program> <sub-command>`` pairs that test (``npm test``, ``go test``, ``cargo test``...).
_TEST_SUBCOMMANDS = frozenset({"test", "tests", "check", "spec"})
_SEPARATORS = frozenset({"&&", "||", ";", "|", "&"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_LOOKS_LIKE_PATH = re.compile(r"^(?:[\w.~-]*/)*[\w.-]+\.[A-Za-z0-9]{1,8}$|^(?:[\w.~-]+/)+[\w.-]*$")


def classify_call(name: str, arguments: str | Mapping[str, Any] | None = None) -> Activity:
    """The activity of one tool call, from its name and its arguments (a JSON object or raw text)."""
    if arguments is None or isinstance(arguments, str):
        return _classify_text(name, arguments)  # conversations are re-sent whole: remember each call
    return _classify(name, _arguments(arguments))


@functools.lru_cache(maxsize=65536)
def _classify_text(name: str, arguments: str | None) -> Activity:
    return _classify(name, _arguments(arguments))


def _classify(name: str, args: dict[str, Any]) -> Activity:
    words = _name_words(name)
    paths = _paths(args)
    command = _command(args)
    if "editor" in words and isinstance(args.get("command"), str):  # str_replace_editor view|create|...
        kind: ActivityKind = "read" if args["command"] in _EDITOR_VIEWS else "edit"
        return Activity(kind, paths)
    named = _named_kind(words)
    # A shell tool runs its command; so does a tool named after the program it runs (SWE-agent's
    # ``open`` with ``{"command": "open x.py"}``), and a tool whose name says nothing.
    if command is not None and (words & _SHELL_WORDS or named is None or _runs_itself(name, command)):
        activity = classify_command(command)
        return Activity(activity.kind, tuple(dict.fromkeys(paths + activity.paths)))
    if named == "edit" and not paths and not args.keys() & _EDIT_KEYS:
        return Activity("other")  # TodoWrite, update_plan: a name that writes, but no file
    if named is not None:
        return Activity(named, paths)
    return Activity("read" if paths else "other", paths)


def _runs_itself(name: str, command: str) -> bool:
    first = command.split(None, 1)[0] if command.split() else ""
    return first.lower() == name.lower()


def classify_command(command: str) -> Activity:
    """The activity of a shell command line: its strongest segment (edit > test > search > read > ...)."""
    segments = _segments(command)
    found: list[Activity] = [_segment(words) for words in segments if words]
    if not found:
        return Activity("other")
    rank = {
        kind: i for i, kind in enumerate(("edit", "test", "search", "read", "list", "fetch", "run", "other"))
    }
    best = min(found, key=lambda a: rank[a.kind])
    return Activity(best.kind, tuple(dict.fromkeys(p for a in found if a.kind == best.kind for p in a.paths)))


def _segment(words: list[str]) -> Activity:
    program, rest = _program(words)
    operands = [w for w in rest if not w.startswith("-") and w not in ("<", ">", ">>")]
    paths = tuple(w for w in operands if _LOOKS_LIKE_PATH.match(w))
    if ">" in rest or ">>" in rest:
        target = rest[rest.index(">" if ">" in rest else ">>") + 1 :][:1]
        return Activity("edit", tuple(target))
    if program == "sed":  # the first operand is the script, the others are files
        return Activity("edit" if any(w.startswith("-i") for w in rest) else "read", tuple(operands[1:]))
    if program == "git" and rest:
        sub = rest[0]
        kinds: dict[str, ActivityKind] = {"grep": "search", "diff": "read", "show": "read", "log": "read"}
        return Activity(kinds.get(sub, "run"), paths)
    if rest and rest[0] in _TEST_SUBCOMMANDS:  # npm test, go test, cargo test, make check
        return Activity("test", paths)
    if program in ("python", "python3") and rest[:2] in (["-m", "pytest"], ["-m", "unittest"]):
        return Activity("test", paths)
    kind = _PROGRAMS.get(program)
    if kind is None:
        return Activity("test" if "test" in program else "run", paths)
    if kind in ("read", "list", "edit"):  # every operand of a file program is a file
        return Activity(kind, tuple(w for w in operands if not w.isdigit()))
    if kind == "search" and program not in ("find", "fd", "find_file", "locate"):  # grep PATTERN FILE...
        return Activity(kind, tuple(operands[1:]))
    return Activity(kind, paths if kind != "search" else tuple(operands))


def _program(words: list[str]) -> tuple[str, list[str]]:
    """The program a segment runs (past ``sudo``, ``env X=1``, ``timeout 10``) and its arguments."""
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("sudo", "env", "nohup", "time", "exec", "command") or "=" in word.split("/")[0]:
            index += 1
        elif word == "timeout" and index + 1 < len(words):
            index += 2
        else:
            break
    if index >= len(words):
        return "", []
    return words[index].rsplit("/", 1)[-1], words[index + 1 :]


def _segments(command: str) -> list[list[str]]:
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:  # an unterminated quote: split on white space and separators instead
        tokens = re.findall(r"&&|\|\||[;&|<>]|[^\s;&|<>]+", command)
    segments: list[list[str]] = [[]]
    for token in tokens:
        if token in _SEPARATORS or token == "\n":
            segments.append([])
        else:
            segments[-1].append(token)
    return segments


def _arguments(arguments: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if arguments is None:
        return {}
    if isinstance(arguments, Mapping):
        return dict(arguments)
    text = arguments.strip()
    parsed = json_record(text)
    if isinstance(parsed, dict):
        return parsed
    return {"command": text} if text else {}


def _command(args: Mapping[str, Any]) -> str | None:
    for key in _COMMAND_KEYS:
        value = args.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            # ["bash", "-lc", "cat x"]: the script is the last word of a shell invocation
            if len(value) >= 3 and value[-2] in ("-c", "-lc"):
                return str(value[-1])
            return shlex.join(value)
    return None


def _paths(args: Mapping[str, Any]) -> tuple[str, ...]:
    found = []
    for key in _PATH_KEYS:
        value = args.get(key)
        if isinstance(value, str) and value.strip():
            found.append(value.strip())
    return tuple(dict.fromkeys(found))


def _name_words(name: str) -> frozenset[str]:
    return frozenset(word.lower() for word in _WORD.findall(name))


def _named_kind(words: frozenset[str]) -> ActivityKind | None:
    for kind, vocabulary in _NAME_WORDS:
        if words & vocabulary:
            return kind
    return None
