"""The figures of issue 14's closing note: each transport attack against a real ``possim host``.

Not a test (pytest does not collect it) and slow (20 to 60 s per attack): it starts
``possim host`` on 127.0.0.1 in a temporary data folder, runs one attack with raw sockets (or a
pseudo-terminal for ``serial``) and prints one JSON object: what a well-behaved terminal's echo
test took during the attack, and the host's memory (VmRSS), open file descriptors, journal rows
and log lines before and after. Run it on two checkouts to compare::

    python tests/abuse/attack_figures.py zero            # 40 KB of zero-length frames on one connection
    python tests/abuse/attack_figures.py echo            # 3000 pipelined echo tests on one connection
    python tests/abuse/attack_figures.py slowloris       # 1000 connections, one byte each
    python tests/abuse/attack_figures.py partial64k      # 1500 connections, 64 KB partial frames
    python tests/abuse/attack_figures.py partial34k      # 1500 connections, 34 KB partial frames (under the limit)
    python tests/abuse/attack_figures.py fdlimit         # 1100 idle connections, host at ulimit -n 1024
    python tests/abuse/attack_figures.py serial          # STX + length 9999, then a byte every 0.5 s

Timings depend on the machine; compare runs made on the same one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import tty
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iso8583 import Message, encode, get_dialect
from iso8583.channels import ChannelError, LinkPolicy, open_fd_channel
from protocols.defaults import MERCHANT_ID, TERMINAL_ID
from protocols.iso87 import transmission_datetime

POSSIM = Path(sys.executable).parent / "possim"
DIALECT = get_dialect("terminal87")
Figures = dict[str, Any]


def echo_request(stan: int) -> bytes:
    message = Message("0800", {7: transmission_datetime(datetime.now(UTC)), 11: f"{stan % 1_000_000:06d}",
                               41: TERMINAL_ID, 42: MERCHANT_ID, 70: "301"})
    return encode(message, DIALECT)


def len2(payload: bytes) -> bytes:
    return len(payload).to_bytes(2, "big") + payload


class Host:
    """``possim host`` on 127.0.0.1 (port 0) in ``data``, optionally with a lower ``ulimit -n``."""

    def __init__(self, data: Path, nofile: int | None = None) -> None:
        data.mkdir(parents=True, exist_ok=True)
        self.data = data

        def lower_fd_limit() -> None:
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(
            [str(POSSIM), "host", "--listen", "tcp://127.0.0.1:0", "--data", str(data)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=lower_fd_limit, text=True,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        line = self.proc.stdout.readline()
        assert line.startswith("listening on "), line
        self.port = int(line.rsplit(":", 1)[1])
        self.log: list[str] = []
        self._reader = threading.Thread(target=lambda: self.log.extend(self.proc.stderr), daemon=True)  # type: ignore[arg-type]
        self._reader.start()

    def snapshot(self) -> Figures:
        status = Path(f"/proc/{self.proc.pid}/status").read_text().splitlines()
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        return {"rss_kb": rss, "fds": len(os.listdir(f"/proc/{self.proc.pid}/fd")),
                "journal_rows": self.journal_rows(), "log_lines": len(self.log),
                "tracebacks": sum("Traceback" in line for line in self.log)}

    def journal_rows(self) -> int:
        path = self.data / "host-journal.sqlite3"
        if not path.exists():
            return 0
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return int(db.execute("SELECT COUNT(*) FROM messages").fetchone()[0])
        finally:
            db.close()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(180)  # a host busy with a flood answers SIGTERM only when it is through
        self._reader.join(2)


async def good_echo(port: int, stan: int, timeout: float = 60.0) -> float | None:
    """Seconds for one echo test of a well-behaved terminal on a new connection (None: no answer)."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(len2(echo_request(stan)))
            head = await reader.readexactly(2)
            await reader.readexactly(int.from_bytes(head, "big"))
            writer.close()
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return None
    return round(time.perf_counter() - start, 4)


def connect_many(port: int, count: int, first: bytes) -> list[socket.socket]:
    """``count`` connections, each sending ``first`` (as much as the kernel takes at once)."""
    opened = []
    for _ in range(count):
        sock = socket.socket()
        sock.settimeout(2)
        try:
            sock.connect(("127.0.0.1", port))
            sock.setblocking(False)
            if first:
                with contextlib.suppress(BlockingIOError):
                    sock.send(first)
        except OSError:
            sock.close()
            continue
        opened.append(sock)
    return opened


def still_open(socks: list[socket.socket]) -> int:
    """How many of ``socks`` the host has not closed."""
    alive = 0
    for sock in socks:
        try:
            alive += bool(sock.recv(1))
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    return alive


