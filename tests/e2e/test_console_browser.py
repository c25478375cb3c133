"""The web console in a real headless browser: the distribution's Chromium driven by Playwright.

A sale made by ``possim txn`` appears in the live table within 2 seconds; a click shows its decoded
message (masked); a decline rule added on the page declines the next sale; advancing the business date
on the page turns a batch refund's credit from pending to posted.

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


@pytest.fixture
def browser_page() -> Iterator[object]:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_default_timeout(5000)
            yield page
        finally:
            browser.close()


def test_the_console_shows_traffic_steers_rules_and_moves_the_date(browser_page: object, tmp_path: Path) -> None:
    from playwright.sync_api import Page, expect

    page: Page = browser_page  # type: ignore[assignment]
    host = ConsoleHost.start(tmp_path / "host")
    terminal = tmp_path / "terminal"
    try:
        page.goto(host.console + "/")
        expect(page.locator("#health")).to_have_attribute("data-stream", "live")

        sale(host, terminal, "12.34")
        row = page.locator("#traffic tbody tr", has_text="12.34")
        expect(row).to_be_visible(timeout=LIVE_WITHIN_MS)
        expect(row).to_contain_text("476173******0010")
        row.click()
        expect(page.locator("#message")).to_contain_text("0200")
        expect(page.locator("#message")).to_contain_text("476173******0010")
        assert "4761739001010010" not in page.content()

        amex = sale(host, terminal, "30.00", card="amex")
        rrn = refund(host, terminal, "10.00", amex["invoice"], card="amex")["rrn"]
        credit = page.locator("#refunds tbody tr", has_text=rrn).locator("td.credit")
        expect(credit).to_have_text("pending")

        page.fill("#rule-json", '{"name": "decline sales", "mti": "0200", "processing_code": "000000", '
                                '"respond": "05"}')
        page.click("#rule-add")
        expect(page.locator("#rules tbody tr", has_text="decline sales")).to_be_visible()
        declined = sale(host, terminal, "7.77")
        assert (declined["approved"], declined["response_code"]) == (False, "05")
        expect(page.locator("#traffic tbody tr", has_text="7.77").locator("td.declined")).to_have_text("05")

        page.fill("#advance-days", "7")
        page.click("#advance")
        expect(credit).to_have_text("posted")
    finally:
        host.stop()
