"""TDES DUKPT (Derived Unique Key Per Transaction) per ANSI X9.24-1:2009 Annex A.

A PIN pad is loaded with an *initial key* (IPEK) derived from a Base Derivation
Key (BDK) and its Key Serial Number (KSN). For every transaction it uses a new
key, derived from the initial key by the non-reversible key generation process
along the one-bits of the KSN's 21-bit transaction counter, and sends the KSN
with the message so that the host, holding the BDK, can derive the same key.

Layout of the 10-byte (80-bit) KSN (X9.24-1:2009 A.1, A.2): the leftmost 59
bits identify the BDK and the device, the rightmost 21 bits are the
transaction counter. The originator never uses a counter with more than ten
one-bits (A.2, "New Key" processing), so every key is at most ten
non-reversible steps from the initial key and the counter runs out after
1 048 575 usable values.

Keys derived from the transaction key (X9.24-1:2009 A.6 and Table A-1 of the
"Variants of the Current Key"):

* PIN encryption: transaction key XOR 00000000000000FF 00000000000000FF
* MAC, request:   transaction key XOR 000000000000FF00 000000000000FF00
* MAC, response:  transaction key XOR 00000000FF000000 00000000FF000000
* data, request:  transaction key XOR 0000000000FF0000 0000000000FF0000, then
  each half encrypted (TDES ECB) under that variant itself (the one-way
  function of the data key)
* data, response: transaction key XOR 000000FF00000000 000000FF00000000, then
  the same one-way function.

Every length or counter error raises :class:`keys.errors.KeyLengthError` or
:class:`keys.errors.KsnError`; messages name the argument, its length or the
number of counter one-bits, never key material.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keys.dukpt_ladder import DukptLadder
from keys.errors import KeyLengthError, KsnError
from keys.primitives import des_encrypt_block, tdes_encrypt_ecb, xor_bytes

KSN_LENGTH = 10
"""A TDES DUKPT key serial number is 80 bits (X9.24-1:2009 A.1)."""

KEY_LENGTH = 16
"""BDK, initial key and every derived key are double-length TDES keys (X9.24-1:2009 A.6)."""

COUNTER_BITS = 21
"""The transaction counter is the rightmost 21 bits of the KSN (X9.24-1:2009 A.2)."""

COUNTER_MASK = (1 << COUNTER_BITS) - 1
MAX_COUNTER_ONE_BITS = 10
"""The originator skips counters with more than ten one-bits (X9.24-1:2009 A.2)."""

_KEY_REGISTER_MASK = bytes.fromhex("C0C0C0C000000000C0C0C0C000000000")
"""XORed into the key register for the left half of a derived key (A.2, A.6)."""

PIN_VARIANT = bytes.fromhex("00000000000000FF00000000000000FF")
MAC_REQUEST_VARIANT = bytes.fromhex("000000000000FF00000000000000FF00")
MAC_RESPONSE_VARIANT = bytes.fromhex("00000000FF00000000000000FF000000")
DATA_REQUEST_VARIANT = bytes.fromhex("0000000000FF00000000000000FF0000")
DATA_RESPONSE_VARIANT = bytes.fromhex("000000FF00000000000000FF00000000")


# --------------------------------------------------------------------------- KSN rules


def _check_ksn(ksn: bytes) -> None:
    """Refuse a KSN that is not 10 bytes or whose counter has more than ten one-bits."""
    if not isinstance(ksn, (bytes, bytearray)):
        raise KsnError(f"KSN: expected bytes, got {type(ksn).__name__}")
    if len(ksn) != KSN_LENGTH:
        raise KsnError(f"KSN: {len(ksn)} bytes, expected {KSN_LENGTH}")
    ones = ksn_counter(ksn).bit_count()
    if ones > MAX_COUNTER_ONE_BITS:
        raise KsnError(
            f"KSN: transaction counter has {ones} one-bits, at most {MAX_COUNTER_ONE_BITS} are allowed"
            " (ANSI X9.24-1:2009 A.2)"
        )


def _check_key(key: bytes, what: str) -> None:
    if not isinstance(key, (bytes, bytearray)):
        raise KeyLengthError(f"{what}: expected bytes, got {type(key).__name__}")
    if len(key) != KEY_LENGTH:
        raise KeyLengthError(f"{what}: {len(key)} bytes, expected {KEY_LENGTH} (double-length TDES key)")


def ksn_counter(ksn: bytes) -> int:
    """The 21-bit transaction counter: the rightmost 21 bits of the 10-byte KSN (X9.24-1:2009 A.2)."""
    if len(ksn) != KSN_LENGTH:
        raise KsnError(f"KSN: {len(ksn)} bytes, expected {KSN_LENGTH}")
    return int.from_bytes(ksn, "big") & COUNTER_MASK


def ksn_with_counter(ksn: bytes, counter: int) -> bytes:
    """``ksn`` with its 21-bit transaction counter replaced by ``counter``; the other 59 bits are kept."""
    if len(ksn) != KSN_LENGTH:
        raise KsnError(f"KSN: {len(ksn)} bytes, expected {KSN_LENGTH}")
    if not 0 <= counter <= COUNTER_MASK:
        raise KsnError(f"transaction counter {counter} does not fit in {COUNTER_BITS} bits")
    value = (int.from_bytes(ksn, "big") & ~COUNTER_MASK) | counter
    return value.to_bytes(KSN_LENGTH, "big")


def initial_ksn(ksn: bytes) -> bytes:
    """The initial KSN: ``ksn`` with its transaction counter cleared (X9.24-1:2009 A.6)."""
    return ksn_with_counter(ksn, 0)


def next_ksn(ksn: bytes) -> bytes:
    """The KSN the originator uses after ``ksn``, as its "New Key" processing prescribes.

    X9.24-1:2009 A.2: after a transaction whose counter has fewer than ten
    one-bits the counter is incremented; when it has exactly ten, the lowest
    one-bit (the shift register) is added to it instead, which skips every
    value with more than ten one-bits. Both amount to "the smallest greater
    counter with at most ten one-bits". When that would overflow 21 bits the
    device has used up its keys and must be reloaded: :class:`KsnError`.
    """
    _check_ksn(ksn)
    counter = ksn_counter(ksn)
    if counter.bit_count() == MAX_COUNTER_ONE_BITS:
        following = counter + (counter & -counter)
    else:
        following = counter + 1
    if following > COUNTER_MASK:
        raise KsnError(
            f"KSN: transaction counter exhausted after {counter:#07x}; the device needs a new initial key"
            " (ANSI X9.24-1:2009 A.2)"
        )
    return ksn_with_counter(ksn, following)


# --------------------------------------------------------------------------- derivation


def derive_ipek(bdk: bytes, ksn: bytes) -> bytes:
    """The initial PIN encryption key (IPEK, "initial key") of the device with serial number ``ksn``.

    X9.24-1:2009 A.6, "Derivation of the Initial Key": with the counter bits of
    the KSN cleared, its leftmost 8 bytes are TDES-encrypted under the BDK to
    give the left half, and under BDK XOR C0C0C0C000000000C0C0C0C000000000 to
    give the right half.
    """
    _check_key(bdk, "BDK")
    _check_ksn(ksn)
    ksn_left = initial_ksn(ksn)[:8]
    left = tdes_encrypt_ecb(bdk, ksn_left)
    right = tdes_encrypt_ecb(xor_bytes(bdk, _KEY_REGISTER_MASK), ksn_left)
    return left + right


def _non_reversible_key_generation(key: bytes, ksn_right: bytes) -> bytes:
    """One step of the non-reversible key generation process for a double-length key.

    X9.24-1:2009 A.2 ("Non-reversible Key Generation Process"): the right half
    of the new key is ``KR_R xor DES(KR_L, ksn_right xor KR_R)``; the left half
    is the same computation with the key register XORed with
    C0C0C0C000000000C0C0C0C000000000.
    """

    def half(register: bytes) -> bytes:
        left, right = register[:8], register[8:]
        return xor_bytes(right, des_encrypt_block(left, xor_bytes(ksn_right, right)))

    return half(xor_bytes(key, _KEY_REGISTER_MASK)) + half(key)


def derive_transaction_key(ipek: bytes, ksn: bytes, ladder: DukptLadder | None = None) -> bytes:
    """The current transaction key for the counter of ``ksn``, from the device's initial key.

    X9.24-1:2009 A.6 (the receiving host's "Calculate the Key" processing):
    start from the initial key and the rightmost 64 bits of the KSN with the
    counter cleared; for each one-bit of the counter, from the most
    significant down, set that bit in the KSN register and replace the key by
    the non-reversible key generation of the key and the register.

    ``ladder``: the keys of this device's last walk, kept by the host (:mod:`keys.dukpt_ladder`); the walk then
    starts from the longest prefix of the counter the last one shared (usually one step instead of one per one-bit).

    Counter 0 is refused: it names the initial key itself, which is never a
    transaction key (the originator erases it after generating its future keys).
    """
    _check_key(ipek, "initial key (IPEK)")
    _check_ksn(ksn)
    counter = ksn_counter(ksn)
    if counter == 0:
        raise KsnError("KSN: transaction counter is 0, which names the initial key, not a transaction key")
    device = initial_ksn(ksn)
    base = int.from_bytes(device[2:], "big")

    def step(key: bytes, prefix: int) -> bytes:
        return _non_reversible_key_generation(key, (base | prefix).to_bytes(8, "big"))

    return (ladder or DukptLadder()).walk(bytes(ipek), device, counter, COUNTER_BITS, step)


def _variant(transaction_key: bytes, mask: bytes) -> bytes:
    _check_key(transaction_key, "transaction key")
    return xor_bytes(transaction_key, mask)


def _one_way(variant_key: bytes) -> bytes:
    """The data-key one-way function: each half of the variant encrypted (TDES ECB) under the variant."""
    return tdes_encrypt_ecb(variant_key, variant_key)


def pin_key(transaction_key: bytes) -> bytes:
    """PIN encryption key: the transaction key XOR 00000000000000FF on both halves (X9.24-1:2009 A.6)."""
    return _variant(transaction_key, PIN_VARIANT)


def mac_request_key(transaction_key: bytes) -> bytes:
    """MAC key for requests: the transaction key XOR 000000000000FF00 on both halves."""
    return _variant(transaction_key, MAC_REQUEST_VARIANT)


def mac_response_key(transaction_key: bytes) -> bytes:
    """MAC key for responses: the transaction key XOR 00000000FF000000 on both halves."""
    return _variant(transaction_key, MAC_RESPONSE_VARIANT)


def data_request_variant(transaction_key: bytes) -> bytes:
    """Data-encryption variant for requests (before the one-way function): XOR 0000000000FF0000."""
    return _variant(transaction_key, DATA_REQUEST_VARIANT)


def data_response_variant(transaction_key: bytes) -> bytes:
    """Data-encryption variant for responses (before the one-way function): XOR 000000FF00000000."""
    return _variant(transaction_key, DATA_RESPONSE_VARIANT)


def data_request_key(transaction_key: bytes) -> bytes:
    """Data-encryption key for requests: the one-way function applied to :func:`data_request_variant`."""
    return _one_way(data_request_variant(transaction_key))


def data_response_key(transaction_key: bytes) -> bytes:
    """Data-encryption key for responses: the one-way function applied to :func:`data_response_variant`."""
    return _one_way(data_response_variant(transaction_key))


@dataclass(frozen=True)
class TdesDukptKeys:
    """Every key of one TDES DUKPT transaction. Only the KSN (not secret) shows in ``repr``."""

    ksn: bytes
    ipek: bytes = field(repr=False)
    transaction_key: bytes = field(repr=False)
    pin_key: bytes = field(repr=False)
    mac_request_key: bytes = field(repr=False)
    mac_response_key: bytes = field(repr=False)
    data_request_key: bytes = field(repr=False)
    data_response_key: bytes = field(repr=False)

    @property
    def counter(self) -> int:
        """The transaction counter of :attr:`ksn`."""
        return ksn_counter(self.ksn)

    @property
    def data_request_variant(self) -> bytes:
        """The request data variant before the one-way function (some devices use it directly)."""
        return data_request_variant(self.transaction_key)

    @property
    def data_response_variant(self) -> bytes:
        """The response data variant before the one-way function."""
        return data_response_variant(self.transaction_key)


def derive_keys_from_ipek(ipek: bytes, ksn: bytes) -> TdesDukptKeys:
    """All keys of the transaction ``ksn`` names, from the device's initial key."""
    transaction_key = derive_transaction_key(ipek, ksn)
    return TdesDukptKeys(
        ksn=bytes(ksn),
        ipek=bytes(ipek),
        transaction_key=transaction_key,
        pin_key=pin_key(transaction_key),
        mac_request_key=mac_request_key(transaction_key),
        mac_response_key=mac_response_key(transaction_key),
        data_request_key=data_request_key(transaction_key),
        data_response_key=data_response_key(transaction_key),
    )


def derive_keys(bdk: bytes, ksn: bytes) -> TdesDukptKeys:
    """All keys of the transaction ``ksn`` names, from the Base Derivation Key (the host's view)."""
    return derive_keys_from_ipek(derive_ipek(bdk, ksn), ksn)
