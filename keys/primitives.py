"""Block-cipher primitives on ``cryptography``: DES, TDES and AES in ECB and CBC, CMAC, parity.

Everything above this module (DUKPT, PIN blocks, MACs, TR-31) is written in
terms of these few functions, so the choice of backend and the validation of
key and data lengths live in one place. Errors name the argument and its
length, never its value.

Speed: an ECB cipher context keeps no state between whole blocks, so the contexts of recently
used keys are kept and reused (a host MACs and enciphers with the same session keys again and
again), and so is a keyed CMAC, copied for each message. A CBC-MAC context is kept too: its only
state is the last block it produced, which is cancelled on the next message's first block
(:class:`_CbcMac`). The caches are per thread (a context is not safe to share between threads),
bounded (1,024 keys per kind of context: a hundred terminals' keys stay), and hold keys only in process memory,
where the callers already hold them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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


_CACHE_SIZE = 1024


class _ThreadCaches(threading.local):
    """The kept objects of one thread, one dict per kind, keyed by the key's bytes, oldest first.

    One dict per kind rather than one keyed by (kind, key): the lookup on every call then builds
    and hashes no tuple (the key's hash is cached on the bytes object).
    """

    def __init__(self) -> None:
        self.des_e: dict[bytes, Any] = {}
        self.des_d: dict[bytes, Any] = {}
        self.tdes_e: dict[bytes, Any] = {}
        self.tdes_d: dict[bytes, Any] = {}
        self.aes_e: dict[bytes, Any] = {}
        self.aes_d: dict[bytes, Any] = {}
        self.des_cbc_mac: dict[bytes, Any] = {}
        self.tdes_cbc_mac: dict[bytes, Any] = {}
        self.retail_mac: dict[bytes, Any] = {}
        self.aes_cmac: dict[bytes, Any] = {}
        self.tdes_cmac: dict[bytes, Any] = {}


kept_contexts = _ThreadCaches()
"""This thread's kept contexts. The per-message paths of :mod:`keys` (the format 0 PIN block, the MACs)
read a key's context here themselves, one call fewer than through the functions below, and fall back
on those functions (which make, validate and keep the context) when the key is not kept yet."""


def keyed_context(cache: dict[bytes, Any], key: bytes, make: Callable[[bytes], Any]) -> Any:
    """The kept object of ``key`` in ``cache`` (one of this thread's dicts: a cipher context, a keyed
    MAC), made by ``make(key)`` when missing; ``make`` validates the key, so a bad key is never kept.

    Bounded: past :data:`_CACHE_SIZE` entries the oldest made is dropped (a key still in use is made
    again on its next call; cheaper per call than keeping a least-recently-used order). The hot
    callers look the key up themselves first (``cache.get(key) or keyed_context(...)``), saving a call.
    """
    entry = cache.get(key)
    if entry is None:
        if len(cache) >= _CACHE_SIZE:
            del cache[next(iter(cache))]
        entry = cache[key] = make(key)
    return entry


def _des_algorithm(key: bytes) -> TripleDES:
    return TripleDES(key * 3)


def _ecb_encryptor(algorithm: Any) -> Any:
    return lambda key: Cipher(algorithm(key), modes.ECB()).encryptor()


def _ecb_decryptor(algorithm: Any) -> Any:
    return lambda key: Cipher(algorithm(key), modes.ECB()).decryptor()


_DES_E, _DES_D = _ecb_encryptor(_des_algorithm), _ecb_decryptor(_des_algorithm)
_TDES_E, _TDES_D = _ecb_encryptor(_tdes), _ecb_decryptor(_tdes)
_AES_E, _AES_D = _ecb_encryptor(_aes), _ecb_decryptor(_aes)


def _aes_cmac_context(key: bytes) -> CMAC:
    return CMAC(_aes(key))


def _tdes_cmac_context(key: bytes) -> CMAC:
    return CMAC(_tdes(key))


def _ecb(cache: dict[bytes, Any], key: bytes, make: Any, data: bytes) -> bytes:
    """ECB over whole blocks with the cached context of ``key`` (no state carries from one call to the next)."""
    return (cache.get(key) or keyed_context(cache, key, make)).update(data)


class _CbcMac:
    """A kept CBC encryptor (zero IV) and the last ciphertext block it chained on (its running IV).

    CBC enciphers block i as E(P_i XOR C_(i-1)); to start a new message on the same context as if
    from the zero IV, the first block is XORed with the context's last output block C first, so the
    context computes E(P_1 XOR C XOR C) = E(P_1). The result is bit for bit the CBC of a fresh context.
    """

    __slots__ = ("encryptor", "chain")

    def __init__(self, algorithm: CipherAlgorithm, block: int) -> None:
        self.encryptor = Cipher(algorithm, modes.CBC(bytes(block))).encryptor()
        self.chain = 0

    def last_block(self, data: bytes, block: int) -> bytes:
        first = int.from_bytes(data[:block], "big") ^ self.chain
        out = self.encryptor.update(first.to_bytes(block, "big") + data[block:])
        last = out[-block:]
        self.chain = int.from_bytes(last, "big")
        return last


def _des_cbc_mac_context(key: bytes) -> _CbcMac:
    return _CbcMac(_des_algorithm(key), DES_BLOCK)


def _tdes_cbc_mac_context(key: bytes) -> _CbcMac:
    return _CbcMac(_tdes(key), DES_BLOCK)


def des_cbc_mac(key: bytes, data: bytes) -> bytes:
    """The last block of single-DES CBC (zero IV) of ``data`` (whole blocks): ISO/IEC 9797-1 MAC
    algorithm 1 and 3's chaining step, on a kept context of ``key`` (see :class:`_CbcMac`)."""
    _check_key(key, (8,), "DES")
    _check_blocks(data, DES_BLOCK, "DES")
    if not data:
        return b""
    return keyed_context(kept_contexts.des_cbc_mac, key, _des_cbc_mac_context).last_block(data, DES_BLOCK)


def tdes_cbc_mac(key: bytes, data: bytes) -> bytes:
    """The last block of TDES CBC (zero IV) of ``data`` (whole blocks), on a kept context (ISO/IEC 9797-1
    MAC algorithm 1 with a double- or triple-length key)."""
    _check_blocks(data, DES_BLOCK, "TDES")
    if not data:
        return b""
    return keyed_context(kept_contexts.tdes_cbc_mac, key, _tdes_cbc_mac_context).last_block(data, DES_BLOCK)


class _RetailMac:
    """The two kept contexts of ISO/IEC 9797-1 MAC algorithm 3 under one key K1||K2(||K3).

    Algorithm 3 is single-DES CBC under K1, then D_K2 and E_K3 of the last block H. The last block is
    H = E_K1(P_n XOR C_(n-1)), so E_K3(D_K2(H)) is the TDES (EDE, key K1||K2||K3) encipherment of
    P_n XOR C_(n-1): a DES-CBC context for the blocks before the last and a TDES-ECB one for the last
    (two contexts to make for a key used once, such as an EMV session key, instead of three).
    """

    __slots__ = ("chaining", "chain", "last")

    def __init__(self, key: bytes) -> None:
        if len(key) not in TDES_KEY_LENGTHS:
            _check_key(key, TDES_KEY_LENGTHS, "ISO 9797-1 algorithm 3")
        k1 = key[:8]
        self.chaining = Cipher(_des_algorithm(k1), modes.CBC(bytes(DES_BLOCK))).encryptor()
        self.chain = 0  # the chaining context's last output block, cancelled on the next message (see _CbcMac)
        self.last = Cipher(TripleDES(key if len(key) == 24 else key + k1), modes.ECB()).encryptor()

    def mac(self, padded: bytes) -> bytes:
        """The MAC of ``padded`` (whole blocks, at least one); the chaining inlined (as :class:`_CbcMac`
        does it) because this runs for every message of a host and a terminal."""
        if len(padded) > DES_BLOCK:
            first = (int.from_bytes(padded[:DES_BLOCK], "big") ^ self.chain).to_bytes(DES_BLOCK, "big")
            before = self.chain = int.from_bytes(self.chaining.update(first + padded[DES_BLOCK:-DES_BLOCK])[-DES_BLOCK:],
                                                 "big")
            return self.last.update((int.from_bytes(padded[-DES_BLOCK:], "big") ^ before).to_bytes(DES_BLOCK, "big"))
        return self.last.update(padded)


def des_retail_mac(key: bytes, padded: bytes) -> bytes:
    """ISO/IEC 9797-1:2011 MAC algorithm 3 of padded data (whole blocks, at least one): single-DES CBC
    under K1 (zero IV), then output transformation 3, D_K2 and E_K3 (K3 = K1 for a 16-byte key), on
    kept contexts of ``key`` (:class:`_RetailMac`). The padding and the MAC's length are :mod:`keys.mac`'s."""
    if not padded or len(padded) % DES_BLOCK:
        raise DataLengthError(f"MAC data: {len(padded)} bytes is not a positive multiple of the {DES_BLOCK}-byte block")
    cache = kept_contexts.retail_mac
    context = cache.get(key) or keyed_context(cache, key, _RetailMac)
    return context.mac(padded)


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
    return _ecb(kept_contexts.des_e, key, _DES_E, block)


def des_decrypt_block(key: bytes, block: bytes) -> bytes:
    """Inverse of :func:`des_encrypt_block`."""
    _check_key(key, (8,), "DES")
    _check_blocks(block, DES_BLOCK, "DES")
    return _ecb(kept_contexts.des_d, key, _DES_D, block)


def tdes_encrypt_ecb(key: bytes, data: bytes) -> bytes:
    """TDES (ANSI X9.52 / NIST SP 800-67) ECB encryption with a double- or triple-length key."""
    if len(data) % DES_BLOCK:
        _check_blocks(data, DES_BLOCK, "TDES")
    cache = kept_contexts.tdes_e
    return (cache.get(key) or keyed_context(cache, key, _TDES_E)).update(data)


def tdes_decrypt_ecb(key: bytes, data: bytes) -> bytes:
    """TDES ECB decryption."""
    if len(data) % DES_BLOCK:
        _check_blocks(data, DES_BLOCK, "TDES")
    cache = kept_contexts.tdes_d
    return (cache.get(key) or keyed_context(cache, key, _TDES_D)).update(data)


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
    return _ecb(kept_contexts.aes_e, key, _AES_E, data)


def aes_decrypt_ecb(key: bytes, data: bytes) -> bytes:
    """AES ECB decryption."""
    _check_blocks(data, AES_BLOCK, "AES")
    return _ecb(kept_contexts.aes_d, key, _AES_D, data)


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
    cache = kept_contexts.aes_cmac
    keyed = cache.get(key) or keyed_context(cache, key, _aes_cmac_context)
    mac = keyed.copy()
    mac.update(data)
    return mac.finalize()


def tdes_cmac(key: bytes, data: bytes) -> bytes:
    """TDES-CMAC (NIST SP 800-38B with the 64-bit block), as TR-31 version B uses: 8-byte tag."""
    mac = keyed_context(kept_contexts.tdes_cmac, key, _tdes_cmac_context).copy()
    mac.update(data)
    return mac.finalize()


def has_odd_parity(key: bytes) -> bool:
    """True when every byte has an odd number of one-bits (DES key parity, FIPS 46-3)."""
    return all(bin(byte).count("1") % 2 == 1 for byte in key)


_ODD_PARITY = bytes((byte & 0xFE) | (0 if bin(byte & 0xFE).count("1") % 2 else 1) for byte in range(256))
"""Each byte value with its low bit set so that the byte has odd parity."""


def adjust_odd_parity(key: bytes) -> bytes:
    """Set the low bit of each byte so that the byte has odd parity."""
    return bytes(key).translate(_ODD_PARITY)
