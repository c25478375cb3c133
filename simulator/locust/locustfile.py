"""possim terminals as Locust users: sign-on, sales, matched refunds and voids against an ISO 8583 host.

Each user is one light simulated terminal (:class:`simulator.load.terminal.LightTerminal`: real
MACs, PIN blocks, EMV data, refunds matched by RRN, voids by RRN, reversals when an answer is
lost) on one persistent TCP connection. Every exchange is reported to Locust's statistics:
request type = the operation (``signon``, ``sale``, ``refund``, ``void``, ``reversal``), name =
``MTI/processing code`` (``0200/000000``; ``0800/001`` for a sign-on), response time in ms,
and an exception when the answer was lost, invalid, or not the hoped-for code (00; 00 or 25 for
a reversal).

Run it (docs/load.md, "Locust")::

    locust -f "$(possim load --locustfile)" --headless -u 50 -r 10 -t 60s --host tcp://127.0.0.1:8583

Options (also as environment variables, and sent by a master to its workers):

* ``--possim-key-scheme`` / ``POSSIM_KEY_SCHEME``: ``mksk`` (default), ``dukpt-tdes``, ``dukpt-aes``
* ``--possim-dialect`` / ``POSSIM_DIALECT``: ISO 8583 dialect (default ``terminal87``)
* ``--possim-mix`` / ``POSSIM_MIX``: operation weights (default ``sale=60,refund=30,void=10``); checked at start-up
  (a bad one: exit 2). A user that cannot sign on stops; when none could, the run stops (exit 3).
* ``--possim-timeout`` / ``POSSIM_TIMEOUT``: seconds to wait for each answer (default 10)
* ``--possim-terminals-per-worker`` / ``POSSIM_TERMINALS_PER_WORKER``: terminal IDs reserved for each
  worker (default 100): worker 0 uses LOAD0001..LOAD0100, worker 1 LOAD0101..LOAD0200, and so on.
  The host must know them (``possim load --print-host-config --terminals N``).
"""

from __future__ import annotations

import logging
import sys
from collections import deque

import gevent
from locust import User, constant, events, task
from locust.env import Environment
from locust.exception import StopUser

from iso8583.dialects import dialect_names
from protocols.security import KeyScheme
from simulator.load.plan import MAX_TERMINALS, Mix, MixError, MixTurns, terminal_ids
from simulator.load.runner import AMOUNT_CYCLE, FIRST_AMOUNT, MAX_OPEN_SALES
from simulator.load.synclink import SyncLink, perform
from simulator.load.terminal import LightTerminal, OpOutcome, Result, SaleRef, TimedExchange, unknown_terminal_text

log = logging.getLogger(__name__)

DEFAULT_MIX = "sale=60,refund=30,void=10"
DEFAULT_HOST = "tcp://127.0.0.1:8583"
EXIT_BAD_OPTION = 2
"""Locust's exit status when a possim option is invalid (nothing started), as ``possim load`` on bad input."""
EXIT_NO_SIGN_ON = 3
"""Locust's exit status when no terminal could sign on (the run stopped at once), as ``possim load``."""


class ExchangeError(Exception):
    """An exchange without a usable, hoped-for answer (what Locust counts as a failure)."""


class TerminalNumbers:
    """Terminal numbers of this Locust process: a block per worker, reused when users stop."""

    def __init__(self) -> None:
        self._next = 0
        self._free: list[int] = []

    def take(self, worker: int, block: int) -> int:
        """A free number (from 1) in ``worker``'s block; RuntimeError when the block is used up."""
        if self._free:
            local = self._free.pop()
        else:
            local, self._next = self._next, self._next + 1
        number = worker * block + local + 1
        if local >= block or number > MAX_TERMINALS:
            raise RuntimeError(f"terminal number {number}: more users on worker {worker} than the "
                               f"{block} terminal IDs of its block (--possim-terminals-per-worker), or past "
                               f"LOAD{MAX_TERMINALS}")
        return number

    def give_back(self, worker: int, block: int, number: int) -> None:
        self._free.append(number - 1 - worker * block)


@events.init_command_line_parser.add_listener
def add_possim_options(parser) -> None:  # type: ignore[no-untyped-def]
    """possim's options, shown by ``locust --help`` and settable by environment variable."""
    parser.add_argument("--possim-key-scheme", choices=[scheme.value for scheme in KeyScheme],
                        default=KeyScheme.MKSK.value, env_var="POSSIM_KEY_SCHEME",
                        help="possim: key management of the simulated terminals")
    parser.add_argument("--possim-dialect", choices=dialect_names(), default="terminal87", env_var="POSSIM_DIALECT",
                        help="possim: ISO 8583 dialect spoken with the host")
    parser.add_argument("--possim-mix", default=DEFAULT_MIX, env_var="POSSIM_MIX",
                        help=f"possim: operation weights (default {DEFAULT_MIX})")
    parser.add_argument("--possim-timeout", type=float, default=10.0, env_var="POSSIM_TIMEOUT",
                        help="possim: seconds to wait for each host answer")
    parser.add_argument("--possim-terminals-per-worker", type=int, default=100,
                        env_var="POSSIM_TERMINALS_PER_WORKER",
                        help="possim: terminal IDs reserved for each worker (LOAD0001... for worker 0)")


