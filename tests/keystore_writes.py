"""Count the key store's file rewrites (each an atomic replace with its fsyncs): the tests that a group of
changes costs one rewrite share it."""

from __future__ import annotations

from pathlib import Path

import pytest

import keys.keystore


def count_rewrites(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the key store rewrites from now on, one entry per rewrite (the writes still happen)."""
    written: list[Path] = []
    replace = keys.keystore.replace_atomically

    def counted(path: Path, data: bytes) -> None:
        written.append(path)
        replace(path, data)

    monkeypatch.setattr(keys.keystore, "replace_atomically", counted)
    return written
