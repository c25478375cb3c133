"""``possim load --dialect iso93binary`` (and iso93ebcdic): the load generator's terminals speak ISO 8583:1993.

The light terminal and the engine run the same iso93 profile through the profile registry; the embedded
host serves them with the iso93 host protocol. Counts and money only (speed belongs in benchmarks/).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from protocols.security import KeyScheme
from simulator.host.journal import Cause, Direction, HostJournal
from simulator.load import LoadPlan, TerminalModel, run_load
from simulator.load.plan import Mix


@pytest.mark.parametrize(("dialect", "scheme", "model"), [
    ("iso93binary", KeyScheme.MKSK, TerminalModel.LIGHT), ("iso93ebcdic", KeyScheme.DUKPT_AES, TerminalModel.LIGHT),
    ("iso93binary", KeyScheme.DUKPT_TDES, TerminalModel.ENGINE),
], ids=["binary-mksk-light", "ebcdic-dukpt-aes-light", "binary-dukpt-tdes-engine"])
async def test_sales_refunds_and_voids_in_1993_terms_are_approved_and_move_money_once(
    tmp_path: Path, dialect: str, scheme: KeyScheme, model: TerminalModel
) -> None:
    plan = LoadPlan(terminals=2, transactions=8, mix=Mix.parse("sale=2,refund=1,void=1"), key_scheme=scheme,
                    dialect=dialect, response_timeout=5.0, duration_limit=60.0, model=model)
    report = await run_load(plan, host_url=None, data_dir=tmp_path)

    assert report.errors == [] and not report.stopped_early
    assert all(counts["declined"] == counts["refused"] == counts["failed"] == 0 for counts in report.counts.values())
    assert sum(report.counts[op]["approved"] for op in ("sale", "refund", "void")) == 16
    journal = HostJournal(tmp_path / "host" / "host-journal.sqlite3")
    try:
        mtis = Counter(row["mti"] for row in journal.messages() if row["direction"] == "in")
        assert set(mtis) <= {"1804", "1200", "1420"} and mtis["1200"] >= 8
        for terminal_id in ("LOAD0001", "LOAD0002"):
            ledger = journal.ledger(terminal_id)
            ids = [entry.transaction_id for entry in ledger]
            assert len(ids) == len(set(ids)), "a transaction moved money twice"
            assert {(e.cause, e.direction) for e in ledger} <= {(Cause.SALE, Direction.DEBIT),
                                                               (Cause.REFUND, Direction.CREDIT),
                                                               (Cause.VOID, Direction.CREDIT),
                                                               (Cause.VOID, Direction.DEBIT)}
    finally:
        journal.close()
