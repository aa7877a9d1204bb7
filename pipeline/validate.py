"""`journeys validate`: check the config and every input file, print what would be rejected, change nothing.

The files are read exactly as `journeys ingest` would read them, into a throwaway in-memory warehouse; the
real warehouse is only opened read-only to tell which files are new.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from . import db
from .config import load_config
from .ingest import check_sources, ingest, scan_file


def validate(config_path: str | Path, console: Console) -> dict[str, int]:
    """Print a per-file report and rejected rows by reason; returns counts of rows in/loaded/rejected."""
    config = load_config(config_path)
    check_sources(config)
    console.print(
        f"config [bold]{config.source_file.name}[/bold]: ok ({len(config.stages)} stages, every configured column present)"
    )
    known: set[str] = set()
    if config.warehouse_path.exists():
        try:
            wh = db.connect(config, read_only=True)
            if db.table_exists(wh, "ingested_files"):
                known = {r[0] for r in wh.execute("select sha256 from ingested_files").fetchall()}
            wh.close()
        except Exception as exc:  # a locked or foreign warehouse does not stop validation
            console.print(
                f"[yellow]note:[/yellow] could not read the warehouse ({exc}); all files shown as new"
            )
    con = db.connect(config, database=":memory:")
    result = ingest(con, config)
    totals = {"rows_in": 0, "rows_loaded": 0, "rows_rejected": 0}
    for f in result.files:
        state = "already ingested" if scan_file(f.path).sha256 in known else "new"
        console.print(
            f"  {f.source:<11} {f.path.name}: {f.rows_in:,} rows, {f.rows_loaded:,} readable,"
            f" {f.rows_rejected:,} would be rejected ({state})"
        )
        totals["rows_in"] += f.rows_in
        totals["rows_loaded"] += f.rows_loaded
        totals["rows_rejected"] += f.rows_rejected
    reasons = con.execute(
        "select source, reason, count(*), min(file_name || ':' || coalesce(cast(line as varchar), '?'))"
        " from raw_rejects group by source, reason order by source, count(*) desc"
    ).fetchall()
    for source, reason, n, first in reasons:
        console.print(f"    {source}: {n:,} × {reason} (first at {first})")
    con.close()
    return totals
