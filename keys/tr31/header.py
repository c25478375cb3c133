"""TR-31 / ANSI X9.143:2021 key block headers: the fields, their allowed values, encoding and decoding.

The header is the first 16 characters of a key block plus its optional blocks; the MAC of the
block covers it, so the attributes it states (usage, algorithm, mode of use, exportability) are
bound to the key. Values are checked against the tables of ANSI X9.143:2021 (6.2 table 1 header
layout, 6.3.1-6.3.6 tables 2-7), which carry over the TR-31:2018 values.

Every failure raises :class:`keys.errors.KeyBlockError` naming the field, offset or length.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from keys.errors import KeyBlockError

class Version(StrEnum):
    """Key block version ID, header byte 0 (X9.143:2021 6.2 table 1)."""

    A = "A"  # TDES key variant binding (deprecated): unwrap only
    B = "B"  # TDES key derivation binding
    C = "C"  # TDES key variant binding: unwrap only
    D = "D"  # AES key derivation binding


class KeyUsage(StrEnum):
    """Key usage, header bytes 5-6 (X9.143:2021 6.3.1 table 2; TR-31:2018 values plus X9.143 additions)."""

    BDK = "B0"
    DUKPT_INITIAL_KEY = "B1"
    BASE_KEY_VARIANT = "B2"
    KEY_DERIVATION_NON_X924 = "B3"
    CVK = "C0"
    DATA_ENCRYPTION = "D0"
    ASYMMETRIC_DATA_ENCRYPTION = "D1"
    DECIMALIZATION_TABLE = "D2"
    SENSITIVE_DATA_ENCRYPTION = "D3"
    EMV_MK_APPLICATION_CRYPTOGRAMS = "E0"
    EMV_MK_SM_CONFIDENTIALITY = "E1"
    EMV_MK_SM_INTEGRITY = "E2"
    EMV_MK_DATA_AUTHENTICATION_CODE = "E3"
    EMV_MK_DYNAMIC_NUMBERS = "E4"
    EMV_MK_CARD_PERSONALIZATION = "E5"
    EMV_MK_OTHER = "E6"
    EMV_ASYMMETRIC_PIN_ENCRYPTION = "E7"
    INITIALIZATION_VECTOR = "I0"
    KEY_ENCRYPTION = "K0"
    TR31_KBPK = "K1"
    TR34_ASYMMETRIC = "K2"
    ASYMMETRIC_KEY_AGREEMENT = "K3"
    ISO20038_KBPK = "K4"
    MAC_ISO16609_ALG1 = "M0"
    MAC_ISO9797_1_ALG1 = "M1"
    MAC_ISO9797_1_ALG2 = "M2"
    MAC_ISO9797_1_ALG3 = "M3"
    MAC_ISO9797_1_ALG4 = "M4"
    MAC_ISO9797_1_1999_ALG5 = "M5"
    MAC_ISO9797_1_2011_ALG5_CMAC = "M6"
    HMAC = "M7"
    MAC_ISO9797_1_2011_ALG6 = "M8"
    PIN_ENCRYPTION = "P0"
    PIN_GENERATION = "P1"
    ASYMMETRIC_SIGNATURE = "S0"
    ASYMMETRIC_CA = "S1"
    ASYMMETRIC_NON_X924 = "S2"
    PIN_VERIFICATION_OTHER = "V0"
    PIN_VERIFICATION_IBM3624 = "V1"
    PIN_VERIFICATION_VISA_PVV = "V2"
    PIN_VERIFICATION_X9132_ALG1 = "V3"
    PIN_VERIFICATION_X9132_ALG2 = "V4"
    PIN_VERIFICATION_X9132_ALG3 = "V5"


class Algorithm(StrEnum):
    """Algorithm of the wrapped key, header byte 7 (X9.143:2021 6.3.2 table 3)."""

    AES = "A"
    DES = "D"
    ELLIPTIC_CURVE = "E"
    HMAC = "H"
    RSA = "R"
    DSA = "S"
    TDES = "T"


class ModeOfUse(StrEnum):
    """Mode of use, header byte 8 (X9.143:2021 6.3.3 table 4)."""

    ENCRYPT_DECRYPT = "B"
    MAC_GENERATE_VERIFY = "C"
    DECRYPT_ONLY = "D"
    ENCRYPT_ONLY = "E"
    MAC_GENERATE_ONLY = "G"
    NO_RESTRICTIONS = "N"
    SIGNATURE_ONLY = "S"
    SIGN_DECRYPT = "T"
    MAC_VERIFY_ONLY = "V"
    KEY_DERIVATION = "X"
    KEY_VARIANTS = "Y"


class Exportability(StrEnum):
    """Exportability, header byte 11 (X9.143:2021 6.3.5 table 6)."""

    TRUSTED = "E"
    NON_EXPORTABLE = "N"
    SENSITIVE = "S"


# Fixed header layout (X9.143:2021 6.2 table 1): field -> (offset, width).
_HEADER_LENGTH = 16
_OFFSET_VERSION = 0
_OFFSET_LENGTH = 1
_OFFSET_USAGE = 5
_OFFSET_ALGORITHM = 7
_OFFSET_MODE = 8
_OFFSET_KEY_VERSION = 9
_OFFSET_EXPORTABILITY = 11
_OFFSET_BLOCK_COUNT = 12
_OFFSET_CONTEXT = 14
_OFFSET_RESERVED = 15

_MAX_BLOCK_LENGTH = 9999  # four decimal digits
_MAX_OPTIONAL_BLOCKS = 99  # two decimal digits
_PADDING_BLOCK_ID = "PB"
_KEY_CONTEXTS = frozenset("012")  # X9.143:2021 6.2: determined by KBPK / storage only / exchange only

_DIGITS = frozenset("0123456789")
_UPPER_HEX = frozenset("0123456789ABCDEF")
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

# Cipher block size (bytes) and MAC length (bytes) per version.
_BLOCK_SIZE = {"A": 8, "B": 8, "C": 8, "D": 16}
_MAC_LENGTH = {"A": 4, "B": 8, "C": 4, "D": 16}



def _is_printable(text: str) -> bool:
    return all(" " <= char <= "~" for char in text)


def _check_choice(field: str, value: object, width: int, allowed: Iterable[str], offset: int) -> str:
    """Validate one fixed header field: an allowed value or, for proprietary use, all digits."""
    if not isinstance(value, str) or len(value) != width:
        raise KeyBlockError(f"header field {field} at offset {offset} must be {width} character(s)",
                            header_field=field)
    if value not in frozenset(allowed) and not set(value) <= _DIGITS:
        raise KeyBlockError(f"header field {field} {value!r} unknown at offset {offset}", header_field=field)
    return str(value)


@dataclass(frozen=True)
class KeyBlockHeader:
    """The attributes bound to a key in a TR-31 key block (X9.143:2021 6.2 table 1).

    The block length and the number of optional blocks are not stored: the
    codec computes them. ``optional_blocks`` is a tuple of (ID, data) pairs in
    block order, without the padding block "PB", which the codec adds and
    strips. ``key_context`` is header byte 14 (X9.143: "0" determined by the
    KBPK, "1" storage only, "2" exchange only; TR-31:2018 had "0" reserved).
    """

    version_id: str
    key_usage: str
    algorithm: str
    mode_of_use: str
    key_version_number: str = "00"
    exportability: str = "N"
    optional_blocks: tuple[tuple[str, str], ...] = ()
    key_context: str = "0"

    def __post_init__(self) -> None:
        fields = (
            ("version_id", "version ID", 1, Version, _OFFSET_VERSION),
            ("key_usage", "key usage", 2, KeyUsage, _OFFSET_USAGE),
            ("algorithm", "algorithm", 1, Algorithm, _OFFSET_ALGORITHM),
            ("mode_of_use", "mode of use", 1, ModeOfUse, _OFFSET_MODE),
            ("exportability", "exportability", 1, Exportability, _OFFSET_EXPORTABILITY),
        )
        for attribute, label, width, enum, offset in fields:
            value = getattr(self, attribute)
            checked = _check_choice(label, value, width, (member.value for member in enum), offset)
            object.__setattr__(self, attribute, checked)
        if self.version_id not in _BLOCK_SIZE:
            raise KeyBlockError(f"header field version ID {self.version_id!r} unknown at offset {_OFFSET_VERSION}",
                                header_field="version ID")
        number = self.key_version_number
        if not isinstance(number, str) or len(number) != 2 or not set(number) <= _ALNUM:
            raise KeyBlockError(
                f"header field key version number at offset {_OFFSET_KEY_VERSION} must be 2 alphanumeric characters",
                header_field="key version number",
            )
        if not isinstance(self.key_context, str) or self.key_context not in _KEY_CONTEXTS:
            raise KeyBlockError(
                f"header field key context {self.key_context!r} unknown at offset {_OFFSET_CONTEXT}, expected 0, 1 or 2"
            )
        object.__setattr__(self, "key_version_number", str(number))
        object.__setattr__(self, "key_context", str(self.key_context))
        object.__setattr__(self, "optional_blocks", _normalise_optional_blocks(self.optional_blocks))

    @property
    def block_size(self) -> int:
        """Cipher block size in bytes of this version's KBPK algorithm (8 TDES, 16 AES)."""
        return _BLOCK_SIZE[self.version_id]

    @property
    def mac_length(self) -> int:
        """Length in bytes of this version's MAC: 4 (A, C), 8 (B), 16 (D)."""
        return _MAC_LENGTH[self.version_id]

    def optional_block(self, block_id: str) -> str | None:
        """The data of optional block ``block_id`` ("KS", "KV"...), or None when absent."""
        for candidate, data in self.optional_blocks:
            if candidate == block_id:
                return data
        return None

    def _encoded_optional_blocks(self) -> tuple[int, str]:
        """Optional blocks as text plus a padding block when needed, and their count.

        X9.143:2021 6.3.6: the optional blocks together must be a whole number
        of cipher blocks; the padding block "PB" (printable ASCII data, here
        '0' characters) is added last to get there. Its minimum size is its
        own 4-character ID and length.
        """
        parts = [_encode_optional_block(block_id, data) for block_id, data in self.optional_blocks]
        text = "".join(parts)
        count = len(parts)
        pad = -(_HEADER_LENGTH + len(text)) % self.block_size
        if pad:
            if pad < 4:
                pad += self.block_size
            text += _PADDING_BLOCK_ID + f"{pad:02X}" + "0" * (pad - 4)
            count += 1
        if count > _MAX_OPTIONAL_BLOCKS:
            raise KeyBlockError(f"{count} optional blocks, the header can count at most {_MAX_OPTIONAL_BLOCKS}")
        return count, text

    def encoded_length(self) -> int:
        """Number of characters of the encoded header, optional blocks and padding block included."""
        return _HEADER_LENGTH + len(self._encoded_optional_blocks()[1])

    def encode(self, block_length: int) -> str:
        """The header text for a key block of ``block_length`` characters in total."""
        if not 0 <= block_length <= _MAX_BLOCK_LENGTH:
            raise KeyBlockError(
                f"key block length {block_length} does not fit the 4-digit length field (at most {_MAX_BLOCK_LENGTH})"
            )
        count, blocks = self._encoded_optional_blocks()
        return (
            self.version_id
            + f"{block_length:04d}"
            + self.key_usage
            + self.algorithm
            + self.mode_of_use
            + self.key_version_number
            + self.exportability
            + f"{count:02d}"
            + self.key_context
            + "0"
            + blocks
        )


