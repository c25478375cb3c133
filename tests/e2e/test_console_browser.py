"""The web console in a real headless browser: the distribution's Chromium driven by Playwright.

Exchanges made before the page opened are in the live table when it opens (once each, also after the
next live one); a sale made by ``possim txn`` appears in it within 2 seconds; a click shows its decoded
message (masked); a decline rule added on the page declines the next sale (held while the table is
paused, shown on resume); advancing the business date
on the page turns a batch refund's credit from pending to posted, a badge inside the window at
1400x1000 that looks different in each state. A DCC refund shows the amount in the card's currency at the
rate and a cross-border marker; the live table shows a currency's code only when it is not the terminal's
usual one.

``make test`` and CI install the ``chromium`` package when it is missing (``make browser``); the test is
skipped, saying why, only where no Chromium is installed, and fails instead under CI (CI=true), which
must run it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import console_host
from tests.e2e.console_host import ConsoleHost

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
LIVE_WITHIN_MS = 2000


def _chromium() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    reason = ("no Chromium on this machine (looked for chromium, chromium-browser, google-chrome); "
              "`make browser` installs the distribution's package (apt-get, as root or with sudo)")
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser test: {reason}")
    pytest.skip(reason)


def _in_thread(function: Callable[..., Any], *args: Any, **options: Any) -> Any:
    """Run ``possim txn`` beside Playwright's event loop (its sync API keeps one running on this thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args, **options).result(timeout=60)


def sale(*args: Any, **options: Any) -> dict[str, Any]:
    return _in_thread(console_host.sale, *args, **options)  # type: ignore[no-any-return]


def refund(*args: Any, **options: Any) -> dict[str, Any]:
    return _in_thread(console_host.refund, *args, **options)  # type: ignore[no-any-return]


VIEWPORT = {"width": 1400, "height": 1000}


@pytest.fixture
def browser_page() -> Iterator[object]:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(5000)
            yield page
        finally:
            browser.close()


def test_the_console_shows_traffic_steers_rules_and_moves_the_date(browser_page: object, tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect

    page: Page = browser_page  # type: ignore[assignment]
    host = ConsoleHost.start(tmp_path / "host")
    terminal = tmp_path / "terminal"
    terminal.mkdir()
    (terminal / "terminal.toml").write_text('dcc = true\ncurrencies = ["840", "978"]\n', encoding="utf-8")
    try:
        amex = sale(host, terminal, "30.00", card="amex")  # before the page opens: the table is backfilled
        rrn = refund(host, terminal, "10.00", amex["invoice"], card="amex")["rrn"]
        gbp = sale(host, terminal, "20.00", "visa_gbp", "--dcc", "accept")  # a UK card paying in GBP by DCC
        dcc_rrn = refund(host, terminal, "5.00", gbp["invoice"], card="visa_gbp")["rrn"]
        sale(host, terminal, "9.99", "visa_credit", "--currency", "EUR")
        page.goto(host.console + "/")
        expect(page.locator("#health")).to_have_attribute("data-stream", "live")
        expect(page.locator("#traffic tbody tr", has_text="30.00")).to_have_count(1)
        expect(page.locator("#traffic tbody tr", has_text="374245*****0126")).to_have_count(2)  # sale and refund
        # the terminal's usual currency (USD) without its code, another with it
        expect(page.locator("#traffic tbody tr", has_text="EUR 9.99")).to_have_count(2)  # rate inquiry and sale
        expect(page.locator("#traffic tbody tr", has_text="USD")).to_have_count(0)
        dcc_refund = page.locator("#refunds tbody tr", has_text=dcc_rrn)
        expect(dcc_refund.locator("td .dcc")).to_have_text("GBP 4.06 @ 0.8124750")  # 5.00 x 0.8124750
        expect(dcc_refund.locator(".abroad")).to_be_visible()
        expect(page.locator("#refunds tbody tr", has_text=rrn).locator(".abroad, .dcc")).to_have_count(0)

        sale(host, terminal, "12.34")
        row = page.locator("#traffic tbody tr", has_text="12.34")
        expect(row).to_be_visible(timeout=LIVE_WITHIN_MS)
        expect(row).to_contain_text("476173******0010")
        row.click()
        expect(page.locator("#message")).to_contain_text("0200")
        expect(page.locator("#message")).to_contain_text("476173******0010")
        assert "4761739001010010" not in page.content()
        expect(page.locator("#traffic tbody tr", has_text="30.00")).to_have_count(1)  # no repeat at the seam

        credit = page.locator("#refunds tbody tr", has_text=rrn).locator("td.credit .badge")
        expect(credit).to_have_text("pending")
        pending_look = _look(credit)
        _assert_readable(page, credit)

        page.fill("#rule-json", '{"name": "decline sales", "mti": "0200", "processing_code": "000000", '
                                '"respond": "05"}')
        page.click("#rule-add")
        expect(page.locator("#rules tbody tr", has_text="decline sales")).to_be_visible()
        page.get_by_role("button", name="Pause").click()  # held while paused, shown on resume
        declined = sale(host, terminal, "7.77")
        assert (declined["approved"], declined["response_code"]) == (False, "05")
        page.get_by_role("button", name="Resume (1 new)").click()
        expect(page.locator("#traffic tbody tr", has_text="7.77").locator("td.declined")).to_have_text("05")
        expect(page.get_by_label("Terminal")).to_have_value("")  # the filter is labelled, showing all terminals

        page.fill("#advance-days", "7")
        page.click("#advance")
        expect(credit).to_have_text("posted")
        assert _look(credit) != pending_look  # a person tells pending from posted at a glance
        _assert_readable(page, credit)
    finally:
        host.stop()


def _look(locator: Any) -> tuple[str, str]:
    """The badge's background and text colours, as the browser paints them."""
    return locator.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]")  # type: ignore[no-any-return]


def _assert_readable(page: Any, badge: Any) -> None:
    """In the window at 1400x1000, the refunds panel not scrolling sideways (nothing of it cut off)."""
    from playwright.sync_api import expect

    expect(badge).to_be_in_viewport(ratio=1)
    overflow = page.locator("#refunds-section").evaluate("e => e.scrollWidth - e.clientWidth")
    assert overflow <= 0, f"the refunds panel scrolls sideways by {overflow}px"
