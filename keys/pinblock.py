"""ISO 9564-1 PIN blocks: formats 0, 1 and 3 (TDES, 64-bit) and format 4 (AES, 128-bit).

A PIN block carries the cardholder's PIN from the PIN pad to the issuer. Its layout is fixed by
ISO 9564-1:2017 section 9 (formats 0, 1 and 3 unchanged since ISO 9564-1:2002/2011):

* 9.3.1 control field: the first nibble names the format.
* 9.3.2 format 0 (= ANSI X9.8, VISA-1, ECI-1): PIN field ``0 N P..P F..F`` XOR account-number
  field ``0000`` + the 12 rightmost PAN digits excluding the check digit.
* 9.3.3 format 1: ``1 N P..P T..T``, transaction/random fill digits 0-F, no PAN.
* 9.3.5 format 3: as format 0 but the fill digits are random values A to F.
* 9.4.2 format 4: a 16-byte plaintext PIN field ``4 N P..P A..A`` + 8 random bytes
  (9.4.2.2.2) and a 16-byte plaintext PAN field ``M`` + PAN + zero padding (9.4.2.2.3),
  tied together by the format 4 encipherment of 9.4.2: ``E_K(E_K(PIN field) XOR PAN field)``.

:func:`encode_pin_block` / :func:`decode_pin_block` work on the clear block (for format 4 the
plaintext PIN field); :func:`encrypt_pin_block` / :func:`decrypt_pin_block` add the cipher:
TDES ECB for formats 0, 1 and 3, AES for format 4.

Errors never quote PIN digits, fill digits (a wrong length nibble would turn PIN digits into
"fill") or a full PAN: they name the argument, a count or a nibble position.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from enum import IntEnum

from keys.errors import CryptoError, DataLengthError, PanError, PinError
from keys.primitives import (
    aes_decrypt_ecb,
    kept_contexts,
    aes_encrypt_ecb,
    tdes_decrypt_ecb,
    tdes_encrypt_ecb,
    xor_bytes,
)

RandomBytes = Callable[[int], bytes]
"""A source of random bytes: ``random_bytes(n)`` returns exactly ``n`` bytes."""

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 12
PAN_MAX_DIGITS = 19

_DIGITS = frozenset("0123456789")
_BLOCK_64 = 8
_BLOCK_128 = 16
_FIELD_NIBBLES = 16
"""Nibbles in a 64-bit block, and in the first half of the format 4 PIN field."""
_FORMAT_3_FILL = "ABCDEF"
_REJECTION_LIMIT = 252
"""Largest multiple of 6 not above 256: bytes at or above it are redrawn so A-F stay uniform."""
_MAX_DRAWS = 64


class PinBlockFormat(IntEnum):
    """The ISO 9564-1 PIN block formats this module builds (9.3.1: the value of the control field)."""

    ISO_0 = 0
    ISO_1 = 1
    ISO_3 = 3
    ISO_4 = 4


_ISO_0 = PinBlockFormat.ISO_0
"""Format 0 as a module constant, for the fast path (an Enum member lookup costs more than its checks)."""


def block_size(fmt: PinBlockFormat | int) -> int:
    """Length in bytes of a clear or enciphered PIN block of ``fmt``: 8, or 16 for format 4."""
    return _BLOCK_128 if _format(fmt) is PinBlockFormat.ISO_4 else _BLOCK_64


def _format(fmt: PinBlockFormat | int) -> PinBlockFormat:
    if fmt.__class__ is PinBlockFormat:  # the usual case, without IntEnum's slower lookup
        return fmt  # type: ignore[return-value]
    try:
        return PinBlockFormat(fmt)
    except ValueError:
        accepted = ", ".join(str(int(member)) for member in PinBlockFormat)
        raise PinError(f"PIN block format {fmt!r} is not supported, expected one of {accepted}") from None


def _check_pin(pin: str) -> None:
    """ISO 9564-1:2017 8.1 / 9.1: a PIN has 4 to 12 decimal digits."""
    if not isinstance(pin, str):
        raise PinError("PIN must be a string of decimal digits")
    for index, char in enumerate(pin, start=1):
        if char not in _DIGITS:
            raise PinError(f"PIN must be decimal digits only; character {index} is not a digit")
    if not PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS:
        raise PinError(f"PIN must have {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits, got {len(pin)}")


def _check_pan(pan: str | None, fmt: PinBlockFormat, minimum: int) -> str:
    if pan is None:
        raise PanError(f"format {int(fmt)} PIN block needs the PAN")
    if not isinstance(pan, str):
        raise PanError("PAN must be a string of decimal digits")
    for index, char in enumerate(pan, start=1):
        if char not in _DIGITS:
            raise PanError(f"PAN must be decimal digits only; character {index} is not a digit")
    if not minimum <= len(pan) <= PAN_MAX_DIGITS:
        raise PanError(
            f"PAN must have {minimum} to {PAN_MAX_DIGITS} digits for format {int(fmt)}, got {len(pan)}"
        )
    return pan


def pan_field_iso0(pan: str | None, fmt: PinBlockFormat | int = PinBlockFormat.ISO_0) -> bytes:
    """Account-number field of formats 0 and 3 (ISO 9564-1:2017 9.3.2.3 / 9.3.5.3).

    Four zero pad digits, then the 12 rightmost PAN digits excluding the check digit. The PAN
    must have 13 to 19 digits: 12 account digits plus the check digit.
    """
    digits = _check_pan(pan, _format(fmt), 13)
    return bytes.fromhex("0000" + digits[-13:-1])


def pan_field_iso4(pan: str | None) -> bytes:
    """Plaintext PAN field of format 4 (ISO 9564-1:2017 9.4.2.2.3), 16 bytes.

    Nibble 1 is M = len(PAN) - 12 (0 to 7), then all PAN digits including the check digit,
    then zero pad digits to 32 nibbles. Accepts PANs of 12 to 19 digits.
    """
    digits = _check_pan(pan, PinBlockFormat.ISO_4, 12)
    return bytes.fromhex(f"{len(digits) - 12:X}{digits}".ljust(2 * _BLOCK_128, "0"))


def _draw(random_bytes: RandomBytes, count: int) -> bytes:
    drawn = bytes(random_bytes(count))
    if len(drawn) != count:
        raise DataLengthError(f"random_bytes({count}) returned {len(drawn)} bytes, expected {count}")
    return drawn


def _fill_hex(count: int, random_bytes: RandomBytes) -> str:
    """``count`` random fill digits 0-F (format 1 transaction field, 9.3.3)."""
    return _draw(random_bytes, (count + 1) // 2).hex().upper()[:count]


def _fill_a_to_f(count: int, random_bytes: RandomBytes) -> str:
    """``count`` random fill digits A-F (format 3, 9.3.5.2), uniform by rejection sampling."""
    fill: list[str] = []
    for _ in range(_MAX_DRAWS):
        if len(fill) == count:
            break
        for byte in _draw(random_bytes, count - len(fill)):
            if byte < _REJECTION_LIMIT:
                fill.append(_FORMAT_3_FILL[byte % 6])
    if len(fill) != count:
        raise CryptoError("random_bytes kept returning bytes outside the usable range for format 3 fill")
    return "".join(fill)


def _plain_digits(text: object, shortest: int, longest: int) -> bool:
    """True for a str of ``shortest`` to ``longest`` ASCII digits: the fast path's test (the full checks
    name what is wrong when it fails)."""
    return text.__class__ is str and shortest <= len(text) <= longest and text.isascii() and text.isdigit()  # type: ignore[attr-defined]


def _iso0_clear_block(pin: str, pan: str) -> bytes:
    """Format 0's clear block from a checked PIN and PAN (9.3.2): PIN field ``0 N P..P F..F`` XOR
    ``0000`` + the 12 PAN digits before the check digit, each read as 16 nibbles in one integer."""
    pin_field = int(f"0{len(pin):X}{pin}".ljust(_FIELD_NIBBLES, "F"), 16)
    return (pin_field ^ int(pan[-13:-1], 16)).to_bytes(_BLOCK_64, "big")


def _pin_field_64(fmt: PinBlockFormat, pin: str, random_bytes: RandomBytes) -> bytes:
    fill_count = 14 - len(pin)
    if fmt is PinBlockFormat.ISO_0:
        fill = "F" * fill_count
    elif fmt is PinBlockFormat.ISO_1:
        fill = _fill_hex(fill_count, random_bytes)
    else:
        fill = _fill_a_to_f(fill_count, random_bytes)
    return bytes.fromhex(f"{int(fmt):X}{len(pin):X}{pin}{fill}")


def pin_field_iso4(pin: str, *, random_bytes: RandomBytes = secrets.token_bytes) -> bytes:
    """Plaintext PIN field of format 4 (ISO 9564-1:2017 9.4.2.2.2), 16 bytes.

    Control 4, PIN length, PIN digits, fill digits A up to nibble 16, then 8 random bytes.
    """
    _check_pin(pin)
    head = f"4{len(pin):X}{pin}".ljust(_FIELD_NIBBLES, "A")
    return bytes.fromhex(head) + _draw(random_bytes, _BLOCK_128 - _BLOCK_64)


def encode_pin_block(
    fmt: PinBlockFormat | int,
    pin: str,
    pan: str | None = None,
    *,
    random_bytes: RandomBytes = secrets.token_bytes,
) -> bytes:
    """The clear PIN block of ``fmt`` for ``pin``.

    Formats 0 and 3 need the PAN (13 to 19 digits); formats 1 and 4 do not use it here (format 4
    binds the PAN during encipherment, see :func:`encrypt_pin_block`). For format 4 the result
    is the 16-byte plaintext PIN field. ``random_bytes`` supplies the fill of formats 1, 3 and 4;
    tests inject a deterministic one.
    """
    fmt = _format(fmt)
    if fmt is PinBlockFormat.ISO_0 and _plain_digits(pin, PIN_MIN_DIGITS, PIN_MAX_DIGITS) \
            and _plain_digits(pan, 13, PAN_MAX_DIGITS):
        return _iso0_clear_block(pin, pan)  # type: ignore[arg-type]
    _check_pin(pin)
    if fmt is PinBlockFormat.ISO_4:
        return pin_field_iso4(pin, random_bytes=random_bytes)
    field = _pin_field_64(fmt, pin, random_bytes)
    if fmt is PinBlockFormat.ISO_1:
        return field
    return xor_bytes(field, pan_field_iso0(pan, fmt))


def _check_block_length(fmt: PinBlockFormat, block: bytes, what: str) -> None:
    expected = block_size(fmt)
    if len(block) != expected:
        raise DataLengthError(f"format {int(fmt)} {what}: {len(block)} bytes, expected {expected}")


def _decode_field(fmt: PinBlockFormat, field: bytes) -> str:
    """Check the control, length, PIN and fill nibbles of a clear PIN field; return the PIN."""
    nibbles = field.hex().upper()
    control = int(nibbles[0], 16)
    if control != fmt:
        raise PinError(f"PIN block control field is {control:X}, expected {int(fmt)} for format {int(fmt)}")
    length = int(nibbles[1], 16)
    if not PIN_MIN_DIGITS <= length <= PIN_MAX_DIGITS:
        raise PinError(f"PIN block length nibble is {length}, expected {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS}")
    pin = nibbles[2 : 2 + length]
    for index, char in enumerate(pin, start=1):
        if char not in _DIGITS:
            raise PinError(f"PIN block: PIN digit {index} (nibble {index + 2}) is not a decimal digit")
    allowed = {
        PinBlockFormat.ISO_0: ("F", "F"),
        PinBlockFormat.ISO_3: (_FORMAT_3_FILL, "A to F"),
        PinBlockFormat.ISO_4: ("A", "A"),
    }.get(fmt)
    if allowed is not None:
        characters, described = allowed
        for position in range(2 + length, _FIELD_NIBBLES):
            if nibbles[position] not in characters:
                raise PinError(f"PIN block: fill digit at nibble {position + 1} is not {described}")
    return pin


def decode_pin_block(fmt: PinBlockFormat | int, block: bytes, pan: str | None = None) -> str:
    """The PIN in a clear PIN block of ``fmt``, after checking its structure.

    Formats 0 and 3 remove the PAN field first (``pan`` required); formats 1 and 4 ignore
    ``pan`` (for format 4, ``block`` is the deciphered plaintext PIN field). Raises
    :class:`PinError` naming the control field, the length nibble or the position of a bad
    digit, and :class:`DataLengthError` for a block of the wrong size.
    """
    fmt = _format(fmt)
    _check_block_length(fmt, block, "PIN block")
    if fmt in (PinBlockFormat.ISO_0, PinBlockFormat.ISO_3):
        block = xor_bytes(block, pan_field_iso0(pan, fmt))
    return _decode_field(fmt, block)


def encrypt_pin_block(
    fmt: PinBlockFormat | int,
    key: bytes,
    pin: str,
    pan: str | None = None,
    *,
    random_bytes: RandomBytes = secrets.token_bytes,
) -> bytes:
    """The enciphered PIN block of ``fmt``.

    Formats 0, 1 and 3: TDES ECB of the clear block under a 16- or 24-byte key.
    Format 4 (ISO 9564-1:2017 9.4.2, PIN block encipherment): with an AES key K, A = E_K(PIN field),
    B = A XOR PAN field, result E_K(B); the PAN (12 to 19 digits) is required.
    """
    if fmt is _ISO_0 and pin.__class__ is str is pan.__class__ and PIN_MIN_DIGITS <= (length := len(pin)) <= PIN_MAX_DIGITS \
            and 13 <= len(pan) <= PAN_MAX_DIGITS:  # the usual case: checked here, the clear block in one XOR
        if pin.isdigit() and pan.isdigit() and pin.isascii() and pan.isascii():
            clear = (int(f"0{length:X}{pin}".ljust(_FIELD_NIBBLES, "F"), 16) ^ int(pan[-13:-1], 16)).to_bytes(_BLOCK_64, "big")
            context = kept_contexts.tdes_e.get(key)
            return tdes_encrypt_ecb(key, clear) if context is None else context.update(clear)
    fmt = _format(fmt)
    if fmt is not PinBlockFormat.ISO_4:
        return tdes_encrypt_ecb(key, encode_pin_block(fmt, pin, pan, random_bytes=random_bytes))
    pan_field = pan_field_iso4(pan)
    intermediate_a = aes_encrypt_ecb(key, pin_field_iso4(pin, random_bytes=random_bytes))
    return aes_encrypt_ecb(key, xor_bytes(intermediate_a, pan_field))


def decrypt_pin_block(fmt: PinBlockFormat | int, key: bytes, block: bytes, pan: str | None = None) -> str:
    """The PIN in an enciphered PIN block of ``fmt``; the inverse of :func:`encrypt_pin_block`.

    Format 4 (ISO 9564-1:2017 9.4.2, PIN block decipherment): B = D_K(block), A = B XOR PAN field,
    PIN field = D_K(A), then the PIN field is checked as in :func:`decode_pin_block`.
    """
    if fmt is _ISO_0 and block.__class__ is bytes and len(block) == _BLOCK_64 and pan.__class__ is str \
            and 13 <= len(pan) <= PAN_MAX_DIGITS and pan.isdigit() and pan.isascii():  # type: ignore[arg-type, union-attr]
        # The usual case (a host reading DE 52), in one XOR: a well-formed block gives its PIN here; any other
        # goes on to the general path below, which names what is wrong.
        context = kept_contexts.tdes_d.get(key)
        clear = tdes_decrypt_ecb(key, block) if context is None else context.update(block)
        nibbles = f"{int.from_bytes(clear, 'big') ^ int(pan[-13:-1], 16):016X}"  # type: ignore[index]
        length = int(nibbles[1], 16)
        if nibbles[0] == "0" and PIN_MIN_DIGITS <= length <= PIN_MAX_DIGITS:
            pin = nibbles[2:2 + length]
            if pin.isdigit() and nibbles[2 + length:] == "F" * (_FIELD_NIBBLES - 2 - length):
                return pin
    fmt = _format(fmt)
    _check_block_length(fmt, block, "enciphered PIN block")
    if fmt is not PinBlockFormat.ISO_4:
        return decode_pin_block(fmt, tdes_decrypt_ecb(key, block), pan)
    pan_field = pan_field_iso4(pan)
    intermediate_a = xor_bytes(aes_decrypt_ecb(key, block), pan_field)
    return _decode_field(fmt, aes_decrypt_ecb(key, intermediate_a))
