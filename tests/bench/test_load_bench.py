"""``bench --users``: its options, its summary of each level and its report.

The run itself (a server, a cold visit, then N Chromium contexts) takes well over a
minute on a busy 2-core machine, so it is not run here; its figures are in the README.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import bench.load as load
from bench.cli import main
from bench.load import (
    UserTimes,
    build_report,
    format_load_table,
    median_ratio,
    summarise_level,
)
from bench.load_options import DEFAULT_USERS, MAX_USERS, user_levels


@pytest.mark.parametrize("given", ["0", str(MAX_USERS + 1), "ten", "2.5"])
def test_a_user_count_out_of_bounds_is_refused(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--users", given])
    assert exit_info.value.code == 2
    assert "--users" in capsys.readouterr().err


def test_levels_keep_their_order_without_repeats_and_default_to_1_10_30() -> None:
    assert user_levels([10, 1, 10, 30]) == (10, 1, 30)
    assert user_levels([]) == user_levels(None) == DEFAULT_USERS == (1, 10, 30)


def test_a_level_summary_is_the_median_and_max_of_those_who_got_there() -> None:
    times = [UserTimes(3.0, 1.0), UserTimes(5.0, 2.0), UserTimes(4.0, None, "timed out")]
    level = summarise_level(3, times, cpu_s=1.234)
    assert level["map_median_s"] == 4.0 and level["map_max_s"] == 5.0
    assert level["click_median_s"] == 1.5 and level["click_max_s"] == 2.0
    assert level["failed"] == 1 and level["errors"] == ["timed out"]
    assert level["server_cpu_s"] == 1.23
    nobody = summarise_level(1, [UserTimes(None, None, "x")], cpu_s=None)
    assert nobody["map_median_s"] is None and nobody["failed"] == 1


def test_browserless_sessions_are_summarised_apart_and_count_as_failures() -> None:
    browser = [UserTimes(4.0, 1.0), UserTimes(6.0, 1.2)]
    sessions = [UserTimes(0.5, 0.2, None, 0.5), UserTimes(1.5, 0.4, None, 1.5)]
    sessions.append(UserTimes(None, None, "the server did not answer in time"))
    level = summarise_level(10, browser, 3.0, 8.0, sessions)
    assert level["map_median_s"] == 5.0 and level["click_median_s"] == 1.1
    assert level["session_map_median_s"] == 1.0 and level["session_click_max_s"] == 0.4
    assert level["failed"] == 1 and level["errors"] == ["the server did not answer in time"]
    table = format_load_table(build_report([level], cold_s=None, environment={}))
    assert "sessions map s" in table and "the Chromium user" in table


@pytest.mark.parametrize("given", ["0", "11", "x"])
def test_a_round_count_out_of_bounds_is_refused(
    given: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--users", "1", "--users-rounds", given])
    assert exit_info.value.code == 2
    assert "--users-rounds" in capsys.readouterr().err


def _level(users: int, map_s: float, click_s: float) -> dict[str, Any]:
    return summarise_level(users, [UserTimes(map_s, click_s)], cpu_s=2.0)


def test_the_ratio_is_ten_users_over_one_and_the_table_says_it() -> None:
    levels = [_level(1, 4.0, 1.0), _level(10, 7.0, 3.0), _level(30, 20.0, 9.0)]
    assert median_ratio(levels, "map_median_s") == 1.75
    assert median_ratio(levels[:1], "map_median_s") is None  # no 10-user level
    report = build_report(levels, cold_s=12.345, environment={"cpus": 2})
    assert report["map_ratio_10_to_1"] == 1.75 and report["target"]["pass"] is True
    assert report["click_ratio_10_to_1"] == 3.0
    table = format_load_table(report)
    rows = {
        line.split()[0]: line.split() for line in table.splitlines() if line[:5].strip().isdigit()
    }
    assert rows["30"][1:5] == ["20.00", "20.00", "9.00", "9.00"]
    assert "1.75× (target <= 2×) PASS" in table and "12.35 s" in table
    slow = build_report([_level(1, 4.0, 1.0), _level(10, 9.0, 3.0)], cold_s=None, environment={})
    assert slow["target"]["pass"] is False and "MISS" in format_load_table(slow)
    json.dumps(report, allow_nan=False)


def test_bench_users_runs_the_levels_asked_and_prints_the_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[tuple[tuple[int, ...], float, int, bool]] = []

    def fake_run(
        levels: tuple[int, ...], *, timeout_s: float, rounds: int, all_browsers: bool
    ) -> dict[str, Any]:
        asked.append((levels, timeout_s, rounds, all_browsers))
        return build_report([_level(n, 1.0 + n, 0.5) for n in levels], cold_s=3.0, environment={})

    monkeypatch.setattr(load, "run_load_bench", fake_run)
    assert main(["--users", "2", "1", "--users-timeout", "40"]) == 0
    assert asked == [((2, 1), 40.0, 3, False)]
    assert "users at once" in capsys.readouterr().out
    assert main(["--users", "1", "--users-rounds", "2", "--users-all-browsers"]) == 0
    assert asked[-1] == ((1,), 300.0, 2, True)
    capsys.readouterr()
    assert main(["--users", "--json"]) == 0
    assert asked[-1][0] == DEFAULT_USERS
    assert [lv["users"] for lv in json.loads(capsys.readouterr().out)["levels"]] == [1, 10, 30]
