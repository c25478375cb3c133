"""Message security shared by the terminal and the host: which keys protect a message, its MAC, its PIN block.

Three key schemes (docs/protocol.md "Security"):

* ``mksk`` master/session: a terminal master key (TMK) delivers a PIN key and a MAC key at sign-on;
  MAC = ISO 9797-1 algorithm 3 (ANSI X9.19), PIN block ISO 9564-1 format 0.
* ``dukpt-tdes``: ANSI X9.24-1:2009; the KSN travels in DE 63 tag KS; request MACs use the MAC
  request key and response MACs the MAC response key.
* ``dukpt-aes``: ANSI X9.24-3-2017; AES-CMAC (8 bytes) with the MAC generation key on requests and
  the MAC verification key on responses; the PIN key is the TDES2 working key (format 0) because
  ISO 8583:1987 DE 52 holds 8 bytes, or AES-128 with format 4 when the dialect's DE 52 holds 16.

The MAC covers the encoded message from the MTI up to, not including, the MAC field: the message
is encoded with an all-zero MAC in place, then the header and the MAC field's bytes (8, or 16
hex characters in text dialects) are cut off.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from iso8583.codec import encode
from iso8583.dialect import Dialect
from iso8583.message import Message
from keys import dukpt_aes, dukpt_tdes
from keys.dukpt_ladder import DukptLadder
from keys.errors import MacVerificationError
from keys.mac import MacAlgorithm, generate_mac, verify_mac
from keys.pinblock import PinBlockFormat, decrypt_pin_block, encrypt_pin_block
from protocols.iso87 import mac_field

MAC_LENGTH = 8


class KeyScheme(StrEnum):
    """How a terminal's working keys are established."""

    MKSK = "mksk"
    DUKPT_TDES = "dukpt-tdes"
    DUKPT_AES = "dukpt-aes"

    @property
    def is_dukpt(self) -> bool:
        return self is not KeyScheme.MKSK


@dataclass(frozen=True)
class MessageKeys:
    """The keys protecting one exchange: request MAC, response MAC, PIN, and the KSN for DUKPT."""

    scheme: KeyScheme
    request_mac_key: bytes = field(repr=False)
    response_mac_key: bytes = field(repr=False)
    pin_key: bytes = field(repr=False)
    pin_format: PinBlockFormat = PinBlockFormat.ISO_0
    ksn: bytes | None = None

    @property
    def mac_algorithm(self) -> MacAlgorithm:
        """X9.19 retail MAC for TDES keys, AES-CMAC for AES DUKPT."""
        return MacAlgorithm.AES_CMAC if self.scheme is KeyScheme.DUKPT_AES else MacAlgorithm.ISO9797_1_ALG3


def pin_block_format_for(dialect: Dialect) -> PinBlockFormat:
    """Format 4 (AES) fits only where the dialect's DE 52 holds 16 bytes; else format 0."""
    spec = dialect.fields.get(52)
    return PinBlockFormat.ISO_4 if spec is not None and spec.max_length >= 16 else PinBlockFormat.ISO_0


SIGN_ON_VARIANT = bytes.fromhex("000000000000FF00000000000000FF00")
"""The mask that turns the TMK into the sign-on MAC key: ANSI X9.24-1:2009's MAC-request variant
(A.6), applied to the terminal master key so that the key which wraps the session keys is never the
key that MACs a message."""


def sign_on_keys(tmk: bytes) -> MessageKeys:
    """Master/session sign-on (0800, DE 70 = 001 / 101): the request is MACed (ISO 9797-1 algorithm 3)
    under the TMK's MAC variant, so only the holder of the terminal master key can have new session
    keys issued for the terminal (docs/protocol.md, Security)."""
    if len(tmk) != len(SIGN_ON_VARIANT):
        raise ValueError(f"terminal master key: {len(tmk)} bytes, expected {len(SIGN_ON_VARIANT)}")
    key = bytes(a ^ b for a, b in zip(tmk, SIGN_ON_VARIANT, strict=True))
    return MessageKeys(KeyScheme.MKSK, key, key, key)


def mksk_keys(pin_key: bytes, mac_key: bytes) -> MessageKeys:
    """Master/session: the session keys delivered at sign-on protect both directions."""
    return MessageKeys(KeyScheme.MKSK, mac_key, mac_key, pin_key)


