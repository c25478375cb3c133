"""Bad input exits 2 with one line on stderr that names the option and says what is wrong with its value.

A malformed channel URL (an unknown ``?framing=``, no port) is bad input, found before the
terminal journals anything: it is not "host unreachable" (exit 3) and it uses up no STAN.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pos_terminal.journal import Journal
from simulator.cli import main

TDES_KEY = "0123456789ABCDEFFEDCBA9876543210"
BAD_FRAMING = "tcp://127.0.0.1:1?framing=bogus"


def bad_input(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``possim argv``; assert exit 2 and one line on stderr; return that line."""
    try:
        code = main(list(argv))
    except SystemExit as exited:
        code = exited.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_short_pin_names_the_pin_option(capsys: pytest.CaptureFixture[str]) -> None:
    err = bad_input(capsys, "keys", "pinblock", "--format", "0", "--pin", "12", "--pan", "4111111111111111")
    assert "--pin: PIN must have 4 to 12 digits" in err


def test_a_short_pan_names_the_pan_option(capsys: pytest.CaptureFixture[str]) -> None:
    err = bad_input(capsys, "keys", "pinblock", "--format", "0", "--pin", "1234", "--pan", "41111")
    assert "--pan: PAN must have 13 to 19 digits" in err


def test_a_kbpk_of_the_wrong_length_names_the_kbpk_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--kbpk: " in bad_input(capsys, "keys", "tr31", "wrap", "--kbpk", "00", "--key", TDES_KEY)


def test_a_key_of_the_wrong_length_names_the_key_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--key: " in bad_input(capsys, "keys", "tr31", "wrap", "--kbpk", TDES_KEY, "--key", "11")


def test_an_unknown_key_usage_names_the_usage_option(capsys: pytest.CaptureFixture[str]) -> None:
    err = bad_input(capsys, "keys", "tr31", "wrap", "--kbpk", TDES_KEY, "--key", TDES_KEY, "--usage", "ZZ")
    assert "--usage: " in err and "'ZZ'" in err


def test_a_truncated_key_block_names_the_block_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--block: " in bad_input(capsys, "keys", "tr31", "unwrap", "--kbpk", TDES_KEY, "--block", "D0112")


def test_a_short_txn_pin_is_named_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = bad_input(capsys, "txn", "sale", "--data", str(tmp_path), "--card", "visa_credit", "--amount", "1",
                    "--pin", "12")
    assert "argument --pin: a PIN is 4 to 12 digits" in err and err.count("--pin") == 1


def test_an_unknown_framing_in_host_is_bad_input_and_nothing_is_journaled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "terminal"
    assert main(["txn", "echo", "--data", str(data), "--host", "tcp://127.0.0.1:1", "--timeout", "1"]) == 3
    capsys.readouterr()
    with Journal.open(data / "journal.sqlite3") as journal:
        stan_before, messages_before = journal.get_counter("stan", 0), len(journal.messages())

    err = bad_input(capsys, "txn", "echo", "--data", str(data), "--host", BAD_FRAMING)

    assert "--host" in err and "unknown framing 'bogus'" in err and "unreachable" not in err
    with Journal.open(data / "journal.sqlite3") as journal:
        assert journal.get_counter("stan", 0) == stan_before
        assert len(journal.messages()) == messages_before


def test_a_bad_host_url_creates_no_data_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad_input(capsys, "txn", "sale", "--data", str(tmp_path / "new"), "--host", BAD_FRAMING,
              "--card", "visa_credit", "--amount", "1.00")
    assert not (tmp_path / "new").exists()


def test_a_tcp_host_url_without_a_port_names_the_host_option(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    err = bad_input(capsys, "txn", "echo", "--data", str(tmp_path), "--host", "tcp://127.0.0.1")
    assert "--host" in err and "port" in err


@pytest.mark.parametrize("command", [["load"], ["terminal", "--data", "{data}"], ["scenario", "x.toml"]])
def test_every_command_taking_a_host_url_checks_it_first(
    command: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [part.replace("{data}", str(tmp_path)) for part in command]
    err = bad_input(capsys, *argv, "--host", BAD_FRAMING)
    assert "argument --host: unknown framing 'bogus'" in err


def test_the_host_checks_its_listen_url(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = bad_input(capsys, "host", "--data", str(tmp_path), "--listen", "tcp://127.0.0.1:0?framing=bogus")
    assert "argument --listen: unknown framing 'bogus'" in err


def test_a_bad_listen_url_in_host_toml_names_the_file_and_key(capsys: pytest.CaptureFixture[str],
                                                              tmp_path: Path) -> None:
    (tmp_path / "host.toml").write_text('listen = "tcp://127.0.0.1:0?framing=bogus"\n')
    err = bad_input(capsys, "host", "--data", str(tmp_path))
    assert "host.toml: listen: unknown framing 'bogus'" in err


def test_a_bad_host_url_in_terminal_toml_names_the_file_and_key(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    (tmp_path / "terminal.toml").write_text('host_url = "tcp://127.0.0.1:5?framing=bogus"\n')
    err = bad_input(capsys, "txn", "echo", "--data", str(tmp_path))
    assert "terminal.toml: host_url: unknown framing 'bogus'" in err


def test_a_negative_timeout_names_the_timeout_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = bad_input(capsys, "txn", "echo", "--data", str(tmp_path), "--timeout", "-1")
    assert "--timeout: must be a positive number of seconds" in err
