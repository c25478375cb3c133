"""Serial channels over pyserial's ``loop://`` URL handler.

``loop://`` is a single port whose output comes back as its input, so a channel on it talks
to itself. With STX/ETX/LRC that still exercises the whole link protocol: ``send`` writes a
frame; the channel's own reader receives it, ACKs it and queues the payload; the ACK comes
back too and completes ``send``. So one channel both acknowledges and is acknowledged, and a
``receive`` afterwards returns what was sent. Broken frames and NAKs cannot be provoked here
(nothing sits between the two directions); those are tested over a pty (test_serial_pty.py).
"""

from __future__ import annotations

from iso8583.channels import AsciiLengthFramer, StxEtxLrcFramer, TwoByteLengthFramer, connect, open_serial_channel


async def test_stx_channel_on_loop_acknowledges_itself_and_receives_what_it_sent() -> None:
    async with await open_serial_channel("loop://") as channel:
        assert isinstance(channel.framer, StxEtxLrcFramer)
        await channel.send(b"0800 echo")  # returns only once the looped-back ACK arrived
        assert await channel.receive(timeout=2) == b"0800 echo"


async def test_several_frames_loop_back_in_order() -> None:
    async with await open_serial_channel("loop://") as channel:
        for message in (b"one", b"two", b"three"):
            await channel.send(message)
        assert [await channel.receive(timeout=2) for _ in range(3)] == [b"one", b"two", b"three"]


async def test_length_framing_over_loop_returns_the_sent_message() -> None:
    async with await open_serial_channel("loop://", TwoByteLengthFramer()) as channel:
        await channel.send(bytes(range(256)))
        assert await channel.receive(timeout=2) == bytes(range(256))


async def test_connect_passes_a_pyserial_url_without_our_parameters() -> None:
    async with await connect("loop://?framing=ascii4&baud=115200") as channel:
        assert isinstance(channel.framer, AsciiLengthFramer)
        assert channel.peer == "loop://"
        await channel.send(b"ping")
        assert await channel.receive(timeout=2) == b"ping"
