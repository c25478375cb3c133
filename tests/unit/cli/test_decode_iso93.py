"""``possim decode --dialect iso93binary | iso93ebcdic | iso2003``: 1993 and 2003 frames field by field."""

from __future__ import annotations

import json

import pytest

import simulator.cli
from iso8583.codec import encode
from iso8583.dialects import get_dialect
from iso8583.message import Message
from simulator.commands import decode_cmd

PAN = "4761739001010119"
REFUND = Message("1200", {2: PAN, 3: "200000", 4: "000000001234", 11: "000123", 12: "261207114800", 24: "200",
                          41: "TERM0001", 52: bytes.fromhex("0123456789ABCDEF"),
                          56: "1200000122261207114700" "1100000000001"})


@pytest.fixture(autouse=True)
def decode_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulator.cli, "COMMAND_MODULES", (decode_cmd,))


@pytest.mark.parametrize("dialect", ["iso93binary", "iso93ebcdic"])
def test_a_1993_refund_decodes_with_its_function_code_and_original_data(capsys: pytest.CaptureFixture[str],
                                                                       dialect: str) -> None:
    frame = encode(REFUND, get_dialect(dialect)).hex().upper()
    assert simulator.cli.main(["decode", "--dialect", dialect, frame, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["dialect"], answer["mti"]) == (dialect, "1200")
    assert (answer["fields"]["24"], answer["fields"]["56"]) == ("200", REFUND[56])
    assert answer["fields"]["2"] == "476173******0119"  # cardholder data masked as in every dialect


def test_a_2003_frame_with_a_four_digit_length_decodes(capsys: pytest.CaptureFixture[str]) -> None:
    message = Message("2200", {3: "000000", 11: "000001", 48: "A" * 1200})
    frame = encode(message, get_dialect("iso2003")).hex().upper()
    assert simulator.cli.main(["decode", "--dialect", "iso2003", frame, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["mti"], len(answer["fields"]["48"])) == ("2200", 1200)


def test_a_1993_frame_read_as_1987_fails_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    frame = encode(REFUND, get_dialect("iso93binary")).hex().upper()
    assert simulator.cli.main(["decode", "--dialect", "terminal87", frame]) != 0
    assert "field" in capsys.readouterr().err
