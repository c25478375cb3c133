"""DE 62 of the sign-on answer (0810): the working keys, enciphered under the terminal master key.

The CUP POS sign-on (0800, 60.1 = 00) asks, through 60.3, for one of three key schemes; the
host answers with the keys in DE 62, each followed by its 4-byte check value:

=========  =======================================================  ===================
60.3       DE 62                                                    keys
=========  =======================================================  ===================
``001``    PIK 8 + CV 4 + MAK 8 + CV 4 = 24 bytes                   single DES
``003``    PIK 16 + CV 4 + MAK 16 + CV 4 = 40 bytes                 double-length TDES
``004``    as ``003``, then TDK 16 + CV 4 = 60 bytes                with a track data key
=========  =======================================================  ===================

Where the public descriptions differ: with ``003`` many hosts keep a single-length MAK (the
ECB MAC of DE 64 then runs single DES) and send it as its 8-byte ciphertext followed by 8 zero
bytes in the 16-byte slot. :meth:`SignOnKeys.decode` reads that form as an 8-byte MAK and
:meth:`SignOnKeys.encode` writes an 8-byte MAK of a double-length layout that way, so both
forms round-trip. (A real 16-byte ciphertext ending in 8 zero bytes has probability 2^-64;
encoding one is refused rather than silently turned into the other form.)

Each key is enciphered under the TMK in ECB mode (DES for an 8-byte TMK, two-key TDES for a
16-byte one); the check value is the leftmost 4 bytes of the clear key enciphering 8 zero bytes.
:func:`unwrap_working_keys` deciphers and checks them, :func:`wrap_working_keys` is the host's
side. Key bytes never appear in a repr or an error.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import Enum

from keys.errors import KeyLengthError
from keys.primitives import des_decrypt_block, des_encrypt_block, tdes_decrypt_ecb, tdes_encrypt_ecb
from protocols.cup.errors import CheckValueError, CupFieldError

CHECK_VALUE_LENGTH = 4
_FIELD = 62


class SignOnKeyScheme(str, Enum):
    """60.3 of the sign-on request: which working keys the terminal asks for."""

    SINGLE_DES = "001"
    DOUBLE_LENGTH = "003"
    DOUBLE_LENGTH_WITH_TRACK_KEY = "004"

    @property
    def key_length(self) -> int:
        """Length of each working key (the MAK of ``003`` may still be 8 bytes)."""
        return 8 if self is SignOnKeyScheme.SINGLE_DES else 16

    @property
    def field62_length(self) -> int:
        """Bytes of DE 62 in the answer."""
        return {"001": 24, "003": 40, "004": 60}[self.value]


_SCHEME_BY_LENGTH = {scheme.field62_length: scheme for scheme in SignOnKeyScheme}


def _hidden(value: bytes | None) -> str:
    return "None" if value is None else f"<{len(value)} bytes>"


@dataclass(frozen=True, repr=False)
class SignOnKeys:
    """The key ciphertexts and check values of DE 62, as sent (nothing deciphered)."""

    pik: bytes
    pik_check_value: bytes
    mak: bytes
    mak_check_value: bytes
    tdk: bytes | None = None
    tdk_check_value: bytes | None = None

    def __repr__(self) -> str:
        return (f"SignOnKeys(pik={_hidden(self.pik)}, mak={_hidden(self.mak)}, tdk={_hidden(self.tdk)}, "
                f"scheme={self.scheme.value})")

    @property
    def scheme(self) -> SignOnKeyScheme:
        """The 60.3 scheme this layout answers."""
        if self.tdk is not None:
            return SignOnKeyScheme.DOUBLE_LENGTH_WITH_TRACK_KEY
        return SignOnKeyScheme.SINGLE_DES if len(self.pik) == 8 else SignOnKeyScheme.DOUBLE_LENGTH

    def encode(self) -> bytes:
        """The DE 62 bytes."""
        pik_length = len(self.pik)
        if pik_length not in (8, 16):
            raise CupFieldError(_FIELD, "62 PIK", 0, f"{pik_length} bytes, expected 8 or 16")
        offset = pik_length
        _check_value_length("PIK", offset, self.pik_check_value)
        offset += CHECK_VALUE_LENGTH
        mak = self.mak
        if pik_length == 8 and len(mak) != 8:
            raise CupFieldError(_FIELD, "62 MAK", offset, f"{len(mak)} bytes, a single-length PIK needs an 8-byte MAK")
        if pik_length == 16:
            if len(mak) == 8:
                mak = mak + bytes(8)
            elif len(mak) != 16:
                raise CupFieldError(_FIELD, "62 MAK", offset, f"{len(mak)} bytes, expected 8 or 16")
            elif not any(mak[8:]):
                raise CupFieldError(_FIELD, "62 MAK", offset + 8,
                                    "a 16-byte MAK ciphertext ending in 8 zero bytes would read back as an 8-byte MAK")
        offset += len(mak)
        _check_value_length("MAK", offset, self.mak_check_value)
        wire = self.pik + self.pik_check_value + mak + self.mak_check_value
        offset += CHECK_VALUE_LENGTH
        if self.tdk is not None or self.tdk_check_value is not None:
            if pik_length != 16 or self.tdk is None or len(self.tdk) != 16:
                raise CupFieldError(_FIELD, "62 TDK", offset, "a track data key is 16 bytes, with a double-length PIK")
            _check_value_length("TDK", offset + 16, self.tdk_check_value)
            wire += self.tdk + self.tdk_check_value  # type: ignore[operator]
        return wire

    @classmethod
    def decode(cls, data: bytes, scheme: SignOnKeyScheme | None = None) -> SignOnKeys:
        """The keys in the DE 62 bytes ``data``; with ``scheme``, its length must be that scheme's."""
        if not isinstance(data, (bytes, bytearray)):
            raise CupFieldError(_FIELD, "62", 0, f"expected bytes, got {type(data).__name__}")
        data = bytes(data)
        found = _SCHEME_BY_LENGTH.get(len(data))
        if found is None:
            raise CupFieldError(_FIELD, "62", 0, f"{len(data)} bytes, expected 24 (60.3 001), 40 (003) or 60 (004)")
        if scheme is not None and SignOnKeyScheme(scheme) is not found:
            raise CupFieldError(_FIELD, "62", 0, f"{len(data)} bytes answer scheme {found.value}, "
                                                 f"the sign-on asked for {SignOnKeyScheme(scheme).value}")
        size = found.key_length
        pik, offset = data[:size], size
        pik_cv, offset = data[offset:offset + 4], offset + 4
        mak, offset = data[offset:offset + size], offset + size
        mak_cv, offset = data[offset:offset + 4], offset + 4
        if size == 16 and not any(mak[8:]):
            mak = mak[:8]  # a single-length MAK in the double-length slot
        tdk = tdk_cv = None
        if found is SignOnKeyScheme.DOUBLE_LENGTH_WITH_TRACK_KEY:
            tdk, tdk_cv = data[offset:offset + 16], data[offset + 16:offset + 20]
        return cls(pik, pik_cv, mak, mak_cv, tdk, tdk_cv)


