"""``possim keys ...``: the calculator contract of design.md section 4.

Known answers (each also tested at the library level, where its source is cited in full):
* KCV 08D7B4 of 0123456789ABCDEFFEDCBA9876543210: the industry's classic TDES test key.
* DUKPT TDES IPEK 6AC292FAA1315B4D858AB3A3D7D5933A: ANSI X9.24-1:2009 Annex A.4 (BDK
  0123456789ABCDEFFEDCBA9876543210, KSN FFFF9876543210E00000).
* DUKPT AES initial key 1273671EA26AC29AFA4D1084127652A1: ANSI X9.24-3-2017 sample data
  (AES-128 BDK FEDCBA9876543210F1F1F1F1F1F1F1F1, initial key ID 1234567890123456).
* AES-CMAC 070A16B46B4D4144F79BDD9DD04A287C: RFC 4493 section 4, example 2.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from keys.primitives import tdes_decrypt_ecb
from simulator.cli import main

TDES_TEST_KEY = "0123456789ABCDEFFEDCBA9876543210"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "--json prints exactly one line"
    return json.loads(out)


def run_bad(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as caught:
        code = main(list(argv))
        raise SystemExit(code)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, f"one line on stderr, got {err!r}"
    assert "Traceback" not in err
    return err


def test_kcv_of_the_classic_tdes_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(capsys, "keys", "kcv", "--key", TDES_TEST_KEY)["kcv"] == "08D7B4"


def test_kcv_cmac_method_gives_ten_hex_digits(capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(capsys, "keys", "kcv", "--key", "00" * 16, "--algorithm", "aes", "--method", "cmac")
    assert len(answer["kcv"]) == 10


def test_kcv_without_json_prints_a_readable_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "kcv", "--key", TDES_TEST_KEY]) == 0
    assert "08D7B4" in capsys.readouterr().out


def test_dukpt_tdes_gives_the_x9_24_1_ipek(capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(capsys, "keys", "dukpt", "--bdk", TDES_TEST_KEY, "--ksn", "FFFF9876543210E00001")
    assert answer["ipek"] == "6AC292FAA1315B4D858AB3A3D7D5933A"
    assert {"pin_key", "mac_key", "data_key"} <= answer.keys()


def test_dukpt_aes_gives_the_x9_24_3_initial_key(capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(
        capsys, "keys", "dukpt", "--bdk", "FEDCBA9876543210F1F1F1F1F1F1F1F1", "--ksn", "123456789012345600000001"
    )
    assert answer["initial_key"] == "1273671EA26AC29AFA4D1084127652A1"
    assert {"pin_key", "mac_key", "data_key"} <= answer.keys()


def test_pinblock_encrypted_deciphers_to_the_clear_block(capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(
        capsys, "keys", "pinblock", "--format", "3", "--pin", "1234", "--pan", "4111111111111111",
        "--key", TDES_TEST_KEY,
    )
    clear = bytes.fromhex(answer["clear"])
    assert tdes_decrypt_ecb(bytes.fromhex(TDES_TEST_KEY), bytes.fromhex(answer["encrypted"])) == clear


def test_pinblock_format_0_clear_block_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    # PIN field 041234FFFFFFFFFF XOR PAN field 0000111111111111 (12 rightmost digits without the check digit).
    answer = run_json(capsys, "keys", "pinblock", "--format", "0", "--pin", "1234", "--pan", "4111111111111111")
    assert answer["clear"] == "041225EEEEEEEEEE"


def test_mac_aes_cmac_matches_rfc4493_example_2(capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(
        capsys, "keys", "mac", "--alg", "aes-cmac", "--key", "2B7E151628AED2A6ABF7158809CF4F3C",
        "--data", "6BC1BEE22E409F96E93D7E117393172A",
    )
    assert answer["mac"] == "070A16B46B4D4144F79BDD9DD04A287C"


def test_mac_length_truncates(capsys: pytest.CaptureFixture[str]) -> None:
    answer = run_json(
        capsys, "keys", "mac", "--alg", "aes-cmac", "--key", "2B7E151628AED2A6ABF7158809CF4F3C",
        "--data", "6BC1BEE22E409F96E93D7E117393172A", "--length", "4",
    )
    assert answer["mac"] == "070A16B4"


def test_tr31_wrap_then_unwrap_returns_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    kbpk = "88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6"
    block = run_json(capsys, "keys", "tr31", "wrap", "--kbpk", kbpk, "--key", TDES_TEST_KEY, "--usage", "P0")["block"]
    answer = run_json(capsys, "keys", "tr31", "unwrap", "--kbpk", kbpk, "--block", block)
    assert answer["key"] == TDES_TEST_KEY
    assert answer["key_usage"] == "P0"
    assert answer["header"] == block[:16]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["keys", "kcv", "--key", "0123456789ABCDEFFEDCBA987654321"], "odd number of hex digits"),
        (["keys", "kcv", "--key", "0123456789ABCDEF"], "8 bytes"),
        (["keys", "pinblock", "--format", "0", "--pin", "12a4", "--pan", "4111111111111111"], "PIN"),
        (["keys", "pinblock", "--format", "0", "--pin", "123", "--pan", "4111111111111111"], "PIN"),
        (["keys", "pinblock", "--format", "0", "--pin", "1234567890123", "--pan", "4111111111111111"], "PIN"),
        (["keys", "pinblock", "--format", "0", "--pin", "1234", "--pan", "41111111111"], "PAN"),
        (["keys", "dukpt", "--bdk", TDES_TEST_KEY, "--ksn", "FFFF9876543210FFFFFF"], "one-bits"),
    ],
    ids=["odd-hex", "short-key", "non-digit-pin", "3-digit-pin", "13-digit-pin", "11-digit-pan", "exhausted-ksn"],
)
def test_bad_input_exits_2_with_one_line_and_no_secret(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    err = run_bad(capsys, *argv)
    assert expected.lower() in err.lower()
    for secret in ("0123456789ABCDEF", "1234", "12a4", "41111111111"):
        assert secret not in err


def test_tampered_tr31_block_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    kbpk = "88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6"
    block = run_json(capsys, "keys", "tr31", "wrap", "--kbpk", kbpk, "--key", TDES_TEST_KEY)["block"]
    tampered = block[:-1] + ("0" if block[-1] != "0" else "1")
    err = run_bad(capsys, "keys", "tr31", "unwrap", "--kbpk", kbpk, "--block", tampered)
    assert TDES_TEST_KEY not in err


def test_installed_entry_point_reports_bad_input_without_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator.cli", "keys", "kcv", "--key", "XYZ"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
