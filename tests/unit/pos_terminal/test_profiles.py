"""The protocol-profile seam (pos_terminal.profiles): which profile a dialect gets, and the CUP profile's rules.

The flows are tested end to end (tests/e2e/test_cup_pos.py, the possim-87 suites); here, the
profile's own decisions: configuration, what is reversed, reversal reasons, how answers are
checked (TPDU, MAC of approvals and declines) and when the working keys are dropped.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from iso8583.codec import encode
from iso8583.cup_header import CupHeader, CupMessageHeader
from iso8583.dialects import get_dialect
from iso8583.message import Message
from keys.errors import MacVerificationError
from pos_terminal.state.config import ConfigError, TerminalConfig
from protocols.cup import apply_mac
from pos_terminal.common.failures import CommunicationFailure, FailureKind, TerminalRefusal
from pos_terminal.state.keyring import TerminalKeyring
from pos_terminal.journal import Journal
from pos_terminal.state.passwords import hash_password
from pos_terminal.profiles import CupProfile, NetworkKind, Possim87Profile, profile_for
from pos_terminal.profiles.cup.profile import MAK_NAME, PIK_NAME
from pos_terminal.state.records import TxnType
from protocols.security import KeyScheme, MessageKeys
from tests.unit.pos_terminal.cup.test_requests import record

CUP = CupProfile()
DIALECT = get_dialect("cup-pos")
MAK = bytes.fromhex("C24A8FB57AA20123")
KEYS = MessageKeys(KeyScheme.MKSK, MAK, MAK, bytes(16))
REQUEST_HEADER = bytes.fromhex("6000010000603100000000")
ANSWER_HEADER = bytes.fromhex("6000000001603100000000")


def config(**changes: object) -> TerminalConfig:
    return TerminalConfig(supervisor_password_hash=hash_password("0000", iterations=1), **changes)


@pytest.mark.parametrize(("dialect", "kind"), [("cup-pos", CupProfile), ("terminal87", Possim87Profile),
                                              ("iso87ascii", Possim87Profile), ("my-acquirer", Possim87Profile)])
def test_the_dialect_chooses_the_profile(dialect: str, kind: type) -> None:
    assert isinstance(profile_for(dialect), kind)


def test_a_cup_terminal_left_at_the_default_currency_speaks_cny() -> None:
    assert CUP.configure(config(dialect="cup-pos")).currency == "156"
    assert CUP.configure(config(dialect="cup-pos", currency="344")).currency == "344"


def test_cup_refuses_dukpt_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"^key_scheme: the cup-pos profile uses master/session keys"):
        CUP.configure(config(dialect="cup-pos", key_scheme=KeyScheme.DUKPT_AES))


def test_cup_reverses_sales_and_voids_and_repeats_refunds() -> None:
    assert [CUP.reverses(kind) for kind in (TxnType.SALE, TxnType.VOID, TxnType.REFUND)] == [True, True, False]
    assert all(Possim87Profile().reverses(kind) for kind in TxnType)
    assert [CUP.request_mti(kind) for kind in (TxnType.SALE, TxnType.VOID, TxnType.REFUND)] == ["0200", "0200", "0220"]


def test_possim87_has_no_sign_off() -> None:
    assert not Possim87Profile().supports_network(NetworkKind.SIGN_OFF)
    assert CUP.supports_network(NetworkKind.SIGN_OFF)


@pytest.mark.parametrize(("failure", "reason"), [
    (None, "98"), (CommunicationFailure("no response: timed out", FailureKind.NO_RESPONSE), "98"),
    (CommunicationFailure("response rejected: 0210 response: MAC in DE 64 does not verify", FailureKind.MAC_FAILED),
     "96"),
    (CommunicationFailure("garbled response: field 39", FailureKind.GARBLED), "96"), (ValueError("field 61.3"), "06"),
])
def test_the_reversal_reason_says_why(failure: BaseException | None, reason: str) -> None:
    assert CUP.reversal_reason(failure) == reason


def answer(code: str, *, header: bytes = ANSWER_HEADER, mac: bool = True) -> Message:
    message = Message("0210", {11: "000002", 39: code, 41: "POSSIM01"}, header)
    return apply_mac(message, MAK, DIALECT) if mac else message


def raw(message: Message) -> bytes:
    return encode(message, DIALECT)


def test_an_approval_must_carry_a_mac_that_verifies() -> None:
    good = answer("00")
    CUP.verify_answer(good, raw(good), DIALECT, KEYS)
    unsigned = answer("00", mac=False)
    with pytest.raises(MacVerificationError, match="an approval without DE 64"):
        CUP.verify_answer(unsigned, raw(unsigned), DIALECT, KEYS)
    forged = replace(good, fields={**good.fields, 64: b"00000000"})
    with pytest.raises(MacVerificationError, match="MAC in DE 64 does not verify"):
        CUP.verify_answer(forged, raw(forged), DIALECT, KEYS)


def test_a_decline_without_a_mac_is_accepted_but_not_one_with_a_wrong_mac() -> None:
    unsigned = answer("55", mac=False)
    CUP.verify_answer(unsigned, raw(unsigned), DIALECT, KEYS)
    signed = answer("55")
    forged = replace(signed, fields={**signed.fields, 64: b"00000000"})
    with pytest.raises(MacVerificationError):
        CUP.verify_answer(forged, raw(forged), DIALECT, KEYS)


def test_an_answer_must_swap_the_requests_tpdu_addresses() -> None:
    request = Message("0200", {11: "000002", 41: "POSSIM01"}, REQUEST_HEADER)
    CUP.check_answer(request, answer("00"))
    with pytest.raises(CommunicationFailure, match=r"TPDU 0001/0000, expected the request's addresses swapped"):
        CUP.check_answer(request, answer("00", header=REQUEST_HEADER))


def test_a_void_of_a_refund_is_refused_by_the_cup_profile() -> None:
    refund = record(TxnType.REFUND, stan=4, code="200000", mti="0220")
    with pytest.raises(TerminalRefusal, match="a refund is final"):
        CUP.processing_code(TxnType.VOID, refund)


def test_processing_request_3_in_an_answer_header_drops_the_working_keys(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.sqlite3")
    keyring = TerminalKeyring.open(tmp_path, journal)
    keyring.store.put(PIK_NAME, bytes(range(16)), "P0", "T", "E")
    keyring.store.put(MAK_NAME, bytes(range(16, 32)), "M1", "T", "C")
    assert CUP.signed_on(keyring, KeyScheme.MKSK)
    CUP.note_answer(answer("A0"), keyring)
    assert CUP.signed_on(keyring, KeyScheme.MKSK)
    again = CupHeader(CupHeader.parse(ANSWER_HEADER).tpdu, CupMessageHeader(processing_request="3")).build()
    CUP.note_answer(answer("A0", header=again), keyring)
    assert not CUP.signed_on(keyring, KeyScheme.MKSK)
    journal.close()


def test_a_single_length_key_is_kept_as_k_k_and_given_back_as_8_bytes(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.sqlite3")
    keyring = TerminalKeyring.open(tmp_path, journal)
    keyring.store.put(PIK_NAME, MAK + MAK, "P0", "T", "E")
    keyring.store.put(MAK_NAME, MAK + MAK, "M1", "T", "C")
    keys = CUP.message_keys(keyring, KeyScheme.MKSK, DIALECT)
    assert (keys.request_mac_key, keys.pin_key) == (MAK, MAK + MAK)
    assert CUP._security(keys).encode() == "2000000000000000"
    journal.close()
