"""benchmarks/run.py keeps the 100M rows of an earlier RESULTS.md when a run does not measure 100M."""

from __future__ import annotations

from benchmarks.run import earlier_hundred_million

E2E = "| 12,500,000 | 110,980,223 | 66.4 | 1475.7 | 22.2× | 4228 | not run (memory) | — | — | 13.3 |"
STAGE = "| 12,500,000 | 195.9 s · 1614 MB | 65.8 s · during model | 1049.1 s · 1724 MB |"
OLD = f"""# Benchmark results

Measured 2026-11-23 18:55 UTC on x86_64, 2 cores.

| customers | events |
| 125,000 | 1,109,298 |
{E2E}

| customers | ingest |
| 125,000 | 1.5 s |
{STAGE}
"""


def test_the_100m_rows_and_their_date_are_carried_over() -> None:
    assert earlier_hundred_million(OLD) == (E2E, STAGE, "2026-11-23 18:55 UTC")


def test_rows_carried_once_keep_the_date_they_were_measured() -> None:
    again = OLD.replace("Measured 2026-11-23 18:55", "Measured 2026-12-01 02:00") + (
        "\nThe 12,500,000 rows (≈ 100M events) are carried over from `BENCH_100M=1` (measured 2026-11-23 18:55"
        " UTC), not in this run.\n"
    )
    assert earlier_hundred_million(again) == (E2E, STAGE, "2026-11-23 18:55 UTC")


def test_nothing_to_carry_without_a_100m_run() -> None:
    assert earlier_hundred_million(OLD.replace(E2E, "").replace(STAGE, "")) is None


def test_each_100m_shape_is_carried_with_its_own_date() -> None:
    returning_e2e = (
        "| 2,800,000 ×4 | 99,300,000 | 80.0 | 700.0 | 8.8× | 1900 | not run (memory) | — | — | 7.0 |"
    )
    returning_stage = "| 2,800,000 ×4 | 150.0 s · 1500 MB |"
    text = (
        OLD.replace("| 125,000 | 1,109,298 |", f"{returning_e2e}\n| 125,000 | 1,109,298 |").replace(
            "| 125,000 | 1.5 s |", f"{returning_stage}\n| 125,000 | 1.5 s |"
        )
        + "\nThe 2,800,000 ×4 rows (≈ 100M events) are carried over from `BENCH_100M=1` (measured 2026-12-03 13:50"
        " UTC), not in this run.\n"
    )
    assert earlier_hundred_million(text, "2,800,000 ×4") == (
        returning_e2e,
        returning_stage,
        "2026-12-03 13:50 UTC",
    )
    assert earlier_hundred_million(text) == (E2E, STAGE, "2026-11-23 18:55 UTC")