def _normalise_optional_blocks(blocks: object) -> tuple[tuple[str, str], ...]:
    """Validate user-supplied optional blocks: alphanumeric 2-character IDs, printable data, no PB, no repeats."""
    try:
        pairs = tuple((block_id, data) for block_id, data in blocks)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise KeyBlockError("optional blocks must be (ID, data) pairs") from None
    seen: set[str] = set()
    for index, (block_id, data) in enumerate(pairs, start=1):
        if not isinstance(block_id, str) or len(block_id) != 2 or not set(block_id) <= _ALNUM:
            raise KeyBlockError(f"optional block {index}: ID must be 2 alphanumeric characters")
        if block_id == _PADDING_BLOCK_ID:
            raise KeyBlockError(f"optional block {index}: 'PB' is the padding block, added by the codec itself")
        if block_id in seen:
            raise KeyBlockError(f"optional block {index}: ID {block_id!r} appears more than once")
        if not isinstance(data, str) or not _is_printable(data):
            raise KeyBlockError(f"optional block {index} ({block_id!r}): data must be printable ASCII")
        seen.add(block_id)
    return tuple((str(block_id), str(data)) for block_id, data in pairs)


def _encode_optional_block(block_id: str, data: str) -> str:
    """ID, length, data (X9.143:2021 6.3.6 table 7).

    The length counts the whole block in characters as 2 hex digits; beyond
    255 it is "00", then the number of length characters ("04"), then the
    length as 4 hex digits, as in the X9.143 certificate ("CT") examples.
    """
    short = 4 + len(data)
    if short <= 0xFF:
        return f"{block_id}{short:02X}{data}"
    extended = 10 + len(data)
    if extended > 0xFFFF:
        raise KeyBlockError(f"optional block {block_id!r}: {len(data)} characters of data is too long")
    return f"{block_id}0004{extended:04X}{data}"


