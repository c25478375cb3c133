"""The tag dictionary and the masked TLV dump."""

from __future__ import annotations

import pytest

from emv.dump import describe
from emv.tags import TAGS, Source, TagFormat, lookup

_REQUIRED = (
    "4F 50 57 5A 5F20 5F24 5F25 5F28 5F2A 5F30 5F34 82 84 8A 8C 8D 8E 91 95 9A 9B 9C 9F02 9F03 9F06 "
    "9F07 9F08 9F09 9F0D 9F0E 9F0F 9F10 9F1A 9F1E 9F21 9F26 9F27 9F33 9F34 9F35 9F36 9F37 9F41 9F53 "
    "9F6E 71 72"
).split()

# Track 2 equivalent data of a test card: PAN, 'D', expiry 3112, service code 201, discretionary.
_TRACK2 = "57134761739001010010D31122011234567890123F"


@pytest.mark.parametrize("tag", _REQUIRED)
def test_dictionary_knows_the_common_tags(tag: str) -> None:
    assert tag in TAGS


def test_dictionary_entries_follow_book_3_annex_a() -> None:
    assert (TAGS["9F02"].format, TAGS["9F02"].source) == (TagFormat.N, Source.TERMINAL)
    assert (TAGS["5A"].format, TAGS["5A"].source) == (TagFormat.CN, Source.CARD)
    assert (TAGS["8A"].format, TAGS["8A"].source) == (TagFormat.AN, Source.ISSUER)


def test_proprietary_df_tags_get_a_generic_entry() -> None:
    info = lookup("DF8101")
    assert info is not None and info.name == "Proprietary data element"


def test_unknown_tag_has_no_entry() -> None:
    assert lookup("9F7F") is None


def test_describe_names_tags_and_interprets_values() -> None:
    (cid, ttype, date) = describe(bytes.fromhex("9F2701809C01209A03240315"))
    assert (cid["name"], cid["interpreted"]) == ("Cryptogram Information Data", "ARQC")
    assert ttype["interpreted"] == "refund" and date["interpreted"] == "2024-03-15"


def test_describe_gives_length_and_upper_case_hex() -> None:
    (entry,) = describe(bytes.fromhex("9F3704a1b2c3d4"))
    assert (entry["tag"], entry["length"], entry["value"]) == ("9F37", 4, "A1B2C3D4")


def test_describe_masks_the_pan() -> None:
    (entry,) = describe(bytes.fromhex("5A084761739001010010"))
    assert entry["value"] == "476173******0010" and "4761739001010010" not in str(entry)


def test_describe_masks_track2_pan_and_discretionary_data() -> None:
    (entry,) = describe(bytes.fromhex(_TRACK2))
    assert entry["value"].startswith("476173******0010D3112201")
    assert "1234567890123" not in entry["value"] and "4761739001010010" not in str(entry)


def test_describe_masks_the_cardholder_name() -> None:
    (entry,) = describe(bytes.fromhex("5F200A534D4954482F4A4F484E"))
    assert "SMITH" not in str(entry) and set(entry["value"]) == {"*"}


def test_describe_reveals_on_request() -> None:
    (pan, name) = describe(bytes.fromhex("5A0847617390010100105F2004534D4954"), reveal=True)
    assert pan["value"] == "4761739001010010" and name["interpreted"] == "SMIT"


def test_describe_nests_template_children() -> None:
    (template,) = describe(bytes.fromhex("77099F2701009F36020001"))
    assert [child["tag"] for child in template["children"]] == ["9F27", "9F36"]
    assert template["children"][1]["interpreted"] == "1"
