"""Logs never show a full PAN or track 2 data, whatever a library puts in a log line."""

from __future__ import annotations

import logging

from emv.masking import luhn_valid
from simulator.logs import MaskingFormatter, can_be_pan, mask_card_data


def test_a_pan_in_free_text_is_masked() -> None:
    assert mask_card_data("card 4761739001010010 declined") == "card 476173******0010 declined"


def test_track2_data_keeps_only_the_masked_pan_and_the_separator() -> None:
    assert mask_card_data("4761739001010010=31122011234") == "476173******0010=***********"


def test_short_digit_runs_such_as_stans_and_amounts_are_left_alone() -> None:
    assert mask_card_data("STAN 000123 amount 000000001500") == "STAN 000123 amount 000000001500"


def test_the_formatter_masks_arguments_too() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "pan %s", ("5413330089010434",), None)
    assert MaskingFormatter("%(message)s").format(record) == "pan 541333******0434"


# ---------------------------------------------------------------------- only what can be a PAN


def test_a_pan_with_a_wrong_luhn_digit_is_not_a_pan() -> None:
    assert mask_card_data("ref 4761739001010011") == "ref 4761739001010011"


def test_track2_with_a_d_separator_is_masked() -> None:
    assert mask_card_data("57 4761739001010010D31122011234") == "57 476173******0010D***********"


def test_an_rrn_in_de63_is_left_alone() -> None:
    assert luhn_valid("012000000000014")
    # "OR" + length 012 + RRN 000000000014: 15 digits with a valid Luhn digit, but a PAN never starts with 0.
    line = "   63  Reserved, private  ans..999   OR012000000000014OD0041202"
    assert mask_card_data(line) == line


def test_the_raw_bytes_of_the_merchant_id_are_left_alone() -> None:
    dump = ("   42  Card acceptor identification code      ans 15     POSSIM000000001\n"
            "                                              raw        504F5353494D303030303030303031")
    assert mask_card_data(dump) == dump


def test_a_numeric_merchant_id_that_passes_luhn_is_left_alone_in_a_dump() -> None:
    assert can_be_pan("490000000000007")  # as a PAN it would be masked: only the dump's field says it is not one
    dump = ("   42  Card acceptor identification code      ans 15     490000000000007\n"
            "                                              raw        343930303030303030303030303037")
    assert mask_card_data(dump) == dump


def test_an_all_digit_bitmap_is_left_alone() -> None:
    assert can_be_pan("7234054128408002")
    line = "  bitmap  7234054128408002  fields 2 3 4"
    assert mask_card_data(line) == line


def test_stans_rrns_and_amounts_are_left_alone_in_a_dump() -> None:
    dump = ("    4  Amount, transaction                 n 12       000000002000\n"
            "                                          raw        000000002000\n"
            "   11  Systems trace audit number (STAN)   n 6        000002\n"
            "   37  Retrieval reference number          an 12      000000000014\n"
            "                                          raw        303030303030303030303134")
    assert mask_card_data(dump) == dump


def test_a_pan_in_a_private_field_of_a_dump_is_masked() -> None:
    dump = ("   62  Reserved, private   ans..999   PAN5413330089010434\n"
            "                                     raw        0019 50414E35343133333330303839303130343334")
    assert mask_card_data(dump).splitlines()[0].endswith("PAN541333******0434")


def test_a_pan_in_a_log_line_after_a_dump_is_masked() -> None:
    text = "   42  Card acceptor identification code  ans 15  POSSIM000000001\nthen card 5413330089010434"
    assert mask_card_data(text).endswith("then card 541333******0434")
