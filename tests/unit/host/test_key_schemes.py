"""Each terminal is held to the key schemes host.toml configures for it (issue 20, item 2).

A key left out of a ``[[terminals]]`` table is not the public test key unless the host runs on the
documented test defaults (no host.toml, a host.toml naming no key, or ``test_keys = true``); and
host.toml refuses keys it does not know, naming the key and the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.host import HostLogic, load_host_config
from simulator.host.config import HostConfigError
from simulator.host.rules import RulesError, load_rules
from tests.unit.host.conftest import MiniTerminal

PRIVATE_TMK = "0123456789ABCDEFFEDCBA9876543210"
PRIVATE_BDK = "89ABCDEF0123456776543210FEDCBA98"


def host_from(tmp_path: Path, toml: str) -> HostLogic:
    data = tmp_path / "host"
    data.mkdir(exist_ok=True)
    (data / "host.toml").write_text(toml, encoding="utf-8")
    return HostLogic(load_host_config(data))


@pytest.mark.parametrize("scheme", ["dukpt-tdes", "dukpt-aes"])
def test_a_terminal_with_only_a_private_tmk_refuses_dukpt_under_the_test_bdk(tmp_path: Path, scheme: str) -> None:
    host = host_from(tmp_path, f'[[terminals]]\nterminal_id = "POSSIM01"\nmerchant_id = "POSSIM000000001"\n'
                               f'tmk = "{PRIVATE_TMK}"\n')
    try:
        assert MiniTerminal(host, scheme=scheme).sale().response_code == "63"
    finally:
        host.close()


def test_a_terminal_with_only_private_bdks_refuses_a_sign_on_under_the_test_tmk(tmp_path: Path) -> None:
    host = host_from(tmp_path, f'[[terminals]]\nterminal_id = "POSSIM01"\nmerchant_id = "POSSIM000000001"\n'
                               f'tdes_bdk = "{PRIVATE_BDK}"\naes_bdk = "{PRIVATE_BDK}"\n')
    try:
        mini = MiniTerminal(host)
        assert mini.sign_on().response_code == "63" and mini.session is None
        assert mini.sale().response_code == "63"
    finally:
        host.close()


def test_a_host_toml_naming_no_key_runs_on_the_test_keys(tmp_path: Path) -> None:
    host = host_from(tmp_path, '[[terminals]]\nterminal_id = "POSSIM01"\nmerchant_id = "POSSIM000000001"\n')
    try:
        assert MiniTerminal(host, scheme="dukpt-tdes").sale().response_code == "00"
    finally:
        host.close()


def test_test_keys_true_gives_left_out_keys_the_test_keys(tmp_path: Path) -> None:
    host = host_from(tmp_path, f'test_keys = true\n[[terminals]]\nterminal_id = "POSSIM01"\n'
                               f'merchant_id = "POSSIM000000001"\ntmk = "{PRIVATE_TMK}"\n')
    try:
        assert MiniTerminal(host, scheme="dukpt-aes").sale().response_code == "00"
    finally:
        host.close()


def test_test_keys_false_holds_a_key_less_terminal_to_no_scheme(tmp_path: Path) -> None:
    host = host_from(tmp_path, 'test_keys = false\n[[terminals]]\nterminal_id = "POSSIM01"\n'
                               'merchant_id = "POSSIM000000001"\n')
    try:
        assert MiniTerminal(host, scheme="dukpt-tdes").sale().response_code == "63"
    finally:
        host.close()


def test_a_status_inquiry_under_the_test_bdk_is_refused_for_a_private_terminal(tmp_path: Path) -> None:
    host = host_from(tmp_path, f'[[terminals]]\nterminal_id = "POSSIM01"\nmerchant_id = "POSSIM000000001"\n'
                               f'tmk = "{PRIVATE_TMK}"\n')
    try:
        mini = MiniTerminal(host, scheme="dukpt-tdes")
        message = mini.financial("000000", 100, mti="0600", card_name=None)
        assert mini.send(message).response_code == "63"
    finally:
        host.close()


@pytest.mark.parametrize(("toml", "key"), [
    ('bdk = "00"\n', "bdk"),
    ('[[terminals]]\nterminal_id = "POSSIM01"\nbdk = "00"\n', "terminals[0].bdk"),
    ('[refund_credit]\nbatch_day = 3\n', "refund_credit.batch_day"),
    ('[refund_credit.channels]\nvissa = "RT"\n', "refund_credit.channels.vissa"),
])
def test_host_toml_refuses_an_unknown_key_naming_it_and_the_file(tmp_path: Path, toml: str, key: str) -> None:
    (tmp_path / "host.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(HostConfigError) as caught:
        load_host_config(tmp_path)
    assert key in str(caught.value) and "host.toml" in str(caught.value)


def test_a_rules_file_refuses_an_unknown_top_level_key_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('rules = []\n', encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert "rules" in str(caught.value) and str(path) in str(caught.value)
