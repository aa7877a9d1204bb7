"""`journeys` command line: parse arguments, call one library function, map errors to exit codes.

Exit codes: 0 success (quarantined rows are reported, not fatal); 2 bad config, missing file or missing
column (one line naming the file, key or column); 1 anything unexpected (one line; JOURNEYS_DEBUG=1 shows
the traceback).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import duckdb
import typer
from rich.console import Console
from rich.markup import escape

from .config import ConfigError, RunError

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Observed Journeys: the journey that actually happens."
)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # never wrap: logs are parsed by line
T = TypeVar("T")

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="journey.yml to use")]


def _interrupted(exc: BaseException) -> bool:
    """Ctrl-C while DuckDB runs a query arrives as DuckDB's exception, not as KeyboardInterrupt."""
    return isinstance(exc, duckdb.InterruptException) or (
        isinstance(exc, RuntimeError) and str(exc) == "Query interrupted"
    )


def _guard(action: Callable[[], T]) -> T:
    """Run one command; ConfigError → exit 2, anything else unexpected → exit 1, both as one line."""
    try:
        return action()
    except ConfigError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False)
        raise typer.Exit(2) from None
    except RunError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", markup=True, highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("[red]interrupted[/red]")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        if _interrupted(exc):
            err.print("[red]interrupted[/red]")
            raise typer.Exit(130) from None
        if os.environ.get("JOURNEYS_DEBUG"):
            raise
        err.print(f"[red]unexpected error:[/red] {type(exc).__name__}: {escape(str(exc))}", markup=True)
        err.print("[dim]set JOURNEYS_DEBUG=1 to see the traceback[/dim]")
        raise typer.Exit(1) from None


@app.command()
def report(
    config: ConfigOpt = Path("journey.yml"),
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for reports")] = Path("reports"),
) -> None:
    """Ingest → model → mine → compare → score → render; writes OUT/<run_id>/ and OUT/latest/."""
    from .flow import run_report

    html = _guard(lambda: run_report(config, out))
    err.print(f"report: [bold]{out / 'latest' / 'index.html'}[/bold]  (run folder {html.parent})")


@app.command()
def ingest(config: ConfigOpt = Path("journey.yml")) -> None:
    """Load new input files into the warehouse (files already loaded are skipped)."""
    from . import db
    from .config import load_config
    from .ingest import ingest as do_ingest

    def action() -> None:
        cfg = load_config(config)
        con = db.connect(cfg)
        try:
            result = do_ingest(con, cfg)
        finally:
            con.close()
        for f in result.files:
            if f.status == "unchanged":
                same = "" if f.same_as == f.path.name else f" (same content as {f.same_as})"
                err.print(f"  {f.source:<11} {f.path.name}: already ingested{same}, skipped")
            else:
                err.print(
                    f"  {f.source:<11} {f.path.name}: {f.rows_in:,} rows in, {f.rows_loaded:,} loaded,"
                    f" {f.rows_rejected:,} rejected"
                )

    _guard(action)


@app.command()
def validate(config: ConfigOpt = Path("journey.yml")) -> None:
    """Check the config and every input file; print what would be rejected. Changes nothing."""
    from .validate import validate as do_validate

    _guard(lambda: do_validate(config, err))


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="folder to write the data set into")],
    customers: Annotated[int, typer.Option(min=1, help="number of customers")] = 5000,
    seed: Annotated[int, typer.Option(help="random seed; same seed, same files")] = 7,
    journeys: Annotated[
        int,
        typer.Option(
            min=1,
            help="purchases per customer on average (each 1 to 2N-1, a week to two months apart); about 9 events"
            " per journey, so 4 gives ~35 events per customer",
        ),
    ] = 1,
) -> None:
    """Write the synthetic online-pharmacy data set (clickstream, tickets, planted truths)."""
    from .sample import write_sample

    truth = _guard(lambda: write_sample(out, customers=customers, seed=seed, journeys=journeys))
    err.print(
        f"wrote {out}: {truth['customers']:,} customers, {truth['clickstream']['rows_in']:,} clickstream rows,"
        f" {truth['tickets']['rows_in']:,} ticket rows"
    )


class LogFormat(StrEnum):
    xes = "xes"
    ocel = "ocel"
    csv = "csv"


@app.command()
def export(
    format: Annotated[LogFormat, typer.Option("--format", "-f", help="xes, ocel (OCEL 2.0 JSON) or csv")],
    out: Annotated[Path, typer.Option("--out", "-o", help="file to write")],
    config: ConfigOpt = Path("journey.yml"),
) -> None:
    """Write the unified event log (both sources, case order) for Disco, ProM, Celonis or pm4py."""
    from . import db
    from .config import load_config
    from .export import export_log
    from .flow import build_marts

    def action() -> int:
        cfg = load_config(config)
        con = db.connect(cfg)
        try:
            build_marts(con, cfg)
            return export_log(con, format.value, out)
        finally:
            con.close()

    n = _guard(action)
    err.print(f"wrote {out}: {n:,} events ({format.value})")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:
        sys.exit(exc.code)
