"""Master/session sign-on that only the key holder can complete (docs/protocol.md, Security).

A sign-on (0800, DE 70 = 001 or 101, no DUKPT KSN) makes the host issue new session keys for the
terminal, which invalidates the keys the terminal holds. So the host issues them only when:

* the request's MAC (DE 64) verifies under the sign-on key (the TMK's MAC variant,
  :func:`protocols.security.sign_on_keys`): only the holder of the terminal master key can ask;
* its DE 7 is within ``sign_on_window_seconds`` of the host's clock (an old sign-on replayed later
  is refused);
* it is newer (DE 7, then STAN) than the sign-on that got the current keys; the very same sign-on
  again (a retransmission, or a replay within the window) gets the same keys again, never new ones.

Anything else is 63 (security violation) and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from iso8583 import Message
from keys.errors import MacVerificationError
from protocols.iso87 import mac_field
from protocols.security import sign_on_keys, verify_request_received
from simulator.host.config import TerminalEntry
from simulator.host.exchange import field_text
from simulator.host.journal import HostJournal

__all__ = ["SignOnVerdict", "check_sign_on"]


@dataclass(frozen=True)
class SignOnVerdict:
    """``issue`` new keys, ``repeat`` the current ones, or refuse with ``reason``."""

    issue: bool = False
    repeat: bool = False
    reason: str | None = None


def _moment(de7: str | None, now: datetime) -> datetime | None:
    """DE 7 (MMDDhhmmss, UTC, no year) as the moment closest to ``now``."""
    if de7 is None or len(de7) != 10 or not de7.isdigit():
        return None
    candidates = []
    for year in (now.year - 1, now.year, now.year + 1):
        try:
            candidates.append(datetime.strptime(f"{year}{de7}", "%Y%m%d%H%M%S").replace(tzinfo=UTC))
        except ValueError:  # 29 February of a year that has none
            continue
    return min(candidates, key=lambda moment: abs(moment - now), default=None)


def check_sign_on(request: Message, frame: bytes | None, dialect, profile: TerminalEntry,  # type: ignore[no-untyped-def]
                  journal: HostJournal, now: datetime, window_seconds: int) -> SignOnVerdict:
    """Decide on one master/session sign-on (see the module docstring)."""
    if profile.tmk is None:
        return SignOnVerdict(reason="the terminal has no terminal master key (tmk) in host.toml: no master/session "
                                    "keys for it")
    keys = sign_on_keys(profile.tmk)
    if mac_field(request) not in request.fields:
        return SignOnVerdict(reason="sign-on without a MAC (only the TMK's holder may sign on)")
    try:
        verify_request_received(request, frame, dialect, keys)
    except MacVerificationError:
        return SignOnVerdict(reason="sign-on MAC does not verify under the terminal master key")
    stan, de7 = field_text(request, 11), field_text(request, 7)
    moment = _moment(de7, now)
    if moment is None:
        return SignOnVerdict(reason="sign-on without a usable DE 7")
    last = journal.last_session(profile.terminal_id)
    if last is not None and last["request_stan"] == stan and last["request_time"] == de7:
        return SignOnVerdict(repeat=True)
    if window_seconds and abs(moment - now) > timedelta(seconds=window_seconds):
        return SignOnVerdict(reason=f"sign-on DE 7 is {abs(moment - now).total_seconds():.0f} s from the host's "
                                    f"clock (window {window_seconds} s): a replay, or the terminal's clock is wrong")
    if last is not None and last["request_time"] and last["request_stan"]:
        previous = _moment(last["request_time"], now)
        if previous is not None and (moment, int(stan or 0)) <= (previous, int(last["request_stan"])):
            return SignOnVerdict(reason="sign-on older than the one that got the current keys: a replay")
    return SignOnVerdict(issue=True)
