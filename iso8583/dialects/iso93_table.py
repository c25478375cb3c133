"""The data elements of ISO 8583:1993 (second edition, table of data elements) as plain data.

Each row is (number, name, content class, length kind, length), like :mod:`iso8583.dialects.iso87_table`.
The 1993 edition kept the message format of 1987 (MTI, bitmaps, 128 data elements) and redefined many
elements: DE 12 became the local date and time (n 12, YYMMDDhhmmss), DE 22 the point of service data
code (an 12), DE 24 the function code (n 3), DE 25 the message reason code (n 4), DE 39 the action code
(n 3), DE 43 and DE 53 variable, DE 56 the original data elements (n..35), DE 90 a count. The table
follows the field list the jPOS ``ISO93BPackager`` / ``ISO93APackager`` reproduce, which public 1993 host
interfaces (PayEx's IFSF host-to-host description) agree with for the fields they use (docs/dialects.md).

Departures, each to match what POS traffic carries (and the 1987 dialects):

- 34 (ns..28), 37 (anp 12) and 38 (anp 6) are ``ans`` / ``an`` / ``ans``: possim's classes have no
  ``ns`` or ``anp``; ``ans`` admits everything those do.
- 35 and 36 (track 2 and 3) are ``z``.
- 49-51 (a or n 3) are ``an``.
- 65 (reserved for ISO use in 1993, the tertiary bitmap in 1987) is left out: a message with bit 65
  set is refused.
"""

from __future__ import annotations

from iso8583.dialect import ContentClass, LengthKind

N, AN, ANS, B, Z, XN = (ContentClass.N, ContentClass.AN, ContentClass.ANS, ContentClass.B, ContentClass.Z,
                        ContentClass.XN)
FIXED, LL, LLL, LLLL = LengthKind.FIXED, LengthKind.LL, LengthKind.LLL, LengthKind.LLLL

Row = tuple[int, str, ContentClass, LengthKind, int]

