"""The SQL models keep the architecture's rules: one select per file, grain comment, reads only lower layers."""

from __future__ import annotations

from pipeline.db import LAYERS, SQL_DIR, models

# Tables written by Python stages (ingest, config, later mining and scoring): any layer may read them.
PYTHON_TABLES = {
    "raw_clickstream",
    "raw_tickets",
    "raw_rejects",
    "ingested_files",
    "config_stages",
    "config_about",
    "config_settings",
    "conformance_variants",
    "conformance_deviations",
    "sentiment_cache",
    "pain_point_quotes",
    "customer_personas",
    "personas",
    "config_assumed_steps",
    "runs",
    "current_run",
}


def test_every_model_reads_only_its_own_or_lower_layers() -> None:
    layer_of = {m.name: LAYERS.index(m.layer) for m in models()}
    for model in models():
        for table in model.reads:
            if table in PYTHON_TABLES:
                continue
            assert table in layer_of, f"{model.path.name} reads unknown table {table}"
            assert layer_of[table] <= LAYERS.index(model.layer), (
                f"{model.path.name} reads {table} from a higher layer"
            )


def test_every_model_starts_with_its_grain() -> None:
    for path in sorted(p for layer in LAYERS for p in (SQL_DIR / layer).glob("*.sql")):
        lines = path.read_text(encoding="utf-8").splitlines()
        first = lines[1] if lines[0] == "-- materialized: view" else lines[0]
        assert first.startswith("-- one row per"), path


def test_every_macro_file_creates_the_macro_it_is_named_after() -> None:
    paths = sorted((SQL_DIR / "macros").glob("*.sql"))
    assert [p.stem for p in paths] == ["quantiles_from_counts"]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        statements = [line for line in text.splitlines() if line and not line.startswith("--")]
        assert statements[0].startswith(f"create or replace macro {path.stem}("), path


def test_staging_models_are_one_to_one_with_raw_tables() -> None:
    # plus the clickstream's duplicate rows, kept apart so that the largest table is never sorted whole
    staging = {m.name for m in models() if m.layer == "staging"}
    assert staging == {"stg_clickstream", "stg_tickets", "stg_clickstream_duplicates"}


def test_a_view_model_replaces_a_table_of_the_same_name_from_an_older_warehouse(tmp_path) -> None:
    import duckdb

    from pipeline.db import _create

    view = next(m for m in models() if m.name == "stg_clickstream")
    assert view.is_view
    assert not next(m for m in models() if m.name == "int_events").is_view
    # journey_events names int_events' numbers for analysts
    assert next(m for m in models() if m.name == "journey_events").is_view
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute(
        "create table raw_clickstream (file_id int, record_no bigint, customer_id varchar,"
        " occurred_at timestamptz, touchpoint varchar, session_id varchar, attribute_values varchar[])"
    )
    con.execute("create table ingested_files (file_id int, file_name varchar)")
    con.execute("create table stg_clickstream_duplicates (file_id int, record_no bigint)")
    con.execute("create table stg_clickstream as select 1 as x")  # built as a table by an older version
    _create(con, view)
    kind = con.execute(
        "select table_type from information_schema.tables where table_name = 'stg_clickstream'"
    ).fetchone()
    assert kind == ("VIEW",)
    assert "is_duplicate" in [r[0] for r in con.execute("describe stg_clickstream").fetchall()]


def test_build_leaves_the_models_a_stage_built_already(tmp_path) -> None:
    import duckdb

    from pipeline.db import build
    from pipeline.ingest import ensure_schema

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    con.execute("create table stg_clickstream_duplicates as select 7 as file_id, 1::bigint as record_no")
    build(con, ("staging",), built={"stg_clickstream_duplicates"})
    assert con.execute("select * from stg_clickstream_duplicates").fetchall() == [(7, 1)]
    build(con, ("staging",))  # rebuilt from the (empty) raw table
    assert con.execute("select count(*) from stg_clickstream_duplicates").fetchall() == [(0,)]


def test_build_runs_what_does_not_read_a_pending_table_first(project) -> None:  # type: ignore[no-untyped-def]
    from pipeline.db import build

    from .conftest import basic_config

    con = project({"clicks.csv": "customer_id,ts,event\nc1,2026-10-05T08:00:00Z,ad\n"}, basic_config())
    order: list[str] = []
    build(
        con,
        ("staging", "intermediate", "marts"),
        on_model=lambda m: order.append(m.name),
        waits={"sentiment_cache": lambda: order.append("WAIT")},
    )
    after = order[order.index("WAIT") + 1 :]
    # the models that read ticket sentiment, directly or through another model, and only those, wait
    assert sorted(after) == [
        "int_ticket_sentiment",
        "pain_point_quote_candidates",
        "pain_points",
        "stages",
        "touchpoints",
    ]
    assert order.count("WAIT") == 1
    ran = [name for name in order if name != "WAIT"]
    by_name = {m.name: m for m in models()}
    assert sorted(ran) == sorted(m.name for m in models() if m.layer != "reports")
    for i, name in enumerate(ran):  # every model after the models it reads
        assert not by_name[name].reads & set(ran[i:]) - {name}, name


def test_every_exported_table_declares_its_row_order() -> None:
    from pipeline.flow import TABLES

    order = {m.name: m.row_order for m in models()}
    assert {t: order[t] for t in TABLES if t in order and not order[t]} == {}
    assert order["variants"] == "variant_rank"
    assert order["touchpoints"] == "stage_order, customers desc, touchpoint"


def test_exported_tables_come_out_in_their_order_whatever_the_storage_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    import duckdb

    from pipeline.flow import write_tables

    con = duckdb.connect()
    con.execute(
        "create table variants as select 3001 - i as variant_rank, ['a', 'b'] as path, 'a > b' as path_text"
        " from range(1, 3001) as r(i) order by i"
    )
    con.execute("create table conformance_variants as select variant_rank, 0 as cost from variants")
    assert con.execute("select variant_rank from variants limit 1").fetchone() == (3000,)  # stored descending
    write_tables(
        con, tmp_path / "tables", {"variants": "variants", "conformance_variants": "conformance_variants"}
    )
    for name in ("variants", "conformance_variants"):
        with (tmp_path / "tables" / f"{name}.csv").open(encoding="utf-8") as fh:
            ranks = [int(row["variant_rank"]) for row in csv.DictReader(fh)]
        assert ranks == list(range(1, 3001)), name