@dataclass(frozen=True)
class DecodedHeader:
    """A header read from a key block: the header, the declared block length, the header's length."""

    header: KeyBlockHeader
    block_length: int
    header_length: int


def _field(text: str, offset: int, width: int) -> str:
    return text[offset : offset + width]


def decode_header(key_block: str) -> DecodedHeader:
    """Read and validate the header of ``key_block`` without any key (X9.143:2021 6.2, 6.3).

    Checks: printable ASCII, known version, a 4-digit length field, known field
    values, well-formed optional blocks, padding block last, and a header
    length that is a whole number of cipher blocks. It does not check the
    length field against the block; :func:`unwrap` does.
    """
    if not isinstance(key_block, str):
        raise KeyBlockError("key block must be text")
    for offset, char in enumerate(key_block):
        if not " " <= char <= "~":
            raise KeyBlockError(f"key block character at offset {offset} is not printable ASCII")
    if len(key_block) < _HEADER_LENGTH:
        raise KeyBlockError(
            f"key block truncated: {len(key_block)} characters, the fixed header alone needs {_HEADER_LENGTH}"
        )
    version = key_block[_OFFSET_VERSION]
    if version not in _BLOCK_SIZE:
        raise KeyBlockError(f"header field version ID {version!r} unknown at offset {_OFFSET_VERSION}")
    length_text = _field(key_block, _OFFSET_LENGTH, 4)
    if not set(length_text) <= _DIGITS:
        raise KeyBlockError(f"header field block length {length_text!r} at offset {_OFFSET_LENGTH} is not 4 digits")
    count_text = _field(key_block, _OFFSET_BLOCK_COUNT, 2)
    if not set(count_text) <= _DIGITS:
        raise KeyBlockError(
            f"header field number of optional blocks {count_text!r} at offset {_OFFSET_BLOCK_COUNT} is not 2 digits"
        )
    reserved = key_block[_OFFSET_RESERVED]
    if reserved != "0":
        raise KeyBlockError(f"header field reserved {reserved!r} at offset {_OFFSET_RESERVED}, expected '0'")
    blocks, header_length = _decode_optional_blocks(key_block, int(count_text))
    header = KeyBlockHeader(
        version_id=version,
        key_usage=_field(key_block, _OFFSET_USAGE, 2),
        algorithm=key_block[_OFFSET_ALGORITHM],
        mode_of_use=key_block[_OFFSET_MODE],
        key_version_number=_field(key_block, _OFFSET_KEY_VERSION, 2),
        exportability=key_block[_OFFSET_EXPORTABILITY],
        optional_blocks=blocks,
        key_context=key_block[_OFFSET_CONTEXT],
    )
    if header_length % header.block_size:
        raise KeyBlockError(
            f"optional blocks end at offset {header_length}, not a multiple of the "
            f"{header.block_size}-character cipher block (padding block missing or wrong)"
        )
    return DecodedHeader(header=header, block_length=int(length_text), header_length=header_length)


