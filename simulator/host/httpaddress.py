"""Where the host's HTTP console listens, and the token that guards it.

``ADDR:PORT`` (``127.0.0.1:8080``, ``[::1]:0``, ``localhost:8080``; port 0 picks a free port). A
loopback address may run without a token; any other address needs one (``--http-token-file``):
the console steers the host (rules, business date), so it is never open to a network by default.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ConsoleConfigError", "HttpAddress", "MIN_TOKEN_LENGTH", "parse_http_address", "read_token"]

MIN_TOKEN_LENGTH = 16


class ConsoleConfigError(ValueError):
    """A malformed console address or token file; the message names the option, never the token."""


@dataclass(frozen=True)
class HttpAddress:
    """A host and a port to serve the console on."""

    host: str
    port: int

    @property
    def loopback(self) -> bool:
        """True for 127.0.0.0/8, ::1 and ``localhost``."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def url(self, port: int | None = None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port if port is None else port}"


def parse_http_address(text: str, option: str = "--http") -> HttpAddress:
    """``ADDR:PORT`` as an :class:`HttpAddress`; ConsoleConfigError naming ``option`` when malformed."""
    if not isinstance(text, str):
        raise ConsoleConfigError(f"{option}: expected a string ADDR:PORT such as 127.0.0.1:8080")
    host, separator, port = text.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not separator or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConsoleConfigError(f"{option} {text!r}: expected ADDR:PORT such as 127.0.0.1:8080 (port 0..65535)")
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ConsoleConfigError(f"{option} {text!r}: {host!r} is not an IP address (or localhost)") from None
    return HttpAddress(host, int(port))


def read_token(path: Path | str, option: str = "--http-token-file") -> str:
    """The token in ``path`` (surrounding white space removed); ConsoleConfigError naming the option and the
    file when it cannot be read or is shorter than :data:`MIN_TOKEN_LENGTH` (the token itself never shown)."""
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ConsoleConfigError(f"{option} {path}: cannot read it ({type(error).__name__})") from None
    if len(token) < MIN_TOKEN_LENGTH or any(ch.isspace() for ch in token):
        raise ConsoleConfigError(f"{option} {path}: expected one token of at least {MIN_TOKEN_LENGTH} characters "
                                 "without spaces")
    return token
