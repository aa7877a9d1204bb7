"""Seconds and peak memory per SQL model on an existing warehouse: where the `model` and `pain` stages spend.

    python -m benchmarks.profile_models WAREHOUSE [--memory-limit 1GB] [--min-seconds 0.3]

Rebuilds every model of every layer in run order on the given warehouse (use a copy: tables are replaced) with the
same settings as a report run, and prints the slowest first, with their CPU seconds (steadier than wall time on a shared VM).
"""

from __future__ import annotations

import argparse
import resource
import time

import duckdb

from pipeline import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse")
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--min-seconds", type=float, default=0.3)
    args = parser.parse_args()
    con = duckdb.connect(args.warehouse)
    con.execute("set TimeZone = 'UTC'")
    con.execute("set preserve_insertion_order = false")
    con.execute("set memory_limit = ?", [args.memory_limit])
    con.execute(
        "create or replace temp table current_run (run_id varchar, started_at timestamptz, summary json)"
    )
    timings: list[tuple[float, float, str]] = []
    for model in db.models():
        if model.name == "rpt_run_history":  # needs the run being written
            continue
        start, cpu = time.perf_counter(), _cpu_seconds()
        try:
            db.build_one(con, model.name)
        except duckdb.Error as exc:
            print(f"FAILED {model.layer}/{model.name}: {str(exc).splitlines()[0]}")
            raise
        timings.append((time.perf_counter() - start, _cpu_seconds() - cpu, f"{model.layer}/{model.name}"))
    total = sum(t for t, _, _ in timings)
    for seconds, cpu_seconds, name in sorted(timings, reverse=True):
        if seconds >= args.min_seconds:
            print(f"{seconds:7.2f} s  {cpu_seconds:6.2f} CPU-s  {100 * seconds / total:4.1f}%  {name}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_total = sum(c for _, c, _ in timings)
    print(f"{total:7.2f} s  {cpu_total:6.2f} CPU-s  all {len(timings)} models; peak RSS {peak:.0f} MB")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
