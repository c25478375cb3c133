"""Message-level expectations of ``possim scenario``: field values and patterns, presence, absence, MACs.

Values are compared as ``possim decode --json`` shows them, masked unless ``reveal = true``; a
report never shows a full PAN, whatever the expectation said.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main

PAN = "4761739001010010"  # visa_credit, a published test card number (pos_terminal test cards)

SALE = '''
[terminal]
key_scheme = "dukpt-tdes"

[[step]]
name = "sale"
operation = "sale"
card = "visa_credit"
entry = "manual"
amount = "20.00"
'''


def run(
    tmp_path: Path, expect: str, capsys: pytest.CaptureFixture[str], entry: str = "manual",
) -> tuple[int, list[dict], str]:
    """Run the sale (keyed by default) with ``expect`` (TOML lines of [step.expect]); the checks and all output."""
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(SALE.replace('"manual"', f'"{entry}"') + "\n[step.expect]\n" + expect)
    junit = tmp_path / "junit.xml"
    code = main(["scenario", str(scenario), "--junit", str(junit), "--json"])
    out = capsys.readouterr().out
    (report,) = json.loads(out)["scenarios"]
    return code, report["steps"][0]["checks"], out + junit.read_text()


def test_field_values_patterns_presence_absence_and_macs_hold(tmp_path: Path, capsys) -> None:
    code, checks, _ = run(tmp_path, '''
request = { mac = "valid", present = [2, 14], absent = [35, 52], fields = { 3 = "000000", 4 = "000000002000", 2 = "476173******0010", 22 = { pattern = "^01" } } }
response = { mac = "valid", fields = { 39 = "00", 38 = { pattern = "^[0-9A-Z]{6}$" } } }
''', capsys)
    assert code == 0, checks
    assert len(checks) == 12 and all(check["ok"] for check in checks)


def test_a_wrong_field_value_fails_naming_field_message_expected_and_actual(tmp_path: Path, capsys) -> None:
    code, checks, out = run(tmp_path, 'response = { fields = { 39 = "05" } }\n', capsys)
    assert code == 1
    assert checks == [{"field": "response.fields.39", "expected": "05", "actual": "00", "ok": False,
                       "message": "0210"}]
    assert "step 'sale' of 'scenario': response.fields.39 (0210): expected '05', got '00'" in out


def test_a_field_that_must_be_absent_fails_when_present(tmp_path: Path, capsys) -> None:
    code, checks, _ = run(tmp_path, 'request = { absent = [2] }\n', capsys)
    assert code == 1 and checks[0]["expected"] == "absent" and checks[0]["actual"] == "476173******0010"


def test_reveal_compares_the_clear_pan(tmp_path: Path, capsys) -> None:
    code, checks, _ = run(tmp_path, f'request = {{ reveal = true, fields = {{ 2 = "{PAN}" }} }}\n', capsys)
    assert code == 0 and checks[0]["ok"] and checks[0]["actual"] == "476173******0010"


def test_a_failure_never_shows_a_full_pan(tmp_path: Path, capsys) -> None:
    wrong = PAN[:-1] + "1"
    code, checks, out = run(tmp_path, f'request = {{ reveal = true, fields = {{ 2 = "{wrong}", 35 = {{ pattern = "{PAN}" }} }} }}\n',
                            capsys)
    assert code == 1 and not any(check["ok"] for check in checks)
    assert PAN not in out and wrong not in out
    assert "476173******0011" in out


def test_binary_fields_read_as_upper_case_hex(tmp_path: Path, capsys) -> None:
    # DE 55 from the chip: the ARQC (tag 9F26, 8 bytes) as decode --json shows b fields.
    code, checks, _ = run(tmp_path, 'request = { reveal = true, fields = { 55 = { pattern = "9F2608[0-9A-F]{16}" } } }\n',
                          capsys, entry="chip")
    assert code == 0, checks


def test_an_expectation_on_a_message_the_step_never_had_fails_saying_so(tmp_path: Path, capsys) -> None:
    code, checks, out = run(tmp_path, 'response = { mti = "0410", fields = { 39 = "00" } }\n', capsys)
    assert code == 1 and checks[0]["actual"] is None
    assert checks[0]["note"] == "no response 0410 in this step (sent 0200; received 0210)"


def test_sent_and_received_list_the_mtis_in_order(tmp_path: Path, capsys) -> None:
    code, checks, _ = run(tmp_path, 'sent = ["0200", "0400"]\nreceived = ["0210"]\n', capsys)
    assert code == 1
    assert checks == [{"field": "sent", "expected": ["0200", "0400"], "actual": ["0200"], "ok": False},
                      {"field": "received", "expected": ["0210"], "actual": ["0210"], "ok": True}]
