"""``possim scenario FILE... --junit PATH``: several scenarios in one run, one JUnit suite per file.

The JUnit document is validated against the Jenkins xUnit plugin's junit-10.xsd (tests/e2e/data,
the schema pytest also checks its own JUnit output against), with xmlschema.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from simulator.cli import main

SCHEMA = Path(__file__).with_name("data") / "junit-10.xsd"

REFUND = '''
name = "refund"
description = "a sale and a refund of part of it"

[[step]]
name = "sale"
operation = "sale"
card = "visa_credit"
amount = "20.00"
expect = { approved = true }

[[step]]
name = "refund"
operation = "refund"
card = "visa_credit"
amount = "5.00"
original_rrn = "{sale.rrn}"
supervisor_password = "0000"
expect = { approved = true, response = { fields = { 39 = "00" } } }
'''

DECLINED_SALE = '''
name = "declined sale, refund of it"

[[host.rule]]
mti = "0200"
respond = "05"
times = 1

[[step]]
name = "sale"
operation = "sale"
card = "visa_credit"
amount = "20.00"
expect = { approved = true }

[[step]]
name = "refund"
operation = "refund"
card = "visa_credit"
amount = "5.00"
original_rrn = "{sale.rrn}"
supervisor_password = "0000"
expect = { approved = true }
'''


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def two_scenarios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, ET.Element, dict]:
    """A passing and a failing scenario run together, with --junit and --json."""
    files = [write(tmp_path, "refund.toml", REFUND), write(tmp_path, "declined.toml", DECLINED_SALE)]
    junit = tmp_path / "out" / "junit.xml"
    code = main(["scenario", *map(str, files), "--junit", str(junit), "--json"])
    report = json.loads(capsys.readouterr().out)
    xmlschema.XMLSchema(SCHEMA).validate(str(junit))
    return code, ET.parse(junit).getroot(), report


def test_several_files_give_one_suite_each_and_one_case_per_step(two_scenarios) -> None:
    code, root, report = two_scenarios
    assert code == 1 and report["passed"] is False
    assert [suite.get("name") for suite in root.iter("testsuite")] == ["refund", "declined sale, refund of it"]
    assert [[case.get("name") for case in suite.iter("testcase")] for suite in root.iter("testsuite")] == [
        ["sale", "refund"], ["sale", "refund"]]
    assert root.get("tests") == "4"


def test_a_failed_expectation_is_a_failure_naming_step_field_expected_and_actual(two_scenarios) -> None:
    _, root, _ = two_scenarios
    declined = list(root.iter("testsuite"))[1]
    sale = next(case for case in declined.iter("testcase") if case.get("name") == "sale")
    failure = sale.find("failure")
    assert failure is not None and sale.find("error") is None
    assert failure.get("message") == ("step 'sale' of 'declined sale, refund of it': "
                                      "approved: expected True, got False")
    assert declined.get("failures") == "1"


def test_a_step_that_cannot_run_is_an_error_not_a_failure(two_scenarios) -> None:
    _, root, report = two_scenarios
    declined = list(root.iter("testsuite"))[1]
    refund = next(case for case in declined.iter("testcase") if case.get("name") == "refund")
    error = refund.find("error")
    assert error is not None and refund.find("failure") is None
    assert "{sale.rrn}" in error.get("message") and declined.get("errors") == "1"
    assert report["scenarios"][1]["steps"][1]["status"] == "error"


def test_each_case_has_its_time_and_each_suite_its_file_and_description(two_scenarios, tmp_path: Path) -> None:
    _, root, _ = two_scenarios
    suite = next(root.iter("testsuite"))
    assert suite.get("file") == str(tmp_path / "refund.toml")
    assert {prop.get("name"): prop.get("value") for prop in suite.iter("property")}["description"] == \
        "a sale and a refund of part of it"
    times = [float(case.get("time")) for case in root.iter("testcase")]
    assert all(time >= 0 for time in times) and sum(times) > 0
    assert all(case.get("classname") in ("refund", "declined") for case in root.iter("testcase"))


def test_a_passing_run_exits_0_with_no_failure_in_the_junit(tmp_path: Path, capsys) -> None:
    junit = tmp_path / "junit.xml"
    code = main(["scenario", str(write(tmp_path, "refund.toml", REFUND)), "--junit", str(junit)])
    assert code == 0 and "PASSED" in capsys.readouterr().out
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "0" and root.get("errors") == "0"
    assert not list(root.iter("failure")) and not list(root.iter("error"))


def test_a_malformed_file_among_several_runs_nothing(tmp_path: Path, capsys) -> None:
    good = write(tmp_path, "good.toml", REFUND)
    bad = write(tmp_path, "bad.toml", REFUND.replace('name = "sale"', 'name = "sale"\nspeed = 3'))
    junit = tmp_path / "junit.xml"
    code = main(["scenario", str(good), str(bad), "--junit", str(junit)])
    err = capsys.readouterr().err
    assert code == 2 and f"{bad}: step 1 (sale): unknown key 'speed'" in err
    assert not junit.exists()


def test_against_another_host_a_scenario_with_host_rules_is_skipped_with_a_warning(
    tmp_path: Path, capsys, possim_host,
) -> None:
    files = [write(tmp_path, "refund.toml", REFUND), write(tmp_path, "declined.toml", DECLINED_SALE)]
    junit = tmp_path / "junit.xml"
    code = main(["scenario", *map(str, files), "--host", possim_host.url, "--data", str(tmp_path / "data"),
                 "--junit", str(junit)])
    err = capsys.readouterr().err
    assert code == 0
    assert f"warning: {files[1]}: its [[host.rule]] faults cannot apply to {possim_host.url}" in err
    xmlschema.XMLSchema(SCHEMA).validate(str(junit))
    refund, declined = ET.parse(junit).getroot().iter("testsuite")
    assert declined.get("skipped") == "2" and [case.find("skipped") is not None for case in declined.iter("testcase")] == [True, True]
    assert refund.get("skipped") == "0" and refund.get("failures") == "0"


def test_against_another_host_each_scenario_has_a_fresh_terminal_and_no_stan_repeats_at_the_host(
        tmp_path: Path, capsys, possim_host) -> None:
    path = write(tmp_path, "refund.toml", REFUND)
    code = main(["scenario", str(path), str(path), "--host", possim_host.url, "--data", str(tmp_path / "data"),
                 "--json"])
    first, second = json.loads(capsys.readouterr().out)["scenarios"]
    assert code == 0
    assert first["steps"][0]["result"]["stan"] == second["steps"][0]["result"]["stan"]  # a fresh terminal each
    assert second["steps"][0]["result"]["invoice"] == 1
    with possim_host.journal() as journal:
        requests = [(txn.stan, txn.transmission_time) for txn in journal.transactions()]
    assert len(requests) == 4 and len(set(requests)) == 4  # DE 11 + DE 7 never repeat towards the host


def test_a_data_folder_is_not_reused_for_the_embedded_host(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "refund.toml", REFUND)
    assert main(["scenario", str(path), "--data", str(tmp_path / "data")]) == 0
    assert main(["scenario", str(path), "--data", str(tmp_path / "data")]) == 2
    assert "already exists" in capsys.readouterr().err


def test_no_file_is_bad_input(capsys) -> None:
    assert main(["scenario"]) == 2
    assert "give at least one scenario FILE" in capsys.readouterr().err


CONTROL_CHARACTERS = '''
name = "bell\\u0007 and escape\\u001b in a name"
description = "control characters a terminal might put in a name or message"

[[step]]
name = "sale\\u0007"
operation = "sale"
card = "visa_credit"
amount = "20.00"
expect = { approved = false }
'''


def test_control_characters_in_names_and_messages_leave_the_report_well_formed(tmp_path: Path) -> None:
    scenario = write(tmp_path, "bell.toml", CONTROL_CHARACTERS)
    report = tmp_path / "report.xml"
    assert main(["scenario", str(scenario), "--junit", str(report), "--data", str(tmp_path / "data")]) == 1
    suite = ET.parse(report).getroot().find("testsuite")  # raises ParseError when not well-formed
    assert suite is not None and suite.get("name") == "bell\\x07 and escape\\x1B in a name"
    xmlschema.XMLSchema(SCHEMA).validate(report)


def test_a_report_path_that_is_the_scenario_file_is_refused_and_the_file_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write(tmp_path, "refund.toml", REFUND)
    assert main(["scenario", str(scenario), "--junit", str(scenario)]) == 2
    assert "--junit" in capsys.readouterr().err and scenario.read_text() == REFUND
