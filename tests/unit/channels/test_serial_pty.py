"""Serial channels over a real pseudo-terminal pair.

The slave side is opened by pyserial through its device path (``os.ttyname``), exactly as a
real ``/dev/ttyUSB0`` would be; the master side is either a second channel (``open_fd_channel``)
or a ``RawPeer`` that a test drives byte by byte to break frames on purpose.
"""

from __future__ import annotations

import asyncio

import pytest

from iso8583.channels import (
    ChannelError,
    ChannelTimeout,
    DeliveryFailed,
    LinkControl,
    LinkPolicy,
    StxEtxLrcFramer,
    TwoByteLengthFramer,
    connect,
    open_fd_channel,
    open_serial_channel,
)
from iso8583.channels.framing import FrameReceived, FrameRejected

from .conftest import PtyPair, RawPeer

FAST = LinkPolicy(ack_timeout=0.2, max_retries=3, frame_timeout=0.5)
ACK = bytes([LinkControl.ACK])
NAK = bytes([LinkControl.NAK])


def corrupt_lrc(frame: bytes) -> bytes:
    return frame[:-1] + bytes([frame[-1] ^ 0x5A])


async def test_two_channels_exchange_messages_both_ways_over_a_pty(pty_pair: PtyPair) -> None:
    terminal = await open_serial_channel(pty_pair.slave_path, link_policy=FAST)
    host = await open_fd_channel(pty_pair.master, close_fd=False, link_policy=FAST)
    async with terminal, host:
        await terminal.send(b"0200 sale")
        assert await host.receive(timeout=2) == b"0200 sale"
        await host.send(b"0210 approved")
        assert await terminal.receive(timeout=2) == b"0210 approved"


async def test_serial_peer_name_is_the_device_url(pty_pair: PtyPair) -> None:
    async with await open_serial_channel(pty_pair.slave_path) as channel:
        assert channel.peer == f"serial://{pty_pair.slave_path}"


async def test_connect_by_serial_url_defaults_to_stx_framing(pty_pair: PtyPair, raw_master: RawPeer) -> None:
    async with await connect(f"serial://{pty_pair.slave_path}?baud=19200") as channel:
        assert isinstance(channel.framer, StxEtxLrcFramer)
        sending = asyncio.create_task(channel.send(b"0800"))
        assert await raw_master.read_event() == FrameReceived(b"0800")
        raw_master.write(ACK)
        await asyncio.wait_for(sending, 2)


async def test_length_framing_also_runs_over_serial(pty_pair: PtyPair) -> None:
    terminal = await open_serial_channel(pty_pair.slave_path, TwoByteLengthFramer())
    host = await open_fd_channel(pty_pair.master, TwoByteLengthFramer(), close_fd=False)
    async with terminal, host:
        await terminal.send(bytes(range(256)))
        assert await host.receive(timeout=2) == bytes(range(256))


async def test_receiver_acks_a_good_frame(pty_pair: PtyPair, raw_master: RawPeer) -> None:
    async with await open_serial_channel(pty_pair.slave_path, link_policy=FAST) as channel:
        raw_master.write(StxEtxLrcFramer().encode(b"0810"))
        assert await channel.receive(timeout=2) == b"0810"
        assert await raw_master.read_event() is LinkControl.ACK


async def test_receiver_naks_a_bad_lrc_and_accepts_the_good_retry(pty_pair: PtyPair, raw_master: RawPeer) -> None:
    frame = StxEtxLrcFramer().encode(b"0810")
    async with await open_serial_channel(pty_pair.slave_path, link_policy=FAST) as channel:
        raw_master.write(corrupt_lrc(frame))
        assert await raw_master.read_event() is LinkControl.NAK
        raw_master.write(frame)
        assert await raw_master.read_event() is LinkControl.ACK
        assert await channel.receive(timeout=2) == b"0810"
        with pytest.raises(ChannelTimeout):  # the bad frame was not delivered
            await channel.receive(timeout=0.1)


