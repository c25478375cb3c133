"""The documented test defaults that a data folder with no configuration gets.

The host emulator and the terminal share these, so the two work together out
of the box (design.md section 4). Every key here is a public test key (the
standards' sample keys, and possim's own test TMK): never use them for real cards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TERMINAL_ID = "POSSIM01"
MERCHANT_ID = "POSSIM000000001"
SUPERVISOR_PASSWORD = "0000"
ADMIN_PASSWORD = "9999"
"""The merchant admin password of the test defaults: it unlocks the supervisor functions."""


@dataclass(frozen=True)
class TestKeySet:
    """Keys a terminal is loaded with at the (simulated) key-injection facility, and the host's copies."""

    terminal_master_key: bytes = field(repr=False)
    """Master/session: the TMK that session keys travel under (TR-31 version B KBPK); possim's own test key."""
    tdes_bdk: bytes = field(repr=False)
    """DUKPT TDES base derivation key: the ANSI X9.24-1:2009 Annex A test BDK."""
    tdes_initial_ksn: bytes
    """The terminal's initial KSN (counter 0): the X9.24-1:2009 Annex A test KSN."""
    aes_bdk: bytes = field(repr=False)
    """DUKPT AES base derivation key: the ANSI X9.24-3-2017 sample AES-128 BDK."""
    aes_initial_key_id: bytes
    """The terminal's initial key ID (BDK ID + derivation ID): the X9.24-3-2017 sample."""


TEST_KEYS = TestKeySet(
    terminal_master_key=bytes.fromhex("C1D0F8FB4958670DBA40AB1F3752EF0D"),
    tdes_bdk=bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"),
    tdes_initial_ksn=bytes.fromhex("FFFF9876543210E00000"),
    aes_bdk=bytes.fromhex("FEDCBA9876543210F1F1F1F1F1F1F1F1"),
    aes_initial_key_id=bytes.fromhex("1234567890123456"),
)
