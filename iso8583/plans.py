"""Straight-line codecs of one set of fields ("plans"), generated from the dialect and kept by it.

The general codec (:class:`~iso8583.compiler.CompiledDialect`) walks a message field by field, one
closure call each. But a link carries few field sets: every chip sale request of a terminal has the
same bitmap, and so has every answer to it. For one field set this module writes a single function
that reads (or writes) the header, the MTI and each field in turn, offsets folded into constants up
to the first variable-length field, the common field kinds inlined (:mod:`iso8583.fieldsource`
writes each field's lines from its spec), and builds the message (or joins the bytes) once.

A plan never explains a fault: it returns None (or raises IndexError, ValueError or TypeError) for
anything it does not take, and the caller then runs the general path, which accepts the same
messages with the same values and bytes, and names the field and offset of a fault. So a plan
changes the speed only, never what the codec answers.

Plans are learnt: once the general path has decoded (encoded) :data:`LEARN_AFTER` messages of one
field set, the plan of that set is written, compiled (``compile``/``exec``, about a millisecond) and
kept in a :class:`Plans` of the compiled dialect, keyed by the wire bitmap(s) (decoding) or by the
message's field keys in order (encoding); a one-off message (a sign-on, one ``possim decode``) never
pays for a plan. A :class:`Plans` holds at most :data:`MAX_PLANS`: after that, new field sets keep
the general path, so no traffic can make the codec compile without bound. :meth:`PlanWriter.decoder_source` and
:meth:`PlanWriter.encoder_source` show what a plan is (``dialect.compiled.plan_writer``).

Nothing of a dialect reaches a plan's source as text but numbers (field numbers, lengths, offsets),
fragments chosen by its enums, and ``repr`` of strings (the name, a pad digit): a user's TOML dialect
cannot put code into a plan.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Collection, Mapping
from typing import Generic, TypeVar

from iso8583.bitmap import BIT, BitmapCodec
from iso8583.charsets import ASCII_TO_EBCDIC, EBCDIC_TO_ASCII, HEX_UPPER
from iso8583.fieldsource import BCD_VALUE, FieldSource, Offset
from iso8583.fieldspec import Encoding, SecondaryBitmap
from iso8583.message import FieldValue, Message

__all__ = ["LEARN_AFTER", "MAX_PLANS", "PLAN_FAULTS", "Decoder", "Encoder", "PlanWriter", "Plans"]

MAX_PLANS = 64
"""Field sets one dialect keeps a plan for, in each direction (a terminal network uses a few dozen at most)."""
LEARN_AFTER = 8
"""Messages of one field set the general path codes before the set gets its plan. A plan saves some 10 us a
message and costs about 1 ms to compile: a set seen this often is likely to be seen a hundred times more."""
MAX_COUNTED = 1024
"""Field sets counted towards :data:`LEARN_AFTER` at most; past that the counts start again."""

PLAN_FAULTS = (IndexError, ValueError, TypeError)
"""What a plan may raise instead of returning None on data or values it does not take (a short message, a
length prefix that is no number...): the caller then runs the general path, which names the fault."""

Decoder = Callable[[bytes], Message | None]
"""``decode(data)``: the message in ``data`` (bytes), or None to leave it to the general path."""
Encoder = Callable[[Mapping[int, FieldValue], str, bytes], bytes | None]
"""``encode(fields, mti, header)``: the message's bytes, or None to leave it to the general path."""

_SHARED: dict[str, object] = {
    "Message": Message, "fromhex": bytes.fromhex, "hexlify": binascii.hexlify, "unhexlify": binascii.unhexlify,
    "HEX_UPPER": HEX_UPPER, "BCD_VALUE": BCD_VALUE, "EBCDIC_TO_ASCII": EBCDIC_TO_ASCII,
    "ASCII_TO_EBCDIC": ASCII_TO_EBCDIC,
}
"""Names every plan may use (immutable objects: functions, tables)."""

_MTI_SIZE = {Encoding.BCD: 2, Encoding.ASCII: 4, Encoding.EBCDIC: 4}