_NAMED: tuple[Row, ...] = (
    (2, "Primary account number (PAN)", N, LL, 19),
    (3, "Processing code", N, FIXED, 6),
    (4, "Amount, transaction", N, FIXED, 12),
    (5, "Amount, reconciliation", N, FIXED, 12),
    (6, "Amount, cardholder billing", N, FIXED, 12),
    (7, "Date and time, transmission", N, FIXED, 10),
    (8, "Amount, cardholder billing fee", N, FIXED, 8),
    (9, "Conversion rate, reconciliation", N, FIXED, 8),
    (10, "Conversion rate, cardholder billing", N, FIXED, 8),
    (11, "Systems trace audit number (STAN)", N, FIXED, 6),
    (12, "Date and time, local transaction (YYMMDDhhmmss)", N, FIXED, 12),
    (13, "Date, effective", N, FIXED, 4),
    (14, "Date, expiration", N, FIXED, 4),
    (15, "Date, settlement (YYMMDD)", N, FIXED, 6),
    (16, "Date, conversion", N, FIXED, 4),
    (17, "Date, capture", N, FIXED, 4),
    (18, "Merchant type", N, FIXED, 4),
    (19, "Country code, acquiring institution", N, FIXED, 3),
    (20, "Country code, primary account number", N, FIXED, 3),
    (21, "Country code, forwarding institution", N, FIXED, 3),
    (22, "Point of service data code", AN, FIXED, 12),
    (23, "Card sequence number", N, FIXED, 3),
    (24, "Function code", N, FIXED, 3),
    (25, "Message reason code", N, FIXED, 4),
    (26, "Card acceptor business code", N, FIXED, 4),
    (27, "Approval code length", N, FIXED, 1),
    (28, "Date, reconciliation", N, FIXED, 6),
    (29, "Reconciliation indicator", N, FIXED, 3),
    (30, "Amounts, original", N, FIXED, 24),
    (31, "Acquirer reference data", ANS, LL, 99),
    (32, "Acquiring institution identification code", N, LL, 11),
    (33, "Forwarding institution identification code", N, LL, 11),
    (34, "Primary account number, extended", ANS, LL, 28),
    (35, "Track 2 data", Z, LL, 37),
    (36, "Track 3 data", Z, LLL, 104),
    (37, "Retrieval reference number", AN, FIXED, 12),
    (38, "Approval code", ANS, FIXED, 6),
    (39, "Action code", N, FIXED, 3),
    (40, "Service code", N, FIXED, 3),
    (41, "Card acceptor terminal identification", ANS, FIXED, 8),
    (42, "Card acceptor identification code", ANS, FIXED, 15),
    (43, "Card acceptor name/location", ANS, LL, 99),
    (44, "Additional response data", ANS, LL, 99),
    (45, "Track 1 data", ANS, LL, 76),
    (46, "Amounts, fees", ANS, LLL, 204),
    (47, "Additional data, national", ANS, LLL, 999),
    (48, "Additional data, private", ANS, LLL, 999),
    (49, "Currency code, transaction", AN, FIXED, 3),
    (50, "Currency code, reconciliation", AN, FIXED, 3),
    (51, "Currency code, cardholder billing", AN, FIXED, 3),
    (52, "Personal identification number (PIN) data", B, FIXED, 8),
    (53, "Security related control information", B, LL, 48),
    (54, "Amounts, additional", ANS, LLL, 120),
    (55, "Integrated circuit card (ICC) system related data", B, LLL, 255),
    (56, "Original data elements", N, LL, 35),
    (57, "Authorization life cycle code", N, FIXED, 3),
    (58, "Authorizing agent institution identification code", N, LL, 11),
    (59, "Transport data", ANS, LLL, 999),
    (60, "Reserved for national use", ANS, LLL, 999),
    (61, "Reserved for national use", ANS, LLL, 999),
    (62, "Reserved for private use", ANS, LLL, 999),
    (63, "Reserved for private use", ANS, LLL, 999),
    (64, "Message authentication code (MAC)", B, FIXED, 8),
    (66, "Amounts, original fees", ANS, LLL, 204),
    (67, "Extended payment data", N, FIXED, 2),
    (68, "Country code, receiving institution", N, FIXED, 3),
    (69, "Country code, settlement institution", N, FIXED, 3),
    (70, "Country code, authorizing agent institution", N, FIXED, 3),
    (71, "Message number", N, FIXED, 8),
    (72, "Data record", ANS, LLL, 999),
    (73, "Date, action", N, FIXED, 6),
    (74, "Credits, number", N, FIXED, 10),
    (75, "Credits, reversal number", N, FIXED, 10),
    (76, "Debits, number", N, FIXED, 10),
    (77, "Debits, reversal number", N, FIXED, 10),
    (78, "Transfer, number", N, FIXED, 10),
    (79, "Transfer, reversal number", N, FIXED, 10),
    (80, "Inquiries, number", N, FIXED, 10),
    (81, "Authorizations, number", N, FIXED, 10),
    (82, "Inquiries, reversal number", N, FIXED, 10),
    (83, "Payments, number", N, FIXED, 10),
    (84, "Payments, reversal number", N, FIXED, 10),
    (85, "Fee collections, number", N, FIXED, 10),
    (86, "Credits, amount", N, FIXED, 16),
    (87, "Credits, reversal amount", N, FIXED, 16),
    (88, "Debits, amount", N, FIXED, 16),
    (89, "Debits, reversal amount", N, FIXED, 16),
    (90, "Authorizations, reversal number", N, FIXED, 10),
    (91, "Country code, transaction destination institution", N, FIXED, 3),
    (92, "Country code, transaction originator institution", N, FIXED, 3),
    (93, "Transaction destination institution identification code", N, LL, 11),
    (94, "Transaction originator institution identification code", N, LL, 11),
    (95, "Card issuer reference data", ANS, LL, 99),
    (96, "Key management data", B, LLL, 999),
    (97, "Amount, net reconciliation", XN, FIXED, 16),
    (98, "Payee", ANS, FIXED, 25),
    (99, "Settlement institution identification code", AN, LL, 11),
    (100, "Receiving institution identification code", N, LL, 11),
    (101, "File name", ANS, LL, 17),
    (102, "Account identification 1", ANS, LL, 28),
    (103, "Account identification 2", ANS, LL, 28),
    (104, "Transaction description", ANS, LLL, 100),
    (105, "Credits, chargeback amount", N, FIXED, 16),
    (106, "Debits, chargeback amount", N, FIXED, 16),
    (107, "Credits, chargeback number", N, FIXED, 10),
    (108, "Debits, chargeback number", N, FIXED, 10),
    (109, "Credits, fee amounts", ANS, LL, 84),
    (110, "Debits, fee amounts", ANS, LL, 84),
)

_RESERVED: tuple[Row, ...] = tuple(
    (number, f"Reserved for {'ISO' if number <= 115 else 'national' if number <= 122 else 'private'} use",
     ANS, LLL, 999)
    for number in range(111, 128)
)

ISO93_FIELDS: tuple[Row, ...] = _NAMED + _RESERVED + ((128, "Message authentication code (MAC)", B, FIXED, 8),)
"""Fields 2-64 and 66-128 of ISO 8583:1993 with possim's classes and lengths."""

ISO2003_LONG_FIELDS = frozenset({47, 48, 59, 60, 61, 62, 63, 72, *range(111, 128)})
"""Fields the ``iso2003`` decoding dialect reads with a four-digit length (LLLLVAR, up to 9999): the
composite and private-use fields that ISO 8583-1:2003 section 6.2.1 lets grow past 999 characters."""


def iso2003_fields() -> tuple[Row, ...]:
    """The 1993 table with :data:`ISO2003_LONG_FIELDS` as LLLLVAR ..9999 (docs/dialects.md, ``iso2003``)."""
    return tuple((number, name, content, LLLL, 9999) if number in ISO2003_LONG_FIELDS else (number, name, content,
                                                                                                kind, length)
                 for number, name, content, kind, length in ISO93_FIELDS)
