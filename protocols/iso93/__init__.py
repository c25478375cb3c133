"""The ``iso93`` network: possim's terminal-to-host protocol in ISO 8583:1993 terms (docs/protocol.md).

Both sides import it (the terminal profile ``pos_terminal.profiles.iso93``, the host protocol
``simulator.host.protocols.iso93``); it imports neither.

* :mod:`protocols.iso93.messages`: the 1xxx MTIs and how an answer's MTI follows from a request's,
  the DE 24 function codes, the DE 25 message reason codes, DE 12 (local date and time), DE 22 (point
  of service data code) and DE 56 (original data elements);
* :mod:`protocols.iso93.action_codes`: the DE 39 three-digit action codes, their display texts and
  how they map to the two-digit meanings possim's terminal journals and the scenario library checks.

What 1993 leaves to private use keeps possim's meaning: DE 60 the batch number, DE 62 the invoice
number, DE 63 possim's tagged items (docs/protocol.md, "DE 63"); the MAC is DE 64, or DE 128 when a
secondary bitmap is present, as in 1987 (:func:`protocols.iso87.mac_field`).
"""

from protocols.iso93.action_codes import ActionCode, action_code, action_text, meaning
from protocols.iso93.messages import (
    ACQUIRER_ID,
    FunctionCode,
    Mti93,
    OriginalData,
    ReasonCode,
    local_datetime,
    pos_data_code,
    response_mti,
)

__all__ = ["ACQUIRER_ID", "ActionCode", "FunctionCode", "Mti93", "OriginalData", "ReasonCode", "action_code",
           "action_text", "local_datetime", "meaning", "pos_data_code", "response_mti"]
