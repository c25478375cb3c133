"""ICC master key derivation (Book 2 A1.4.1 Option A) and common session keys (A1.3.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyemv import kd

from emv.errors import CryptogramError, EmvError
from emv.keyderivation import (
    ac_session_key,
    derive_common_session_key,
    derive_icc_master_key,
    option_a_input,
)
from keys.primitives import has_odd_parity
from tests.unit.emv.vectors import IMK

# pyemv (the oracle) still calls TripleDES from its old location.
pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")


def test_icc_master_key_of_a_17_digit_pan_pyemv_doc_example() -> None:
    # [PYEMV] pyemv.kd.derive_icc_mk_a docstring: PAN 12345678901234567, PSN 01.
    mk = derive_icc_master_key(IMK, "12345678901234567", "01")
    assert mk.hex().upper() == "73AD54688CEF2934B0979857E3C719F1"


def test_icc_master_key_pyemv_module_example() -> None:
    # [PYEMV] pyemv.kd module docstring: PAN 99012345678901234, PSN 45.
    mk = derive_icc_master_key(IMK, "99012345678901234", "45")
    assert mk.hex().upper() == "67F8292358083E5EA7AB7FDA58D53B6B"


def test_option_a_takes_the_rightmost_16_digits_of_pan_and_psn() -> None:
    assert option_a_input("12345678901234567", "01") == bytes.fromhex("4567890123456701")


def test_option_a_left_pads_short_pans_with_zeros() -> None:
    assert option_a_input("4761739001", "01") == bytes.fromhex("0000476173900101")


def test_icc_master_key_has_odd_parity() -> None:
    assert has_odd_parity(derive_icc_master_key(IMK, "4761739001010010", "01"))


def test_common_session_key_pyemv_doc_example() -> None:
    # [PYEMV] pyemv.kd.derive_common_sk docstring: MK 0123...3210, R = 001C000000000000.
    assert derive_common_session_key(IMK, bytes.fromhex("001C000000000000")).hex().upper() == (
        "E9FB384AF807B940FEDCEA613461B0C4"
    )


def test_ac_session_key_uses_atc_followed_by_six_zero_bytes() -> None:
    assert ac_session_key(IMK, bytes.fromhex("001C")) == derive_common_session_key(
        IMK, bytes.fromhex("001C000000000000")
    )


@pytest.mark.parametrize("imk", [bytes(8), bytes(24)])
def test_master_key_derivation_refuses_other_than_double_length_keys(imk: bytes) -> None:
    with pytest.raises(CryptogramError, match="expected 16"):
        derive_icc_master_key(imk, "4761739001010010", "01")


@pytest.mark.parametrize(("pan", "psn"), [("47617390010100A0", "01"), ("4761739001010010", "1"), ("123456", "00")])
def test_master_key_derivation_refuses_malformed_pan_or_psn(pan: str, psn: str) -> None:
    with pytest.raises(EmvError):
        derive_icc_master_key(IMK, pan, psn)


def test_pan_error_message_does_not_contain_the_pan() -> None:
    with pytest.raises(EmvError) as caught:
        derive_icc_master_key(IMK, "47617390010100100000", "01")
    assert "4761739001010010" not in str(caught.value)


def test_session_key_refuses_a_diversification_value_of_other_than_8_bytes() -> None:
    with pytest.raises(CryptogramError):
        derive_common_session_key(IMK, bytes(7))


_keys = st.binary(min_size=16, max_size=16)
_pans = st.text("0123456789", min_size=12, max_size=19)
_psns = st.text("0123456789", min_size=2, max_size=2)


@given(_keys, _pans, _psns)
def test_icc_master_key_matches_pyemv(imk: bytes, pan: str, psn: str) -> None:
    assert derive_icc_master_key(imk, pan, psn) == kd.derive_icc_mk_a(imk, pan, psn)


@given(_keys, st.binary(min_size=8, max_size=8))
def test_common_session_key_matches_pyemv(mk: bytes, r: bytes) -> None:
    assert derive_common_session_key(mk, r) == kd.derive_common_sk(mk, r)
