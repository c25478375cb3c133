"""The profile registry (pos_terminal.profiles.registry): a dialect's protocol name picks its profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from iso8583.dialects import get_dialect
from iso8583.toml_dialect import resolve_dialect
from pos_terminal.profiles import CupProfile, Possim87Profile
from pos_terminal.profiles.registry import ProfileRegistry, UnknownProfile, default_profiles, profile_for


class ToyProfile(Possim87Profile):
    name = "toy"


def toy_dialect(tmp_path: Path) -> Path:
    path = tmp_path / "toy.toml"
    path.write_text('name = "toy87"\nbase = "terminal87"\nprotocol = "toy"\n', encoding="utf-8")
    return path


def test_the_default_registry_knows_the_built_in_protocols() -> None:
    assert {"possim-87", "cup-pos"} <= set(default_profiles().names())


def test_a_dialect_gets_the_profile_of_the_protocol_it_names() -> None:
    assert isinstance(default_profiles().profile_for(get_dialect("cup-pos")), CupProfile)
    assert isinstance(default_profiles().profile_for(get_dialect("terminal87")), Possim87Profile)


def test_with_profile_returns_a_new_registry_and_leaves_the_old_one_alone() -> None:
    registry = default_profiles()
    extended = registry.with_profile("toy", ToyProfile)
    assert "toy" in extended.names() and "toy" not in registry.names()


def test_an_unknown_protocol_is_a_typed_error_naming_it_and_the_known_ones() -> None:
    with pytest.raises(UnknownProfile, match=r"'toy'.*cup-pos, possim-87") as raised:
        ProfileRegistry().with_profile("possim-87", Possim87Profile).with_profile(
            "cup-pos", CupProfile).profile("toy")
    assert isinstance(raised.value, ValueError) and raised.value.protocol == "toy"


def test_a_toml_dialect_names_the_profile_it_uses(tmp_path: Path) -> None:
    dialect = resolve_dialect(str(toy_dialect(tmp_path)))
    assert isinstance(default_profiles().with_profile("toy", ToyProfile).profile_for(dialect), ToyProfile)
    with pytest.raises(UnknownProfile):
        default_profiles().profile_for(dialect)


def test_profile_for_opens_a_toml_dialect_by_path(tmp_path: Path) -> None:
    path = str(toy_dialect(tmp_path))
    assert isinstance(profile_for(path, default_profiles().with_profile("toy", ToyProfile)), ToyProfile)
