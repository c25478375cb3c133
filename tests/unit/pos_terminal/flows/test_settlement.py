"""Settlement (pos_terminal.flows.settlement and the profiles' reconcile), driven with scripted answers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from pos_terminal.common.failures import CommunicationFailure
from pos_terminal.flows import settlement
from pos_terminal.journal import Journal
from pos_terminal.output.batch_totals import batch_totals
from pos_terminal.profiles import Possim87Profile
from pos_terminal.state.config import TerminalConfig
from tests.unit.pos_terminal.flows.script import MOMENT, config, lost, memory, new_sale, scripted

POSSIM = Possim87Profile()


@dataclass
class Link:
    """What a profile reads of the engine: configuration, journal, clock."""

    config: TerminalConfig
    journal: Journal

    def now(self) -> datetime:
        return MOMENT


@pytest.fixture
def link(tmp_path: Path) -> Iterator[Link]:
    journal = Journal.open(tmp_path / "journal.sqlite3")
    yield Link(config(), journal)
    journal.close()


def settle(link: Link, *replies: str | Exception) -> tuple[settlement.Settled, list[str]]:
    script = scripted(*replies)
    settled = script.run(settlement.settle(POSSIM, link.config, memory(), link, 1,
                                           lambda batch: batch_totals(link.journal, batch)))
    return settled, [f"{send.request.mti}/{send.request[3]}" for send in script.sent]


def test_totals_that_agree_close_the_batch(link: Link) -> None:
    settled, sent = settle(link, "00")
    assert sent == ["0500/920000"]
    assert (settled.reconciliation.closed, settled.reconciliation.uploaded) == (True, False)


def test_95_uploads_the_batch_and_settles_again(link: Link) -> None:
    settled, sent = settle(link, "95", "00")
    assert sent == ["0500/920000", "0500/960000"]
    assert (settled.reconciliation.response_code, settled.reconciliation.closed) == ("00", True)
    assert settled.reconciliation.uploaded


def test_what_is_owed_goes_before_the_totals(link: Link) -> None:
    state, script = memory(), scripted("00", "00")
    state.begin(new_sale(), reversible=True)  # a reversal owed
    script.run(settlement.settle(POSSIM, link.config, state, link, 1, lambda batch: batch_totals(link.journal, batch)))
    assert [send.request.mti for send in script.sent] == ["0400", "0500"]


def test_a_settlement_without_an_answer_fails_and_closes_nothing(link: Link) -> None:
    with pytest.raises(CommunicationFailure):
        settle(link, lost())
