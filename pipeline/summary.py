"""summary.json (schema_version 1) from the mart tables; the `runs` history table.

Each key documented in SPEC.md is read from one mart; nothing here aggregates events.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

import duckdb

from .config import Config

SCHEMA_VERSION = 1
VARIANTS_IN_SUMMARY = 1000  # the config's max_variants (≤ 1000) decides

RUNS_SCHEMA = """
create table if not exists runs (
    run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    config_path varchar,
    summary json not null
)
"""


def records(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """Rows of a (small) query as dicts."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, floats keep 6 decimals, nested structures recurse."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def inputs(con: duckdb.DuckDBPyConnection, has_tickets: bool) -> dict[str, Any]:
    """Per source: files ingested so far, rows in, loaded, rejected, duplicates dropped."""
    rows = records(
        con,
        "select source, count(*) as files, sum(rows_in) as rows_in, sum(rows_loaded) as rows_loaded,"
        " sum(rows_rejected) as rows_rejected, sum(duplicates_dropped) as duplicates_dropped"
        " from input_files group by source",
    )
    by_source = {r.pop("source"): {k: int(v or 0) for k, v in r.items()} for r in rows}
    empty = {"files": 0, "rows_in": 0, "rows_loaded": 0, "rows_rejected": 0, "duplicates_dropped": 0}
    out: dict[str, Any] = {"clickstream": by_source.get("clickstream", dict(empty))}
    out["tickets"] = by_source.get("tickets", dict(empty)) if has_tickets else None
    return out


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = con.execute(
        "select count(distinct customer_no), count(*), count(*) filter (where source_rank = 1) from int_events"
    ).fetchone()
    paths = con.execute("select count(*) from variants").fetchone()
    assert row is not None and paths is not None
    return {
        "customers": int(row[0]),
        "events": int(row[1]),
        "tickets": int(row[2]),
        "distinct_paths": int(paths[0]),
    }


def variant_coverage(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, Any]:
    """What share of customers the listed variants show, and the 'other' bucket they leave out."""
    row = con.execute(
        "select count(*) filter (where is_shown), coalesce(sum(customers) filter (where is_shown), 0),"
        " count(*) filter (where not is_shown), coalesce(sum(customers) filter (where not is_shown), 0),"
        " coalesce(sum(customers), 0) from variants"
    ).fetchone()
    assert row is not None
    shown, shown_c, other, other_c, total = (int(x) for x in row)
    return {
        "target_share": config.mining.variant_coverage,
        "max_variants": config.mining.max_variants,
        "shown_variants": shown,
        "shown_customers": shown_c,
        "shown_share": shown_c / total if total else None,
        "other_variants": other,
        "other_customers": other_c,
        "other_share": other_c / total if total else None,
    }


def pain_points(con: duckdb.DuckDBPyConnection, top: int) -> list[dict[str, Any]]:
    """The worst `top` touchpoints with their components, evidence and redacted quotes."""
    rows = records(
        con,
        "select touchpoint, stage, score, negative_share, tickets, drop_off_rate, loop_rate, evidence,"
        " customers, ticket_rate, sentiment_mean, median_wait_hours, wait_ratio,"
        " list_filter([quote_1, quote_2, quote_3], lambda q: q is not null) as quotes"
        " from rpt_pain_points order by pain_rank limit ?",
        [top],
    )
    return rows


def persona_list(con: duckdb.DuckDBPyConnection, model: dict[str, Any]) -> list[dict[str, Any]]:
    """Per persona: id, label, size, share, top path, traits, its funnel and emotion curve, its top paths."""
    people = records(
        con, "select persona_id as id, label, customers, share from personas order by persona_id"
    )
    stages = records(
        con,
        "select persona_id, stage as name, customers, drop_off_rate, sentiment_mean, n_tickets"
        " from rpt_persona_stages order by persona_id, stage_order",
    )
    paths = records(
        con, "select persona_id, path, customers, share from rpt_persona_paths order by persona_id, path_rank"
    )
    for person in people:
        pid = person["id"]
        own_paths = [
            {k: v for k, v in p.items() if k != "persona_id"} for p in paths if p["persona_id"] == pid
        ]
        person["top_path"] = own_paths[0]["path"] if own_paths else []
        person["traits"] = model.get("distinguishing", {}).get(str(pid), [])
        person["stages"] = [
            {k: v for k, v in s.items() if k != "persona_id"} for s in stages if s["persona_id"] == pid
        ]
        person["top_paths"] = own_paths
    return people


