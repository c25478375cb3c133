"""ISO 8583 codec speed: ours against pyiso8583 on the same messages with the same layout.

A typical refund request (0200, processing code 200000, fields 2, 3, 4, 7, 11,
12, 13, 14, 22, 23, 25, 35, 37, 41, 42, 49, 52, 55, 64) and its response
(0210 with 38 and 39) are encoded then decoded in a loop, with our
``iso87ascii`` and with pyiso8583's ``default_ascii`` (byte-compatible specs:
both sides produce the same bytes, checked first). pyiso8583 installs a
package named ``iso8583`` like ours, so it runs in a child interpreter with
its own sys.path and times itself there; start-up is not timed. Both
decode every field eagerly into a dict-like message; the spec is equivalent
(same field layouts: the same bytes both ways, checked first).

Goal: ours/pyiso8583 >= 2.5 in cycles per second (issue 24: 2.63x measured),
medians of interleaved rounds.
A missed goal is printed, not an error; different encodings are (exit 1).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import timeit
from pathlib import Path

from iso8583.codec import decode, encode
from iso8583.dialects import get_dialect
from iso8583.message import Message

ORACLE_DIR = Path(__file__).resolve().parents[1] / ".venv" / "oracles" / "pyiso8583"
ITERATIONS = 2000
REPEATS = 7
TARGET_RATIO = 2.5

ICC_DATA = bytes.fromhex("".join([  # EMV tags of an online refund: cryptogram, CID, IAD, amounts, AID...
    "9F2608 8A1B2C3D4E5F6071", "9F2701 80", "9F1012 0110A00003220000000000000000000000FF", "9F3704 1A2B3C4D",
    "9F3602 0031", "9505 0000000000", "9A03 251125", "9C01 20", "9F0206 000000004250", "5F2A02 0978",
    "8202 3900", "9F1A02 0250", "9F3303 E0F0C8", "9F3403 420300", "9F3501 22", "9F1E08 3132333435363738",
    "8407 A0000000031010",
]).replace(" ", ""))

REQUEST = Message("0200", {
    2: "4761739001010119", 3: "200000", 4: "000000004250", 7: "1125114800", 11: "000123", 12: "114800",
    13: "1125", 14: "2512", 22: "051", 23: "001", 25: "00", 35: "4761739001010119=25122011143804400000",
    37: "532911000123", 41: "TERM0001", 42: "MERCHANT0000001", 49: "978",
    52: bytes.fromhex("8E1F2A3B4C5D6E7F"),
    55: ICC_DATA,
    64: bytes.fromhex("1122334455667788"),
})
RESPONSE = Message("0210", {
    3: "200000", 4: "000000004250", 7: "1125114801", 11: "000123", 12: "114800", 13: "1125",
    37: "532911000123", 38: "A1B2C3", 39: "00", 41: "TERM0001", 42: "MERCHANT0000001", 49: "978",
    64: bytes.fromhex("99AABBCCDDEEFF00"),
})

_CHILD = r"""
import json, sys, timeit
sys.path.insert(0, sys.argv[1])
import iso8583
from iso8583.specs import default_ascii as spec
request = json.load(sys.stdin)
result = {"file": iso8583.__file__, "encoded": {}, "ops": {}}
for name, doc in request["messages"].items():
    result["encoded"][name] = bytes(iso8583.encode(dict(doc), spec)[0]).hex()
    def cycle(doc=doc):
        iso8583.decode(iso8583.encode(doc, spec)[0], spec)
    best = min(timeit.repeat(cycle, number=request["iterations"], repeat=request["repeats"]))
    result["ops"][name] = request["iterations"] / best
json.dump(result, sys.stdout)
"""


def to_pyiso8583(message: Message) -> dict[str, str]:
    """pyiso8583's form of a message for default_ascii: b values as upper-case hex text."""
    doc = {"t": message.mti}
    for number, value in message.fields.items():
        doc[str(number)] = value.hex().upper() if isinstance(value, bytes) else value
    return doc


def ours_ops_per_second(message: Message, repeats: int = REPEATS) -> float:
    """Encode+decode cycles per second of our codec (best of ``repeats`` runs)."""
    dialect = get_dialect("iso87ascii")
    encode(message, dialect)  # compile the dialect outside the timing

    def cycle() -> None:
        decode(encode(message, dialect), dialect)

    return ITERATIONS / min(timeit.repeat(cycle, number=ITERATIONS, repeat=repeats))


def pyiso8583_results(messages: dict[str, Message], repeats: int = REPEATS) -> dict[str, dict[str, object]] | None:
    """pyiso8583's encodings and cycles per second, timed inside its own interpreter; None when absent."""
    if not (ORACLE_DIR / "iso8583" / "__init__.py").is_file():
        return None
    request = {"messages": {name: to_pyiso8583(m) for name, m in messages.items()},
               "iterations": ITERATIONS, "repeats": repeats}
    completed = subprocess.run([sys.executable, "-I", "-c", _CHILD, str(ORACLE_DIR)], input=json.dumps(request),
                               capture_output=True, text=True, cwd=ORACLE_DIR, check=True)
    reply = json.loads(completed.stdout)
    if not Path(reply["file"]).resolve().is_relative_to(ORACLE_DIR.resolve()):
        raise RuntimeError(f"the child imported the wrong iso8583: {reply['file']}")
    return reply


def main() -> int:
    """Print ops/s of both codecs and the ratio with its goal; exit 1 if the two encode differently.

    REPEATS interleaved rounds (pyiso8583's child, then ours, each timing once), medians of each: a busy
    moment of the machine hits both sides."""
    messages = {"refund request 0200": REQUEST, "refund response 0210": RESPONSE}
    rounds: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in messages}
    theirs: dict[str, dict[str, object]] | None = None
    for _ in range(REPEATS):
        theirs = pyiso8583_results(messages, repeats=1)
        for name, message in messages.items():
            rounds[name][0].append(ours_ops_per_second(message, repeats=1))
            if theirs is not None:
                rounds[name][1].append(float(theirs["ops"][name]))  # type: ignore[index]
    if theirs is None:
        print(f"pyiso8583 not installed in {ORACLE_DIR} (make bench installs it): ours only")
    missed = False
    print(f"{'message':<24}{'bytes':>7}{'ours ops/s':>14}{'pyiso8583 ops/s':>18}{'ratio':>8}")
    for name, message in messages.items():
        data = encode(message, get_dialect("iso87ascii"))
        ours = statistics.median(rounds[name][0])
        if theirs is None:
            print(f"{name:<24}{len(data):>7}{ours:>14,.0f}")
            continue
        if theirs["encoded"][name] != data.hex():  # type: ignore[index]
            print(f"{name}: pyiso8583 and possim encode differently; the comparison is void")
            return 1
        their_ops = statistics.median(rounds[name][1])
        ratio = ours / their_ops
        missed = missed or ratio < TARGET_RATIO
        print(f"{name:<24}{len(data):>7}{ours:>14,.0f}{their_ops:>18,.0f}{ratio:>8.2f}  "
              f"(ours {1e6 / ours:.1f} us, pyiso8583 {1e6 / their_ops:.1f} us per encode+decode)")
    if theirs is not None:
        print(f"goal ours/pyiso8583 >= {TARGET_RATIO}: {'MISSED' if missed else 'met'} "
              f"(medians of {REPEATS} interleaved rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
