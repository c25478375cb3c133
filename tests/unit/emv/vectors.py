"""Published known-answer vectors shared by the emv tests, with their sources.

[ATALLA] Atalla (HP/Utimaco) AKB command reference sample for Visa ARQC verification, as
    reproduced in futehkao/elements, elements-security tests
    net/e6tech/elements/security/hsm/atalla/simulator/VisaCVN10ARQCTest.java and
    VisaCVN18ARQCTest.java ("testAtallaSample"): IMK 0123456789ABCDEFFEDCBA9876543210
    (KCV 08D7), PAN 9990123456789012, PSN 45, data block 0123456789ABCDEF0123456789ABCDEF,
    ARQC 6513D2FC43696694; session key diversified with R = 1234567890123456 and
    CSU 00008000 give the method 2 ARPC 44A67041.
[ELEMENTS] The same test files, "testDataGeneratedBySimulator": complete Visa transactions
    for IMK 0123456789ABCDEFFEDCBA9876543210, PAN 5555550000000002, PSN 01, Table-26 data
    (9F02 000000012300, 9F03 0, 9F1A 0840, 95 8000010000, 5F2A 0840, 9C 00, 9F37 9BADBCAB,
    82 0000):
      CVN 18: 9A 200106, ATC 0102, IAD 06011203A00000 -> ARQC 9DA57063E9BF4757,
              ARPC method 2 with CSU 00008000 -> C5861E6D.
      CVN 10: 9A 191223, ATC 00FF, CVR 03A00000 (IAD 06010A03A00000) -> ARQC 4B2CCA57D04822B1.
[PYEMV] Examples in the pyemv documentation (knovichikhin/pyemv, docstrings of pyemv.kd and
    pyemv.ac, published on PyPI): master key derivation, common session key, AC and ARPCs.
"""

from __future__ import annotations

IMK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")

ELEMENTS_PAN = "5555550000000002"
ELEMENTS_PSN = "01"
ELEMENTS_COMMON = {
    "9F02": "000000012300",
    "9F03": "000000000000",
    "9F1A": "0840",
    "95": "8000010000",
    "5F2A": "0840",
    "9C": "00",
    "9F37": "9BADBCAB",
    "82": "0000",
}
ELEMENTS_CVN18 = {**ELEMENTS_COMMON, "9A": "200106", "9F36": "0102", "9F10": "06011203A00000"}
ELEMENTS_CVN18_ARQC = "9DA57063E9BF4757"
ELEMENTS_CVN18_CSU = "00008000"
ELEMENTS_CVN18_ARPC = "C5861E6D"
ELEMENTS_CVN10 = {**ELEMENTS_COMMON, "9A": "191223", "9F36": "00FF", "9F10": "06010A03A00000"}
ELEMENTS_CVN10_ARQC = "4B2CCA57D04822B1"

ATALLA_PAN = "9990123456789012"
ATALLA_PSN = "45"
ATALLA_DATA = bytes.fromhex("0123456789ABCDEF0123456789ABCDEF")
ATALLA_ARQC = bytes.fromhex("6513D2FC43696694")
ATALLA_R = bytes.fromhex("1234567890123456")
ATALLA_CSU = bytes.fromhex("00008000")
ATALLA_ARPC2 = bytes.fromhex("44A67041")
