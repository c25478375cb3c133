"""pyiso8583 specs of ISO 8583:1993 (binary and EBCDIC), written from the standard's field list.

An independent transcription: the attributes below are the 1993 field table in its own notation
(``n 12``, ``ans..99``, ``b..255``), as the jPOS ``ISO93BPackager`` and the Wikipedia "ISO 8583" article
list them, not read from possim's dialect; the tests decode possim's frames with them in pyiso8583
(:mod:`tests.unit.iso8583.oracle`) and compare field by field. possim's deliberate departures
(docs/dialects.md) are the track data ``z`` and the ``an``/``ans`` reading of 34, 37, 38: pyiso8583
does not check content classes, so they do not show here.
"""

from __future__ import annotations

import re
from typing import Any

ISO93_TABLE = """
2 n..19; 3 n6; 4 n12; 5 n12; 6 n12; 7 n10; 8 n8; 9 n8; 10 n8; 11 n6; 12 n12; 13 n4; 14 n4; 15 n6; 16 n4;
17 n4; 18 n4; 19 n3; 20 n3; 21 n3; 22 an12; 23 n3; 24 n3; 25 n4; 26 n4; 27 n1; 28 n6; 29 n3; 30 n24;
31 ans..99; 32 n..11; 33 n..11; 34 ns..28; 35 z..37; 36 z...104; 37 anp12; 38 anp6; 39 n3; 40 n3; 41 ans8;
42 ans15; 43 ans..99; 44 ans..99; 45 ans..76; 46 ans...204; 47 ans...999; 48 ans...999; 49 an3; 50 an3;
51 an3; 52 b8; 53 b..48; 54 ans...120; 55 b...255; 56 n..35; 57 n3; 58 n..11; 59 ans...999; 60 ans...999;
61 ans...999; 62 ans...999; 63 ans...999; 64 b8; 66 ans...204; 67 n2; 68 n3; 69 n3; 70 n3; 71 n8;
72 ans...999; 73 n6; 74 n10; 75 n10; 76 n10; 77 n10; 78 n10; 79 n10; 80 n10; 81 n10; 82 n10; 83 n10;
84 n10; 85 n10; 86 n16; 87 n16; 88 n16; 89 n16; 90 n10; 91 n3; 92 n3; 93 n..11; 94 n..11; 95 ans..99;
96 b...999; 97 xn16; 98 ans25; 99 an..11; 100 n..11; 101 ans..17; 102 ans..28; 103 ans..28; 104 ans...100;
105 n16; 106 n16; 107 n10; 108 n10; 109 ans..84; 110 ans..84; 111 ans...999; 112 ans...999; 113 ans...999;
114 ans...999; 115 ans...999; 116 ans...999; 117 ans...999; 118 ans...999; 119 ans...999; 120 ans...999;
121 ans...999; 122 ans...999; 123 ans...999; 124 ans...999; 125 ans...999; 126 ans...999; 127 ans...999;
128 b8
"""

_ENTRY = re.compile(r"(\d+) ([a-z]+)(\.*)(\d+)")


def table() -> dict[int, tuple[str, int, int]]:
    """Field number -> (class, length digits of the prefix (0: fixed), length)."""
    rows = {}
    for entry in ISO93_TABLE.replace("\n", " ").split(";"):
        match = _ENTRY.fullmatch(entry.strip())
        assert match, entry
        number, content, dots, length = match.groups()
        rows[int(number)] = (content, len(dots), int(length))
    return rows


def binary_spec() -> dict[str, Any]:
    """``iso93binary``: BCD MTI, numerics and lengths (LL 1 byte, LLL 2), ASCII text, raw b."""
    spec: dict[str, Any] = {
        "h": _fixed("ascii", 0), "t": _fixed("b", 2), "p": _fixed("b", 8), "1": _fixed("b", 8),
    }
    for number, (content, digits, length) in table().items():
        width = (digits + 1) // 2
        if content == "n":
            field = {"data_enc": "b", "len_enc": "bcd", "len_type": width, "max_len": length,
                     "len_count": "nibbles", "left_pad": "0"}
        elif content == "b":
            field = {"data_enc": "b", "len_enc": "bcd", "len_type": width, "max_len": length}
        else:
            field = {"data_enc": "ascii", "len_enc": "bcd", "len_type": width,
                     "max_len": length + (1 if content == "xn" else 0)}
        spec[str(number)] = {"description": f"DE {number}", **field}
    return spec


def ebcdic_spec() -> dict[str, Any]:
    """``iso93ebcdic``: MTI, text, numerics and lengths in EBCDIC (cp500), binary bitmaps, raw b."""
    spec: dict[str, Any] = {
        "h": _fixed("cp500", 0), "t": _fixed("cp500", 4), "p": _fixed("b", 8), "1": _fixed("b", 8),
    }
    for number, (content, digits, length) in table().items():
        data = "b" if content == "b" else "cp500"
        spec[str(number)] = {"description": f"DE {number}", "data_enc": data, "len_enc": "cp500",
                             "len_type": digits, "max_len": length + (1 if content == "xn" else 0)}
    return spec


def _fixed(encoding: str, length: int) -> dict[str, Any]:
    return {"description": "", "data_enc": encoding, "len_enc": "ascii", "len_type": 0, "max_len": length}
