"""``possim config show`` and ``possim config docs``: every key with its value, meaning and default.

The reference (docs/configuration.md) and the show command are generated from the same field
metadata, so a key added to TerminalConfig or to the host's dataclasses shows up in both, and the
committed document must equal the generated text.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pos_terminal.state.config import TerminalConfig
from simulator.cli import main
from simulator.config_reference import reference_markdown
from simulator.host.config import CreditModel, HostConfig, RefundPolicy, TerminalEntry

REPO = Path(__file__).resolve().parents[3]
TEST_TMK = "C1D0F8FB4958670DBA40AB1F3752EF0D"
OTHER_TMK = "0123456789ABCDEFFEDCBA9876543210"


def show(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["config", "show", *argv]) == 0
    return capsys.readouterr().out


def line_of(text: str, key: str) -> str:
    return next(line for line in text.splitlines() if line.startswith((f"{key} = ", f"{key}: ")))


def test_a_fresh_folder_shows_every_terminal_key_with_its_default_and_meaning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = show(capsys, "--data", str(tmp_path / "new"))
    assert "no terminal.toml: every key takes its default" in out
    for spec in dataclasses.fields(TerminalConfig):
        assert line_of(out, spec.name).endswith("# default") or "# default:" in line_of(out, spec.name)
    assert 'terminal_id = "POSSIM01"' in out
    assert "Card acceptor terminal ID (DE 41)" in out
    assert not (tmp_path / "new").exists()


def test_a_value_from_terminal_toml_says_where_it_comes_from_and_its_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "terminal.toml").write_text("max_refund_amount = 50000\n")
    line = line_of(show(capsys, "--data", str(tmp_path)), "max_refund_amount")
    assert line.startswith("max_refund_amount = 50000  (USD 500.00)")
    assert line.endswith("# from terminal.toml; default 1000000  (USD 10000.00)")


def test_a_password_is_only_said_to_be_set(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "terminal.toml").write_text('supervisor_password = "4321"\n')
    out = show(capsys, "--data", str(tmp_path))
    assert line_of(out, "supervisor_password_hash").startswith("supervisor_password_hash: set")
    assert line_of(out, "admin_password_hash").startswith("admin_password_hash: unset")
    assert "4321" not in out and "pbkdf2_sha256$2" not in out


def test_json_is_one_object_with_secrets_as_set_or_unset(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "terminal.toml").write_text('supervisor_password = "4321"\ncurrency = "978"\n')
    out = show(capsys, "--data", str(tmp_path), "--json")
    assert out.count("\n") == 1
    answer = json.loads(out)
    keys = {entry["key"]: entry for entry in answer["keys"]}
    assert answer["kind"] == "terminal" and answer["present"] is True
    assert keys["currency"] == {**keys["currency"], "value": "978", "default": "840", "source": "file"}
    assert keys["supervisor_password_hash"]["value"] == "set" and keys["supervisor_password_hash"]["default"] is None
    assert keys["admin_password_hash"]["value"] == "unset"
    assert "4321" not in out and "pbkdf2" not in json.dumps([entry["value"] for entry in answer["keys"]])


def test_the_host_shows_its_tables_and_never_its_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "host.toml").write_text(
        'allow_unmatched_refunds = true\n[refund_policy]\nmax_refunds_per_card_per_day = 3\n'
        f'[[terminals]]\nterminal_id = "TERM0002"\ntmk = "{OTHER_TMK}"\n')
    out = show(capsys, "--data", str(tmp_path), "--host")
    assert "[refund_policy]" in out and "[[terminals]]  # terminals[0]" in out
    assert line_of(out, "max_refunds_per_card_per_day").endswith("# from host.toml; default 10")
    assert line_of(out, "terminal_id").startswith('terminal_id = "TERM0002"')
    assert line_of(out, "tmk").startswith("tmk: set") and line_of(out, "tmk").endswith("# from host.toml")
    assert line_of(out, "tdes_bdk").startswith("tdes_bdk: unset") and line_of(out, "tdes_bdk").endswith("# not configured: refused")
    assert OTHER_TMK not in out and TEST_TMK not in out


def test_the_host_json_lists_each_terminal_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    answer = json.loads(show(capsys, "--data", str(tmp_path), "--host", "--json"))
    tables = {entry["table"] for entry in answer["keys"]}
    assert {"", "refund_credit", "refund_policy", "terminals[0]"} <= tables
    tmk = next(entry for entry in answer["keys"] if entry["key"] == "tmk")
    assert tmk["value"] == "set" and tmk["secret"] is True and tmk["default"] is None


def test_a_possim_run_folder_is_found_in_its_terminal_and_host_subfolders(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "terminal").mkdir()
    (tmp_path / "host").mkdir()
    (tmp_path / "terminal" / "terminal.toml").write_text("pin_on_refund = true\n")
    assert line_of(show(capsys, "--data", str(tmp_path)), "pin_on_refund").startswith("pin_on_refund = true")
    assert f"{tmp_path / 'host' / 'host.toml'}" in show(capsys, "--data", str(tmp_path), "--host")


def test_an_invalid_terminal_toml_is_bad_input_naming_the_key(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    (tmp_path / "terminal.toml").write_text('currency = "USD"\n')
    assert main(["config", "show", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "terminal.toml: currency: must be 3 digits" in err and err.count("\n") == 1


@pytest.mark.parametrize("cls", [TerminalConfig, HostConfig, CreditModel, RefundPolicy, TerminalEntry])
def test_every_configuration_field_has_a_meaning(cls: type) -> None:
    assert [spec.name for spec in dataclasses.fields(cls) if not spec.metadata.get("doc")] == []


def test_docs_configuration_md_is_the_generated_reference() -> None:
    committed = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "regenerate: possim config docs --write docs/configuration.md"


def test_config_docs_prints_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "docs"]) == 0
    out = capsys.readouterr().out
    assert out == reference_markdown()
    for heading in ("## terminal.toml", "## host.toml", "### `[refund_credit]`", "### `[[terminals]]`",
                    "### `[refund_policy]`"):
        assert heading in out
    assert "| `offline_refunds` | `false` |" in out


def test_config_docs_write_writes_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    assert main(["config", "docs", "--write", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == reference_markdown()
