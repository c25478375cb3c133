"""The host's side of the cup-pos IC download (60.3 = 370-382): the CA keys and AID parameters it holds.

The host holds the shipped test CA public keys (:func:`emv.capk.load_test_ca_keys`, each checksum checked)
and the parameters of the AIDs of the shipped test cards; it answers the status queries (372, 382) a list
at a time, the downloads (370, 380) one key or AID at a time (status ``0`` for one it does not hold), and
journals each terminal's end of download (371, 381) with the version of the set it downloaded. A sign-on's
0810 asks the terminal to download (message header processing request 4, then 5) while the version it
finished is not the host's (``cup_ic_download`` in host.toml); the answer to the end of the CA key download
asks for the parameters when they are due too. See :mod:`protocols.cup.icdownload` for the layouts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from emv.capk import CaPublicKey, load_test_ca_keys
from iso8583.message import Message
from protocols.cup import icdownload as ic
from protocols.cup.errors import CupFieldError
from protocols.iso87 import ResponseCode
from simulator.host.cards import CardDirectory
from simulator.host.exchange import Exchange, FormatError
from simulator.host.journal import HostJournal
from simulator.host.protocols.cup.answers import answer

LIST_LIMIT = 8
"""Entries per status query answer (8 CA key entries are 184 bytes of DE 62, well inside its 512)."""
_ROWS = {
    "ic_key_query": (ic.IcDownload.CA_KEYS, "query"), "ic_key_download": (ic.IcDownload.CA_KEYS, "download"),
    "ic_key_download_end": (ic.IcDownload.CA_KEYS, "end"),
    "ic_parameter_query": (ic.IcDownload.PARAMETERS, "query"),
    "ic_parameter_download": (ic.IcDownload.PARAMETERS, "download"),
    "ic_parameter_download_end": (ic.IcDownload.PARAMETERS, "end"),
}
ROW_NAMES = frozenset(_ROWS)


def _version(parts: list[bytes]) -> int:
    """A 48-bit version of a data set: the leading bytes of SHA-256 over its canonical encoding."""
    digest = hashlib.sha256(b"".join(len(part).to_bytes(2, "big") + part for part in parts)).digest()
    return int.from_bytes(digest[:6], "big")


@dataclass(frozen=True)
class IcDirectory:
    """The CA public keys and AID parameters the host gives its terminals, and the version of each set."""

    keys: tuple[CaPublicKey, ...]
    aids: tuple[ic.AidParameters, ...]

    @classmethod
    def shipped(cls, cards: CardDirectory) -> IcDirectory:
        """The shipped test CA keys, and default parameters for the AID of every shipped chip card."""
        aids = sorted({card.aid for card in cards.by_pan.values() if card.aid is not None})
        return cls(load_test_ca_keys(), tuple(ic.AidParameters(aid) for aid in aids))

    def version(self, kind: ic.IcDownload) -> int:
        if kind is ic.IcDownload.CA_KEYS:
            return _version([ic.key_answer(key) for key in self.keys])
        return _version([ic.aid_answer(aid) for aid in self.aids])

    def key(self, rid: bytes, index: int) -> CaPublicKey | None:
        return next((key for key in self.keys if (key.rid, key.index) == (rid, index)), None)

    def aid(self, aid: bytes) -> ic.AidParameters | None:
        return next((entry for entry in self.aids if entry.aid == aid), None)

    def pending(self, journal: HostJournal, terminal_id: str,
                after: ic.IcDownload | None = None) -> ic.IcDownload | None:
        """The first download ``terminal_id`` has not finished at the current version (after ``after``), if any."""
        kinds = list(ic.IcDownload)
        for kind in kinds[kinds.index(after) + 1:] if after is not None else kinds:
            if journal.ic_download_version(terminal_id, kind.value) != self.version(kind):
                return kind
        return None


def serve(directory: IcDirectory, journal: HostJournal, exchange: Exchange, row_name: str, *,
          ask: bool) -> Message:
    """The answer to one download exchange (``ask``: the host asks terminals to download, host.toml)."""
    request, terminal = exchange.request, exchange.terminal
    assert terminal is not None
    kind, step = _ROWS[row_name]
    data = request.get(62)
    try:
        if step == "query":
            received = ic.parse_query_request(data)
            entries = ([ic.KeyEntry(key.rid, key.index, key.expiry) for key in directory.keys]
                       if kind is ic.IcDownload.CA_KEYS else [entry.aid for entry in directory.aids])
            return answer(request, ResponseCode.APPROVED, exchange.now,
                          {62: ic.query_answer(entries, received, LIST_LIMIT)})
        if step == "download":
            if kind is ic.IcDownload.CA_KEYS:
                rid, index = ic.parse_key_download_request(data)
                found = ic.key_answer(directory.key(rid, index))
            else:
                found = ic.aid_answer(directory.aid(ic.parse_aid_download_request(data)))
            return answer(request, ResponseCode.APPROVED, exchange.now, {62: found})
    except CupFieldError as error:
        raise FormatError(str(error)) from None
    journal.record_ic_download(terminal.terminal_id, kind.value, directory.version(kind))
    following = directory.pending(journal, terminal.terminal_id, after=kind) if ask else None
    return answer(request, ResponseCode.APPROVED, exchange.now,
                  processing_request=following.processing_request if following else None)
