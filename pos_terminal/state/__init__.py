"""What a terminal is and holds: its configuration, data folder, keys, presented cards and
the records of its transactions (the journal itself is :mod:`pos_terminal.journal`)."""
