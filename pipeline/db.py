"""The only place that opens the DuckDB warehouse and runs the `sql/` models, layer by layer.

Each `sql/<layer>/<name>.sql` holds one `select`; :func:`build` wraps it in ``create or replace table <name>``.
Within a layer, models run in dependency order (found by parsing each file with sqlglot); a model may read
only from its own layer, lower layers, or the tables the Python stages write (raw_*, config_*, …).
Config values reach SQL as rows of small ``config_*`` tables, never as text pasted into a query.
`sql/macros/<name>.sql` holds one ``create or replace macro`` that models share (created before any model runs).
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp

from .config import UNMAPPED, Config, RunError
from .conform import assumed_model
from .sentiment import NEGATIVE_BELOW, SCORER_VERSION

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
LAYERS = ("staging", "intermediate", "marts", "reports")
MACRO_DIR = SQL_DIR / "macros"


def connect(
    config: Config, *, read_only: bool = False, database: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse named in the config (created if missing), with UTC as the session time zone.

    `database` overrides the file (":memory:" for a throwaway warehouse, as `journeys validate` uses).
    """
    target = database or str(config.warehouse_path)
    if database is None and not read_only:
        config.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.Error as exc:
        raise RunError(_open_problem(target, exc)) from None
    con.execute("set TimeZone = 'UTC'")
    # tables have no row order of their own (every model that needs one says `order by`); not keeping insertion
    # order lets DuckDB run large windows and joins in parallel with less memory
    con.execute("set preserve_insertion_order = false")
    # progress is the stage lines; DuckDB's own bar would write carriage-return noise into nightly job logs
    con.execute("set enable_progress_bar = false")
    # A checkpoint merges a table's partly filled row groups into full ones ("vacuum" tasks), rewriting them: a
    # table built by two threads ends in two partial groups, and the checkpoints after the models rewrote ~1.4 s
    # of them per run at 10M events (int_customer_paths 0.33 s, stg_tickets 0.2-0.6 s). Every table here is
    # written whole and replaced whole — nothing deletes rows — so there are no deleted rows to reclaim; one
    # partly filled row group more per table costs nothing measurable to read.
    con.execute("set max_vacuum_tasks = 0")
    engine = config.engine
    con.execute(f"set memory_limit = '{engine.memory_limit}'")  # validated as a number and a unit
    con.execute("set temp_directory = ?", [str(config.spill_path)])
    if engine.threads:
        con.execute(f"set threads = {int(engine.threads)}")
    return con


