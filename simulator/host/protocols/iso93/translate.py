"""Reading an iso93 request in the host's one transaction model, and answering it in 1993 terms.

The host journals every network's transactions in one model (sale, refund and void under MTI 0200,
reversals 0400, advices 0220, batch upload 0320, settlement 0500, status inquiry 0600), so its money
rule, reports, credits, anti-fraud limits and totals treat them alike (cup-pos does the same). An
iso93 request is read into that model here, before the shared possim-87 handlers
(:class:`~simulator.host.protocols.possim87.financial.Possim87Money`) move money; their answer goes
back out as the 1993 answer: the 1993 response MTI, DE 39 as an action code
(:func:`protocols.iso93.action_code`), the request's 1993 fields echoed.

* DE 12 (YYMMDDhhmmss) gives the model's DE 13 (MMDD) and DE 12 (hhmmss); DE 22 (the point of service
  data code) its entry mode.
* DE 56 names an original by MTI, STAN and DE 12; the terminal stamps DE 7 and DE 12 from one clock
  reading, so the host finds it by terminal, STAN and that moment. A refund or an advice then names
  its sale by RRN and date (possim-87's DE 63 OR / OD); a void (1420 with DE 25 = 4000, customer
  cancellation) by RRN in DE 37, with DE 3 020000 for a sale and 220000 for a refund; any other 1420
  is a reversal (0400 with DE 90).
"""

from __future__ import annotations

from iso8583 import Message
from iso8583.message import FieldValue
from protocols.iso87 import ProcessingCode, pos_entry_mode
from protocols.iso87 import response_mti as possim_response_mti
from protocols.iso93 import Mti93, OriginalData, ReasonCode, action_code
from protocols.iso93 import response_mti as iso93_response_mti
from protocols.iso93.messages import entry_mode_of
from protocols.possim87.additional_data import AdditionalTag, additional_data, encode_additional_data
from simulator.host.exchange import FormatError, field_text
from simulator.host.journal import HostJournal, HostTransaction
from simulator.host.protocols.possim87.messages import swap_tpdu

__all__ = ["answer_of", "internal_mti", "is_void", "model_request", "repeat_class", "response_to"]

_MODEL_MTI = {
    Mti93.FINANCIAL_REQUEST: "0200", Mti93.FINANCIAL_ADVICE: "0220", Mti93.FINANCIAL_ADVICE_REPEAT: "0221",
    Mti93.FILE_ACTION_ADVICE: "0320", Mti93.RECONCILIATION_ADVICE: "0500", Mti93.ADMINISTRATIVE_REQUEST: "0600",
    Mti93.NETWORK_REQUEST: "0800",
}
_COPIED = (2, 3, 4, 7, 11, 14, 23, 35, 37, 38, 41, 42, 49, 52, 55, 60, 62, 63, *range(74, 90))
ECHOED = (3, 4, 7, 11, 12, 22, 24, 25, 32, 37, 41, 42, 49, 56, 60, 62)
"""Request fields a 1993 answer echoes (never the PAN, track data, PIN block or ICC data)."""
_FROM_MODEL = (4, 37, 38, 49, 55, 63)
"""Fields of the model's answer that go out in the 1993 answer (RRN, approval code, ARPC, credit items)."""
UNKNOWN_RRN = "000000000000"
"""The RRN a void names when DE 56 finds nothing: the host's RRNs start at 1, so it matches no transaction."""


def is_void(request: Message) -> bool:
    """A 1420 / 1421 with DE 25 = 4000 (customer cancellation) is the merchant's void."""
    return (request.mti in (Mti93.REVERSAL_ADVICE, Mti93.REVERSAL_ADVICE_REPEAT)
            and field_text(request, 25) == ReasonCode.CUSTOMER_CANCELLATION)


def internal_mti(request: Message) -> str | None:
    """The model's MTI of an iso93 request (None: not one the network has)."""
    if request.mti in (Mti93.REVERSAL_ADVICE, Mti93.REVERSAL_ADVICE_REPEAT):
        return "0200" if is_void(request) else "0400" if request.mti == Mti93.REVERSAL_ADVICE else "0401"
    return _MODEL_MTI.get(request.mti)  # type: ignore[call-overload]


