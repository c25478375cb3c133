"""Crypto speed: our MAC, PIN block and DUKPT calls against the same operations done directly with ``cryptography``.

Each pair computes the same value (checked first, so the comparison is of equal work): the
baseline is written here straight on ``cryptography``'s ciphers, from the standards, with none
of our validation, key checks or helpers:

* ISO 9797-1 MAC algorithm 3 (ANSI X9.19 retail MAC), padding method 1, over a 200-byte message
* AES-CMAC (NIST SP 800-38B) over the same message
* ISO 9564-1 format 0 PIN block, enciphered with a double-length TDES key
* DUKPT TDES (ANSI X9.24-1:2009 A.6): IPEK from the BDK, transaction key, PIN/MAC/data keys
* DUKPT AES (ANSI X9.24-3-2017 6.3): MAC generation working key from the initial key

The ratio is ours/raw in time per call (1.00: as fast as raw ``cryptography``; target <= 1.2).
"""

from __future__ import annotations

import sys
import timeit
from collections.abc import Callable

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES
from cryptography.hazmat.primitives.cmac import CMAC

from keys import dukpt_aes, dukpt_tdes
from keys.mac import MacAlgorithm, generate_mac
from keys.pinblock import PinBlockFormat, encrypt_pin_block

REPEATS = 7
TARGET_RATIO = 1.2
MESSAGE = bytes(range(200))
TDES_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
AES_KEY = bytes.fromhex("FEDCBA9876543210F1F1F1F1F1F1F1F1")
PAN, PIN = "4761739001010119", "1234"
TDES_KSN = bytes.fromhex("FFFF9876543210E00012")  # X9.24-1:2009 Annex A test KSN, counter 0x12
AES_INITIAL_KEY_ID = bytes.fromhex("1234567890123456")  # X9.24-3-2017 sample
AES_KSN = AES_INITIAL_KEY_ID + (0x00000005).to_bytes(4, "big")
AES_INITIAL_KEY = dukpt_aes.derive_initial_key(AES_KEY, AES_INITIAL_KEY_ID)
DUKPT_MASK = bytes.fromhex("C0C0C0C000000000C0C0C0C000000000")
VARIANTS = {name: bytes.fromhex(mask * 2) for name, mask in (
    ("pin", "00000000000000FF"), ("mac_request", "000000000000FF00"), ("mac_response", "00000000FF000000"),
    ("data_request", "0000000000FF0000"), ("data_response", "000000FF00000000"))}


def _xor(left: bytes, right: bytes) -> bytes:
    return (int.from_bytes(left, "big") ^ int.from_bytes(right, "big")).to_bytes(len(left), "big")


def _tdes_ecb(key: bytes, data: bytes) -> bytes:
    return Cipher(TripleDES(key + key[:8] if len(key) == 16 else key), modes.ECB()).encryptor().update(data)


