"""The raw baselines of benchmarks/bench_crypto.py compute what ours computes, message after message
(their kept contexts carry nothing from one message into the next): the speed ratio compares equal work."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import bench_crypto
from keys.mac import MacAlgorithm, generate_mac
from keys.pinblock import PinBlockFormat, encrypt_pin_block


@settings(max_examples=40)
@given(messages=st.lists(st.binary(min_size=1, max_size=300), min_size=1, max_size=4))
def test_raw_retail_mac_with_kept_contexts_is_the_retail_mac(messages: list[bytes]) -> None:
    for message in messages:
        assert bench_crypto.raw_retail_mac(message) == generate_mac(
            MacAlgorithm.ISO9797_1_ALG3, bench_crypto.TDES_KEY, message, padding=1, length=8)


@settings(max_examples=40)
@given(messages=st.lists(st.binary(max_size=300), min_size=1, max_size=4))
def test_raw_cmac_with_a_kept_key_is_aes_cmac(messages: list[bytes]) -> None:
    for message in messages:
        assert bench_crypto.raw_cmac(message) == generate_mac(MacAlgorithm.AES_CMAC, bench_crypto.AES_KEY, message,
                                                              length=8)


@settings(max_examples=40)
@given(pin=st.text("0123456789", min_size=4, max_size=12), pan=st.text("0123456789", min_size=13, max_size=19))
def test_raw_pin_block_is_the_format_0_pin_block(pin: str, pan: str) -> None:
    assert bench_crypto.raw_pin_block(pin, pan) == encrypt_pin_block(PinBlockFormat.ISO_0, bench_crypto.TDES_KEY,
                                                                      pin, pan)
