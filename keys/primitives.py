"""Block-cipher primitives on ``cryptography``: DES, TDES and AES in ECB and CBC, CMAC, parity.

Everything above this module (DUKPT, PIN blocks, MACs, TR-31) is written in
terms of these few functions, so the choice of backend and the validation of
key and data lengths live in one place. Errors name the argument and its
length, never its value.

Speed: an ECB cipher context keeps no state between whole blocks, so the contexts of recently
used keys are kept and reused (a host MACs and enciphers with the same session keys again and
again), and so is a keyed CMAC, copied for each message. The caches are per thread (a context is
not safe to share between threads), bounded, and hold keys only in process memory, where the
callers already hold them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES
from cryptography.hazmat.primitives.cmac import CMAC

from keys.errors import DataLengthError, KeyLengthError

DES_BLOCK = 8
AES_BLOCK = 16
TDES_KEY_LENGTHS = (16, 24)
AES_KEY_LENGTHS = (16, 24, 32)


def xor_bytes(left: bytes, right: bytes) -> bytes:
    """Exclusive-or of two byte strings of equal length."""
    if len(left) != len(right):
        raise DataLengthError(f"xor of {len(left)} and {len(right)} bytes: lengths differ")
    return (int.from_bytes(left, "big") ^ int.from_bytes(right, "big")).to_bytes(len(left), "big")


def _check_key(key: bytes, lengths: tuple[int, ...], what: str) -> None:
    if len(key) not in lengths:
        accepted = ", ".join(str(n) for n in lengths)
        raise KeyLengthError(f"{what} key: {len(key)} bytes, expected one of {accepted}")


def _check_blocks(data: bytes, block: int, what: str) -> None:
    if len(data) % block:
        raise DataLengthError(f"{what} data: {len(data)} bytes is not a multiple of the {block}-byte block")


def _tdes(key: bytes) -> TripleDES:
    """A keying-option-2 key K1K2 is run as the equivalent K1K2K1 (X9.52), which is what
    ``cryptography`` will keep supporting once double-length keys are dropped."""
    _check_key(key, TDES_KEY_LENGTHS, "TDES")
    return TripleDES(key if len(key) == 24 else key + key[:8])


def _aes(key: bytes) -> AES:
    _check_key(key, AES_KEY_LENGTHS, "AES")
    return AES(key)


def _run(algorithm: CipherAlgorithm, mode: modes.Mode, data: bytes, encrypt: bool) -> bytes:
    cipher = Cipher(algorithm, mode)
    worker = cipher.encryptor() if encrypt else cipher.decryptor()
    return worker.update(data) + worker.finalize()


_CACHE_SIZE = 64
_local = threading.local()


def _cached(kind: str, key: bytes, make: Any) -> Any:
    """The per-thread cached object for (``kind``, ``key``), made by ``make()`` when missing (LRU, bounded)."""
    cache: OrderedDict[tuple[str, bytes], Any] | None = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = OrderedDict()
    entry = cache.get((kind, key))
    if entry is None:
        entry = cache[(kind, key)] = make()
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end((kind, key))
    return entry


def _ecb(kind: str, key: bytes, algorithm: Any, data: bytes, encrypt: bool) -> bytes:
    """ECB over whole blocks with the cached context of ``key`` (no state carries from one call to the next)."""
    name = f"{kind}-{'e' if encrypt else 'd'}"

    def make() -> Any:
        cipher = Cipher(algorithm(), modes.ECB())
        return cipher.encryptor() if encrypt else cipher.decryptor()

    return _cached(name, key, make).update(data)


def _iv(iv: bytes | None, block: int) -> bytes:
    if iv is None:
        return bytes(block)
    if len(iv) != block:
        raise DataLengthError(f"IV: {len(iv)} bytes, expected {block}")
    return iv


def des_encrypt_block(key: bytes, block: bytes) -> bytes:
    """Single DES (FIPS 46-3) of one 8-byte block, as DUKPT TDES needs for its key halves.

    Implemented as TDES with K1 = K2 = K3, which is DES by construction.
    """
    _check_key(key, (8,), "DES")
    _check_blocks(block, DES_BLOCK, "DES")
    return _ecb("des", key, lambda: TripleDES(key * 3), block, True)


def des_decrypt_block(key: bytes, block: bytes) -> bytes:
    """Inverse of :func:`des_encrypt_block`."""
    _check_key(key, (8,), "DES")
    _check_blocks(block, DES_BLOCK, "DES")
    return _ecb("des", key, lambda: TripleDES(key * 3), block, False)


def tdes_encrypt_ecb(key: bytes, data: bytes) -> bytes:
    """TDES (ANSI X9.52 / NIST SP 800-67) ECB encryption with a double- or triple-length key."""
    _check_blocks(data, DES_BLOCK, "TDES")
    return _ecb("tdes", key, lambda: _tdes(key), data, True)


def tdes_decrypt_ecb(key: bytes, data: bytes) -> bytes:
    """TDES ECB decryption."""
    _check_blocks(data, DES_BLOCK, "TDES")
    return _ecb("tdes", key, lambda: _tdes(key), data, False)


def tdes_encrypt_cbc(key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """TDES CBC encryption; the IV defaults to zeros as in most payment uses."""
    _check_blocks(data, DES_BLOCK, "TDES")
    return _run(_tdes(key), modes.CBC(_iv(iv, DES_BLOCK)), data, True)


def tdes_decrypt_cbc(key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """TDES CBC decryption."""
    _check_blocks(data, DES_BLOCK, "TDES")
    return _run(_tdes(key), modes.CBC(_iv(iv, DES_BLOCK)), data, False)


def aes_encrypt_ecb(key: bytes, data: bytes) -> bytes:
    """AES (FIPS 197) ECB encryption with a 128-, 192- or 256-bit key."""
    _check_blocks(data, AES_BLOCK, "AES")
    return _ecb("aes", key, lambda: _aes(key), data, True)


def aes_decrypt_ecb(key: bytes, data: bytes) -> bytes:
    """AES ECB decryption."""
    _check_blocks(data, AES_BLOCK, "AES")
    return _ecb("aes", key, lambda: _aes(key), data, False)


def aes_encrypt_cbc(key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """AES CBC encryption; the IV defaults to zeros."""
    _check_blocks(data, AES_BLOCK, "AES")
    return _run(_aes(key), modes.CBC(_iv(iv, AES_BLOCK)), data, True)


def aes_decrypt_cbc(key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """AES CBC decryption."""
    _check_blocks(data, AES_BLOCK, "AES")
    return _run(_aes(key), modes.CBC(_iv(iv, AES_BLOCK)), data, False)


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """AES-CMAC (NIST SP 800-38B, RFC 4493): the full 16-byte tag."""
    mac = _cached("aes-cmac", key, lambda: CMAC(_aes(key))).copy()
    mac.update(data)
    return mac.finalize()


def tdes_cmac(key: bytes, data: bytes) -> bytes:
    """TDES-CMAC (NIST SP 800-38B with the 64-bit block), as TR-31 version B uses: 8-byte tag."""
    mac = _cached("tdes-cmac", key, lambda: CMAC(_tdes(key))).copy()
    mac.update(data)
    return mac.finalize()


def has_odd_parity(key: bytes) -> bool:
    """True when every byte has an odd number of one-bits (DES key parity, FIPS 46-3)."""
    return all(bin(byte).count("1") % 2 == 1 for byte in key)


def adjust_odd_parity(key: bytes) -> bytes:
    """Set the low bit of each byte so that the byte has odd parity."""
    return bytes(
        (byte & 0xFE) | (0 if bin(byte & 0xFE).count("1") % 2 else 1) for byte in key
    )
