"""Shared helpers: write a tiny project (CSV files + journey.yml) into a temp folder and build its warehouse."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from pipeline import db
from pipeline.config import load_config
from pipeline.flow import build_marts

REPO = Path(__file__).resolve().parent.parent


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def write_project(root: Path, files: dict[str, str | bytes], config: dict[str, Any]) -> Path:
    """Write input files and journey.yml under `root`; returns the config path."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(dedent(content), encoding="utf-8", newline="")
    config = {"warehouse": "warehouse.duckdb", **config}
    cfg = root / "journey.yml"
    cfg.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return cfg


def build_warehouse(config_path: Path) -> duckdb.DuckDBPyConnection:
    """Ingest and build every SQL layer; returns an open connection to the warehouse."""
    config = load_config(config_path)
    con = db.connect(config)
    build_marts(con, config)
    return con


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


CLICK_COLUMNS = {"customer_id": "customer_id", "timestamp": "ts", "touchpoint": "event"}
TICKET_COLUMNS = {
    "customer_id": "customer_id",
    "timestamp": "created_at",
    "text": "body",
    "category": "category",
}


def basic_config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": "Test",
        "timezone": "Europe/Amsterdam",
        "sources": {"clickstream": {"path": "clicks*.csv", **CLICK_COLUMNS}},
        "stages": [
            {"name": "Awareness", "touchpoints": ["ad", "social_*"]},
            {"name": "Consideration", "touchpoints": ["view", "compare"]},
            {"name": "Decision", "touchpoints": ["cart", "pay"]},
            {"name": "Service", "touchpoints": ["ticket*", "track"]},
            {"name": "Loyalty", "touchpoints": ["refill"]},
        ],
    }
    config.update(overrides)
    return config


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., duckdb.DuckDBPyConnection]:
    """project(files, config) → warehouse connection, built from a fresh folder."""
    made: list[duckdb.DuckDBPyConnection] = []

    def make(
        files: dict[str, str | bytes], config: dict[str, Any] | None = None
    ) -> duckdb.DuckDBPyConnection:
        cfg = write_project(tmp_path / f"p{len(made)}", files, config or basic_config())
        con = build_warehouse(cfg)
        made.append(con)
        return con

    yield make
    for con in made:
        con.close()