class PlanWriter:
    """Writes and compiles the plans of one dialect from its fields' sources."""

    def __init__(self, name: str, fields: Mapping[int, FieldSource], mti_encoding: Encoding, header_length: int,
                 bitmap: BitmapCodec) -> None:
        self.name = name
        self.fields = fields
        self.mti_encoding = mti_encoding
        self.header_length = header_length
        self.bitmap = bitmap
        self.namespace = dict(_SHARED)
        for source in fields.values():
            self.namespace.update(source.names)

    def _bitmap_size(self, numbers: Collection[int]) -> int:
        both = self.bitmap.secondary is SecondaryBitmap.ALWAYS or any(number > 64 for number in numbers)
        return self.bitmap.size * (2 if both else 1)

    def decoder_source(self, numbers: Collection[int]) -> str:
        """The source of the decoder of messages with exactly the fields ``numbers`` (their bitmap checked by
        the caller, which looks the plan up by it)."""
        ordered = sorted(numbers)
        start = self.header_length
        mti_end = start + _MTI_SIZE[self.mti_encoding]
        if self.mti_encoding is Encoding.BCD:
            body = [f"mti = data[{start}:{mti_end}].hex()", "if not mti.isdigit(): return None"]
        else:
            raw = f"data[{start}:{mti_end}]"
            if self.mti_encoding is Encoding.EBCDIC:
                raw += ".translate(EBCDIC_TO_ASCII)"
            body = [f"mti = {raw}", "if not mti.isdigit(): return None", "mti = mti.decode()"]
        at = Offset(None, mti_end + self._bitmap_size(ordered))
        for number in ordered:
            field = self.fields[number]
            body.append(f"# field {number}: {field.spec.content.value} {field.spec.length_kind.name} "
                        f"{field.spec.max_length}, {field.spec.data_encoding.value} ({field.kind})")
            lines, at = field.decode(at)
            body += lines
        values = ", ".join(f"{number}: v{number}" for number in ordered)
        header = f"data[:{self.header_length}]" if self.header_length else 'b""'
        body += [f"if {at} != len(data): return None", f"return Message(mti, {{{values}}}, {header})"]
        doc = f"The message of fields {ordered} of dialect {self.name}, or None: see iso8583.plans."
        return _function("decode(data)", doc, body)

    def encoder_source(self, numbers: Collection[int]) -> str:
        """The source of the encoder of messages whose field keys are exactly ``numbers``."""
        ordered = sorted(numbers)
        size = self.header_length
        header = f"len(header) != {size}" if size else "header"
        body = [f"if header.__class__ is not bytes or {header}: return None",
                "if mti.__class__ is not str or len(mti) != 4 or not mti.isascii() or not mti.isdigit(): return None"]
        mti = {Encoding.BCD: "fromhex(mti)", Encoding.ASCII: "mti.encode()",
               Encoding.EBCDIC: "mti.encode().translate(ASCII_TO_EBCDIC)"}[self.mti_encoding]
        bitmap = self.bitmap.encode(sum(BIT[number] for number in ordered))
        parts = ["header", mti, repr(bitmap)]
        for number in ordered:
            checks, field_parts = self.fields[number].encode()
            body += [f"x{number} = fields[{number}]", *checks]
            parts += field_parts
        body.append(f"return b\"\".join(({', '.join(parts)}))")
        doc = f"The bytes of a message of fields {ordered} of dialect {self.name}, or None: see iso8583.plans."
        return _function("encode(fields, mti, header)", doc, body)

    def decoder(self, numbers: Collection[int]) -> Decoder:
        """The compiled :meth:`decoder_source`."""
        return self._compile(self.decoder_source(numbers), "decode")  # type: ignore[return-value]

    def encoder(self, numbers: Collection[int]) -> Encoder:
        """The compiled :meth:`encoder_source`."""
        return self._compile(self.encoder_source(numbers), "encode")  # type: ignore[return-value]

    def _compile(self, source: str, name: str) -> Callable[..., object]:
        scope: dict[str, object] = {}
        exec(compile(source, f"<iso8583 plan: {self.name} {name}>", "exec"), self.namespace, scope)
        return scope[name]  # type: ignore[return-value]


def _function(signature: str, doc: str, body: list[str]) -> str:
    return "\n".join([f"def {signature}:", f"    {doc!r}", *("    " + line for line in body)]) + "\n"


PlanT = TypeVar("PlanT")


class Plans(dict[bytes, PlanT], Generic[PlanT]):
    """The plans of one dialect in one direction, by key (a ``dict``: looking one up is a C call), at most
    :data:`MAX_PLANS`; :meth:`learn` counts the messages the general path codes and adds the plans."""

    def __init__(self, build: Callable[[Collection[int]], PlanT]) -> None:
        super().__init__()
        self._build = build
        self._counts: dict[bytes, int] = {}

    def learn(self, key: bytes, numbers: Collection[int]) -> None:
        """Count a message of fields ``numbers`` (under ``key``) that the general path coded; at the
        :data:`LEARN_AFTER`-th of a set, compile its plan, unless :data:`MAX_PLANS` are kept already."""
        if len(self) >= MAX_PLANS or key in self:
            return
        counts = self._counts
        count = counts.get(key, 0) + 1
        if count < LEARN_AFTER:
            if len(counts) >= MAX_COUNTED:
                counts.clear()  # many sets seen only a few times each: let them start again
            counts[key] = count
            return
        counts.pop(key, None)
        self[key] = self._build(numbers)
