"""Conversions between the journal's SQLite rows and its record types, and value checks.

Times are stored as UTC ISO 8601 text (``2024-05-01T12:34:56.000000Z``), which sorts by time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from protocols.dcc import DccOffer
from pos_terminal.state.records import (
    AdviceRecord,
    EventRecord,
    MessageDirection,
    MessageRecord,
    ReversalRecord,
    ReversalStatus,
    TransactionRecord,
    TxnStatus,
    TxnType,
)

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def time_text(moment: datetime, name: str = "now") -> str:
    """A timezone-aware datetime as the journal's UTC ISO 8601 text."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime (UTC), got {moment!r}")
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def time_value(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def json_text(value: Mapping[str, Any] | None, name: str) -> str:
    if value is None:
        return "{}"
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a mapping, got {type(value).__name__}")
    try:
        return json.dumps(dict(value), sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be JSON-serialisable: {exc}") from None


def transaction_row(row: sqlite3.Row) -> TransactionRecord:
    return TransactionRecord(
        id=row["id"],
        invoice=row["invoice"],
        stan=row["stan"],
        batch=row["batch"],
        txn_type=TxnType(row["txn_type"]),
        status=TxnStatus(row["status"]),
        amount=row["amount"],
        currency=row["currency"],
        masked_pan=row["masked_pan"],
        card_fingerprint=row["card_fingerprint"],
        card_brand=row["card_brand"],
        entry_mode=row["entry_mode"],
        processing_code=row["processing_code"],
        mti=row["mti"],
        original_id=row["original_id"],
        reason_code=row["reason_code"],
        rrn=row["rrn"],
        auth_code=row["auth_code"],
        response_code=row["response_code"],
        voided_by=row["voided_by"],
        transmitted_at=datetime.fromisoformat(row["transmitted_at"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        host_data=json.loads(row["host_data"]),
        original_rrn=row["original_rrn"],
        original_date=row["original_date"],
        dcc=_dcc(row),
    )


def _dcc(row: sqlite3.Row) -> DccOffer | None:
    if row["dcc_currency"] is None or row["dcc_amount"] is None or row["dcc_rate"] is None:
        return None
    return DccOffer(row["dcc_currency"], row["dcc_amount"], row["dcc_rate"], row["dcc_markup"] or "",
                    row["dcc_provider"] or "")


def reversal_row(row: sqlite3.Row) -> ReversalRecord:
    return ReversalRecord(
        id=row["id"],
        transaction_id=row["transaction_id"],
        stan=row["stan"],
        transmitted_at=datetime.fromisoformat(row["transmitted_at"]),
        amount=row["amount"],
        attempts=row["attempts"],
        status=ReversalStatus(row["status"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        last_attempt_at=time_value(row["last_attempt_at"]),
        response_code=row["response_code"],
    )


def advice_row(row: sqlite3.Row) -> AdviceRecord:
    return AdviceRecord(
        id=row["id"],
        transaction_id=row["transaction_id"],
        attempts=row["attempts"],
        status=ReversalStatus(row["status"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        last_attempt_at=time_value(row["last_attempt_at"]),
        response_code=row["response_code"],
    )


def message_row(row: sqlite3.Row) -> MessageRecord:
    return MessageRecord(
        id=row["id"],
        transaction_id=row["transaction_id"],
        direction=MessageDirection(row["direction"]),
        mti=row["mti"],
        stan=row["stan"],
        at=datetime.fromisoformat(row["at"]),
        dump=row["dump"],
    )


def event_row(row: sqlite3.Row) -> EventRecord:
    return EventRecord(
        id=row["id"], kind=row["kind"], detail=json.loads(row["detail"]), at=datetime.fromisoformat(row["at"])
    )


def check_text(value: str | None, name: str, max_length: int, *, required: bool) -> None:
    if value is None:
        if required:
            raise ValueError(f"{name} is required")
        return
    if not isinstance(value, str) or not value or len(value) > max_length or not value.isprintable():
        raise ValueError(f"{name} must be 1 to {max_length} printable characters, got {value!r}")