def dukpt_tdes_keys(derived: dukpt_tdes.TdesDukptKeys) -> MessageKeys:
    """ANSI X9.24-1:2009 keys for one KSN: MAC request/response variants and the PIN variant."""
    return MessageKeys(
        KeyScheme.DUKPT_TDES, derived.mac_request_key, derived.mac_response_key, derived.pin_key, ksn=derived.ksn
    )


def dukpt_tdes_message_keys(ipek: bytes, ksn: bytes, ladder: DukptLadder | None = None) -> MessageKeys:
    """:func:`dukpt_tdes_keys` of :func:`keys.dukpt_tdes.derive_keys_from_ipek`, deriving only what a message uses:
    the transaction key and its PIN and MAC request/response variants (X9.24-1:2009 A.6), not the two data keys
    (each a TDES encipherment under a key used once), which a host checking a message never needs. ``ladder``: the
    device's kept walk (:mod:`keys.dukpt_ladder`), for a host that sees the device's counters one after another."""
    transaction_key = dukpt_tdes.derive_transaction_key(ipek, ksn, ladder)
    return MessageKeys(KeyScheme.DUKPT_TDES, dukpt_tdes.mac_request_key(transaction_key),
                       dukpt_tdes.mac_response_key(transaction_key), dukpt_tdes.pin_key(transaction_key), ksn=bytes(ksn))


def dukpt_aes_keys(initial_key: bytes, ksn: bytes, pin_format: PinBlockFormat,
                   ladder: DukptLadder | None = None) -> MessageKeys:
    """ANSI X9.24-3-2017 working keys for one KSN, derived from the device's initial key.

    The host derives the initial key from the BDK first (:func:`keys.dukpt_aes.derive_initial_key`). ``ladder``: as
    :func:`dukpt_tdes_message_keys`'s.
    """
    usage = dukpt_aes.KeyUsage
    kind = dukpt_aes.KeyType
    pin_type = kind.AES128 if pin_format is PinBlockFormat.ISO_4 else kind.TDES2
    request_mac, response_mac, pin = dukpt_aes.derive_working_keys_from_initial(  # one intermediate key for the three
        initial_key, ksn, ((usage.MAC_GENERATION, kind.AES128), (usage.MAC_VERIFICATION, kind.AES128),
                           (usage.PIN_ENCRYPTION, pin_type)), ladder)
    return MessageKeys(KeyScheme.DUKPT_AES, request_mac, response_mac, pin, pin_format=pin_format, ksn=ksn)


def _mac_input(message: Message, dialect: Dialect) -> tuple[Message, bytes]:
    """The message with a zero MAC in its MAC field, and the bytes the MAC covers."""
    number = mac_field(message)
    with_placeholder = replace(message, fields={**message.fields, number: bytes(MAC_LENGTH)})
    encoded = encode(with_placeholder, dialect)
    # The MAC field is the last one; in hex-text dialects its 8 bytes take 16 characters.
    return with_placeholder, encoded[len(message.header):-dialect.fields[number].max_encoded_length()]


def _mac(keys: MessageKeys, key: bytes, data: bytes) -> bytes:
    return generate_mac(keys.mac_algorithm, key, data, padding=1, length=MAC_LENGTH)


def sign_request(message: Message, dialect: Dialect, keys: MessageKeys) -> Message:
    """A copy of ``message`` with the request MAC in DE 64 or DE 128."""
    placeholder, data = _mac_input(message, dialect)
    placeholder.fields[mac_field(message)] = _mac(keys, keys.request_mac_key, data)
    return placeholder


def sign_response(message: Message, dialect: Dialect, keys: MessageKeys) -> Message:
    """A copy of ``message`` with the response MAC."""
    placeholder, data = _mac_input(message, dialect)
    placeholder.fields[mac_field(message)] = _mac(keys, keys.response_mac_key, data)
    return placeholder


def _verify(message: Message, dialect: Dialect, keys: MessageKeys, key: bytes, what: str) -> None:
    number = mac_field(message)
    received = message.get(number)
    if not isinstance(received, bytes):
        raise MacVerificationError(f"{what}: no MAC in DE {number}")
    _, data = _mac_input(message, dialect)
    try:
        verify_mac(keys.mac_algorithm, key, data, received, padding=1)
    except MacVerificationError:
        raise MacVerificationError(f"{what}: MAC in DE {number} does not verify") from None


