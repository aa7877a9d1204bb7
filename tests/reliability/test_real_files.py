"""Exports as people make them: delimiters, encodings, line ends, quoting, sizes, compression, a real CRM export.

Each shape of the same three rows must load the same three events; the shapes that cannot load say why.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import db
from pipeline.config import ConfigError, load_config
from pipeline.ingest import ingest

from ..conftest import CLICK_COLUMNS, basic_config, rows, write_project

ROWS = [
    ("c1", "2026-10-05 10:00:00", "ad", 'Zoë\'s café, "best" deal'),
    ("c1", "2026-10-05 10:01:00", "view", "line one\nline two"),
    ("c2", "2026-10-05 11:00:00", "cart", "plain"),
]
EXPECTED = [
    ("c1", "2026-10-05 08:00:00+00", "ad", 'Zoë\'s café, "best" deal'),
    ("c1", "2026-10-05 08:01:00+00", "view", "line one\nline two"),
    ("c2", "2026-10-05 09:00:00+00", "cart", "plain"),
]


def _csv(
    delimiter: str = ",",
    newline: str = "\n",
    header: tuple[str, ...] = ("customer_id", "ts", "event", "note"),
) -> str:
    def cell(value: str) -> str:
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    order = [
        ("customer_id", "ts", "event", "note").index(h)
        if h in ("customer_id", "ts", "event", "note")
        else None
        for h in header
    ]
    lines = [delimiter.join(header)]
    for row in ROWS:
        lines.append(delimiter.join(cell(row[i]) if i is not None else "extra" for i in order))
    return newline.join(lines) + newline


def _load(tmp_path: Path, files: dict[str, str | bytes], **source: Any) -> duckdb.DuckDBPyConnection:
    clicks = {"path": next(iter(files)), **CLICK_COLUMNS, "attributes": ["note"], **source}
    config = load_config(write_project(tmp_path, files, basic_config(sources={"clickstream": clicks})))
    con = db.connect(config)
    ingest(con, config)
    return con


def _events(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return rows(
        con,
        "select customer_id, strftime(occurred_at, '%Y-%m-%d %H:%M:%S+00'), touchpoint, attribute_values[1]"
        " from raw_clickstream order by file_id, record_no",
    )


SHAPES: dict[str, tuple[Callable[[], str | bytes], dict[str, Any]]] = {
    "comma, LF, UTF-8": (lambda: _csv(), {}),
    "semicolon (European export)": (lambda: _csv(";"), {"delimiter": ";"}),
    "tab-separated": (lambda: _csv("\t"), {"delimiter": "\\t"}),
    "CRLF line ends": (lambda: _csv(newline="\r\n"), {}),
    "UTF-8 with BOM": (lambda: "\ufeff" + _csv(), {}),
    "Latin-1": (lambda: _csv(";", "\r\n").encode("latin-1"), {"delimiter": ";", "encoding": "latin-1"}),
    "Windows-1252": (
        lambda: _csv(";", "\r\n").encode("cp1252"),
        {"delimiter": ";", "encoding": "windows-1252"},
    ),
    "other column order and extra columns": (
        lambda: _csv(header=("event", "unused", "ts", "note", "customer_id")),
        {},
    ),
}


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_every_shape_loads_the_same_events(tmp_path: Path, shape: str) -> None:
    make, source = SHAPES[shape]
    con = _load(tmp_path, {"clicks.csv": make()}, **source)
    assert _events(con) == EXPECTED


def test_gzip_compressed_csv_loads_like_the_plain_file(tmp_path: Path) -> None:
    con = _load(tmp_path, {"clicks.csv.gz": gzip.compress(_csv().encode("utf-8"))})
    assert _events(con) == EXPECTED


def test_gzip_rejects_keep_their_physical_line(tmp_path: Path) -> None:
    text = 'customer_id,ts,event,note\nc1,2026-10-05 10:00:00,ad,"a\nb"\nc1,yesterday,view,x\n'
    con = _load(tmp_path, {"clicks.csv.gz": gzip.compress(text.encode("utf-8"))})
    assert rows(con, "select line, reason from raw_rejects") == [(4, "unparseable timestamp")]


def test_a_one_megabyte_text_field_is_kept_whole(tmp_path: Path) -> None:
    big = "x" * 1_000_000 + "é"
    con = _load(tmp_path, {"clicks.csv": f'customer_id,ts,event,note\nc1,2026-10-05 10:00:00,ad,"{big}"\n'})
    assert rows(con, "select length(attribute_values[1]) from raw_clickstream") == [(1_000_001,)]


@pytest.mark.parametrize("content", ["", "customer_id,ts,event,note\n", "customer_id,ts,event,note"])
def test_empty_and_header_only_files_load_nothing_and_say_so(tmp_path: Path, content: str) -> None:
    con = _load(tmp_path, {"clicks.csv": content})
    assert rows(con, "select count(*) from raw_clickstream") == [(0,)]
    assert rows(con, "select rows_in, rows_loaded, rows_rejected from ingested_files") == [(0, 0, 0)]


def test_latin1_bytes_read_as_utf8_are_replaced_not_fatal(tmp_path: Path) -> None:
    # a file that is not what the config says: the run goes on, the row is kept or quarantined, never lost
    con = _load(
        tmp_path,
        {"clicks.csv": "customer_id,ts,event,note\nc1,2026-10-05 10:00:00,ad,caf\xe9\n".encode("latin-1")},
        encoding="utf-8",
    )
    count = (
        rows(con, "select count(*) from raw_clickstream")[0][0]
        + rows(con, "select count(*) from raw_rejects")[0][0]
    )
    assert count == 1  # nothing lost: loaded or rejected


BPI = Path(__file__).resolve().parent.parent / "data" / "BPI2016_Complaints.csv"


def test_bpi_challenge_2016_complaints_load_as_tickets_with_nothing_but_config(tmp_path: Path) -> None:
    """The real export: `;`, Latin-1, CRLF, date-only timestamps, Dutch text; all 289 rows, 226 customers."""
    tickets = {
        "path": str(BPI),
        "delimiter": ";",
        "encoding": "latin-1",
        "customer_id": "CustomerID",
        "timestamp": "ContactDate",
        "text": "ComplaintTopic",
        "category": "ComplaintTheme_EN",
        "ticket_id": "ComplaintID",
    }
    files = {"clicks.csv": "customer_id,ts,event\n1945807,2016-01-11 09:00:00,ad\n"}
    config = basic_config(
        timezone="Europe/Amsterdam",
        sources={"clickstream": {"path": "clicks.csv", **CLICK_COLUMNS}, "tickets": tickets},
    )
    cfg = load_config(write_project(tmp_path, files, config))
    con = db.connect(cfg)
    ingest(con, cfg)
    assert rows(con, "select count(*), count(distinct customer_id) from raw_tickets") == [(289, 226)]
    assert rows(con, "select count(*) from raw_rejects") == [(0,)]
    # a date-only value is midnight in the configured zone; Dutch text keeps its accents
    first = rows(con, "select occurred_at, body from raw_tickets where ticket_id = '220'")
    assert str(first[0][0]) == "2016-01-11 23:00:00+00:00"
    assert first[0][1] == "(herzienings)besluit wordt niet / te laat genomen"
    accents = rows(con, "select count(*) from raw_tickets where regexp_matches(body, '[éëèï]')")[0][0]
    assert accents > 0


SNIFFED = {
    "semicolon, no delimiter in the config": (lambda: _csv(";"), {}),
    "tab, no delimiter in the config": (lambda: _csv("\t"), {}),
    "Windows-1252 with CRLF, nothing in the config": (lambda: _csv(";", "\r\n").encode("cp1252"), {}),
    "Latin-1, nothing in the config": (lambda: _csv(";", "\r\n").encode("latin-1"), {}),
}


@pytest.mark.parametrize("shape", list(SNIFFED), ids=list(SNIFFED))
def test_delimiter_and_encoding_are_sniffed_when_the_config_leaves_them_out(
    tmp_path: Path, shape: str
) -> None:
    make, source = SNIFFED[shape]
    con = _load(tmp_path, {"clicks.csv": make()}, **source)
    assert _events(con) == EXPECTED


def test_a_set_delimiter_is_never_second_guessed(tmp_path: Path) -> None:
    # the config says ',' and the file is ';': a clear error naming the column, not a silent guess
    with pytest.raises(
        ConfigError, match=r"column 'customer_id' not in clicks\.csv \(its columns: customer_id;ts"
    ):
        _load(tmp_path, {"clicks.csv": _csv(";")}, delimiter=",")
