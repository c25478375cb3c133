"""IC card CA public key and parameter download (CUP POS network management, 60.3 = 370-382), as data.

A CUP POS terminal loads the CA public keys and the EMV application (AID) parameters it needs for IC cards
from its host, in network management exchanges with no MAC (CUP POS terminal specification, the
"IC card public key download" and "IC card parameter download" exchanges; the same 60.3 codes as terminal
implementations use them, e.g. 0820/372, 0800/370, 0800/371):

========================  ====  =====  ==============================================================
exchange                  MTI   60.3   DE 62 of the request / of the answer
========================  ====  =====  ==============================================================
CA key status query       0820  372    ``1NN`` (ASCII: NN entries received so far) / status + list
CA key download           0800  370    TLV 9F06 RID, 9F22 index / status + the key's TLV
end of CA key download    0800  371    none / none
parameter status query    0820  382    ``1NN`` / status + list of 9F06 AIDs
parameter download        0800  380    TLV 9F06 AID / status + the AID's parameter TLV
end of parameter download 0800  381    none / none
========================  ====  =====  ==============================================================

The answer's DE 62 starts with one ASCII status character: ``0`` nothing (more), ``1`` here it is (the last
part of a list), ``2`` a list continues (query again with the count received). A key list entry is 9F06 RID,
9F22 index and DF05 expiry (8 ASCII digits YYYYMMDD); a key is those, DF06 hash algorithm, DF07 key algorithm,
DF02 modulus, DF04 exponent and DF03 checksum (EMV 4.3 Book 2, 11.2.2). An AID's parameters are 9F06 AID,
DF01 application selection indicator, 9F09 application version, DF11 / DF12 / DF13 the terminal action codes
default / online / denial, 9F1B floor limit, DF15 threshold for biased random selection, DF16 maximum target
percentage, DF17 target percentage, DF14 default DDOL, DF18 online PIN capability (the tags the public
terminal implementations read).

A host that wants the terminal to download says so in the message header of its 0810 (processing request
``4``: update the CA public keys; ``5``: download the IC parameters); see docs/protocol.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from emv.capk import CaPublicKey
from emv.errors import EmvError
from emv.tlv import Tlv, decode, encode
from protocols.cup.errors import CupFieldError

_FIELD = 62
NOTHING, LAST, MORE = "0", "1", "2"
"""The status character that starts an answer's DE 62."""
UPDATE_CA_KEYS = "4"
DOWNLOAD_PARAMETERS = "5"
"""Processing requests of the answer's message header (处理要求): download the CA keys / the IC parameters."""


class IcDownload(str, Enum):
    """What is downloaded: the CA public keys or the AID parameters; the value names the 60.3 codes."""

    CA_KEYS = "ca-keys"
    PARAMETERS = "parameters"

    @property
    def codes(self) -> tuple[str, str, str]:
        """60.3 of the status query, the download and the end of the download."""
        return ("372", "370", "371") if self is IcDownload.CA_KEYS else ("382", "380", "381")

    @property
    def processing_request(self) -> str:
        """The 0810 header's processing request that asks for this download."""
        return UPDATE_CA_KEYS if self is IcDownload.CA_KEYS else DOWNLOAD_PARAMETERS


def _items(data: object, what: str) -> tuple[str, list[Tlv]]:
    """The status character and the TLV objects of an answer's DE 62."""
    if not isinstance(data, bytes) or not data:
        raise CupFieldError(_FIELD, "62 status", 0, f"{what}: expected a status character and TLV data")
    status = chr(data[0])
    if status not in (NOTHING, LAST, MORE):
        raise CupFieldError(_FIELD, "62 status", 0, f"{what}: status {data[:1].hex().upper()} is not '0', '1' or '2'")
    try:
        return status, decode(data[1:])
    except EmvError as error:
        raise CupFieldError(_FIELD, "62 TLV", 1, f"{what}: {error}") from None


def _value(items: Sequence[Tlv], tag: str, what: str) -> bytes:
    for item in items:
        if item.tag == tag:
            return item.value
    raise CupFieldError(_FIELD, f"62 tag {tag}", 1, f"{what}: tag {tag} missing")


# -- status query ------------------------------------------------------------------------------


