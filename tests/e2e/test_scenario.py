"""``possim scenario``: scripted operations against the embedded host, with expectations, for CI pipelines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main

REFUNDS = '''
name = "partial refunds and a void"

[[step]]
name = "sale"
operation = "sale"
card = "visa_credit"
amount = "20.00"
pin = "1234"
expect = { approved = true, response_code = "00" }

[[step]]
name = "refund"
operation = "refund"
card = "visa_credit"
amount = "5.00"
original_rrn = "{sale.rrn}"
supervisor_password = "0000"
expect = { approved = true, "host.credit_channel" = "RT" }

[[step]]
name = "too_much"
operation = "refund"
card = "visa_credit"
amount = "15.01"
original_rrn = "{sale.rrn}"
supervisor_password = "0000"
expect = { approved = false }

[[step]]
name = "void"
operation = "void"
invoice = "{refund.invoice}"
supervisor_password = "0000"
expect = { approved = true }
'''


def run(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict | str]:
    """Run one scenario; the answer is its report (exit 0 or 1) or the stderr line (exit 2)."""
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(text)
    code = main(["scenario", str(scenario), "--data", str(tmp_path / "data"), "--json"])
    captured = capsys.readouterr()
    if not captured.out:
        return code, captured.err
    (report,) = json.loads(captured.out)["scenarios"]
    return code, report


def test_a_passing_scenario_exits_0_and_reports_every_step(tmp_path: Path, capsys) -> None:
    code, report = run(tmp_path, REFUNDS, capsys)
    assert code == 0 and report["passed"] is True
    assert [step["name"] for step in report["steps"]] == ["sale", "refund", "too_much", "void"]
    assert report["steps"][3]["result"]["approved"] is True  # the void found the refund by its invoice


def test_a_failed_expectation_exits_1_and_names_the_field(tmp_path: Path, capsys) -> None:
    code, report = run(tmp_path, REFUNDS.replace('amount = "15.01"', 'amount = "15.00"'), capsys)
    assert code == 1 and report["passed"] is False
    (failed,) = [check for step in report["steps"] for check in step["checks"] if not check["ok"]]
    assert failed == {"field": "approved", "expected": False, "actual": True, "ok": False}
    assert report["steps"][2]["status"] == "failed"


def test_host_rules_in_a_scenario_inject_faults(tmp_path: Path, capsys) -> None:
    code, report = run(tmp_path, '''
[terminal]
response_timeout = 0.4

[[host.rule]]
mti = "0200"
drop = true
times = 1

[[step]]
operation = "sale"
card = "visa_credit"
amount = "1.00"
expect = { approved = false, "reversal.status" = "acked" }
''', capsys)
    assert code == 0, report


SALE = '[[step]]\nname = "sale"\noperation = "sale"\ncard = "visa_credit"\namount = "1.00"\n'


@pytest.mark.parametrize(("text", "message"), [
    ('[[step]]\noperation = "refundx"\n', "operation 'refundx'"),
    ('[[step]]\noperation = "refund"\ncard = "visa_credit"\namount = "1.00"\noriginal_rrn = "{later.rrn}"\n',
     "step 1 (step1): original_rrn refers to 'later'"),
    ('[[step]]\noperation = "sale"\ncolour = "red"\n', "step 1 (step1): unknown key 'colour'"),
    ('name = "empty"\n', "at least one [[step]]"),
    ('colour = "red"\n' + SALE, "unknown top-level key 'colour'"),
    (SALE + 'expect = { aproved = true }\n', "step 1 (sale): expect: unknown key 'aproved'"),
    (SALE + 'expect = { request = { feilds = { 39 = "00" } } }\n', "step 1 (sale): expect.request: unknown key 'feilds'"),
    (SALE + 'expect = { response = { fields = { 1 = "00" } } }\n', "expect.response.fields: '1' is not a data element"),
    (SALE + 'expect = { response = { mac = "ok" } }\n', "expect.response.mac must be one of valid, invalid, absent"),
    (SALE + 'expect = { request = { fields = { 63 = { pattern = "(" } } } }\n', "fields.63.pattern is not a regular"),
    (SALE + 'expect = { "reversal.state" = "acked" }\n', "unknown key 'reversal.state'"),
    (SALE + 'expect = { sent = ["200"] }\n', "expect.sent must be a list of 4-digit MTIs"),
    (SALE + '[[host.rule]]\nmti = "0200"\ndrop = true\ntimez = 1\n', "[[host.rule]] rule 1: unknown key(s) timez"),
    ('[terminal]\nkey_schem = "mksk"\n' + SALE, "[terminal]: unknown key 'key_schem'"),
    ('[terminal]\nhost_url = "tcp://127.0.0.1:1"\n' + SALE, "'host_url' is set by possim scenario"),
    (SALE.replace('visa_credit', 'visa_platinum'), "card 'visa_platinum' is not a shipped test card"),
    (SALE.replace('"1.00"', '"1.001"'), "amount '1.001': USD has 2 decimals"),
    ('[[step]]\noperation = "void"\namount = "1.00"\ninvoice = 1\n', "void does not take 'amount'"),
    ('[[step]]\noperation = "void"\n', "void needs 'invoice'"),
])
def test_a_malformed_scenario_is_bad_input(tmp_path: Path, capsys, text: str, message: str) -> None:
    code, err = run(tmp_path, text, capsys)
    assert code == 2 and message in err and "scenario.toml" in err


def test_the_documented_example_passes(tmp_path: Path, capsys) -> None:
    import re

    doc = (Path(__file__).parents[2] / "docs" / "scenarios.md").read_text()
    example = re.search(r"```toml\n(.*?)```", doc, re.S).group(1)
    code, report = run(tmp_path, example, capsys)
    assert code == 0 and report["passed"] is True
