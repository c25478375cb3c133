"""A network plugs into the host as a protocol object: the pipeline and the services are not touched.

The toy network: a TOML dialect with ``protocol = "toy"``, no MACs, 0200 sales only. Registered
with ``default_host_protocols().with_protocol("toy", ToyHost)``, it gets the host's retransmission
handling, rules, error answers and journal for free.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from iso8583 import Message, encode
from protocols.defaults import TERMINAL_ID
from protocols.iso87 import ResponseCode, response_mti
from simulator.host import Delivery, HostConfig, HostDecision, HostLogic, HostServices, HostTransaction, Status
from simulator.host.exchange import Exchange, field_text, request_amount, require_field
from simulator.host.journal import Cause, Direction, iso_time
from simulator.host.protocols import (
    Handling,
    HostProtocol,
    HostProtocolRegistry,
    RepeatKey,
    UnknownHostProtocol,
    default_host_protocols,
)
from simulator.host.protocols import registry as registry_module
from simulator.host.rules import Rule, parse_rules

from .conftest import NOW, PEER

TOY_DIALECT = 'name = "toy"\nbase = "iso87ascii"\nprotocol = "toy"\n'


class ToyHost(HostProtocol):
    """Sales without MACs: approved with an RRN, one debit each."""

    name = "toy"

    def identify(self, exchange: Exchange) -> str | None:
        terminal = self.services.config.terminals.get(field_text(exchange.request, 41) or "")
        if terminal is None:
            return ResponseCode.INVALID_MERCHANT
        exchange.terminal = terminal
        return None

    def handling(self, exchange: Exchange) -> Handling:
        return Handling.STORED if exchange.request.mti in ("0200", "0201") else Handling.REFUSE

    def verify(self, exchange: Exchange) -> bool:
        return True  # the toy network has no MACs

    def security_refusal(self, exchange: Exchange) -> Message:
        return self.answer(exchange, ResponseCode.SECURITY_VIOLATION)

    def repeat_key(self, exchange: Exchange) -> RepeatKey:
        assert exchange.terminal is not None
        request = exchange.request
        return RepeatKey(exchange.terminal.terminal_id, require_field(request, 11), require_field(request, 7),
                         response_mti(request.mti))

    def digest(self, request: Message) -> str:
        return self.services.keyring.keyed_digest(request.mti[:3], field_text(request, 4) or "")

    def dispatch(self, exchange: Exchange) -> Message:
        assert exchange.terminal is not None
        request, journal = exchange.request, self.services.journal
        amount, rrn = request_amount(request), journal.next_rrn()
        transaction = journal.insert_transaction(HostTransaction(
            time=iso_time(exchange.now), terminal_id=exchange.terminal.terminal_id, stan=require_field(request, 11),
            transmission_time=require_field(request, 7), mti="0200", response_code=ResponseCode.APPROVED,
            status=Status.APPROVED, processing_code="000000", amount=amount, rrn=rrn))
        self.services.ledger.move(exchange, transaction, Direction.DEBIT, Cause.SALE, amount)
        return Message(response_mti(request.mti), {11: request.fields[11], 37: rrn, 39: str(ResponseCode.APPROVED)})

    def answer(self, exchange: Exchange, code: str) -> Message:
        return Message(response_mti(exchange.request.mti), {11: exchange.request.fields.get(11, ""), 39: str(code)})

    def sign(self, exchange: Exchange, response: Message) -> HostDecision:
        return HostDecision(Delivery.RESPOND, response, encode(response, self.dialect))

    def error_answer(self, request: Message, now: datetime, code: str) -> HostDecision:
        fields = {n: v for n, v in request.fields.items() if n == 11}
        response = Message(response_mti(request.mti), {**fields, 39: str(code)})
        return HostDecision(Delivery.RESPOND, response, encode(response, self.dialect))

    def scripted(self, exchange: Exchange, code: str, rule: Rule) -> HostDecision:
        return self.sign(exchange, self.answer(exchange, code))


@pytest.fixture
def toy_host(tmp_path: Path) -> Iterator[HostLogic]:
    dialect = tmp_path / "toy.toml"
    dialect.write_text(TOY_DIALECT)
    registry = default_host_protocols().with_protocol("toy", ToyHost)
    logic = HostLogic(HostConfig(data_dir=tmp_path / "data", dialect=str(dialect)), protocols=registry)
    yield logic
    logic.close()


def _sale(host: HostLogic, stan: str = "000001", amount: int = 2500) -> HostDecision:
    request = Message("0200", {3: "000000", 4: f"{amount:012d}", 7: "0314100000", 11: stan, 41: TERMINAL_ID})
    return host.handle_bytes(encode(request, host.dialect), now=NOW, peer=PEER)


def test_a_toy_sale_is_approved_through_the_shared_pipeline(toy_host: HostLogic) -> None:
    assert isinstance(toy_host.protocol, ToyHost)
    assert _sale(toy_host).response_code == "00"


def test_a_toy_sale_moves_money_once(toy_host: HostLogic) -> None:
    _sale(toy_host)
    assert [(entry.direction, entry.amount) for entry in toy_host.journal.ledger()] == [(Direction.DEBIT, 2500)]


def test_a_toy_retransmission_gets_the_stored_answer_and_moves_nothing(toy_host: HostLogic) -> None:
    first = _sale(toy_host)
    again = _sale(toy_host)
    assert again.retransmission and again.response_bytes == first.response_bytes
    assert len(toy_host.journal.ledger()) == 1


def test_a_toy_retransmission_with_other_content_is_94(toy_host: HostLogic) -> None:
    _sale(toy_host)
    assert _sale(toy_host, amount=9999).response_code == "94"


def test_an_undecodable_toy_frame_is_answered_by_the_toy_error_answer(toy_host: HostLogic) -> None:
    data = encode(Message("0200", {3: "000000", 4: "000000002500", 7: "0314100000", 11: "000009", 41: TERMINAL_ID}),
                  toy_host.dialect)
    decision = toy_host.handle_bytes(data[:-3], now=NOW, peer=PEER)
    assert (decision.response_code, decision.response.get(11)) == ("30", "000009")


def test_rules_apply_to_a_toy_host(tmp_path: Path) -> None:
    dialect = tmp_path / "toy.toml"
    dialect.write_text(TOY_DIALECT)
    rules = parse_rules({"rule": [{"mti": "0200", "drop": True, "times": 1}]})
    host = HostLogic(HostConfig(data_dir=tmp_path / "data", dialect=str(dialect)), rules=rules,
                     protocols=default_host_protocols().with_protocol("toy", ToyHost))
    try:
        assert _sale(host).outcome is Delivery.DROP
        assert _sale(host, stan="000002").outcome is Delivery.RESPOND
    finally:
        host.close()


def test_an_unknown_protocol_is_refused_naming_it_and_the_known_ones(tmp_path: Path) -> None:
    dialect = tmp_path / "toy.toml"
    dialect.write_text(TOY_DIALECT)
    with pytest.raises(UnknownHostProtocol, match=r"'toy'.*cup-pos, iso93, possim-87"):
        HostLogic(HostConfig(data_dir=tmp_path / "data", dialect=str(dialect)))


def test_an_unknown_protocol_is_a_value_error() -> None:
    assert issubclass(UnknownHostProtocol, ValueError)


def test_with_protocol_returns_a_new_registry_and_leaves_the_old_one_alone() -> None:
    base = HostProtocolRegistry()
    extended = base.with_protocol("toy", ToyHost)
    assert (base.names(), extended.names()) == ((), ("toy",))


def test_the_default_registry_serves_possim87_and_cup_pos() -> None:
    assert {"possim-87", "cup-pos"} <= set(default_host_protocols().names())


def test_a_protocol_published_as_an_entry_point_is_in_the_default_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    published = EntryPoint("toy", f"{__name__}:ToyHost", registry_module.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [published] if group == published.group else [])
    assert "toy" in default_host_protocols().names()


def test_create_hands_the_services_to_the_factory(toy_host: HostLogic) -> None:
    created = default_host_protocols().with_protocol("toy", ToyHost).create("toy", toy_host.services)
    assert isinstance(created.services, HostServices) and created.services is toy_host.services
