"""``possim decode``: the calculator contract of design.md section 4.

The command is run through :func:`simulator.cli.main` with the command list
patched to hold ``decode_cmd`` (the lead wires it into COMMAND_MODULES).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import simulator.cli
from iso8583.codec import encode
from iso8583.dialects import get_dialect
from iso8583.message import Message
from simulator.commands import decode_cmd

PAN = "4761739001010119"
REFUND = Message("0200", {2: PAN, 3: "200000", 4: "000000001234", 11: "000123", 35: PAN + "=2512201",
                          41: "TERM0001", 52: bytes.fromhex("0123456789ABCDEF")})
REFUND_HEX = encode(REFUND, get_dialect("terminal87")).hex().upper()


@pytest.fixture(autouse=True)
def decode_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulator.cli, "COMMAND_MODULES", (decode_cmd,))


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert simulator.cli.main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "--json prints exactly one line"
    return json.loads(out)


def run_bad(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert simulator.cli.main(list(argv)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    return captured.err


def test_json_answer_has_dialect_mti_fields_and_details(capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(capsys, "decode", "--dialect", "terminal87", REFUND_HEX)
    assert (answer["dialect"], answer["mti"]) == ("terminal87", "0200")
    assert answer["fields"]["3"] == "200000" and answer["fields"]["4"] == "000000001234"
    assert isinstance(answer["details"], list)


def test_json_answer_masks_pan_track2_and_pin_block(capsys: pytest.CaptureFixture[str]) -> None:
    fields = run_json(capsys, "decode", "--dialect", "terminal87", REFUND_HEX)["fields"]
    assert (fields["2"], fields["35"], fields["52"]) == ("476173******0119", "476173******0119=*******", "*" * 16)


def test_reveal_shows_cardholder_data(capsys: pytest.CaptureFixture[str]) -> None:
    fields = run_json(capsys, "decode", "--dialect", "terminal87", "--reveal", REFUND_HEX)["fields"]
    assert (fields["2"], fields["52"]) == (PAN, "0123456789ABCDEF")


def test_dash_reads_the_hex_from_stdin_ignoring_whitespace(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    spaced = " ".join(REFUND_HEX[i:i + 2] for i in range(0, len(REFUND_HEX), 2)) + "\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(spaced))
    assert run_json(capsys, "decode", "--dialect", "terminal87", "-")["fields"]["11"] == "000123"


def test_text_answer_is_a_masked_field_by_field_dump(capsys: pytest.CaptureFixture[str]) -> None:
    assert simulator.cli.main(["decode", "--dialect", "terminal87", REFUND_HEX]) == 0
    out = capsys.readouterr().out
    assert "Primary account number" in out and "476173******0119" in out and PAN not in out


def test_dialect_may_be_a_toml_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text('name = "acme"\nbase = "terminal87"\n', encoding="utf-8")
    assert run_json(capsys, "decode", "--dialect", str(path), REFUND_HEX)["dialect"] == "acme"


def test_bad_hex_exits_2_naming_the_character(capsys: pytest.CaptureFixture[str]) -> None:
    err = run_bad(capsys, "decode", "--dialect", "terminal87", "02G0")
    assert err == "possim decode: HEX: character 3 is not a hex digit\n"


def test_odd_hex_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert "odd number of hex digits" in run_bad(capsys, "decode", "--dialect", "terminal87", "020")


def test_undecodable_message_exits_2_with_field_and_offset(capsys: pytest.CaptureFixture[str]) -> None:
    err = run_bad(capsys, "decode", "--dialect", "terminal87", REFUND_HEX[:-4])
    assert err.startswith("possim decode: field 52: offset ") and PAN not in err


def test_unknown_dialect_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert "unknown dialect 'nope'" in run_bad(capsys, "decode", "--dialect", "nope", REFUND_HEX)


def test_empty_input_exits_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert "no message" in run_bad(capsys, "decode", "--dialect", "terminal87", "-")
