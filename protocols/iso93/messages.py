"""ISO 8583:1993 message types, function and reason codes, and the date and original-data fields.

Sources (docs/protocol.md, "The iso93 profile", cites them): the ISO 8583:1993 MTI structure (version
digit 1; class; function 0 request, 1 response, 2 advice, 3 advice response; origin 0 acquirer,
1 acquirer repeat, 4 other, 5 other repeat), its DE 24 function codes (200 original financial request,
400 full reversal, 401 partial reversal, 500 final reconciliation, 801 sign-on, 811 key change, 831
echo test) and DE 25 message reason codes (1004 terminal processed, 4000 customer cancellation, 4020
invalid response, 4021 time-out waiting for response), and its DE 56 (original MTI n4, STAN n6, local date and time n12,
acquiring institution ID LLVAR n..11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from emv.cards import EntryMode


class Mti93(StrEnum):
    """The 1993 message types of the iso93 network."""

    FINANCIAL_REQUEST = "1200"
    FINANCIAL_RESPONSE = "1210"
    FINANCIAL_ADVICE = "1220"
    FINANCIAL_ADVICE_REPEAT = "1221"
    FINANCIAL_ADVICE_RESPONSE = "1230"
    FILE_ACTION_ADVICE = "1320"
    """Batch upload: one transaction of the batch being settled (the 1993 form of the 0320 of 1987 terminals)."""
    FILE_ACTION_ADVICE_RESPONSE = "1330"
    REVERSAL_ADVICE = "1420"
    REVERSAL_ADVICE_REPEAT = "1421"
    REVERSAL_ADVICE_RESPONSE = "1430"
    RECONCILIATION_ADVICE = "1520"
    RECONCILIATION_ADVICE_RESPONSE = "1530"
    ADMINISTRATIVE_REQUEST = "1600"
    """Refund status inquiry (possim's private use of the administrative class, as possim-87's 0600)."""
    ADMINISTRATIVE_RESPONSE = "1610"
    NETWORK_REQUEST = "1804"
    NETWORK_RESPONSE = "1814"


def response_mti(request_mti: str) -> str:
    """The answer's MTI: function + 1, the origin kept without its repeat bit (1421 -> 1430, 1804 -> 1814)."""
    if len(request_mti) != 4 or not request_mti.isdigit():
        raise ValueError(f"MTI {request_mti!r} is not 4 digits")
    origin = int(request_mti[3])
    return f"{request_mti[:2]}{int(request_mti[2]) + 1}{origin - origin % 2}"


def repeat_mti(mti: str) -> str:
    """The MTI of a repeat: the origin's repeat bit set (1420 -> 1421, 1220 -> 1221)."""
    return mti[:3] + str(int(mti[3]) | 1)


class FunctionCode(StrEnum):
    """DE 24 function codes the iso93 network uses."""

    ORIGINAL_FINANCIAL = "200"
    FILE_ACTION = "300"
    """Batch upload: the first code of the file action range (3xx; docs/protocol.md says why)."""
    FULL_REVERSAL = "400"
    PARTIAL_REVERSAL = "401"
    FINAL_RECONCILIATION = "500"
    ADMINISTRATIVE = "600"
    SIGN_ON = "801"
    SIGN_OFF = "802"
    KEY_CHANGE = "811"
    ECHO_TEST = "831"


class ReasonCode(StrEnum):
    """DE 25 message reason codes the iso93 network uses."""

    TERMINAL_PROCESSED = "1004"
    """Advice: the terminal approved the transaction offline."""
    CUSTOMER_CANCELLATION = "4000"
    """Reversal: the merchant voids the transaction (the host treats it as a void)."""
    INVALID_RESPONSE = "4020"
    """Reversal: invalid response, no action taken (the answer came but was garbled, failed its MAC or was not
    the request's)."""
    TIMEOUT = "4021"
    """Reversal: no answer (or unknown, after a restart)."""


ACQUIRER_ID = "00000000001"
"""DE 32, the acquiring institution identification code possim's terminal sends and DE 56 carries (a test value)."""


def local_datetime(moment: datetime) -> str:
    """DE 12: YYMMDDhhmmss (possim's terminal keeps one UTC clock for DE 7 and DE 12)."""
    return moment.astimezone(UTC).strftime("%y%m%d%H%M%S")


@dataclass(frozen=True)
class OriginalData:
    """DE 56: the original's MTI, STAN, local date and time (DE 12) and acquiring institution (DE 32)."""

    mti: str
    stan: int
    local_datetime: str
    acquirer: str = ACQUIRER_ID

    def encode(self) -> str:
        """The n..35 value: MTI n4, STAN n6, date and time n12, then the acquirer ID as LLVAR n..11."""
        if len(self.acquirer) > 11 or not self.acquirer.isdigit():
            raise ValueError("DE 56: the acquiring institution ID is 1 to 11 digits")
        return f"{self.mti}{self.stan:06d}{self.local_datetime}{len(self.acquirer):02d}{self.acquirer}"

    @classmethod
    def parse(cls, value: str) -> OriginalData:
        """Read DE 56; ``ValueError`` naming the sub-field that is wrong."""
        if not value.isdigit():
            raise ValueError("DE 56: not all digits")
        if len(value) < 24:
            raise ValueError(f"DE 56: {len(value)} digits, at least 24 (MTI, STAN, date and time, length)")
        length = int(value[22:24])
        if len(value) != 24 + length or not 1 <= length <= 11:
            raise ValueError(f"DE 56: offset 22: acquirer ID length {length} does not fit the {len(value)} digits")
        return cls(value[:4], int(value[4:10]), value[10:22], value[24:])

    def transmission_time(self) -> str:
        """The original's DE 7 (MMDDhhmmss): possim's terminal stamps DE 7 and DE 12 from one clock reading."""
        return self.local_datetime[2:]


_INPUT_MODE = {EntryMode.CHIP: "5", EntryMode.CONTACTLESS: "A", EntryMode.SWIPE: "2", EntryMode.MANUAL: "6"}
_ENTRY_OF_INPUT_MODE = {mode: entry for entry, mode in _INPUT_MODE.items()}


def pos_data_code(entry: EntryMode, *, pin: bool) -> str:
    """DE 22, the 12-position point of service data code of ISO 8583:1993.

    Positions: 1 card data input capability (``D``: magnetic stripe, ICC and key entry), 2 cardholder
    authentication capability (``1``: PIN), 3 card capture (``0``: none), 4 operating environment (``1``:
    attended, on premises), 5 cardholder present (``0``), 6 card present (``1``, ``0`` keyed), 7 card data
    input mode (``2`` magnetic stripe, ``5`` ICC, ``6`` key entered, ``A`` contactless ICC), 8 cardholder
    authentication method (``1`` PIN, ``0`` none), 9 authentication entity (``1`` ICC, ``3`` authorizing
    agent, ``0`` none), 10 card data output capability (``3``: ICC), 11 terminal output capability (``4``:
    print and display), 12 PIN capture capability (``C``: 12 characters)."""
    entry = EntryMode(entry)
    keyed = entry is EntryMode.MANUAL
    method, entity = ("1", "1" if entry in (EntryMode.CHIP, EntryMode.CONTACTLESS) else "3") if pin else ("0", "0")
    return f"D101{'0'}{'0' if keyed else '1'}{_INPUT_MODE[entry]}{method}{entity}34C"


def entry_mode_of(code: str) -> EntryMode | None:
    """The entry mode position 7 of a DE 22 names (None when it is not one possim sends)."""
    return _ENTRY_OF_INPUT_MODE.get(code[6:7]) if len(code) == 12 else None