def raw_retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 algorithm 3: DES CBC-MAC under K1, then D_K2 and E_K1 of the last block."""
    padded = data + bytes(-len(data) % 8)
    k1, k2 = key[:8], key[8:16]
    encryptor = Cipher(TripleDES(k1 * 3), modes.CBC(bytes(8))).encryptor()
    chained = (encryptor.update(padded) + encryptor.finalize())[-8:]
    middle = Cipher(TripleDES(k2 * 3), modes.ECB()).decryptor().update(chained)
    return Cipher(TripleDES(k1 * 3), modes.ECB()).encryptor().update(middle)


def raw_cmac(key: bytes, data: bytes) -> bytes:
    mac = CMAC(AES(key))
    mac.update(data)
    return mac.finalize()[:8]


def raw_pin_block(key: bytes, pin: str, pan: str) -> bytes:
    """ISO 9564-1 format 0: PIN field XOR PAN field (12 digits before the check digit), TDES ECB."""
    pin_field = bytes.fromhex(f"0{len(pin)}{pin}".ljust(16, "F"))
    pan_field = bytes.fromhex("0000" + pan[-13:-1])
    return _tdes_ecb(key, _xor(pin_field, pan_field))


def raw_dukpt_tdes(bdk: bytes, ksn: bytes) -> dict[str, bytes]:
    """X9.24-1:2009 A.6: IPEK, then one non-reversible key generation per counter bit, then the variants."""
    counter = int.from_bytes(ksn[-3:], "big") & 0x1FFFFF
    base = (int.from_bytes(ksn, "big") & ~0x1FFFFF).to_bytes(10, "big")
    ipek = _tdes_ecb(bdk, base[:8]) + _tdes_ecb(_xor(bdk, DUKPT_MASK), base[:8])
    register, key = int.from_bytes(base[2:], "big"), ipek
    for shift in range(20, -1, -1):
        if counter & (1 << shift):
            register |= 1 << shift
            data = register.to_bytes(8, "big")

            def half(reg: bytes, data: bytes = data) -> bytes:
                des = Cipher(TripleDES(reg[:8] * 3), modes.ECB()).encryptor()
                return _xor(reg[8:], des.update(_xor(data, reg[8:])))

            key = half(_xor(key, DUKPT_MASK)) + half(key)
    keys = {name: _xor(key, mask) for name, mask in VARIANTS.items()}
    for name in ("data_request", "data_response"):
        keys[name] = _tdes_ecb(keys[name], keys[name])
    return keys


def raw_dukpt_aes_mac_key(initial_key: bytes, ksn: bytes) -> bytes:
    """X9.24-3-2017 6.3: one AES-ECB derivation per counter bit (usage 8000), then the working key (2000)."""
    def derive(key: bytes, usage: int, counter: int) -> bytes:
        data = bytes((1, 1)) + usage.to_bytes(2, "big") + (2).to_bytes(2, "big") + (128).to_bytes(2, "big") \
            + ksn[4:8] + counter.to_bytes(4, "big")
        return Cipher(AES(key), modes.ECB()).encryptor().update(data)

    counter, working, key = int.from_bytes(ksn[8:], "big"), 0, initial_key
    for bit in range(31, -1, -1):
        if counter & (1 << bit):
            working |= 1 << bit
            key = derive(key, 0x8000, working)
    return derive(key, 0x2000, counter)


def ours_dukpt_tdes(bdk: bytes, ksn: bytes) -> dict[str, bytes]:
    keys = dukpt_tdes.derive_keys(bdk, ksn)
    return {"pin": keys.pin_key, "mac_request": keys.mac_request_key, "mac_response": keys.mac_response_key,
            "data_request": keys.data_request_key, "data_response": keys.data_response_key}


PAIRS: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
    ("retail MAC (X9.19), 200 B",
     lambda: generate_mac(MacAlgorithm.ISO9797_1_ALG3, TDES_KEY, MESSAGE, padding=1, length=8),
     lambda: raw_retail_mac(TDES_KEY, MESSAGE)),
    ("AES-CMAC, 200 B",
     lambda: generate_mac(MacAlgorithm.AES_CMAC, AES_KEY, MESSAGE, padding=1, length=8),
     lambda: raw_cmac(AES_KEY, MESSAGE)),
    ("PIN block ISO 0 + TDES",
     lambda: encrypt_pin_block(PinBlockFormat.ISO_0, TDES_KEY, PIN, PAN),
     lambda: raw_pin_block(TDES_KEY, PIN, PAN)),
    ("DUKPT TDES keys from BDK",
     lambda: ours_dukpt_tdes(TDES_KEY, TDES_KSN),
     lambda: raw_dukpt_tdes(TDES_KEY, TDES_KSN)),
    ("DUKPT AES MAC key",
     lambda: dukpt_aes.derive_working_key_from_initial(AES_INITIAL_KEY, AES_KSN, dukpt_aes.KeyUsage.MAC_GENERATION,
                                                       dukpt_aes.KeyType.AES128),
     lambda: raw_dukpt_aes_mac_key(AES_INITIAL_KEY, AES_KSN)),
]


def per_call(ours: Callable[[], object], raw: Callable[[], object]) -> tuple[float, float]:
    """Seconds per call of each: the best of REPEATS rounds, each round timing both in turn (so a busy
    moment of the machine hits both), each timing sized to take about 0.1 s."""
    numbers = [timeit.Timer(function).autorange()[0] for function in (ours, raw)]
    best = [float("inf"), float("inf")]
    for _ in range(REPEATS):
        for index, function in enumerate((ours, raw)):
            best[index] = min(best[index], timeit.timeit(function, number=numbers[index]) / numbers[index])
    return best[0], best[1]


def main() -> int:
    """Print µs per call of ours and raw, and the ratio; exit 1 when a ratio is over the target."""
    status = 0
    print(f"{'operation':<28}{'ours us':>10}{'raw us':>10}{'ratio':>8}")
    for name, ours, raw in PAIRS:
        if ours() != raw():
            raise RuntimeError(f"{name}: ours and the raw baseline compute different values; the comparison is void")
        mine, theirs = per_call(ours, raw)
        ratio = mine / theirs
        status = status or (1 if ratio > TARGET_RATIO else 0)
        print(f"{name:<28}{mine * 1e6:>10.1f}{theirs * 1e6:>10.1f}{ratio:>8.2f}")
    print(f"target: time ratio ours/raw cryptography <= {TARGET_RATIO}: {'met' if status == 0 else 'NOT MET'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
