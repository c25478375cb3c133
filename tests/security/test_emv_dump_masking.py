"""`possim emv tlv` / emv.dump.describe mask PAN and track data unless --reveal."""

from __future__ import annotations

import json

from emv.dump import describe
from simulator.cli import main

PAN = "4761739001010010"


def _all_text(items: list[dict]) -> str:
    return json.dumps(items)


def test_template_value_does_not_spell_out_nested_pan() -> None:
    # 70 (READ RECORD template) holding 5A (PAN): the child is masked, the parent's hex value is not.
    data = bytes.fromhex("700A5A08" + PAN)
    text = _all_text(describe(data))
    assert PAN not in text, f"full PAN in the masked dump of a template: {text}"


def test_template_value_does_not_spell_out_nested_track2() -> None:
    # 77 holding 57 (track 2 equivalent data: PAN, D, expiry, service code, discretionary data).
    track2 = PAN + "D25122011234"
    data = bytes.fromhex("7710570E" + track2)
    text = _all_text(describe(data))
    assert PAN not in text, f"full PAN / track 2 in the masked dump of template 77: {text}"


def test_cli_emv_tlv_template_masks_pan(capsys) -> None:
    assert main(["emv", "tlv", "700A5A08" + PAN]) == 0
    out = capsys.readouterr().out
    assert PAN not in out, out


def test_track2_data_tag_9F6B_is_masked() -> None:
    # 9F6B Track 2 Data (contactless magstripe) is not in the tag dictionary: shown in clear.
    data = bytes.fromhex("9F6B13" + PAN + "D25122011234567890123F")
    text = _all_text(describe(data))
    assert PAN not in text, f"track 2 data in clear: {text}"


def test_track1_data_tag_56_is_masked() -> None:
    track1 = b"B" + PAN.encode() + b"^CARDHOLDER/TEST^2512201"
    data = bytes([0x56, len(track1)]) + track1
    text = _all_text(describe(data))
    assert track1.hex().upper() not in text and PAN.encode().hex().upper() not in text, text
