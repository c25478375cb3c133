"""The data an application cryptogram covers, assembled the same way by card and issuer.

EMV 4.4 Book 2 section 8.1.1 recommends a minimum set of data elements, in this order:
Amount Authorised '9F02', Amount Other '9F03', Terminal Country Code '9F1A', TVR '95',
Transaction Currency Code '5F2A', Transaction Date '9A', Transaction Type '9C',
Unpredictable Number '9F37', AIP '82', ATC '9F36'. Visa appends the CVR (CVN 10) or the
whole Issuer Application Data (CVN 18). The card gets these values from CDOL1 and its own
state; the issuer from field 55. One function builds the bytes for both sides, so they
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import NoReturn

from emv.cryptogram import CryptogramVersion
from emv.errors import CryptogramError
from emv.iad import IssuerApplicationData, parse_iad

AC_DATA_TAGS: tuple[tuple[str, int], ...] = (
    ("9F02", 6),
    ("9F03", 6),
    ("9F1A", 2),
    ("95", 5),
    ("5F2A", 2),
    ("9A", 3),
    ("9C", 1),
    ("9F37", 4),
    ("82", 2),
    ("9F36", 2),
)
"""(tag, length in bytes) of the Book 2 8.1.1 minimum set, in MAC order."""


def ac_input(cvn: CryptogramVersion, values: Mapping[str, bytes], iad: IssuerApplicationData | None = None) -> bytes:
    """The bytes to MAC for ``cvn`` from ``values`` (tag -> value, '9F10' included).

    ``iad``: '9F10' of ``values`` as already read (:func:`~emv.iad.parse_iad`), by an issuer that read it to learn
    the CVN; None reads it here. Raises :class:`CryptogramError` "missing tag XXXX" or "tag XXXX: n bytes, expected m".
    """
    try:
        parts = _read_set(values)  # the ten values at once, and their lengths, in C
        well_formed = list(map(len, parts)) == _LENGTHS
    except (KeyError, TypeError):  # a tag missing (or None)
        well_formed = False
    if not well_formed:
        _refuse(values)
    if iad is None:
        iad_raw = values.get("9F10")
        if iad_raw is None:
            raise CryptogramError("missing tag 9F10")
        iad = parse_iad(iad_raw)
    if cvn is CryptogramVersion.CVN10:
        if iad.cvr is None:
            raise CryptogramError("tag 9F10: no CVR in this issuer application data format")
        return b"".join(parts) + iad.cvr
    return b"".join(parts) + iad.raw


_read_set = itemgetter(*(tag for tag, _ in AC_DATA_TAGS))
"""The values of the set, in MAC order (KeyError when one is missing); read-only."""
_LENGTHS = [length for _, length in AC_DATA_TAGS]


def _refuse(values: Mapping[str, bytes]) -> NoReturn:
    """Raise the CryptogramError naming the first tag of the set that is missing or has the wrong length."""
    for tag, length in AC_DATA_TAGS:
        value = values.get(tag)
        if value is None:
            raise CryptogramError(f"missing tag {tag}")
        if len(value) != length:
            raise CryptogramError(f"tag {tag}: {len(value)} bytes, expected {length}")
