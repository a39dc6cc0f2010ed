"""Which marker-like text Headroom wrote: markers whose keys the caller's store holds.

A marker is ours only when its key resolves in the store of the call. Text that carries only
such markers was compressed by us already and is left as it is (compressing it again would
change it and bust the cache). Marker-like text whose key the store does not hold is foreign
(forged, or pasted from elsewhere): it is flagged, and never taken for our own output.
"""

from __future__ import annotations

from headroom.ccr import Store, parse_markers
from headroom.errors import StoreError

_TELL = "; retrieve: "


def marker_keys(text: str) -> list[str]:
    """Distinct keys of the marker-like text in ``text``, in order."""
    if _TELL not in text:  # the cheap test first: most blocks carry no marker
        return []
    return list(dict.fromkeys(m.key for m in parse_markers(text)))


def foreign_keys(text: str, store: Store) -> list[str]:
    """Keys of markers in ``text`` that ``store`` does not hold."""
    return [key for key in marker_keys(text) if not _holds(store, key)]


def already_compressed(text: str, store: Store) -> bool:
    """Whether ``text`` carries markers and every one of them resolves in ``store``."""
    keys = marker_keys(text)
    return bool(keys) and all(_holds(store, key) for key in keys)


def _holds(store: Store, key: str) -> bool:
    try:
        return store.contains(key)
    except StoreError:  # a store that cannot answer cannot vouch for the marker
        return False
