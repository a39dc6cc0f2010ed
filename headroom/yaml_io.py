"""Reading the project's YAML files (policies, suites, pricing) with one kind of error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from headroom.errors import ConfigError

__all__ = ["read_yaml"]


def read_yaml(file: Path, what: str) -> Any:
    """The parsed YAML of ``file``; ConfigError naming ``what`` and the file when it cannot be read."""
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file {file}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{what} file {file} is not valid YAML: {exc}") from exc
