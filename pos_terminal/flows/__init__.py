"""The terminal's flows, written once, sans I/O: what to send, in which order, and what an answer means.

Each flow is a generator (:data:`~pos_terminal.common.effects.Step`) that yields what it needs from the
world (:mod:`~pos_terminal.common.effects`: the keys of the next request, a connection, one exchange) and is
sent back the answer, or has the typed failure (:class:`~pos_terminal.common.failures.CommunicationFailure`)
thrown into it. What a terminal remembers between exchanges is behind
:class:`~pos_terminal.flows.state.TerminalState`: the journal for the terminal engine
(:mod:`pos_terminal.engine`), memory for the light load terminal (:mod:`simulator.load.terminal`, on
:class:`~pos_terminal.flows.memory.MemoryState`). Both run the
same steps, so the load generator does on the wire exactly what the terminal does (docs/protocol.md:
journal before send, reversals 0400 then 0401 until 00 or 25, repeats of what is never reversed, advices
0220 then 0221).

* :mod:`~pos_terminal.flows.owed`: reversals, repeats and advices, owed until the host answers them.
* :mod:`~pos_terminal.flows.financial`: a sale, refund or void: flush what is owed, journal, send, then
  complete, reverse or repeat.
"""
