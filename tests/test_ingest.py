"""Ingestion: rejects with their physical line and reason, timestamps to UTC, manifest and idempotence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pipeline import db
from pipeline.config import ConfigError, load_config
from pipeline.ingest import ingest

from .conftest import basic_config, build_warehouse, rows, write_project

MESSY = (
    "customer_id,ts,event\n"  # line 1
    "a,2026-10-05T08:00:00Z,ad\n"  # 2 ok
    ",2026-10-05T08:01:00Z,view\n"  # 3 missing customer id
    "a,not a time,view\n"  # 4 unparseable timestamp
    "a,2026-10-05T08:02:00Z,view,extra\n"  # 5 too many fields
    "a,2026-10-05T08:03:00Z\n"  # 6 too few fields
    "a,,view\n"  # 7 missing timestamp
    "a,2026-10-05T08:04:00Z,\n"  # 8 missing touchpoint
    "a,1850-01-01T00:00:00Z,view\n"  # 9 out of range
    "   ,2026-10-05T08:05:00Z,view\n"  # 10 blank customer id
    "a,2026-10-05T08:06:00Z,cart\n"  # 11 ok
)


def test_each_reject_reason_with_its_line(project) -> None:  # type: ignore[no-untyped-def]
    con = project({"clicks.csv": MESSY})
    got = rows(con, "select line, reason, raw_text from rejected_rows order by line")
    assert got == [
        (3, "missing customer id", ",2026-10-05T08:01:00Z,view"),
        (4, "unparseable timestamp", "a,not a time,view"),
        (5, "wrong number of fields", "a,2026-10-05T08:02:00Z,view,extra"),
        (6, "wrong number of fields", "a,2026-10-05T08:03:00Z"),
        (7, "missing timestamp", "a,,view"),
        (8, "missing touchpoint", "a,2026-10-05T08:04:00Z,"),
        (9, "timestamp out of range", "a,1850-01-01T00:00:00Z,view"),
        (10, "missing customer id", "   ,2026-10-05T08:05:00Z,view"),
    ]
    assert rows(con, "select rows_in, rows_loaded, rows_rejected, duplicates_dropped from input_files") == [
        (10, 2, 8, 0)
    ]
    assert rows(con, "select touchpoint from journey_events order by event_seq") == [("ad",), ("cart",)]


def test_row_check_and_reject_reason_agree(project) -> None:  # type: ignore[no-untyped-def]
    # ingest tests every row with one boolean and builds the reason only for the rows that fail it: a row failing
    # several checks gets the first reason in order, space-like characters that trim() removes (no-break space,
    # ideographic space) make a value blank, and every row is either loaded or rejected
    clicks = (
        "customer_id,ts,event\n"  # 1
        ",not a time,\n"  # 2 three checks fail: the first reason
        "a,not a time,\n"  # 3 touchpoint before timestamp
        "\u00a0,2026-10-05T08:00:00Z,view\n"  # 4 no-break space only
        "a,2026-10-05T08:01:00Z,\u3000 \n"  # 5 ideographic space and a space only
        "a,0001-01-01T00:00:00Z,view\n"  # 6 readable but out of range
        " a ,2026-10-05T08:02:00Z, view \n"  # 7 ok, trimmed
    )
    con = project({"clicks.csv": clicks.encode("utf-8")})
    assert rows(con, "select line, reason from rejected_rows order by line") == [
        (2, "missing customer id"),
        (3, "missing touchpoint"),
        (4, "missing customer id"),
        (5, "missing touchpoint"),
        (6, "timestamp out of range"),
    ]
    assert rows(con, "select customer_id, touchpoint from journey_events") == [("a", "view")]
    assert rows(con, "select rows_in, rows_loaded, rows_rejected from input_files") == [(6, 1, 5)]


def test_lines_are_physical_with_multiline_fields_bom_and_blank_lines(project) -> None:  # type: ignore[no-untyped-def]
    config = basic_config()
    config["sources"]["tickets"] = {  # type: ignore[index]
        "path": "tickets.csv",
        "customer_id": "customer_id",
        "timestamp": "created_at",
        "text": "body",
    }
    tickets = (
        "\ufeffcustomer_id,created_at,body\r\n"  # 1 (BOM, CRLF)
        'a,2026-10-05T08:00:00Z,"line one\nline two\nline three"\r\n'  # 2-4
        "\r\n"  # 5 blank
        ",2026-10-05T09:00:00Z,no customer\r\n"  # 6 missing id
        'b,2026-10-05T09:00:00Z,"two\nlines",extra\r\n'  # 7-8 too many fields
        'c,soon,"quoted ""word"""\r\n'  # 9 bad timestamp
        "d,2026-10-05T10:00:00Z,fine\r\n"  # 10
    )
    con = project(
        {
            "clicks.csv": "customer_id,ts,event\na,2026-10-05T07:00:00Z,ad\n",
            "tickets.csv": tickets.encode("utf-8"),
        },
        config,
    )
    got = rows(con, "select line, reason from rejected_rows where source = 'tickets' order by line")
    assert got == [(6, "missing customer id"), (7, "wrong number of fields"), (9, "unparseable timestamp")]
    bodies = rows(con, "select customer_id, body from stg_tickets order by customer_id")
    assert bodies == [("a", "line one\nline two\nline three"), ("d", "fine")]
    raw = rows(con, "select raw_text from rejected_rows where line = 9")
    assert raw == [('c,soon,"quoted ""word"""',)]


