"""``possim emv ...``: the EMV calculator (TLV dumps, ARQC and ARPC).

* ``possim emv tlv HEX [--json] [--reveal]``: decode BER-TLV with tag names; PAN, track 2
  and cardholder name masked unless ``--reveal``.
* ``possim emv arqc --imk HEX --pan N --psn NN --atc HEX --data HEX --cvn {10,18}``: ICC
  master key (EMV Book 2 A1.4.1 Option A), session key (CVN 18 only, Book 2 A1.3.1) and the
  cryptogram over ``--data`` (the data is MACed as given: CDOL1 data, AIP, ATC, CVR/IAD).
* ``possim emv arpc --method {1,2} --key HEX --arqc HEX (--arc HEX | --csu HEX [--pad HEX])``:
  ARPC by Book 2 8.2.1 or 8.2.2 under the key given (ICC MK or session key).

All hex in answers is upper case; bad input raises an :class:`emv.errors.EmvError` or
:class:`keys.errors.CryptoError` (both ValueError), which :func:`simulator.cli.main` turns
into one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from emv.cryptogram import ArpcMethod, CryptogramVersion, ac_key, compute_ac
from emv.dump import describe
from emv.issuer import generate_arpc
from emv.keyderivation import derive_icc_master_key
from keys.hexutil import parse_hex, to_hex
from simulator.commands.output import InputError, add_json_flag, emit


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``possim emv`` and its sub-commands."""
    emv_parser = subparsers.add_parser(
        "emv", help="EMV TLV dumps, ARQC and ARPC",
        epilog="examples:\n"
               "  possim emv tlv 9F02060000000010009F36020001            # BER-TLV with tag names\n"
               "  possim emv arqc --imk <16 bytes hex> --pan 4111111111111111 --psn 01 --atc 0001 --data <hex> "
               "--cvn 18 --json\n"
               "  possim emv arpc --method 1 --key <16 bytes hex> --arqc <8 bytes hex> --arc 3030 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = emv_parser.add_subparsers(dest="emv_command", required=True)

    tlv_parser = commands.add_parser("tlv", help="decode BER-TLV (e.g. field 55) with tag names")
    tlv_parser.add_argument("hex", metavar="HEX", help="the TLV data in hex")
    tlv_parser.add_argument("--reveal", action="store_true", help="show PAN, track 2 and name in clear")
    add_json_flag(tlv_parser)
    tlv_parser.set_defaults(handler=run_tlv)

    arqc_parser = commands.add_parser("arqc", help="application cryptogram from an issuer master key")
    arqc_parser.add_argument("--imk", required=True, help="issuer master key (16 bytes hex)")
    arqc_parser.add_argument("--pan", required=True, help="the card's PAN (derives the ICC master key)")
    arqc_parser.add_argument("--psn", required=True, help="PAN sequence number, 2 digits")
    arqc_parser.add_argument("--atc", required=True, help="application transaction counter, 4 hex digits")
    arqc_parser.add_argument("--data", required=True, help="the data to MAC, in hex")
    arqc_parser.add_argument("--cvn", type=int, choices=(10, 18), required=True,
                             help="Visa cryptogram version: 10 (no session key) or 18 (EMV session key)")
    add_json_flag(arqc_parser)
    arqc_parser.set_defaults(handler=run_arqc)

    arpc_parser = commands.add_parser("arpc", help="authorisation response cryptogram")
    arpc_parser.add_argument("--method", type=int, choices=(1, 2), required=True,
                             help="EMV Book 2 ARPC method 1 (ARQC xor ARC) or 2 (MAC over ARQC, CSU, PAD)")
    arpc_parser.add_argument("--key", required=True, help="ARPC key: ICC master key or session key (16 bytes hex)")
    arpc_parser.add_argument("--arqc", required=True, help="the ARQC, 8 bytes hex")
    response = arpc_parser.add_mutually_exclusive_group(required=True)
    response.add_argument("--arc", help="authorisation response code, 2 bytes hex (method 1)")
    response.add_argument("--csu", help="card status update, 4 bytes hex (method 2)")
    arpc_parser.add_argument("--pad", help="proprietary authentication data, 0..8 bytes hex (method 2)")
    add_json_flag(arpc_parser)
    arpc_parser.set_defaults(handler=run_arpc)


def run_tlv(args: argparse.Namespace) -> int:
    items = describe(parse_hex(args.hex, "HEX"), reveal=args.reveal)
    emit(args, {"tlv": items}, text="\n".join(_text_lines(items, 0)))
    return 0


def _text_lines(items: list[dict[str, Any]], depth: int) -> list[str]:
    lines: list[str] = []
    for item in items:
        name = item["name"] or "unknown tag"
        line = f"{'  ' * depth}{item['tag']:<5} {name} ({item['length']}): {item['value']}"
        if item["interpreted"] is not None:
            line += f"  [{item['interpreted']}]"
        lines.append(line)
        lines.extend(_text_lines(item.get("children", []), depth + 1))
    return lines


def run_arqc(args: argparse.Namespace) -> int:
    imk = parse_hex(args.imk, "--imk", (16,))
    atc = parse_hex(args.atc, "--atc", (2,))
    data = parse_hex(args.data, "--data")
    cvn = CryptogramVersion.from_number(args.cvn)
    icc_mk = derive_icc_master_key(imk, args.pan, args.psn)
    key = ac_key(cvn, icc_mk, atc)
    payload = {"cvn": args.cvn, "icc_master_key": to_hex(icc_mk)}
    if cvn is CryptogramVersion.CVN18:
        payload["session_key"] = to_hex(key)
    payload["cryptogram"] = to_hex(compute_ac(key, data, cvn.padding))
    emit(args, payload)
    return 0


def run_arpc(args: argparse.Namespace) -> int:
    method = ArpcMethod(args.method)
    key = parse_hex(args.key, "--key", (16,))
    arqc = parse_hex(args.arqc, "--arqc", (8,))
    if method is ArpcMethod.METHOD_1:
        if args.arc is None:
            raise InputError("--method 1 needs --arc")
        if args.pad is not None:
            raise InputError("--pad applies to --method 2 only")
        arpc = generate_arpc(method, key, arqc, arc=parse_hex(args.arc, "--arc", (2,)))
    else:
        if args.csu is None:
            raise InputError("--method 2 needs --csu")
        proprietary = parse_hex(args.pad, "--pad") if args.pad else b""
        arpc = generate_arpc(method, key, arqc, csu=parse_hex(args.csu, "--csu", (4,)), proprietary=proprietary)
    emit(args, {"method": method.value, "arpc": to_hex(arpc)})
    return 0
