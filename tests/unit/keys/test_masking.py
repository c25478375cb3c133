"""The one PAN masking rule (PCI DSS 3.4): first 6 and last 4 digits at most, length kept."""

from __future__ import annotations

from keys.masking import mask_all, mask_pan


def test_a_16_digit_pan_keeps_its_first_six_and_last_four_digits() -> None:
    assert mask_pan("4761739001010010") == "476173******0010"


def test_a_19_digit_pan_keeps_its_length() -> None:
    assert mask_pan("6200000000000000005") == "620000*********0005"


def test_a_pan_under_13_digits_is_masked_entirely() -> None:
    assert mask_pan("476173900101") == "************"


def test_mask_all_keeps_only_the_length() -> None:
    assert mask_all("1234") == "****"
