"""The Python source of one field in a straight-line codec, generated from its :class:`FieldSpec`.

:mod:`iso8583.plans` writes, for one set of fields, a single function that encodes or decodes a
whole message without a call per field. This module writes that function's lines for one field:
how to read it at a given offset and check it, and how to check a value and write it. What a
field's lines look like is decided once per field, when the dialect is compiled, from the spec
alone (content class, length kind, encodings, pad): nothing here is written per dialect.

The common kinds, those the one-step paths of :mod:`iso8583.fastpaths` take (fixed or variable
ASCII n/an/ans text, packed BCD digits, raw or hex-text b fields), and BCD track data (z) are
written out inline, with their length prefixes when those are BCD, ASCII or binary; every other
field calls its compiled closures (:mod:`iso8583.fieldcodecs`) from the straight-line code.

The lines accept exactly what the general path accepts and give the same values and bytes, but
they never explain a fault: on anything unexpected they ``return None`` (or raise IndexError,
ValueError or TypeError, which the caller treats alike), and the caller runs the general path,
which names the field and the offset. A truncated message is left to one check at the end:
offsets are computed from the spec and the length prefixes, never from what a slice returned,
so when any slice came back short the end offset passes the data's length.
"""

from __future__ import annotations

from dataclasses import dataclass

from iso8583.fieldcodecs import FieldCodec
from iso8583.fieldspec import ContentClass, Encoding, FieldSpec, LengthCount, PadSide, prefix_width

__all__ = ["BCD_VALUE", "FieldSource", "Offset"]

_INVALID_BCD = 100_000
"""Above any length a 1- or 2-byte BCD prefix can carry (9999) even once multiplied by 100."""


def _bcd_value(byte: int) -> int:
    high, low = byte >> 4, byte & 0x0F
    return 10 * high + low if high <= 9 and low <= 9 else _INVALID_BCD


BCD_VALUE: tuple[int, ...] = tuple(_bcd_value(byte) for byte in range(256))
"""``BCD_VALUE[b]``: the two BCD digits of byte b as a number, or a number above any prefix's limit when
a nibble is not a digit, so one comparison with the limit rejects both faults (the general path names them)."""

_TEXT_TESTS = {ContentClass.N: "isdigit", ContentClass.AN: "isalnum"}
"""The ``str``/``bytes`` method true exactly when every ASCII character is of the class (ISO 8583:1987 4.2);
ans is checked as ASCII that is printable."""


@dataclass(frozen=True)
class Offset:
    """An offset into the message as source text: a local (``base``, the end of the last variable-length field
    read) plus ``shift`` bytes, or the number ``shift`` alone while every field before was of fixed length."""

    base: str | None
    shift: int

    def __str__(self) -> str:
        if self.base is None:
            return str(self.shift)
        return f"{self.base} + {self.shift}" if self.shift else self.base

    def __add__(self, size: int) -> Offset:
        return Offset(self.base, self.shift + size)


AFTER_VARIABLE = Offset("o", 0)
"""Where the field after a variable-length one starts: the local ``o`` its lines set."""