def _check_value_length(name: str, offset: int, value: bytes | None) -> None:
    if value is None or len(value) != CHECK_VALUE_LENGTH:
        got = "missing" if value is None else f"{len(value)} bytes"
        raise CupFieldError(_FIELD, f"62 {name} check value", offset, f"{got}, expected {CHECK_VALUE_LENGTH}")


@dataclass(frozen=True, repr=False)
class WorkingKeys:
    """The clear working keys after sign-on. Never logged: the repr shows lengths only."""

    pik: bytes
    mak: bytes
    tdk: bytes | None = None

    def __repr__(self) -> str:
        return f"WorkingKeys(pik={_hidden(self.pik)}, mak={_hidden(self.mak)}, tdk={_hidden(self.tdk)})"


def _encipher(key: bytes, data: bytes) -> bytes:
    """ECB under a DES (8-byte) or two-key TDES (16-byte) key, as CUP uses for keys and check values."""
    if len(key) == 8:
        return b"".join(des_encrypt_block(key, data[i:i + 8]) for i in range(0, len(data), 8))
    if len(key) == 16:
        return tdes_encrypt_ecb(key, data)
    raise KeyLengthError(f"CUP key: {len(key)} bytes, expected 8 (DES) or 16 (TDES)")


def _decipher(key: bytes, data: bytes) -> bytes:
    if len(key) == 8:
        return b"".join(des_decrypt_block(key, data[i:i + 8]) for i in range(0, len(data), 8))
    if len(key) == 16:
        return tdes_decrypt_ecb(key, data)
    raise KeyLengthError(f"CUP key: {len(key)} bytes, expected 8 (DES) or 16 (TDES)")


def check_value(key: bytes) -> bytes:
    """The CUP check value of a clear key: the leftmost 4 bytes of E(key, 8 zero bytes)."""
    return _encipher(key, bytes(8))[:CHECK_VALUE_LENGTH]


def _tmk(tmk: bytes) -> bytes:
    if len(tmk) not in (8, 16):
        raise KeyLengthError(f"terminal master key: {len(tmk)} bytes, expected 8 (DES) or 16 (TDES)")
    return tmk


def wrap_working_keys(tmk: bytes, keys: WorkingKeys) -> SignOnKeys:
    """DE 62 for clear ``keys`` under the terminal master key ``tmk`` (the host's side)."""
    _tmk(tmk)
    tdk = keys.tdk
    return SignOnKeys(
        _encipher(tmk, keys.pik), check_value(keys.pik),
        _encipher(tmk, keys.mak), check_value(keys.mak),
        None if tdk is None else _encipher(tmk, tdk), None if tdk is None else check_value(tdk),
    )


def unwrap_working_keys(tmk: bytes, keys: SignOnKeys) -> WorkingKeys:
    """Decipher the DE 62 keys under ``tmk`` and check each against its check value.

    Raises :class:`~protocols.cup.errors.CheckValueError` naming the key whose check value
    does not match (compared in constant time), :class:`~keys.errors.KeyLengthError` for a TMK
    that is not 8 or 16 bytes.
    """
    _tmk(tmk)
    offset = 0
    clear: dict[str, bytes | None] = {"tdk": None}
    for name, cipher, expected in (("PIK", keys.pik, keys.pik_check_value), ("MAK", keys.mak, keys.mak_check_value),
                                   ("TDK", keys.tdk, keys.tdk_check_value)):
        if cipher is None:
            continue
        key = _decipher(tmk, cipher)
        slot = 16 if keys.scheme is not SignOnKeyScheme.SINGLE_DES else 8
        if not hmac.compare_digest(check_value(key), expected or b""):
            raise CheckValueError(_FIELD, f"62 {name} check value", offset + slot,
                                  f"does not match the {name} deciphered under the terminal master key")
        clear[name.lower()] = key
        offset += slot + CHECK_VALUE_LENGTH
    return WorkingKeys(clear["pik"], clear["mak"], clear["tdk"])  # type: ignore[arg-type]
