"""Hostile input: random bytes and random Unicode through ingestion, and config values that try to reach SQL.

Invariant for every file: rows in = loaded + rejected (+ duplicates later, in stg); no exception escapes.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import db
from pipeline.config import ConfigError, load_config
from pipeline.flow import build_marts
from pipeline.ingest import ingest

from ..conftest import CLICK_COLUMNS, basic_config, rows, write_project

SETTINGS = settings(
    max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def _ingest(files: dict[str, str | bytes], **source: object) -> tuple[list[tuple[object, ...]], int, int]:
    """Ingest into a fresh warehouse; returns per-file (rows_in, loaded, rejected) and the table counts."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(
            write_project(
                Path(tmp),
                files,
                basic_config(sources={"clickstream": {"path": "clicks*", **CLICK_COLUMNS, **source}}),
            )
        )
        con = db.connect(cfg)
        try:
            ingest(con, cfg)
            per_file = rows(
                con, "select rows_in, rows_loaded, rows_rejected from ingested_files order by file_id"
            )
            loaded = rows(con, "select count(*) from raw_clickstream")[0][0]
            rejected = rows(con, "select count(*) from raw_rejects")[0][0]
        finally:
            con.close()
    return per_file, loaded, rejected


def _physical_records(text: str) -> int:
    """Records after the header as a CSV reader sees them (blank lines are not records)."""
    return max(0, sum(1 for r in csv.reader(io.StringIO(text, newline="")) if r) - 1)


@SETTINGS
@given(st.binary(min_size=0, max_size=400))
def test_random_bytes_after_a_valid_header_never_crash_and_lose_nothing(payload: bytes) -> None:
    data = b"customer_id,ts,event\n" + payload
    per_file, loaded, rejected = _ingest({"clicks.csv": data})
    assert len(per_file) == 1
    rows_in, file_loaded, file_rejected = per_file[0]
    assert rows_in == file_loaded + file_rejected
    assert (loaded, rejected) == (file_loaded, file_rejected)


@SETTINGS
@given(st.binary(min_size=1, max_size=300))
def test_random_bytes_as_the_whole_file_are_a_clear_error_or_load(payload: bytes) -> None:
    try:
        per_file, loaded, rejected = _ingest({"clicks.csv": payload})
    except ConfigError as exc:  # a header without the configured columns: one clear line
        assert "clicks.csv" in str(exc)
        return
    rows_in, file_loaded, file_rejected = per_file[0]
    assert rows_in == file_loaded + file_rejected == loaded + rejected


cell = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters=["\x00", "\r"]), max_size=30
)


@SETTINGS
@given(st.lists(st.tuples(cell, cell, cell), min_size=0, max_size=20))
def test_random_unicode_in_every_field_is_loaded_or_rejected_never_lost(
    values: list[tuple[str, str, str]],
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["customer_id", "ts", "event"])
    for customer, ts, event in values:
        writer.writerow([customer, ts, event])
    text = out.getvalue()
    per_file, loaded, rejected = _ingest({"clicks.csv": text})
    rows_in, file_loaded, file_rejected = per_file[0]
    assert rows_in == file_loaded + file_rejected == loaded + rejected
    assert rows_in == _physical_records(text)


def _trim(value: str) -> str:
    spaces = "".join({ch for ch in value if unicodedata.category(ch) == "Zs"})
    return value.strip(spaces) if spaces else value


when = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2098, 12, 31))


@SETTINGS
@given(st.lists(st.tuples(cell, when, cell), min_size=1, max_size=15))
def test_random_unicode_with_real_timestamps_keeps_text_exactly(
    values: list[tuple[str, datetime, str]],
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["customer_id", "ts", "event"])
    writer.writerows([(c, t.isoformat(), e) for c, t, e in values])
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(write_project(Path(tmp), {"clicks.csv": out.getvalue()}, basic_config()))
        con = db.connect(cfg)
        ingest(con, cfg)
        got = sorted(rows(con, "select customer_id, touchpoint from raw_clickstream"))
        rejected = rows(con, "select reason from raw_rejects")
        con.close()
    # a value is trimmed of spaces (Unicode space separators, as DuckDB's trim; tabs and newlines are kept);
    # a row whose id or touchpoint is then blank is rejected with its reason
    expected = sorted((_trim(c), _trim(e)) for c, _, e in values if _trim(c) and _trim(e))
    assert got == expected
    assert len(rejected) == len(values) - len(expected)
    assert {r for (r,) in rejected} <= {"missing customer id", "missing touchpoint"}


