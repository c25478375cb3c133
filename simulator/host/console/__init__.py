"""The host you can see and steer: an HTTP API, a live traffic stream, Prometheus metrics and a web console.

``possim host --http 127.0.0.1:8080`` (or ``http = "..."`` in host.toml) serves it beside the ISO 8583
listener, in the same process and event loop (:class:`HostConsole`, docs/host-api.md). Off by default;
loopback unless a token guards it.
"""

from simulator.host.httpaddress import ConsoleConfigError, HttpAddress, parse_http_address, read_token
from simulator.host.console.app import HostConsole

__all__ = ["ConsoleConfigError", "HostConsole", "HttpAddress", "parse_http_address", "read_token"]