def _mac_encoding(dialect: Dialect, number: int, mac: bytes) -> bytes:
    """The wire bytes of MAC value ``mac`` in field ``number`` (raw, or hex text in text dialects)."""
    width = dialect.fields[number].max_encoded_length()
    return mac if width == len(mac) else mac.hex().upper().encode("ascii")


def sign_and_encode(message: Message, dialect: Dialect, keys: MessageKeys, *, response: bool) -> tuple[Message, bytes]:
    """``message`` signed (request or response MAC) and its wire bytes, encoded once.

    The message is encoded with a zero MAC in place; the MAC is computed over those bytes (without
    header and MAC field) and written over the placeholder's bytes, which is what encoding the
    signed message would give (the MAC field is last and fixed-length).
    """
    number = mac_field(message)
    # Built directly, not by dataclasses.replace (which introspects the fields on every call): the same Message.
    placeholder = Message(message.mti, {**message.fields, number: bytes(MAC_LENGTH)}, message.header)
    encoded = encode(placeholder, dialect)
    width = dialect.fields[number].max_encoded_length()
    mac = _mac(keys, keys.response_mac_key if response else keys.request_mac_key,
               encoded[len(message.header):-width])
    placeholder.fields[number] = mac
    return placeholder, encoded[:-width] + _mac_encoding(dialect, number, mac)


def verify_request_frame(frame: bytes, message: Message, dialect: Dialect, keys: MessageKeys) -> None:
    """Verify the request MAC over the bytes as received (``frame``, decoded as ``message``), not re-encoded.

    The MAC field is the last field of the frame (DE 64, or DE 128 when any field above 64 is
    present), so the MAC covers ``frame`` from the MTI to just before it.
    """
    _verify_frame(frame, message, dialect, keys.mac_algorithm, keys.request_mac_key, "request")


def verify_response_frame(frame: bytes, message: Message, dialect: Dialect, keys: MessageKeys) -> None:
    """Verify the response MAC over the bytes as received (``frame``, decoded as ``message``), not re-encoded:
    the MAC covers ``frame`` from the MTI to just before the MAC field, its last field (as
    :func:`verify_request_frame`)."""
    _verify_frame(frame, message, dialect, keys.mac_algorithm, keys.response_mac_key, "response")


def _verify_frame(frame: bytes, message: Message, dialect: Dialect, algorithm: MacAlgorithm, key: bytes,
                  direction: str) -> None:
    """The MAC of ``message``'s last field over ``frame`` from the MTI to just before that field."""
    number = mac_field(message)
    received = message.get(number)
    what = f"{message.mti} {direction}"
    if not isinstance(received, bytes):
        raise MacVerificationError(f"{what}: no MAC in DE {number}")
    width = dialect.fields[number].max_encoded_length()
    try:
        verify_mac(algorithm, key, bytes(frame[len(message.header):-width]), received, padding=1)
    except MacVerificationError:
        raise MacVerificationError(f"{what}: MAC in DE {number} does not verify") from None


def verify_request_received(message: Message, frame: bytes | None, dialect: Dialect, keys: MessageKeys) -> None:
    """The request MAC over ``frame`` as received when there is one, else over ``message`` encoded again
    (a request built in memory, as tests do)."""
    if frame is not None:
        verify_request_frame(frame, message, dialect, keys)
    else:
        verify_request(message, dialect, keys)


def verify_request(message: Message, dialect: Dialect, keys: MessageKeys) -> None:
    """Raise :class:`MacVerificationError` unless the request MAC verifies."""
    _verify(message, dialect, keys, keys.request_mac_key, f"{message.mti} request")


def verify_response(message: Message, dialect: Dialect, keys: MessageKeys) -> None:
    """Raise :class:`MacVerificationError` unless the response MAC verifies."""
    _verify(message, dialect, keys, keys.response_mac_key, f"{message.mti} response")


def pin_block(keys: MessageKeys, pin: str, pan: str) -> bytes:
    """DE 52: the enciphered ISO 9564-1 PIN block (format 0 under TDES or format 4 under AES)."""
    return encrypt_pin_block(keys.pin_format, keys.pin_key, pin, pan)


def recover_pin(keys: MessageKeys, block: bytes, pan: str) -> str:
    """Host side: decipher DE 52 and return the PIN (compare it, never log it)."""
    return decrypt_pin_block(keys.pin_format, keys.pin_key, block, pan)
