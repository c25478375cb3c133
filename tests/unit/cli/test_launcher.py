"""The console script says in one line when ``iso8583`` is not possim's codec (pyiso8583 shares the name)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _launch(extra_path: Path | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (extra_path, REPO) if p is not None)
    return subprocess.run([sys.executable, "-c", "import sys; from simulator.launcher import main; "
                           "sys.exit(main(['--version']))"], env=env, cwd=extra_path or REPO, capture_output=True,
                          text=True, timeout=60, check=False)


def test_a_foreign_iso8583_package_is_named_in_one_line_with_exit_2(tmp_path: Path) -> None:
    foreign = tmp_path / "iso8583"
    foreign.mkdir()
    (foreign / "__init__.py").write_text("# pyiso8583's package of the same name\n", encoding="utf-8")
    result = _launch(tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "is not possim's codec" in result.stderr and str(foreign) in result.stderr


def test_possims_own_codec_passes_the_check() -> None:
    result = _launch(None)
    assert (result.returncode, result.stdout.startswith("possim ")) == (0, True)