@pytest.mark.parametrize(
    ("fmt", "value", "zone", "utc"),
    [
        (None, "2026-10-05T10:00:00+02:00", "UTC", "2026-10-05 08:00:00"),
        (None, "2026-10-05 10:00:00+0200", "UTC", "2026-10-05 08:00:00"),
        (None, "2026-10-05T08:00:00Z", "Europe/Amsterdam", "2026-10-05 08:00:00"),
        (None, "2026-10-05T08:00:00.250Z", "UTC", "2026-10-05 08:00:00.25"),
        (None, "2026-10-05 10:00:00", "Europe/Amsterdam", "2026-10-05 08:00:00"),  # CEST
        (None, "2026-11-05 10:00:00", "Europe/Amsterdam", "2026-11-05 09:00:00"),  # CET
        (None, "2026-10-05 10:00:00", "America/New_York", "2026-10-05 14:00:00"),
        (None, "2026-10-05", "Europe/Amsterdam", "2026-10-04 22:00:00"),  # a date is local midnight
        (
            None,
            "2026-10-25 02:30:00",
            "Europe/Amsterdam",
            "2026-10-25 01:30:00",
        ),  # repeated hour: the later one
        (
            None,
            "2026-03-29 02:30:00",
            "Europe/Amsterdam",
            "2026-03-29 01:30:00",
        ),  # missing hour: offset before
        ("%d/%m/%Y %H:%M:%S", "05/10/2026 10:00:00", "Europe/Amsterdam", "2026-10-05 08:00:00"),
        ("%d/%m/%Y %H:%M %z", "05/10/2026 10:00 +0100", "Europe/Amsterdam", "2026-10-05 09:00:00"),
        ("epoch_s", "1791187200", "Europe/Amsterdam", "2026-10-05 08:00:00"),
        ("epoch_ms", "1791187200500", "Europe/Amsterdam", "2026-10-05 08:00:00.5"),
    ],
)
def test_timestamps_become_utc(project, fmt, value, zone, utc) -> None:  # type: ignore[no-untyped-def]
    config = basic_config(timezone=zone)
    if fmt:
        config["sources"]["clickstream"]["timestamp_format"] = fmt  # type: ignore[index]
    con = project({"clicks.csv": f'customer_id,ts,event\na,"{value}",ad\n'}, config)
    expected_ms = round(datetime.fromisoformat(utc + "+00:00").timestamp() * 1000)
    assert rows(con, "select epoch_ms(occurred_at) from journey_events") == [(expected_ms,)]


