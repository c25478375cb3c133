"""Application cryptograms (Book 2 8.1, A1.2) and ARPC methods 1 and 2 (Book 2 8.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyemv import ac, kd

from emv.acdata import ac_input
from emv.cryptogram import (
    ArpcMethod,
    CryptogramVersion,
    arpc_method_1,
    arpc_method_2,
    compute_ac,
    generate_ac,
)
from emv.errors import CryptogramError
from emv.iad import parse_iad
from emv.keyderivation import derive_common_session_key, derive_icc_master_key
from tests.unit.emv import vectors as v

# pyemv (the oracle) still calls TripleDES from its old location.
pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")

_PYEMV_SK = bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB")
_PYEMV_ARQC = bytes.fromhex("1234567890ABCDEF")


def _values(table: dict[str, str]) -> dict[str, bytes]:
    return {tag: bytes.fromhex(value) for tag, value in table.items()}


def test_cvn10_arqc_atalla_sample() -> None:
    # [ATALLA] CVN 10 MACs under the ICC master key itself.
    mk = derive_icc_master_key(v.IMK, v.ATALLA_PAN, v.ATALLA_PSN)
    assert generate_ac(CryptogramVersion.CVN10, mk, b"\x00\x01", v.ATALLA_DATA) == v.ATALLA_ARQC


def test_arpc_method_2_atalla_sample() -> None:
    # [ATALLA] ARPC method 2 under the common session key diversified with R.
    mk = derive_icc_master_key(v.IMK, v.ATALLA_PAN, v.ATALLA_PSN)
    sk = derive_common_session_key(mk, v.ATALLA_R)
    assert arpc_method_2(sk, v.ATALLA_ARQC, v.ATALLA_CSU) == v.ATALLA_ARPC2


def test_cvn18_arqc_of_a_complete_visa_transaction() -> None:
    # [ELEMENTS] CVN 18: session key from ATC 0102, MAC over Table-26 data + whole IAD, '80' padding.
    values = _values(v.ELEMENTS_CVN18)
    mk = derive_icc_master_key(v.IMK, v.ELEMENTS_PAN, v.ELEMENTS_PSN)
    arqc = generate_ac(CryptogramVersion.CVN18, mk, values["9F36"], ac_input(CryptogramVersion.CVN18, values))
    assert arqc.hex().upper() == v.ELEMENTS_CVN18_ARQC


def test_cvn18_arpc_method_2_of_a_complete_visa_transaction() -> None:
    # [ELEMENTS] ARPC method 2 with CSU 00008000 under the ATC session key.
    mk = derive_icc_master_key(v.IMK, v.ELEMENTS_PAN, v.ELEMENTS_PSN)
    sk = derive_common_session_key(mk, bytes.fromhex("0102000000000000"))
    arpc = arpc_method_2(sk, bytes.fromhex(v.ELEMENTS_CVN18_ARQC), bytes.fromhex(v.ELEMENTS_CVN18_CSU))
    assert arpc.hex().upper() == v.ELEMENTS_CVN18_ARPC


def test_cvn10_arqc_of_a_complete_visa_transaction() -> None:
    # [ELEMENTS] CVN 10: ICC MK, Table-26 data + CVR (IAD bytes 4-7), zero padding.
    values = _values(v.ELEMENTS_CVN10)
    mk = derive_icc_master_key(v.IMK, v.ELEMENTS_PAN, v.ELEMENTS_PSN)
    arqc = generate_ac(CryptogramVersion.CVN10, mk, values["9F36"], ac_input(CryptogramVersion.CVN10, values))
    assert arqc.hex().upper() == v.ELEMENTS_CVN10_ARQC


def test_cvn10_mac_input_ends_with_the_cvr_only() -> None:
    assert ac_input(CryptogramVersion.CVN10, _values(v.ELEMENTS_CVN10)).endswith(bytes.fromhex("00FF03A00000"))


def test_cvn18_mac_input_ends_with_the_whole_iad() -> None:
    assert ac_input(CryptogramVersion.CVN18, _values(v.ELEMENTS_CVN18)).endswith(bytes.fromhex("010206011203A00000"))


def test_ac_with_emv_padding_pyemv_doc_example() -> None:
    # [PYEMV] pyemv.ac.generate_ac docstring (EMV padding, method 2).
    data = bytes.fromhex("000000002000" "000000000000" "0124" "0000008000" "0124" "110309" "00" "3804823E" "5800" "0001")
    assert compute_ac(_PYEMV_SK, data, padding=2).hex().upper() == "3B76CF10FECD8789"


def test_arpc_method_1_pyemv_doc_example() -> None:
    # [PYEMV] pyemv.ac.generate_arpc_1 docstring: ARC 0000.
    assert arpc_method_1(_PYEMV_SK, _PYEMV_ARQC, b"\x00\x00").hex().upper() == "F5E6F44147E2F1B0"


def test_arpc_method_2_pyemv_doc_example() -> None:
    # [PYEMV] pyemv.ac.generate_arpc_2 docstring: CSU 00000000, no proprietary data.
    assert arpc_method_2(_PYEMV_SK, _PYEMV_ARQC, bytes(4)).hex().upper() == "9308BEBC"


def test_arpc_methods_of_the_pyemv_module_example() -> None:
    # [PYEMV] pyemv.ac module docstring: ARQC FA624250B008B59A then ARPCs 1 and 2.
    sk = bytes.fromhex("29B33180E567CE38EA4CBC9D753B0E61")
    arqc = compute_ac(sk, bytes.fromhex("0123456789ABCDEF0123456789ABCDEF"), padding=2)
    assert arqc.hex().upper() == "FA624250B008B59A"
    assert arpc_method_1(sk, arqc, b"\x00\x00").hex().upper() == "45D4255EEF10C920"
    assert arpc_method_2(sk, arqc, bytes(4)).hex().upper() == "CB56FA40"


def test_cvn_numbers_map_to_their_iad_bytes() -> None:
    assert CryptogramVersion.from_number(10) is CryptogramVersion.CVN10
    assert CryptogramVersion.from_number(0x12) is CryptogramVersion.CVN18


def test_unknown_cvn_is_refused() -> None:
    with pytest.raises(CryptogramError, match="unsupported cryptogram version number 34"):
        CryptogramVersion.from_number(34)


def test_cvn_chooses_padding_and_arpc_method() -> None:
    assert (CryptogramVersion.CVN10.padding, CryptogramVersion.CVN10.arpc_method) == (1, ArpcMethod.METHOD_1)
    assert (CryptogramVersion.CVN18.padding, CryptogramVersion.CVN18.arpc_method) == (2, ArpcMethod.METHOD_2)


def test_arpc_method_1_refuses_an_arc_of_other_than_2_bytes() -> None:
    with pytest.raises(CryptogramError, match="ARC: 1 bytes"):
        arpc_method_1(_PYEMV_SK, _PYEMV_ARQC, b"\x00")


def test_arpc_method_2_refuses_more_than_8_bytes_of_proprietary_data() -> None:
    with pytest.raises(CryptogramError, match="at most 8"):
        arpc_method_2(_PYEMV_SK, _PYEMV_ARQC, bytes(4), bytes(9))


def test_arpc_refuses_a_short_arqc() -> None:
    with pytest.raises(CryptogramError, match="ARQC: 4 bytes"):
        arpc_method_2(_PYEMV_SK, bytes(4), bytes(4))


def test_missing_tag_is_named() -> None:
    values = _values(v.ELEMENTS_CVN18)
    del values["9F36"]
    with pytest.raises(CryptogramError, match="missing tag 9F36"):
        ac_input(CryptogramVersion.CVN18, values)


def test_wrong_length_tag_is_named() -> None:
    values = {**_values(v.ELEMENTS_CVN18), "9F02": bytes(5)}
    with pytest.raises(CryptogramError, match="tag 9F02: 5 bytes, expected 6"):
        ac_input(CryptogramVersion.CVN18, values)



@pytest.mark.parametrize("cvn, table", [(CryptogramVersion.CVN10, v.ELEMENTS_CVN10),
                                        (CryptogramVersion.CVN18, v.ELEMENTS_CVN18)])
def test_mac_input_from_an_iad_already_read_is_the_same_bytes(cvn: CryptogramVersion, table: dict[str, str]) -> None:
    # An issuer reads '9F10' once for the CVN and hands it over: the MAC input must not change.
    values = _values(table)
    assert ac_input(cvn, values, parse_iad(values["9F10"])) == ac_input(cvn, values)


def test_a_tag_of_the_set_present_without_a_value_is_named_missing() -> None:
    values = {**_values(v.ELEMENTS_CVN18), "9A": None}
    with pytest.raises(CryptogramError, match="missing tag 9A"):
        ac_input(CryptogramVersion.CVN18, values)  # type: ignore[arg-type]

# --- property tests against pyemv ------------------------------------------------------

_keys = st.binary(min_size=16, max_size=16)
_data = st.binary(min_size=0, max_size=80)


@given(_keys, _data)
def test_cvn18_style_ac_matches_pyemv_emv_padding(key: bytes, data: bytes) -> None:
    assert compute_ac(key, data, padding=2) == ac.generate_ac(key, data, ac.PaddingType.EMV)


@given(_keys, _data.filter(len))
def test_cvn10_style_ac_matches_pyemv_visa_padding(key: bytes, data: bytes) -> None:
    assert compute_ac(key, data, padding=1) == ac.generate_ac(key, data, ac.PaddingType.VISA)


@given(_keys, st.text("0123456789", min_size=12, max_size=19), st.binary(min_size=2, max_size=2), _data)
def test_cvn18_generate_ac_matches_pyemv_chain(imk: bytes, pan: str, atc: bytes, data: bytes) -> None:
    mk = derive_icc_master_key(imk, pan, "00")
    expected = ac.generate_ac(kd.derive_common_sk(kd.derive_icc_mk_a(imk, pan, "00"), atc + bytes(6)), data)
    assert generate_ac(CryptogramVersion.CVN18, mk, atc, data) == expected


@given(_keys, st.binary(min_size=8, max_size=8), st.binary(min_size=2, max_size=2))
def test_arpc_method_1_matches_pyemv(key: bytes, arqc: bytes, arc: bytes) -> None:
    assert arpc_method_1(key, arqc, arc) == ac.generate_arpc_1(key, arqc, arc)


@given(_keys, st.binary(min_size=8, max_size=8), st.binary(min_size=4, max_size=4), st.binary(max_size=8))
def test_arpc_method_2_matches_pyemv(key: bytes, arqc: bytes, csu: bytes, prop: bytes) -> None:
    assert arpc_method_2(key, arqc, csu, prop) == ac.generate_arpc_2(key, arqc, csu, prop)
