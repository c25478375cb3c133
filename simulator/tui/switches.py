"""The "host unreachable" switch: while on, the terminal cannot connect to its host at all.

Next to the cable switch (``p``: the host receives but every answer is lost, so the terminal
reverses), this one (``u``) makes the host unreachable, as a dead line or a host that is down: no
connection is made and nothing is sent, so a refund can complete offline where the terminal allows
it (``offline_refunds = true`` in terminal.toml) and its advice goes out once the switch is off.

It works in the UI layer, against any TCP host: the engine's host URL is pointed at a port of
127.0.0.1 that is bound but never listens (a connection to it is refused at once), and restored
when the switch goes off. The URL's query (framing, TPDU) is kept.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit, urlunsplit

from iso8583.channels import Transport, parse_channel_url
from pos_terminal.engine.terminal import TerminalEngine

__all__ = ["HostSwitch"]


class HostSwitch:
    """Toggle whether ``engine`` can reach its host."""

    def __init__(self, engine: TerminalEngine) -> None:
        self.engine = engine
        self._closed_port: socket.socket | None = None
        self._host_url = ""

    @property
    def on(self) -> bool:
        """True while the host is unreachable."""
        return self._closed_port is not None

    def toggle(self) -> str:
        """Switch on or off; returns "" or, when it cannot be switched on, why (for the status bar)."""
        if self.on:
            self.switch_off()
            return ""
        return self.switch_on()

    def switch_on(self) -> str:
        config = self.engine.config
        if parse_channel_url(config.host_url).transport is not Transport.TCP:
            return "HOST SWITCH: TCP HOSTS ONLY"
        closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        closed.bind(("127.0.0.1", 0))  # bound, never listening: every connection attempt is refused
        parts = urlsplit(config.host_url)
        dead_url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{closed.getsockname()[1]}"))
        self._host_url, self._closed_port = config.host_url, closed
        self.engine.config = config.with_overrides(host_url=dead_url)
        return ""

    def switch_off(self) -> None:
        if self._closed_port is None:
            return
        self.engine.config = self.engine.config.with_overrides(host_url=self._host_url)
        self._closed_port.close()
        self._closed_port = None
