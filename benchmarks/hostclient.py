"""The measuring instruments of the host benchmarks: clients with persistent connections.

:func:`measure_frames` (``make bench``, ``python -m benchmarks.profile_host``): PRE-BUILT frames.
Each connection is one light simulated terminal (:class:`simulator.load.terminal.LightTerminal`)
signed on with the host; before the clock starts, its terminal builds all the 0200 chip sales it
will send (PIN block, EMV data with a fresh ARQC, MAC; each with its own STAN). In the timed loop
a connection only writes a frame and reads the answer (closed loop, raw asyncio streams), so the
client costs little per request, and exactly the same frames drive

* the host emulator (``possim host`` in its own process, knowing LOAD0001...): every answer is
  checked after the window (MTI, STAN, response code 00, response MAC), and
* a bare asyncio echo server (its own process) that returns each frame as it came: the floor of
  the transport, the same bytes in and out.

The CPU time of the client (this process) and of the server process (``/proc``) are measured over
the run, per request, so the client's share is known and the host's CPU per request is read off.

:func:`measure` (the older instrument, kept for ``possim load``-like comparisons): each terminal
builds, sends and fully checks its sales inside the timed loop.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from iso8583.codec import decode
from iso8583.errors import Iso8583Error
from keys.errors import MacVerificationError
from protocols.security import verify_request, verify_response
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


@dataclass(frozen=True)
class FrameRun:
    """One run of pre-built frames: the window's latencies, and the CPU each side spent over the whole run."""

    connections: int
    window: float
    """Seconds of the measuring window (after the warm-up, until the first connection ran out of frames or time)."""
    latencies: list[float]
    requests: int
    """Round trips of the whole run (warm-up included): what the CPU times are divided by."""
    client_cpu: float
    server_cpu: float | None
    """CPU seconds of the server process over the run (None where /proc cannot tell)."""
    errors: list[str]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.window if self.window else 0.0

    def percentile_ms(self, cut: int) -> float:
        return Measurement(self.connections, self.window, self.latencies, 0).percentile_ms(cut)

    @property
    def client_us(self) -> float:
        """Client CPU per round trip, microseconds."""
        return 1e6 * self.client_cpu / self.requests if self.requests else float("nan")

    @property
    def server_us(self) -> float | None:
        """Server CPU per round trip, microseconds."""
        return 1e6 * self.server_cpu / self.requests if self.requests and self.server_cpu is not None else None


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` and its threads so far (Linux ``/proc``), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    def host(cls, data_dir: Path, terminals: int, *, extra: list[str] | None = None,
             options: list[str] | None = None) -> Server:
        """``possim host`` on any free port, knowing LOAD0001 to LOAD<terminals> (``extra``: a wrapper argv,
        ``options``: more ``possim host`` options). On asyncio's loop unless ``options`` name one: the host's
        default (``auto``) is uvloop when installed, and the benchmarks' rows say which loop they measure."""
        options = list(options or [])
        if "--event-loop" not in options:
            options = ["--event-loop", "asyncio", *options]
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "host.toml").write_text(host_config_text(LoadPlan(terminals=terminals)), encoding="utf-8")
        return cls([*(extra or [sys.executable]), "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0",
                    "--data", str(data_dir), *options])

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


@dataclass
class Fleet:
    """The signed-on terminals of a run and their pre-built sales (one list of frames per connection)."""

    terminals: list[LightTerminal]
    frames: list[list[bytes]]


async def sign_on(url: str, connections: int) -> list[LightTerminal]:
    """``connections`` light terminals LOAD0001..., signed on with the host at ``url`` (session keys loaded)."""
    pairs = [(LightTerminal(f"LOAD{n:04d}"), AsyncLink(url, response_timeout=RESPONSE_TIMEOUT))
             for n in range(1, connections + 1)]
    try:
        outcomes = await asyncio.gather(*(perform(link, terminal.sign_on()) for terminal, link in pairs))
    finally:
        for _, link in pairs:
            await link.close()
    refused = [outcome.error for outcome in outcomes if outcome.error]
    if refused:
        raise RuntimeError(f"sign-on failed: {refused[0]}")
    return [terminal for terminal, _ in pairs]


def build_frames(terminals: list[LightTerminal], per_connection: int, first_amount: int = 1000) -> Fleet:
    """Each terminal's next ``per_connection`` signed chip sales, as the terminal builds them (new STAN and
    ATC each, MAC under its session key), each framed with its 2-byte length; built now, sent later."""
    frames: list[list[bytes]] = []
    for terminal in terminals:
        mine = []
        for amount in range(first_amount, first_amount + per_connection):
            operation = terminal.sale(amount)
            payload = next(operation).payload
            operation.close()
            terminal.abandon_owed()  # the answer is read by the timed loop, not by this terminal
            mine.append(len(payload).to_bytes(2, "big") + payload)
        frames.append(mine)
    return Fleet(terminals, frames)


async def _send_frames(host: str, port: int, frames: list[bytes], cycle: bool, window: tuple[float, float],
                       times: list[tuple[float, float]], answers: list[bytes] | None, ended: list[float]) -> int:
    """Write each frame and read its answer, back to back, until the frames (or, ``cycle``: the time) run out."""
    reader, writer = await asyncio.open_connection(host, port)
    start_at, stop_at = window
    sent = 0
    clock = time.perf_counter
    try:
        index, count = 0, len(frames)
        while True:
            if index == count:
                if not cycle:
                    break
                index = 0
            started = clock()
            if started >= stop_at:
                break
            writer.write(frames[index])
            prefix = await reader.readexactly(2)
            answer = await reader.readexactly(int.from_bytes(prefix, "big"))
            finished = clock()
            index += 1
            sent += 1
            if answers is not None:
                answers.append(answer)
            if start_at <= started:
                times.append((started, finished))
    finally:
        ended.append(clock())
        writer.close()
    return sent


def _split(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("tcp://").rpartition(":")
    return host, int(port)


async def measure_frames(url: str, fleet: Fleet, seconds: float, *, server_pid: int | None,
                         echo: bool) -> FrameRun:
    """Send ``fleet``'s frames over one connection per terminal (``echo``: cycling them until the time is up;
    else each once, each answer checked afterwards) and measure (see the module docstring)."""
    host, port = _split(url)
    times: list[tuple[float, float]] = []
    answers: list[list[bytes]] = [[] for _ in fleet.frames]
    ended: list[float] = []
    cpu_before, server_before = time.process_time(), process_cpu(server_pid) if server_pid else None
    now = time.perf_counter()
    window = (now + WARMUP, now + WARMUP + seconds)
    counts = await asyncio.gather(*(_send_frames(host, port, frames, echo, window, times,
                                                 None if echo else answers[n], ended)
                                    for n, frames in enumerate(fleet.frames)))
    client_cpu = time.process_time() - cpu_before
    server_after = process_cpu(server_pid) if server_pid else None
    end = min(window[1], min(ended))  # the first connection out of frames: the full load ends there
    latencies = [finished - started for started, finished in times if finished <= end]
    errors = [] if echo else check_answers(fleet, answers)
    return FrameRun(len(fleet.frames), max(0.0, end - window[0]), latencies, sum(counts), client_cpu,
                    None if server_before is None or server_after is None else server_after - server_before, errors)


def check_answers(fleet: Fleet, answers: list[list[bytes]]) -> list[str]:
    """Every answer decoded and checked against its request: 0210, same STAN, response code 00, MAC valid."""
    errors: list[str] = []
    for terminal, frames, received in zip(fleet.terminals, fleet.frames, answers, strict=True):
        keys = terminal.keyring.next_message_keys(terminal.scheme)
        for frame, raw in zip(frames, received, strict=False):
            try:
                request, answer = decode(frame[2:], terminal.dialect), decode(raw, terminal.dialect)
                verify_response(answer, terminal.dialect, keys)
            except (Iso8583Error, MacVerificationError) as error:
                errors.append(f"{terminal.terminal_id}: {error}")
                continue
            if answer.mti != "0210" or answer.get(11) != request.get(11) or answer.get(39) != "00":
                errors.append(f"{terminal.terminal_id} STAN {request.get(11)}: answered {answer.mti} "
                              f"STAN {answer.get(11)} code {answer.get(39)}")
    return errors


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
