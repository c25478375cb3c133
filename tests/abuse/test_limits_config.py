"""``[limits]`` in host.toml: documented defaults, validated values, errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.host.config import HostConfigError, load_host_config
from tests.cli_runner import run_possim


def write_config(data: Path, text: str) -> Path:
    data.mkdir(exist_ok=True)
    (data / "host.toml").write_text(text, encoding="utf-8")
    return data


def test_without_a_limits_table_the_documented_defaults_apply(tmp_path: Path) -> None:
    limits = load_host_config(tmp_path).limits
    assert (limits.max_connections, limits.idle_timeout, limits.partial_frame_timeout,
            limits.max_frames_per_second, limits.max_bytes_in_flight) == (256, 120, 15, 50, 65536)


def test_each_limit_is_read_from_the_limits_table(tmp_path: Path) -> None:
    data = write_config(tmp_path / "data", "[limits]\nmax_connections = 10\nidle_timeout = 2.5\n"
                        "partial_frame_timeout = 1\nmax_frames_per_second = 5\nmax_bytes_in_flight = 4096\n")
    limits = load_host_config(data).limits
    assert (limits.max_connections, limits.idle_timeout, limits.partial_frame_timeout,
            limits.max_frames_per_second, limits.max_bytes_in_flight) == (10, 2.5, 1, 5, 4096)


def test_zero_turns_a_limit_off(tmp_path: Path) -> None:
    data = write_config(tmp_path / "data", "[limits]\nidle_timeout = 0\nmax_connections = 0\n")
    limits = load_host_config(data).limits
    assert (limits.idle_timeout, limits.max_connections) == (0, 0)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("idle_timout = 5", "limits.idle_timout: unknown limit"),
        ("idle_timeout = -1", "limits.idle_timeout: expected a number of seconds >= 0"),
        ('max_connections = "many"', "limits.max_connections: expected a whole number >= 0"),
        ("max_connections = 2.5", "limits.max_connections: expected a whole number >= 0"),
        ("max_bytes_in_flight = 100", "limits.max_bytes_in_flight: expected 0 or at least 1024"),
        ("max_frames_per_second = true", "limits.max_frames_per_second: expected a number"),
    ],
)
def test_a_bad_limit_is_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    data = write_config(tmp_path / "data", f"[limits]\n{text}\n")
    with pytest.raises(HostConfigError, match=key):
        load_host_config(data)


def test_possim_host_with_a_bad_limit_exits_2_with_one_line(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = write_config(tmp_path / "data", "[limits]\npartial_frame_timeout = -3\n")
    done = run_possim(capsys, "host", "--data", str(data), "--listen", "tcp://127.0.0.1:0")
    assert done.returncode == 2
    assert done.stdout == ""
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and "limits.partial_frame_timeout" in err[0]
