"""Redacted copies of text files, for uploaders (mlflow artifacts) that take a path."""

from __future__ import annotations

import shutil
from pathlib import Path

from headroom.redaction._redactor import Redactor


def redacted_copy(source: str | Path, folder: str | Path, redactor: Redactor) -> Path:
    """A copy of ``source`` in ``folder`` (same file name) with its secrets redacted.

    A file that is not UTF-8 text is copied unchanged: rewriting bytes we cannot parse could
    corrupt it, and every artifact Headroom writes itself is text.
    """
    src = Path(source)
    target = Path(folder) / src.name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        text = src.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        shutil.copyfile(src, target)
        return target
    target.write_text(redactor.text(text), encoding="utf-8")
    return target
