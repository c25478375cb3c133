"""A CUP batch seen from the terminal's journal: the DE 48 settlement totals and what to upload.

CUP counts per card group (domestic UnionPay cards, foreign cards; :func:`~protocols.cup.upload.card_group`):

* debits: approved sales that stand (a voided sale counts nowhere: the void takes it out; a void
  reversed later puts it back);
* credits: approved refunds (a CUP refund cannot be voided).

Declined, reversed and still-pending transactions count nowhere, and voids themselves neither.
When the host's totals differ in a group, that group's standing sales are uploaded in lists of
eight and its refunds one by one (:func:`upload_plan`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from protocols.cup.fields import CardTotals, SettlementTotals
from protocols.cup.upload import MAX_ENTRIES, CardGroup, UploadEntry, UploadList, card_group
from pos_terminal.state.records import TransactionRecord, TxnStatus, TxnType


def counts_as(record: TransactionRecord) -> str | None:
    """``debit``, ``credit`` or None: how ``record`` counts in the CUP totals."""
    if record.status is not TxnStatus.APPROVED:
        return None
    if record.txn_type is TxnType.SALE and not record.is_voided:
        return "debit"
    if record.txn_type is TxnType.REFUND:
        return "credit"
    return None


def settlement_totals(records: Iterable[TransactionRecord]) -> SettlementTotals:
    """DE 48 of the 0500: domestic and foreign card totals of the batch's ``records``."""
    sums = {group: {"debit": [0, 0], "credit": [0, 0]} for group in CardGroup}
    for record in records:
        kind = counts_as(record)
        if kind is not None:
            slot = sums[card_group(record.card_brand)][kind]
            slot[0] += record.amount
            slot[1] += 1

    def totals(group: CardGroup) -> CardTotals:
        debit, credit = sums[group]["debit"], sums[group]["credit"]
        return CardTotals(debit[0], debit[1], credit[0], credit[1])

    return SettlementTotals(totals(CardGroup.DOMESTIC), totals(CardGroup.FOREIGN))


@dataclass(frozen=True)
class UploadPlan:
    """What a batch upload sends: lists of up to eight sales, then each refund."""

    sale_lists: tuple[UploadList, ...]
    refunds: tuple[TransactionRecord, ...]

    @property
    def count(self) -> int:
        """How many transactions the upload carries (DE 48 of the 0320 that ends it)."""
        return sum(len(sales.entries) for sales in self.sale_lists) + len(self.refunds)


def upload_plan(records: Iterable[TransactionRecord], groups: Iterable[CardGroup]) -> UploadPlan:
    """The sales and refunds of the card ``groups`` whose totals the host found different."""
    wanted = set(groups)
    sales: list[UploadEntry] = []
    refunds: list[TransactionRecord] = []
    for record in records:
        kind = counts_as(record)
        group = card_group(record.card_brand)
        if kind is None or group not in wanted:
            continue
        if kind == "debit":
            sales.append(UploadEntry(group, f"{record.stan:06d}", record.amount))
        else:
            refunds.append(record)
    lists = tuple(UploadList(tuple(sales[start:start + MAX_ENTRIES])) for start in range(0, len(sales), MAX_ENTRIES))
    return UploadPlan(lists, tuple(refunds))
