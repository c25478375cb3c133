"""Logs never show a full PAN or track 2 data, whatever a library puts in a log line."""

from __future__ import annotations

import logging

from simulator.logs import MaskingFormatter, mask_card_data


def test_a_pan_in_free_text_is_masked() -> None:
    assert mask_card_data("card 4761739001010010 declined") == "card 476173******0010 declined"


def test_track2_data_keeps_only_the_masked_pan_and_the_separator() -> None:
    assert mask_card_data("4761739001010010=31122011234") == "476173******0010=***********"


def test_short_digit_runs_such_as_stans_and_amounts_are_left_alone() -> None:
    assert mask_card_data("STAN 000123 amount 000000001500") == "STAN 000123 amount 000000001500"


def test_the_formatter_masks_arguments_too() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "pan %s", ("5413330089010434",), None)
    assert MaskingFormatter("%(message)s").format(record) == "pan 541333******0434"