def conformance_summary(con: duckdb.DuckDBPyConnection, figures: dict[str, Any] | None) -> dict[str, Any]:
    """fitness, conforming_share, deviations (all kinds, largest first) and the stage-order view."""
    deviations = records(
        con, "select kind, touchpoint, customers, share, detail from rpt_deviations order by deviation_rank"
    )
    stage_order = records(con, "select pattern, customers, share from stage_order order by pattern_order")
    base: dict[str, Any] = dict(figures) if figures else {"fitness": None, "conforming_share": None}
    if not figures:
        base["note"] = "no assumed_journey in the config: only back-steps between stages are reported"
    base["deviations"] = deviations
    base["stage_order"] = stage_order
    return base


def build_summary(
    con: duckdb.DuckDBPyConnection,
    run: dict[str, Any],
    config: Config,
    models: list[dict[str, Any]] | None = None,
    conformance: dict[str, Any] | None = None,
    personas: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole summary.json document for one run."""
    stages = records(
        con,
        "select stage as name, customers, drop_off_rate, sentiment_mean, median_hours_to_next_stage,"
        " median_hours_to_reach, p90_hours_to_reach, n_tickets, sentiment_ci_low, sentiment_ci_high"
        " from stages order by stage_order",
    )
    touchpoints = records(
        con,
        "select touchpoint as name, stage, events, customers, tickets, sentiment_mean, negative_tickets, repeat_customers,"
        " loop_rate, n_self_loops, backtrack_customers"
        " from touchpoints order by stage_order, customers desc, touchpoint",
    )
    transitions = records(
        con,
        'select from_touchpoint as "from", to_touchpoint as "to", n_transitions as count, customers,'
        " median_hours, p90_hours, direction from transitions"
        " order by n_transitions desc, from_touchpoint, to_touchpoint",
    )
    variants = records(
        con,
        "select path, customers, share from variants where is_shown order by variant_rank limit ?",
        [VARIANTS_IN_SUMMARY],
    )
    stage_flow = records(
        con,
        'select from_stage as "from", to_stage as "to", n_transitions as count, customers, median_hours,'
        " p90_hours, direction from stage_flow order by from_stage_order, to_stage_order",
    )
    if not config.sources.tickets:
        for row in stages:
            row["sentiment_mean"] = row["sentiment_ci_low"] = row["sentiment_ci_high"] = None
    summary = {
        "schema_version": SCHEMA_VERSION,
        "run": run,
        "inputs": inputs(con, config.sources.tickets is not None),
        "counts": counts(con),
        "stages": stages,
        "touchpoints": touchpoints,
        "transitions": transitions,
        "variants": variants,
        "variant_coverage": variant_coverage(con, config),
        "stage_flow": stage_flow,
        "conformance": conformance_summary(con, conformance),
        "process_models": {"noise_threshold": config.mining.noise_threshold, "models": models or []},
        "pain_points": pain_points(con, config.pain_points.top),
        "personas": persona_list(con, personas) if personas else [],
        "persona_model": {k: v for k, v in (personas or {}).items() if k not in ("distinguishing", "labels")},
    }
    cleaned: dict[str, Any] = clean(summary)
    return cleaned


def record_run(con: duckdb.DuckDBPyConnection, summary: dict[str, Any]) -> None:
    """Keep this run's figures in the warehouse table `runs` (for change since the last run)."""
    con.execute(RUNS_SCHEMA)
    run = summary["run"]
    con.execute(
        "insert or replace into runs values (?, ?, ?, ?, ?)",
        [run["id"], run["started_at"], run["finished_at"], run.get("config"), json.dumps(summary)],
    )


def previous_runs(
    con: duckdb.DuckDBPyConnection, before_run_id: str, limit: int = 30
) -> list[dict[str, Any]]:
    """Earlier runs' summaries, newest first."""
    con.execute(RUNS_SCHEMA)
    rows = con.execute(
        "select summary from runs where run_id < ? order by run_id desc limit ?", [before_run_id, limit]
    ).fetchall()
    return [json.loads(r[0]) for r in rows]
