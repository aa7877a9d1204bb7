"""Timestamps as exports write them, in one file: each becomes the right UTC instant, or a quarantine row with
its reason — never a silent shift, never a lost row. The DST rule is the documented one (README, Semantics):
a repeated local hour is read as its later occurrence, a skipped one with the offset before the change."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline import db
from pipeline import ingest as ingest_module
from pipeline.config import load_config
from pipeline.ingest import ingest

from ..conftest import CLICK_COLUMNS, basic_config, rows, write_project

CASES = [
    # value in the file, UTC it must become (None: rejected), reason when rejected
    ("2026-10-05T10:00:00+02:00", "2026-10-05 08:00:00", None),
    ("2026-10-05T08:00:00Z", "2026-10-05 08:00:00", None),
    ("2026-10-05T08:00:00z", "2026-10-05 08:00:00", None),
    ("2026-10-05 08:00:00 UTC", "2026-10-05 08:00:00", None),
    ("2026-10-05 08:00:00 utc", "2026-10-05 08:00:00", None),  # once read as local time, the zone dropped
    ("2026-10-05 04:00:00 America/New_York", "2026-10-05 08:00:00", None),  # a zone name is honoured (EDT)
    ("2026-10-05t10:00:00", "2026-10-05 08:00:00", None),  # lower-case t, local (CEST)
    ("2026-10-05T03:00:00-0500", "2026-10-05 08:00:00", None),
    ("2026-10-05T08:00:00.123456Z", "2026-10-05 08:00:00.123456", None),
    ("2026-10-05 10:00:00.5", "2026-10-05 08:00:00.5", None),  # local (CEST)
    ("2026-10-05", "2026-10-04 22:00:00", None),  # a date alone is local midnight
    ("2026-10-25 02:30:00", "2026-10-25 01:30:00", None),  # repeated hour: the later occurrence (CET)
    ("2026-10-25 01:59:59", "2026-10-24 23:59:59", None),  # just before the repeat: CEST
    ("2026-03-29 02:30:00", "2026-03-29 01:30:00", None),  # skipped hour: offset before the change (CET)
    ("2026-03-29 03:00:00", "2026-03-29 01:00:00", None),  # first valid time after the gap: CEST
    ("1969-12-31T23:59:59Z", None, "timestamp out of range"),
    ("2100-01-01T00:00:00Z", None, "timestamp out of range"),
    ("0001-01-01T00:00:00Z", None, "timestamp out of range"),
    ("2026-02-30 10:00:00", None, "unparseable timestamp"),
    ("2026-13-01 10:00:00", None, "unparseable timestamp"),
    ("yesterday", None, "unparseable timestamp"),
    ("epoch", None, "unparseable timestamp"),  # DuckDB's word for 1970-01-01 is not a timestamp in an export
    ("2026-10-05 10:00:00 BC", None, "unparseable timestamp"),  # once silently read as AD
    ("", None, "missing timestamp"),
]


def test_iso_shapes_offsets_dst_and_ranges_in_one_file(tmp_path: Path) -> None:
    lines = ["customer_id,ts,event"] + [f'c{i},"{value}",ad' for i, (value, _, _) in enumerate(CASES)]
    cfg = load_config(write_project(tmp_path, {"clicks.csv": "\n".join(lines) + "\n"}, basic_config()))
    con = db.connect(cfg)
    ingest(con, cfg)
    loaded = dict(
        rows(con, "select customer_id, strftime(occurred_at, '%Y-%m-%d %H:%M:%S.%f') from raw_clickstream")
    )
    rejected = dict(rows(con, "select split_part(raw_text, ',', 1), reason from raw_rejects"))
    assert len(loaded) + len(rejected) == len(CASES)  # nothing lost
    for i, (value, utc, reason) in enumerate(CASES):
        key = f"c{i}"
        if utc is None:
            assert rejected.get(key) == reason, value
        else:
            whole, _, frac = utc.partition(".")
            assert loaded.get(key) == f"{whole}.{frac.ljust(6, '0')}", value


@pytest.mark.parametrize(
    "fmt, value, utc",
    [
        ("epoch_s", "1791187200", "2026-10-05 08:00:00"),
        ("epoch_s", "1791187200.25", "2026-10-05 08:00:00.25"),
        ("epoch_ms", "1791187200500", "2026-10-05 08:00:00.5"),
        ("%d/%m/%Y %H:%M", "25/10/2026 02:30", "2026-10-25 01:30:00"),  # strptime + the same DST rule
        ("%d.%m.%Y %H:%M:%S%z", "05.10.2026 10:00:00+0200", "2026-10-05 08:00:00"),
    ],
)
def test_epochs_and_strptime_formats(tmp_path: Path, fmt: str, value: str, utc: str) -> None:
    clicks = {"path": "clicks.csv", **CLICK_COLUMNS, "timestamp_format": fmt}
    cfg = load_config(
        write_project(
            tmp_path,
            {"clicks.csv": f"customer_id,ts,event\nc1,{value},ad\n"},
            basic_config(sources={"clickstream": clicks}),
        )
    )
    con = db.connect(cfg)
    ingest(con, cfg)
    got = rows(con, "select occurred_at from raw_clickstream")
    assert len(got) == 1, rows(con, "select * from raw_rejects")
    assert str(got[0][0]).startswith(utc.rstrip("0").rstrip(".") if "." in utc else utc)


@pytest.mark.parametrize(
    "fmt, value", [("epoch_s", "99999999999999"), ("epoch_ms", "-5000"), ("epoch_s", "1e400")]
)
def test_epochs_out_of_range_are_quarantined(tmp_path: Path, fmt: str, value: str) -> None:
    clicks = {"path": "clicks.csv", **CLICK_COLUMNS, "timestamp_format": fmt}
    cfg = load_config(
        write_project(
            tmp_path,
            {"clicks.csv": f"customer_id,ts,event\nc1,{value},ad\n"},
            basic_config(sources={"clickstream": clicks}),
        )
    )
    con = db.connect(cfg)
    ingest(con, cfg)
    assert rows(con, "select count(*) from raw_clickstream") == [(0,)]
    assert rows(con, "select reason from raw_rejects")[0][0] in (
        "timestamp out of range",
        "unparseable timestamp",
    )


def test_ingest_gives_the_session_back_as_it_found_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # loading reads local times in the configured zone and keeps file order; the models after it (and a caller
    # with its own zone) inherit neither, also when a statement fails inside a file's transaction
    clicks = "customer_id,ts,event\nc1,2026-10-05 10:00:00,ad\n"
    cfg = load_config(write_project(tmp_path, {"clicks.csv": clicks}, basic_config()))
    con = db.connect(cfg)
    con.execute("set TimeZone = 'Asia/Tokyo'")
    ingest(con, cfg)
    settings = "select current_setting('TimeZone'), current_setting('preserve_insertion_order')"
    assert rows(con, settings) == [("Asia/Tokyo", False)]
    utc = "select strftime(occurred_at at time zone 'UTC', '%H:%M') from raw_clickstream"
    assert rows(con, utc) == [("08:00",)]  # 10:00 in the configured Amsterdam, not in Tokyo

    def failing_load(con: duckdb.DuckDBPyConnection, *args: object) -> None:
        con.execute("select error('disk gone')")  # aborts the file's transaction

    (tmp_path / "clicks_2.csv").write_text(
        "customer_id,ts,event\nc2,2026-10-06 10:00:00,ad\n", encoding="utf-8"
    )
    monkeypatch.setattr(ingest_module, "_load_rows", failing_load)
    with pytest.raises(duckdb.Error, match="disk gone"):
        ingest(con, cfg)
    assert rows(con, settings) == [("Asia/Tokyo", False)]
