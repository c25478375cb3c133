"""host.toml bounds every duration when it is read: a value past the bound is bad input naming the key (exit 2).

Unbounded, ``max_original_age_days = 999999999999`` overflowed the date arithmetic of the first refund
and a huge ``idle_timeout`` the event loop's timer, long after the host had started.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.host.config import HostConfigError, load_host_config


def _host_toml(tmp_path: Path, text: str) -> Path:
    (tmp_path / "host.toml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("text", "key"), [
    ("sign_on_window_seconds = 999999999999\n", "sign_on_window_seconds"),
    ("[refund_policy]\nmax_original_age_days = 999999999999\n", "refund_policy.max_original_age_days"),
    ("[limits]\nidle_timeout = 1e300\n", "limits.idle_timeout"),
    ("[limits]\npartial_frame_timeout = 999999999999\n", "limits.partial_frame_timeout"),
])
def test_a_duration_past_its_bound_is_refused_naming_the_key_and_the_file(tmp_path: Path, text: str,
                                                                          key: str) -> None:
    with pytest.raises(HostConfigError, match=rf"host\.toml.*{key}: at most"):
        load_host_config(_host_toml(tmp_path, text))


def test_the_bounds_themselves_are_accepted(tmp_path: Path) -> None:
    config = load_host_config(_host_toml(tmp_path, "sign_on_window_seconds = 604800\n[refund_policy]\n"
                                                   "max_original_age_days = 3660\n[limits]\nidle_timeout = 86400\n"))
    assert (config.sign_on_window_seconds, config.refund_policy.max_original_age_days,
            config.limits.idle_timeout) == (604800, 3660, 86400)
