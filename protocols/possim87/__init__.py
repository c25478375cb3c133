"""possim-87: possim's own ISO 8583:1987 network (docs/protocol.md); its private fields."""
