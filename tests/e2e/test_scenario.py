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
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(text)
    code = main(["scenario", str(scenario), "--data", str(tmp_path / "data"), "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else captured.err


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


def test_host_rules_in_a_scenario_inject_faults(tmp_path: Path, capsys) -> None:
    code, report = run(tmp_path, '''
[terminal]
response_timeout = 1.0

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


@pytest.mark.parametrize(("text", "message"), [
    ('[[step]]\noperation = "refundx"\n', "operation 'refundx'"),
    ('[[step]]\noperation = "refund"\noriginal_rrn = "{later.rrn}"\n', "refers to 'later'"),
    ('[[step]]\noperation = "sale"\ncolour = "red"\n', "unknown key 'colour'"),
    ('name = "empty"\n', "at least one [[step]]"),
])
def test_a_malformed_scenario_is_bad_input(tmp_path: Path, capsys, text: str, message: str) -> None:
    code, err = run(tmp_path, text, capsys)
    assert code == 2 and message in err


def test_the_documented_example_passes(tmp_path: Path, capsys) -> None:
    import re

    doc = (Path(__file__).parents[2] / "docs" / "scenarios.md").read_text()
    example = re.search(r"```toml\n(.*?)```", doc, re.S).group(1)
    code, report = run(tmp_path, example, capsys)
    assert code == 0 and report["passed"] is True
