"""The terminal's journal: transactions, reversals, counters, messages and events in one SQLite file.

Why SQLite with WAL and ``synchronous=FULL``: every state change is one SQLite
transaction that is on disk when the call returns, so a power cut or a
SIGKILL leaves the journal either before or after the change, never half-way.
That is what the "journal before send" rule needs: :meth:`Journal.begin_transaction`
allocates the STAN and invoice, stores the transaction as PENDING and stores
its pending reversal in one commit; after it returns, a crash leaves a
reversal to send, and only a host response (:meth:`Journal.complete_transaction`)
or a reversal acknowledgement (:meth:`Journal.acknowledge_reversal`) clears it.

The journal also refuses, inside the same commit, what would move money twice:
a refund above what is left to refund (pending refunds count as spent), a
void of something already voided or being voided, a void of a sale that has
refunds, a late response to a transaction whose reversal was already sent.

No full PAN, track data, PIN or key is ever stored: a card is its masked PAN
and an HMAC fingerprint under a per-data-folder secret
(:func:`card_fingerprint`, :func:`load_or_create_secret`). Message dumps are
stored as given; the caller passes masked dumps.

Times are taken as timezone-aware ``datetime`` values and stored as UTC
ISO 8601 text (``2024-05-01T12:34:56.000000Z``), which sorts by time.

Schema (version 1)::

    schema_version(version)
    counters(name PRIMARY KEY, value)         -- 'stan', 'invoice': last issued (0 = none yet);
                                              -- 'batch': the open batch (starts at 1);
                                              -- others: get_counter/set_counter (DUKPT counters)
    transactions(id, invoice, stan, batch, txn_type, status, amount, currency, masked_pan,
                 card_fingerprint, card_brand, entry_mode, processing_code, mti,
                 original_id -> transactions, reason_code, rrn, auth_code, response_code,
                 voided_by -> transactions, transmitted_at, created_at, updated_at, host_data JSON)
    reversals(id, transaction_id UNIQUE -> transactions, stan, transmitted_at, amount, attempts,
              status, created_at, last_attempt_at, response_code)
                                              -- a response deletes the pending row; an ack keeps it
    messages(id, transaction_id -> transactions, direction, mti, stan, at, dump)
    events(id, kind, detail JSON, at)
"""

from __future__ import annotations

from pos_terminal.journal.advices import AdvicesMixin
from pos_terminal.journal.audit import AuditMixin
from pos_terminal.journal.cardid import SECRET_LENGTH, card_fingerprint, load_or_create_secret
from pos_terminal.journal.errors import AmbiguousLookup, JournalError, MoneyRule
from pos_terminal.journal.lookups import LookupsMixin
from pos_terminal.journal.schema import SCHEMA_VERSION
from pos_terminal.journal.store import COUNTER_MAX
from pos_terminal.journal.supervision import SupervisionMixin

__all__ = [
    "AmbiguousLookup",
    "COUNTER_MAX",
    "SCHEMA_VERSION",
    "SECRET_LENGTH",
    "Journal",
    "JournalError",
    "MoneyRule",
    "card_fingerprint",
    "load_or_create_secret",
]


class Journal(AdvicesMixin, LookupsMixin, AuditMixin, SupervisionMixin):
    """The terminal's durable state over one SQLite file. Open with :meth:`Journal.open`.

    Every method that changes something runs as one ``BEGIN IMMEDIATE`` ...
    ``COMMIT``; with ``synchronous=FULL`` the change is durable when the method
    returns. An instance may be shared between threads (calls are serialised).
    The parts: :mod:`~pos_terminal.journal.store` (connection, counters),
    :mod:`~pos_terminal.journal.transactions` (journal before send),
    :mod:`~pos_terminal.journal.reversals`, :mod:`~pos_terminal.journal.advices`,
    :mod:`~pos_terminal.journal.lookups`, :mod:`~pos_terminal.journal.audit` and
    :mod:`~pos_terminal.journal.supervision` (the supervisor lockout).
    """
