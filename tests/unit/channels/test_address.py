"""Channel URLs and the framer each one implies."""

from __future__ import annotations

import pytest

from iso8583.channels import (
    AddressError,
    AsciiLengthFramer,
    ChannelAddress,
    Framing,
    StxEtxLrcFramer,
    Tpdu,
    TpduFramer,
    Transport,
    TwoByteLengthFramer,
    parse_channel_url,
)


def test_tcp_url_gives_host_and_port() -> None:
    address = parse_channel_url("tcp://127.0.0.1:5000")
    assert (address.transport, address.host, address.port) == (Transport.TCP, "127.0.0.1", 5000)


def test_tcp_defaults_to_two_byte_length_framing() -> None:
    address = parse_channel_url("tcp://127.0.0.1:5000")
    assert address.framing is None
    assert address.effective_framing is Framing.LEN2
    assert isinstance(address.framer(), TwoByteLengthFramer)


def test_serial_url_gives_device_and_baud_rate() -> None:
    address = parse_channel_url("serial:///dev/ttyUSB0?baud=9600&framing=stx")
    assert address == ChannelAddress(Transport.SERIAL, device="/dev/ttyUSB0", baudrate=9600, framing=Framing.STX)


def test_serial_defaults_to_stx_framing() -> None:
    assert isinstance(parse_channel_url("serial:///dev/ttyS0").framer(), StxEtxLrcFramer)


def test_serial_url_accepts_a_windows_port_name() -> None:
    assert parse_channel_url("serial://COM3?baud=19200").device == "COM3"


def test_serial_line_settings_come_from_the_query() -> None:
    address = parse_channel_url("serial:///dev/ttyS0?bytesize=7&parity=e&stopbits=2")
    assert (address.bytesize, address.parity, address.stopbits) == (7, "E", 2)


def test_a_bare_device_path_is_a_serial_device() -> None:
    assert parse_channel_url("/dev/ttyS1") == ChannelAddress(Transport.SERIAL, device="/dev/ttyS1")


def test_loop_url_is_passed_to_pyserial_as_is() -> None:
    address = parse_channel_url("loop://")
    assert (address.transport, address.device) == (Transport.SERIAL, "loop://")


def test_our_parameters_are_removed_from_pyserial_urls_and_theirs_kept() -> None:
    address = parse_channel_url("socket://127.0.0.1:7000?framing=len2&logging=debug&baud=1200")
    assert address.device == "socket://127.0.0.1:7000?logging=debug"
    assert (address.framing, address.baudrate) == (Framing.LEN2, 1200)


@pytest.mark.parametrize(
    ("name", "framer_type"),
    [("len2", TwoByteLengthFramer), ("tpdu", TpduFramer), ("ascii4", AsciiLengthFramer), ("stx", StxEtxLrcFramer)],
)
def test_framing_parameter_overrides_the_default(name: str, framer_type: type) -> None:
    assert isinstance(parse_channel_url(f"tcp://127.0.0.1:1?framing={name}").framer(), framer_type)


def test_tpdu_parameter_configures_the_tpdu_framer() -> None:
    framer = parse_channel_url("tcp://127.0.0.1:1?framing=tpdu&tpdu=6000010000").framer()
    assert isinstance(framer, TpduFramer)
    assert framer.tpdu == Tpdu(destination=1, source=0)


def test_tpdu_framing_without_a_tpdu_is_answer_mode() -> None:
    framer = parse_channel_url("tcp://127.0.0.1:1?framing=tpdu").framer()
    assert isinstance(framer, TpduFramer)
    assert framer.tpdu is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty channel URL"),
        ("tcp://127.0.0.1", "needs a host and a port"),
        ("tcp://127.0.0.1:99999", "invalid port"),
        ("tcp://127.0.0.1:5000?framing=xml", "unknown framing 'xml'"),
        ("tcp://127.0.0.1:5000?baud=9600", "unknown parameter"),
        ("serial://", "names no device"),
        ("serial:///dev/ttyS0?baud=fast", "baud='fast'.*is not a number"),
        ("serial:///dev/ttyS0?parity=X", "parity 'X'"),
        ("tcp://127.0.0.1:5000?framing=tpdu&tpdu=60", "not 10 hex digits"),
    ],
)
def test_malformed_url_is_an_address_error_that_says_why(url: str, message: str) -> None:
    with pytest.raises(AddressError, match=message):
        parse_channel_url(url)
