"""The in-process host profile still runs: its sales go through the group committer's own groups (tiny counts)."""

from __future__ import annotations

import pytest

from benchmarks import profile_inprocess


def test_the_profile_prints_host_terminal_and_floor_figures_and_the_stages(capsys: pytest.CaptureFixture[str]) -> None:
    assert profile_inprocess.main(["--terminals", "3", "--rounds", "2", "--stages"]) == 0
    out = capsys.readouterr().out
    assert "6 sales: host logic " in out and "durable journal floor" in out
    assert "message rows in + out (sealed, INSERT)" in out and "the rest (savepoints, pipeline, dispatch)" in out


def test_a_profile_round_commits_every_sale_once(monkeypatch: pytest.MonkeyPatch) -> None:
    groups: list[int] = []
    run_group = profile_inprocess.GroupCommitter.run_group

    def counted(self: profile_inprocess.GroupCommitter, works: list[object]) -> object:
        groups.append(len(works))
        return run_group(self, works)  # type: ignore[arg-type]

    monkeypatch.setattr(profile_inprocess.GroupCommitter, "run_group", counted)
    _, _, sales, _, floor = profile_inprocess.run(3, 2, None)
    assert (sales, groups, floor.sales) == (6, [3, 3], 6)
