"""Supervisor password hashing: PBKDF2-HMAC-SHA256, stored as pbkdf2_sha256$N$salt$hash."""

from __future__ import annotations

import hashlib

import pytest

from pos_terminal.state.passwords import ConfigError, hash_password, parse_password_hash, verify_password

FAST = 1_000


def test_hash_has_the_documented_format() -> None:
    algorithm, iterations, salt, digest = hash_password("1234", iterations=FAST).split("$")
    assert algorithm == "pbkdf2_sha256"
    assert iterations == str(FAST)
    assert len(bytes.fromhex(salt)) == 16
    assert len(bytes.fromhex(digest)) == 32


def test_hash_is_pbkdf2_hmac_sha256_of_the_utf8_password_under_the_stored_salt() -> None:
    _, _, salt, digest = hash_password("1234", iterations=FAST).split("$")
    assert digest == hashlib.pbkdf2_hmac("sha256", b"1234", bytes.fromhex(salt), FAST, 32).hex()


def test_default_iterations_are_200000() -> None:
    assert hash_password("0000").split("$")[1] == "200000"


def test_same_password_hashes_differently_each_time() -> None:
    assert hash_password("1234", iterations=FAST) != hash_password("1234", iterations=FAST)


def test_hash_does_not_contain_the_password() -> None:
    assert "secret-pass" not in hash_password("secret-pass", iterations=FAST)


def test_verify_accepts_the_right_password() -> None:
    assert verify_password(hash_password("1234", iterations=FAST), "1234")


def test_verify_rejects_a_wrong_password() -> None:
    stored = hash_password("1234", iterations=FAST)
    assert not verify_password(stored, "1235")
    assert not verify_password(stored, "")
    assert not verify_password(stored, "12345")


def test_verify_uses_the_iterations_stored_in_the_hash() -> None:
    salt = bytes(16)
    stored = f"pbkdf2_sha256$7${salt.hex()}${hashlib.pbkdf2_hmac('sha256', b'pw', salt, 7, 32).hex()}"
    assert verify_password(stored, "pw")


def test_verify_handles_non_ascii_passwords() -> None:
    assert verify_password(hash_password("pässwörd", iterations=FAST), "pässwörd")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "1234",
        "sha1$1000$00$00",
        "pbkdf2_sha256$1000$abcd",
        "pbkdf2_sha256$x$00112233445566778899aabbccddeeff$" + "00" * 32,
        "pbkdf2_sha256$0$00112233445566778899aabbccddeeff$" + "00" * 32,
        "pbkdf2_sha256$1000$not-hex$" + "00" * 32,
        "pbkdf2_sha256$1000$$" + "00" * 32,
        "pbkdf2_sha256$1000$00112233445566778899aabbccddeeff$00",
        "pbkdf2_sha256$99999999999$00112233445566778899aabbccddeeff$" + "00" * 32,
    ],
)
def test_verify_raises_config_error_for_a_malformed_stored_hash(stored: str) -> None:
    with pytest.raises(ConfigError):
        verify_password(stored, "1234")


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_parse_returns_iterations_salt_and_hash() -> None:
    iterations, salt, digest = parse_password_hash(hash_password("1234", iterations=FAST))
    assert (iterations, len(salt), len(digest)) == (FAST, 16, 32)


@pytest.mark.parametrize("iterations", [0, -1, True, 1.5])
def test_hash_refuses_a_bad_iteration_count(iterations: object) -> None:
    with pytest.raises(ValueError):
        hash_password("1234", iterations=iterations)  # type: ignore[arg-type]
