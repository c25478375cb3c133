"""The terminal side of possim-87 (docs/protocol.md): its profile and its message builders."""
