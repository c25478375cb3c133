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

from emv.cryptogram import CryptogramVersion
from emv.errors import CryptogramError
from emv.iad import parse_iad

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


def ac_input(cvn: CryptogramVersion, values: Mapping[str, bytes]) -> bytes:
    """The bytes to MAC for ``cvn`` from ``values`` (tag -> value, '9F10' included).

    Raises :class:`CryptogramError` "missing tag XXXX" or "tag XXXX: n bytes, expected m".
    """
    parts = [values.get(tag) for tag in _TAGS]
    try:
        well_formed = [len(value) for value in parts] == _LENGTHS  # type: ignore[arg-type]
    except TypeError:  # a tag missing (None)
        well_formed = False
    if not well_formed:
        _refuse(values)
    out = b"".join(parts)  # type: ignore[arg-type]
    iad_raw = values.get("9F10")
    if iad_raw is None:
        raise CryptogramError("missing tag 9F10")
    iad = parse_iad(iad_raw)
    if cvn is CryptogramVersion.CVN10:
        if iad.cvr is None:
            raise CryptogramError("tag 9F10: no CVR in this issuer application data format")
        out += iad.cvr
    else:
        out += iad.raw
    return out


_TAGS = tuple(tag for tag, _ in AC_DATA_TAGS)
_LENGTHS = [length for _, length in AC_DATA_TAGS]


def _refuse(values: Mapping[str, bytes]) -> None:
    """Raise the CryptogramError naming the first tag of the set that is missing or has the wrong length."""
    for tag, length in AC_DATA_TAGS:
        value = values.get(tag)
        if value is None:
            raise CryptogramError(f"missing tag {tag}")
        if len(value) != length:
            raise CryptogramError(f"tag {tag}: {len(value)} bytes, expected {length}")
