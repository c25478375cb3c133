"""Package data of emv: the shipped test cards (test_cards.toml)."""
