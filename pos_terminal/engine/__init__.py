"""The transaction engine: one terminal's exchanges with its host, journal first.

:class:`~pos_terminal.engine.terminal.terminal.TerminalEngine` (sale, refund, void, sign-on, settlement) is built
on :class:`~pos_terminal.engine.terminal.core.EngineCore` (the connection, the journaled exchange, the keys) and
the families :mod:`~pos_terminal.engine.terminal.recovery` (what is owed: reversals, repeats, advices),
:mod:`~pos_terminal.engine.terminal.settlement` and :mod:`~pos_terminal.engine.terminal.inquiry`.
"""
