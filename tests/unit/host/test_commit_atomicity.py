"""State outside SQLite follows the journal: a failed commit leaves no keys, no session cache, no rule count.

The group committer answers only what is durable (simulator.host.committer); a sign-on's new keys
and a ``times = N`` rule's count are kept only when the request's group commits
(simulator.host.effects), and are read through by the later requests of the same group.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from iso8583 import Message
from protocols.defaults import TEST_KEYS
from protocols.security import sign_on_keys, sign_request
from simulator.host import HostDecision, HostLogic
from simulator.host.keyring import HostKeyring

from tests.keystore_writes import count_rewrites

from .conftest import MiniTerminal, make_host
from .groups import in_one_group

ONE_DECLINE = '[[rule]]\nname = "one decline"\nmti = "0200"\nrespond = "05"\ntimes = 1\n'


@pytest.fixture
def scripted_host(tmp_path: Path) -> Iterator[HostLogic]:
    logic = make_host(tmp_path / "data", ONE_DECLINE)
    yield logic
    logic.close()


def _signed_on(host: HostLogic) -> MiniTerminal:
    mini = MiniTerminal(host)
    assert mini.sign_on().response_code == "00"
    return mini


def _sign_on_request(mini: MiniTerminal) -> Message:
    message = mini.base("0800")
    message.fields[70] = "001"
    return sign_request(message, mini.dialect, sign_on_keys(TEST_KEYS.terminal_master_key))


def _in_one_group(host: HostLogic, *requests: Message) -> list[HostDecision]:
    return in_one_group(host, requests)[0]


def _failing_commit(host: HostLogic, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full() -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(host.journal, "_commit", disk_full)


def _stored_session_key(host: HostLogic, terminal_id: str) -> bytes:
    """The MAC key a freshly started host would read from the key store file."""
    keys = HostKeyring(host.config, host.dialect).session_keys(terminal_id)
    assert keys is not None
    return keys.request_mac_key


def test_a_sign_on_whose_group_commit_fails_is_answered_96(host: HostLogic, monkeypatch: pytest.MonkeyPatch) -> None:
    mini = _signed_on(host)
    _failing_commit(host, monkeypatch)
    [decision] = _in_one_group(host, _sign_on_request(mini))
    assert decision.response_code == "96"


def test_a_failed_sign_on_commit_leaves_the_key_store_file_unchanged(
    host: HostLogic, monkeypatch: pytest.MonkeyPatch
) -> None:
    mini = _signed_on(host)
    before = host.config.keystore_path.read_bytes()
    _failing_commit(host, monkeypatch)
    _in_one_group(host, _sign_on_request(mini))
    assert host.config.keystore_path.read_bytes() == before


def test_a_failed_sign_on_commit_leaves_the_session_cache_unchanged(
    host: HostLogic, monkeypatch: pytest.MonkeyPatch
) -> None:
    mini = _signed_on(host)
    _failing_commit(host, monkeypatch)
    _in_one_group(host, _sign_on_request(mini))
    keys = host.keyring.session_keys(mini.terminal_id)
    assert mini.session is not None and keys is not None
    assert keys.request_mac_key == mini.session.request_mac_key
    monkeypatch.undo()
    assert mini.sale().response_code == "00"  # the terminal's keys still work


def test_a_failed_group_commit_leaves_the_rule_count_unchanged(
    scripted_host: HostLogic, monkeypatch: pytest.MonkeyPatch
) -> None:
    mini = _signed_on(scripted_host)
    _failing_commit(scripted_host, monkeypatch)
    [decision] = _in_one_group(scripted_host, mini.financial("000000", 2500))
    assert decision.response_code == "96"
    assert scripted_host.rules.remaining(0) == 1


def test_a_rule_not_used_up_by_a_failed_commit_still_fires(
    scripted_host: HostLogic, monkeypatch: pytest.MonkeyPatch
) -> None:
    mini = _signed_on(scripted_host)
    _failing_commit(scripted_host, monkeypatch)
    _in_one_group(scripted_host, mini.financial("000000", 2500))
    monkeypatch.undo()
    assert [mini.sale(2500).response_code, mini.sale(2500).response_code] == ["05", "00"]


def test_a_failed_group_commit_moves_no_money(host: HostLogic, monkeypatch: pytest.MonkeyPatch) -> None:
    mini = _signed_on(host)
    _failing_commit(host, monkeypatch)
    decisions = _in_one_group(host, mini.financial("000000", 2500), mini.financial("000000", 1000))
    assert [d.response_code for d in decisions] == ["96", "96"]
    assert host.journal.ledger() == [] and host.journal.transactions() == []


def test_a_sale_after_a_sign_on_in_the_same_group_verifies_with_the_new_keys(host: HostLogic) -> None:
    mini = _signed_on(host)
    with host.journal.atomic():  # one group: nothing committed yet
        assert mini.sign_on().response_code == "00"
        assert mini.sale().response_code == "00"


def test_new_session_keys_reach_the_key_store_only_when_the_group_commits(host: HostLogic) -> None:
    mini = _signed_on(host)
    before = host.config.keystore_path.read_bytes()
    with host.journal.atomic():
        mini.sign_on()
        assert host.config.keystore_path.read_bytes() == before
    assert mini.session is not None
    assert _stored_session_key(host, mini.terminal_id) == mini.session.request_mac_key


def test_a_later_request_of_the_group_sees_the_rule_used_up(scripted_host: HostLogic) -> None:
    mini = _signed_on(scripted_host)
    with scripted_host.journal.atomic():
        assert [mini.sale(2500).response_code, mini.sale(2500).response_code] == ["05", "00"]


def test_a_sign_on_failing_alone_leaves_no_keys(host: HostLogic, monkeypatch: pytest.MonkeyPatch) -> None:
    mini = _signed_on(host)
    before = host.config.keystore_path.read_bytes()
    previous = mini.session

    def boom(**kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(host.journal, "record_session", boom)
    with host.journal.atomic():  # its own savepoint rolls back; the group commits
        assert mini.send(_sign_on_request(mini)).response_code == "96"
    keys = host.keyring.session_keys(mini.terminal_id)
    assert previous is not None and keys is not None and keys.request_mac_key == previous.request_mac_key
    assert host.config.keystore_path.read_bytes() == before


def test_a_request_failing_alone_does_not_use_up_its_rule(
    scripted_host: HostLogic, monkeypatch: pytest.MonkeyPatch
) -> None:
    mini = _signed_on(scripted_host)

    def boom(**kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(scripted_host.journal, "store_response", boom)
    with scripted_host.journal.atomic():
        assert mini.sale(2500).response_code == "96"
    assert scripted_host.rules.remaining(0) == 1


def test_a_group_of_sign_ons_rewrites_the_key_store_once(host: HostLogic, monkeypatch: pytest.MonkeyPatch) -> None:
    mini = _signed_on(host)
    written = count_rewrites(monkeypatch)
    decisions = _in_one_group(host, _sign_on_request(mini), _sign_on_request(mini), _sign_on_request(mini))
    assert [decision.response_code for decision in decisions] == ["00", "00", "00"]
    assert written == [host.config.keystore_path]


def test_the_key_store_file_holds_the_last_sign_on_of_a_group(host: HostLogic) -> None:
    mini = _signed_on(host)
    _in_one_group(host, _sign_on_request(mini), _sign_on_request(mini))
    session = host.keyring.session_keys(mini.terminal_id)
    assert session is not None and _stored_session_key(host, mini.terminal_id) == session.request_mac_key