class FieldSource:
    """The straight-line source of one field: :meth:`decode` reads it, :meth:`encode` writes it.

    ``names`` are the objects the lines refer to besides the shared ones of :mod:`iso8583.plans`: the
    field's prefix table ``t<n>`` and its compiled closures ``d<n>`` and ``e<n>`` (the fallback for
    kinds not written out inline).
    """

    def __init__(self, codec: FieldCodec, table: tuple[bytes, ...]) -> None:
        spec = codec.spec
        self.spec = spec
        self.number = spec.number
        self.names: dict[str, object] = {f"d{spec.number}": codec.decode, f"e{spec.number}": codec.encode}
        self.kind = _kind(spec)
        self.width = prefix_width(spec.length_kind, spec.length_encoding)
        if self.kind != "call" and not spec.is_fixed:
            self.names[f"t{spec.number}"] = table

    # -- decoding -----------------------------------------------------------------------------

    def decode(self, at: Offset) -> tuple[list[str], Offset]:
        """Lines that set ``v<n>`` to the field's value read at ``at``, and where the next field starts."""
        spec, n = self.spec, self.number
        if self.kind == "call":
            return [f"v{n}, o = d{n}(data, {at})"], AFTER_VARIABLE
        if spec.is_fixed:
            size = spec.encoded_length(spec.max_length)
            return self._decode_data(f"data[{at}:{at + size}]", spec.max_length), at + size
        lines = self._read_count(at)
        start = at + self.width
        size = "((c + 1) >> 1)" if self.kind in ("bcd", "track") else "c"
        if self.kind == "hex" and spec.length_count is LengthCount.CONTENT:
            size = "2 * c"  # the prefix counts bytes of the value, two hex characters each
        lines += [f"s = {start}", f"o = s + {size}"]
        return lines + self._decode_data("data[s:o]", None), AFTER_VARIABLE

    def _read_count(self, at: Offset) -> list[str]:
        """Lines that set ``c`` to the count the length prefix at ``at`` announces, and check its limit."""
        spec = self.spec
        encoding, width = spec.length_encoding, self.width
        limit = spec.max_encoded_length() if spec.length_count is LengthCount.ENCODED else spec.max_length
        if encoding is Encoding.BCD:
            lines = [f"c = BCD_VALUE[data[{at}]]" if width == 1 else
                     f"c = BCD_VALUE[data[{at}]] * 100 + BCD_VALUE[data[{at + 1}]]"]
        elif encoding is Encoding.BINARY:
            lines = [f"c = data[{at}]" if width == 1 else f"c = int.from_bytes(data[{at}:{at + width}])"]
        else:  # ASCII (EBCDIC prefixes take the closure: see _kind)
            lines = [f"c = data[{at}:{at + width}]", "if not c.isdigit(): return None", "c = int(c)"]
        return [*lines, f"if c > {limit}: return None"]

    def _decode_data(self, raw: str, length: int | None) -> list[str]:
        """Lines that check the data bytes ``raw`` (a slice expression) and set ``v<n>``; ``length`` is the
        digit count of a fixed field (None: the count ``c`` of a variable one)."""
        spec, n, kind = self.spec, self.number, self.kind
        value = f"v{n}"
        if kind == "bytes":
            return [f"{value} = {raw}"]
        if kind == "hex":
            return [f"r = {raw}", "if r.translate(None, HEX_UPPER): return None", f"{value} = unhexlify(r)"]
        if kind == "text":
            if spec.content is ContentClass.ANS:  # (the ASCII codec refuses any other byte: ValueError)
                return [f"{value} = {raw}.decode('ascii')", f"if not {value}.isprintable(): return None"]
            return [f"r = {raw}", f"if not r.{_TEXT_TESTS[spec.content]}(): return None", f"{value} = r.decode()"]
        # Packed BCD digits (n) or track data (z): strip the pad nibble of an odd count, then check the nibbles.
        pad = spec.pad_char.lower()  # type: ignore[union-attr]
        left = spec.pad_side is PadSide.LEFT
        strip = [f"if h[:1] != {pad!r}: return None", "h = h[1:]"] if left else \
                [f"if h[-1:] != {pad!r}: return None", "h = h[:-1]"]
        lines = [f"h = {raw}.hex()"]
        if length is None:
            lines += ["if c & 1:", *("    " + line for line in strip)]
        elif length & 1:
            lines += strip
        if kind == "bcd":
            return [*lines, "if not h.isdigit(): return None", f"{value} = h"]
        return [*lines, 'r = h.replace("d", "")', "if r and not r.isdigit(): return None",
                f'{value} = h.replace("d", "=")']

    # -- encoding -----------------------------------------------------------------------------

    def encode(self) -> tuple[list[str], list[str]]:
        """Lines that check the value ``x<n>`` (read from ``values`` by the caller), and the expressions of the
        field's wire bytes (length prefix, data) for the message's ``b"".join``."""
        spec, n, kind = self.spec, self.number, self.kind
        x = f"x{n}"
        if kind == "call":
            return [], [f"e{n}({x})"]
        fixed = spec.is_fixed
        length = f"len({x}) != {spec.max_length}" if fixed else f"len({x}) > {spec.max_length}"
        count = f"2 * len({x})" if kind == "hex" and spec.length_count is LengthCount.ENCODED else f"len({x})"
        parts = [] if fixed else [f"t{n}[{count}]"]
        if kind in ("bytes", "hex"):
            check = f"if {x}.__class__ is not bytes or {length}: return None"
            return [check], [*parts, x if kind == "bytes" else f"hexlify({x}).upper()"]
        if kind == "text":
            test = "isprintable" if spec.content is ContentClass.ANS else _TEXT_TESTS[spec.content]
            check = f"if {x}.__class__ is not str or {length} or not {x}.isascii() or not {x}.{test}(): return None"
            return [check], [*parts, f"{x}.encode()"]
        pad = spec.pad_char.upper()  # type: ignore[union-attr]
        left = spec.pad_side is PadSide.LEFT
        # (str.isdigit is true of other scripts' digits too, but fromhex takes ASCII only: ValueError.)
        if kind == "bcd":
            lines = [f"if {x}.__class__ is not str or {length} or not {x}.isdigit(): return None"]
            digits = x
        else:  # track data: digits and the separator "=", which travels as nibble D
            lines = [f"if {x}.__class__ is not str or {length}: return None",
                     f'if not {x}.replace("=", "").isdigit(): return None', f'h = {x}.replace("=", "D")']
            digits = "h"
        padded = f"{pad!r} + {digits}" if left else f"{digits} + {pad!r}"
        if fixed:
            data = f"fromhex({padded if spec.max_length & 1 else digits})"
        else:
            data = f"fromhex({padded} if len({digits}) & 1 else {digits})"
        if kind == "track":  # h is reused by the next track field: bind this one's bytes now
            lines.append(f"y{n} = {data}")
            data = f"y{n}"
        return lines, [*parts, data]


def _kind(spec: FieldSpec) -> str:
    """How the field is written in straight-line code: ``bytes`` (raw b), ``hex`` (b as upper-case hex ASCII),
    ``text`` (ASCII n, an or ans), ``bcd`` (packed n), ``track`` (packed z) or ``call`` (its closures).

    The inline kinds are those of :mod:`iso8583.fastpaths` plus BCD track data and hex b fields whose prefix
    counts hex characters, with a BCD, ASCII or binary length prefix. Packed digits under a prefix counting
    bytes keep the general rules (a pad nibble there can be a digit), as do EBCDIC data and prefixes."""
    content, encoding = spec.content, spec.data_encoding
    if not spec.is_fixed and spec.length_encoding is Encoding.EBCDIC:
        return "call"
    if content is ContentClass.B:
        return {Encoding.BINARY: "bytes", Encoding.ASCII: "hex"}.get(encoding, "call")
    if encoding is Encoding.ASCII and content in (ContentClass.N, ContentClass.AN, ContentClass.ANS):
        return "text"
    if encoding is Encoding.BCD and spec.length_count is LengthCount.CONTENT:
        return "bcd" if content is ContentClass.N else "track"  # BCD is for n and z only
    return "call"
