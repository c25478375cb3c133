"""The engine's observer hook (pos_terminal/observe.py): every message on the wire, as sent and as
received, with whether its MAC verifies; observing changes nothing the terminal does."""

from __future__ import annotations

import pytest

from pos_terminal.state.cards import present_test_card
from pos_terminal.common.observe import ExchangeRecord
from pos_terminal.state.records import MessageDirection
from protocols.security import KeyScheme
from emv.cards import EntryMode
from iso8583.codec import decode


@pytest.mark.matrix("dialect", "scheme")
async def test_the_observer_sees_each_request_and_response_as_on_the_wire(start_host, open_terminal, scheme) -> None:
    host = await start_host()
    engine = open_terminal(host)
    seen: list[ExchangeRecord] = []
    engine.observer = seen.append
    result = await engine.sale(present_test_card("visa_credit", EntryMode.CHIP), 1500, "1234")
    assert result.approved
    financial = [record for record in seen if record.message.mti in ("0200", "0210")]
    assert [(r.direction, r.message.mti) for r in financial] == [(MessageDirection.OUT, "0200"), (MessageDirection.IN, "0210")]
    for record in financial:
        assert decode(record.raw, engine.dialect) == record.message
        assert record.mac_verified is True
    network = [record for record in seen if record.message.mti in ("0800", "0810")]
    # a master/session sign-on is MACed under the TMK's variant; its 0810 is not (TR-31 authenticates the keys)
    assert [record.mac_verified for record in network] == ([True, None] if scheme is KeyScheme.MKSK else [])


@pytest.mark.matrix("dialect", "scheme")
async def test_a_response_whose_mac_fails_is_observed_as_such_and_still_rejected(start_host, open_terminal) -> None:
    host = await start_host([{"mti": "0200", "corrupt_mac": True, "times": 1}])
    engine = open_terminal(host)
    seen: list[ExchangeRecord] = []
    engine.observer = seen.append
    result = await engine.sale(present_test_card("visa_credit", EntryMode.CHIP), 1500)
    assert not result.approved and result.reversal.status == "acked"
    response = next(record for record in seen if record.message.mti == "0210")
    assert response.mac_verified is False
    assert [record.message.mti for record in seen if record.direction is MessageDirection.OUT][-1] == "0400"


def test_a_record_never_shows_its_bytes_or_values_in_repr() -> None:
    from iso8583.message import Message

    record = ExchangeRecord(MessageDirection.OUT, Message("0200", {2: "4761739001010010"}), b"4761739001010010", None)
    assert "4761739001010010" not in repr(record)
