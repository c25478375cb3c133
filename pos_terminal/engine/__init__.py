"""The transaction engine: one terminal's exchanges with its host, journal first.

:class:`~pos_terminal.engine.terminal.TerminalEngine` (sale, refund, void, sign-on, settlement) is built
on :class:`~pos_terminal.engine.core.EngineCore` (the connection, the journaled exchange, the keys, the driver
of the sans-I/O flows of :mod:`pos_terminal.flows` on :class:`~pos_terminal.engine.state.JournalState`) and
the families :mod:`~pos_terminal.engine.recovery` (what is owed: reversals, repeats, advices),
:mod:`~pos_terminal.engine.settlement` and :mod:`~pos_terminal.engine.inquiry`.
"""
