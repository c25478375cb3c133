"""What users read (README, docs/, the shipped test cards) points only to documents they have."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
USER_FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "emv" / "data" / "test_cards.toml"]


@pytest.mark.parametrize("path", USER_FILES, ids=lambda path: str(path.relative_to(REPO)))
def test_no_user_document_refers_to_the_design_notes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "design.md" not in text and "../shared/" not in text


def test_the_readme_says_how_to_quit_the_device() -> None:
    assert "Ctrl+Q quits" in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_readme_says_how_to_try_an_offline_refund_on_the_device() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "`u` makes the host unreachable" in text and "offline_refunds = true" in text
