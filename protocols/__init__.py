"""The shared protocol layer: what a terminal and an acquirer host agree on, per network.

Both sides import it and it imports neither (``keys`` <- ``iso8583``, ``emv`` <- ``protocols``
<- ``pos_terminal`` and ``simulator``). So the host emulator does not borrow the terminal's code
to understand a message, and a protocol bug shows up as a disagreement between two programs.

* :mod:`protocols.iso87`: ISO 8583:1987 message classes, processing and response codes, the
  date/time fields, DE 90, the MAC field choice and the reconciliation totals (DE 74-89);
* :mod:`protocols.security`: key schemes and message keys, the MAC over DE 64/128, PIN blocks;
* :mod:`protocols.possim87`: possim-87's private fields (DE 63);
* :mod:`protocols.cup`: the UnionPay-style ``cup-pos`` network (DE 48/53/60/61/62, its MAC and
  the sign-on key delivery);
* :mod:`protocols.defaults`: the documented test identities and keys both sides start from;
* :mod:`protocols.money`: amounts in minor units with their ISO 4217 exponents.
"""