@events.init.add_listener
def give_numbers(environment: Environment, **_: object) -> None:
    """One terminal number allocator and sign-on count per Locust process; the possim options checked first."""
    check_options(environment)
    environment.possim_numbers = TerminalNumbers()  # type: ignore[attr-defined]
    environment.possim_sign_ons = SignOns()  # type: ignore[attr-defined]


def check_options(environment: Environment) -> None:
    """Refuse to start (exit 2, one line naming the option) on a possim option that could never work: without
    this check every user would stop at its start and Locust would run its whole time with 0 requests."""
    options = environment.parsed_options
    if options is None:
        return
    problems = []
    try:
        Mix.parse(options.possim_mix)
    except MixError as error:
        problems.append(f"--possim-mix {options.possim_mix!r}: {error}")
    if not options.possim_timeout > 0:
        problems.append(f"--possim-timeout {options.possim_timeout}: expected a number of seconds above 0")
    if options.possim_terminals_per_worker < 1:
        problems.append(f"--possim-terminals-per-worker {options.possim_terminals_per_worker}: expected 1 or more")
    if problems:
        sys.stderr.write(f"possim: {problems[0]}\n")
        sys.exit(EXIT_BAD_OPTION)


class SignOns:
    """How the sign-ons of this Locust process went: when every user's failed, the run stops (exit 3)."""

    def __init__(self) -> None:
        self.approved = 0
        self.failed = 0

    def note(self, environment: Environment, outcome: OpOutcome, terminal_id: str) -> bool:
        """Count ``outcome``; True when it signed on. Stops the runner once every user tried and none signed on."""
        if outcome.result is Result.APPROVED:
            self.approved += 1
            return True
        self.failed += 1
        log.error("possim: %s could not sign on: %s", terminal_id, outcome.error or outcome.response_code)
        runner = environment.runner
        if self.approved == 0 and runner is not None and self.failed >= max(1, runner.target_user_count):
            sys.stderr.write(f"possim: no terminal could sign on ({self.failed} tried; {terminal_id}: "
                             f"{outcome.error or outcome.response_code}): the run stops\n")
            environment.process_exit_code = EXIT_NO_SIGN_ON
            gevent.spawn(runner.quit)  # from its own greenlet: quitting stops this user's too
        return False


class PossimTerminal(User):
    """One simulated possim terminal on one persistent connection."""

    host = DEFAULT_HOST
    wait_time = constant(0)

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.mix = Mix.parse(options.possim_mix)  # checked at start-up (check_options)
        self.worker = max(0, getattr(self.environment.runner, "worker_index", 0))
        self.block = options.possim_terminals_per_worker
        self.number = self.environment.possim_numbers.take(self.worker, self.block)  # type: ignore[attr-defined]
        terminal_id = terminal_ids(1, self.number)[0]
        self.terminal = LightTerminal(terminal_id, key_scheme=options.possim_key_scheme,
                                      dialect=options.possim_dialect, listener=self._report)
        self.link = SyncLink(self.host or DEFAULT_HOST, response_timeout=options.possim_timeout,
                             connect_timeout=min(options.possim_timeout, 5.0))
        self.turns = MixTurns(self.mix, offset=self.number)
        self.open_sales: deque[SaleRef] = deque(maxlen=MAX_OPEN_SALES)
        self.index = 0
        signon = perform(self.link, self.terminal.sign_on())
        if signon.unknown_terminal:
            log.error("%s", unknown_terminal_text(terminal_id))
        self.signed_on = self.environment.possim_sign_ons.note(  # type: ignore[attr-defined]
            self.environment, signon, terminal_id)

    def on_stop(self) -> None:
        if hasattr(self, "link"):
            if self.terminal.owed_reversals:
                perform(self.link, self.terminal.settle_reversals())
            self.link.close()
            self.environment.possim_numbers.give_back(  # type: ignore[attr-defined]
                self.worker, self.block, self.number)

    @task
    def operate(self) -> None:
        """The next operation of the mix: a sale, or a refund or void of the oldest open sale."""
        if not self.signed_on:
            raise StopUser()  # no sale (nor its reversal) from a terminal that is not signed on
        choice = self.turns.next(open_sale=bool(self.open_sales))
        if choice != "sale":
            original = self.open_sales.popleft()
            if choice == "refund":
                perform(self.link, self.terminal.refund(original, original.amount // 2))
            else:
                perform(self.link, self.terminal.void(original))
            return
        outcome: OpOutcome = perform(self.link, self.terminal.sale(FIRST_AMOUNT + self.index % AMOUNT_CYCLE))
        self.index += 1
        if outcome.sale is not None:
            self.open_sales.append(outcome.sale)

    def _report(self, record: TimedExchange) -> None:
        """One exchange into Locust's statistics."""
        self.environment.events.request.fire(
            request_type=record.operation, name=record.label, response_time=record.seconds * 1000.0,
            response_length=record.response_length, response=None,
            exception=ExchangeError(f"{record.terminal_id}: {record.error}") if record.error else None,
            context={"terminal_id": record.terminal_id, "response_code": record.response_code},
        )
