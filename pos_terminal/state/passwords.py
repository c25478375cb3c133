"""Supervisor password hashing: PBKDF2-HMAC-SHA256 with a random salt, verified in constant time.

Stored form: ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>`` (the layout
Django and passlib use), so the iteration count travels with the hash and can
be raised later without invalidating stored passwords. Tests pass a small
``iterations`` to stay fast; verification always uses the stored count.

:class:`ConfigError` is defined here, the lowest module that raises it, and
re-exported by :mod:`pos_terminal.state.config`: a malformed stored hash is a
configuration error.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["ALGORITHM", "DEFAULT_ITERATIONS", "ConfigError", "hash_password", "parse_password_hash", "verify_password"]

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 200_000
MAX_ITERATIONS = 10_000_000  # refuses a hand-edited hash that would stall the terminal
_SALT_BYTES = 16
_HASH_BYTES = 32


class ConfigError(ValueError):
    """The terminal configuration is invalid; the message names the file and/or the key, never a secret."""


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS) -> str:
    """Hash ``password`` with a fresh random salt into the stored form ``pbkdf2_sha256$N$salt$hash``."""
    if not isinstance(password, str):
        raise TypeError("password must be a string")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be an int from 1 to {MAX_ITERATIONS}, got {iterations!r}")
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, _HASH_BYTES)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def parse_password_hash(stored: str) -> tuple[int, bytes, bytes]:
    """Split a stored hash into (iterations, salt, hash); :class:`ConfigError` when it is malformed.

    The message describes the problem without repeating the stored value.
    """
    if not isinstance(stored, str):
        raise ConfigError("supervisor password hash must be a string")
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM:
        raise ConfigError(f"supervisor password hash must have the form {ALGORITHM}$<iterations>$<salt hex>$<hash hex>")
    _, iterations_text, salt_hex, hash_hex = parts
    if not (iterations_text.isascii() and iterations_text.isdigit()):
        raise ConfigError("supervisor password hash: iteration count is not a number")
    iterations = int(iterations_text)
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ConfigError(f"supervisor password hash: iteration count must be 1 to {MAX_ITERATIONS}")
    try:
        salt = bytes.fromhex(salt_hex)
        digest = bytes.fromhex(hash_hex)
    except ValueError:
        raise ConfigError("supervisor password hash: salt and hash must be hex") from None
    if not salt or len(digest) < 16:
        raise ConfigError("supervisor password hash: salt is empty or hash shorter than 16 bytes")
    return iterations, salt, digest


def verify_password(stored: str, password: str) -> bool:
    """True when ``password`` matches the stored hash; the comparison takes constant time.

    A malformed ``stored`` raises :class:`ConfigError` (a broken configuration
    must not look like a wrong password).
    """
    iterations, salt, expected = parse_password_hash(stored)
    if not isinstance(password, str):
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, len(expected))
    return hmac.compare_digest(actual, expected)