def test_strptime_format_rejects_other_shapes(project) -> None:  # type: ignore[no-untyped-def]
    config = basic_config()
    config["sources"]["clickstream"]["timestamp_format"] = "%d/%m/%Y %H:%M:%S"  # type: ignore[index]
    con = project(
        {"clicks.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\na,05/10/2026 10:00:00,ad\n"}, config
    )
    got = rows(con, "select line, reason, detail from rejected_rows")
    assert got == [(2, "unparseable timestamp", "could not read 2026-10-05T08:00:00Z as '%d/%m/%Y %H:%M:%S'")]


def test_reingesting_changes_nothing_and_new_file_adds_only_its_rows(tmp_path: Path) -> None:
    cfg = write_project(
        tmp_path,
        {"clicks_1.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\n,2026-10-05T08:00:00Z,ad\n"},
        basic_config(),
    )
    con = build_warehouse(cfg)
    tables = (
        "raw_clickstream",
        "raw_rejects",
        "ingested_files",
        "journey_events",
        "rejected_rows",
        "input_files",
    )

    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        return {t: rows(con, f"select * from {t} order by all") for t in tables}

    before = snapshot()
    config = load_config(cfg)
    result = ingest(con, config)
    assert [f.status for f in result.files] == ["unchanged"]
    db.build(con, ("staging", "intermediate", "marts"))
    assert snapshot() == before

    # A new file (overlapping the first by one event) adds only its rows; the overlap is a duplicate.
    (tmp_path / "clicks_2.csv").write_text(
        "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\nb,2026-10-06T08:00:00Z,view\n", encoding="utf-8"
    )
    result = ingest(con, config)
    assert [(f.path.name, f.status) for f in result.files] == [
        ("clicks_1.csv", "unchanged"),
        ("clicks_2.csv", "loaded"),
    ]
    db.build(con, ("staging", "intermediate", "marts"))
    assert rows(con, "select customer_id, touchpoint from journey_events order by all") == [
        ("a", "ad"),
        ("b", "view"),
    ]
    assert rows(
        con, "select file_name, rows_in, rows_loaded, rows_rejected, duplicates_dropped from input_files"
    ) == [
        ("clicks_1.csv", 2, 1, 1, 0),
        ("clicks_2.csv", 2, 1, 0, 1),
    ]
    con.close()


def test_missing_column_names_key_and_file(tmp_path: Path) -> None:
    config = basic_config()
    config["sources"]["clickstream"]["touchpoint"] = "page"  # type: ignore[index]
    cfg = write_project(tmp_path, {"clicks.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\n"}, config)
    with pytest.raises(ConfigError) as err:
        build_warehouse(cfg)
    assert str(err.value) == (
        "journey.yml: sources.clickstream.touchpoint: column 'page' not in clicks.csv (its columns: customer_id, ts, event)"
    )


def test_empty_and_header_only_files_load_nothing(project) -> None:  # type: ignore[no-untyped-def]
    con = project(
        {
            "clicks_0.csv": "",
            "clicks_1.csv": "customer_id,ts,event\n",
            "clicks_2.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\n",
        }
    )
    got = rows(con, "select file_name, rows_in, rows_loaded from input_files order by file_name")
    assert got == [("clicks_0.csv", 0, 0), ("clicks_1.csv", 0, 0), ("clicks_2.csv", 1, 1)]


def test_columns_in_another_order_and_extra_columns(project) -> None:  # type: ignore[no-untyped-def]
    con = project(
        {
            "clicks_1.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\n",
            "clicks_2.csv": "extra,event,ts,customer_id\nx,view,2026-10-05T08:05:00Z,a\n",
        }
    )
    assert rows(con, "select touchpoint from journey_events order by event_seq") == [("ad",), ("view",)]


