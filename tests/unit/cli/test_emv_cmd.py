"""``possim emv ...`` (simulator/commands/emv_cmd.py), through a parser built from register().

Known answers (sources in tests/unit/emv/vectors.py):
* CVN 18 ARQC 9DA57063E9BF4757 and ARPC method 2 C5861E6D: futehkao/elements Visa CVN 18 test.
* CVN 10 ARQC 6513D2FC43696694: Atalla command sample (IMK 0123...3210, PAN 9990123456789012, PSN 45).
* ARPC method 1 F5E6F44147E2F1B0, method 2 9308BEBC: pyemv.ac documentation examples.
* ICC MK 73AD54688CEF2934B0979857E3C719F1: pyemv.kd documentation example.
"""

from __future__ import annotations

import argparse
import json
import sys

import pytest

from simulator.commands import emv_cmd

IMK = "0123456789ABCDEFFEDCBA9876543210"
CVN18_DATA = "000000012300" "000000000000" "0840" "8000010000" "0840" "200106" "00" "9BADBCAB" "0000" "0102" "06011203A00000"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = _Parser(prog="possim")
    emv_cmd.register(parser.add_subparsers(dest="command", required=True, parser_class=_Parser))
    args = parser.parse_args(list(argv))
    try:
        code = int(args.handler(args))
    except ValueError as error:  # what simulator.cli.main does
        sys.stderr.write(f"possim {args.command}: {error}\n")
        code = 2
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code, out, _ = _run(capsys, *argv, "--json")
    assert code == 0 and out.count("\n") == 1
    return json.loads(out)


def test_arqc_cvn18_gives_the_published_cryptogram(capsys: pytest.CaptureFixture[str]) -> None:
    answer = _json(
        capsys, "emv", "arqc", "--imk", IMK, "--pan", "5555550000000002", "--psn", "01",
        "--atc", "0102", "--data", CVN18_DATA, "--cvn", "18",
    )  # fmt: skip
    assert answer["cryptogram"] == "9DA57063E9BF4757"
    assert len(answer["session_key"]) == 32 and len(answer["icc_master_key"]) == 32


def test_arqc_cvn10_gives_the_atalla_sample_and_no_session_key(capsys: pytest.CaptureFixture[str]) -> None:
    answer = _json(
        capsys, "emv", "arqc", "--imk", IMK, "--pan", "9990123456789012", "--psn", "45",
        "--atc", "0001", "--data", "0123456789ABCDEF0123456789ABCDEF", "--cvn", "10",
    )  # fmt: skip
    assert answer["cryptogram"] == "6513D2FC43696694" and "session_key" not in answer


def test_arqc_reports_the_icc_master_key(capsys: pytest.CaptureFixture[str]) -> None:
    answer = _json(
        capsys, "emv", "arqc", "--imk", IMK, "--pan", "12345678901234567", "--psn", "01",
        "--atc", "0001", "--data", "00", "--cvn", "10",
    )  # fmt: skip
    assert answer["icc_master_key"] == "73AD54688CEF2934B0979857E3C719F1"


def test_arpc_method_1(capsys: pytest.CaptureFixture[str]) -> None:
    answer = _json(
        capsys, "emv", "arpc", "--method", "1", "--key", "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB",
        "--arqc", "1234567890ABCDEF", "--arc", "0000",
    )  # fmt: skip
    assert answer["arpc"] == "F5E6F44147E2F1B0"


def test_arpc_method_2(capsys: pytest.CaptureFixture[str]) -> None:
    answer = _json(
        capsys, "emv", "arpc", "--method", "2", "--key", "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB",
        "--arqc", "1234567890ABCDEF", "--csu", "00000000",
    )  # fmt: skip
    assert answer["arpc"] == "9308BEBC"


def test_arpc_method_2_without_csu_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(
        capsys, "emv", "arpc", "--method", "2", "--key", IMK, "--arqc", "1234567890ABCDEF", "--arc", "0000"
    )
    assert code == 2 and "--csu" in err and err.count("\n") == 1


def test_arpc_with_a_short_key_is_bad_input_without_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "emv", "arpc", "--method", "1", "--key", "0123456789ABCDEF", "--arqc", "00" * 8, "--arc", "0000")
    assert code == 2 and "0123456789ABCDEF" not in err


def test_tlv_json_names_tags_and_masks_the_pan(capsys: pytest.CaptureFixture[str]) -> None:
    answer = _json(capsys, "emv", "tlv", "5A0847617390010100109F270180")
    pan, cid = answer["tlv"]
    assert pan["value"] == "476173******0010" and cid["interpreted"] == "ARQC"


def test_tlv_reveal_shows_the_pan(capsys: pytest.CaptureFixture[str]) -> None:
    answer = _json(capsys, "emv", "tlv", "5A084761739001010010", "--reveal")
    assert answer["tlv"][0]["value"] == "4761739001010010"


def test_tlv_text_output_has_one_line_per_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "emv", "tlv", "77099F2701009F36020001")
    assert code == 0 and len(out.splitlines()) == 3 and "Cryptogram Information Data" in out


def test_tlv_malformed_is_bad_input_naming_the_offset(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "emv", "tlv", "9C01209F0206000000")
    assert code == 2 and "tag 9F02 at offset 3" in err


def test_cvn_outside_the_choices_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        _run(capsys, "emv", "arqc", "--imk", IMK, "--pan", "1", "--psn", "01", "--atc", "0001", "--data", "00", "--cvn", "22")
    assert caught.value.code == 2