def query_request(received: int) -> bytes:
    """DE 62 of a status query: ``1`` and the number of entries received so far (2 ASCII digits)."""
    if not 0 <= received <= 99:
        raise CupFieldError(_FIELD, "62 count", 1, f"{received} entries received: expected 0 to 99")
    return f"1{received:02d}".encode("ascii")


def parse_query_request(data: object) -> int:
    """How many entries the terminal already received (the list continues from there)."""
    if not (isinstance(data, bytes) and len(data) == 3 and data[:1] == b"1" and data[1:].isdigit()):
        raise CupFieldError(_FIELD, "62", 0, "a status query carries '1' and 2 ASCII digits")
    return int(data[1:])


@dataclass(frozen=True)
class KeyEntry:
    """One CA key of a status query's answer: RID, index, expiry (YYYYMMDD)."""

    rid: bytes
    index: int
    expiry: str

    @property
    def name(self) -> str:
        return f"{self.rid.hex().upper()}/{self.index:02X}"


def _key_entry_tlv(entry: KeyEntry) -> list[Tlv]:
    return [Tlv.primitive("9F06", entry.rid), Tlv.primitive("9F22", bytes([entry.index])),
            Tlv.primitive("DF05", entry.expiry.encode("ascii"))]


def query_answer(entries: Sequence[KeyEntry] | Sequence[bytes], received: int, limit: int) -> bytes:
    """DE 62 of a status query's answer: the entries from ``received`` on, at most ``limit`` of them."""
    rest = list(entries)[received:]
    if not rest:
        return NOTHING.encode("ascii")
    part = rest[:limit]
    status = MORE if len(rest) > limit else LAST
    items: list[Tlv] = []
    for entry in part:
        items += _key_entry_tlv(entry) if isinstance(entry, KeyEntry) else [Tlv.primitive("9F06", entry)]
    return status.encode("ascii") + encode(items)


def parse_key_list(data: object) -> tuple[str, list[KeyEntry]]:
    """The status and the CA key entries of a 372 answer."""
    status, items = _items(data, "CA key list")
    entries, current = [], {}
    for item in items:
        current[item.tag] = item.value
        if item.tag == "DF05":
            if "9F06" not in current or len(current.get("9F22", b"")) != 1:
                raise CupFieldError(_FIELD, "62 tag DF05", 1, "CA key list: DF05 before its 9F06 and 9F22")
            entries.append(KeyEntry(current["9F06"], current["9F22"][0], current["DF05"].decode("ascii", "replace")))
            current = {}
    return status, entries


def parse_aid_list(data: object) -> tuple[str, list[bytes]]:
    """The status and the AIDs of a 382 answer."""
    status, items = _items(data, "AID list")
    return status, [item.value for item in items if item.tag == "9F06"]


# -- download ----------------------------------------------------------------------------------


def key_download_request(rid: bytes, index: int) -> bytes:
    """DE 62 of a 370: the key's RID and index."""
    return encode([Tlv.primitive("9F06", rid), Tlv.primitive("9F22", bytes([index]))])


def parse_key_download_request(data: object) -> tuple[bytes, int]:
    """RID and index of a 370's DE 62."""
    if not isinstance(data, bytes):
        raise CupFieldError(_FIELD, "62", 0, "a CA key download names the key (9F06, 9F22)")
    try:
        items = decode(data)
    except EmvError as error:
        raise CupFieldError(_FIELD, "62 TLV", 0, str(error)) from None
    index = _value(items, "9F22", "CA key download")
    if len(index) != 1:
        raise CupFieldError(_FIELD, "62 tag 9F22", 0, "the CA key index is one byte")
    return _value(items, "9F06", "CA key download"), index[0]


def key_answer(key: CaPublicKey | None) -> bytes:
    """DE 62 of a 370's answer: ``1`` and the key's TLV, or ``0`` when the host has no such key."""
    if key is None:
        return NOTHING.encode("ascii")
    return LAST.encode("ascii") + encode([
        Tlv.primitive("9F06", key.rid), Tlv.primitive("9F22", bytes([key.index])),
        Tlv.primitive("DF05", key.expiry.encode("ascii")), Tlv.primitive("DF06", bytes([key.hash_algorithm])),
        Tlv.primitive("DF07", bytes([key.key_algorithm])), Tlv.primitive("DF02", key.modulus),
        Tlv.primitive("DF04", key.exponent), Tlv.primitive("DF03", key.checksum),
    ])


