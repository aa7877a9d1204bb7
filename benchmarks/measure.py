"""Run one measured step in this process and print its wall time and peak RSS as JSON.

    python -m benchmarks.measure floor  DATA_DIR WORK_DIR
    python -m benchmarks.measure report DATA_DIR WORK_DIR

Each side runs in a fresh process so that peak memory is its own.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def floor(data: Path, work: Path) -> dict[str, object]:
    """DuckDB loading the same CSVs into a table: the least any pipeline on these files can do."""
    import duckdb

    from pipeline.ingest import read_header

    path = work / "floor.duckdb"
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    start = time.perf_counter()
    for n, file in enumerate([*sorted(data.glob("clickstream_*.csv")), data / "tickets.csv"]):
        header = read_header(file, ",", "utf-8") or []
        con.execute(
            f"create table t{n} as select * from read_csv(?, columns = ?, header = true, auto_detect = false,"
            " delim = ',', quote = '\"', escape = '\"', store_rejects = true)",
            [str(file), dict.fromkeys(header, "VARCHAR")],
        )
    seconds = time.perf_counter() - start
    row = con.execute("select count(*) from t0").fetchone()
    con.close()
    return {"seconds": seconds, "rows": int(row[0]) if row else 0}


def report(data: Path, work: Path) -> dict[str, object]:
    """`journeys report` end to end on a fresh warehouse, with its per-stage seconds."""
    import shutil

    from pipeline.flow import Progress, run_report

    config = (Path(__file__).resolve().parent.parent / "journey.yml").read_text(encoding="utf-8")
    config = config.replace("data/sample/", f"{data}/").replace(
        "data/warehouse.duckdb", str(work / "bench.duckdb")
    )
    cfg = work / "journey.yml"
    cfg.write_text(config, encoding="utf-8")
    for leftover in (work / "bench.duckdb", work / "bench.duckdb.wal", work / "reports"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        elif leftover.exists():
            leftover.unlink()
    progress = Progress(quiet=True)
    start = time.perf_counter()
    run_report(cfg, work / "reports", progress=progress)
    return {"seconds": time.perf_counter() - start, "stage_seconds": progress.seconds}


def main() -> None:
    kind, data, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    result = {"floor": floor, "report": report}[kind](data, work)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
