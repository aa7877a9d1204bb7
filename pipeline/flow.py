"""The whole report run, stage by stage: ingest → model (score alongside both) → personas (mine, compare
alongside) → pain → render; progress shown.

A run writes into ``<out>/.<run_id>.partial/``; only when everything is written is it renamed to
``<out>/<run_id>/`` and ``<out>/latest`` (a symlink) swapped to it in one atomic rename.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.progress import BarColumn, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from . import db, export, render
from .config import Config, RunError, load_config
from .conform import run_conformance
from .ingest import check_sources, ingest
from .mine import discover_models
from .pain import write_quotes
from .personas import BUILT_MODELS as BUILT_BY_PERSONAS
from .personas import run_personas
from .sentiment import CACHE_SCHEMA as SENTIMENT_CACHE_SCHEMA
from .sentiment import score_new_tickets
from .summary import RUNS_SCHEMA, build_summary, previous_runs, record_run

# warehouse table -> tables/<name>.csv
TABLES = {
    "stages": "stages",
    "touchpoints": "touchpoints",
    "transitions": "transitions",
    "variants": "variants",
    "rpt_deviations": "deviations",
    "rpt_pain_points": "pain_points",
    "rpt_customer_personas": "customer_personas",
    "rpt_persona_stages": "persona_stages",
    "stage_flow": "stage_flow",
    "stage_order": "stage_order",
    "conformance_variants": "conformance_variants",
    "rejected_rows": "rejected_rows",
    "input_files": "input_files",
}


# columns a CSV leaves out: in a CSV `variants.path` is already "a > b > c", the text `path_text` holds (the
# warehouse keeps both: a list to query, a text to show; at 225k variants the copy was 120 MB and ~1 s per run),
# and `path_nos` is the path in this run's touchpoint numbers, a join key inside the warehouse only
CSV_EXCLUDE = {"variants": ("path_text", "path_nos")}


STAGES = ("ingest", "score", "model", "mine", "compare", "personas", "pain", "render")


@dataclass
class Progress:
    """Shows each stage with its time: a progress bar on a terminal, plain lines in logs (cron, CI)."""

    console: Console = field(default_factory=lambda: Console(stderr=True, highlight=False, soft_wrap=True))
    seconds: dict[str, float] = field(default_factory=dict)
    quiet: bool = False
    current: str | None = None  # the stage running now (benchmarks/measure.py samples memory by it)
    bar: RichProgress | None = None
    task: TaskID | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _start_bar(self) -> None:
        if self.bar is None and not self.quiet and self.console.is_terminal:
            self.bar = RichProgress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} stages"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("starting", total=len(STAGES))

    @contextmanager
    def stage(self, name: str, what: str) -> Iterator[None]:
        db.fault_point(name)
        self.current = name
        start = time.perf_counter()
        self._start_bar()
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, description=f"{name}: {what}")
        elif not self.quiet:
            self.console.print(f"[bold]▸ {name}[/bold] [dim]{what}[/dim]")
        yield
        took = time.perf_counter() - start
        self.record(name, took)
        self._finished(name, f"{took:.1f} s")

    def record(self, name: str, seconds: float) -> None:
        """A stage's seconds (also from a thread running it alongside another); `seconds` stays in run order."""
        with self.lock:  # two stages may finish at once, one of them in a thread
            self.seconds[name] = round(seconds, 3)
            self.seconds = {s: self.seconds[s] for s in sorted(self.seconds, key=_run_order)}

    @contextmanager
    def alongside(self, name: str) -> Iterator[None]:
        """A stage run in a thread beside the current one: its fault point and its own seconds (shown by `done`
        once the thread has been joined)."""
        db.fault_point(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.record(name, time.perf_counter() - start)

    def done(self, name: str, beside: str, text: str = "") -> None:
        """A stage that ran alongside `beside` (its seconds already recorded) has finished."""
        took = self.seconds.get(name, 0.0)
        self._finished(name, f"{took:.1f} s (alongside {beside})", text)

    def _finished(self, name: str, timing: str, text: str = "") -> None:
        """One more stage on the bar, and its ✓ line (with what it did, if given)."""
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task)
        if not self.quiet:
            self.console.print(
                f"  [green]✓[/green] {name} [dim]{timing}[/dim]" + (f": {text}" if text else "")
            )

    def note(self, text: str) -> None:
        if not self.quiet:
            self.console.print(f"  {text}", highlight=False)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _run_order(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def _score_alongside(
    con: duckdb.DuckDBPyConnection, progress: Progress, stop: threading.Event
) -> dict[str, int]:
    """The `score` stage in its own thread and connection; its seconds are its own (they overlap `ingest` and
    `model`).
    Setting `stop` ends it within a fraction of a second (ScoringStopped)."""
    with progress.alongside("score"), closing(con.cursor()) as cursor:
        return score_new_tickets(cursor, stop)


def _warm_up() -> None:
    """What later stages load that DuckDB's work can hide: the SQL models' dependencies (sqlglot parses every
    model, ~0.7 s, cached), pm4py's import (~1 s) and the JavaScript bundle (read from the cache folder, or ~2 s
    the first time; vl-convert releases the GIL). Best effort, never awaited: if any fails, it fails again where it is needed, and is reported there."""
    db.models()
    import pm4py  # noqa: F401

    render.javascript_bundle()


def _mine_and_compare_alongside(
    con: duckdb.DuckDBPyConnection, config: Config, out: Path, progress: Progress
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The `mine` and `compare` stages (pure Python, one core) in a thread and connection of their own, beside
    `personas`: the process models and the conformance figures, each stage with its own seconds."""
    with closing(con.cursor()) as cursor:
        with progress.alongside("mine"):
            models = discover_models(cursor, out / "models")
        with progress.alongside("compare"):
            figures = run_conformance(cursor, config.assumed_journey)
    return models, figures


def build_marts(con: Any, config: Config) -> None:
    """Everything up to the marts for a config: new files, sentiment of new texts, config tables, SQL layers.

    Used by `journeys export`, notebooks and tests; `run_report` runs the same steps with progress.
    """
    ingest(con, config)
    score_new_tickets(con)
    db.write_config_tables(con, config)
    db.build(con, ("staging", "intermediate", "marts"))


def new_run_id(out_dir: Path, now: datetime) -> str:
    """UTC start time as YYYYMMDDTHHMMSSZ; a suffix only if that folder already exists."""
    base = now.strftime("%Y%m%dT%H%M%SZ")
    run_id, n = base, 1
    while (out_dir / run_id).exists() or (out_dir / f".{run_id}.partial").exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def run_report(
    config_path: str | Path, out_dir: str | Path = "reports", progress: Progress | None = None
) -> Path:
    """Run the whole pipeline on a config; returns the path of the new report's index.html.

    One run at a time per warehouse (a lock file next to it); a second run exits with a clear message. The new
    report is written in a hidden folder and swapped in as `latest` only when complete, so a run killed at any
    point leaves `latest` on the last complete report; its leftovers are removed by the next run.
    """
    progress = progress or Progress()
    config = load_config(config_path)
    check_sources(config)  # every file's header, before any work
    out = Path(out_dir)
    with run_lock(config), _machine_errors(out):
        out.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(out)
        started = datetime.now(UTC)
        run_id = new_run_id(out, started)
        partial = out / f".{run_id}.partial"
        partial.mkdir()
        try:
            try:
                summary = _run_stages(config, partial, run_id, started, progress)
            finally:
                progress.finish()
            final = out / run_id
            db.fault_point("publish")
            partial.rename(final)
            swap_latest(out, run_id)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    progress.note(
        f"[bold]{summary['counts']['customers']:,}[/bold] customers, {summary['counts']['events']:,} events"
    )
    return final / "index.html"


@contextmanager
def run_lock(config: Config) -> Iterator[None]:
    """Hold `<warehouse>.lock` for the whole run; if another run holds it, stop with who and since when."""
    path = config.warehouse_path.with_name(config.warehouse_path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise RunError(
                f"another run is using the warehouse {config.warehouse_path} ({holder}); this run changed"
                " nothing — start it again when that one has finished"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@contextmanager
def _machine_errors(out: Path) -> Iterator[None]:
    """A full disk or an unwritable output folder becomes one clear line (the partial report is removed)."""
    try:
        yield
    except PermissionError as exc:
        raise RunError(f"cannot write to {exc.filename or out}: permission denied") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise RunError(
                f"the disk is full while writing {exc.filename or out}; nothing was published"
            ) from None
        if exc.errno == errno.EROFS:
            raise RunError(f"cannot write to {exc.filename or out}: read-only file system") from None
        raise
    except duckdb.Error as exc:
        text = str(exc).splitlines()[0]
        if "no space left" in text.lower() or "could not write" in text.lower():
            raise RunError(
                f"the disk is full while the warehouse was written ({text}); nothing was published"
            ) from None
        raise


def _remove_leftovers(out: Path) -> None:
    """Hidden partial reports and temporary `latest` links of runs that were killed (we hold the lock)."""
    for leftover in out.glob(".*.partial"):
        shutil.rmtree(leftover, ignore_errors=True)
    for link in out.glob(".latest.*"):
        if link.is_symlink():
            link.unlink()


def _run_stages(
    config: Config, out: Path, run_id: str, started: datetime, progress: Progress
) -> dict[str, Any]:
    con = db.connect(config)
    try:
        # VADER is pure Python on one core while DuckDB keeps both busy most of the time: ticket sentiment is
        # scored in a thread (DuckDB releases the GIL) from the moment the tickets are in — beside the
        # clickstream's ingest, which leaves half a core idle, and then the models; only the models that read
        # the sentiment cache wait for it
        stop_scoring = threading.Event()
        with ThreadPoolExecutor(max_workers=1) as pool:  # one thread: scoring, then the warm-up
            scoring: Future[dict[str, int]] | None = None

            def tickets_in(source: str) -> None:
                nonlocal scoring
                if source == "tickets":
                    con.execute(SENTIMENT_CACHE_SCHEMA)  # created here, not beside the ingest's transactions
                    scoring = pool.submit(_score_alongside, con, progress, stop_scoring)
                    pool.submit(_warm_up)  # after scoring (Python both), still beside the clickstream's load

            try:
                with progress.stage("ingest", "new files into the warehouse; ticket sentiment alongside"):
                    result = ingest(con, config, on_source_done=tickets_in)
                    for f in result.new_files:
                        progress.note(
                            f"{f.path.name}: {f.rows_loaded:,} rows read, {f.rows_rejected:,} rejected"
                        )
                    unchanged = len(result.files) - len(result.new_files)
                    if unchanged:
                        progress.note(f"{unchanged} file(s) already ingested, skipped")
                assert scoring is not None
                with progress.stage(
                    "model", "staging → intermediate → marts in SQL; ticket sentiment alongside"
                ):
                    db.write_config_tables(con, config)
                    db.build(
                        con, ("staging", "intermediate", "marts"), waits={"sentiment_cache": scoring.result}
                    )
                    scored = scoring.result()
                    progress.done(
                        "score",
                        "ingest and model",
                        f"{scored['scored']:,} new texts scored, {scored['cached']:,} from the cache",
                    )
            except BaseException:
                # a failed or interrupted (Ctrl-C) ingest or build: the thread stops scoring instead of
                # finishing every text first (about a minute at 100M events) while the run waits for it
                stop_scoring.set()
                raise
        # mine and compare (pm4py, alignments: Python on one core) run beside personas, which leaves a core
        # partly idle between its DuckDB and scikit-learn steps
        with ThreadPoolExecutor(max_workers=1) as pool:
            with progress.stage(
                "personas", "behavioural segments (scikit-learn); mine and compare alongside"
            ):
                mining = pool.submit(_mine_and_compare_alongside, con, config, out, progress)
                persona_model = run_personas(con, config)
                progress.note(
                    f"{persona_model['count']} persona(s), chosen by {persona_model['chosen_by']}"
                    + (
                        f" (silhouette {persona_model['silhouette']:.2f})"
                        if persona_model["silhouette"]
                        else ""
                    )
                )
            models, figures = mining.result()
        progress.done("mine", "personas", f"{len(models)} process model(s) (pm4py)")
        progress.done(
            "compare",
            "personas",
            f"fitness {figures['fitness']:.3f}, {figures['conforming_share']:.1%} of customers follow the"
            f" assumed journey ({figures['variants']:,} variants aligned)"
            if figures
            else "no assumed journey configured",
        )
        with progress.stage("pain", "pain points and their redacted quotes"):
            write_quotes(con)
            con.execute(RUNS_SCHEMA)
            con.execute(
                "create or replace temp table current_run (run_id varchar, started_at timestamptz, summary json)"
            )
            db.build(con, ("reports",), built=BUILT_BY_PERSONAS)
        with progress.stage("render", "summary.json, tables, index.html"):
            run = {
                "id": run_id,
                "started_at": started.isoformat(),
                "finished_at": None,
                "config": str(config.source_file),
                "stage_seconds": progress.seconds,
            }
            summary = build_summary(
                con, run, config, models=models, conformance=figures, personas=persona_model
            )
            con.execute("insert into current_run values (?, ?, ?)", [run_id, started, json.dumps(summary)])
            db.build_one(con, "rpt_run_history")
            history = previous_runs(con, run_id)
            write_tables(con, out / "tables")
            render.write_report(out, con, config, summary, history)
        summary["run"]["finished_at"] = datetime.now(UTC).isoformat()
        summary["run"]["stage_seconds"] = dict(progress.seconds)
        render.write_summary(out, summary)
        record_run(con, summary)
        con.execute("checkpoint")
    finally:
        con.close()
    return summary


def write_tables(con: duckdb.DuckDBPyConnection, folder: Path, tables: dict[str, str] = TABLES) -> None:
    """`tables/<name>.csv` for each warehouse table, rows in the order its model declares (the models run with
    `preserve_insertion_order` off: a table written by several threads keeps no order, so 225k variants came
    out of rank order)."""
    folder.mkdir()
    # conformance_variants is written by run_conformance, not a SQL model: its order is stated here
    order = {m.name: m.row_order for m in db.models()} | {"conformance_variants": "variant_rank"}
    for table, name in tables.items():
        export.write_csv(
            con, table, folder / f"{name}.csv", order_by=order.get(table), exclude=CSV_EXCLUDE.get(table, ())
        )


def swap_latest(out: Path, run_id: str) -> None:
    """Point <out>/latest at <out>/<run_id> with one atomic rename of a fresh symlink."""
    tmp = out / f".latest.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_id, target_is_directory=True)
    latest = out / "latest"
    if latest.exists() and not latest.is_symlink():
        # An older layout or a copy: move the real directory aside rather than lose it.
        latest.rename(out / f".latest-replaced-{run_id}")
    os.replace(tmp, latest)
