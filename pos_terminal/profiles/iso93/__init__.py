"""The terminal side of the iso93 network (ISO 8583:1993, docs/protocol.md): its profile and its message builders."""
