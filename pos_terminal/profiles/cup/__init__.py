"""The terminal side of ``cup-pos``: its profile, the requests it builds and its settlement batch."""
