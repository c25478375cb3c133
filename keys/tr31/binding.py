"""TR-31 key block binding: wrapping a key under a KBPK and unwrapping it (TR-31:2018 5.3).

Versions B and D (key derivation binding, TDES-CMAC / AES-CMAC in SP 800-108 counter mode) wrap
and unwrap; versions A and C (key variant binding) unwrap legacy blocks only. See the package
docstring of :mod:`keys.tr31` for the payload layout. Messages never include key material.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable

from keys.errors import KeyBlockError, KeyLengthError
from keys.primitives import (
    aes_cmac,
    aes_decrypt_cbc,
    aes_encrypt_cbc,
    tdes_cmac,
    tdes_decrypt_cbc,
    tdes_encrypt_cbc,
)
from keys.tr31.header import KeyBlockHeader, decode_header

_UPPER_HEX = frozenset("0123456789ABCDEF")  # encrypted key data and MAC are upper-case hex (X9.143 6.1)
_KBPK_LENGTHS = {"A": (16, 24), "B": (16, 24), "C": (16, 24), "D": (16, 24, 32)}
_WRAP_VERSIONS = frozenset("BD")

# Key lengths (bytes) accepted for the wrapped key, by header algorithm.
_KEY_LENGTHS_BY_ALGORITHM = {"T": (16, 24), "D": (8,), "A": (16, 24, 32)}


class KbpkLengthError(KeyBlockError, KeyLengthError):
    """The KBPK length does not suit the key block version (e.g. an AES-256 KBPK for version B).

    It is both a key block error (the block cannot be processed) and a key
    length error, so callers catching either family see it.
    """


def _check_kbpk(kbpk: bytes, version: str) -> None:
    if not isinstance(kbpk, bytes | bytearray):
        raise KeyBlockError("KBPK must be bytes")
    accepted = _KBPK_LENGTHS[version]
    if len(kbpk) not in accepted:
        expected = ", ".join(str(n) for n in accepted)
        raise KbpkLengthError(f"KBPK: {len(kbpk)} bytes, version {version} needs one of {expected}")


def _derive_b(kbpk: bytes) -> tuple[bytes, bytes]:
    """KBEK and KBAK for version B (TR-31:2018 5.3.2.1): TDES-CMAC in counter mode (SP 800-108).

    Derivation data per 8-byte output block: counter (1 byte, from 1) ||
    key usage indicator (0000 encryption, 0001 MAC) || separator 00 ||
    algorithm indicator (0000 2-key TDES, 0001 3-key TDES) || output length
    in bits (0080 or 00C0).
    """
    algorithm, bits = (b"\x00\x00", b"\x00\x80") if len(kbpk) == 16 else (b"\x00\x01", b"\x00\xc0")
    calls = len(kbpk) // 8
    keys = []
    for usage in (b"\x00\x00", b"\x00\x01"):
        keys.append(
            b"".join(
                tdes_cmac(kbpk, bytes([counter]) + usage + b"\x00" + algorithm + bits)
                for counter in range(1, calls + 1)
            )
        )
    return keys[0], keys[1]


def _derive_d(kbpk: bytes) -> tuple[bytes, bytes]:
    """KBEK and KBAK for version D (TR-31:2018 5.3.2.3): AES-CMAC in counter mode (SP 800-108).

    Same derivation data layout as version B, with algorithm indicator 0002
    (AES-128), 0003 (AES-192) or 0004 (AES-256) and length 0080, 00C0 or 0100;
    AES-192 and AES-256 take two CMAC outputs, AES-192 keeps the left 24 bytes.
    """
    algorithm = {16: b"\x00\x02", 24: b"\x00\x03", 32: b"\x00\x04"}[len(kbpk)]
    bits = (len(kbpk) * 8).to_bytes(2, "big")
    calls = 1 if len(kbpk) == 16 else 2
    keys = []
    for usage in (b"\x00\x00", b"\x00\x01"):
        material = b"".join(
            aes_cmac(kbpk, bytes([counter]) + usage + b"\x00" + algorithm + bits) for counter in range(1, calls + 1)
        )
        keys.append(material[: len(kbpk)])
    return keys[0], keys[1]


def _derive_variant(kbpk: bytes) -> tuple[bytes, bytes]:
    """KBEK and KBAK for versions A and C (TR-31:2018 5.3.1): KBPK xor 45.. and KBPK xor 4D.."""
    return bytes(byte ^ 0x45 for byte in kbpk), bytes(byte ^ 0x4D for byte in kbpk)


def _cbc_mac_tdes(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 MAC algorithm 1 with TDES, no padding needed (data is whole blocks): last CBC block."""
    return tdes_encrypt_cbc(key, data)[-8:]


