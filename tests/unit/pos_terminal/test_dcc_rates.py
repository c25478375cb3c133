"""The DCC wire format and the one rounding rule (protocols.dcc; docs/protocol.md "Dynamic currency conversion").

DE 10 (ISO 8583:1987, conversion rate cardholder billing, n 8): the first digit is the position of the decimal
separator from the right, the other seven the rate, as jPOS-CMF's data element dictionary describes it
(github.com/jpos/jPOS-CMF, src/docx/data_elements.xml: "multiply the second part by 10^-n").
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.dcc import DccError, convert, decode_rate, encode_rate, offered_rate, rate_text, refund_billing


@pytest.mark.parametrize(("text", "rate"), [("69972522", Decimal("9.972522")), ("60972522", Decimal("0.972522")), ("41555088", Decimal("155.5088")),
                                             ("01234567", Decimal("1234567")), ("70068885", Decimal("0.0068885"))])
def test_de10_reads_the_decimal_position_then_seven_digits(text: str, rate: Decimal) -> None:
    assert decode_rate(text) == rate


def test_de10_keeps_seven_significant_digits_rounded_half_up() -> None:
    assert encode_rate(Decimal("155.50875")) == "41555088"
    assert encode_rate(Decimal("0.812475")) == "78124750"
    assert rate_text("41555088") == "155.5088"


@pytest.mark.parametrize("bad", ["1234567", "6997252A", "70000000", ""])
def test_a_malformed_or_zero_de10_is_refused_naming_it(bad: str) -> None:
    with pytest.raises(DccError, match="DE 10"):
        decode_rate(bad)


def test_a_rate_past_seven_integer_digits_has_no_de10_form() -> None:
    with pytest.raises(DccError, match="integer digits"):
        encode_rate(Decimal("12345678"))


@given(st.decimals(min_value=Decimal("0.0000001"), max_value=Decimal("9999999"), places=7))
def test_encoding_a_rate_loses_at_most_half_its_last_digit(rate: Decimal) -> None:
    text = encode_rate(rate)
    assert abs(decode_rate(text) - rate) <= Decimal(5).scaleb(-int(text[0]) - 1)


def test_the_markup_is_added_to_the_reference_rate() -> None:
    assert offered_rate(Decimal("0.7850"), Decimal("3.50")) == Decimal("0.8124750")


def test_conversion_uses_major_units_and_each_currencys_exponent() -> None:
    assert convert(2000, "840", Decimal("0.812475"), "826") == 1625  # USD 20.00 -> GBP 16.24950 -> 16.25
    assert convert(1234, "840", Decimal("155.5088"), "392") == 1919  # USD 12.34 -> JPY 1918.98, whole yen
    assert convert(10000, "392", Decimal("0.0068885"), "840") == 6889  # JPY 10000 -> USD 68.885 -> 68.89


def test_rounding_is_half_up() -> None:
    assert convert(1, "840", Decimal("0.5"), "826") == 1
    assert convert(1, "840", Decimal("0.4999999"), "826") == 0


def test_the_last_partial_refund_takes_the_exact_remainder() -> None:
    args = {"sale_amount": 2000, "sale_billing": 1625, "rate": Decimal("0.8124750"), "merchant": "840",
            "billing": "826"}
    assert refund_billing(500, refunded=0, refunded_billing=0, **args) == 406
    assert refund_billing(733, refunded=500, refunded_billing=406, **args) == 596
    assert refund_billing(767, refunded=1233, refunded_billing=1002, **args) == 623


@given(sale=st.integers(1, 10**6), billing=st.integers(0, 10**6), rate=st.sampled_from(
    [Decimal("0.0068885"), Decimal("0.8124750"), Decimal("155.5088"), Decimal("2")]), data=st.data())
def test_partial_refunds_never_exceed_the_sale_in_either_currency_and_end_on_it(
        sale: int, billing: int, rate: Decimal, data: st.DataObject) -> None:
    refunded = refunded_billing = 0
    while refunded < sale:
        amount = data.draw(st.integers(1, sale - refunded))
        part = refund_billing(amount, sale_amount=sale, sale_billing=billing, refunded=refunded,
                              refunded_billing=refunded_billing, rate=rate, merchant="840", billing="392")
        assert part >= 0
        refunded, refunded_billing = refunded + amount, refunded_billing + part
        assert refunded_billing <= billing
    assert (refunded, refunded_billing) == (sale, billing)
