"""DE 62 of the cup-pos IC download exchanges (protocols.cup.icdownload), and the host answering them.

Layouts as terminal implementations read them: an answer starts with an ASCII status (``0`` nothing,
``1`` last part, ``2`` more to come), then BER-TLV (9F06 RID / AID, 9F22 index, DF05 expiry...).
"""

from __future__ import annotations

import pytest

from emv.capk import load_test_ca_keys
from emv.tlv import decode
from protocols.cup import icdownload as ic
from protocols.cup.errors import CupFieldError
from pos_terminal.profiles.cup import requests
from simulator.host.journal import HostJournal
from tests.unit.host.test_cup_logic import CONFIG, CupTerminal, host, terminal  # noqa: F401 - fixtures

__all__ = ["host", "terminal"]


def test_a_status_query_carries_1_and_the_count_received() -> None:
    assert ic.query_request(0) == b"100" and ic.query_request(8) == b"108"
    assert ic.parse_query_request(b"108") == 8
    with pytest.raises(CupFieldError, match="field 62: offset 0: a status query carries '1' and 2 ASCII digits"):
        ic.parse_query_request(b"2xx")


def test_a_long_list_comes_in_parts_marked_2_then_1() -> None:
    aids = [bytes.fromhex(f"A0000003330101{n:02X}") for n in range(10)]
    first = ic.query_answer(aids, 0, 8)
    assert first[:1] == b"2" and ic.parse_aid_list(first) == ("2", aids[:8])
    assert ic.parse_aid_list(ic.query_answer(aids, 8, 8)) == ("1", aids[8:])
    assert ic.query_answer(aids, 10, 8) == b"0"


def test_a_key_survives_the_round_trip_with_its_checksum_checked() -> None:
    key = load_test_ca_keys()[0]
    data = ic.key_answer(key)
    assert {item.tag for item in decode(data[1:])} == {"9F06", "9F22", "DF05", "DF06", "DF07", "DF02", "DF04", "DF03"}
    assert ic.parse_key_answer(data) == key
    damaged = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(CupFieldError, match="CA key refused: CA key A000000333/08: the checksum does not match"):
        ic.parse_key_answer(damaged)


def test_an_answer_with_another_status_character_is_refused_naming_it() -> None:
    with pytest.raises(CupFieldError, match="field 62 status: offset 0: CA key: status 39"):
        ic.parse_key_answer(b"9")


def ic_exchange(terminal: CupTerminal, kind: str, step: str, data: bytes | None = None):  # noqa: ANN201
    return terminal.send(requests.ic_download_request(kind, step, terminal.next_stan(), CONFIG, 1, data), sign=False)


def test_the_host_lists_and_serves_its_test_ca_keys(terminal: CupTerminal) -> None:
    listed = ic_exchange(terminal, "ca-keys", "query", ic.query_request(0))
    assert (listed.response.mti, listed.response_code) == ("0830", "00")
    status, entries = ic.parse_key_list(listed.response[62])
    assert status == "1" and [e.name for e in entries] == [k.name for k in load_test_ca_keys()]
    served = ic_exchange(terminal, "ca-keys", "download", ic.key_download_request(entries[0].rid, entries[0].index))
    assert ic.parse_key_answer(served.response[62]) == load_test_ca_keys()[0]


def test_a_key_the_host_does_not_hold_is_answered_status_0(terminal: CupTerminal) -> None:
    unknown = ic_exchange(terminal, "ca-keys", "download", ic.key_download_request(bytes.fromhex("A000000999"), 1))
    assert unknown.response_code == "00" and unknown.response[62] == b"0"


def test_a_download_request_without_its_tlv_is_a_format_error(terminal: CupTerminal) -> None:
    assert ic_exchange(terminal, "parameters", "download", b"\x9f").response_code == "30"


def test_the_end_of_a_download_is_journaled_with_the_version_downloaded(terminal: CupTerminal) -> None:
    assert ic_exchange(terminal, "ca-keys", "end").response_code == "00"
    journal = HostJournal(terminal.host.config.journal_path)
    assert journal.ic_download_version("POSSIM01", "ca-keys") is not None
    assert journal.ic_download_version("POSSIM01", "parameters") is None
