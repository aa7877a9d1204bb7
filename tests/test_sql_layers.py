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
    for path in sorted(SQL_DIR.glob("*/*.sql")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("-- one row per"), path


def test_staging_models_are_one_to_one_with_raw_tables() -> None:
    staging = {m.name for m in models() if m.layer == "staging"}
    assert staging == {"stg_clickstream", "stg_tickets"}
