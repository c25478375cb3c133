"""``possim txn`` input handling: amounts are parsed exactly, bad input exits 2, an unreachable host exits 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.commands.output import InputError
from simulator.txn_api import parse_amount


@pytest.mark.parametrize(("text", "minor"), [("12.34", 1234), ("12", 1200), ("0.01", 1), ("1000.5", 100050)])
def test_amounts_are_parsed_exactly_into_minor_units(text: str, minor: int) -> None:
    assert parse_amount(text) == minor


@pytest.mark.parametrize("text", ["12.345", "-1", "0", "abc", "1e400", "NaN"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="--amount"):
        parse_amount(text)


def test_an_unknown_card_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["txn", "sale", "--data", str(tmp_path), "--card", "nope", "--amount", "1.00",
                 "--host", "tcp://127.0.0.1:1"])
    assert code == 2 and "nope" in capsys.readouterr().err


def test_an_unreachable_host_exits_3_with_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["txn", "echo", "--data", str(tmp_path), "--host", "tcp://127.0.0.1:1", "--timeout", "1", "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 3 and answer["approved"] is False and "unreachable" in answer["error"]


def test_cards_lists_masked_pans_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cards", "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)["cards"]
    assert cards and all("*" in card["pan"] for card in cards)
