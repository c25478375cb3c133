"""``GET /api/terminals`` tells a terminal's session state as the host's key ring holds it, not as the journal
remembers key deliveries (simulator/host/console/sessions.py)."""

from __future__ import annotations

from pathlib import Path

from keys.hexutil import to_hex
from keys.kcv import kcv_tdes
from simulator.host import HostLogic, load_host_config
from simulator.host.console import sessions
from tests.unit.host.conftest import MiniTerminal
from tests.unit.host.test_key_schemes import PRIVATE_BDK

ONLY_BDKS = (f'[[terminals]]\nterminal_id = "POSSIM01"\nmerchant_id = "POSSIM000000001"\n'
             f'tdes_bdk = "{PRIVATE_BDK}"\naes_bdk = "{PRIVATE_BDK}"\n')


def _host(data: Path, toml: str | None = None) -> HostLogic:
    data.mkdir(exist_ok=True)
    if toml is not None:
        (data / "host.toml").write_text(toml, encoding="utf-8")
    return HostLogic(load_host_config(data))


def test_a_master_session_terminal_is_not_signed_on_until_it_signs_on(tmp_path: Path) -> None:
    host = _host(tmp_path / "host")
    try:
        assert sessions.session_state(host.services, "POSSIM01")["session"] == sessions.NOT_SIGNED_ON
        mini = MiniTerminal(host)
        assert mini.sign_on().response_code == "00" and mini.session is not None
        state = sessions.session_state(host.services, "POSSIM01")
        assert state["session"] == sessions.SIGNED_ON and state["next_keys_issued"] is False
        assert state["session_keys"] == {"pin_key_kcv": to_hex(kcv_tdes(mini.session.pin_key)),
                                         "mac_key_kcv": to_hex(kcv_tdes(mini.session.request_mac_key))}
    finally:
        host.close()


def test_a_dukpt_terminal_needs_no_sign_on(tmp_path: Path) -> None:
    host = _host(tmp_path / "host", ONLY_BDKS)
    try:
        state = sessions.session_state(host.services, "POSSIM01")
        assert state == {"session": sessions.NOT_NEEDED, "session_keys": None, "next_keys_issued": False}
        assert sessions.key_schemes(host.services.config.terminals["POSSIM01"]) == ["dukpt-tdes", "dukpt-aes"]
    finally:
        host.close()


def test_keys_delivered_under_an_earlier_host_toml_are_not_a_session(tmp_path: Path) -> None:
    data = tmp_path / "host"
    host = _host(data)
    try:
        assert MiniTerminal(host).sign_on().response_code == "00"
    finally:
        host.close()
    host = _host(data, ONLY_BDKS)  # the TMK is gone: the host would not verify with those session keys any more
    try:
        assert host.services.journal.last_session("POSSIM01") is not None  # the journal still holds the delivery
        assert sessions.session_state(host.services, "POSSIM01")["session"] == sessions.NOT_NEEDED
    finally:
        host.close()


def test_a_terminal_host_toml_does_not_name_is_unknown(tmp_path: Path) -> None:
    host = _host(tmp_path / "host")
    try:
        assert sessions.session_states(host.services, ["STRANGER"]) == {
            "STRANGER": {"session": sessions.UNKNOWN, "session_keys": None, "next_keys_issued": False}}
    finally:
        host.close()
