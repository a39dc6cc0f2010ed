"""Aider chat history importer on a small synthetic ``.aider.chat.history.md``."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.traces import detect_format, load_traces
from headroom.errors import TraceFormatError

AIDER = """# aider chat started at 2024-08-01 10:00:00

> aider --model gpt-4o app.py
> Aider v0.50.0
> Model: gpt-4o with diff edit format
> Added app.py to the chat.

#### add a --verbose flag
#### and document it

I'll add the flag.

```python
> this quoted line is code
#### and so is this
```

> Tokens: 2.5k sent, 1,200 received. Cost: $0.01 message, $0.01 session.
> Applied edit to app.py

#### /run pytest

> 1 failed
> FAILED test_app.py::test_verbose

# aider chat started at 2024-08-02 09:00:00

#### hello

Hi!
"""


def test_aider_sessions_and_blocks(tmp_path: Path) -> None:
    path = tmp_path / ".aider.chat.history.md"
    path.write_text(AIDER)
    assert detect_format(path).name == "aider"
    first, second = load_traces(path)
    roles = [t.role for t in first.turns]
    assert roles == ["tool", "user", "assistant", "tool", "user", "tool"]
    assert first.turns[1].text == "add a --verbose flag\nand document it"
    assert (
        "> this quoted line is code" in first.turns[2].text and "#### and so is this" in first.turns[2].text
    )
    usage = first.turns[2].usage
    assert usage is not None and (usage.input_tokens, usage.output_tokens) == (2500, 1200)
    assert first.model == "gpt-4o" and first.metadata["started_at"] == "2024-08-01 10:00:00"
    assert "FAILED test_app.py" in first.turns[5].text
    assert [t.role for t in second.turns] == ["user", "assistant"] and second.source.endswith("#1")


def test_aider_without_turns_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_text("# aider chat started at 2024-08-01 10:00:00\n\n")
    with pytest.raises(TraceFormatError, match="no aider chat turns"):
        load_traces(path)