def _hex_value(text: str, offset: int, what: str) -> int:
    if not text or not set(text) <= _UPPER_HEX:
        raise KeyBlockError(f"{what} {text!r} at offset {offset} is not upper-case hex")
    return int(text, 16)


def _decode_optional_blocks(key_block: str, count: int) -> tuple[tuple[tuple[str, str], ...], int]:
    """Parse ``count`` optional blocks from offset 16; return them (PB dropped) and the header length."""
    blocks: list[tuple[str, str]] = []
    seen: set[str] = set()
    offset = _HEADER_LENGTH
    for index in range(1, count + 1):
        if offset + 4 > len(key_block):
            raise KeyBlockError(f"key block truncated in optional block {index} of {count} at offset {offset}")
        block_id = _field(key_block, offset, 2)
        if not set(block_id) <= _ALNUM:
            raise KeyBlockError(f"optional block {index} ID {block_id!r} at offset {offset} is not alphanumeric")
        length = _hex_value(_field(key_block, offset + 2, 2), offset + 2, f"optional block {block_id!r} length")
        prefix = 4
        if length == 0:
            if offset + 6 > len(key_block):
                raise KeyBlockError(f"key block truncated in optional block {block_id!r} at offset {offset}")
            digits = _hex_value(
                _field(key_block, offset + 4, 2), offset + 4, f"optional block {block_id!r} length of length"
            )
            if not 1 <= digits <= 4:
                raise KeyBlockError(
                    f"optional block {block_id!r} at offset {offset}: length of length {digits} is not 1 to 4"
                )
            if offset + 6 + digits > len(key_block):
                raise KeyBlockError(f"key block truncated in optional block {block_id!r} at offset {offset}")
            length = _hex_value(
                _field(key_block, offset + 6, digits), offset + 6, f"optional block {block_id!r} extended length"
            )
            prefix = 6 + digits
        if length < prefix:
            raise KeyBlockError(
                f"optional block {block_id!r} at offset {offset}: length {length} is shorter than its "
                f"{prefix}-character ID and length"
            )
        if offset + length > len(key_block):
            raise KeyBlockError(
                f"key block truncated: optional block {block_id!r} at offset {offset} needs {length} characters"
            )
        data = key_block[offset + prefix : offset + length]
        if block_id == _PADDING_BLOCK_ID:
            if index != count:
                raise KeyBlockError(f"padding block 'PB' at offset {offset} is not the last optional block")
        else:
            if block_id in seen:
                raise KeyBlockError(f"optional block ID {block_id!r} repeated at offset {offset}")
            seen.add(block_id)
            blocks.append((block_id, data))
        offset += length
    return tuple(blocks), offset


# --- key derivation and payload protection ---------------------------------------------
