"""The iso93 network (ISO 8583:1993) end to end: the real terminal and the real host over 127.0.0.1.

Both 1993 dialects (``iso93binary``, ``iso93ebcdic``) through the two registries, the engine and the
host pipeline unchanged: sign-on (1804/801), a sale (1200/200), two partial refunds naming the sale in
DE 56, a void of a refund (1420, DE 25 4000), a lost answer reversed (1420, repeated as 1421 while the
host stays silent), an offline refund advised (1220), settlement out of balance with a batch upload
(1520, 1320, 1520), and a status inquiry (1600) after the host's business date moved. Every frame that
crossed the wire is decoded by pyiso8583 with a 1993 spec written from the standard
(tests/unit/iso8583/iso93_spec.py) and must read as possim's own decoder reads it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from emv.cards import EntryMode
from iso8583 import decode, get_dialect
from pos_terminal.common.results import Outcome
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.state.cards import present_test_card
from simulator.cli import main
from protocols.iso93 import OriginalData
from simulator.host.journal import Cause
from tests.e2e.conftest import LOST_ANSWER_TIMEOUT, SUPERVISOR, Host
from tests.e2e.proxy import FrameProxy
from tests.unit.iso8583 import iso93_spec
from tests.unit.iso8583.oracle import run_oracle

HostStarter = Callable[..., Any]
TerminalOpener = Callable[..., TerminalEngine]
DIALECTS = ("iso93binary", "iso93ebcdic")
SPECS = {"iso93binary": iso93_spec.binary_spec, "iso93ebcdic": iso93_spec.ebcdic_spec}
LOST_SALE = 777
RULES = [
    {"mti": "1200", "processing_code": "000000", "amount_min": LOST_SALE, "amount_max": LOST_SALE, "drop": True},
    {"mti": "1420", "amount_min": LOST_SALE, "amount_max": LOST_SALE, "drop": True, "times": 1},
    {"mti": "1520", "respond": "95", "times": 1},
]
"""The host loses every answer to a 7.77 sale and the answer to its first reversal (so the reversal is repeated
as a 1421), and answers the first reconciliation 501 (out of balance: the terminal uploads the batch)."""


def chip(name: str = "visa_credit") -> Any:
    return present_test_card(name, EntryMode.CHIP)


def refund(amount: int, invoice: int, name: str = "visa_credit") -> RefundRequest:
    return RefundRequest(card=chip(name), amount=amount, supervisor_password=SUPERVISOR, original_invoice=invoice,
                         reason="01")


@pytest.fixture
async def proxy(start_host: HostStarter) -> AsyncIterator[tuple[Host, FrameProxy]]:
    host = await start_host(RULES)
    relay = FrameProxy(host.url)
    await relay.start()
    yield host, relay
    await relay.stop()


def _mtis(frames: list[bytes], dialect: str) -> list[str]:
    return [decode(frame, get_dialect(dialect)).mti for frame in frames]


@pytest.mark.matrix("scheme")
@pytest.mark.parametrize("dialect", DIALECTS, indirect=True)
async def test_the_1993_life_of_a_batch(dialect: str, proxy: tuple[Host, FrameProxy],
                                        open_terminal: TerminalOpener) -> None:
    host, relay = proxy
    terminal = open_terminal(host, host_url=relay.url, offline_refunds=True, offline_amount_limit=5000)

    signed_on = await terminal.sign_on()
    sale = await terminal.sale(chip(), 10_000, pin="1234")
    first = await terminal.refund(refund(2_000, sale.invoice))
    second = await terminal.refund(refund(3_000, sale.invoice))
    void = await terminal.void(second.invoice, SUPERVISOR)
    assert (signed_on.response_code, sale.response_code, first.response_code, second.response_code,
            void.response_code) == ("00", "00", "00", "00", "00")
    assert _mtis(relay.requests, dialect) == ["1804", "1200", "1200", "1200", "1420"]
    assert [decode(f, get_dialect(dialect))[39] for f in relay.responses] == ["800", "000", "000", "000", "400"]

    refund_frame = decode(relay.requests[2], get_dialect(dialect))
    assert OriginalData.parse(str(refund_frame[56])).stan == sale.stan and refund_frame[24] == "200"
    void_frame = decode(relay.requests[4], get_dialect(dialect))
    assert (void_frame[25], OriginalData.parse(str(void_frame[56])).stan) == ("4000", second.stan)

    terminal.config = terminal.config.with_overrides(response_timeout=LOST_ANSWER_TIMEOUT)
    lost = await terminal.sale(chip(), LOST_SALE, pin="1234")
    assert lost.outcome is Outcome.COMMUNICATION_FAILED and lost.reversal.status == "acked"
    reversal, repeat = (decode(f, get_dialect(dialect)) for f in relay.requests[-2:])
    assert (reversal.mti, repeat.mti, reversal[24], reversal[25]) == ("1420", "1421", "400", "4021")
    assert OriginalData.parse(str(repeat[56])).stan == lost.stan

    terminal.config = terminal.config.with_overrides(host_url="tcp://127.0.0.1:9", response_timeout=5.0)
    offline = await terminal.refund(refund(1_000, sale.invoice))
    assert offline.offline and offline.approved
    terminal.config = terminal.config.with_overrides(host_url=relay.url)

    settled = await terminal.settle(SUPERVISOR)
    assert settled.response_code == "00" and settled.settlement["batch_uploaded"] is True

    amex_sale = await terminal.sale(present_test_card("amex", EntryMode.SWIPE), 3_000)
    amex_refund = await terminal.refund(RefundRequest(card=present_test_card("amex", EntryMode.SWIPE), amount=1_000,
                                                      supervisor_password=SUPERVISOR,
                                                      original_invoice=amex_sale.invoice, reason="01"))
    assert amex_refund.approved and amex_refund.host_data["credit_status"] == "pending"
    assert main(["host", "advance-date", "--data", str(host.data_dir), "--days", "7"]) == 0
    record = terminal.journal.find_by_invoice(amex_refund.invoice)
    status = await terminal.inquire_status(record)
    assert status.response_code == "00" and status.host_data["credit_status"] == "posted"

    journal = host.journal()
    credits = sorted(e.amount for e in journal.ledger() if e.cause is Cause.REFUND)
    assert credits == [1_000, 1_000, 2_000, 3_000]
    assert journal.net_debit() == 10_000 - 2_000 - 1_000 + 3_000 - 1_000

    assert _mtis(relay.requests, dialect)[8:] == ["1220", "1520", "1320", "1320", "1320", "1320", "1520", "1200",
                                                  "1200", "1600"]
    assert_pyiso8583_reads_every_frame(dialect, relay.requests + relay.responses)


LOST_VOID = 4_321


@pytest.mark.matrix("scheme")
@pytest.mark.parametrize("dialect", ["iso93binary"], indirect=True)
async def test_a_void_whose_answer_is_lost_is_sent_again_as_a_1421_and_moves_money_once(
        dialect: str, start_host: HostStarter, open_terminal: TerminalOpener) -> None:
    host = await start_host([{"mti": "1420", "amount_min": LOST_VOID, "amount_max": LOST_VOID, "drop": True,
                              "times": 1}])
    terminal = open_terminal(host)
    await terminal.sign_on()
    sale = await terminal.sale(chip(), LOST_VOID, pin="1234")
    terminal.config = terminal.config.with_overrides(response_timeout=LOST_ANSWER_TIMEOUT)

    void = await terminal.void(sale.invoice, SUPERVISOR)

    assert void.response_code == "00"
    journal = host.journal()
    received = [row for row in journal.messages() if row["direction"] == "in" and row["stan"] == f"{void.stan:06d}"]
    assert [row["mti"] for row in received] == ["1420", "1421"]
    assert [(e.cause, e.amount) for e in journal.ledger()] == [(Cause.SALE, LOST_VOID), (Cause.VOID, LOST_VOID)]
    assert journal.net_debit() == 0


def assert_pyiso8583_reads_every_frame(dialect: str, frames: list[bytes]) -> None:
    answers = run_oracle(SPECS[dialect](), "decode", [frame.hex() for frame in frames])
    for frame, answer in zip(frames, answers, strict=True):
        assert "error" not in answer, answer
        ours = decode(frame, get_dialect(dialect))
        theirs = {k: v for k, v in answer["doc"].items() if k not in ("p", "1", "h")}
        expected = {"t": ours.mti, **{str(n): v.hex().upper() if isinstance(v, bytes) else v
                                      for n, v in ours.fields.items()}}
        assert theirs == expected

