"""The iso93 host protocol (ISO 8583:1993, docs/protocol.md): :class:`~simulator.host.protocols.iso93.protocol.Iso93Host`."""