async def pipelined(host: Host, data: bytes) -> Figures:
    before = host.snapshot()
    reader, writer = await asyncio.open_connection("127.0.0.1", host.port)
    writer.write(data)
    await asyncio.sleep(0.05)
    during = await good_echo(host.port, 2)
    await asyncio.sleep(3)
    after = host.snapshot()
    try:
        async with asyncio.timeout(0.5):
            attacker_open = bool(await reader.read(1))
    except TimeoutError:
        attacker_open = True
    except OSError:
        attacker_open = False
    writer.close()
    return {"echo_during_attack_s": during, "before": before, "after_3s": after, "attacker_still_open": attacker_open,
            "journal_rows_added": after["journal_rows"] - before["journal_rows"],
            "log_lines_added": after["log_lines"] - before["log_lines"]}


async def zero(host: Host) -> Figures:
    return await pipelined(host, b"\x00\x00" * 20_000)


async def echo(host: Host) -> Figures:
    return await pipelined(host, b"".join(len2(echo_request(stan)) for stan in range(100, 3100)))


async def many(host: Host, count: int, first: bytes, wait: float) -> Figures:
    before = host.snapshot()
    socks = connect_many(host.port, count, first)
    await asyncio.sleep(2)
    loaded = host.snapshot()
    during = await good_echo(host.port, 2, timeout=10)
    await asyncio.sleep(wait)
    later = host.snapshot()
    later_echo = await good_echo(host.port, 3, timeout=10)
    alive = still_open(socks)
    for sock in socks:
        sock.close()
    await asyncio.sleep(2)
    return {"connections": len(socks), "before": before, "after_2s": loaded, f"after_{wait:g}s": later,
            "after_clients_left": host.snapshot(), "echo_during_attack_s": during,
            f"echo_after_{wait:g}s": later_echo, f"attack_connections_open_after_{wait:g}s": alive,
            "rss_growth_kb": loaded["rss_kb"] - before["rss_kb"]}


async def slowloris(host: Host) -> Figures:
    return await many(host, 1000, b"\x00", 20)


async def partial64k(host: Host) -> Figures:
    return await many(host, 1500, (65535).to_bytes(2, "big") + b"A" * 65000, 20)


async def partial34k(host: Host) -> Figures:
    return await many(host, 1500, (35000).to_bytes(2, "big") + b"A" * 34000, 20)


async def fdlimit(host: Host) -> Figures:
    return await many(host, 1100, b"", 10)


async def serial(duration: float = 40.0) -> Figures:
    """On the host's serial line a peer sends STX, length 9999, then a byte every 0.5 s; the terminal
    on the same line tries an echo test again and again: when is one answered?"""
    master, slave = os.openpty()
    tty.setraw(slave)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([str(POSSIM), "host", "--listen", f"serial://{os.ttyname(slave)}", "--data", tmp],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        proc.stdout.readline()
        await asyncio.sleep(1.0)
        start = time.perf_counter()
        os.write(master, b"\x02\x99\x99")

        async def trickle() -> None:
            while True:
                os.write(master, b"A")
                await asyncio.sleep(0.5)

        trickler = asyncio.create_task(trickle())
        policy = LinkPolicy(ack_timeout=1.0, max_retries=1, frame_timeout=1.0)
        answered, tries = None, 0
        while answered is None and time.perf_counter() - start < duration:
            tries += 1
            channel = await open_fd_channel(master, close_fd=False, link_policy=policy)
            try:
                await channel.send(echo_request(tries))
                await channel.receive(3.0)
                answered = round(time.perf_counter() - start, 2)
            except ChannelError:
                pass
            finally:
                await channel.close()
        trickler.cancel()
        proc.terminate()
        _, log = proc.communicate(timeout=30)
    os.close(master)
    os.close(slave)
    return {"first_echo_answered_after_s": answered, "terminal_tries": tries, "observed_s": duration,
            "host_log_lines": len(log.splitlines())}


ATTACKS: dict[str, Callable[[Host], Awaitable[Figures]]] = {
    "zero": zero, "echo": echo, "slowloris": slowloris, "partial64k": partial64k, "partial34k": partial34k,
    "fdlimit": fdlimit,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("attack", choices=[*ATTACKS, "serial"])
    args = parser.parse_args()
    if args.attack == "serial":
        figures = asyncio.run(serial())
    else:
        with tempfile.TemporaryDirectory() as tmp:
            host = Host(Path(tmp) / "host", nofile=1024 if args.attack == "fdlimit" else None)
            try:
                figures = asyncio.run(ATTACKS[args.attack](host))
            finally:
                host.stop()
            figures["first_log_lines"] = host.log[:4]
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
