"""``toy``: a third network added from outside possim's packages, through the two registries alone.

Not a standard: a deliberately small protocol on the ``terminal87`` layout (the dialect file
``toy.toml`` says ``protocol = "toy"``) that differs from possim-87 wherever a protocol can differ:
its own MAC (HMAC-SHA-256 truncated to 8 bytes under a key both sides hold, in DE 64), no sign-on, the
original of a refund named by its RRN in DE 37, no voids and no settlement upload. The terminal side is
:class:`~tests.e2e.toy_network.terminal.ToyProfile`, the host side
:class:`~tests.e2e.toy_network.host.ToyHost`; both import only the contract in
:mod:`tests.e2e.toy_network.contract` and possim's public building blocks.
"""

from pathlib import Path

DIALECT_FILE = Path(__file__).with_name("toy.toml")
NAME = "toy"
