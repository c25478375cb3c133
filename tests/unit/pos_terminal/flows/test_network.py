"""Sign-on and the keys of the next request (pos_terminal.flows.network), driven with scripted answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from iso8583.dialects import get_dialect
from pos_terminal.common.failures import CommunicationFailure, FailureKind
from pos_terminal.flows import network
from pos_terminal.flows.network import KeyContext
from pos_terminal.journal import Journal
from pos_terminal.profiles import NetworkKind, Possim87Profile
from pos_terminal.state.keyring import TerminalKeyring
from protocols.security import KeyScheme
from tests.unit.pos_terminal.flows.script import config, lost, memory, scripted

POSSIM = Possim87Profile()
CONFIG = config()


@pytest.fixture
def keyring(tmp_path: Path) -> Iterator[TerminalKeyring]:
    journal = Journal.open(tmp_path / "journal.sqlite3")
    yield TerminalKeyring.open(tmp_path, journal)
    journal.close()


def context(keyring: TerminalKeyring, scheme: KeyScheme = KeyScheme.MKSK) -> KeyContext:
    return KeyContext(keyring, scheme, get_dialect("terminal87"))


def test_without_working_keys_the_terminal_signs_on_before_its_request(keyring: TerminalKeyring) -> None:
    script = scripted("05")
    with pytest.raises(CommunicationFailure, match="sign-on failed: 05") as raised:
        script.run(network.message_keys(POSSIM, CONFIG, memory(), context(keyring)))
    assert script.mtis == ["0800"] and raised.value.kind is FailureKind.SIGN_ON_FAILED and not raised.value.sent


def test_an_approved_sign_on_whose_keys_cannot_be_read_is_refused(keyring: TerminalKeyring) -> None:
    end = scripted("00").run(network.network(POSSIM, CONFIG, memory(), context(keyring), NetworkKind.SIGN_ON))
    assert (end.response_code, end.approved) == ("00", False)
    assert (end.error or "").startswith("session keys refused") and not keyring.is_signed_on()


def test_dukpt_needs_no_sign_on_for_its_keys(keyring: TerminalKeyring) -> None:
    script = scripted()
    keys = script.run(network.message_keys(POSSIM, CONFIG, memory(), context(keyring, KeyScheme.DUKPT_AES)))
    assert keys.ksn is not None and script.sent == []


def test_an_echo_without_an_answer_ends_without_a_response_code(keyring: TerminalKeyring) -> None:
    script = scripted(lost())
    end = script.run(network.network(POSSIM, CONFIG, memory(), context(keyring), NetworkKind.ECHO))
    assert end.response_code is None and "no response" in (end.error or "") and script.mtis == ["0800"]
