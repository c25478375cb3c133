"""The terminal's (or host's) key store: keys kept as TR-31 key blocks under a local KEK, in one JSON file.

File format (version 1)::

    {"format": 1, "keys": {"<name>": {"block": "D....", "kcv": "<hex>"}}}

Each key is a TR-31 version D block (AES key derivation binding, TR-31:2018
5.3.2.3) under a 32-byte AES-256 key-encryption key (the KBPK). The block's
header carries the key's usage, algorithm and mode of use; its key context is
"1" (storage only, X9.143:2021 6.2 table 1) and an "LB" label optional block
(X9.143:2021 6.3.6) holds the key's name, so a block copied under another
name in the file is detected. The KCV is stored beside the block so a person
can compare keys without unwrapping anything: TDES keys by the encrypt-zeros
method (3 bytes, ANSI X9.24-1), AES keys by the CMAC method (5 bytes,
X9.24-1:2017 and TR-31:2018).

No clear key is ever written to disk. Every change rewrites the file
atomically (temporary file in the same folder, flush, fsync, ``os.replace``,
fsync of the folder), so a crash leaves either the old file or the new one.
A writer with many changes at once (a host answering a group of sign-ons)
stages them (:meth:`KeyStore.stage_many`, :meth:`KeyStore.stage_delete`) and
rewrites the file once for all of them (:meth:`KeyStore.flush`).

The KEK itself is the simulator's local root of trust:
:func:`load_or_create_kek` keeps it as hex in a file readable by its owner
only (mode 0600).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from keys.errors import CryptoError, KeyStoreError
from keys.hexutil import to_hex
from keys.kcv import kcv_aes_cmac, kcv_tdes
from keys.secretfile import load_or_create_secret_file, replace_atomically
from keys.tr31 import KeyBlockHeader, unwrap, wrap

__all__ = ["KEK_LENGTH", "KeyStore", "generate_kek", "load_or_create_kek"]

KEK_LENGTH = 32  # AES-256 KBPK
_FORMAT = 1
_LABEL_BLOCK = "LB"
_STORAGE_CONTEXT = "1"
_MAX_NAME_LENGTH = 64  # keeps the "LB" optional block within its 2-hex-digit length


def generate_kek() -> bytes:
    """A fresh random 32-byte AES-256 key-encryption key from the OS CSPRNG."""
    return secrets.token_bytes(KEK_LENGTH)


def load_or_create_kek(path: Path) -> bytes:
    """Read the KEK from ``path`` (hex text), or create it with a random KEK and mode 0600 when missing.

    An existing file whose mode lets the group or others read it is refused on
    POSIX systems, as ssh refuses a private key: the KEK protects every stored key.
    Creation is atomic and never overwrites a file created meanwhile.
    """
    return load_or_create_secret_file(path, "KEK", KEK_LENGTH)


@dataclass(frozen=True)
class _Entry:
    """One stored key: its TR-31 block and its check value (neither is secret)."""

    block: str
    kcv: str


def _check_value(key: bytes, algorithm: str) -> str:
    """KCV of ``key``: TDES encrypt-zeros (3 bytes), AES CMAC (5 bytes)."""
    if algorithm == "T":
        return to_hex(kcv_tdes(key))
    return to_hex(kcv_aes_cmac(key))


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise KeyStoreError("key name must be a non-empty string")
    if len(name) > _MAX_NAME_LENGTH:
        raise KeyStoreError(f"key name of {len(name)} characters is too long (at most {_MAX_NAME_LENGTH})")
    if not all(" " <= char <= "~" for char in name):
        raise KeyStoreError("key name must be printable ASCII")
    return name


@dataclass(eq=False)
class KeyStore:
    """Named keys as TR-31 version D blocks under a KEK, persisted in one JSON file.

    Obtain one with :meth:`open`. Reads unwrap on demand; the clear keys are
    never cached, and the KEK is hidden from ``repr``.
    """

    path: Path
    _kek: bytes = field(repr=False)
    _entries: dict[str, _Entry] = field(default_factory=dict, repr=False)
    _staged: bool = field(default=False, repr=False)
    """Changes staged in memory that the file does not hold yet (:meth:`flush` writes them)."""

    @classmethod
    def open(cls, path: Path, kek: bytes) -> KeyStore:
        """Open the store at ``path`` (a missing file is an empty store) and verify every key under ``kek``.

        A wrong KEK, an altered block, a KCV that does not match or a file that
        is not a format-1 key store raises :class:`KeyStoreError` naming the
        file and, where it applies, the key name.
        """
        path = Path(path)
        if not isinstance(kek, bytes | bytearray) or len(kek) != KEK_LENGTH:
            length = len(kek) if isinstance(kek, bytes | bytearray) else "non-bytes"
            raise KeyStoreError(f"key store {path}: KEK is {length} bytes, expected {KEK_LENGTH} (AES-256)")
        store = cls(path=path, _kek=bytes(kek))
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return store
        except OSError as exc:
            raise KeyStoreError(f"cannot read key store {path}: {exc.strerror}") from None
        store._entries = store._parse(raw)
        for name in store._entries:
            store._unwrap(name)
        return store

    def _parse(self, raw: bytes) -> dict[str, _Entry]:
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise KeyStoreError(f"key store {self.path} is not valid JSON") from None
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            raise KeyStoreError(f"key store {self.path} is not a format {_FORMAT} key store")
        keys = document.get("keys")
        if not isinstance(keys, dict):
            raise KeyStoreError(f"key store {self.path}: 'keys' must be an object")
        entries: dict[str, _Entry] = {}
        for name, record in keys.items():
            if (
                not isinstance(record, dict)
                or not isinstance(record.get("block"), str)
                or not isinstance(record.get("kcv"), str)
            ):
                raise KeyStoreError(f"key store {self.path}: key {name!r} needs string 'block' and 'kcv'")
            entries[name] = _Entry(block=record["block"], kcv=record["kcv"])
        return entries

    def _unwrap(self, name: str) -> tuple[KeyBlockHeader, bytes]:
        """Unwrap and cross-check one stored key: MAC, label and KCV."""
        entry = self._entries.get(name)
        if entry is None:
            raise KeyStoreError(f"no key named {name!r} in key store {self.path}")
        try:
            header, key = unwrap(self._kek, entry.block)
        except CryptoError as exc:
            if str(exc).startswith("MAC verification failed"):
                raise KeyStoreError(
                    f"key store {self.path}: key {name!r} does not verify under this KEK (wrong KEK or altered file)"
                ) from None
            raise KeyStoreError(f"key store {self.path}: key {name!r} is not a valid key block ({exc})") from None
        if header.optional_block(_LABEL_BLOCK) != name:
            raise KeyStoreError(f"key store {self.path}: the block stored as {name!r} is labelled for another key")
        try:
            expected = _check_value(key, header.algorithm)
        except CryptoError:
            raise KeyStoreError(f"key store {self.path}: key {name!r} has a length its algorithm refuses") from None
        if expected != entry.kcv:
            raise KeyStoreError(f"key store {self.path}: key {name!r} does not match its stored KCV")
        return header, key

    def _save(self, entries: dict[str, _Entry]) -> None:
        """Write ``entries`` atomically, then adopt them; on failure the file and memory keep the old state."""
        document = {
            "format": _FORMAT,
            "keys": {name: {"block": entry.block, "kcv": entry.kcv} for name, entry in sorted(entries.items())},
        }
        data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            replace_atomically(self.path, data)
        except OSError as exc:
            raise KeyStoreError(f"cannot write key store {self.path}: {exc.strerror}") from None
        self._entries = entries
        self._staged = False

    def put(
        self,
        name: str,
        key: bytes,
        usage: str,
        algorithm: str,
        mode_of_use: str,
        *,
        exportability: str = "N",
    ) -> None:
        """Store (or replace) ``key`` under ``name`` with its TR-31 attributes; rewrite the file atomically.

        ``algorithm`` must be "T" (TDES, 16 or 24 bytes) or "A" (AES, 16, 24 or
        32 bytes), the algorithms whose check value the store can compute.
        """
        self.put_many([(name, key, usage, algorithm, mode_of_use, exportability)])

    def put_many(self, items: list[tuple[str, bytes, str, str, str, str]]) -> None:
        """Store (or replace) several keys, each ``(name, key, usage, algorithm, mode_of_use, exportability)``
        as :meth:`put` takes them, with ONE atomic rewrite of the file (one fsync): a host's sign-on keeps
        a PIN key and a MAC key together. Nothing is stored when one of them is refused."""
        self._save(self._with(items))

    def stage_many(self, items: list[tuple[str, bytes, str, str, str, str]]) -> None:
        """:meth:`put_many` without the rewrite: the keys are read from this store at once and written to the
        file by the next :meth:`flush`, with every change staged before it (one fsync for all). Nothing is
        staged when one of them is refused."""
        self._entries = self._with(items)
        self._staged = True

    def stage_delete(self, name: str) -> None:
        """:meth:`delete` without the rewrite (see :meth:`stage_many`)."""
        self._entries = self._without(name)
        self._staged = True

    def flush(self) -> None:
        """Write the staged changes in one atomic rewrite (nothing to do when none are staged). When the write
        fails, KeyStoreError: the store keeps reading the staged keys, and the next flush tries again."""
        if self._staged:
            self._save(self._entries)  # which marks them written

    def _with(self, items: list[tuple[str, bytes, str, str, str, str]]) -> dict[str, _Entry]:
        """The entries with ``items`` wrapped and added (nothing changed yet)."""
        entries = dict(self._entries)
        for name, key, usage, algorithm, mode_of_use, exportability in items:
            name, entry = self._entry(name, key, usage, algorithm, mode_of_use, exportability)
            entries[name] = entry
        return entries

    def _entry(self, name: str, key: bytes, usage: str, algorithm: str, mode_of_use: str,
               exportability: str) -> tuple[str, _Entry]:
        """The checked name and the wrapped entry of one key (nothing written)."""
        name = _check_name(name)
        if algorithm not in ("T", "A"):
            raise KeyStoreError(f"key {name!r}: algorithm {algorithm!r} not supported by the key store, use 'T' or 'A'")
        try:
            header = KeyBlockHeader(
                version_id="D",
                key_usage=usage,
                algorithm=algorithm,
                mode_of_use=mode_of_use,
                exportability=exportability,
                optional_blocks=((_LABEL_BLOCK, name),),
                key_context=_STORAGE_CONTEXT,
            )
            block = wrap(self._kek, header, key, masked_key_length=KEK_LENGTH)
        except CryptoError as exc:
            raise KeyStoreError(f"key {name!r}: {exc}") from None
        return name, _Entry(block=block, kcv=_check_value(bytes(key), header.algorithm))

    def get(self, name: str) -> bytes:
        """The clear key stored under ``name``."""
        return self._unwrap(name)[1]

    def header(self, name: str) -> KeyBlockHeader:
        """The TR-31 header (usage, algorithm, mode of use...) of the key stored under ``name``."""
        return self._unwrap(name)[0]

    def kcv(self, name: str) -> str:
        """The stored check value (upper-case hex) of the key under ``name``."""
        entry = self._entries.get(name)
        if entry is None:
            raise KeyStoreError(f"no key named {name!r} in key store {self.path}")
        return entry.kcv

    def names(self) -> list[str]:
        """Names of the stored keys, sorted."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        """Whether a key is stored under ``name`` (without sorting every name, as :meth:`names` does)."""
        return name in self._entries

    def delete(self, name: str) -> None:
        """Remove the key under ``name``; rewrite the file atomically."""
        self._save(self._without(name))

    def _without(self, name: str) -> dict[str, _Entry]:
        if name not in self._entries:
            raise KeyStoreError(f"no key named {name!r} in key store {self.path}")
        entries = dict(self._entries)
        del entries[name]
        return entries
