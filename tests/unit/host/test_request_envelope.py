"""What identifies a request before anything else (issue 20, C): DE 42 and the TPDU ID.

* DE 41 and DE 42 are in every request (docs/protocol.md, "Fields"; cup-pos: "Every request
  carries DE 11, DE 41 and DE 42"): a request without DE 42 is a format error, 30, and nothing
  of it is processed (it must not pass as the terminal's merchant by leaving the merchant out).
* Only TPDU ID 0x60 (transaction) is served: a request whose TPDU has another ID is answered 30,
  its TPDU echoed with the addresses swapped, and nothing is processed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from iso8583 import encode
from pos_terminal.profiles.cup import requests
from simulator.host.config import HostConfig
from simulator.host.journal import HostJournal
from simulator.host.logic import HostLogic
from tests.unit.host.conftest import MiniTerminal, make_host
from tests.unit.host.test_cup_logic import CONFIG, DIALECT, CupTerminal

NOW = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)


def without(message, number: int):  # noqa: ANN001, ANN201 - a Message without field ``number``
    return replace(message, fields={n: v for n, v in message.fields.items() if n != number})


def test_a_possim87_request_without_de42_is_a_format_error(terminal: MiniTerminal) -> None:
    from protocols.security import sign_request

    request = without(terminal.financial("000000", 1000), 42)
    decision = terminal.send(sign_request(request, terminal.dialect, terminal.session))
    assert decision.response_code == "30"
    assert not [t for t in HostJournal(terminal.host.config.journal_path).transactions() if t.amount == 1000]


def test_a_cup_request_without_de42_is_a_format_error(tmp_path: Path) -> None:
    host = HostLogic(HostConfig(data_dir=tmp_path / "host", dialect="cup-pos"))
    try:
        cup = CupTerminal(host)
        decision = cup.send(without(requests.sign_on_request(1, CONFIG, 1), 42), sign=False)
        assert decision.response_code == "30" and 62 not in decision.response
    finally:
        host.close()


def test_a_cup_request_with_tpdu_id_61_is_refused_30_with_its_tpdu_echoed(tmp_path: Path) -> None:
    host = HostLogic(HostConfig(data_dir=tmp_path / "host", dialect="cup-pos"))
    try:
        frame = encode(requests.sign_on_request(1, CONFIG, 1), DIALECT)
        decision = host.handle_bytes(b"\x61" + frame[1:], now=NOW, peer="test")
        assert decision.response_code == "30" and 62 not in decision.response
        assert decision.response_bytes[:5] == b"\x61" + frame[3:5] + frame[1:3]
    finally:
        host.close()


def test_a_possim87_request_with_tpdu_id_61_is_refused_30_with_its_tpdu_echoed(tmp_path: Path) -> None:
    host = make_host(tmp_path / "host", dialect="terminal87-tpdu")
    try:
        mini = MiniTerminal(host)
        echo = mini.base("0800")
        echo.fields[70] = "301"
        decision = mini.send(replace(echo, header=bytes.fromhex("6100030001")))
        assert decision.response_code == "30"
        assert decision.response.header == bytes.fromhex("6100010003")
    finally:
        host.close()


def test_a_possim87_request_with_tpdu_id_60_is_served(tmp_path: Path) -> None:
    host = make_host(tmp_path / "host", dialect="terminal87-tpdu")
    try:
        mini = MiniTerminal(host)
        echo = mini.base("0800")
        echo.fields[70] = "301"
        decision = mini.send(replace(echo, header=bytes.fromhex("6000030001")))
        assert decision.response_code == "00" and decision.response.header == bytes.fromhex("6000010003")
    finally:
        host.close()
