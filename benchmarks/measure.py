"""Run one measured step in this process and print its wall time and peak RSS as JSON.

    python -m benchmarks.measure floor  DATA_DIR WORK_DIR
    python -m benchmarks.measure report DATA_DIR WORK_DIR

Each side runs in a fresh process so that peak memory is its own.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


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
    with stage_memory(progress) as peaks:
        run_report(cfg, work / "reports", progress=progress)
    return {"seconds": time.perf_counter() - start, "stage_seconds": progress.seconds, "stage_rss_mb": peaks}


@contextmanager
def stage_memory(progress: Any) -> Iterator[dict[str, float]]:
    """Peak resident memory (MB) seen during each report stage, sampled every 0.1 s from /proc."""
    peaks: dict[str, float] = {}
    done = threading.Event()
    failed: list[BaseException] = []

    def sample() -> None:
        try:
            while not done.wait(0.1):
                stage = progress.current
                if stage is None:
                    continue
                rss = _rss_mb()
                peaks[stage] = max(peaks.get(stage, 0.0), rss)
        except BaseException as error:  # re-raised below: a dead sampler once left every stage without a peak
            failed.append(error)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peaks
    finally:
        done.set()
        thread.join()
        if failed:
            raise RuntimeError("the memory sampler stopped") from failed[0]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pm4py_dfg(data: Path, work: Path) -> dict[str, object]:
    """The peer: pm4py on pandas computing the directly-follows graph, its performance twin and the variants.

    The same CSVs as the report (clickstream files and tickets, one activity column), read with pandas.
    """
    import pandas as pd
    import pm4py

    start = time.perf_counter()
    frames = [
        pd.read_csv(f, usecols=["customer_id", "ts", "event"], dtype=str)
        for f in sorted(data.glob("clickstream_*.csv"))
    ]
    tickets = pd.read_csv(data / "tickets.csv", usecols=["customer_id", "created_at", "category"], dtype=str)
    tickets = tickets.rename(columns={"created_at": "ts"})
    tickets["event"] = "ticket:" + tickets.pop("category").fillna("")
    df = pd.concat([*frames, tickets], ignore_index=True)
    df["ts"] = pd.to_datetime(df["ts"], utc=True, format="ISO8601", errors="coerce")
    df = df.dropna(subset=["customer_id", "ts", "event"])
    df = pm4py.format_dataframe(df, case_id="customer_id", activity_key="event", timestamp_key="ts")
    dfg, _, _ = pm4py.discover_dfg(df)
    performance, _, _ = pm4py.discover_performance_dfg(df)
    variants = pm4py.get_variants(df)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "events": len(df),
        "edges": len(dfg),
        "variants": len(variants),
        "perf_edges": len(performance),
    }


def rerun(data: Path, work: Path) -> dict[str, object]:
    """A nightly re-run after `report` on the same warehouse: one new, small clickstream file has arrived.

    The new file is a fresh sample about 1/30 of the data set (a new day's worth), written next to links to the
    original files; ingest must skip the unchanged files and sentiment must come from the cache.
    """
    import shutil
    import subprocess

    from pipeline.flow import Progress, run_report

    report_work = work.parent / "report"
    folder = work / "files"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for f in [*data.glob("clickstream_*.csv"), data / "tickets.csv"]:
        (folder / f.name).symlink_to(f)
    truth = json.loads((data / "truth" / "truth.json").read_text())
    day = work / "day"
    if day.exists():
        shutil.rmtree(day)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "sample",
            "--out",
            str(day),
            "--customers",
            str(max(100, int(truth["customers"]) // 30)),
            "--seed",
            "12",
        ],
        check=True,
        capture_output=True,
    )
    new = sorted(day.glob("clickstream_*.csv"))[-1]
    shutil.copy(new, folder / "clickstream_9999-new-day.csv")
    config = (report_work / "journey.yml").read_text(encoding="utf-8").replace(f"{data}/", f"{folder}/")
    cfg = report_work / "rerun.yml"
    cfg.write_text(config, encoding="utf-8")
    progress = Progress(quiet=True)
    start = time.perf_counter()
    run_report(cfg, report_work / "reports", progress=progress)
    new_rows = sum(1 for _ in (folder / "clickstream_9999-new-day.csv").open(encoding="utf-8")) - 1
    return {"seconds": time.perf_counter() - start, "stage_seconds": progress.seconds, "new_rows": new_rows}


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
    start = time.perf_counter()
    for name in ("int_customer_paths", "int_variants", "variants"):  # variants: a view naming int_variants
        db.build_one(con, name)
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
            "pm4py-dfg": pm4py_dfg,
            "rerun": rerun,
        }[kind](data, work)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
