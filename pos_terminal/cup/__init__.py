"""The terminal's side of ``cup-pos``: the requests it builds and its settlement batch.

What both ends agree on (DE 60/61/62/48, the transaction table, the MAC, the defaults) is the
shared protocol layer :mod:`protocols.cup`; this package only builds the terminal's messages
(:mod:`pos_terminal.cup.requests`) and its batch totals and upload plan (:mod:`pos_terminal.cup.batch`).
"""