def repeat_class(request: Message) -> str:
    """The answer class retransmissions are stored under: the model's (0210, 0410...), as the possim-87
    reversal handler marks an original it overtook."""
    mti = internal_mti(request)
    return possim_response_mti(mti) if mti else iso93_response_mti(request.mti)


def original_data(request: Message) -> OriginalData | None:
    """DE 56 read (None when absent); FormatError (30 / 904) naming what is wrong."""
    value = field_text(request, 56)
    if value is None:
        return None
    try:
        return OriginalData.parse(value)
    except ValueError as exc:
        raise FormatError(str(exc)) from None


def find_original(journal: HostJournal, terminal_id: str, original: OriginalData) -> HostTransaction | None:
    """The transaction DE 56 names: same terminal, model MTI, STAN and moment (DE 7 from DE 12)."""
    return journal.find_by_request(terminal_id, model_mti(original), f"{original.stan:06d}",
                                   original.transmission_time())


def model_request(request: Message, journal: HostJournal, terminal_id: str) -> Message:
    """The request in the host's transaction model (module docstring); FormatError for what cannot be read."""
    mti = internal_mti(request)
    if mti is None:
        raise FormatError(f"MTI {request.mti} is not an iso93 request")
    fields: dict[int, FieldValue] = {n: request.fields[n] for n in _COPIED if n in request.fields}
    moment = field_text(request, 12)
    if moment is not None:
        if len(moment) != 12:
            raise FormatError("DE 12: expected YYMMDDhhmmss")
        fields[13], fields[12] = moment[2:6], moment[6:]
    entry = entry_mode_of(field_text(request, 22) or "")
    if entry is not None:
        fields[22] = pos_entry_mode(entry)
    original = original_data(request)
    found = find_original(journal, terminal_id, original) if original is not None else None
    if mti in ("0400", "0401"):
        if original is None:
            raise FormatError("a reversal (1420) names its original in DE 56")
        fields[90] = f"{model_mti(original)}{original.stan:06d}{original.transmission_time()}" + "0" * 22
    elif is_void(request):
        if original is None:
            raise FormatError("a void (1420, DE 25 4000) names its original in DE 56")
        voided_refund = (found.processing_code if found else field_text(request, 3)) == ProcessingCode.REFUND
        fields[3] = (ProcessingCode.VOID_REFUND if voided_refund else ProcessingCode.VOID_SALE).value
        fields[37] = (found.rrn if found else None) or UNKNOWN_RRN
    elif original is not None:  # a refund or an advice naming its sale
        items = additional_data(request)
        items[AdditionalTag.ORIGINAL_RRN] = (found.rrn if found else None) or UNKNOWN_RRN
        if found is not None:
            items[AdditionalTag.ORIGINAL_DATE] = found.local_date
        fields[63] = encode_additional_data(items)
    return Message(mti, fields)


def model_mti(original: OriginalData) -> str:
    """The model's MTI of the original DE 56 names (a 1200 is a 0200; an MTI the network lacks as it came,
    which finds nothing)."""
    return _MODEL_MTI.get(original.mti, original.mti)  # type: ignore[call-overload]


def response_to(request: Message, code: str, extra: dict[int, FieldValue] | None = None) -> Message:
    """The 1993 answer to ``request``: the echoed fields, DE 39 the action code of ``code`` (two-digit meaning
    or action code), then ``extra``."""
    fields: dict[int, FieldValue] = {n: request.fields[n] for n in ECHOED if n in request.fields}
    fields[39] = action_code(str(code), request.mti)
    fields.update(extra or {})
    return Message(iso93_response_mti(request.mti), fields, swap_tpdu(request.header))


def answer_of(request: Message, model_answer: Message) -> Message:
    """The model's answer to the model request, as the 1993 answer to ``request``."""
    extra = {n: model_answer.fields[n] for n in _FROM_MODEL if n in model_answer.fields}
    return response_to(request, str(model_answer[39]), extra)

