"""The journal's one error type."""

from __future__ import annotations


class JournalError(RuntimeError):
    """The journal cannot do what was asked: unknown row, forbidden state change, unreadable file.

    Messages name the journal file and the row; they never contain card data.
    """
