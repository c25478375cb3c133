"""CPU per signed chip sale of the host logic and of the light terminal, in one process, no sockets:
``python -m benchmarks.profile_inprocess``.

Not part of ``make bench``. ``--terminals`` light terminals (LOAD0001...) sign on with a
:class:`~simulator.host.logic.HostLogic` over a fresh journal; then, round after round, each
terminal builds its next chip sale with PIN (:meth:`LightTerminal.sale`: PIN block, ARQC, MAC), the
host handles the round's requests in commit groups of 64 (one journal transaction each, through the
group committer's own :meth:`~simulator.host.committer.GroupCommitter.run_group` on this thread:
``synchronous=FULL``, one fsync per group), and each terminal takes its
answer (decoded, MAC and ARPC checked). The CPU of the two sides is timed apart
(``time.process_time``), so the host's row is the logic's CPU per sale without the event loop, and
the terminal's is what ``possim load`` spends per sale without its sockets.

Then the durable journal floor (:mod:`benchmarks.journalfloor`): the same sales' rows written again into a
fresh journal with plain ``sqlite3``, same schema, same commit groups, its CPU per sale.

``--key-scheme dukpt-tdes|dukpt-aes``: the terminals under DUKPT instead of master/session keys.
``--stages``: the host logic's CPU per sale by stage (decode, MAC check, PIN and ARQC, journal rows...).
``--profile host|terminal`` runs that side under cProfile and prints the functions with the most
time of their own and the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from benchmarks.journalfloor import FloorRun, replay
from protocols.security import KeyScheme
from simulator.host.committer import GroupCommitter
from simulator.host.config import load_host_config
from simulator.host.logic import HostLogic
from simulator.load.plan import LoadPlan
from simulator.load.run import host_config_text
from simulator.load.terminal import LightTerminal, Operation, OpOutcome

GROUP = 64
TOP = 30


class StageClock:
    """CPU time (``time.process_time``) per stage of the host logic: each stage a callable replaced by a timed
    wrapper for the run. The stages do not nest; what they leave out (savepoints, COMMIT, the pipeline's glue) is
    the total minus their sum."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, attribute: str, stage: str) -> None:
        original = getattr(owner, attribute)
        seconds = self.seconds
        seconds.setdefault(stage, 0.0)
        clock = time.process_time

        def timed(*args: object, **kwargs: object) -> object:
            started = clock()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[stage] += clock() - started

        self._undo.append((owner, attribute, original))
        setattr(owner, attribute, timed)

    def instrument(self, logic: HostLogic) -> None:
        import simulator.host.pipeline as pipeline_module
        import simulator.host.protocols.possim87.financial as financial

        protocol, journal = logic.protocol, logic.journal
        money = protocol.money  # type: ignore[attr-defined]
        for owner, attribute, stage in (
            (pipeline_module, "decode", "request decode (ISO 8583)"),
            (protocol, "identify", "identify: terminal, DE 63, keys"),
            (protocol, "verify", "request MAC check"),
            (protocol, "digest", "request digest (HMAC)"),
            (journal, "stored_response", "stored-response lookup (SELECT)"),
            (financial, "card_checks", "PIN block + ARQC check (DE 52, DE 55)"),
            (financial, "arpc", "ARPC (tag 91)"),
            (money, "record", "transaction row (fingerprint, INSERT)"),
            (journal, "next_rrn", "RRN"),
            (money.ledger, "move", "ledger row"),
            (financial, "response_message", "response built"),
            (protocol, "sign", "response encode + MAC"),
            (protocol, "store", "stored response (INSERT)"),
            (logic.pipeline, "_journal_exchange", "message rows in + out (sealed, INSERT)"),
            (journal, "_commit", "COMMIT (one per group, CPU)"),
        ):
            self.wrap(owner, attribute, stage)

    def restore(self) -> None:
        for owner, attribute, original in reversed(self._undo):
            setattr(owner, attribute, original)


def _finish(operation: Operation, answer: bytes) -> OpOutcome:
    try:
        operation.send(answer)
    except StopIteration as finished:
        return finished.value
    raise RuntimeError("a sale sent a second request")


def run(terminals: int, rounds: int, profile: str | None, stages: StageClock | None = None,
        key_scheme: KeyScheme = KeyScheme.MKSK) -> tuple[float, float, int, cProfile.Profile | None, FloorRun]:
    """(host CPU seconds, terminal CPU seconds, sales, the profile of the side asked for, the journal floor)."""
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU time: a commit's fsync wait is not work
    with tempfile.TemporaryDirectory(prefix="possim-profile-inprocess-") as folder:
        data = Path(folder) / "host"
        data.mkdir()
        (data / "host.toml").write_text(host_config_text(LoadPlan(terminals=terminals)), encoding="utf-8")
        logic = HostLogic(load_host_config(data))
        try:
            fleet = [LightTerminal(f"LOAD{n:04d}", key_scheme=key_scheme) for n in range(1, terminals + 1)]
            for terminal in fleet:
                operation = terminal.sign_on()
                outgoing = next(operation)
                with logic.journal.atomic():
                    decision = logic.handle_bytes(outgoing.payload, now=datetime.now(UTC), peer="profile")
                assert decision.response_bytes is not None
                outcome = _finish(operation, decision.response_bytes)
                if outcome.error:
                    raise RuntimeError(outcome.error)
            committer = GroupCommitter(logic)  # its groups, on this thread (no event loop)
            host_cpu = terminal_cpu = 0.0
            sales = 0
            if stages is not None:
                stages.instrument(logic)
            for round_number in range(rounds):
                clock = time.process_time()
                if profile == "terminal":
                    profiler.enable()  # type: ignore[union-attr]
                operations = [terminal.sale(1000 + round_number) for terminal in fleet]
                payloads = [next(operation).payload for operation in operations]
                if profile == "terminal":
                    profiler.disable()  # type: ignore[union-attr]
                terminal_cpu += time.process_time() - clock
                clock = time.process_time()
                if profile == "host":
                    profiler.enable()  # type: ignore[union-attr]
                answers: list[bytes] = []
                now = datetime.now(UTC)
                for start in range(0, len(payloads), GROUP):
                    works = [(partial(logic.handle_bytes, payload, now=now, peer="profile"), None)
                             for payload in payloads[start:start + GROUP]]
                    for decision, error in committer.run_group(works):
                        if error is not None:
                            raise error
                        assert decision.response_bytes is not None
                        answers.append(decision.response_bytes)
                if profile == "host":
                    profiler.disable()  # type: ignore[union-attr]
                host_cpu += time.process_time() - clock
                clock = time.process_time()
                if profile == "terminal":
                    profiler.enable()  # type: ignore[union-attr]
                outcomes = [_finish(operation, answer) for operation, answer in zip(operations, answers, strict=True)]
                if profile == "terminal":
                    profiler.disable()  # type: ignore[union-attr]
                terminal_cpu += time.process_time() - clock
                failed = [outcome.error for outcome in outcomes if outcome.error]
                if failed:
                    raise RuntimeError(f"a sale was not approved: {failed[0]}")
                sales += len(outcomes)
        finally:
            if stages is not None:
                stages.restore()
            logic.close()
        floor = replay(logic.journal.path, Path(folder) / "floor.sqlite3")
    return host_cpu, terminal_cpu, sales, profiler, floor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_inprocess", description=__doc__.split("\n")[0])
    parser.add_argument("--terminals", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--profile", choices=("host", "terminal"))
    parser.add_argument("--repeat", type=int, default=1, help="runs (medians printed)")
    parser.add_argument("--save", type=Path, help="write the profile there (pstats)")
    parser.add_argument("--key-scheme", type=KeyScheme, choices=list(KeyScheme), default=KeyScheme.MKSK,
                        help="the terminals' keys: master/session (default) or DUKPT (TDES, AES)")
    parser.add_argument("--stages", action="store_true",
                        help="time the host logic's stages (CPU per sale each; the timers add tens of us per sale, "
                             "mostly in 'the rest': read the total from a run without --stages)")
    args = parser.parse_args(argv)
    host_us: list[float] = []
    terminal_us: list[float] = []
    floor_us: list[float] = []
    stage_us: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        stages = StageClock() if args.stages else None
        host_cpu, terminal_cpu, sales, profiler, floor = run(args.terminals, args.rounds, args.profile, stages,
                                                             args.key_scheme)
        if stages is not None:
            for stage, seconds in stages.seconds.items():
                stage_us.setdefault(stage, []).append(1e6 * seconds / sales)
            stage_us.setdefault("the rest (savepoints, pipeline, dispatch)", []).append(
                1e6 * (host_cpu - sum(stages.seconds.values())) / sales)
        host_us.append(1e6 * host_cpu / sales)
        terminal_us.append(1e6 * terminal_cpu / sales)
        floor_us.append(floor.us_per_sale)
        print(f"{sales} sales: host logic {host_us[-1]:.0f} us CPU per sale, light terminal {terminal_us[-1]:.0f} us "
              f"({1e6 / terminal_us[-1]:,.0f} sales per terminal CPU-second); durable journal floor (the same rows, "
              f"plain sqlite3) {floor_us[-1]:.0f} us")
    if args.repeat > 1:
        host_us.sort()
        terminal_us.sort()
        floor_us.sort()
        print(f"median: host {host_us[len(host_us) // 2]:.0f} us, terminal {terminal_us[len(terminal_us) // 2]:.0f} us, "
              f"journal floor {floor_us[len(floor_us) // 2]:.0f} us")
    if stage_us:
        print("host logic by stage, CPU per sale (median of the runs):")
        for stage, values in stage_us.items():
            print(f"  {sorted(values)[len(values) // 2]:6.1f} us  {stage}")
    if profiler is not None and args.save:
        profiler.dump_stats(str(args.save))
    if profiler is not None:
        for order in ("tottime", "cumulative"):
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(TOP)
            print(f"-- {args.profile}, by {order}")
            print(text.getvalue().split("\n", 6)[-1].rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
