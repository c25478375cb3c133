"""Property: any list of payloads survives encode -> arbitrary re-chunking -> feed, for every framer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iso8583.channels import AsciiLengthFramer, Framer, StxEtxLrcFramer, Tpdu, TpduFramer, TwoByteLengthFramer

FRAMERS: list[Framer] = [
    TwoByteLengthFramer(),
    TpduFramer(Tpdu(destination=1, source=2)),
    AsciiLengthFramer(),
    StxEtxLrcFramer(),
]

payloads = st.lists(st.binary(max_size=300), max_size=8)


@st.composite
def chunked(draw: st.DrawFn) -> tuple[list[bytes], list[bytes], Framer]:
    """Payloads, a framer, and the encoded stream cut at arbitrary points."""
    items = draw(payloads)
    framer = draw(st.sampled_from(FRAMERS)).fresh()
    wire = b"".join(framer.encode(p) for p in items)
    cuts = sorted(draw(st.lists(st.integers(0, len(wire)), max_size=20)))
    bounds = [0, *cuts, len(wire)]
    return items, [wire[a:b] for a, b in zip(bounds, bounds[1:], strict=False)], framer.fresh()


@given(chunked())
def test_payloads_survive_encoding_and_arbitrary_rechunking(case: tuple[list[bytes], list[bytes], Framer]) -> None:
    items, chunks, decoder = case
    decoded = [payload for chunk in chunks for payload in decoder.feed(chunk)]
    assert decoded == items
    assert decoder.pending == 0
