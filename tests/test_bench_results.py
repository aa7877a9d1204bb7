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
