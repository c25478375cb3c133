"""Journal before send: beginning a transaction, checking it against its original, completing it.

:meth:`TransactionsMixin.begin_transaction` allocates the STAN and invoice, stores the transaction
as PENDING and stores its pending reversal in one commit; after it returns, a crash leaves a
reversal to send, and only a host response (:meth:`TransactionsMixin.complete_transaction`) or a
reversal acknowledgement clears it. The money rules are re-checked inside the same commit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pos_terminal.journal.errors import JournalError, MoneyRule
from pos_terminal.journal.rows import check_text, json_text, time_text
from pos_terminal.journal.reversals import ReversalsMixin
from pos_terminal.state.records import NewTransaction, TransactionRecord, TxnStatus, TxnType
from protocols.dcc import DccOffer

_COMPLETION_STATUSES = (TxnStatus.APPROVED, TxnStatus.DECLINED)


class TransactionsMixin(ReversalsMixin):
    """Journal before send: beginning a transaction, checking it against its original, completing it."""

    def begin_transaction(
        self, new: NewTransaction, *, now: datetime, with_reversal: bool = True
    ) -> TransactionRecord:
        """Journal a transaction before its request is sent: the "journal before send" rule.

        In one SQLite transaction: allocate STAN and invoice, insert the
        transaction as PENDING in the open batch with ``transmitted_at=now``,
        and (``with_reversal``) insert its pending reversal. After this returns
        a crash leaves a reversal to send. Refunds and voids are checked
        against their original here, in the same commit (see :meth:`_check_original`).
        """
        if not isinstance(new, NewTransaction):
            raise TypeError(f"new must be a NewTransaction, got {type(new).__name__}")
        stamp = time_text(now)
        with self._write("begin transaction") as db:
            batch = self._counter(db, "batch")
            if new.original_id is not None:
                self._check_original(db, new, batch)
            stan = self._advance(db, "stan")
            invoice = self._advance(db, "invoice")
            cursor = db.execute(
                """INSERT INTO transactions (invoice, stan, batch, txn_type, status, amount, currency,
                       masked_pan, card_fingerprint, card_brand, entry_mode, processing_code, mti,
                       original_id, reason_code, transmitted_at, created_at, updated_at, host_data,
                       original_rrn, original_date, dcc_currency, dcc_amount, dcc_rate, dcc_markup, dcc_provider)
                   VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, ?)""",
                (
                    invoice,
                    stan,
                    batch,
                    str(new.txn_type),
                    new.amount,
                    new.currency,
                    new.masked_pan,
                    new.card_fingerprint,
                    new.card_brand,
                    new.entry_mode,
                    new.processing_code,
                    new.mti,
                    new.original_id,
                    new.reason_code,
                    stamp,
                    stamp,
                    stamp,
                    new.original_rrn,
                    new.original_date,
                    *_dcc_columns(new.dcc),
                ),
            )
            txn_id = int(cursor.lastrowid)  # type: ignore[arg-type]
            if with_reversal:
                self._insert_reversal(db, txn_id, stan, stamp, new.amount, stamp)
            return self._find_row(db, txn_id)

    def check_original(self, new: NewTransaction) -> None:
        """Raise :class:`JournalError` when :meth:`begin_transaction` would refuse ``new`` against its
        original, without writing anything (so a caller can refuse before going online)."""
        if new.original_id is None:
            return
        with self._read() as db:
            self._check_original(db, new, self._counter(db, "batch"))

    def _check_original(self, db: sqlite3.Connection, new: NewTransaction, batch: int) -> None:
        """Refuse a refund or void that would move money twice. Runs inside the begin commit.

        Refund: the original is an approved, non-voided sale in the same
        currency, with no void pending, and the amount is at most the original
        minus approved (non-voided) and pending refunds. Void: the original is
        an approved, non-voided sale or refund of the open batch with the same
        amount and currency, with no other void pending, and (for a sale) no
        approved or pending refund against it.
        """
        original = self._find_row(db, new.original_id)  # type: ignore[arg-type]
        label = f"journal {self._path}: {new.txn_type} of invoice {original.invoice:06d}"
        pending_void = db.execute(
            "SELECT invoice FROM transactions WHERE original_id = ? AND txn_type = 'void' AND status = 'pending'",
            (original.id,),
        ).fetchone()
        if original.status is not TxnStatus.APPROVED:
            raise JournalError(f"{label}: the original is {original.status}, not approved",
                               MoneyRule.ORIGINAL_NOT_APPROVED)
        if original.voided_by is not None:
            raise JournalError(f"{label}: the original was voided by invoice "
                               f"{self._find_row(db, original.voided_by).invoice:06d}", MoneyRule.ORIGINAL_VOIDED)
        if pending_void is not None:
            raise JournalError(f"{label}: the void of the original (invoice {pending_void[0]:06d}) is still pending",
                               MoneyRule.VOID_PENDING)
        if new.currency != original.currency:
            raise JournalError(f"{label}: currency {new.currency} differs from the original's {original.currency}",
                               MoneyRule.CURRENCY)
        original_dcc = original.dcc.currency if original.dcc else None
        if (new.dcc.currency if new.dcc else None) != original_dcc:
            raise JournalError(f"{label}: the original was paid in {original_dcc} by DCC; its {new.txn_type} goes "
                               f"back in {original_dcc} at the original's rate, never in {new.currency}"
                               if original_dcc else f"{label}: the original was not a DCC sale", MoneyRule.CURRENCY)
        refunds = db.execute(
            """SELECT coalesce(sum(CASE WHEN status = 'approved' AND voided_by IS NULL THEN amount END), 0),
                      coalesce(sum(CASE WHEN status IN ('pending', 'offline') THEN amount END), 0)
               FROM transactions WHERE original_id = ? AND txn_type = 'refund'""",
            (original.id,),
        ).fetchone()
        refunded, pending = int(refunds[0]), int(refunds[1])
        if new.txn_type is TxnType.REFUND:
            if original.txn_type is not TxnType.SALE:
                raise JournalError(f"{label}: the original is a {original.txn_type}; only a sale can be refunded",
                                   MoneyRule.NOT_REFUNDABLE)
            remaining = original.amount - refunded - pending
            if new.amount > remaining:
                raise JournalError(
                    f"{label}: amount {new.amount} exceeds the refundable remainder {max(remaining, 0)} "
                    f"(original {original.amount}, refunded {refunded}, pending {pending})", MoneyRule.OVER_REMAINDER
                )
        elif new.txn_type is TxnType.VOID:
            if original.txn_type not in (TxnType.SALE, TxnType.REFUND):
                raise JournalError(f"{label}: the original is a {original.txn_type}; only sales and refunds are voided",
                                   MoneyRule.NOT_VOIDABLE)
            if original.batch != batch:
                raise JournalError(f"{label}: the original is in closed batch {original.batch}, open batch is {batch}",
                                   MoneyRule.CLOSED_BATCH)
            if new.amount != original.amount:
                raise JournalError(f"{label}: amount {new.amount} differs from the original's {original.amount}",
                                   MoneyRule.AMOUNT_DIFFERS)
            if refunded or pending:
                raise JournalError(f"{label}: the sale has refunds ({refunded} approved, {pending} pending)",
                                   MoneyRule.SALE_HAS_REFUNDS)

    def complete_transaction(
        self,
        txn_id: int,
        *,
        status: TxnStatus,
        response_code: str,
        rrn: str | None,
        auth_code: str | None,
        host_data: Mapping[str, Any] | None = None,
        now: datetime,
        dcc: DccOffer | None = None,
    ) -> TransactionRecord:
        """Record the host's response (APPROVED or DECLINED) and clear the pending reversal, in one commit.

        An approved void also marks its original ``voided_by``. Refused when
        the transaction is not PENDING, or when its reversal has already been
        sent (a late response cannot cancel a reversal the host may have acted
        on: the reversal must be acknowledged instead).
        """
        status = TxnStatus(status)
        if status not in _COMPLETION_STATUSES:
            raise ValueError(f"status must be approved or declined, got {status}")
        check_text(response_code, "response_code", 2, required=True)
        check_text(rrn, "rrn", 12, required=False)
        check_text(auth_code, "auth_code", 6, required=False)
        data = json_text(host_data, "host_data")
        stamp = time_text(now)
        with self._write(f"complete transaction {txn_id}") as db:
            txn = self._find_row(db, txn_id)
            label = f"journal {self._path}: transaction {txn_id}"
            if txn.status is not TxnStatus.PENDING:
                raise JournalError(f"{label} is already {txn.status}")
            reversal = db.execute(
                "SELECT id, attempts, status FROM reversals WHERE transaction_id = ?", (txn_id,)
            ).fetchone()
            if reversal is not None and (reversal["attempts"] > 0 or reversal["status"] != "pending"):
                raise JournalError(
                    f"{label}: reversal {reversal['id']} was already sent ({reversal['attempts']} attempt(s)); "
                    "it must be acknowledged, the response cannot be recorded"
                )
            db.execute(
                """UPDATE transactions SET status = ?, response_code = ?, rrn = ?, auth_code = ?,
                       host_data = ?, updated_at = ? WHERE id = ?""",
                (str(status), response_code, rrn, auth_code, data, stamp, txn_id),
            )
            if reversal is not None:
                db.execute("DELETE FROM reversals WHERE id = ?", (reversal["id"],))
            if dcc is not None and status is TxnStatus.APPROVED:  # the host's figures of the conversion
                db.execute("""UPDATE transactions SET dcc_currency = ?, dcc_amount = ?, dcc_rate = ?, dcc_markup = ?,
                                  dcc_provider = ? WHERE id = ?""", (*_dcc_columns(dcc), txn_id))
            if status is TxnStatus.APPROVED and txn.txn_type is TxnType.VOID:
                updated = db.execute(
                    """UPDATE transactions SET voided_by = ?, updated_at = ?
                       WHERE id = ? AND status = 'approved' AND voided_by IS NULL""",
                    (txn_id, stamp, txn.original_id),
                ).rowcount
                if updated != 1:
                    raise JournalError(
                        f"{label}: void approved but original {txn.original_id} is no longer an approved, "
                        "unvoided transaction"
                    )
            return self._find_row(db, txn_id)


    def update_host_data(self, txn_id: int, updates: Mapping[str, Any], *, now: datetime) -> TransactionRecord:
        """Merge ``updates`` into what the host reported about a transaction (a later status inquiry), one commit."""
        stamp = time_text(now)
        with self._write(f"update host data of transaction {txn_id}") as db:
            record = self._find_row(db, txn_id)
            data = json_text({**record.host_data, **dict(updates)}, "host_data")
            db.execute("UPDATE transactions SET host_data = ?, updated_at = ? WHERE id = ?", (data, stamp, txn_id))
            return self._find_row(db, txn_id)


def _dcc_columns(dcc: DccOffer | None) -> tuple[object, ...]:
    """dcc_currency, dcc_amount, dcc_rate, dcc_markup, dcc_provider."""
    if dcc is None:
        return (None, None, None, None, None)
    return (dcc.currency, dcc.amount, dcc.rate, dcc.markup_percent, dcc.provider)
