"""pyiso8583, our interoperability oracle, run in a subprocess.

pyiso8583 installs a top-level package named ``iso8583``, like ours, so it
never enters the test interpreter: the Makefile installs it with
``pip install --target .venv/oracles/pyiso8583`` and we run a child Python in
isolated mode (``-I``: no PYTHONPATH, no current directory on sys.path) with
that folder first on sys.path. One child handles a whole batch of messages
sent as JSON on stdin, so a test pays the interpreter start-up once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
ORACLE_DIR = REPO_ROOT / ".venv" / "oracles" / "pyiso8583"

_CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import iso8583, iso8583.specs
request = json.load(sys.stdin)
spec = request["spec"] if isinstance(request["spec"], dict) else getattr(iso8583.specs, request["spec"])
answers = []
if request["op"] == "encode":
    for doc in request["items"]:
        try:
            data, _ = iso8583.encode(dict(doc), spec)
            answers.append({"hex": bytes(data).hex()})
        except Exception as error:
            answers.append({"error": f"{type(error).__name__}: {error}"})
else:
    for text in request["items"]:
        try:
            doc, _ = iso8583.decode(bytes.fromhex(text), spec)
            answers.append({"doc": doc})
        except Exception as error:
            answers.append({"error": f"{type(error).__name__}: {error}"})
json.dump({"file": iso8583.__file__, "answers": answers}, sys.stdout)
"""


def require_oracle() -> Path:
    """The oracle folder; under CI its absence fails the test, locally it skips it."""
    if (ORACLE_DIR / "iso8583" / "__init__.py").is_file():
        return ORACLE_DIR
    reason = f"pyiso8583 oracle not installed in {ORACLE_DIR} (run `make test`, which installs it)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def run_oracle(spec: str | dict[str, Any], op: str, items: list[Any]) -> list[dict[str, Any]]:
    """Run pyiso8583 ``op`` ("encode" dicts or "decode" hex strings) with ``spec`` on every item: the name of
    one of pyiso8583's own specs, or a spec of its form given whole (e.g. an ISO 8583:1993 one)."""
    folder = require_oracle()
    completed = subprocess.run(
        [sys.executable, "-I", "-c", _CHILD, str(folder)],
        input=json.dumps({"spec": spec, "op": op, "items": items}),
        capture_output=True, text=True, timeout=120, cwd=folder, check=False,
    )
    if completed.returncode != 0:
        raise AssertionError(f"pyiso8583 child failed: {completed.stderr[-2000:]}")
    reply = json.loads(completed.stdout)
    # Guard against our own package shadowing the oracle.
    assert Path(reply["file"]).resolve().is_relative_to(folder.resolve()), reply["file"]
    return reply["answers"]
