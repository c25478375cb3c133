"""AES DUKPT (Derived Unique Key Per Transaction) per ANSI X9.24-3-2017.

AES DUKPT replaces the TDES scheme of X9.24-1 (whose 10-byte KSN and variant
masks live elsewhere). Its pieces, as the standard names them:

* a Base Derivation Key (BDK), AES-128, -192 or -256, held only by the host;
* a 12-byte Key Serial Number: the 8-byte *initial key ID* (4-byte BDK ID and
  4-byte derivation ID) followed by a 32-bit transaction counter;
* the *initial key* of a device, derived from the BDK and the initial key ID
  (section 6.3.1, "Derive Initial Key");
* one *intermediate derivation key* per one-bit of the counter, derived from
  the previous one, most significant bit first (section 6.3/6.4, the ladder
  that "Derive Working Key" / "Host Derive Working Key" walk);
* the *working key* of a given usage and type, derived from the last
  intermediate key (section 6.3.3).

Every derivation is the same primitive: AES-ECB encryption, under the
derivation key, of 16 bytes of *derivation data* (section 6.3.2)::

    byte 0     version, 0x01
    byte 1     key block counter, 0x01, 0x02 ... (one block per 128 output bits)
    bytes 2-3  key usage indicator (:class:`KeyUsage`)
    bytes 4-5  algorithm indicator of the derived key (:class:`KeyType`)
    bytes 6-7  length of the derived key in bits
    bytes 8-15 initial key ID (for the initial key), otherwise the
               derivation ID (bytes 4-7 of the initial key ID) and the counter

The concatenated blocks are truncated to the derived key's length (a
counter-mode construction in the manner of NIST SP 800-108, with one AES block
encryption as the PRF).

Counter rules (the originating device's counter update): a device never uses a counter with more than 16
one-bits, so a host refuses them; the device's next counter skips them by
adding the counter's lowest one-bit. Counter 0 is the initial state of a
device and is never a transaction's counter.

Errors name the argument and what was wrong (lengths, bit counts); they never
contain key material.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from keys.dukpt_ladder import DukptLadder
from keys.errors import CryptoError, KeyLengthError, KsnError
from keys.primitives import AES_BLOCK, aes_encrypt_ecb

KSN_LENGTH = 12
"""Bytes in an AES DUKPT key serial number."""

INITIAL_KEY_ID_LENGTH = 8
"""Bytes in the initial key ID: BDK ID (4) followed by the derivation ID (4)."""

COUNTER_LENGTH = 4
"""Bytes in the transaction counter at the end of the KSN."""

MAX_COUNTER_ONE_BITS = 16
"""A transaction counter never has more than 16 one-bits."""

MAX_COUNTER = 0xFFFF_FFFF

_DERIVATION_DATA_VERSION = 0x01


class KeyType(Enum):
    """The key types AES DUKPT derives, with the algorithm indicator that enters the
    derivation data and the key length in bits (X9.24-3-2017 section 6.3.2, Table 2).

    ``security_strength`` is the NIST SP 800-57 strength in bits, which decides
    whether a derivation key may produce a key of this type (a key may not be
    derived from a weaker one).
    """

    TDES2 = (0x0000, 128, 80)
    TDES3 = (0x0001, 192, 112)
    AES128 = (0x0002, 128, 128)
    AES192 = (0x0003, 192, 192)
    AES256 = (0x0004, 256, 256)

    def __init__(self, algorithm_indicator: int, bits: int, security_strength: int) -> None:
        self.algorithm_indicator = algorithm_indicator
        self.bits = bits
        self.security_strength = security_strength

    @property
    def length(self) -> int:
        """Key length in bytes."""
        return self.bits // 8

    @property
    def is_aes(self) -> bool:
        """True for the AES types, the only ones a BDK or derivation key can have."""
        return self in _AES_TYPES

    @classmethod
    def aes_for_length(cls, length: int, what: str) -> KeyType:
        """The AES key type of a ``length``-byte key; ``what`` names the key in errors."""
        for key_type in _AES_TYPES:
            if key_type.length == length:
                return key_type
        raise KeyLengthError(f"{what}: {length} bytes, expected one of 16, 24, 32 (AES-128/192/256)")


_AES_TYPES = (KeyType.AES128, KeyType.AES192, KeyType.AES256)


class KeyUsage(Enum):
    """Key usage indicators of the derivation data (X9.24-3-2017 section 6.3.2)."""

    KEY_ENCRYPTION_KEY = 0x0002
    PIN_ENCRYPTION = 0x1000
    MAC_GENERATION = 0x2000
    MAC_VERIFICATION = 0x2001
    MAC_BOTH = 0x2002
    DATA_ENCRYPTION_ENCRYPT = 0x3000
    DATA_ENCRYPTION_DECRYPT = 0x3001
    DATA_ENCRYPTION_BOTH = 0x3002
    KEY_DERIVATION = 0x8000
    KEY_DERIVATION_INITIAL = 0x8001


@dataclass(frozen=True)
class AesDukptKeys:
    """The keys a host needs for one transaction: the device's initial key and the
    working keys of the usual usages, all of ``working_key_type``.

    Key fields are hidden from ``repr`` so that logging the record leaks nothing.
    """

    ksn: bytes
    working_key_type: KeyType
    initial_key: bytes = field(repr=False)
    pin_key: bytes = field(repr=False)
    mac_generation_key: bytes = field(repr=False)
    mac_verification_key: bytes = field(repr=False)
    data_encryption_key: bytes = field(repr=False)


# --- KSN and counter -------------------------------------------------------------------


def _check_ksn(ksn: bytes) -> None:
    if len(ksn) != KSN_LENGTH:
        raise KsnError(f"KSN: {len(ksn)} bytes, expected {KSN_LENGTH} (AES DUKPT, X9.24-3)")


def _check_initial_key_id(initial_key_id: bytes) -> None:
    if len(initial_key_id) != INITIAL_KEY_ID_LENGTH:
        raise KsnError(f"initial key ID: {len(initial_key_id)} bytes, expected {INITIAL_KEY_ID_LENGTH}")


def ksn_counter(ksn: bytes) -> int:
    """The 32-bit transaction counter: the last 4 bytes of the 12-byte KSN, big-endian."""
    _check_ksn(ksn)
    return int.from_bytes(ksn[INITIAL_KEY_ID_LENGTH:], "big")


def ksn_initial_key_id(ksn: bytes) -> bytes:
    """The 8-byte initial key ID (BDK ID and derivation ID) at the front of the KSN."""
    _check_ksn(ksn)
    return ksn[:INITIAL_KEY_ID_LENGTH]


def make_ksn(initial_key_id: bytes, counter: int) -> bytes:
    """The KSN of ``counter`` for the device with ``initial_key_id``."""
    _check_initial_key_id(initial_key_id)
    if not 0 <= counter <= MAX_COUNTER:
        raise KsnError(f"counter {counter} does not fit in 32 bits")
    return initial_key_id + counter.to_bytes(COUNTER_LENGTH, "big")


def is_valid_counter(counter: int) -> bool:
    """True when a device may use ``counter`` for a transaction: 1..2^32-1 with at most
    16 one-bits."""
    return 0 < counter <= MAX_COUNTER and counter.bit_count() <= MAX_COUNTER_ONE_BITS


def _check_transaction_counter(counter: int) -> None:
    ones = counter.bit_count()
    if ones > MAX_COUNTER_ONE_BITS:
        raise KsnError(
            f"KSN counter has {ones} one-bits; a transaction counter has at most {MAX_COUNTER_ONE_BITS}"
        )
    if counter == 0:
        raise KsnError("KSN counter is 0, the initial state of a device; transactions start at counter 1")


def next_ksn(ksn: bytes) -> bytes:
    """The KSN of the device's next transaction.

    The counter is incremented; a value with more than 16 one-bits is skipped by
    adding its lowest one-bit, which clears the run of low one-bits (the
    originator's counter update). Raises :class:`KsnError` when
    no valid counter remains below 2^32 (the device is exhausted and needs a new
    initial key).
    """
    counter = ksn_counter(ksn) + 1
    while counter <= MAX_COUNTER and counter.bit_count() > MAX_COUNTER_ONE_BITS:
        counter += counter & -counter
    if counter > MAX_COUNTER:
        raise KsnError("KSN counter exhausted: no 32-bit counter with at most 16 one-bits remains")
    return ksn[:INITIAL_KEY_ID_LENGTH] + counter.to_bytes(COUNTER_LENGTH, "big")


# --- Derivation primitive ---------------------------------------------------------------


def _derivation_data(
    block_counter: int, usage: KeyUsage, key_type: KeyType, context: bytes
) -> bytes:
    """The 16 bytes of derivation data of section 6.3.2 for one output block."""
    return (
        bytes((_DERIVATION_DATA_VERSION, block_counter))
        + usage.value.to_bytes(2, "big")
        + key_type.algorithm_indicator.to_bytes(2, "big")
        + key_type.bits.to_bytes(2, "big")
        + context
    )


def _derive_key(derivation_key: bytes, usage: KeyUsage, key_type: KeyType, context: bytes) -> bytes:
    """Section 6.3.3 "Derive Key": AES-ECB of one derivation-data block per 128 bits of
    output under ``derivation_key``, concatenated and truncated to the key's length."""
    blocks = -(-key_type.length // AES_BLOCK)
    output = b"".join(
        aes_encrypt_ecb(derivation_key, _derivation_data(index, usage, key_type, context))
        for index in range(1, blocks + 1)
    )
    return output[: key_type.length]


def _counter_context(initial_key_id: bytes, counter: int) -> bytes:
    """Bytes 8-15 of the derivation data for every key but the initial key: the
    derivation ID (the second half of the initial key ID) and the counter."""
    return initial_key_id[4:] + counter.to_bytes(COUNTER_LENGTH, "big")


def _check_strength(derivation_type: KeyType, key_type: KeyType) -> None:
    if key_type.security_strength > derivation_type.security_strength:
        raise KeyLengthError(
            f"working key type {key_type.name} ({key_type.security_strength}-bit strength) is stronger "
            f"than the {derivation_type.name} derivation key; X9.24-3 forbids deriving a key from a weaker one"
        )


# --- Public derivations -----------------------------------------------------------------


def derive_initial_key(bdk: bytes, initial_key_id: bytes, bdk_type: KeyType | None = None) -> bytes:
    """The initial DUKPT key of a device (X9.24-3-2017 section 6.3.1, "Derive Initial Key").

    ``bdk`` is an AES-128/192/256 BDK; its type is taken from its length, or
    checked against ``bdk_type`` when given. ``initial_key_id`` is the 8-byte
    BDK ID + derivation ID. The initial key has the BDK's type and length; its
    derivation data carries usage 0x8001 and the whole initial key ID.
    """
    derivation_type = _bdk_type(bdk, bdk_type)
    _check_initial_key_id(initial_key_id)
    return _derive_key(bdk, KeyUsage.KEY_DERIVATION_INITIAL, derivation_type, initial_key_id)


def derive_intermediate_key(initial_key: bytes, ksn: bytes, ladder: DukptLadder | None = None) -> bytes:
    """The intermediate derivation key for the KSN's counter (the "transaction key" the
    X9.24-3 test vectors list as the derivation key of each transaction).

    Starting from the initial key with an empty working counter, each one-bit of
    the transaction counter, most significant first, is set in the working
    counter and a new derivation key is derived from the previous one with usage
    0x8000 and the working counter in the derivation data (sections 6.3/6.4).
    ``ladder``: the keys of this device's last walk, kept by the host (:mod:`keys.dukpt_ladder`); the walk then
    starts from the longest prefix of the counter the last one shared.
    """
    derivation_type = KeyType.aes_for_length(len(initial_key), "initial key")
    counter = ksn_counter(ksn)
    _check_transaction_counter(counter)
    initial_key_id = ksn[:INITIAL_KEY_ID_LENGTH]

    def step(key: bytes, prefix: int) -> bytes:
        return _derive_key(key, KeyUsage.KEY_DERIVATION, derivation_type, _counter_context(initial_key_id, prefix))

    return (ladder or DukptLadder()).walk(bytes(initial_key), bytes(initial_key_id), counter, 8 * COUNTER_LENGTH, step)


def derive_working_key_from_initial(
    initial_key: bytes, ksn: bytes, usage: KeyUsage, key_type: KeyType
) -> bytes:
    """The working key of ``usage`` and ``key_type`` for the KSN, from the device's initial key.

    This is what the device computes (with its stored intermediate keys) and what
    the host computes after :func:`derive_initial_key`. A working key may not be
    stronger than the derivation keys (an AES256 key from an AES-128 initial
    key is refused), and the initial-key usage 0x8001 is not a working usage.
    """
    return derive_working_keys_from_initial(initial_key, ksn, ((usage, key_type),))[0]


def derive_working_keys_from_initial(
    initial_key: bytes, ksn: bytes, wanted: Sequence[tuple[KeyUsage, KeyType]], ladder: DukptLadder | None = None
) -> list[bytes]:
    """The working keys ``wanted`` (usage, type) of one transaction, in that order: each what
    :func:`derive_working_key_from_initial` gives, with the intermediate derivation key of the KSN (one AES
    derivation per one-bit of its counter, sections 6.3/6.4) derived once for them all. A message's keys (MAC
    generation, MAC verification, PIN) all hang from that one key. Each wanted key is checked first, as
    :func:`derive_working_key_from_initial` checks it. ``ladder``: as :func:`derive_intermediate_key`'s.
    """
    derivation_type = KeyType.aes_for_length(len(initial_key), "initial key")
    for usage, key_type in wanted:
        _check_strength(derivation_type, key_type)
        if usage is KeyUsage.KEY_DERIVATION_INITIAL:
            raise CryptoError("usage KEY_DERIVATION_INITIAL (0x8001) derives initial keys only, not working keys")
    derivation_key = derive_intermediate_key(initial_key, ksn, ladder)
    context = _counter_context(ksn[:INITIAL_KEY_ID_LENGTH], ksn_counter(ksn))
    return [_derive_key(derivation_key, usage, key_type, context) for usage, key_type in wanted]


def derive_working_key(bdk: bytes, ksn: bytes, usage: KeyUsage, key_type: KeyType) -> bytes:
    """Host side "Host Derive Working Key" (X9.24-3-2017 sections 6.3/6.4): the working key of
    ``usage`` and ``key_type`` for the 12-byte ``ksn`` from the AES ``bdk``."""
    derivation_type = _bdk_type(bdk, None)
    _check_ksn(ksn)
    _check_strength(derivation_type, key_type)
    _check_transaction_counter(ksn_counter(ksn))
    initial_key = derive_initial_key(bdk, ksn[:INITIAL_KEY_ID_LENGTH], derivation_type)
    return derive_working_key_from_initial(initial_key, ksn, usage, key_type)


def derive_keys(bdk: bytes, ksn: bytes, working_key_type: KeyType = KeyType.AES128) -> AesDukptKeys:
    """The initial key and the PIN, MAC (generation, verification) and data encryption
    (encrypt usage) working keys of one transaction, as a host derives them."""
    derivation_type = _bdk_type(bdk, None)
    _check_ksn(ksn)
    _check_strength(derivation_type, working_key_type)
    _check_transaction_counter(ksn_counter(ksn))
    initial_key = derive_initial_key(bdk, ksn[:INITIAL_KEY_ID_LENGTH], derivation_type)

    def working(usage: KeyUsage) -> bytes:
        return derive_working_key_from_initial(initial_key, ksn, usage, working_key_type)

    return AesDukptKeys(
        ksn=ksn,
        working_key_type=working_key_type,
        initial_key=initial_key,
        pin_key=working(KeyUsage.PIN_ENCRYPTION),
        mac_generation_key=working(KeyUsage.MAC_GENERATION),
        mac_verification_key=working(KeyUsage.MAC_VERIFICATION),
        data_encryption_key=working(KeyUsage.DATA_ENCRYPTION_ENCRYPT),
    )


def _bdk_type(bdk: bytes, bdk_type: KeyType | None) -> KeyType:
    """The AES type of the BDK, from its length, checked against ``bdk_type`` when given."""
    if bdk_type is not None and not bdk_type.is_aes:
        raise KeyLengthError(f"BDK type {bdk_type.name}: AES DUKPT needs an AES-128, AES-192 or AES-256 BDK")
    actual = KeyType.aes_for_length(len(bdk), "BDK")
    if bdk_type is not None and bdk_type is not actual:
        raise KeyLengthError(f"BDK: {len(bdk)} bytes, expected {bdk_type.length} for {bdk_type.name}")
    return actual