def parse_key_answer(data: object) -> CaPublicKey | None:
    """The key of a 370's answer, its checksum checked (:meth:`CaPublicKey.check`); None for status ``0``."""
    status, items = _items(data, "CA key")
    if status == NOTHING:
        return None
    index = _value(items, "9F22", "CA key")
    try:
        return CaPublicKey(
            rid=_value(items, "9F06", "CA key"), index=index[0] if len(index) == 1 else -1,
            expiry=_value(items, "DF05", "CA key").decode("ascii", "replace"), modulus=_value(items, "DF02", "CA key"),
            exponent=_value(items, "DF04", "CA key"), checksum=_value(items, "DF03", "CA key"),
            hash_algorithm=_value(items, "DF06", "CA key")[0], key_algorithm=_value(items, "DF07", "CA key")[0],
        ).check()
    except (EmvError, IndexError) as error:
        raise CupFieldError(_FIELD, "62", 1, f"CA key refused: {error}") from None


@dataclass(frozen=True)
class AidParameters:
    """The EMV parameters of one AID (byte values as the tags carry them)."""

    aid: bytes
    application_version: bytes = bytes.fromhex("0020")
    partial_selection: bool = True
    tac_default: bytes = bytes.fromhex("D84000A800")
    tac_online: bytes = bytes.fromhex("D84004F800")
    tac_denial: bytes = bytes.fromhex("0010000000")
    floor_limit: int = 0
    threshold: int = 0
    max_target_percentage: int = 99
    target_percentage: int = 99
    default_ddol: bytes = bytes.fromhex("9F3704")
    online_pin: bool = True

    @property
    def name(self) -> str:
        return self.aid.hex().upper()

    def tlv(self) -> list[Tlv]:
        return [
            Tlv.primitive("9F06", self.aid), Tlv.primitive("DF01", b"\x00" if self.partial_selection else b"\x01"),
            Tlv.primitive("9F09", self.application_version), Tlv.primitive("DF11", self.tac_default),
            Tlv.primitive("DF12", self.tac_online), Tlv.primitive("DF13", self.tac_denial),
            Tlv.primitive("9F1B", self.floor_limit.to_bytes(4, "big")),
            Tlv.primitive("DF15", self.threshold.to_bytes(4, "big")),
            Tlv.primitive("DF16", bytes([self.max_target_percentage])),
            Tlv.primitive("DF17", bytes([self.target_percentage])), Tlv.primitive("DF14", self.default_ddol),
            Tlv.primitive("DF18", b"\x01" if self.online_pin else b"\x00"),
        ]


def aid_download_request(aid: bytes) -> bytes:
    """DE 62 of a 380: the AID."""
    return encode([Tlv.primitive("9F06", aid)])


def parse_aid_download_request(data: object) -> bytes:
    """The AID of a 380's DE 62."""
    if not isinstance(data, bytes):
        raise CupFieldError(_FIELD, "62", 0, "a parameter download names the AID (9F06)")
    try:
        return _value(decode(data), "9F06", "parameter download")
    except EmvError as error:
        raise CupFieldError(_FIELD, "62 TLV", 0, str(error)) from None


def aid_answer(parameters: AidParameters | None) -> bytes:
    """DE 62 of a 380's answer: ``1`` and the AID's parameters, or ``0`` when the host has none for it."""
    return NOTHING.encode("ascii") if parameters is None else LAST.encode("ascii") + encode(parameters.tlv())


def parse_aid_answer(data: object) -> AidParameters | None:
    """The parameters of a 380's answer; None for status ``0``."""
    status, items = _items(data, "AID parameters")
    if status == NOTHING:
        return None
    value = {item.tag: item.value for item in items}
    try:
        return AidParameters(
            aid=_value(items, "9F06", "AID parameters"), application_version=value["9F09"],
            partial_selection=value["DF01"] == b"\x00", tac_default=value["DF11"], tac_online=value["DF12"],
            tac_denial=value["DF13"], floor_limit=int.from_bytes(value["9F1B"], "big"),
            threshold=int.from_bytes(value["DF15"], "big"), max_target_percentage=value["DF16"][0],
            target_percentage=value["DF17"][0], default_ddol=value["DF14"], online_pin=value["DF18"] != b"\x00",
        )
    except (KeyError, IndexError) as error:
        raise CupFieldError(_FIELD, "62", 1, f"AID parameters: tag {error} missing or empty") from None
