"""When the host does not answer: the reversal is sent (or left pending) and the UI shows it."""

from __future__ import annotations

from pos_terminal.records import MessageDirection, TxnStatus

from tests.ui.conftest import SIZE, MakeApp, StartHost, lcd, message_log, status_bar, type_keys

SALE = ("f1", "2500", "enter", "i", "1234", "enter")
FAST = {"response_timeout": 0.5, "reversal_attempts_per_run": 1}


async def test_a_dropped_response_is_reversed_at_once(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host([{"mti": "0200", "drop": True}])
    app = make_app(host.url, **FAST)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, *SALE)
        assert lcd(app) == ["SALE        USD 25.00", "NO HOST RESPONSE", "REVERSAL SENT", "INV 000001"]
        journal = app.model.journal
        assert [(m.direction, m.mti) for m in journal.messages()][-2:] == [
            (MessageDirection.OUT, "0400"), (MessageDirection.IN, "0410")]
        assert journal.pending_reversals() == []
        assert ">> SENT 0400" in message_log(app) and "<< RECEIVED 0410" in message_log(app)
        assert "HOST FAILED" in status_bar(app) and "REVERSALS 0" in status_bar(app)


async def test_a_reversal_the_host_does_not_answer_stays_pending(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host([{"mti": ["0200", "0400", "0401"], "drop": True}])
    app = make_app(host.url, **FAST)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, *SALE)
        assert lcd(app)[1:3] == ["NO HOST RESPONSE", "REVERSAL PENDING"]
        journal = app.model.journal
        assert len(journal.pending_reversals()) == 1
        assert journal.last_transaction().status is not TxnStatus.APPROVED
        assert "REVERSALS 1" in status_bar(app)


async def test_a_stopped_host_leaves_nothing_sent(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url, **FAST)
    async with app.run_test(size=SIZE) as pilot:
        await host.stop()
        await type_keys(pilot, *SALE)
        assert lcd(app)[1:3] == ["NO HOST RESPONSE", "NOTHING SENT"]
        assert "HOST FAILED" in status_bar(app)


async def test_pulling_the_cable_loses_the_answer_and_plugging_it_back_sends_the_reversal(
    make_app: MakeApp, start_host: StartHost
) -> None:
    host = await start_host()
    app = make_app(host.url, host=host, **FAST)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, *SALE, "escape")  # signed on, one sale approved
        await type_keys(pilot, "p", *SALE)
        assert lcd(app)[1:3] == ["NO HOST RESPONSE", "REVERSAL PENDING"]
        assert "CABLE PULLED" in status_bar(app) and "REVERSALS 1" in status_bar(app)
        await type_keys(pilot, "escape")
        await type_keys(pilot, "p", *SALE)
        assert lcd(app)[1] == "APPROVED"
        statuses = [record.status for record in app.model.journal.transactions()]
        assert statuses == [TxnStatus.APPROVED, TxnStatus.REVERSED, TxnStatus.APPROVED]
        assert "CABLE PULLED" not in status_bar(app) and "REVERSALS 0" in status_bar(app)
