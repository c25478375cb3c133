"""Masking of cardholder data for people and logs (PCI DSS 3.4: at most first 6 and last 4 digits).

Masks keep the length of the value, so a masked dump still shows how long
each field is.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping

from keys.masking import MASK, mask_all, mask_pan

__all__ = ["MASK", "NON_CARDHOLDER_FIELDS", "SENSITIVE_FIELDS", "mask_all", "mask_pan", "mask_track1", "mask_track2"]


def mask_track2(track: str) -> str:
    """The PAN part masked like a PAN, everything after the separator ``=`` masked."""
    pan, separator, rest = track.partition("=")
    return mask_pan(pan) + separator + mask_all(rest)


def mask_track1(track: str) -> str:
    """Format code kept, PAN masked like a PAN, name and discretionary data masked; ``^`` kept."""
    if not track:
        return track
    head, body = (track[0], track[1:]) if track[0].isalpha() else ("", track)
    pan, separator, rest = body.partition("^")
    masked_rest = "".join(char if char == "^" else MASK for char in rest)
    return head + mask_pan(pan) + separator + masked_rest


SENSITIVE_FIELDS: Mapping[int, Callable[[str], str]] = types.MappingProxyType({
    2: mask_pan,        # primary account number
    34: mask_pan,       # PAN, extended
    35: mask_track2,    # track 2
    36: mask_all,       # track 3
    45: mask_track1,    # track 1
    52: mask_all,       # PIN block
    55: mask_all,       # ICC data: carries the PAN (5A), track 2 equivalent (57), cryptograms
    64: mask_all,       # MAC
    128: mask_all,      # MAC
})
"""Field number -> how its displayed value is masked unless the user asks to reveal it."""

NON_CARDHOLDER_FIELDS: frozenset[int] = frozenset({
    1,                      # secondary bitmap
    3, 4, 5, 6,             # processing code, amounts
    7, 12, 13, 15, 16, 17,  # dates and times
    9, 10,                  # conversion rates
    11,                     # systems trace audit number (STAN)
    18, 19, 22, 23, 24, 25, 26,  # merchant type, country, entry mode, PAN sequence number, NII, conditions
    32, 33,                 # acquiring and forwarding institution IDs
    37, 38, 39,             # retrieval reference number (RRN), authorisation code, response code
    41, 42,                 # card acceptor terminal and merchant IDs
    49, 50, 51,             # currency codes
    70,                     # network management code
})
"""Fields whose values terminals and hosts set themselves (identifiers, amounts, dates, codes): they
never hold cardholder data, so a long digit run in their dump lines (a numeric merchant ID, an
all-digit bitmap, the hex of DE 42) is not a PAN. Private fields (48, 60-63) are not in this set: they
may carry anything."""
