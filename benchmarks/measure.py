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


def _bench_config(data: Path, work: Path, name: str) -> Path:
    config = (Path(__file__).resolve().parent.parent / "journey.yml").read_text(encoding="utf-8")
    config = config.replace("data/sample/", f"{data}/").replace("data/warehouse.duckdb", str(work / name))
    cfg = work / f"{name}.yml"
    cfg.write_text(config, encoding="utf-8")
    return cfg


def prepare(data: Path, work: Path) -> dict[str, object]:
    """Ingest and model a data set once, for the conformance sides to share (not timed against anything)."""
    from pipeline import db
    from pipeline.config import load_config
    from pipeline.flow import build_marts

    for leftover in work.glob("conform.duckdb*"):
        leftover.unlink()
    config = load_config(_bench_config(data, work, "conform.duckdb"))
    con = db.connect(config)
    start = time.perf_counter()
    build_marts(con, config)
    seconds = time.perf_counter() - start
    cases, events, variants = con.execute(
        "select count(distinct customer_id), count(*), (select count(*) from variants) from journey_events"
    ).fetchone()  # type: ignore[misc]
    con.close()
    return {"seconds": seconds, "cases": cases, "events": events, "variants": variants}


def conform_ours(data: Path, work: Path) -> dict[str, object]:
    """Variants in SQL (rebuilt, timed) + exact alignments per variant, weighted by customers."""
    from pipeline import db
    from pipeline.config import load_config
    from pipeline.conform import run_conformance

    config = load_config(work / "conform.duckdb.yml")
    con = db.connect(config)
    by_name = {m.name: m for m in db.models()}
    start = time.perf_counter()
    for name in ("int_customer_paths", "variants"):
        con.execute(f"create or replace table {name} as {by_name[name].sql}")
    figures = run_conformance(con, config.assumed_journey)
    seconds = time.perf_counter() - start
    con.close()
    assert figures is not None
    return {"seconds": seconds, "fitness": figures["fitness"], "variants": figures["variants"]}


def conform_pm4py(data: Path, work: Path, max_cases: int) -> dict[str, object]:
    """pm4py's alignments on the event log itself (its own variant handling), the same Petri net.

    At most `max_cases` cases (a random sample of whole cases) are aligned; the caller scales the time.
    """
    import duckdb
    import pm4py

    from pipeline.config import load_config
    from pipeline.conform import assumed_model, petri_net

    config = load_config(work / "conform.duckdb.yml")
    con = duckdb.connect(str(work / "conform.duckdb"), read_only=True)
    start = time.perf_counter()
    df = con.execute(
        "select customer_id, touchpoint, occurred_at, event_seq from journey_events"
        " where customer_id in (select customer_id from customers"
        f" using sample reservoir({int(max_cases)} rows) repeatable (7))"
        " order by customer_id, event_seq"
    ).df()
    net, im, fm = petri_net(assumed_model(config.assumed_journey))
    fitness = pm4py.fitness_alignments(
        df,
        net,
        im,
        fm,
        multi_processing=False,
        activity_key="touchpoint",
        timestamp_key="occurred_at",
        case_id_key="customer_id",
    )
    seconds = time.perf_counter() - start
    con.close()
    return {"seconds": seconds, "cases": int(df["customer_id"].nunique()), "fitness": fitness["log_fitness"]}


def personas(data: Path, work: Path) -> dict[str, object]:
    """Personas on a prepared warehouse: features from SQL, projection, choice of k, assignment of everyone."""
    import csv

    from pipeline import db
    from pipeline.config import load_config
    from pipeline.personas import adjusted_rand, run_personas

    config = load_config(work / "conform.duckdb.yml")
    con = db.connect(config)
    start = time.perf_counter()
    model = run_personas(con, config)
    seconds = time.perf_counter() - start
    found = dict(con.execute("select customer_id, persona_id from customer_personas").fetchall())
    con.close()
    with (data / "truth" / "customer_personas.csv").open(encoding="utf-8") as fh:
        hidden = {r["customer_id"]: r["persona"] for r in csv.DictReader(fh)}
    ids = sorted(found)
    ari = adjusted_rand([hidden[c] for c in ids], [found[c] for c in ids])  # type: ignore[arg-type]
    return {"seconds": seconds, "count": model["count"], "ari": ari, "customers": len(ids)}


def main() -> None:
    kind, data, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    if kind == "conform-pm4py":
        result = conform_pm4py(data, work, int(sys.argv[4]))
    else:
        result = {
            "floor": floor,
            "report": report,
            "prepare": prepare,
            "conform-ours": conform_ours,
            "personas": personas,
        }[kind](data, work)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
