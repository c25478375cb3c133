"""When the host does not answer: the reversal is sent (or left pending) and the UI shows it."""

from __future__ import annotations

from typing import Any

from pos_terminal.state.records import MessageDirection, TxnStatus
from simulator.tui.widgets import KeyHint, Lcd

from tests.ui.conftest import (
    SIZE, MakeApp, StartHost, key_hint, lcd, message_log, post_keys, settle, status_bar, type_keys,
)

SALE = ("f1", "2500", "enter", "i", "1234", "enter")
FAST = {"response_timeout": 0.5, "reversal_attempts_per_run": 1}
UNHURRIED = {"response_timeout": 2.0, "reversal_attempts_per_run": 1}
"""For tests whose sales must be approved: a busy machine's host may take more than FAST's 0.5 s to answer."""
NOTHING_ANSWERED = {"response_timeout": 0.3, "reversal_attempts_per_run": 1}
"""For hosts that answer nothing: every wait is a loss the test expects, so each is short."""


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
    app = make_app(host.url, **NOTHING_ANSWERED)
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
    app = make_app(host.url, host=host, **UNHURRIED)
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


async def test_reversal_retries_show_the_attempt_and_the_seconds_left(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host([{"mti": ["0200", "0400", "0401"], "drop": True}])
    app = make_app(host.url, response_timeout=0.3, reversal_attempts_per_run=3)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "f1", "2500", "enter", "i")
        screens = _record_screens(app)  # every screen shown, however busy the machine (no sampling)
        post_keys(pilot, "1234", "enter")
        for _ in range(400):  # the sale's timeout, then three reversal timeouts of 0.3 s (+ 1 s connects at most)
            await pilot.pause(0.05)
            if screens and not app.model.busy and not app.pump.pending:
                break
        progress = {screen[1] for screen in screens if screen[1].startswith("REVERSAL")}
        assert progress == {"REVERSAL 1 OF 3", "REVERSAL 2 OF 3", "REVERSAL 3 OF 3"}
        assert any(screen[3].startswith("AT MOST ") and screen[3].endswith(" S LEFT") for screen in screens)
        assert any(screen[4:5] == ("NO ANSWER: REVERSING THE REQUEST",) for screen in screens)
        await settle(pilot)
        assert lcd(app)[1:3] == ["NO HOST RESPONSE", "REVERSAL PENDING"]


def _record_screens(app: Any) -> list[tuple[str, ...]]:
    """From now on, the LCD and key hint as each change of either leaves them (LCD lines, then hint lines)."""
    screens: list[tuple[str, ...]] = []
    for widget in (app.query_one("#lcd", Lcd), app.query_one("#key-hint", KeyHint)):
        show = widget.show

        def recording_show(content: Any, _show: Any = show) -> None:
            _show(content)
            screens.append(tuple(lcd(app)) + tuple(key_hint(app)))

        widget.show = recording_show
    return screens


async def test_the_host_switch_makes_the_host_unreachable_so_a_refund_completes_offline(
    make_app: MakeApp, start_host: StartHost
) -> None:
    host = await start_host()
    app = make_app(host.url, offline_refunds=True)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, *SALE, "escape")
        await type_keys(pilot, "u")
        assert "HOST UNREACHABLE" in status_bar(app)
        await type_keys(pilot, "f2", "0000", "enter", "f2", "1", "enter", "enter", "1000", "enter", "01", "enter", "i")
        assert lcd(app)[:2] == ["REFUND      USD 10.00", "APPROVED OFFLINE"]
        journal = app.model.journal
        assert len(journal.pending_advices()) == 1
        assert [m.mti for m in journal.messages()][-1] == "0210"  # nothing was sent while unreachable
        await type_keys(pilot, "escape", "u")
        assert "HOST UNREACHABLE" not in status_bar(app)
        await type_keys(pilot, "f4", "f3")  # an echo test: the advice goes out first
        assert journal.pending_advices() == []
        assert "0220" in [m.mti for m in journal.messages()]
        assert app.model.config.host_url == host.url


async def test_the_host_switch_works_without_an_embedded_host(make_app: MakeApp, start_host: StartHost) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, "u", *SALE)
        assert lcd(app)[1:3] == ["NO HOST RESPONSE", "NOTHING SENT"]
        assert app.model.journal.messages() == []
        await type_keys(pilot, "escape", "u", *SALE)
        assert lcd(app)[1] == "APPROVED"


async def test_while_the_host_is_unreachable_the_status_bar_does_not_say_it_is_online(
    make_app: MakeApp, start_host: StartHost
) -> None:
    host = await start_host()
    app = make_app(host.url)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, *SALE, "escape")
        assert "HOST ONLINE" in status_bar(app)
        await type_keys(pilot, "u")
        bar = status_bar(app)
        assert "HOST FAILED" in bar and "HOST ONLINE" not in bar and "HOST UNREACHABLE" in bar, bar


async def test_after_an_offline_refund_the_status_bar_says_host_failed_until_the_host_answers_again(
    make_app: MakeApp, start_host: StartHost
) -> None:
    host = await start_host()
    app = make_app(host.url, offline_refunds=True)
    async with app.run_test(size=SIZE) as pilot:
        await type_keys(pilot, *SALE, "escape")
        await type_keys(pilot, "u")
        await type_keys(pilot, "f2", "0000", "enter", "f2", "1", "enter", "enter", "1000", "enter", "01", "enter", "i")
        assert lcd(app)[1] == "APPROVED OFFLINE"
        assert status_bar(app).startswith(" HOST FAILED | BATCH 000001 | REVERSALS 0 | ADVICES 1 "), status_bar(app)
        await type_keys(pilot, "escape", "u")  # reachable again, nothing exchanged yet: the refund's outcome stands
        assert status_bar(app).startswith(" HOST FAILED "), status_bar(app)
        await type_keys(pilot, "f4", "f3")  # an echo test: the advice goes out and the host answers
        assert status_bar(app).startswith(" HOST ONLINE | BATCH 000001 | REVERSALS 0 | ADVICES 0 "), status_bar(app)