async def test_receiver_naks_a_frame_without_etx(pty_pair: PtyPair, raw_master: RawPeer) -> None:
    async with await open_serial_channel(pty_pair.slave_path, link_policy=FAST):
        raw_master.write(b"\x02\x00\x02AB\x04\x00")
        assert await raw_master.read_event() is LinkControl.NAK


async def test_sender_resends_on_nak_and_returns_on_ack(pty_pair: PtyPair, raw_master: RawPeer) -> None:
    async with await open_serial_channel(pty_pair.slave_path, link_policy=FAST) as channel:
        sending = asyncio.create_task(channel.send(b"0200"))
        assert await raw_master.read_event() == FrameReceived(b"0200")
        raw_master.write(NAK)
        assert await raw_master.read_event() == FrameReceived(b"0200")
        raw_master.write(ACK)
        await asyncio.wait_for(sending, 2)


async def test_sender_resends_when_no_ack_comes_within_the_ack_timeout(
    pty_pair: PtyPair, raw_master: RawPeer
) -> None:
    async with await open_serial_channel(pty_pair.slave_path, link_policy=FAST) as channel:
        sending = asyncio.create_task(channel.send(b"0200"))
        assert await raw_master.read_event() == FrameReceived(b"0200")
        assert await raw_master.read_event(timeout=1) == FrameReceived(b"0200")  # resent after 0.2 s
        raw_master.write(ACK)
        await asyncio.wait_for(sending, 2)


async def test_sender_gives_up_after_the_first_try_and_max_retries_naks(
    pty_pair: PtyPair, raw_master: RawPeer
) -> None:
    async with await open_serial_channel(pty_pair.slave_path, link_policy=FAST) as channel:
        sending = asyncio.create_task(channel.send(b"0200"))
        for _ in range(1 + FAST.max_retries):
            assert await raw_master.read_event() == FrameReceived(b"0200")
            raw_master.write(NAK)
        with pytest.raises(DeliveryFailed, match="did not acknowledge a frame after 4 tries"):
            await asyncio.wait_for(sending, 2)
        assert await raw_master.silent_for(0.3)  # no fifth try
        assert issubclass(DeliveryFailed, ChannelError)


async def test_half_a_frame_waits_for_the_rest(pty_pair: PtyPair, raw_master: RawPeer) -> None:
    frame = StxEtxLrcFramer().encode(b"0810 approved")
    async with await open_serial_channel(pty_pair.slave_path, link_policy=FAST) as channel:
        raw_master.write(frame[:7])
        with pytest.raises(ChannelTimeout):
            await channel.receive(timeout=0.2)
        raw_master.write(frame[7:])
        assert await channel.receive(timeout=2) == b"0810 approved"


async def test_silent_serial_peer_raises_channel_timeout(pty_pair: PtyPair) -> None:
    async with await open_serial_channel(pty_pair.slave_path) as channel:
        with pytest.raises(ChannelTimeout, match=r"receive from serial:///dev/\S+ timed out after 0.1 s"):
            await channel.receive(timeout=0.1)


async def test_partial_frame_is_dropped_after_the_frame_timeout(pty_pair: PtyPair, raw_master: RawPeer) -> None:
    framer = StxEtxLrcFramer()
    async with await open_serial_channel(pty_pair.slave_path, link_policy=FAST) as channel:
        raw_master.write(framer.encode(b"lost")[:5])
        await asyncio.sleep(FAST.frame_timeout + 0.2)
        raw_master.write(framer.encode(b"resent"))
        assert await channel.receive(timeout=2) == b"resent"
        assert await raw_master.read_event() is LinkControl.ACK


async def test_bad_bcd_length_gets_a_nak(pty_pair: PtyPair, raw_master: RawPeer) -> None:
    async with await open_serial_channel(pty_pair.slave_path, link_policy=FAST):
        raw_master.write(b"\x02\x1a\x00")
        event = await raw_master.read_event()
        assert event is LinkControl.NAK
        assert not isinstance(event, FrameRejected)


async def test_opening_a_missing_device_is_a_channel_error() -> None:
    with pytest.raises(ChannelError, match="cannot open serial port serial:///dev/does-not-exist"):
        await open_serial_channel("/dev/does-not-exist")
