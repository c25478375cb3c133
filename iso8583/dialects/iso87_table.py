"""The data elements of ISO 8583:1987 (section 4.3, table 1) as plain data.

Each row is (number, name, content class, length kind, length). The three
built-in dialects share this table and differ only in representation.

Deliberate departures from the 1987 table, each to match what real traffic
and pyiso8583's ``default``/``default_ascii`` specs (our interoperability
oracle) carry:

- 34 (ns..28) is ``ans``; 35 and 36 (track 2 and 3) are ``z``, the track code set.
- 44-48 and 54 (an) are ``ans``: additional data carries spaces and separators;
  45 (track 1) carries ``^``, ``/`` and spaces. 54 allows 240 characters, not 120.
- 49-51 (a or n) are ``an``.
- 55 (ans..999, reserved ISO in 1987) is ``b..255``: EMV ICC data, as every
  POS network uses it today.
- 65 (bitmap, extended) is left out: it announces a tertiary bitmap, which
  possim does not support; a message with bit 65 set is rejected.
"""

from __future__ import annotations

from iso8583.dialect import ContentClass, LengthKind

N, AN, ANS, B, Z, XN = (ContentClass.N, ContentClass.AN, ContentClass.ANS, ContentClass.B, ContentClass.Z,
                        ContentClass.XN)
FIXED, LL, LLL = LengthKind.FIXED, LengthKind.LL, LengthKind.LLL

Row = tuple[int, str, ContentClass, LengthKind, int]

