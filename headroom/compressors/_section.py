"""What a compressor declares beside its code: its policy section and the corpus it is tuned on.

Both are optional class attributes of a compressor, so a plugin written against the bare
:class:`~headroom.compressors.Compressor` protocol still registers (with no section, untuned):

- ``section``: the frozen pydantic model of its policy section (fields made with
  :func:`headroom.policy.tunable` carry their search range). The section's key in a policy
  file is the compressor's ``name``; the policy is composed from every registered section.
- ``tuning``: a :class:`Tuning`, which makes ``headroom tune`` run a study of that section.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class Tuning:
    """The corpus files a compressor's study reads, and how it scores them."""

    kinds: tuple[str, ...]
    """Corpus kinds (manifest kinds or per-kind folders) holding candidate files, in study order."""
    routed_only: bool = False
    """Keep only the files of those kinds that the router sends to this compressor (else every one).

    A file of no declared kind is always read when, and only when, the router sends it here."""
    markup: bool = False
    """Facts are drawn from the text a reader sees (tags, scripts and styles removed)."""
    missing: str = ""
    """What to say, besides the default note, when the corpus has no file for the study."""


def section_of(compressor: object) -> type[BaseModel] | None:
    """The policy section model ``compressor`` declares, if any."""
    section = getattr(compressor, "section", None)
    return section if isinstance(section, type) and issubclass(section, BaseModel) else None


def tuning_of(compressor: object) -> Tuning | None:
    """How ``compressor``'s section is tuned, if it is."""
    tuning = getattr(compressor, "tuning", None)
    return tuning if isinstance(tuning, Tuning) else None
