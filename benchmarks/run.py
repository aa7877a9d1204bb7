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


def measure(kind: str, data: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", kind, str(data), str(WORK / kind)],
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
    (ROOT / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {ROOT / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
