"""``possim keys mac --alg cup-ecb``: the UnionPay POS ECB MAC in the calculator.

Known answer: MAK 2222222222222222, data 1234567890ABCDEFABCDEF1234567890 -> E267B6E2, the worked
example of github.com/solo123/pgate test/integration/pos_mac_test.rb (cited in full, with the
other published examples, in tests/unit/keys/test_cup_mac.py).
"""

from __future__ import annotations

import json

import pytest

from simulator.cli import main

KEY = "2222222222222222"
DATA = "1234567890ABCDEFABCDEF1234567890"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_bad(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as caught:
        raise SystemExit(main(list(argv)))
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_json_answer_is_the_eight_characters_of_de64(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "keys", "mac", "--alg", "cup-ecb", "--key", KEY, "--data", DATA, "--json")
    assert code == 0 and out.count("\n") == 1
    answer = json.loads(out)
    assert answer["alg"] == "cup-ecb"
    assert answer["mac"] == "E267B6E2"
    assert answer["field64_hex"] == "4532363742364532"


def test_text_answer_shows_the_mac(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "keys", "mac", "--alg", "cup-ecb", "--key", KEY, "--data", DATA)
    assert code == 0 and "E267B6E2" in out


def test_a_sixteen_byte_key_is_two_key_tdes(capsys: pytest.CaptureFixture[str]) -> None:
    # The 16-byte example of solo123/pgate: the first four characters are "3027".
    data = b"20160913201609132016091320160913".hex()
    code, out, _ = run(capsys, "keys", "mac", "--alg", "cup-ecb", "--key", "AB73C9416D41E936E82AAC11053BCEDD",
                       "--data", data, "--json")
    assert code == 0 and json.loads(out)["mac"].startswith("3027")


def test_a_24_byte_key_is_bad_input_naming_the_length_not_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    err = run_bad(capsys, "keys", "mac", "--alg", "cup-ecb", "--key", "A5" * 24, "--data", DATA)
    assert "24 bytes" in err and "A5A5" not in err.upper()


def test_padding_option_is_refused_for_cup_ecb(capsys: pytest.CaptureFixture[str]) -> None:
    err = run_bad(capsys, "keys", "mac", "--alg", "cup-ecb", "--key", KEY, "--data", DATA, "--padding", "2")
    assert "--padding" in err


def test_other_algorithms_keep_padding_method_1_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    # ISO 9797-1 algorithm 1, DES, "Now is the time for all ": 70A30640CC76DD8B (FIPS 113).
    code, out, _ = run(capsys, "keys", "mac", "--alg", "iso9797-1-alg1", "--key", "0123456789ABCDEF",
                       "--data", b"Now is the time for all ".hex(), "--json")
    assert code == 0 and json.loads(out)["mac"] == "70A30640CC76DD8B"
