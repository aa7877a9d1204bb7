"""`journeys export`: the unified event log in XES, OCEL 2.0 and CSV, read back by pm4py."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from pipeline.export import _xml_attr, export_log

from .conftest import rows
from .test_journey_log import TICKETS, _config

os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")

# The journey fixture plus touchpoint names that XML and spreadsheets must survive.
CLICKS = '''\
customer_id,ts,event
u1,2026-10-05T10:00:00+02:00,ad
u1,2026-10-05 10:10:00,view
u1,2026-10-05T08:20:00Z,cart
u1,2026-10-05T09:20:00+01:00,pay
u2,2026-10-05T12:00:00Z,"a<b & ""c"""
u2,2026-10-05T12:05:00.250Z,café
u3,2026-10-05T07:00:00Z,=cmd|' /C calc'!A0
'''


@pytest.fixture
def con(project):  # type: ignore[no-untyped-def]
    return project({"clicks.csv": CLICKS, "tickets.csv": TICKETS}, _config())


def _expected(con) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return rows(con, "select customer_id, touchpoint from journey_events order by customer_id, event_seq")


def test_xes_is_read_back_by_pm4py_with_identical_cases_and_events(con, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pm4py

    n = export_log(con, "xes", tmp_path / "log.xes")
    df = pm4py.read_xes(str(tmp_path / "log.xes"))
    expected = _expected(con)
    assert n == len(expected) == len(df)
    assert list(zip(df["case:concept:name"], df["concept:name"], strict=True)) == expected
    times = rows(con, "select epoch_ms(occurred_at) from journey_events order by customer_id, event_seq")
    assert [int(t.timestamp() * 1000) for t in df["time:timestamp"]] == [t[0] for t in times]
    assert set(df["journey:source"]) == {"clickstream", "tickets"}
    assert not list(tmp_path.glob(".*partial"))


def test_ocel_is_read_back_by_pm4py(con, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pm4py

    n = export_log(con, "ocel", tmp_path / "log.jsonocel")
    json.loads((tmp_path / "log.jsonocel").read_text(encoding="utf-8"))  # valid JSON
    ocel = pm4py.read_ocel2_json(str(tmp_path / "log.jsonocel"))
    assert n == len(ocel.events) == len(_expected(con))
    types = ocel.objects["ocel:type"].value_counts().to_dict()
    customers = rows(
        con,
        "select count(distinct customer_id), count(distinct session_id), count(distinct ticket_id) from journey_events",
    )[0]
    assert types == {"customer": customers[0], "session": customers[1], "ticket": customers[2]}
    # every event is related to its customer, clickstream events to their session, tickets to their ticket
    [(sessions_and_tickets,)] = rows(con, "select count(session_id) + count(ticket_id) from journey_events")
    assert len(ocel.relations) == n + sessions_and_tickets


def test_csv_has_xes_column_names_and_is_spreadsheet_safe(con, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export_log(con, "csv", tmp_path / "log.csv")
    with (tmp_path / "log.csv").open(encoding="utf-8", newline="") as fh:
        data = list(csv.DictReader(fh))
    assert list(data[0])[:3] == ["case:concept:name", "concept:name", "time:timestamp"]
    assert len(data) == len(_expected(con))
    names = {r["concept:name"] for r in data}
    assert "'=cmd|' /C calc'!A0" in names  # a formula is neutralised, not executed by Excel
    assert 'a<b & "c"' in names and "café" in names
    assert data[0]["time:timestamp"].endswith("+00:00")


def test_xml_attribute_values_are_escaped_and_cleaned() -> None:
    assert _xml_attr('a<b & "c"') == "'a&lt;b &amp; \"c\"'"
    assert _xml_attr("bell\x07 and \x00nul") == '"bell and nul"'


def test_export_command(tmp_path: Path) -> None:
    import subprocess
    import sys

    from .conftest import write_project

    write_project(tmp_path, {"clicks.csv": CLICKS, "tickets.csv": TICKETS}, _config())
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "export", "--format", "xes", "--out", "out/log.xes"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote out/log.xes: 12 events (xes)" in done.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "pipeline", "export", "--format", "parquet", "--out", "x"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2


def test_an_ordered_csv_written_in_key_ranges_equals_one_sorted_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By an integer key the file is written range by range (a sort that fits in memory at any size): the same
    bytes as one sorted write, one header, rows stored in any order, formulas neutralised; an empty table gives
    the header alone; sparse keys fall back to one sort."""
    import duckdb

    import pipeline.export as export

    con = duckdb.connect()
    con.execute(
        "create table variants as select (i * 7919) % 103 + 1 as variant_rank, ['=x', 'b'] as path,"
        " 'p' || i as path_text from range(103) as r(i)"
    )
    con.execute(
        "create table sparse as select i * 1000000 as k, 'v' || i as v from range(50) as r(i) order by i desc"
    )
    con.execute("create table nothing as select * from variants where false")
    reference = tmp_path / "reference.csv"
    sql = export.safe_select(con, "variants")
    con.execute(
        f"copy (select * from ({sql}) order by variant_rank) to '{reference}' (header, delimiter ',')"
    )
    monkeypatch.setattr(export, "ROWS_PER_PART", 10)
    export.write_csv(con, "variants", tmp_path / "parts.csv", order_by="variant_rank")
    assert (tmp_path / "parts.csv").read_bytes() == reference.read_bytes()
    with (tmp_path / "parts.csv").open(encoding="utf-8") as fh:
        read = list(csv.DictReader(fh))
    assert [int(r["variant_rank"]) for r in read] == list(range(1, 104))
    assert read[0]["path"] == "'=x > b"
    assert not list(tmp_path.glob(".*.part"))
    export.write_csv(con, "nothing", tmp_path / "nothing.csv", order_by="variant_rank")
    assert (tmp_path / "nothing.csv").read_text(encoding="utf-8").splitlines() == [
        "variant_rank,path,path_text"
    ]
    export.write_csv(con, "nothing", tmp_path / "narrow.csv", order_by="variant_rank", exclude=("path_text",))
    assert (tmp_path / "narrow.csv").read_text(encoding="utf-8").splitlines() == ["variant_rank,path"]
    export.write_csv(con, "sparse", tmp_path / "sparse.csv", order_by="k")
    with (tmp_path / "sparse.csv").open(encoding="utf-8") as fh:
        assert [int(r["k"]) for r in csv.DictReader(fh)] == [i * 1000000 for i in range(50)]
