"""The dump shows the 11-byte ``cup-pos`` header readably: the TPDU and the CUP message header's digits.

The frame is the hand-written golden sign-on of tests/unit/iso8583/test_cup_pos_golden.py; its
header is ``60 0001 0000`` (TPDU to NII 1) and ``60 31 0 0 000000`` (POS application, software
version 31, terminal status 0, processing request 0, reserved).
"""

from __future__ import annotations

import json

import pytest

from iso8583.codec import decode
from iso8583.dialects import get_dialect
from iso8583.dump import render_text, to_json
from iso8583.message import Message
from simulator.cli import main
from tests.unit.iso8583.test_cup_pos_golden import SIGN_ON_BYTES

DIALECT = get_dialect("cup-pos")


def test_the_text_dump_spells_out_tpdu_and_message_header() -> None:
    lines = render_text(decode(SIGN_ON_BYTES, DIALECT), DIALECT).splitlines()
    assert lines[1] == ("  header  6000010000603100000000  TPDU id 60 destination 0001 source 0000 | "
                        "application 60 version 31 status 0 request 0 reserved 000000")


def test_the_json_dump_has_the_tpdu_and_the_message_header_parts() -> None:
    header = to_json(decode(SIGN_ON_BYTES, DIALECT), DIALECT)["details"][0]
    assert header == {
        "part": "header", "name": "TPDU and CUP message header", "raw": "6000010000603100000000",
        "tpdu": {"id": "60", "destination": "0001", "source": "0000"},
        "message_header": {"application_type": "60", "software_version": "31", "terminal_status": "0",
                           "processing_request": "0", "reserved": "000000"},
    }


def test_an_eleven_byte_header_that_is_not_a_cup_header_is_shown_raw() -> None:
    message = Message("0800", {11: "000001"}, bytes.fromhex("7000010000603100000000"))
    line = render_text(message, DIALECT).splitlines()[1]
    assert line.rstrip() == "  header  7000010000603100000000"


def test_possim_decode_shows_the_header_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--dialect", "cup-pos", SIGN_ON_BYTES.hex(), "--json"]) == 0
    details = json.loads(capsys.readouterr().out)["details"]
    assert details[0]["message_header"]["software_version"] == "31"
