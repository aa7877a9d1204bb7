"""`make bench`: build sample data sets, run each side in its own process, write benchmarks/RESULTS.md.

Targets are ratios measured in the same run, never absolute seconds:
- end to end: `journeys report` ÷ the floor (DuckDB loading the same CSVs into a table), and ÷ the pm4py peer
  (DFG, performance DFG and variants of the same files on pandas);
- growth: time per event at the largest size ÷ at the smallest, per data shape;
- re-runs: a second run after one new small file, on the same warehouse.

Data sets (BENCH_SETS, comma-separated CUSTOMERS or CUSTOMERSxJOURNEYS): by default the issue's shape, returning
customers with 4 journeys on average (~35 events each: 28000x4 ≈ 1M and 280000x4 ≈ 10M events, nearly every case
its own variant), and one journey per customer (~9 events each: 125000 ≈ 1M and 1250000 ≈ 10M events, four times
the customers, so four times the per-customer work). BENCH_100M=1 adds ≈ 100M of both shapes (see sizes()). Data
sets are built with
`journeys sample` and cached in benchmarks/data/.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
WORK = ROOT / "work"


@dataclass(frozen=True)
class DataSet:
    """A sample data set: customers and their journeys on average (`journeys sample --journeys`)."""

    customers: int
    journeys: int = 1

    @classmethod
    def parse(cls, text: str) -> DataSet:
        customers, _, journeys = text.strip().partition("x")
        return cls(int(customers), int(journeys or 1))

    @property
    def label(self) -> str:
        return f"{self.customers:,}" + (f" ×{self.journeys}" if self.journeys > 1 else "")

    @property
    def folder(self) -> Path:
        return DATA / (f"c{self.customers}" + (f"j{self.journeys}" if self.journeys > 1 else ""))


def dataset(chosen: DataSet) -> Path:
    folder = chosen.folder
    if not (folder / "truth" / "truth.json").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "sample",
                "--out",
                str(folder),
                "--customers",
                str(chosen.customers),
                "--seed",
                "11",
                "--journeys",
                str(chosen.journeys),
            ],
            check=True,
        )
    return folder


def data_sets(variable: str, default: str) -> list[DataSet]:
    return [DataSet.parse(s) for s in os.environ.get(variable, default).split(",") if s.strip()]


class MeasureFailed(Exception):
    """A measured side did not finish (out of memory, disk full, …): recorded in RESULTS.md, not hidden."""


def measure(kind: str, data: Path, *extra: str, work: str | None = None) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", kind, str(data), str(WORK / (work or kind)), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise MeasureFailed(f"{kind} exited with {done.returncode}: {last[:200]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def versions() -> str:
    from importlib.metadata import version

    names = ("duckdb", "pandas", "pm4py", "scikit-learn", "altair")
    return f"Python {platform.python_version()}, " + ", ".join(f"{n} {version(n)}" for n in names)


HUNDRED_MILLION = 12_500_000
DEFAULT_SETS = "28000x4,280000x4,125000,1250000"
PEER_MAX_EVENTS = 50_000_000  # pm4py on pandas needs ~0.45 GB per million events: not at 100M on this machine
HUNDRED_MILLION_SETS = [
    DataSet(HUNDRED_MILLION),
    DataSet(2_800_000, 4),
]  # ≈ 100M events, one journey and four
PM4PY_MAX_CASES = int(os.environ.get("BENCH_PM4PY_MAX_CASES", "100000"))
# pm4py takes ~12 ms per case when nearly every case is its own variant of ~33 steps (returning customers)
PM4PY_MAX_CASES_RETURNING = int(os.environ.get("BENCH_PM4PY_MAX_CASES_RETURNING", "5000"))


def model_rows() -> list[str]:
    """Per size, one prepared warehouse; then conformance (ours vs pm4py) and personas on it."""
    conform_sizes = data_sets("BENCH_CONFORMANCE_SETS", "10000,125000,1250000,280000x4")
    persona_sizes = data_sets("BENCH_PERSONA_SETS", "125000,1250000,280000x4")
    conform = [
        "",
        "## Conformance: exact alignments per variant vs pm4py on the full log",
        "",
        "Ours: variants in SQL + dynamic-programming alignments per variant (the `compare` stage). Peer: pm4py's",
        "`fitness_alignments` on the event table (it groups variants itself), single process, same Petri net.",
        f"Above {PM4PY_MAX_CASES:,} cases pm4py runs on a random sample of that many whole cases and its time is",
        "scaled by cases (marked *); its fitness is then the sample's. On returning customers (×4: nearly every case",
        f"its own variant of ~33 steps) pm4py aligns at most {PM4PY_MAX_CASES_RETURNING:,} cases.",
        "",
        "| customers | events | variants | ours s | pm4py s | pm4py ÷ ours | fitness ours | fitness pm4py |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    persona = [
        "",
        "## Personas: time and peak memory",
        "",
        "`run_personas` on a prepared warehouse, in its own process: features from SQL, SVD and k-means (Lloyd, 10 restarts)",
        "fitted on at most 100,000 customers, choice of k by silhouette on 4,000, assignment of every customer.",
        "ARI: adjusted Rand index against the generator's hidden personas.",
        "",
        "| customers | personas | seconds | peak RSS MB | ARI |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for chosen in sorted(set(conform_sizes) | set(persona_sizes), key=lambda d: (d.journeys, d.customers)):
        data = dataset(chosen)
        prep = measure("prepare", data, work="conform")
        if chosen in conform_sizes:
            ours = measure("conform-ours", data, work="conform")
            cap = PM4PY_MAX_CASES if chosen.journeys == 1 else PM4PY_MAX_CASES_RETURNING
            peer = measure("conform-pm4py", data, str(cap), work="conform")
            scaled = peer["seconds"] * prep["cases"] / peer["cases"]
            mark = "*" if peer["cases"] < prep["cases"] else ""
            conform.append(
                f"| {chosen.label} | {prep['events']:,} | {prep['variants']:,} | {ours['seconds']:.2f} |"
                f" {scaled:.1f}{mark} | {scaled / ours['seconds']:.0f}×{mark} | {ours['fitness']:.6f} |"
                f" {peer['fitness']:.6f}{mark} |"
            )
            print(conform[-1], flush=True)
        if chosen in persona_sizes:
            result = measure("personas", data, work="conform")
            persona.append(
                f"| {chosen.label} | {result['count']} | {result['seconds']:.1f} | {result['peak_rss_mb']:.0f} |"
                f" {result['ari']:.3f} |"
            )
            print(persona[-1], flush=True)
    return conform + persona


STAGES = ("ingest", "score", "model", "mine", "compare", "personas", "pain", "render")
# stages run in a thread beside another (no peak RSS of their own): the stage they overlap
BESIDE = {"score": "ingest and model", "mine": "personas", "compare": "personas"}


def sizes() -> list[DataSet]:
    """The end-to-end data sets (BENCH_SETS), and ≈ 100M events behind BENCH_100M: `1` adds both shapes
    (12,500,000 customers with one journey, 2,800,000 with four: 8-12 GB of CSV, half an hour to an hour to
    generate each), or name the sets, e.g. BENCH_100M=2800000x4."""
    chosen = data_sets("BENCH_SETS", DEFAULT_SETS)
    big = os.environ.get("BENCH_100M", "")
    if big == "1":
        chosen += HUNDRED_MILLION_SETS
    elif big:
        chosen += data_sets("BENCH_100M", "")
    return chosen


def earlier_hundred_million(text: str, label: str = f"{HUNDRED_MILLION:,}") -> tuple[str, str, str] | None:
    """From an earlier RESULTS.md: a 100M set's end-to-end row, its stage row and when they were measured.

    A run without that set carries them over, marked, instead of dropping the most expensive measurement.
    """
    prefix = f"| {label} |"
    rows = [line for line in text.splitlines() if line.startswith(prefix)]
    if len(rows) != 2:  # the end-to-end table and the stage table, in that order
        return None
    when = re.search(
        rf"The {re.escape(label)} rows \(≈ 100M events\) are carried over from `BENCH_100M=1` \(measured"
        r" ([^)]+ UTC)\), not in this run",
        text,
    ) or re.search(r"^Measured (.+? UTC)", text, re.M)
    return rows[0], rows[1], when.group(1) if when else "an earlier run"


def scale_rows(header: list[str]) -> list[str]:
    results = ROOT / "RESULTS.md"
    earlier = results.read_text(encoding="utf-8") if results.exists() else ""
    carried = [
        (chosen, rows)
        for chosen in HUNDRED_MILLION_SETS
        if chosen not in sizes() and (rows := earlier_hundred_million(earlier, chosen.label))
    ]
    lines = [
        "## End to end: `journeys report` vs the floor and vs pm4py",
        "",
        "Floor: DuckDB loading the same CSVs into a table (all columns as text), measured just before and just",
        "after the report (in brackets) and averaged, so that the VM's drift in speed does not ride on one side.",
        "Peer: pm4py on pandas computing",
        "only the directly-follows graph, the performance DFG and the variants of the same files (`read_csv`,",
        "`format_dataframe`, `discover_dfg`, `discover_performance_dfg`, `get_variants`). The report does",
        "everything: ingest with rejects, sentiment, all models, process mining, alignments, personas, pain points,",
        "charts. Targets: report ≤ 6× floor, report faster than the peer, peak RSS ≤ 2 GB at 10M events.",
        "",
        "| customers | events | floor s | report s | report ÷ floor | report peak RSS MB | pm4py peer s |"
        " peer ÷ report | peer peak RSS MB | report µs per event |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    stage_lines = [
        "",
        "### Seconds and peak RSS per report stage (seconds also in every run's `summary.json` → `run.stage_seconds`)",
        "",
        "`score` (ticket sentiment) runs in a thread during `ingest` and `model` (before round 13, carried-over rows:",
        "`model` only), `mine` and `compare` (pm4py) in one during `personas`: their seconds are their own and",
        "overlap those stages'; their memory is in their peaks. Since round 14 two files load at once in `ingest`, and",
        "the report's JavaScript bundle is read from the cache folder (built once per vl-convert version, ~2 CPU-s).",
        "",
        "| customers | " + " | ".join(STAGES) + " |",
        "| ---: | " + " | ".join("---:" for _ in STAGES) + " |",
    ]
    rerun_lines = [
        "",
        "### Nightly re-run: one new small clickstream file, everything else unchanged",
        "",
        "The second run on the same warehouse: unchanged files are skipped by hash, ticket sentiment comes from the",
        "cache; the SQL models are rebuilt over all events.",
        "",
        "| customers | new rows | first run s | re-run s | re-run ingest s | re-run score s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    per_event: dict[int, list[tuple[int, float]]] = {}  # journeys -> (events, seconds per event), by size
    for chosen in sizes():
        data = dataset(chosen)
        truth = json.loads((data / "truth" / "truth.json").read_text())
        events = int(truth["events"])
        # the floor just before and just after the report, and their mean: this VM's speed drifts by the hour
        # (round 13: 9.4 and 7.2 s for the same load an hour apart), and bracketing the report in time keeps
        # the ratio from riding on one side's luck
        before = measure("floor", data)
        try:
            report = measure("report", data)
        except MeasureFailed as exc:
            lines.append(
                f"| {chosen.label} | {events:,} | {before['seconds']:.1f} | failed: {exc} | | | | | | |"
            )
            print(lines[-1], flush=True)
            continue
        after = measure("floor", data)
        floor_s = (before["seconds"] + after["seconds"]) / 2
        peer = measure("pm4py-dfg", data) if events < PEER_MAX_EVENTS else None
        stage = report["stage_seconds"]
        rss = report["stage_rss_mb"]
        per_event.setdefault(chosen.journeys, []).append((events, report["seconds"] / events))
        peer_cells = (
            f"{peer['seconds']:.1f} | {peer['seconds'] / report['seconds']:.2f}× | {peer['peak_rss_mb']:.0f}"
            if peer
            else "not run (memory) | — | —"
        )
        lines.append(
            f"| {chosen.label} | {events:,} | {floor_s:.1f} ({before['seconds']:.1f}, {after['seconds']:.1f}) |"
            f" {report['seconds']:.1f} | {report['seconds'] / floor_s:.2f}× | {report['peak_rss_mb']:.0f} |"
            f" {peer_cells} |"
            f" {1e6 * report['seconds'] / events:.1f} |"
        )
        print(lines[-1], flush=True)
        stage_lines.append(
            f"| {chosen.label} | "
            + " | ".join(
                f"{stage.get(k, 0):.1f} s · "
                + (f"{rss[k]:.0f} MB" if k in rss else f"during {BESIDE.get(k, '?')}")
                for k in STAGES
            )
            + " |"
        )
        if events < PEER_MAX_EVENTS:  # at 100M a re-run would add another ten minutes
            again = measure("rerun", data)
            rerun_lines.append(
                f"| {chosen.label} | {again['new_rows']:,} | {report['seconds']:.1f} | {again['seconds']:.1f} |"
                f" {again['stage_seconds'].get('ingest', 0):.1f} | {again['stage_seconds'].get('score', 0):.1f} |"
            )
            print(rerun_lines[-1], flush=True)
        # written after every size, so that a long run (100M) leaves what it measured so far
        # with the carried-over rows and their dates, so that a run that stops here does not lose them
        kept = [
            line
            for chosen, (row, _, when) in carried
            for line in (
                row,
                "",
                f"The {chosen.label} rows (≈ 100M events) are carried over from `BENCH_100M=1` (measured {when}),"
                " not in this run.",
            )
        ]
        kept_stages = [stage_row for _, (_, stage_row, _) in carried]
        write_results(
            [*header, *lines, *kept, "", "(more sizes in progress)", *stage_lines, *kept_stages, *rerun_lines]
        )
    notes = []
    for chosen, (row, stage_row, when) in carried:
        lines.append(row)
        stage_lines.append(stage_row)
        cells = [c.strip() for c in row.strip("|").split("|")]
        per_event.setdefault(chosen.journeys, []).append(
            (int(cells[1].replace(",", "")), float(cells[-1]) / 1e6)
        )
        notes += [
            "",
            f"The {chosen.label} rows (≈ 100M events) are carried over from `BENCH_100M=1` (measured {when}), not"
            " in this run.",
        ]
    lines += notes
    growth = []
    for journeys, measured in sorted(per_event.items(), reverse=True):
        if len(measured) > 1:
            (small_n, small), (big_n, big) = min(measured), max(measured)
            shape = (
                f"{journeys} journeys per customer on average" if journeys > 1 else "one journey per customer"
            )
            growth += [
                "",
                f"Growth ({shape}): time per event at {big_n:,} events is {big / small:.2f}× the time per event at"
                f" {small_n:,} (target ≤ 1.5×).",
            ]
    return lines + growth + stage_lines + rerun_lines


def main() -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores; {versions()}.",
        f"Rerun with `make bench` (data sets: `BENCH_SETS={DEFAULT_SETS}`, customers × journeys on"
        " average; add 100M events with `BENCH_100M=1`).",
        "Each measured side runs in its own process; peak RSS is that process's own.",
        "",
    ]
    lines += scale_rows(list(lines))
    if os.environ.get("BENCH_MODELS", "1") != "0":
        lines += model_rows()
    if os.environ.get("BENCH_SENTIMENT", "1") != "0":
        from benchmarks import sentiment

        sentiment.main()  # writes benchmarks/SENTIMENT.md
    write_results(lines)
    print(f"wrote {ROOT / 'RESULTS.md'}")


def write_results(lines: list[str]) -> None:
    (ROOT / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
