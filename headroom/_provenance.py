"""Which marker-like text Headroom wrote: markers whose keys the caller's store holds.

A marker is ours only when its key resolves in the store of the call. Text that carries only
such markers was compressed by us already and is left as it is (compressing it again would
change it and bust the cache). Marker-like text whose key the store does not hold is foreign
(forged, or pasted from elsewhere): it is flagged, and never taken for our own output.

A lossless re-encoding carries no marker, so its output is recorded instead: a small entry
holding the output's hash (never the text itself, and never the original's key, so an
original sent again raw is still compressed).
"""

from __future__ import annotations

import contextlib
import hashlib

from headroom.ccr import Store, parse_markers, to_bytes
from headroom.errors import StoreError

_TELL = "; retrieve: "
_OUTPUT_TAG = b"headroom lossless output sha256:"


def marker_keys(text: str) -> list[str]:
    """Distinct keys of the marker-like text in ``text``, in order."""
    if _TELL not in text:  # the cheap test first: most blocks carry no marker
        return []
    return list(dict.fromkeys(m.key for m in parse_markers(text)))


def foreign_keys(text: str, store: Store) -> list[str]:
    """Keys of markers in ``text`` that ``store`` does not hold."""
    return [key for key in marker_keys(text) if not holds(store, key)]


def already_compressed(text: str, store: Store) -> bool:
    """Whether ``text`` is our output: a recorded re-encoding, or markers that all resolve in ``store``."""
    keys = marker_keys(text)
    if keys:
        return all(holds(store, key) for key in keys)
    return holds(store, store.key_for(_record(text)))


def remember_output(text: str, store: Store, keep: tuple[str, ...] = ()) -> None:
    """Record ``text`` as our lossless output (best effort: unrecorded, it is only compressed again)."""
    with contextlib.suppress(StoreError):
        store.put(_record(text), kind="provenance", keep=keep)


def _record(text: str) -> bytes:
    return _OUTPUT_TAG + hashlib.sha256(to_bytes(text)).hexdigest().encode()


def holds(store: Store, key: str) -> bool:
    """Whether ``store`` can give back ``key``'s original (a store that cannot answer cannot vouch)."""
    try:
        return store.contains(key)
    except StoreError:  # a store that cannot answer cannot vouch for the marker
        return False
