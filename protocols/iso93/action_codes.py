"""DE 39 of ISO 8583:1993: three-digit action codes, what they say, and the meaning possim gives them.

The 1993 edition replaced the two-digit response code with the action code (Annex of the standard;
the ranges: 0xx approved, 1xx denied, 2xx denied and pick up the card, 3xx file actions, 4xx
reversals, 5xx reconciliation, 6xx administrative, 8xx network management, 9xx errors of the
system). possim's terminal journals, displays and scripts (the scenario library) a two-digit
*meaning* (protocols.iso87.ResponseCode); :func:`meaning` maps an action code to it and
:func:`action_code` goes back, choosing the accepting code of the message class (400 for a reversal,
500 for a reconciliation in balance, 800 for network management). The two code spaces never collide:
a code is two characters or three.
"""

from __future__ import annotations

from enum import StrEnum


class ActionCode(StrEnum):
    """The DE 39 action codes the iso93 network uses."""

    APPROVED = "000"
    DO_NOT_HONOUR = "100"
    EXPIRED_CARD = "101"
    INVALID_MERCHANT = "109"
    INVALID_AMOUNT = "110"
    INVALID_CARD_NUMBER = "111"
    INSUFFICIENT_FUNDS = "116"
    INCORRECT_PIN = "117"
    NOT_PERMITTED_TO_CARDHOLDER = "119"
    EXCEEDS_AMOUNT_LIMIT = "121"
    EXCEEDS_FREQUENCY_LIMIT = "123"
    SUSPECTED_COUNTERFEIT = "129"
    PICK_UP_LOST_CARD = "208"
    PICK_UP_STOLEN_CARD = "209"
    REVERSAL_ACCEPTED = "400"
    RECONCILED_IN_BALANCE = "500"
    RECONCILED_OUT_OF_BALANCE = "501"
    ACCEPTED = "800"
    INVALID_TRANSACTION = "902"
    FORMAT_ERROR = "904"
    SYSTEM_MALFUNCTION = "909"
    ISSUER_UNAVAILABLE = "912"
    DUPLICATE_TRANSMISSION = "913"
    ORIGINAL_NOT_FOUND = "914"
    """Not able to trace back to the original transaction."""
    MAC_INCORRECT = "916"
    MAC_KEY_SYNC_ERROR = "917"
    NO_COMMUNICATION_KEYS = "918"


_MEANING: dict[str, str] = {
    "000": "00", "400": "00", "500": "00", "800": "00",
    "100": "05", "101": "54", "109": "03", "110": "13", "111": "14", "116": "51", "117": "55", "119": "57",
    "121": "61", "123": "65", "129": "82", "208": "41", "209": "43",
    "501": "95", "902": "12", "904": "30", "909": "96", "912": "91", "913": "94", "914": "25",
    "916": "63", "917": "63", "918": "63",
}
"""Action code -> the two-digit meaning (ISO 8583:1987 response code) possim journals and shows."""

_ACTION: dict[str, str] = {
    "00": "000", "03": "109", "05": "100", "12": "902", "13": "110", "14": "111", "25": "914", "30": "904",
    "41": "208", "43": "209", "51": "116", "54": "101", "55": "117", "57": "119", "61": "121", "63": "916",
    "65": "123", "82": "129", "91": "912", "94": "913", "95": "501", "96": "909",
}
"""Two-digit meaning -> action code (the approvals by message class: :func:`action_code`)."""

_ACCEPTED_BY_CLASS = {"4": ActionCode.REVERSAL_ACCEPTED, "5": ActionCode.RECONCILED_IN_BALANCE,
                      "8": ActionCode.ACCEPTED}

ACTION_TEXT: dict[str, str] = {
    "000": "APPROVED", "100": "DO NOT HONOUR", "101": "EXPIRED CARD", "109": "INVALID MERCHANT",
    "110": "INVALID AMOUNT", "111": "INVALID CARD NUMBER", "116": "INSUFFICIENT FUNDS", "117": "INCORRECT PIN",
    "119": "NOT PERMITTED", "121": "EXCEEDS AMOUNT LIMIT", "123": "EXCEEDS FREQUENCY LIMIT",
    "129": "SUSPECTED COUNTERFEIT", "208": "LOST CARD", "209": "STOLEN CARD", "400": "REVERSAL ACCEPTED",
    "500": "RECONCILED", "501": "OUT OF BALANCE", "800": "ACCEPTED", "902": "INVALID TRANSACTION",
    "904": "FORMAT ERROR", "909": "SYSTEM ERROR", "912": "ISSUER UNAVAILABLE", "913": "DUPLICATE",
    "914": "ORIGINAL NOT FOUND", "916": "MAC INCORRECT", "917": "MAC KEY SYNC ERROR", "918": "NO KEYS",
}


def meaning(code: str) -> str:
    """The two-digit meaning of an action code (a two-digit code is already one); ``96`` (system error)
    for a three-digit code possim does not know in the 9xx range, ``05`` (do not honour) for any other."""
    if len(code) != 3:
        return code
    known = _MEANING.get(code)
    if known is not None:
        return known
    return "96" if code.startswith("9") else "05"


def action_code(code: str, request_mti: str) -> str:
    """The action code answering ``request_mti`` with the two-digit meaning ``code`` (a three-digit code, as a
    ``respond`` rule may script, goes out as it is; an unknown two-digit one as 100, do not honour)."""
    if len(code) == 3 and code.isdigit():
        return code
    if code == "00":
        return _ACCEPTED_BY_CLASS.get(request_mti[1:2], ActionCode.APPROVED).value
    return _ACTION.get(code, ActionCode.DO_NOT_HONOUR.value)


def action_text(code: str) -> str:
    """A short display text for an action code (``DECLINED nnn`` when unknown)."""
    return ACTION_TEXT.get(code, f"DECLINED {code}")
