"""Certification Authority public keys (EMV 4.3 Book 2, sections 5.1 and 11.2.2) and the shipped test keys.

A terminal holds the CA public keys of the schemes it accepts, each named by RID (the scheme's registered
application provider identifier, 5 bytes) and CA public key index (1 byte), with its expiry date and a
SHA-1 checksum over RID || index || modulus || exponent that the terminal checks when it loads the key.
:func:`load_test_ca_keys` reads ``emv/data/test_ca_keys.toml`` (the schemes' published *test* keys for the
RIDs of the shipped cards) and refuses any key whose checksum differs from the one computed.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass, field
from importlib import resources

from emv.errors import EmvError

__all__ = ["CaPublicKey", "CaPublicKeyError", "load_test_ca_keys", "parse_ca_keys"]

DATA_PACKAGE = "emv.data"
DATA_FILE = "test_ca_keys.toml"
RID_LENGTH = 5
CHECKSUM_LENGTH = 20
HASH_SHA1 = 0x01
"""Hash algorithm indicator of SHA-1 (EMV 4.3 Book 2, Annex B3.1)."""
RSA = 0x01
"""Public key algorithm indicator of RSA (EMV 4.3 Book 2, Annex B2.1)."""


class CaPublicKeyError(EmvError):
    """A CA public key is malformed or its checksum does not match (names the key, never a secret: keys are public)."""


@dataclass(frozen=True)
class CaPublicKey:
    """One CA public key: RID, index, expiry (YYYYMMDD), modulus, exponent, and its SHA-1 checksum."""

    rid: bytes
    index: int
    expiry: str
    modulus: bytes
    exponent: bytes
    checksum: bytes
    scheme: str = field(default="", compare=False)
    """The card scheme's name, for people (not on the wire, not compared)."""
    hash_algorithm: int = HASH_SHA1
    key_algorithm: int = RSA

    @property
    def name(self) -> str:
        """``RID/index`` in hex, e.g. ``A000000333/08``."""
        return f"{self.rid.hex().upper()}/{self.index:02X}"

    def computed_checksum(self) -> bytes:
        """SHA-1 of RID || index || modulus || exponent (EMV 4.3 Book 2, 11.2.2)."""
        return hashlib.sha1(self.rid + bytes([self.index]) + self.modulus + self.exponent,
                            usedforsecurity=False).digest()

    def check(self) -> CaPublicKey:
        """This key, after checking its fields and its checksum; :class:`CaPublicKeyError` otherwise."""
        if len(self.rid) != RID_LENGTH:
            raise CaPublicKeyError(f"CA key {self.rid.hex().upper()}: the RID is {len(self.rid)} bytes, expected 5")
        if not 0 <= self.index <= 0xFF:
            raise CaPublicKeyError(f"CA key {self.rid.hex().upper()}: index {self.index} is not one byte")
        if not (len(self.expiry) == 8 and self.expiry.isdigit()):
            raise CaPublicKeyError(f"CA key {self.name}: expiry {self.expiry!r} is not YYYYMMDD")
        if not self.modulus or not self.exponent or self.exponent not in (b"\x03", b"\x01\x00\x01"):
            raise CaPublicKeyError(f"CA key {self.name}: exponent must be 3 or 65537 and the modulus non-empty")
        if len(self.checksum) != CHECKSUM_LENGTH or not hmac.compare_digest(self.checksum, self.computed_checksum()):
            raise CaPublicKeyError(f"CA key {self.name}: the checksum does not match SHA-1(RID, index, modulus, "
                                   f"exponent)")
        return self


def _hex(entry: dict[str, object], key: str, where: str) -> bytes:
    value = entry.get(key)
    if not isinstance(value, str):
        raise CaPublicKeyError(f"{where}: {key} missing or not a string")
    try:
        return bytes.fromhex("".join(value.split()))
    except ValueError:
        raise CaPublicKeyError(f"{where}: {key} is not hex") from None


def parse_ca_keys(text: str) -> tuple[CaPublicKey, ...]:
    """The CA public keys of a TOML document of ``[[keys]]`` tables, each checked (:meth:`CaPublicKey.check`)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CaPublicKeyError(f"CA key file is not valid TOML: {error}") from None
    keys = []
    for number, entry in enumerate(document.get("keys", []), start=1):
        where = f"[[keys]] number {number}"
        index = _hex(entry, "index", where)
        if len(index) != 1:
            raise CaPublicKeyError(f"{where}: index must be one byte (2 hex digits)")
        keys.append(CaPublicKey(
            rid=_hex(entry, "rid", where), index=index[0], expiry=str(entry.get("expiry", "")),
            modulus=_hex(entry, "modulus", where), exponent=_hex(entry, "exponent", where),
            checksum=_hex(entry, "checksum", where), scheme=str(entry.get("scheme", "")),
        ).check())
    return tuple(keys)


def load_test_ca_keys() -> tuple[CaPublicKey, ...]:
    """The shipped test CA public keys (``emv/data/test_ca_keys.toml``), every checksum checked."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_ca_keys(text)
