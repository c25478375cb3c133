"""A host in a temporary data folder and a minimal terminal that builds signed requests for it.

The terminal here is deliberately tiny (not the real terminal engine): it signs on, builds
0200/0400/0800 requests with the documented fields, MACs them with the keys of the chosen
scheme, enciphers PINs and runs the simulated chip for DE 55.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emv.cards import TestCard, load_test_cards
from emv.card import SimulatedCard
from emv.terminal import TerminalData, TransactionType, build_field55
from iso8583 import Message
from keys import dukpt_aes, dukpt_tdes, tr31
from protocols.defaults import MERCHANT_ID, TERMINAL_ID, TEST_KEYS
from protocols.iso87 import BatchTotals, original_data_elements, transmission_datetime
from protocols.possim87.additional_data import additional_data, encode_additional_data
from protocols.security import (
    MessageKeys,
    dukpt_aes_keys,
    dukpt_tdes_keys,
    mksk_keys,
    pin_block,
    pin_block_format_for,
    sign_on_keys,
    sign_request,
    verify_response,
)
from simulator.host import HostConfig, HostDecision, HostLogic, RuleSet
from simulator.host.rules import parse_rules

NOW = datetime(2025, 3, 14, 10, 0, 0, tzinfo=UTC)  # a Friday
PEER = "tcp://127.0.0.1:40000"
CARDS: dict[str, TestCard] = load_test_cards()


def card(name: str) -> TestCard:
    return CARDS[name]


@dataclass
class MiniTerminal:
    """Builds and signs requests like a terminal would; ``scheme`` is mksk, dukpt-tdes or dukpt-aes."""

    host: HostLogic
    scheme: str = "mksk"
    terminal_id: str = TERMINAL_ID
    merchant_id: str = MERCHANT_ID
    stan: int = 0
    counter: int = 0
    session: MessageKeys | None = None
    chips: dict[str, SimulatedCard] = field(default_factory=dict)

    @property
    def dialect(self):  # noqa: ANN201 - the host's dialect
        return self.host.dialect

    def next_stan(self) -> int:
        self.stan += 1
        return self.stan

    def keys(self) -> tuple[MessageKeys | None, dict[str, str]]:
        """The keys of the next request and the DE 63 tags they need (KS for DUKPT)."""
        if self.scheme == "mksk":
            return self.session, {}
        self.counter += 1
        if self.scheme == "dukpt-tdes":
            ksn = dukpt_tdes.ksn_with_counter(TEST_KEYS.tdes_initial_ksn, self.counter)
            return dukpt_tdes_keys(dukpt_tdes.derive_keys(TEST_KEYS.tdes_bdk, ksn)), {"KS": ksn.hex().upper()}
        ksn = dukpt_aes.make_ksn(TEST_KEYS.aes_initial_key_id, self.counter)
        initial = dukpt_aes.derive_initial_key(TEST_KEYS.aes_bdk, TEST_KEYS.aes_initial_key_id)
        return dukpt_aes_keys(initial, ksn, pin_block_format_for(self.dialect)), {"KS": ksn.hex().upper()}

    def base(self, mti: str, stan: int | None = None, when: datetime = NOW) -> Message:
        return Message(mti, {
            7: transmission_datetime(when), 11: f"{stan or self.next_stan():06d}",
            41: self.terminal_id, 42: self.merchant_id,
        })

    def sign_on(self, code: str = "001") -> HostDecision:
        _, tags = self.keys()
        message = self.base("0800")
        message.fields[70] = code
        if tags:
            message.fields[63] = encode_additional_data(tags)
        if self.scheme == "mksk":  # only the TMK's holder may sign on (docs/protocol.md, Security)
            message = sign_request(message, self.dialect, sign_on_keys(TEST_KEYS.terminal_master_key))
        decision = self.host.handle(message, now=NOW, peer=PEER)
        if self.scheme == "mksk" and decision.response_code == "00":
            items = additional_data(decision.response)
            _, tpk = tr31.unwrap(TEST_KEYS.terminal_master_key, items["PK"])
            _, tak = tr31.unwrap(TEST_KEYS.terminal_master_key, items["MK"])
            self.session = mksk_keys(tpk, tak)
        return decision

    def financial(
        self,
        processing_code: str,
        amount: int,
        *,
        card_name: str | None = "visa_credit",
        pin: str | None = None,
        chip: bool = False,
        tags: dict[str, str] | None = None,
        rrn: str | None = None,
        stan: int | None = None,
        mti: str = "0200",
        extra: dict[int, str] | None = None,
    ) -> Message:
        """A signed 0200 (sale, refund, void) as the terminal would send it; ``extra``: more fields (DCC)."""
        keys, key_tags = self.keys()
        message = self.base(mti, stan)
        message.fields.update({3: processing_code, 4: f"{amount:012d}", 12: "100000", 13: "0314", 25: "00",
                               49: "840", 60: "000001", 62: f"{self.stan:06d}"})
        if card_name is not None:
            test_card = card(card_name)
            message.fields[22] = "051" if chip else "011"
            message.fields[2] = test_card.pan
            if chip:
                message.fields[23] = f"0{test_card.psn}"
                sim = self.chips.setdefault(card_name, test_card.to_card())
                kind = TransactionType.REFUND if processing_code == "200000" else TransactionType.PURCHASE
                data = TerminalData(amount_authorised=amount, transaction_date=dt.date(2025, 3, 14))
                message.fields[55] = build_field55(sim, data, kind)
            if pin is not None:
                assert keys is not None
                message.fields[52] = pin_block(keys, pin, test_card.pan)
        if rrn is not None:
            message.fields[37] = rrn
        message.fields.update(extra or {})
        all_tags = {**(tags or {}), **key_tags}
        if all_tags:
            message.fields[63] = encode_additional_data(all_tags)
        return sign_request(message, self.dialect, keys) if keys is not None else message

    def send(self, message: Message, now: datetime = NOW) -> HostDecision:
        return self.host.handle(message, now=now, peer=PEER)

    def sale(self, amount: int = 10000, **options: object) -> HostDecision:
        return self.send(self.financial("000000", amount, **options))  # type: ignore[arg-type]

    def refund(self, amount: int, original_rrn: str | None, original_date: str = "0314",
               **options: object) -> HostDecision:
        tags = {"OR": original_rrn, "OD": original_date} if original_rrn is not None else {}
        return self.send(self.financial("200000", amount, tags=tags, **options))  # type: ignore[arg-type]

    def void(self, rrn: str, amount: int = 10000, processing_code: str = "020000",
             extra: dict[int, str] | None = None) -> HostDecision:
        return self.send(self.financial(processing_code, amount, rrn=rrn, card_name=None, extra=extra))

    def advice(self, amount: int, original_rrn: str | None, *, original_date: str | None = "0314",
               offline_code: str = "OFF001", mti: str = "0220", stan: int | None = None,
               processing_code: str = "200000", when: datetime = NOW) -> Message:
        """A signed advice (offline refund): no card data, DE 63 OR / OD / OF."""
        tags = {"OF": offline_code}
        if original_rrn is not None:
            tags["OR"] = original_rrn
        if original_date is not None:
            tags["OD"] = original_date
        keys, key_tags = self.keys()
        message = self.base(mti, stan, when)
        message.fields.update({3: processing_code, 4: f"{amount:012d}", 12: "100000", 13: "0314", 25: "00",
                               49: "840", 60: "000001", 62: f"{self.stan:06d}",
                               63: encode_additional_data({**tags, **key_tags})})
        assert keys is not None
        return sign_request(message, self.dialect, keys)

    def settlement(self, totals: BatchTotals, *, batch: int = 1, processing_code: str = "920000",
                   stan: int | None = None) -> Message:
        """A signed 0500 with the batch totals in DE 74-77 / 86-89."""
        keys, key_tags = self.keys()
        message = self.base("0500", stan)
        message.fields.update({3: processing_code, 60: f"{batch:06d}", **totals.to_fields()})
        if key_tags:
            message.fields[63] = encode_additional_data(key_tags)
        assert keys is not None
        return sign_request(message, self.dialect, keys)

    def upload(self, processing_code: str, amount: int, rrn: str, *, voided: bool = False, batch: int = 1,
               stan: int | None = None, tags: dict[str, str] | None = None) -> Message:
        """A signed 0320 describing one transaction of the batch."""
        keys, key_tags = self.keys()
        message = self.base("0320", stan)
        message.fields.update({3: processing_code, 4: f"{amount:012d}", 12: "100000", 13: "0314", 37: rrn,
                               38: "123456", 49: "840", 60: f"{batch:06d}", 62: f"{self.stan:06d}",
                               63: encode_additional_data({"VO": "1" if voided else "0", **(tags or {}),
                                                           **key_tags})})
        assert keys is not None
        return sign_request(message, self.dialect, keys)

    def reversal(self, original: Message, mti: str = "0400", stan: int | None = None) -> Message:
        keys, key_tags = self.keys()
        message = self.base(mti, stan)
        message.fields.update({3: original.fields[3], 4: original.fields[4], 49: "840",
                               90: original_data_elements(original.mti, int(original.fields[11]), NOW)})
        if key_tags:
            message.fields[63] = encode_additional_data(key_tags)
        assert keys is not None
        return sign_request(message, self.dialect, keys)

    def verify(self, decision: HostDecision) -> None:
        """The response MAC verifies under this terminal's keys for the last request."""
        assert decision.response is not None
        keys = self.session if self.scheme == "mksk" else self.keys_for_last()
        assert keys is not None
        verify_response(decision.response, self.dialect, keys)

    def keys_for_last(self) -> MessageKeys:
        self.counter -= 1
        keys, _ = self.keys()
        assert keys is not None
        return keys


def make_host(data: Path, rules: str | None = None, **config: object) -> HostLogic:
    import tomllib

    rule_set = parse_rules(tomllib.loads(rules)) if rules else RuleSet()
    return HostLogic(HostConfig(data_dir=data, **config), rules=rule_set)  # type: ignore[arg-type]


@pytest.fixture
def host(tmp_path: Path) -> Iterator[HostLogic]:
    logic = make_host(tmp_path / "data")
    yield logic
    logic.close()


@pytest.fixture
def terminal(host: HostLogic) -> MiniTerminal:
    """A master/session terminal, signed on."""
    mini = MiniTerminal(host)
    assert mini.sign_on().response_code == "00"
    return mini


def rrn_of(decision: HostDecision) -> str:
    assert decision.response is not None
    value = decision.response.get(37)
    assert isinstance(value, str)
    return value
