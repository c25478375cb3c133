"""The measuring instrument of the host benchmarks: a light client with persistent connections.

Each connection is one light simulated terminal (:class:`simulator.load.terminal.LightTerminal`)
sending real 0200 chip sales with PIN block, EMV data and MAC, one after the other (closed
loop), for a fixed time. The same client drives either

* the host emulator (``possim host`` in its own process, knowing LOAD0001...), whose answers
  the terminal checks fully (MTI, STAN, terminal, MAC, ARPC), or
* a bare asyncio echo server (its own process) that returns each frame as it came; the client
  then decodes the echoed request and verifies its MAC, about the work of checking an answer.

So the client's own cost is in both numbers, and host/echo says what the host costs on top of
the transport. Also used by ``python -m benchmarks.profile_host``.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from iso8583.codec import decode
from protocols.security import verify_request
from simulator.load.link import AsyncLink, perform
from simulator.load.plan import LoadPlan
from simulator.load.run import host_config_text
from simulator.load.terminal import LightTerminal, Lost

ROOT = Path(__file__).resolve().parents[1]
WARMUP = 0.5
RESPONSE_TIMEOUT = 10.0
SESSION_PIN_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
SESSION_MAC_KEY = bytes.fromhex("89ABCDEF0123456776543210FEDCBA98")
"""Fixed session keys for the echo runs, where no host delivers any at sign-on."""

ECHO_SERVER = r"""
import asyncio, sys

async def handle(reader, writer):
    try:
        while True:
            prefix = await reader.readexactly(2)
            body = await reader.readexactly(int.from_bytes(prefix, "big"))
            writer.write(prefix + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(f"listening on tcp://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


@dataclass(frozen=True)
class Measurement:
    """Round trips completed in the measuring window, and their latencies."""

    connections: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, cut: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[cut - 1] * 1000


class Server:
    """A server process (the host emulator or the echo server) on 127.0.0.1, stopped on exit."""

    def __init__(self, argv: list[str]) -> None:
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"{argv[:4]} did not start: {line!r}")
        self.url = line.split()[-1]

    @classmethod
    def host(cls, data_dir: Path, terminals: int, *, extra: list[str] | None = None) -> Server:
        """``possim host`` on any free port, knowing LOAD0001 to LOAD<terminals> (``extra``: a wrapper argv)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "host.toml").write_text(host_config_text(LoadPlan(terminals=terminals)), encoding="utf-8")
        return cls([*(extra or [sys.executable]), "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0",
                    "--data", str(data_dir)])

    @classmethod
    def echo(cls) -> Server:
        return cls([sys.executable, "-c", ECHO_SERVER])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


async def _prepare(url: str, connections: int, echo: bool) -> list[tuple[LightTerminal, AsyncLink]]:
    """The terminals and their connections; against the host, signed on (outside the measurement)."""
    pairs = [(LightTerminal(f"LOAD{n:04d}"), AsyncLink(url, response_timeout=RESPONSE_TIMEOUT))
             for n in range(1, connections + 1)]
    if echo:
        for terminal, _ in pairs:
            terminal.keyring.load_session_keys(SESSION_PIN_KEY, SESSION_MAC_KEY)
    else:
        outcomes = await asyncio.gather(*(perform(link, terminal.sign_on()) for terminal, link in pairs))
        refused = [outcome.error for outcome in outcomes if outcome.error]
        if refused:
            raise RuntimeError(f"sign-on failed: {refused[0]}")
    return pairs


async def _connection(terminal: LightTerminal, link: AsyncLink, echo: bool, window: tuple[float, float],
                      latencies: list[float], errors: list[int]) -> None:
    start_at, stop_at = window
    amount = 1000
    while time.perf_counter() < stop_at:
        amount += 1
        operation = terminal.sale(amount)
        outgoing = next(operation)  # the signed 0200, built as the terminal builds it
        started = time.perf_counter()
        incoming = await link.exchange(outgoing)
        ended = time.perf_counter()
        ok = not isinstance(incoming, Lost)
        if echo:
            operation.close()
            terminal.abandon_owed()  # the echo server answers nothing: the next sale is a sale again, not a reversal
            if ok:
                echoed = decode(incoming, terminal.dialect)
                verify_request(echoed, terminal.dialect, terminal.keyring.next_message_keys(terminal.scheme))
        else:
            try:
                outgoing = operation.send(incoming)
                ok = False  # a reversal follows: the sale failed
                while True:
                    outgoing = operation.send(await link.exchange(outgoing))
            except StopIteration as finished:
                ok = ok and finished.value.response_code == "00"
        if start_at <= started and ended <= stop_at:
            latencies.append(ended - started)
            if not ok:
                errors.append(1)


async def measure(url: str, connections: int, seconds: float, *, echo: bool) -> Measurement:
    """``connections`` terminals sending sales back to back for WARMUP + ``seconds``; the window after the warm-up."""
    pairs = await _prepare(url, connections, echo)
    latencies: list[float] = []
    errors: list[int] = []
    now = time.perf_counter()
    window = (now + WARMUP, now + WARMUP + seconds)
    try:
        await asyncio.gather(*(_connection(terminal, link, echo, window, latencies, errors)
                               for terminal, link in pairs))
    finally:
        for _, link in pairs:
            await link.close()
    return Measurement(connections, seconds, latencies, len(errors))
