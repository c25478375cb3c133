"""Message authentication codes for ISO 8583 messages (DE 64 / DE 128) and the calculator.

* ISO/IEC 9797-1:2011 MAC algorithm 1 (clause 7): CBC-MAC with a zero IV, DES (8-byte key, the
  ANSI X9.9 / FIPS 113 MAC) or TDES (16- or 24-byte key); no output transformation.
* ISO/IEC 9797-1:2011 MAC algorithm 3 (clause 7), the "retail MAC" of ANSI X9.19: single-DES CBC
  under K1 over every block, then output transformation 3: decipher under K2 and encipher
  under K1 (16-byte key K1||K2) or K3 (24-byte key K1||K2||K3).
* AES-CMAC (NIST SP 800-38B, RFC 4493), which is also ISO/IEC 9797-1:2011 MAC algorithm 5.
* The China UnionPay POS "ECB" MAC (:mod:`keys.cup_mac`): XOR of the blocks, then two DES or
  TDES encryptions over its hex expansion; the MAC is 8 ASCII hex characters.

Padding (ISO/IEC 9797-1:2011 6.3): method 1 appends zero bytes up to a positive multiple of
the block (so empty data becomes one zero block); method 2 appends 0x80 then zeros. CMAC and
the CUP ECB MAC pad by their own rules, so ``padding`` does not apply to them.

:func:`verify_mac` compares in constant time and accepts truncated MACs (4 bytes up to the
block size) by comparing the same-length prefix of the full MAC.
"""

from __future__ import annotations

import hmac
from enum import Enum

from keys.cup_mac import cup_ecb_mac
from keys.errors import CryptoError, DataLengthError, KeyLengthError, MacVerificationError
from keys.primitives import (
    AES_BLOCK,
    DES_BLOCK,
    aes_cmac,
    des_cbc_mac,
    des_retail_mac,
    kept_contexts,
    tdes_cbc_mac,
)

MIN_MAC_LENGTH = 4
"""Shortest MAC accepted by :func:`generate_mac` and :func:`verify_mac`, in bytes."""

_ALG1_KEY_LENGTHS = (8, 16, 24)


class MacAlgorithm(str, Enum):
    """The MAC algorithms of the calculator and the host; values are the CLI spellings."""

    ISO9797_1_ALG1 = "iso9797-1-alg1"
    ISO9797_1_ALG3 = "iso9797-1-alg3"
    AES_CMAC = "aes-cmac"
    CUP_ECB = "cup-ecb"


_ALG1, _ALG3 = MacAlgorithm.ISO9797_1_ALG1, MacAlgorithm.ISO9797_1_ALG3
_CMAC = MacAlgorithm.AES_CMAC
"""The members as module constants: looking a member up on its Enum class costs more than the MAC's bookkeeping."""


def mac_block_size(algorithm: MacAlgorithm | str) -> int:
    """Block size, hence full MAC length, of ``algorithm`` in bytes: 8 (DES/TDES, CUP ECB) or 16 (AES)."""
    return AES_BLOCK if _algorithm(algorithm) is MacAlgorithm.AES_CMAC else DES_BLOCK


def _algorithm(algorithm: MacAlgorithm | str) -> MacAlgorithm:
    try:
        return MacAlgorithm(algorithm)
    except ValueError:
        accepted = ", ".join(member.value for member in MacAlgorithm)
        raise CryptoError(f"unknown MAC algorithm {algorithm!r}, expected one of {accepted}") from None


def _check_block(block: int) -> None:
    if block <= 0:
        raise DataLengthError(f"padding block size must be positive, got {block}")


def pad_method_1(data: bytes, block: int) -> bytes:
    """ISO/IEC 9797-1:2011 6.3.1: right-pad with zero bytes to a positive multiple of ``block``.

    Data already a whole number of blocks is left as it is; empty data becomes one zero block.
    """
    if block <= 0:
        _check_block(block)
    if not data:
        return bytes(block)
    return data + bytes(-len(data) % block)


def pad_method_2(data: bytes, block: int) -> bytes:
    """ISO/IEC 9797-1:2011 6.3.2: append one 0x80 byte, then zero bytes to a multiple of ``block``."""
    if block <= 0:
        _check_block(block)
    return data + b"\x80" + bytes(-(len(data) + 1) % block)


def _pad(data: bytes, block: int, padding: int) -> bytes:
    if padding == 1:
        return pad_method_1(data, block)
    if padding == 2:
        return pad_method_2(data, block)
    raise CryptoError(f"padding method must be 1 or 2, got {padding!r}")


def _alg3_padding_1(key: bytes, data: bytes) -> bytes:
    """The full MAC algorithm 3 of ``data`` with padding method 1 (the retail MAC every message here carries), on
    the key's kept contexts when it has them: the usual case of :func:`generate_mac` and :func:`verify_mac`."""
    padded = pad_method_1(data, DES_BLOCK)
    context = kept_contexts.retail_mac.get(key)
    return des_retail_mac(key, padded) if context is None else context.mac(padded)


def _check_key(key: bytes, lengths: tuple[int, ...], what: str) -> None:
    if len(key) not in lengths:
        accepted = ", ".join(str(n) for n in lengths)
        raise KeyLengthError(f"{what} key: {len(key)} bytes, expected one of {accepted}")


