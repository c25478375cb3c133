"""The terminal's own rules, checked before anything is journaled or sent: refund and void
policy, the supervisor's review with its lockout, password hashing."""
