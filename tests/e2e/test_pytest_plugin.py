"""The pytest plugin (simulator/pytest_plugin.py): its documented example runs as a user runs it, in a
fresh pytest process (pytester), and the plugin stays out of the way of a suite that loads it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pos_terminal.state.records import MessageDirection
from simulator import pytest_plugin

pytest_plugins = ["pytester"]

DOC = Path(__file__).parents[2] / "docs" / "pytest-plugin.md"


def test_the_documented_example_passes_in_a_fresh_pytest_run(pytester: pytest.Pytester) -> None:
    example = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    pytester.makepyfile(test_refunds=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=4)


def test_the_plugin_is_loaded_by_its_entry_point(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("possim")


def test_the_plugin_adds_only_its_two_fixtures_none_autouse() -> None:
    fixtures = {name: value for name, value in vars(pytest_plugin).items()
                if hasattr(value, "_fixture_function_marker") or type(value).__name__ == "FixtureFunctionDefinition"}
    assert set(fixtures) == {"possim_host", "possim_terminal"}
    hooks = {name for name in vars(pytest_plugin) if name.startswith("pytest_")}
    assert hooks == {"pytest_configure"}


def test_a_bad_rule_is_refused_naming_the_rule(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bad='''
import pytest

@pytest.mark.possim_rules({"mti": "0200", "drop": True, "timez": 1})
def test_uses_the_host(possim_host):
    pass
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*rule 1: unknown key(s) timez*"])


@pytest.mark.possim_config(key_scheme="dukpt-tdes")
async def test_the_terminal_observes_its_messages_with_their_mac_verdicts(possim_terminal) -> None:
    sale = await possim_terminal.sale("visa_credit", "10.00", pin="1234")
    assert sale.approved
    (request, response) = possim_terminal.exchanges
    assert (request.direction, response.direction) == (MessageDirection.OUT, MessageDirection.IN)
    assert request.mac_verified is True and response.mac_verified is True
    assert possim_terminal.messages("0200")[0]["fields"]["35"].startswith("476173******")
    assert possim_terminal.messages("0200", reveal=True)[0]["fields"]["35"].startswith("4761739001010010=")


@pytest.mark.possim_rules({"mti": "0800", "network_code": "301", "respond": "91"})
def test_a_sync_test_can_drive_the_terminal_with_asyncio_run(possim_terminal) -> None:
    import asyncio

    assert asyncio.run(possim_terminal.echo()).response_code == "91"


def test_a_plain_test_may_call_asyncio_run_more_than_once(possim_terminal) -> None:
    """Each asyncio.run is a new event loop: the terminal's kept connection belongs to the loop that opened it."""
    import asyncio

    sale = asyncio.run(possim_terminal.sale("visa_credit", "10.00", pin="1234"))
    assert sale.approved
    assert asyncio.run(possim_terminal.refund("visa_credit", "4.00", original=sale)).approved
    assert asyncio.run(possim_terminal.echo()).response_code == "00"


def test_the_synchronous_helpers_need_no_event_loop(possim_terminal) -> None:
    sale = possim_terminal.sync.sale("visa_credit", "10.00", pin="1234")
    refund = possim_terminal.sync.refund("visa_credit", "4.00", original=sale)
    assert refund.approved and refund.original["refundable_remaining"] == 600
    assert possim_terminal.sync.void(refund).approved
    assert possim_terminal.sync.echo().response_code == "00"


async def test_the_synchronous_helpers_refuse_inside_a_running_loop_naming_await(possim_terminal) -> None:
    with pytest.raises(pytest_plugin.SyncInEventLoop, match="await possim_terminal.sale"):
        possim_terminal.sync.sale("visa_credit", "10.00", pin="1234")


def test_the_host_journal_is_a_read_only_view(possim_host, possim_terminal) -> None:
    possim_terminal.sync.sale("visa_credit", "10.00", pin="1234")
    with possim_host.journal() as journal:
        assert [(txn.mti, txn.status.value, txn.amount) for txn in journal.transactions()] == [("0200", "approved", 1000)]
        assert journal.net_debit() == 1000
        with pytest.raises(pytest_plugin.ReadOnlyJournal, match="set_status"):
            journal.set_status(1, "reversed")
        with pytest.raises(pytest_plugin.ReadOnlyJournal, match="insert_transaction"):
            _ = journal.insert_transaction
    with possim_host.journal() as journal:
        assert journal.transactions()[0].status.value == "approved"


def _http(method: str, url: str, body: object = None) -> dict:
    import json
    import urllib.request

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


async def test_the_host_fixture_exposes_its_api_to_steer_it_over_http(possim_host, possim_terminal) -> None:
    import asyncio

    assert possim_host.api_url.startswith("http://127.0.0.1:")
    health = await asyncio.to_thread(_http, "GET", possim_host.api_url + "/api/health")
    assert health["listener"] == possim_host.url
    added = await asyncio.to_thread(_http, "POST", possim_host.api_url + "/api/rules",
                                    {"mti": "0200", "processing_code": "000000", "respond": "51", "times": 1})
    declined = await possim_terminal.sale("visa_credit", "10.00", pin="1234")
    assert (declined.approved, declined.response_code) == (False, "51")
    rules = await asyncio.to_thread(_http, "GET", possim_host.api_url + "/api/rules")
    assert [(r["id"], r["fired"], r["remaining"]) for r in rules["rules"]] == [(added["id"], 1, 0)]
    moved = await asyncio.to_thread(_http, "POST", possim_host.api_url + "/api/business-date", {"days": 2})
    assert moved["offset_days"] == 2