def test_a_rejected_row_keeps_the_columns_the_insert_does_not_read(project) -> None:  # type: ignore[no-untyped-def]
    # the load table keeps the timestamp's text and unnamed columns for rejected rows only (good rows read the
    # parsed timestamp): a rejected row's raw text still holds every field as written, a loaded row its values
    con = project(
        {
            "clicks.csv": (
                "note,customer_id,ts,event\n"
                "first,a,2026-10-05T08:00:00Z,ad\n"
                '"kept, quoted",a, 5 Oct 2026 ,view\n'
                "third,a,2026-10-05T08:06:00+02:00,cart\n"
            )
        }
    )
    assert rows(con, "select line, reason, raw_text from rejected_rows") == [
        (3, "unparseable timestamp", '"kept, quoted",a, 5 Oct 2026 ,view')
    ]
    assert rows(con, "select touchpoint, occurred_at::varchar from journey_events order by event_seq") == [
        ("cart", "2026-10-05 06:06:00+00"),
        ("ad", "2026-10-05 08:00:00+00"),
    ]


def test_config_values_are_never_pasted_into_sql(project) -> None:  # type: ignore[no-untyped-def]
    nasty = 'ev"; drop table raw_clickstream; --'
    config = basic_config()
    config["sources"]["clickstream"]["touchpoint"] = nasty  # type: ignore[index]
    config["stages"][0]["touchpoints"] = ["ad'; drop table x; --", "ad"]  # type: ignore[index]
    con = project(
        {
            "clicks.csv": f'customer_id,ts,"{nasty.replace(chr(34), chr(34) * 2)}"\na,2026-10-05T08:00:00Z,ad\n'
        },
        config,
    )
    assert rows(con, "select touchpoint, stage from journey_events") == [("ad", "Awareness")]


def test_an_older_warehouse_keeps_its_attributes_as_names_and_values(tmp_path: Path) -> None:
    """Before attributes were stored as values (names once per file), each click held a map; the next ingest
    turns the maps into the file's attribute_names and the clicks' attribute_values, losing nothing."""
    import duckdb

    from pipeline.ingest import ensure_schema

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute(
        "create table ingested_files (file_id integer primary key, source varchar not null, path varchar not null,"
        " file_name varchar not null, sha256 varchar not null, bytes bigint not null, columns varchar[],"
        " ingested_at timestamptz not null, rows_in bigint not null, rows_loaded bigint not null,"
        " rows_rejected bigint not null)"
    )
    con.execute(
        "create table raw_clickstream (file_id integer not null, record_no bigint not null, customer_id varchar"
        " not null, occurred_at timestamptz not null, touchpoint varchar not null, session_id varchar,"
        " attributes map(varchar, varchar))"
    )
    for file_id, source in ((1, "clickstream"), (2, "clickstream"), (3, "tickets")):
        con.execute(
            "insert into ingested_files values (?, ?, 'p', 'f', 'h', 1, [], now(), 1, 1, 0)",
            [file_id, source],
        )
    con.execute(
        "insert into raw_clickstream values"
        " (1, 0, 'a', '2026-10-05 08:00:00+00', 'ad', null, map {'device': 'mobile', 'channel': null}),"
        " (1, 1, 'b', '2026-10-05 08:01:00+00', 'ad', null, map {'device': 'app', 'channel': 'email'}),"
        " (2, 0, 'a', '2026-10-06 08:00:00+00', 'cart', null, null)"
    )
    ensure_schema(con)
    assert rows(con, "select file_id, attribute_names from ingested_files order by 1") == [
        (1, ["device", "channel"]),
        (2, None),
        (3, None),
    ]
    assert rows(con, "select file_id, record_no, attribute_values from raw_clickstream order by 1, 2") == [
        (1, 0, ["mobile", None]),
        (1, 1, ["app", "email"]),
        (2, 0, None),
    ]
    assert "attributes" not in [r[0] for r in con.execute("describe raw_clickstream").fetchall()]
    ensure_schema(con)  # once upgraded, nothing changes
    assert rows(con, "select count(*) from raw_clickstream where attribute_values is not null") == [(2,)]


