"""The words every layer of the terminal shares, and nothing else: failures (typed by kind), results,
the effects a sans-I/O flow asks of its driver, the record of a message on the wire, the clock.

A leaf of the terminal: it imports only :mod:`pos_terminal.state` records and the protocol layer, so
the rules, the profiles, the flows and the engine can all use it without importing one another.
"""
