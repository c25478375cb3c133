"""``possim keys ...``: the payment engineer's calculator.

kcv, dukpt, pinblock, mac and tr31 wrap/unwrap. Each prints a readable answer,
or one JSON object with ``--json``; all hex is upper case. Bad input raises a
``keys.errors.CryptoError`` (a ValueError) whose message names the argument and
never the secret; :func:`simulator.cli.main` turns it into exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from keys import dukpt_aes, dukpt_tdes, tr31
from keys.errors import CryptoError, KeyLengthError, PanError, PinError
from keys.hexutil import parse_hex, to_hex
from keys.kcv import KcvMethod, kcv
from keys.mac import MacAlgorithm, generate_mac
from keys.pinblock import PinBlockFormat, encode_pin_block, encrypt_pin_block
from simulator.commands.output import InputError, add_json_flag, emit

_HEADER_OPTIONS = (("version ID", "--version"), ("key usage", "--usage"), ("algorithm", "--algorithm"),
                   ("mode of use", "--mode-of-use"), ("key version number", "--key-version"),
                   ("exportability", "--exportability"))
"""TR-31 header fields (``KeyBlockError.header_field``) and the ``tr31 wrap`` options that set them."""

_TDES_KSN_BYTES = 10
_AES_KSN_BYTES = 12


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim keys`` and its sub-commands."""
    keys_parser = subparsers.add_parser(
        "keys", help="key check values, DUKPT, PIN blocks, MACs, TR-31",
        description="The payment engineer's calculator: each command prints a readable answer, or one JSON "
                    "object with --json; bad input exits 2 naming the argument (never the key or PIN).",
        epilog="examples:\n"
               "  possim keys kcv --key 0123456789ABCDEFFEDCBA9876543210                          # kcv 08D7B4\n"
               "  possim keys dukpt --bdk 0123456789ABCDEFFEDCBA9876543210 --ksn FFFF9876543210E00001\n"
               "  possim keys pinblock --format 0 --pin 1234 --pan 4111111111111111 "
               "--key 0123456789ABCDEFFEDCBA9876543210\n"
               "  possim keys mac --alg aes-cmac --key 2B7E151628AED2A6ABF7158809CF4F3C "
               "--data 6BC1BEE22E409F96E93D7E117393172A\n"
               "  possim keys tr31 wrap --kbpk <hex> --key <hex> --usage P0 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = keys_parser.add_subparsers(dest="keys_command", required=True)

    kcv_parser = commands.add_parser("kcv", help="key check value")
    kcv_parser.add_argument("--key", required=True, help="the key in hex")
    kcv_parser.add_argument("--algorithm", choices=("tdes", "aes"), help="default: tdes for 16/24 bytes, aes for 32")
    kcv_parser.add_argument(
        "--method", choices=[m.value for m in KcvMethod], default=KcvMethod.ENCRYPT_ZEROS.value,
        help="zeros: leftmost 3 bytes of E(K, 0) (default); cmac: leftmost 5 bytes of CMAC(K, 0) (X9.24-1:2017, TR-31)",
    )
    add_json_flag(kcv_parser)
    kcv_parser.set_defaults(handler=run_kcv)

    dukpt_parser = commands.add_parser("dukpt", help="DUKPT keys for a BDK and a KSN (10 bytes: TDES, 12 bytes: AES)")
    dukpt_parser.add_argument("--bdk", required=True, help="base derivation key in hex")
    dukpt_parser.add_argument("--ksn", required=True, help="key serial number: 20 hex digits (TDES) or 24 (AES)")
    dukpt_parser.add_argument(
        "--working-key-type", choices=[t.name for t in dukpt_aes.KeyType], default="AES128",
        help="AES DUKPT working key type (default AES128)",
    )
    add_json_flag(dukpt_parser)
    dukpt_parser.set_defaults(handler=run_dukpt)

    pin_parser = commands.add_parser("pinblock", help="ISO 9564-1 PIN block, clear and enciphered")
    pin_parser.add_argument("--format", type=int, choices=[f.value for f in PinBlockFormat], required=True,
                            help="ISO 9564-1 format: 0 (PAN-bound), 1 (no PAN), 3 (PAN-bound, random fill), 4 (AES)")
    pin_parser.add_argument("--pin", required=True, help="the clear PIN, 4 to 12 digits (never printed back)")
    pin_parser.add_argument("--pan", help="primary account number (not needed for format 1)")
    pin_parser.add_argument("--key", help="PIN encryption key in hex: TDES for formats 0, 1, 3; AES for 4")
    add_json_flag(pin_parser)
    pin_parser.set_defaults(handler=run_pinblock)

    mac_parser = commands.add_parser("mac", help="ISO 9797-1 algorithm 1 or 3, AES-CMAC, or the CUP POS ECB MAC")
    mac_parser.add_argument(
        "--alg", choices=[a.value for a in MacAlgorithm], required=True,
        help="cup-ecb: the UnionPay POS MAC of DE 64 (8-byte key DES, 16-byte key TDES) over the MTI..DE 63 bytes",
    )
    mac_parser.add_argument("--key", required=True,
                            help="the MAC key in hex: 8, 16 or 24 bytes (DES/TDES), 16, 24 or 32 (AES-CMAC)")
    mac_parser.add_argument("--data", required=True, help="the data in hex")
    mac_parser.add_argument("--padding", type=int, choices=(1, 2), default=None,
                            help="ISO 9797-1 padding method (default 1; not for cup-ecb)")
    mac_parser.add_argument("--length", type=int, help="truncate the MAC to N bytes")
    add_json_flag(mac_parser)
    mac_parser.set_defaults(handler=run_mac)

    tr31_parser = commands.add_parser("tr31", help="TR-31 key blocks")
    tr31_commands = tr31_parser.add_subparsers(dest="tr31_command", required=True)
    wrap_parser = tr31_commands.add_parser("wrap", help="wrap a key under a key block protection key")
    wrap_parser.add_argument("--kbpk", required=True, help="key block protection key in hex: 16 or 24 bytes TDES "
                                                            "(version B), 16, 24 or 32 bytes AES (version D)")
    wrap_parser.add_argument("--key", required=True, help="the key to wrap, in hex (16 or 24 bytes TDES, 16, 24 "
                                                           "or 32 AES)")
    wrap_parser.add_argument("--version", choices=("B", "D"), default="D", help="B: TDES KBPK, D: AES KBPK")
    wrap_parser.add_argument("--usage", default="P0", help="key usage, e.g. P0, K0, M3, D0, B1")
    wrap_parser.add_argument("--algorithm", default=None, help="key algorithm: T (TDES) or A (AES); default A for 32-byte keys, else T (say A for AES-128)")
    wrap_parser.add_argument("--mode-of-use", default="E", help="mode of use, e.g. E, D, B, C, G, V, N, X")
    wrap_parser.add_argument("--key-version", default="00", help="key version number, 2 characters (default 00)")
    wrap_parser.add_argument("--exportability", choices=("E", "N", "S"), default="N",
                             help="E exportable under a trusted key, N not exportable (default), S sensitive")
    add_json_flag(wrap_parser)
    wrap_parser.set_defaults(handler=run_tr31_wrap)
    unwrap_parser = tr31_commands.add_parser("unwrap", help="unwrap and verify a key block")
    unwrap_parser.add_argument("--kbpk", required=True, help="the key block protection key it was wrapped under, "
                                                              "in hex")
    unwrap_parser.add_argument("--block", required=True, help="the TR-31 key block, e.g. D0112P0AE00E0000...")
    add_json_flag(unwrap_parser)
    unwrap_parser.set_defaults(handler=run_tr31_unwrap)


def run_kcv(args: argparse.Namespace) -> int:
    key = parse_hex(args.key, "--key", (16, 24, 32))
    algorithm = args.algorithm or ("aes" if len(key) == 32 else "tdes")
    value = kcv(key, algorithm, KcvMethod(args.method))
    emit(args, {"kcv": to_hex(value), "algorithm": algorithm, "method": args.method})
    return 0


def run_dukpt(args: argparse.Namespace) -> int:
    ksn = parse_hex(args.ksn, "--ksn", (_TDES_KSN_BYTES, _AES_KSN_BYTES))
    bdk = parse_hex(args.bdk, "--bdk")
    payload: dict[str, Any]
    if len(ksn) == _TDES_KSN_BYTES and dukpt_tdes.ksn_counter(ksn) == 0:
        # Counter 0 names the initial key itself: there is no transaction key yet.
        payload = {"scheme": "dukpt-tdes", "ksn": to_hex(ksn), "ipek": to_hex(dukpt_tdes.derive_ipek(bdk, ksn))}
    elif len(ksn) == _AES_KSN_BYTES and dukpt_aes.ksn_counter(ksn) == 0:
        initial_key = dukpt_aes.derive_initial_key(bdk, dukpt_aes.ksn_initial_key_id(ksn))
        payload = {"scheme": "dukpt-aes", "ksn": to_hex(ksn), "initial_key": to_hex(initial_key)}
    elif len(ksn) == _TDES_KSN_BYTES:
        keys = dukpt_tdes.derive_keys(bdk, ksn)
        payload = {
            "scheme": "dukpt-tdes",
            "ksn": to_hex(ksn),
            "ipek": to_hex(keys.ipek),
            "pin_key": to_hex(keys.pin_key),
            "mac_key": to_hex(keys.mac_request_key),
            "data_key": to_hex(keys.data_request_key),
            "mac_response_key": to_hex(keys.mac_response_key),
            "data_response_key": to_hex(keys.data_response_key),
        }
    else:
        key_type = dukpt_aes.KeyType[args.working_key_type]
        keys_aes = dukpt_aes.derive_keys(bdk, ksn, working_key_type=key_type)
        payload = {
            "scheme": "dukpt-aes",
            "ksn": to_hex(ksn),
            "working_key_type": key_type.name,
            "initial_key": to_hex(keys_aes.initial_key),
            "pin_key": to_hex(keys_aes.pin_key),
            "mac_key": to_hex(keys_aes.mac_generation_key),
            "mac_verification_key": to_hex(keys_aes.mac_verification_key),
            "data_key": to_hex(keys_aes.data_encryption_key),
        }
    emit(args, payload)
    return 0


def run_pinblock(args: argparse.Namespace) -> int:
    block_format = PinBlockFormat(args.format)
    if block_format is not PinBlockFormat.ISO_1 and not args.pan:
        raise InputError(f"--pan is required for format {block_format.value}")
    # One set of random fill digits serves both answers, so `clear` is what `encrypted` enciphers.
    fill = _RecordedRandom()
    with _naming_options({PinError: "--pin", PanError: "--pan"}):
        clear = encode_pin_block(block_format, args.pin, args.pan, random_bytes=fill)
    payload: dict[str, Any] = {"format": block_format.value, "clear": to_hex(clear)}
    if args.key:
        lengths = (16, 24, 32) if block_format is PinBlockFormat.ISO_4 else (16, 24)
        key = parse_hex(args.key, "--key", lengths)
        payload["encrypted"] = to_hex(
            encrypt_pin_block(block_format, key, args.pin, args.pan, random_bytes=fill.replay())
        )
    emit(args, payload)
    return 0


@contextlib.contextmanager
def _naming_options(options: Mapping[type[CryptoError], str]) -> Iterator[None]:
    """Re-raise a library error of one of ``options``' types as bad input naming its option.

    The library's message already says what is wrong (never the PIN or the key); the command line
    adds which argument it was.
    """
    try:
        yield
    except CryptoError as error:
        for kind, option in options.items():
            if isinstance(error, kind):
                raise InputError(f"{option}: {error}") from None
        raise


def run_mac(args: argparse.Namespace) -> int:
    algorithm = MacAlgorithm(args.alg)
    if algorithm is MacAlgorithm.CUP_ECB and args.padding is not None:
        raise InputError("--padding does not apply to cup-ecb (its zero padding is part of the algorithm)")
    key = parse_hex(args.key, "--key")
    data = parse_hex(args.data, "--data")
    value = generate_mac(algorithm, key, data, padding=args.padding or 1, length=args.length)
    if algorithm is MacAlgorithm.CUP_ECB:
        # The CUP MAC is hex characters already: DE 64 carries these ASCII bytes.
        emit(args, {"alg": args.alg, "mac": value.decode("ascii"), "field64_hex": to_hex(value)})
    else:
        emit(args, {"alg": args.alg, "mac": to_hex(value)})
    return 0


def run_tr31_wrap(args: argparse.Namespace) -> int:
    kbpk = parse_hex(args.kbpk, "--kbpk")
    key = parse_hex(args.key, "--key")
    algorithm = args.algorithm or ("A" if len(key) == 32 else "T")
    try:
        header = tr31.KeyBlockHeader(
            version_id=args.version,
            key_usage=args.usage,
            algorithm=algorithm,
            mode_of_use=args.mode_of_use,
            key_version_number=args.key_version,
            exportability=args.exportability,
        )
    except tr31.KeyBlockError as error:
        option = dict(_HEADER_OPTIONS).get(error.header_field or "")
        raise InputError(f"{option}: {error}" if option else str(error)) from None
    with _naming_options({tr31.KbpkLengthError: "--kbpk", KeyLengthError: "--key"}):
        block = tr31.wrap(kbpk, header, key)
    emit(args, {"block": block})
    return 0


def run_tr31_unwrap(args: argparse.Namespace) -> int:
    kbpk = parse_hex(args.kbpk, "--kbpk")
    with _naming_options({tr31.KbpkLengthError: "--kbpk", tr31.KeyBlockError: "--block"}):
        header, key = tr31.unwrap(kbpk, args.block.strip())
    payload = {
        "key": to_hex(key),
        "header": args.block.strip()[:16],
        "version_id": header.version_id,
        "key_usage": header.key_usage,
        "algorithm": header.algorithm,
        "mode_of_use": header.mode_of_use,
        "key_version_number": header.key_version_number,
        "exportability": header.exportability,
        "optional_blocks": {block_id: data for block_id, data in header.optional_blocks},
    }
    emit(args, payload)
    return 0


class _RecordedRandom:
    """A ``random_bytes`` source (fill digits from :mod:`secrets`) that can replay what it gave."""

    def __init__(self) -> None:
        self._given: list[bytes] = []

    def __call__(self, count: int) -> bytes:
        value = secrets.token_bytes(count)
        self._given.append(value)
        return value

    def replay(self) -> Callable[[int], bytes]:
        """A source that returns the same bytes, in the same order."""
        given = iter(list(self._given))
        return lambda count: next(given)