def test_a_copy_under_another_name_is_loaded_then_given_back(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A file whose path is new is hashed while it loads; when its content is already ingested under another
    name, the load is rolled back: the copy is reported unchanged and no table holds its rows."""
    import pipeline.ingest as ingest_module

    body = "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\nb,2026-10-05T08:01:00Z,view\n"
    cfg = load_config(write_project(tmp_path, {"clicks_1.csv": body}, basic_config()))
    con = db.connect(cfg)
    assert [f.status for f in ingest(con, cfg).files] == ["loaded"]
    (tmp_path / "clicks_2.csv").write_text(body, encoding="utf-8")
    loads: list[str] = []
    real = ingest_module._load_rows

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        loads.append(args[4].name)
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "_load_rows", counted)
    result = ingest(con, cfg)
    assert [(f.path.name, f.status, f.same_as) for f in result.files] == [
        ("clicks_1.csv", "unchanged", "clicks_1.csv"),
        ("clicks_2.csv", "unchanged", "clicks_1.csv"),
    ]
    assert loads == ["clicks_2.csv"]  # the known path was hashed first and never loaded; the copy was
    assert rows(con, "select count(*) from raw_clickstream") == [(2,)]
    assert rows(con, "select file_name from ingested_files") == [("clicks_1.csv",)]


def _ingested(con) -> dict[str, list[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    return {
        "files": rows(
            con,
            "select file_id, file_name, sha256, rows_in, rows_loaded, rows_rejected from ingested_files"
            " order by file_id",
        ),
        "clicks": rows(con, "select * from raw_clickstream order by file_id, record_no"),
        "rejects": rows(con, "select * from raw_rejects order by file_id, line"),
    }


def test_files_loaded_side_by_side_equal_files_loaded_one_by_one(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # five files (rejects in each, local times, one file a header only) loaded two at a time give the same rows,
    # rejects and file ids (in path order) as one at a time
    import pipeline.ingest as ingest_module

    files = {
        f"clicks_{n}.csv": "customer_id,ts,event\n"
        + "".join(f"c{n}{i},2026-10-0{1 + i % 9}T0{i % 10}:00:00,ad\n" for i in range(40 * n))
        + f"c{n},not a time,view\n,2026-10-05T08:01:00Z,view\n"
        for n in range(1, 5)
    }
    files["clicks_5.csv"] = "customer_id,ts,event\n"
    got = {}
    for workers in (1, 2):
        monkeypatch.setattr(ingest_module, "INGEST_WORKERS", workers)
        cfg = load_config(write_project(tmp_path / f"w{workers}", files, basic_config()))
        con = db.connect(cfg)
        result = ingest(con, cfg)
        assert [f.path.name for f in result.files] == sorted(files)  # in path order
        got[workers] = _ingested(con)
        con.close()
    assert got[2] == got[1]
    assert [f[0:2] for f in got[2]["files"]] == [(n, f"clicks_{n}.csv") for n in range(1, 6)]
    assert len(got[2]["clicks"]) == 40 * (1 + 2 + 3 + 4) and len(got[2]["rejects"]) == 8


def test_of_two_copies_loaded_side_by_side_the_first_by_path_is_kept(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # clicks_1 and clicks_2 hold the same bytes; clicks_1 loads slowly, so clicks_2's load ends first. Files
    # commit in path order: clicks_1 is kept and clicks_2 is the copy, as when they load one after the other
    import time

    import pipeline.ingest as ingest_module

    body = "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\nb,2026-10-05T08:01:00Z,view\n"
    other = "customer_id,ts,event\nc,2026-10-06T08:00:00Z,ad\n"
    cfg = load_config(
        write_project(
            tmp_path, {"clicks_1.csv": body, "clicks_2.csv": body, "clicks_3.csv": other}, basic_config()
        )
    )
    real = ingest_module._load_rows
    ended: list[str] = []

    def slow_first(*args, **kwargs):  # type: ignore[no-untyped-def]
        if args[4].name == "clicks_1.csv":
            time.sleep(1.0)
        out = real(*args, **kwargs)
        ended.append(args[4].name)
        return out

    monkeypatch.setattr(ingest_module, "_load_rows", slow_first)
    con = db.connect(cfg)
    result = ingest(con, cfg)
    assert ended[0] == "clicks_2.csv"  # the copy's load did end first
    assert [(f.path.name, f.status, f.same_as) for f in result.files] == [
        ("clicks_1.csv", "loaded", None),
        ("clicks_2.csv", "unchanged", "clicks_1.csv"),
        ("clicks_3.csv", "loaded", None),
    ]
    # the copy's id (2, given in path order before the loads) stays unused
    assert rows(con, "select file_id, file_name from ingested_files order by 1") == [
        (1, "clicks_1.csv"),
        (3, "clicks_3.csv"),
    ]
    assert rows(con, "select count(*) from raw_clickstream") == [(3,)]


def test_no_file_after_a_failed_one_commits(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # two files load at a time: clicks_3 fails after the files after it have started loading. As when files load
    # one after the other, the ones before it commit and none after it: those loading roll back
    import time

    import pipeline.ingest as ingest_module

    files = {f"clicks_{n}.csv": f"customer_id,ts,event\nc{n},2026-10-05T08:00:00Z,ad\n" for n in range(1, 7)}
    cfg = load_config(write_project(tmp_path, files, basic_config()))
    real = ingest_module._load_rows
    loaded: list[str] = []

    def failing_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        if args[4].name == "clicks_3.csv":
            time.sleep(0.5)  # the files after it load meanwhile
            raise RuntimeError("disk on fire")
        out = real(*args, **kwargs)
        loaded.append(args[4].name)
        return out

    monkeypatch.setattr(ingest_module, "_load_rows", failing_third)
    con = db.connect(cfg)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest(con, cfg)
    assert "clicks_4.csv" in loaded  # loaded beside the failing file, then rolled back
    assert rows(con, "select file_name from ingested_files order by 1") == [
        ("clicks_1.csv",),
        ("clicks_2.csv",),
    ]
    assert rows(con, "select customer_id from raw_clickstream order by 1") == [("c1",), ("c2",)]


@pytest.mark.parametrize(("share", "at_once"), [(0.25, 2), (0.0, 1)])
def test_files_load_two_at_once_only_when_each_is_small_against_the_memory_limit(
    tmp_path: Path, monkeypatch, share: float, at_once: int
) -> None:  # type: ignore[no-untyped-def]
    # every file here is far below a quarter of the 1GB default; with the share at 0 every file is "too large"
    import threading
    import time

    import pipeline.ingest as ingest_module

    files = {f"clicks_{n}.csv": f"customer_id,ts,event\nc{n},2026-10-05T08:00:00Z,ad\n" for n in range(1, 5)}
    cfg = load_config(write_project(tmp_path, files, basic_config()))
    real = ingest_module._load_rows
    lock = threading.Lock()
    running = [0]
    most = [0]

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.2)
            return real(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(ingest_module, "PARALLEL_SHARE", share)
    monkeypatch.setattr(ingest_module, "_load_rows", counting)
    con = db.connect(cfg)
    assert [f.status for f in ingest(con, cfg).files] == ["loaded"] * 4
    assert most[0] == at_once


def test_memory_limit_in_bytes_as_duckdb_reads_it() -> None:
    from pipeline.config import Engine

    assert Engine(memory_limit="1GB").memory_limit_bytes == 10**9
    assert Engine(memory_limit="512 MB").memory_limit_bytes == 512 * 10**6
    assert Engine(memory_limit="1.5GiB").memory_limit_bytes == 3 * 2**29
    assert Engine(memory_limit="100kb").memory_limit_bytes == 10**5
