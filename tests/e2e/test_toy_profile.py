"""A protocol added from outside through the profile registry alone: a TOML dialect names it, the engine runs it.

The toy protocol speaks possim-87's messages on the ``terminal87`` layout under another protocol name, so the
real host answers it; what is tested is the seam: the engine finds the profile by the dialect's protocol in
the registry it was opened with, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emv.cards import EntryMode
from pos_terminal.engine.terminal import RefundRequest, TerminalEngine
from pos_terminal.profiles import Possim87Profile, UnknownProfile, default_profiles
from pos_terminal.state.cards import present_test_card
from pos_terminal.state.config import load_config
from tests.e2e.conftest import SUPERVISOR, Host


class ToyProfile(Possim87Profile):
    """A third protocol, as an outside package would register it."""

    name = "toy"

    def __init__(self) -> None:
        self.approvals: list[str] = []

    def is_approved(self, response_code: str) -> bool:
        self.approvals.append(response_code)
        return super().is_approved(response_code)


def toy_dialect(folder: Path) -> Path:
    path = folder / "toy87.toml"
    path.write_text('name = "toy87"\nbase = "terminal87"\nprotocol = "toy"\n', encoding="utf-8")
    return path


def open_toy(host: Host, folder: Path, **kwargs: Any) -> TerminalEngine:
    data_dir = folder / "terminal"
    config = load_config(data_dir, password_iterations=1000).with_overrides(
        host_url=host.url, dialect=str(toy_dialect(folder)), response_timeout=1.0, connect_timeout=1.0)
    return TerminalEngine.open(data_dir, config, **kwargs)


@pytest.mark.parametrize("dialect", ["terminal87"])
async def test_a_toy_protocol_registered_from_outside_runs_a_sale_and_a_matched_refund(
    start_host: Callable[..., Any], tmp_path: Path,
) -> None:
    host = await start_host()
    terminal = open_toy(host, tmp_path, profiles=default_profiles().with_profile("toy", ToyProfile))
    try:
        assert isinstance(terminal.profile, ToyProfile)
        card = present_test_card("visa_credit", EntryMode.CHIP)
        sale = await terminal.sale(card, 2500, pin="1234")
        refund = await terminal.refund(RefundRequest(card=card, amount=1000, supervisor_password=SUPERVISOR,
                                                     original_rrn=sale.rrn, reason="01"))
    finally:
        await terminal.disconnect()
        terminal.close()
    assert sale.approved and refund.approved and refund.original is not None
    assert terminal.profile.approvals[-2:] == ["00", "00"]


@pytest.mark.parametrize("dialect", ["terminal87"])
async def test_a_dialect_whose_protocol_no_profile_speaks_is_refused_naming_it(
    start_host: Callable[..., Any], tmp_path: Path,
) -> None:
    host = await start_host()
    with pytest.raises(UnknownProfile, match="'toy'"):
        open_toy(host, tmp_path)