_NAMED: tuple[Row, ...] = (
    (2, "Primary account number (PAN)", N, LL, 19),
    (3, "Processing code", N, FIXED, 6),
    (4, "Amount, transaction", N, FIXED, 12),
    (5, "Amount, settlement", N, FIXED, 12),
    (6, "Amount, cardholder billing", N, FIXED, 12),
    (7, "Transmission date and time", N, FIXED, 10),
    (8, "Amount, cardholder billing fee", N, FIXED, 8),
    (9, "Conversion rate, settlement", N, FIXED, 8),
    (10, "Conversion rate, cardholder billing", N, FIXED, 8),
    (11, "Systems trace audit number (STAN)", N, FIXED, 6),
    (12, "Time, local transaction", N, FIXED, 6),
    (13, "Date, local transaction", N, FIXED, 4),
    (14, "Date, expiration", N, FIXED, 4),
    (15, "Date, settlement", N, FIXED, 4),
    (16, "Date, conversion", N, FIXED, 4),
    (17, "Date, capture", N, FIXED, 4),
    (18, "Merchant type", N, FIXED, 4),
    (19, "Acquiring institution country code", N, FIXED, 3),
    (20, "PAN extended, country code", N, FIXED, 3),
    (21, "Forwarding institution country code", N, FIXED, 3),
    (22, "Point of service entry mode", N, FIXED, 3),
    (23, "Card sequence number", N, FIXED, 3),
    (24, "Network international identifier (NII)", N, FIXED, 3),
    (25, "Point of service condition code", N, FIXED, 2),
    (26, "Point of service PIN capture code", N, FIXED, 2),
    (27, "Authorization identification response length", N, FIXED, 1),
    (28, "Amount, transaction fee", XN, FIXED, 8),
    (29, "Amount, settlement fee", XN, FIXED, 8),
    (30, "Amount, transaction processing fee", XN, FIXED, 8),
    (31, "Amount, settlement processing fee", XN, FIXED, 8),
    (32, "Acquiring institution identification code", N, LL, 11),
    (33, "Forwarding institution identification code", N, LL, 11),
    (34, "Primary account number, extended", ANS, LL, 28),
    (35, "Track 2 data", Z, LL, 37),
    (36, "Track 3 data", Z, LLL, 104),
    (37, "Retrieval reference number", AN, FIXED, 12),
    (38, "Authorization identification response", AN, FIXED, 6),
    (39, "Response code", AN, FIXED, 2),
    (40, "Service restriction code", AN, FIXED, 3),
    (41, "Card acceptor terminal identification", ANS, FIXED, 8),
    (42, "Card acceptor identification code", ANS, FIXED, 15),
    (43, "Card acceptor name/location", ANS, FIXED, 40),
    (44, "Additional response data", ANS, LL, 25),
    (45, "Track 1 data", ANS, LL, 76),
    (46, "Additional data, ISO", ANS, LLL, 999),
    (47, "Additional data, national", ANS, LLL, 999),
    (48, "Additional data, private", ANS, LLL, 999),
    (49, "Currency code, transaction", AN, FIXED, 3),
    (50, "Currency code, settlement", AN, FIXED, 3),
    (51, "Currency code, cardholder billing", AN, FIXED, 3),
    (52, "Personal identification number (PIN) data", B, FIXED, 8),
    (53, "Security related control information", N, FIXED, 16),
    (54, "Additional amounts", ANS, LLL, 240),
    (55, "ICC data (EMV)", B, LLL, 255),
    (56, "Reserved, ISO", ANS, LLL, 999),
    (57, "Reserved, national", ANS, LLL, 999),
    (58, "Reserved, national", ANS, LLL, 999),
    (59, "Reserved, national", ANS, LLL, 999),
    (60, "Reserved, national", ANS, LLL, 999),
    (61, "Reserved, private", ANS, LLL, 999),
    (62, "Reserved, private", ANS, LLL, 999),
    (63, "Reserved, private", ANS, LLL, 999),
    (64, "Message authentication code (MAC)", B, FIXED, 8),
    (66, "Settlement code", N, FIXED, 1),
    (67, "Extended payment code", N, FIXED, 2),
    (68, "Receiving institution country code", N, FIXED, 3),
    (69, "Settlement institution country code", N, FIXED, 3),
    (70, "Network management information code", N, FIXED, 3),
    (71, "Message number", N, FIXED, 4),
    (72, "Message number, last", N, FIXED, 4),
    (73, "Date, action", N, FIXED, 6),
    (74, "Credits, number", N, FIXED, 10),
    (75, "Credits, reversal number", N, FIXED, 10),
    (76, "Debits, number", N, FIXED, 10),
    (77, "Debits, reversal number", N, FIXED, 10),
    (78, "Transfer, number", N, FIXED, 10),
    (79, "Transfer, reversal number", N, FIXED, 10),
    (80, "Inquiries, number", N, FIXED, 10),
    (81, "Authorizations, number", N, FIXED, 10),
    (82, "Credits, processing fee amount", N, FIXED, 12),
    (83, "Credits, transaction fee amount", N, FIXED, 12),
    (84, "Debits, processing fee amount", N, FIXED, 12),
    (85, "Debits, transaction fee amount", N, FIXED, 12),
    (86, "Credits, amount", N, FIXED, 16),
    (87, "Credits, reversal amount", N, FIXED, 16),
    (88, "Debits, amount", N, FIXED, 16),
    (89, "Debits, reversal amount", N, FIXED, 16),
    (90, "Original data elements", N, FIXED, 42),
    (91, "File update code", AN, FIXED, 1),
    (92, "File security code", AN, FIXED, 2),
    (93, "Response indicator", AN, FIXED, 5),
    (94, "Service indicator", AN, FIXED, 7),
    (95, "Replacement amounts", AN, FIXED, 42),
    (96, "Message security code", B, FIXED, 8),
    (97, "Amount, net settlement", XN, FIXED, 16),
    (98, "Payee", ANS, FIXED, 25),
    (99, "Settlement institution identification code", N, LL, 11),
    (100, "Receiving institution identification code", N, LL, 11),
    (101, "File name", ANS, LL, 17),
    (102, "Account identification 1", ANS, LL, 28),
    (103, "Account identification 2", ANS, LL, 28),
    (104, "Transaction description", ANS, LLL, 100),
)

_RESERVED: tuple[Row, ...] = tuple(
    (number, f"Reserved, {'ISO' if number <= 111 else 'national' if number <= 119 else 'private'}", ANS, LLL, 999)
    for number in range(105, 128)
)

ISO87_FIELDS: tuple[Row, ...] = _NAMED + _RESERVED + ((128, "Message authentication code (MAC)", B, FIXED, 8),)
"""Fields 2-64 and 66-128 of ISO 8583:1987 with possim's classes and lengths."""
