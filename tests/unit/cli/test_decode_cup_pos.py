"""``possim decode --dialect cup-pos``: a UnionPay POS frame decoded field by field.

The frame is the hand-written golden 0220 refund of tests/unit/iso8583/test_cup_pos_golden.py.
"""

from __future__ import annotations

import json

import pytest

from simulator.cli import main

REFUND_HEX = "".join("""
6000010000603100000000 0220 30200480 28C08019
200000 000000005000 000004 0220 00 24 6250947000000014D3012201
313233343536373839303132 3130303030303031 383938313130303438313630303031 313536
0008 25000001 0016 0000010000020915 3135323339434344
""".split())


def test_decode_json_shows_the_cup_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--dialect", "cup-pos", REFUND_HEX, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    answer = json.loads(out)
    assert (answer["dialect"], answer["mti"]) == ("cup-pos", "0220")
    fields = answer["fields"]
    assert (fields["3"], fields["49"], fields["60"], fields["61"]) == ("200000", "156", "25000001", "0000010000020915")
    assert "6250947000000014" not in out, "track 2 is masked"


def test_decode_text_shows_the_eleven_byte_header(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", "--dialect", "cup-pos", REFUND_HEX]) == 0
    assert "6000010000603100000000" in capsys.readouterr().out


def test_decode_names_the_field_and_offset_of_a_bad_frame(capsys: pytest.CaptureFixture[str]) -> None:
    bad = REFUND_HEX[:-16]  # DE 64 announced but cut off
    assert main(["decode", "--dialect", "cup-pos", bad]) == 2
    err = capsys.readouterr().err
    assert "field 64: offset 103" in err and err.count("\n") == 1