def _cbc_mac_des(key: bytes, padded: bytes) -> bytes:
    """Last block of single-DES CBC (zero IV) under an 8-byte key, on a kept cipher context."""
    return des_cbc_mac(key, padded)


def mac_iso9797_alg1(key: bytes, data: bytes, padding: int = 1) -> bytes:
    """ISO/IEC 9797-1:2011 MAC algorithm 1 (CBC-MAC, zero IV, no output transformation).

    An 8-byte key gives DES (ANSI X9.9, FIPS 113); a 16- or 24-byte key gives TDES.
    Returns the full 8-byte MAC.
    """
    _check_key(key, _ALG1_KEY_LENGTHS, "ISO 9797-1 algorithm 1")
    padded = _pad(data, DES_BLOCK, padding)
    if len(key) == DES_BLOCK:
        return _cbc_mac_des(key, padded)
    return tdes_cbc_mac(key, padded)


def mac_iso9797_alg3(key: bytes, data: bytes, padding: int = 1) -> bytes:
    """ISO/IEC 9797-1:2011 MAC algorithm 3, the ANSI X9.19 retail MAC. Full 8-byte MAC.

    Single-DES CBC under K1 (the first 8 key bytes) over all blocks gives H; the output
    transformation is E_K1(D_K2(H)) for a 16-byte key, E_K3(D_K2(H)) for a 24-byte key.
    (The key's length is checked when its contexts are first made: a key of another length
    is never kept.)
    """
    return des_retail_mac(key, _pad(data, DES_BLOCK, padding))


def mac_aes_cmac(key: bytes, data: bytes) -> bytes:
    """AES-CMAC (NIST SP 800-38B, RFC 4493) of ``data``: the full 16-byte tag."""
    return aes_cmac(key, data)


def _full_mac(algorithm: MacAlgorithm, key: bytes, data: bytes, padding: int) -> bytes:
    if algorithm is _ALG3:
        return mac_iso9797_alg3(key, data, padding)
    if algorithm is _CMAC:
        return aes_cmac(key, data)
    if algorithm is _ALG1:
        return mac_iso9797_alg1(key, data, padding)
    return cup_ecb_mac(key, data)


def generate_mac(
    algorithm: MacAlgorithm | str,
    key: bytes,
    data: bytes,
    padding: int = 1,
    length: int | None = None,
) -> bytes:
    """The MAC of ``data`` under ``key``, truncated to its leftmost ``length`` bytes when given.

    ``length`` must be 4 up to the block size (8, or 16 for AES-CMAC); ``None`` keeps the
    full MAC. ``padding`` (1 or 2) applies to the ISO 9797-1 algorithms, not to CMAC or
    CUP ECB. A CUP ECB MAC is its 8 ASCII hex characters (the bytes of DE 64).
    """
    if length is None or MIN_MAC_LENGTH <= length <= DES_BLOCK:  # the usual cases first, in as few steps
        if algorithm is _ALG3 and padding == 1:
            return _alg3_padding_1(key, data)[:length]
        if algorithm is _CMAC:
            keyed = kept_contexts.aes_cmac.get(key)
            if keyed is None:
                return aes_cmac(key, data)[:length]
            mac = keyed.copy()
            mac.update(data)
            return mac.finalize()[:length]
    chosen = algorithm if algorithm.__class__ is MacAlgorithm else _algorithm(algorithm)
    block = AES_BLOCK if chosen is _CMAC else DES_BLOCK
    if length is not None and not MIN_MAC_LENGTH <= length <= block:
        raise DataLengthError(f"{chosen.value} MAC length must be {MIN_MAC_LENGTH} to {block} bytes, got {length}")
    full = _full_mac(chosen, key, data, padding)
    return full if length is None else full[:length]


def verify_mac(
    algorithm: MacAlgorithm | str,
    key: bytes,
    data: bytes,
    mac: bytes,
    padding: int = 1,
) -> None:
    """Return if ``mac`` is the MAC of ``data`` (or its leftmost bytes); raise otherwise.

    A MAC of 4 bytes up to the block size is compared with the same-length prefix of the
    computed MAC, in constant time. A wrong MAC, or one of an impossible length, raises
    :class:`MacVerificationError`; bad keys or arguments raise the usual errors.
    """
    if algorithm is _ALG3 and padding == 1 and MIN_MAC_LENGTH <= len(mac) <= DES_BLOCK:  # the usual case
        expected = _alg3_padding_1(key, data)
    else:
        chosen = algorithm if algorithm.__class__ is MacAlgorithm else _algorithm(algorithm)
        block = AES_BLOCK if chosen is _CMAC else DES_BLOCK
        if not MIN_MAC_LENGTH <= len(mac) <= block:
            raise MacVerificationError(
                f"{chosen.value} MAC is {len(mac)} bytes, expected {MIN_MAC_LENGTH} to {block}"
            )
        expected = _full_mac(chosen, key, data, padding)
    if not hmac.compare_digest(expected[: len(mac)], bytes(mac)):
        raise MacVerificationError(f"{_algorithm(algorithm).value} MAC did not verify ({len(mac)} bytes compared)")
