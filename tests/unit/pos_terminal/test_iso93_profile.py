"""The iso93 terminal profile's own decisions: which message each transaction is, what DE 39 means, the checks.

The flows run it end to end in tests/e2e/test_iso93.py; here, one decision per test.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from iso8583.codec import encode
from iso8583.dialects import get_dialect
from iso8583.message import Message
from pos_terminal.common.failures import CommunicationFailure, FailureKind
from pos_terminal.profiles import profile_for
from pos_terminal.profiles.registry import UnknownProfile
from pos_terminal.profiles.base import FinancialContext, NetworkKind
from pos_terminal.profiles.iso93.profile import Iso93Profile
from pos_terminal.state.config import TerminalConfig
from pos_terminal.state.passwords import hash_password
from pos_terminal.state.records import TxnStatus, TxnType
from protocols.iso93 import OriginalData
from protocols.security import KeyScheme, MessageKeys
from tests.unit.pos_terminal.cup.test_requests import MOMENT, record

ISO93 = Iso93Profile()
CONFIG = TerminalConfig(supervisor_password_hash=hash_password("0000", iterations=1), dialect="iso93binary",
                        currency="840")
KEYS = MessageKeys(KeyScheme.MKSK, bytes(16), bytes(16), bytes(16))
SALE = replace(record(TxnType.SALE, stan=2, rrn="123456789012", status=TxnStatus.APPROVED, mti="1200"),
               currency="840")


@pytest.mark.parametrize("dialect", ["iso93binary", "iso93ebcdic"])
def test_the_1993_dialects_get_the_iso93_profile(dialect: str) -> None:
    assert isinstance(profile_for(dialect), Iso93Profile)


def test_sales_and_refunds_are_1200_and_reversed_voids_are_1420_and_repeated() -> None:
    assert [ISO93.request_mti(kind) for kind in (TxnType.SALE, TxnType.REFUND, TxnType.VOID)] == ["1200", "1200",
                                                                                                "1420"]
    assert (ISO93.reverses(TxnType.SALE), ISO93.reverses(TxnType.REFUND), ISO93.reverses(TxnType.VOID)) == (
        True, True, False)


def test_a_refund_of_a_journaled_sale_names_it_in_de56() -> None:
    refund = replace(record(TxnType.REFUND, stan=3, code="200000", mti="1200"), currency="840")
    message = ISO93.financial_request(FinancialContext(refund, CONFIG, None, KEYS, original=SALE))
    assert (message.mti, message[3], message[24], message[12]) == ("1200", "200000", "200", MOMENT.strftime("%y%m%d%H%M%S"))
    assert OriginalData.parse(str(message[56])) == OriginalData("1200", 2, MOMENT.strftime("%y%m%d%H%M%S"))
    encode(message, get_dialect("iso93binary"))  # every field fits the 1993 layout


def test_a_void_is_a_1420_with_reason_4000_carrying_the_originals_processing_code() -> None:
    void = replace(record(TxnType.VOID, stan=4, code="020000", mti="1420"), currency="840")
    message = ISO93.financial_request(FinancialContext(void, CONFIG, None, KEYS, original=SALE))
    assert (message.mti, message[3], message[24], message[25]) == ("1420", "000000", "400", "4000")
    repeat = ISO93.repeat_request(void, SALE, CONFIG, KEYS)
    assert (repeat.mti, repeat[11], repeat[56]) == ("1421", message[11], message[56])


def test_a_reversal_names_the_request_it_reverses_and_why() -> None:
    first = ISO93.reversal_request(SALE, None, CONFIG, KEYS, repeat=False, reason=ISO93.reversal_reason(None))
    repeat = ISO93.reversal_request(SALE, None, CONFIG, KEYS, repeat=True,
                                    reason=ISO93.reversal_reason(CommunicationFailure("bad MAC", FailureKind.MAC_FAILED)))
    assert (first.mti, first[24], first[25], repeat.mti, repeat[25]) == ("1420", "400", "4021", "1421", "4020")
    assert OriginalData.parse(str(first[56])).stan == SALE.stan


def test_action_codes_are_read_as_their_meaning() -> None:
    answer = Message("1430", {11: "000002", 39: "400", 41: "POSSIM01"})
    assert ISO93.response_code(answer) == "00" and ISO93.reversal_cleared("400") and ISO93.reversal_cleared("914")
    assert ISO93.asks_new_sign_on("916") and not ISO93.is_approved("100") and ISO93.reversal_refused("902")


def test_an_answer_to_a_1804_must_be_a_1814() -> None:
    request = ISO93.network_request(NetworkKind.ECHO, 7, MOMENT, CONFIG, 1)
    assert (request.mti, request[24]) == ("1804", "831")
    ISO93.check_answer(request, Message("1814", {11: "000007", 39: "800", 41: CONFIG.terminal_id}))
    with pytest.raises(CommunicationFailure, match="MTI 1810, expected 1814"):
        ISO93.check_answer(request, Message("1810", {11: "000007", 39: "800", 41: CONFIG.terminal_id}))


def test_the_2003_decoding_dialect_has_no_terminal_profile() -> None:
    with pytest.raises(UnknownProfile, match="no terminal profile for protocol 'iso2003'"):
        profile_for("iso2003")


def test_a_void_sent_again_within_the_run_is_a_1421_with_the_same_stan_time_and_original() -> None:
    void = replace(record(TxnType.VOID, stan=4, code="020000", mti="1420"), currency="840")
    sent = ISO93.financial_request(FinancialContext(void, CONFIG, None, KEYS, original=SALE))
    again = ISO93.resend_request(sent, void, SALE, CONFIG, KEYS)
    assert again.mti == "1421"
    assert dict(again.fields) == dict(sent.fields)  # only the MTI's repeat bit changes
    encode(again, get_dialect("iso93binary"))


def test_a_request_other_than_a_void_is_sent_again_as_it_was() -> None:
    refund = replace(record(TxnType.REFUND, stan=3, code="200000", mti="1200"), currency="840")
    sent = ISO93.financial_request(FinancialContext(refund, CONFIG, None, KEYS, original=SALE))
    assert ISO93.resend_request(sent, refund, SALE, CONFIG, KEYS) is sent
