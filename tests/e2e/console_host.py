"""A real ``possim host --http`` process for the console's tests, and a small HTTP client for its API.

The host runs as users run it (its own process, the command line, port 0 for both listeners); the
client is the standard library's, as a harness in any language would use plain HTTP.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emv.cards import load_test_cards
from simulator.cli import main

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, headers, the body as text and (when JSON) parsed."""

    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class ConsoleHost:
    """A ``possim host --http`` process: its ISO 8583 URL, its console URL, and every answer seen (for the
    secrets scan)."""

    process: subprocess.Popen[str]
    data: Path
    url: str
    console: str
    token: str | None = None
    answers: list[Answer] = field(default_factory=list)

    @classmethod
    def start(cls, data: Path, *extra: str, http: str = "127.0.0.1:0", token: str | None = None) -> ConsoleHost:
        argv = [sys.executable, "-m", "simulator.cli", "host", "--listen", "tcp://127.0.0.1:0", "--data", str(data),
                "--http", http, *extra]
        if token is not None:
            token_file = data.parent / f"{data.name}-token"
            token_file.write_text(token + "\n")
            argv += ["--http-token-file", str(token_file)]
        process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert process.stdout is not None
        first, second = process.stdout.readline(), process.stdout.readline()
        if not first.startswith("listening on ") or not second.startswith("console on http://"):
            process.kill()
            raise AssertionError(f"host did not start: {first!r} {second!r} {process.stderr.read() if process.stderr else ''}")
        return cls(process, data, first.split()[-1], second.split()[-1].rstrip("/"), token)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None, raw: bytes | None = None,
             headers: dict[str, str] | None = None, base: str | None = None) -> Answer:
        """``METHOD path`` with ``body`` as JSON (or ``raw`` bytes); the token given, else the host's own."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request((base or self.console) + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        bearer = token if token is not None else self.token
        if bearer:
            request.add_header("Authorization", f"Bearer {bearer}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                answer = Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, dict(error.headers), error.read().decode())
        self.answers.append(answer)
        return answer

    def get(self, path: str, **options: Any) -> Answer:
        return self.call("GET", path, **options)

    def post(self, path: str, body: Any = None, **options: Any) -> Answer:
        return self.call("POST", path, body, **options)


def txn(host: ConsoleHost, terminal: Path, *argv: str) -> dict[str, Any]:
    """``possim txn ARGV --json`` against ``host`` (in this process, as the CLI tests do); its JSON answer."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["txn", *argv, "--host", host.url, "--data", str(terminal), "--json"])
    answer = json.loads(out.getvalue())
    assert code == 0, answer
    return answer


def sale(host: ConsoleHost, terminal: Path, amount: str, card: str = "visa_credit", *extra: str) -> dict[str, Any]:
    return txn(host, terminal, "sale", "--card", card, "--amount", amount, "--pin", load_test_cards()[card].pin,
               *extra)


def refund(host: ConsoleHost, terminal: Path, amount: str, invoice: int, card: str = "visa_credit") -> dict[str, Any]:
    return txn(host, terminal, "refund", "--card", card, "--amount", amount, "--invoice", str(invoice),
               "--supervisor-password", "0000", "--reason", "01")
