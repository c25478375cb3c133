"""The query parameters of ``/api/transactions`` and ``/api/refunds`` (docs/host-api.md): currency and
cross-border filters read and refused naming the parameter, the OpenAPI description naming exactly the
parameters each filter reads, a journaled DCC conversion shown as the terminal answers it."""

from __future__ import annotations

import pytest

from simulator.host.console.openapi import openapi_document
from simulator.host.console.queries import QueryError, RefundFilter, TransactionFilter, conversion_json
from simulator.host.journal import Status
from simulator.host.records import HostTransaction


@pytest.mark.parametrize("filter_type", [TransactionFilter, RefundFilter])
@pytest.mark.parametrize(("text", "numeric"), [("GBP", "826"), ("gbp", "826"), ("826", "826"), ("JPY", "392")])
def test_a_currency_filter_takes_either_iso_4217_code_as_the_numeric_one(filter_type: type, text: str,
                                                                         numeric: str) -> None:
    assert filter_type.from_query({"currency": text}).currency == numeric


@pytest.mark.parametrize("filter_type", [TransactionFilter, RefundFilter])
@pytest.mark.parametrize(("query", "field"), [
    ({"currency": "XYZ"}, "currency"), ({"currency": "999"}, "currency"), ({"currency": "pounds"}, "currency"),
    ({"currency": ""}, "currency"), ({"cross_border": "yes"}, "cross_border"), ({"cross_border": "1"}, "cross_border"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_currency_or_cross_border_filter_names_the_parameter(filter_type: type, query: dict[str, str],
                                                                   field: str) -> None:
    with pytest.raises(QueryError) as raised:
        filter_type.from_query(query)
    assert raised.value.field == field and str(raised.value).startswith(field)


@pytest.mark.parametrize(("text", "value"), [("true", True), ("false", False)])
def test_cross_border_reads_true_or_false(text: str, value: bool) -> None:
    assert RefundFilter.from_query({"cross_border": text}).cross_border is value
    assert TransactionFilter.from_query({"cross_border": text}).cross_border is value


def test_a_refund_filter_is_sql_conditions_with_a_boolean_as_sqlites_integer() -> None:
    wanted = RefundFilter.from_query({"terminal": "POSSIM01", "currency": "USD", "cross_border": "false"})
    assert wanted.clauses() == (["terminal_id = ?", "currency = ?", "cross_border = ?"], ["POSSIM01", "840", 0])


@pytest.mark.parametrize(("path", "filter_type"), [("/api/transactions", TransactionFilter),
                                                   ("/api/refunds", RefundFilter)])
def test_the_openapi_description_names_exactly_the_parameters_a_filter_reads(path: str, filter_type: type) -> None:
    described = {p["name"] for p in openapi_document()["paths"][path]["get"]["parameters"]}
    assert described == filter_type.PARAMETERS


def test_a_dcc_conversion_shows_as_the_terminal_answers_it() -> None:
    """The rate as decimal text (DE 10 "78124750": 7 decimals), the amount in minor units of the billing
    currency; the same contract as tests/e2e/test_dcc_cross_border.py checks on ``possim txn --json``."""
    record = HostTransaction(time="2026-12-07T12:00:00+00:00", terminal_id="POSSIM01", mti="0200",
                             processing_code="200000", stan="000002", transmission_time="1207120000", amount=500, currency="840",
                             response_code="00", status=Status.APPROVED, cross_border=True, dcc_currency="826",
                             dcc_amount=406, dcc_rate="78124750", dcc_markup="3.50", dcc_provider="POSSIMFX")
    assert conversion_json(record) == {"cross_border": True, "dcc": {
        "currency": "826", "amount": 406, "rate": "0.8124750", "markup_percent": "3.50", "provider": "POSSIMFX"}}


def test_a_transaction_without_dcc_has_no_dcc_object_and_an_unknown_side_is_null() -> None:
    record = HostTransaction(time="2026-12-07T12:00:00+00:00", terminal_id="POSSIM01", mti="0200",
                             processing_code="000000", stan="000001", transmission_time="1207120000", amount=500, currency="840",
                             response_code="00", status=Status.APPROVED)
    assert conversion_json(record) == {"cross_border": None}
