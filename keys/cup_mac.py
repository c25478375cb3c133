"""The China UnionPay POS terminal "ECB" MAC (DE 64 of the CUP direct-connect POS messages).

Described in the CUP POS terminal specification (中国银联 POS 终端规范, "POS终端采用ECB的加密方式")
and in its many public restatements; the steps, for the MAC element block (MAB: the message from
the MTI to the end of DE 63, without TPDU, message header and DE 64):

1. Split the MAB into 8-byte blocks, the last one right-padded with 0x00, and XOR them all
   together ("按每8个字节做异或 ... 如果最后不满8个字节，则添加0x00"). An empty MAB gives the zero block.
2. Expand the 8-byte result to 16 upper-case hexadecimal ASCII characters.
3. Encrypt the first 8 characters with the MAK.
4. XOR the ciphertext with the last 8 characters; encrypt the result with the MAK again.
5. Expand that block to 16 upper-case hex characters; the first 8 characters are the MAC, sent
   as 8 ASCII bytes in DE 64.

"Encrypt with the MAK" is single DES for an 8-byte MAK and two-key TDES (ANSI X9.52 keying
option 2, EDE with K1 K2 K1) for a 16-byte MAK. Any other key length is refused.

The MAC is the 8 ASCII characters themselves (``b"E267B6E2"``), which is what DE 64 carries.
:func:`verify_cup_ecb_mac` compares in constant time.
"""

from __future__ import annotations

import hmac

from keys.errors import KeyLengthError, MacVerificationError
from keys.primitives import DES_BLOCK, des_encrypt_block, tdes_encrypt_ecb, xor_bytes

CUP_ECB_KEY_LENGTHS = (8, 16)
"""Accepted MAK lengths in bytes: 8 (single DES) or 16 (two-key TDES)."""
CUP_ECB_MAC_LENGTH = 8
"""The MAC is 8 ASCII hex characters, the 8 bytes of DE 64."""


def _check_key(key: bytes) -> None:
    if len(key) not in CUP_ECB_KEY_LENGTHS:
        raise KeyLengthError(f"CUP ECB MAC key: {len(key)} bytes, expected 8 (DES) or 16 (TDES)")


def _encrypt(key: bytes, block: bytes) -> bytes:
    if len(key) == DES_BLOCK:
        return des_encrypt_block(key, block)
    return tdes_encrypt_ecb(key, block)


def xor_blocks(data: bytes) -> bytes:
    """Step 1: the XOR of all 8-byte blocks of ``data``, the last one zero-padded.

    Empty data gives the zero block (the XOR of no blocks).
    """
    padded = data + bytes(-len(data) % DES_BLOCK)
    result = 0
    for start in range(0, len(padded), DES_BLOCK):
        result ^= int.from_bytes(padded[start:start + DES_BLOCK], "big")
    return result.to_bytes(DES_BLOCK, "big")


def _hex_ascii(block: bytes) -> bytes:
    return block.hex().upper().encode("ascii")


def cup_ecb_mac(key: bytes, data: bytes) -> bytes:
    """The CUP POS ECB MAC of ``data`` (the MAB) under the MAK ``key``: 8 ASCII hex bytes.

    Raises :class:`~keys.errors.KeyLengthError` for a key that is not 8 or 16 bytes.
    """
    _check_key(key)
    expanded = _hex_ascii(xor_blocks(data))
    first = _encrypt(key, expanded[:DES_BLOCK])
    second = _encrypt(key, xor_bytes(first, expanded[DES_BLOCK:]))
    return _hex_ascii(second)[:CUP_ECB_MAC_LENGTH]


def verify_cup_ecb_mac(key: bytes, data: bytes, mac: bytes) -> None:
    """Return if ``mac`` (the 8 bytes of DE 64) is the CUP ECB MAC of ``data``; raise otherwise.

    The comparison runs in constant time. A MAC that is not 8 bytes or does not match raises
    :class:`~keys.errors.MacVerificationError`; a bad key raises :class:`KeyLengthError`.
    """
    expected = cup_ecb_mac(key, data)
    if len(mac) != CUP_ECB_MAC_LENGTH:
        raise MacVerificationError(f"cup-ecb MAC is {len(mac)} bytes, expected {CUP_ECB_MAC_LENGTH}")
    if not hmac.compare_digest(expected, bytes(mac)):
        raise MacVerificationError("cup-ecb MAC did not verify")