def _payload_length(key_length: int, masked_key_length: int, block_size: int) -> int:
    """Bytes of clear payload: 2-byte length field + key (or masked length), rounded up to whole blocks."""
    needed = 2 + max(key_length, masked_key_length)
    return -(-needed // block_size) * block_size


def _check_key(key: bytes, header: KeyBlockHeader) -> None:
    if not isinstance(key, bytes | bytearray):
        raise KeyBlockError("key must be bytes")
    if not key:
        raise KeyBlockError("key to wrap is empty")
    accepted = _KEY_LENGTHS_BY_ALGORITHM.get(header.algorithm)
    if accepted is not None and len(key) not in accepted:
        expected = ", ".join(str(n) for n in accepted)
        raise KeyLengthError(
            f"key: {len(key)} bytes, header algorithm {header.algorithm!r} needs one of {expected}"
        )
    if len(key) * 8 > 0xFFFF:
        raise KeyBlockError(f"key: {len(key)} bytes does not fit the 16-bit key length field")


def wrap(
    kbpk: bytes,
    header: KeyBlockHeader,
    key: bytes,
    *,
    masked_key_length: int | None = None,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
) -> str:
    """Wrap ``key`` under ``kbpk`` into a TR-31 key block of version B or D with ``header``'s attributes.

    ``masked_key_length`` (bytes, at least the key length) pads the payload as
    if the key were that long, hiding its true length (X9.143 key length
    obfuscation); None pads only to the next cipher block, as the TR-31:2018
    examples do. ``random_bytes(n)`` supplies the payload padding; tests inject
    the published padding to reproduce published blocks.
    """
    if not isinstance(header, KeyBlockHeader):
        raise KeyBlockError("header must be a KeyBlockHeader")
    version = header.version_id
    if version not in _WRAP_VERSIONS:
        raise KeyBlockError(
            f"wrapping with version {version!r} (key variant binding, deprecated) is not supported; use B or D"
        )
    _check_kbpk(kbpk, version)
    kbpk = bytes(kbpk)
    _check_key(key, header)
    key = bytes(key)
    if masked_key_length is not None and (
        not isinstance(masked_key_length, int) or masked_key_length < len(key)
    ):
        raise KeyBlockError(f"masked key length must be an integer of at least the key length ({len(key)} bytes)")
    payload_length = _payload_length(len(key), masked_key_length or 0, header.block_size)
    pad_length = payload_length - 2 - len(key)
    padding = random_bytes(pad_length)
    if not isinstance(padding, bytes | bytearray) or len(padding) != pad_length:
        raise KeyBlockError(f"random source returned the wrong amount of padding, expected {pad_length} bytes")
    payload = (len(key) * 8).to_bytes(2, "big") + key + bytes(padding)

    block_length = header.encoded_length() + 2 * payload_length + 2 * header.mac_length
    header_text = header.encode(block_length)
    signed = header_text.encode("ascii") + payload
    if version == "B":
        kbek, kbak = _derive_b(kbpk)
        mac = tdes_cmac(kbak, signed)
        encrypted = tdes_encrypt_cbc(kbek, payload, iv=mac)
    else:
        kbek, kbak = _derive_d(kbpk)
        mac = aes_cmac(kbak, signed)
        encrypted = aes_encrypt_cbc(kbek, payload, iv=mac)
    return header_text + encrypted.hex().upper() + mac.hex().upper()


def _parse_hex(text: str, offset: int, what: str) -> bytes:
    for index, char in enumerate(text):
        if char not in _UPPER_HEX:
            raise KeyBlockError(f"{what}: character at offset {offset + index} is not an upper-case hex digit")
    return bytes.fromhex(text)


def unwrap(kbpk: bytes, key_block: str) -> tuple[KeyBlockHeader, bytes]:
    """Verify and decrypt a TR-31 key block (versions A, B, C, D); return its header and the key.

    The header is checked field by field, the length field against the
    block, the MAC before the key is released. Any failure raises
    :class:`KeyBlockError`; a bad MAC (altered block or wrong KBPK) says
    "MAC verification failed".
    """
    decoded = decode_header(key_block)
    header = decoded.header
    version = header.version_id
    if decoded.block_length != len(key_block):
        raise KeyBlockError(
            f"block length field says {decoded.block_length} but block has {len(key_block)} characters"
        )
    _check_kbpk(kbpk, version)
    kbpk = bytes(kbpk)

    mac_chars = 2 * header.mac_length
    start = decoded.header_length
    body_chars = len(key_block) - start - mac_chars
    if body_chars <= 0:
        raise KeyBlockError(
            f"key block truncated: {len(key_block) - start} characters after the header at offset {start}, "
            f"fewer than the {mac_chars}-character MAC plus key data"
        )
    if body_chars % (2 * header.block_size):
        raise KeyBlockError(
            f"encrypted key data at offset {start} is {body_chars} characters, "
            f"not a whole number of {header.block_size}-byte cipher blocks"
        )
    encrypted = _parse_hex(key_block[start : start + body_chars], start, "encrypted key data")
    received_mac = _parse_hex(key_block[start + body_chars :], start + body_chars, "MAC")
    header_bytes = key_block[:start].encode("ascii")

    if version == "B":
        kbek, kbak = _derive_b(kbpk)
        payload = tdes_decrypt_cbc(kbek, encrypted, iv=received_mac)
        expected = tdes_cmac(kbak, header_bytes + payload)
    elif version == "D":
        kbek, kbak = _derive_d(kbpk)
        payload = aes_decrypt_cbc(kbek, encrypted, iv=received_mac)
        expected = aes_cmac(kbak, header_bytes + payload)
    else:
        kbek, kbak = _derive_variant(kbpk)
        expected = _cbc_mac_tdes(kbak, header_bytes + encrypted)[: header.mac_length]
        payload = b""
    if not hmac.compare_digest(expected, received_mac):
        raise KeyBlockError("MAC verification failed: the key block was altered or the KBPK is wrong")
    if version in ("A", "C"):
        payload = tdes_decrypt_cbc(kbek, encrypted, iv=header_bytes[:8])

    bits = int.from_bytes(payload[:2], "big")
    if bits % 8 or bits == 0 or 2 + bits // 8 > len(payload):
        raise KeyBlockError(
            f"key length field ({bits} bits) does not fit the {len(payload) - 2}-byte decrypted key data"
        )
    return header, payload[2 : 2 + bits // 8]
