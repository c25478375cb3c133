"""Recovery tests: the e2e fixtures (real host, real terminal engine) and the host unit fixtures (MiniTerminal)."""

from __future__ import annotations

import pytest

from protocols.security import KeyScheme
from tests.e2e.conftest import open_terminal, start_host  # noqa: F401  (fixtures)
from tests.unit.host.conftest import host, terminal  # noqa: F401  (fixtures)


@pytest.fixture
def dialect() -> str:
    return "terminal87"


@pytest.fixture(params=[KeyScheme.MKSK, KeyScheme.DUKPT_TDES, KeyScheme.DUKPT_AES], ids=lambda s: s.value)
def scheme(request: pytest.FixtureRequest) -> KeyScheme:
    return request.param
