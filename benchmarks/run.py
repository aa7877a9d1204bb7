"""`make bench`: build sample data sets, run each side in its own process, write benchmarks/RESULTS.md.

Targets are ratios measured in the same run, never absolute seconds:
- end to end: `journeys report` ÷ the floor (DuckDB loading the same CSVs into a table).

Sizes: BENCH_CUSTOMERS (comma-separated, default 20000,100000). Data sets are cached in benchmarks/data/.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
WORK = ROOT / "work"


def dataset(customers: int) -> Path:
    folder = DATA / f"c{customers}"
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
                str(customers),
                "--seed",
                "11",
            ],
            check=True,
        )
    return folder


def measure(kind: str, data: Path, *extra: str, work: str | None = None) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", kind, str(data), str(WORK / (work or kind)), *extra],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT.parent,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def versions() -> str:
    from importlib.metadata import version

    names = ("duckdb", "pandas", "pm4py", "scikit-learn", "altair")
    return f"Python {platform.python_version()}, " + ", ".join(f"{n} {version(n)}" for n in names)


PM4PY_MAX_CASES = int(os.environ.get("BENCH_PM4PY_MAX_CASES", "100000"))


def model_rows() -> list[str]:
    """Per size, one prepared warehouse; then conformance (ours vs pm4py) and personas on it."""
    conform_sizes = [
        int(s) for s in os.environ.get("BENCH_CONFORMANCE_CUSTOMERS", "10000,100000,1000000").split(",") if s
    ]
    persona_sizes = [
        int(s) for s in os.environ.get("BENCH_PERSONA_CUSTOMERS", "100000,1000000").split(",") if s
    ]
    conform = [
        "",
        "## Conformance: exact alignments per variant vs pm4py on the full log",
        "",
        "Ours: variants in SQL + dynamic-programming alignments per variant (the `compare` stage). Peer: pm4py's",
        "`fitness_alignments` on the event table (it groups variants itself), single process, same Petri net.",
        f"Above {PM4PY_MAX_CASES:,} cases pm4py runs on a random sample of that many whole cases and its time is",
        "scaled by cases (marked *); its fitness is then the sample's.",
        "",
        "| customers | events | variants | ours s | pm4py s | pm4py ÷ ours | fitness ours | fitness pm4py |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    persona = [
        "",
        "## Personas: time and peak memory",
        "",
        "`run_personas` on a prepared warehouse, in its own process: features from SQL, SVD and MiniBatchKMeans",
        "fitted on at most 100,000 customers, choice of k by silhouette on 4,000, assignment of every customer.",
        "ARI: adjusted Rand index against the generator's hidden personas.",
        "",
        "| customers | personas | seconds | peak RSS MB | ARI |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    for customers in sorted(set(conform_sizes) | set(persona_sizes)):
        data = dataset(customers)
        prep = measure("prepare", data, work="conform")
        if customers in conform_sizes:
            ours = measure("conform-ours", data, work="conform")
            peer = measure("conform-pm4py", data, str(PM4PY_MAX_CASES), work="conform")
            scaled = peer["seconds"] * prep["cases"] / peer["cases"]
            mark = "*" if peer["cases"] < prep["cases"] else ""
            conform.append(
                f"| {customers:,} | {prep['events']:,} | {prep['variants']:,} | {ours['seconds']:.2f} |"
                f" {scaled:.1f}{mark} | {scaled / ours['seconds']:.0f}×{mark} | {ours['fitness']:.6f} |"
                f" {peer['fitness']:.6f}{mark} |"
            )
            print(conform[-1], flush=True)
        if customers in persona_sizes:
            result = measure("personas", data, work="conform")
            persona.append(
                f"| {customers:,} | {result['count']} | {result['seconds']:.1f} | {result['peak_rss_mb']:.0f} |"
                f" {result['ari']:.3f} |"
            )
            print(persona[-1], flush=True)
    return conform + persona


def main() -> None:
    sizes = [int(s) for s in os.environ.get("BENCH_CUSTOMERS", "20000,100000").split(",")]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores; {versions()}.",
        "Rerun with `make bench` (sizes: `BENCH_CUSTOMERS=20000,100000 make bench`). Each side runs in its own process.",
        "",
        "| customers | events | floor s | report s | report ÷ floor | report peak RSS MB | slowest stages |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for customers in sizes:
        data = dataset(customers)
        truth = json.loads((data / "truth" / "truth.json").read_text())
        floor = measure("floor", data)
        report = measure("report", data)
        stages = sorted(report["stage_seconds"].items(), key=lambda kv: -kv[1])[:3]  # type: ignore[union-attr]
        slowest = ", ".join(f"{k} {v:.1f}" for k, v in stages)
        ratio = float(report["seconds"]) / float(floor["seconds"])  # type: ignore[arg-type]
        lines.append(
            f"| {customers:,} | {truth['events']:,} | {floor['seconds']:.2f} | {report['seconds']:.2f} | {ratio:.1f}×"
            f" | {report['peak_rss_mb']:.0f} | {slowest} |"
        )
        print(lines[-1], flush=True)
    if os.environ.get("BENCH_MODELS", "1") != "0":
        lines += model_rows()
    from benchmarks import sentiment

    sentiment.main()  # writes benchmarks/SENTIMENT.md
    (ROOT / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {ROOT / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