def _open_problem(target: str, exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "lock" in text.lower():
        return f"the warehouse {target} is in use by another process; try again when it has finished ({text})"
    if "no space left" in text.lower():
        return f"the disk holding {target} is full ({text})"
    return (
        f"cannot open the warehouse {target}: {text}. If it is damaged or not a DuckDB file, move it aside"
        " (the next run builds a fresh one from the input files) or point `warehouse:` elsewhere"
    )


@dataclass(frozen=True)
class Model:
    """One SQL model: its table name, layer, SQL text and the tables it reads."""

    name: str
    layer: str
    path: Path
    sql: str
    reads: frozenset[str]

    @property
    def is_view(self) -> bool:
        return self.sql.startswith("-- materialized: view")

    @property
    def row_order(self) -> str | None:
        """The order of the model's rows: a `-- row order: …` line, else the `order by` of its last line.

        With `preserve_insertion_order` off (every model run) a table does not keep that order when it is
        written by several threads, so a reader that needs it (the CSV exports) applies it again.
        """
        declared = re.search(r"^-- row order: ([\w\s,]+?)(?: \(|$)", self.sql, flags=re.M)
        if declared:
            return declared.group(1).strip()
        last = self.sql.strip().splitlines()[-1]
        found = re.search(r"\border by ([\w\s,]+)$", last, flags=re.I)
        return found.group(1).strip() if found else None


@cache
def models(sql_dir: Path = SQL_DIR) -> tuple[Model, ...]:
    """Every model under `sql/`, in run order: layer by layer, dependencies first within a layer."""
    ordered: list[Model] = []
    for layer in LAYERS:
        found: dict[str, Model] = {}
        for path in sorted((sql_dir / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            found[path.stem] = Model(path.stem, layer, path, sql, frozenset(_tables_read(sql)))
        ordered.extend(_toposort(found))
    return tuple(ordered)


def _tables_read(sql: str) -> set[str]:
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}


def _toposort(found: dict[str, Model]) -> list[Model]:
    done: list[Model] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise RuntimeError(f"sql models read each other in a cycle: {' -> '.join((*trail, name))}")
        state[name] = 1
        for dep in sorted(found[name].reads & found.keys()):
            visit(dep, (*trail, name))
        state[name] = 2
        done.append(found[name])

    for name in sorted(found):
        visit(name, ())
    return done


def build(
    con: duckdb.DuckDBPyConnection,
    layers: Iterable[str] = LAYERS,
    on_model: Callable[[Model], None] | None = None,
    built: Iterable[str] = (),
    waits: Mapping[str, Callable[[], object]] | None = None,
) -> None:
    """Create or replace every model of the given layers, in order, except those `built` already in this run.

    `waits` maps a table that another thread is still filling to a function that waits for it: models that do
    not read it (directly or through other models) run first, and the function is called once before the
    first model that does.
    """
    create_macros(con)
    wanted = set(layers)
    skip = set(built)
    todo = [m for m in models() if m.layer in wanted and m.name not in skip]
    pending = dict(waits or {})
    needs: dict[str, set[str]] = {}  # model → the pending tables it reads, directly or through models
    for model in models():
        needs[model.name] = {t for t in model.reads if t in pending}.union(
            *(needs.get(t, set()) for t in model.reads)
        )
    for model in sorted(todo, key=lambda m: bool(needs[m.name])):  # stable: run order within each group
        for table in sorted(needs[model.name] & pending.keys()):
            pending.pop(table)()
        if on_model:
            on_model(model)
        _create(con, model)
    for wait in pending.values():
        wait()


def build_one(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Create or replace a single model (for a Python stage that needs it before its layer runs)."""
    create_macros(con)
    _create(con, next(m for m in models() if m.name == name))


@cache
def macros(macro_dir: Path = MACRO_DIR) -> tuple[str, ...]:
    """The `create or replace macro` statements under `sql/macros/`, by file name."""
    return tuple(path.read_text(encoding="utf-8") for path in sorted(macro_dir.glob("*.sql")))


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) the shared macros; they live in the warehouse, so views and analysts can use them too."""
    for statement in macros():
        con.execute(statement)


def _create(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    """A table, or a view when the file's first line says `-- materialized: view` (read once, too large to copy)."""
    kind = "view" if model.is_view else "table"
    found = con.execute(
        "select table_type from information_schema.tables where table_schema = 'main' and table_name = ?",
        [model.name],
    ).fetchone()
    if found and (found[0] == "VIEW") != model.is_view:  # the kind changed since this warehouse was built
        con.execute(f"drop {'view' if found[0] == 'VIEW' else 'table'} {quote_ident(model.name)}")
    body = model.sql.strip().rstrip(";")
    con.execute(f"create or replace {kind} {quote_ident(model.name)} as\n{body}")


def write_config_tables(con: duckdb.DuckDBPyConnection, config: Config) -> None:
    """Write the config values SQL needs as small tables: stages and their patterns, ticket `about`, settings."""
    con.execute(
        "create or replace table config_stages ("
        " stage_order integer, stage varchar, pattern_order integer, pattern varchar)"
    )
    rows = [
        (order, stage.name, p_order, pattern)
        for order, stage in enumerate(config.stages, start=1)
        for p_order, pattern in enumerate(stage.touchpoints, start=1)
    ]
    con.executemany("insert into config_stages values (?, ?, ?, ?)", rows)
    con.execute("create or replace table config_about (category varchar, touchpoint varchar)")
    tickets = config.sources.tickets
    if tickets and tickets.about:
        con.executemany("insert into config_about values (?, ?)", sorted(tickets.about.items()))
    con.execute(
        "create or replace table config_assumed_steps ("
        " step_order integer, touchpoint varchar, is_optional boolean, step_label varchar, position_in_step integer)"
    )
    steps = assumed_model(config.assumed_journey).steps
    step_rows = [
        (order, touchpoint, step.skippable, step.display, position)
        for order, step in enumerate(steps, start=1)
        for position, touchpoint in enumerate(sorted(step.labels))
    ]
    if step_rows:
        con.executemany("insert into config_assumed_steps values (?, ?, ?, ?, ?)", step_rows)
    pain = config.pain_points
    settings = {
        "timezone": config.timezone,
        "inactivity_minutes": config.sessions.inactivity_minutes,
        "unmapped_stage": UNMAPPED,
        "unmapped_stage_order": len(config.stages) + 1,
        "about_window_days": 7,
        "noise_threshold": config.mining.noise_threshold,
        "variant_coverage": config.mining.variant_coverage,
        "max_variants": config.mining.max_variants,
        "has_tickets": tickets is not None,
        "scorer_version": SCORER_VERSION,
        "negative_below": NEGATIVE_BELOW,
        "satisfaction_low": tickets.satisfaction_scale[0] if tickets else 1.0,
        "satisfaction_high": tickets.satisfaction_scale[1] if tickets else 5.0,
        "text_weight": pain.text_weight,
        "goal_stage_order": config.goal_stage_order,
        "voice_full_at": pain.voice_full_at,
        "weight_voice": pain.weights.voice,
        "weight_drop_off": pain.weights.drop_off,
        "weight_loops": pain.weights.loops,
        "weight_waiting": pain.weights.waiting,
    }
    frame = pd.DataFrame([settings])
    con.register("_settings", frame)
    con.execute("create or replace table config_settings as select * from _settings")
    con.unregister("_settings")


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def execute(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run SQL binding only the named parameters it mentions (DuckDB rejects unused ones)."""
    used = set(_PARAM.findall(sql))
    return con.execute(sql, {k: v for k, v in (params or {}).items() if k in used})


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB: double quotes, embedded quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Quote a string literal for DuckDB: single quotes, embedded quotes doubled (no backslash escapes)."""
    return "'" + text.replace("'", "''") + "'"


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'main' and table_name = ?",
        [name],
    ).fetchone()
    return bool(row and row[0])


def fault_point(name: str) -> None:
    """For the reliability tests: JOURNEYS_KILL_AT=<name> kills this process with SIGKILL right there
    (a stage name, `ingest-commit` just before a file's transaction commits, or `publish` before the swap)."""
    if os.environ.get("JOURNEYS_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
