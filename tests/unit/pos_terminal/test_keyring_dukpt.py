"""A terminal's DUKPT keys, message after message, are those its KSNs give from the BDK (ANSI X9.24-1:2009 A.6 for
TDES, X9.24-3-2017 6.3 for AES), whatever the terminal keeps of its last derivation between messages."""

from __future__ import annotations

import pytest

from keys import dukpt_aes, dukpt_tdes
from keys.pinblock import PinBlockFormat
from protocols.defaults import TEST_KEYS
from protocols.security import KeyScheme, dukpt_aes_keys, dukpt_tdes_keys
from simulator.load.memkeys import MemoryKeyring

MESSAGES = 40  # counters 1..40: carries across several bits (7 -> 8, 15 -> 16, 31 -> 32)


def test_successive_dukpt_tdes_keys_are_those_of_each_ksn_from_the_bdk() -> None:
    keyring = MemoryKeyring.injected_with()
    for _ in range(MESSAGES):
        keys = keyring.next_message_keys(KeyScheme.DUKPT_TDES)
        assert keys.ksn is not None
        assert keys == dukpt_tdes_keys(dukpt_tdes.derive_keys(TEST_KEYS.tdes_bdk, keys.ksn))


@pytest.mark.parametrize("pin_format", [PinBlockFormat.ISO_0, PinBlockFormat.ISO_4])
def test_successive_dukpt_aes_keys_are_those_of_each_ksn_from_the_bdk(pin_format: PinBlockFormat) -> None:
    keyring = MemoryKeyring.injected_with()
    initial = dukpt_aes.derive_initial_key(TEST_KEYS.aes_bdk, TEST_KEYS.aes_initial_key_id)
    for _ in range(MESSAGES):
        keys = keyring.next_message_keys(KeyScheme.DUKPT_AES, pin_format)
        assert keys.ksn is not None
        assert keys == dukpt_aes_keys(initial, keys.ksn, pin_format)
