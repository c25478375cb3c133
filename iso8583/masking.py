"""Masking of cardholder data for people and logs (PCI DSS 3.4: at most first 6 and last 4 digits).

Masks keep the length of the value, so a masked dump still shows how long
each field is.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping

from keys.masking import MASK, mask_all, mask_pan

__all__ = ["MASK", "mask_all", "mask_pan", "mask_track1", "mask_track2"]


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