@pytest.mark.parametrize(
    "text, loaded, rejected",
    [
        # LF file with one CRLF row: DuckDB's reader gives up on the whole file; the Python reader takes over
        ("customer_id,ts,event\nc1,2026-10-05T08:00:00Z,ad\r\nc2,2026-10-05T08:00:00Z,view\n", 2, 0),
        # a stray CR inside an unquoted field ends the row there (as in any CSV reader): the first part loads,
        # the remainder is quarantined with its text, nothing is lost
        ("customer_id,ts,event\nc1,2026-10-05T08:00:00Z,a\rd\nc2,2026-10-05T08:00:00Z,view\n", 2, 1),
    ],
)
def test_stray_carriage_returns_load_or_quarantine(text: str, loaded: int, rejected: int) -> None:
    per_file, got_loaded, got_rejected = _ingest({"clicks.csv": text})
    assert (got_loaded, got_rejected) == (loaded, rejected)
    assert per_file[0][0] == loaded + rejected


HOSTILE_NAMES = [
    'ts"; drop table raw_clickstream; --',
    "ts'; drop table raw_clickstream; --",
    "select",
    "from where",
    "a;b",
    "ts) union select 1 --",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_column_names_are_columns_not_sql(tmp_path: Path, name: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["customer_id", name, "event"])
    writer.writerow(["c1", "2026-10-05T08:00:00Z", "ad"])
    cfg = load_config(
        write_project(
            tmp_path,
            {"clicks.csv": out.getvalue()},
            basic_config(sources={"clickstream": {"path": "clicks.csv", **CLICK_COLUMNS, "timestamp": name}}),
        )
    )
    con = db.connect(cfg)
    ingest(con, cfg)
    assert rows(con, "select customer_id, touchpoint from raw_clickstream") == [("c1", "ad")]
    assert db.table_exists(con, "raw_clickstream")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_attribute_names_are_map_keys_not_sql(tmp_path: Path, name: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["customer_id", "ts", "event", name])
    writer.writerow(["c1", "2026-10-05T08:00:00Z", "ad", "it's; mobile"])
    source = {"path": "clicks.csv", **CLICK_COLUMNS, "attributes": [name]}
    cfg = load_config(
        write_project(tmp_path, {"clicks.csv": out.getvalue()}, basic_config(sources={"clickstream": source}))
    )
    con = db.connect(cfg)
    ingest(con, cfg)
    assert rows(con, "select attribute_names from ingested_files") == [([name],)]
    assert rows(con, "select attribute_values from raw_clickstream") == [(["it's; mobile"],)]
    build_marts(con, cfg)
    assert rows(con, "select map_entries(attributes) from event_attributes") == [
        ([{"key": name, "value": "it's; mobile"}],)
    ]


@pytest.mark.parametrize(
    "folder", ["it's here", 'quote"d', "semi;colon", "drop table runs --", "ünïcødé dir"]
)
def test_paths_with_quotes_and_sql_in_them_load(tmp_path: Path, folder: str) -> None:
    root = tmp_path / folder
    cfg = load_config(
        write_project(
            root,
            {"in/clicks.csv": "customer_id,ts,event\nc1,2026-10-05T08:00:00Z,ad\n"},
            basic_config(
                sources={"clickstream": {"path": "in/clicks.csv", **CLICK_COLUMNS}},
                warehouse="wh/it's.duckdb",
            ),
        )
    )
    con = db.connect(cfg)
    ingest(con, cfg)
    assert rows(con, "select count(*) from raw_clickstream") == [(1,)]


@pytest.mark.parametrize(
    "change, key",
    [
        ({"timezone": "UTC'; drop table runs; --"}, "timezone"),
        ({"engine": {"memory_limit": "1GB'; drop table runs; --"}}, "engine.memory_limit"),
        (
            {"sources": {"clickstream": {"path": "clicks.csv", **CLICK_COLUMNS, "delimiter": "';"}}},
            "delimiter",
        ),
        (
            {"sources": {"clickstream": {"path": "clicks.csv", **CLICK_COLUMNS, "encoding": "utf-8'; --"}}},
            "encoding",
        ),
    ],
)
def test_config_values_that_would_be_sql_are_rejected_by_key(
    tmp_path: Path, change: dict[str, object], key: str
) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(write_project(tmp_path, {"clicks.csv": "customer_id,ts,event\n"}, basic_config(**change)))


def test_hostile_stage_and_touchpoint_names_reach_the_report_as_text(tmp_path: Path) -> None:
    """Stage names, touchpoints and globs with quotes and SQL go through config tables, never SQL text."""
    name = "Decision'; drop table runs; --"
    config = basic_config(
        stages=[
            {"name": "Awareness", "touchpoints": ["ad"]},
            {"name": name, "touchpoints": ["pay'--", "ca*"]},
        ]
    )
    clicks = "customer_id,ts,event\nc1,2026-10-05T08:00:00Z,ad\nc1,2026-10-05T08:01:00Z,pay'--\nc1,2026-10-05T08:02:00Z,cart\n"
    cfg_path = write_project(tmp_path, {"clicks.csv": clicks}, config)
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "report", "--config", str(cfg_path), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    con = db.connect(load_config(cfg_path), read_only=True)
    assert rows(con, "select touchpoint, stage from journey_events order by event_seq") == [
        ("ad", "Awareness"),
        ("pay'--", name),
        ("cart", name),
    ]
