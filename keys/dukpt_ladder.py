"""The keys a DUKPT host derived along one device's last transaction counter, to start the next derivation where the
two counters part.

Both DUKPT variants reach the key of a transaction counter by one derivation step per one-bit of the counter, most
significant first, each step from the key of the step before (TDES: the non-reversible key generation process of
ANSI X9.24-1:2009 A.2/A.6; AES: the intermediate derivation keys of X9.24-3-2017 6.3/6.4). The key after the k-th
step is a pure function of the device's initial key, its identity (KSN without the counter) and the counter cut to
its k highest one-bits (the "prefix"). A device's next counter shares all its prefixes with the last one but the
lowest (counter + 1 adds one one-bit, or clears a run of low one-bits and sets the bit above it), so a host keeping
the keys of the last walk derives the next key in one step where the walk from the initial key takes one per one-bit
(up to 10 for TDES, 16 for AES). The originator keeps its future keys for the same reason (X9.24-1 A.2).

A :class:`DukptLadder` belongs to whoever holds the device's initial key (the host's key ring, one per terminal and
scheme): it holds no more than that holder can derive, at most one key per bit of the counter, never shown in a repr.
"""

from __future__ import annotations

from collections.abc import Callable

StepFunction = Callable[[bytes, int], bytes]
"""One derivation step: the key after the step, from the key before it and the prefix the step sets."""


class DukptLadder:
    """The prefixes of one device's last counter and the key after each step, for :meth:`walk`."""

    __slots__ = ("_origin", "_prefixes", "_keys")

    def __init__(self) -> None:
        self._origin: tuple[bytes, bytes] | None = None
        """(initial key, device identity) the kept keys descend from."""
        self._prefixes: list[int] = []
        self._keys: list[bytes] = []

    def __repr__(self) -> str:
        return f"DukptLadder({len(self._keys)} keys kept)"

    def walk(self, initial_key: bytes, device: bytes, counter: int, bits: int, step: StepFunction) -> bytes:
        """The key at the end of ``counter``'s walk (``bits`` wide) from ``initial_key``: ``step`` is called only for
        the prefixes the last walk of the same initial key and ``device`` did not share (every one of them after a
        change of either). ``counter`` is the caller's to check (not 0, not too many one-bits)."""
        prefixes: list[int] = []
        working = 0
        for shift in range(bits - 1, -1, -1):
            bit = 1 << shift
            if counter & bit:
                working |= bit
                prefixes.append(working)
        shared = 0
        if self._origin == (initial_key, device):
            kept = self._prefixes
            limit = min(len(kept), len(prefixes))
            while shared < limit and kept[shared] == prefixes[shared]:
                shared += 1
        keys = self._keys[:shared]
        key = keys[-1] if keys else initial_key
        for prefix in prefixes[shared:]:
            key = step(key, prefix)
            keys.append(key)
        self._origin, self._prefixes, self._keys = (initial_key, device), prefixes, keys
        return key
