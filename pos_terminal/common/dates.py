"""One date format in JSON: ISO 8601 (``2026-12-09``), whatever format the wire carried.

The host's status tags carry dates as ``YYYYMMDD`` (DE 63 CD, PD) and the journal keeps them as
received; every JSON answer (``possim txn ... --json``, status, settlement report) shows them as
ISO 8601 dates, like ``expected_date`` and ``date`` beside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["iso_date", "iso_dates"]


def iso_date(value: object) -> object:
    """``YYYYMMDD`` as ``YYYY-MM-DD``; any other value unchanged (an ISO date, None, a malformed one)."""
    if isinstance(value, str) and len(value) == 8 and value.isascii() and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def iso_dates(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` whose ``*_date`` values are ISO 8601 dates."""
    return {key: iso_date(value) if key.endswith("_date") else value for key, value in data.items()}
