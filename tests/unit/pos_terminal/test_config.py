"""Terminal configuration: documented defaults, DATA/terminal.toml, validation, overrides."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from pos_terminal.state.config import (
    CONFIG_FILE_NAME,
    ConfigError,
    KeyScheme,
    TerminalConfig,
    load_config,
    write_default_config,
)
from pos_terminal.state.passwords import hash_password, verify_password

FAST = 1_000


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / CONFIG_FILE_NAME).write_text(text, encoding="utf-8")
    return tmp_path / CONFIG_FILE_NAME


def load(tmp_path: Path) -> TerminalConfig:
    return load_config(tmp_path, password_iterations=FAST)


@pytest.fixture
def config(tmp_path: Path) -> TerminalConfig:
    return load(tmp_path)


def test_a_folder_without_terminal_toml_gets_the_documented_defaults(config: TerminalConfig) -> None:
    assert config.terminal_id == "POSSIM01"
    assert config.merchant_id == "POSSIM000000001"
    assert config.merchant_name == "POSSIM TEST MERCHANT"
    assert config.merchant_city == "TESTVILLE"
    assert (config.currency, config.country) == ("840", "840")
    assert config.host_url == "tcp://127.0.0.1:8583"
    assert config.dialect == "terminal87"
    assert config.key_scheme is KeyScheme.MKSK
    assert config.supervisor_max_tries == 3
    assert config.max_refund_amount == 1_000_000
    assert (config.pin_on_refund, config.allow_unmatched_refunds, config.offline_refunds) == (False, False, False)
    assert (config.response_timeout, config.connect_timeout) == (10.0, 5.0)
    assert config.reversal_attempts_per_run == 3
    assert (config.offline_amount_limit, config.offline_queue_limit) == (50_000, 10)


def test_the_default_supervisor_password_is_0000(config: TerminalConfig) -> None:
    assert config.verify_supervisor_password("0000")
    assert not config.verify_supervisor_password("1234")


def test_the_default_password_hash_is_computed_at_load_with_a_fresh_salt(tmp_path: Path) -> None:
    assert load(tmp_path).supervisor_password_hash != load(tmp_path).supervisor_password_hash


def test_a_directly_built_config_also_gets_the_default_password() -> None:
    assert TerminalConfig().verify_supervisor_password("0000")


def test_the_file_overrides_the_defaults_it_names(tmp_path: Path) -> None:
    write(tmp_path, 'terminal_id = "TERM0042"\nkey_scheme = "dukpt-aes"\nmax_refund_amount = 25_000\n')
    config = load(tmp_path)
    assert config.terminal_id == "TERM0042"
    assert config.key_scheme is KeyScheme.DUKPT_AES
    assert config.max_refund_amount == 25_000
    assert config.merchant_id == "POSSIM000000001"


def test_a_clear_supervisor_password_in_the_file_is_hashed_at_load(tmp_path: Path) -> None:
    write(tmp_path, 'supervisor_password = "4321"\n')
    config = load(tmp_path)
    assert config.supervisor_password_hash.startswith(f"pbkdf2_sha256${FAST}$")
    assert config.verify_supervisor_password("4321")
    assert not config.verify_supervisor_password("0000")
    assert "4321" not in repr(config)


def test_a_supervisor_password_hash_in_the_file_is_used_as_is(tmp_path: Path) -> None:
    stored = hash_password("9876", iterations=FAST)
    write(tmp_path, f'supervisor_password_hash = "{stored}"\n')
    assert load(tmp_path).supervisor_password_hash == stored


def test_clear_password_and_hash_together_are_refused(tmp_path: Path) -> None:
    write(tmp_path, f'supervisor_password = "1"\nsupervisor_password_hash = "{hash_password("1", iterations=FAST)}"\n')
    with pytest.raises(ConfigError, match="supervisor_password"):
        load(tmp_path)


def test_a_malformed_password_hash_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'supervisor_password_hash = "md5$abc"\n')
    with pytest.raises(ConfigError, match="supervisor_password_hash") as caught:
        load(tmp_path)
    assert str(path) in str(caught.value)


def test_repr_does_not_show_the_password_hash(config: TerminalConfig) -> None:
    assert "pbkdf2" not in repr(config)
    assert config.supervisor_password_hash.split("$")[3] not in repr(config)
    assert "supervisor_password_hash" not in str(config)


def test_integer_timeouts_are_accepted_as_seconds(tmp_path: Path) -> None:
    write(tmp_path, "response_timeout = 30\n")
    config = load(tmp_path)
    assert config.response_timeout == 30.0
    assert isinstance(config.response_timeout, float)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('terminal_id = "SHORT"', "terminal_id"),
        ('terminal_id = "TOOLONG123"', "terminal_id"),
        ('terminal_id = "TERM\\t001"', "terminal_id"),
        ('merchant_id = "12345"', "merchant_id"),
        ('merchant_name = ""', "merchant_name"),
        ('merchant_city = "A CITY NAME THAT IS TOO LONG"', "merchant_city"),
        ('currency = "USD"', "currency"),
        ("currency = 840", "currency"),
        ('country = "84"', "country"),
        ('host_url = "http://example.com"', "host_url"),
        ('host_url = "tcp://127.0.0.1"', "host_url"),
        ('host_url = "tcp://127.0.0.1:70000"', "host_url"),
        ('dialect = ""', "dialect"),
        ('key_scheme = "dukpt"', "key_scheme"),
        ("supervisor_max_tries = 0", "supervisor_max_tries"),
        ("max_refund_amount = -1", "max_refund_amount"),
        ("max_refund_amount = 10.5", "max_refund_amount"),
        ("max_refund_amount = true", "max_refund_amount"),
        ('pin_on_refund = "yes"', "pin_on_refund"),
        ("allow_unmatched_refunds = 1", "allow_unmatched_refunds"),
        ("response_timeout = 0", "response_timeout"),
        ("connect_timeout = -5.0", "connect_timeout"),
        ("connect_timeout = nan", "connect_timeout"),
        ("reversal_attempts_per_run = 0", "reversal_attempts_per_run"),
        ("offline_amount_limit = 0", "offline_amount_limit"),
        ("offline_queue_limit = -3", "offline_queue_limit"),
        ('supervisor_password = ""', "supervisor_password"),
    ],
)
def test_an_invalid_value_is_refused_naming_the_file_and_the_key(tmp_path: Path, line: str, key: str) -> None:
    path = write(tmp_path, line + "\n")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert str(path) in str(caught.value)
    assert key in str(caught.value)


def test_an_unknown_key_is_refused_naming_it(tmp_path: Path) -> None:
    write(tmp_path, 'termnal_id = "POSSIM02"\n')
    with pytest.raises(ConfigError, match="termnal_id"):
        load(tmp_path)


def test_a_table_is_refused(tmp_path: Path) -> None:
    write(tmp_path, '[terminal]\nterminal_id = "POSSIM02"\n')
    with pytest.raises(ConfigError, match="terminal"):
        load(tmp_path)


def test_invalid_toml_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "terminal_id = \n")
    with pytest.raises(ConfigError, match="not valid TOML") as caught:
        load(tmp_path)
    assert str(path) in str(caught.value)


def test_a_serial_host_url_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, 'host_url = "serial:///dev/ttyUSB0?baud=9600"\n')
    assert load(tmp_path).host_url == "serial:///dev/ttyUSB0?baud=9600"


def test_with_overrides_returns_a_validated_copy(config: TerminalConfig) -> None:
    changed = config.with_overrides(host_url="tcp://10.0.0.5:9000", key_scheme="dukpt-tdes")
    assert changed.host_url == "tcp://10.0.0.5:9000"
    assert changed.key_scheme is KeyScheme.DUKPT_TDES
    assert config.host_url == "tcp://127.0.0.1:8583"
    assert changed.supervisor_password_hash == config.supervisor_password_hash


def test_with_overrides_refuses_an_invalid_value_naming_the_key(config: TerminalConfig) -> None:
    with pytest.raises(ConfigError, match="terminal_id"):
        config.with_overrides(terminal_id="X")


def test_with_overrides_refuses_an_unknown_key(config: TerminalConfig) -> None:
    with pytest.raises(ConfigError, match="colour"):
        config.with_overrides(colour="blue")


def test_with_overrides_hashes_a_clear_supervisor_password(config: TerminalConfig) -> None:
    assert config.with_overrides(supervisor_password="2468").verify_supervisor_password("2468")


def test_the_config_is_immutable(config: TerminalConfig) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.terminal_id = "OTHER001"  # type: ignore[misc]


def test_write_default_config_documents_every_key(tmp_path: Path) -> None:
    text = write_default_config(tmp_path).read_text(encoding="utf-8")
    for spec in dataclasses.fields(TerminalConfig):
        assert spec.name in text
    assert "supervisor_password" in text


def test_the_written_default_config_loads_as_the_defaults(tmp_path: Path) -> None:
    write_default_config(tmp_path)
    loaded = load(tmp_path)
    defaults = load(tmp_path / "empty")
    for spec in dataclasses.fields(TerminalConfig):
        if spec.name != "supervisor_password_hash":
            assert getattr(loaded, spec.name) == getattr(defaults, spec.name), spec.name
    assert loaded.verify_supervisor_password("0000")


def test_the_written_default_config_holds_no_password_or_hash(tmp_path: Path) -> None:
    text = write_default_config(tmp_path).read_text(encoding="utf-8")
    values = tomllib.loads(text)
    assert "supervisor_password" not in values
    assert "supervisor_password_hash" not in values
    assert '"0000"' not in text


def test_write_default_config_does_not_overwrite_an_existing_file(tmp_path: Path) -> None:
    write(tmp_path, 'terminal_id = "MINE0001"\n')
    with pytest.raises(ConfigError, match="exists"):
        write_default_config(tmp_path)
    assert load(tmp_path).terminal_id == "MINE0001"


def test_write_default_config_overwrites_when_asked(tmp_path: Path) -> None:
    write(tmp_path, 'terminal_id = "MINE0001"\n')
    write_default_config(tmp_path, overwrite=True)
    assert load(tmp_path).terminal_id == "POSSIM01"


def test_hashes_in_the_config_verify_like_the_passwords_module(tmp_path: Path) -> None:
    write(tmp_path, 'supervisor_password = "1357"\n')
    assert verify_password(load(tmp_path).supervisor_password_hash, "1357")


def test_the_dialect_may_be_the_path_of_a_toml_dialect(tmp_path: Path) -> None:
    write(tmp_path, 'dialect = "/etc/possim/dialects/my acquirer.toml"\n')
    assert load(tmp_path).dialect == "/etc/possim/dialects/my acquirer.toml"


def test_a_dialect_path_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    write(tmp_path, 'dialect = "/etc/possim/dialects/acquirer.json"\n')
    with pytest.raises(ConfigError, match="dialect"):
        load(tmp_path)
