"""Tables out of the warehouse: CSV files safe to open in a spreadsheet.

A text cell that starts with ``= + - @`` (or a tab or carriage return) would be run as a formula by Excel,
LibreOffice or Google Sheets; such cells get a leading apostrophe, which spreadsheets show as plain text.
Lists (paths) become ``a > b > c``.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import duckdb

from .db import quote_ident, quote_literal

FORMULA_START = r"^[=+\-@\t\r]"


def _ensure_redact_function(con: duckdb.DuckDBPyConnection) -> None:
    from duckdb.sqltypes import VARCHAR

    from .redact import redact

    with contextlib.suppress(duckdb.NotImplementedException):  # already registered on this connection
        con.create_function("journeys_redact", redact, [VARCHAR], VARCHAR, side_effects=False)


def safe_select(
    con: duckdb.DuckDBPyConnection,
    table: str,
    redact_columns: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
) -> str:
    """A select over `table` (without the columns in `exclude`) with every text cell neutralised and every list
    joined with ' > '.

    Columns named in `redact_columns` (free text such as a rejected row's raw text) have personal data
    replaced first (see pipeline/redact.py).
    """
    cols = [
        (r[0], r[1])
        for r in con.execute(f"describe select * from {quote_ident(table)}").fetchall()
        if r[0] not in exclude
    ]
    if redact_columns:
        _ensure_redact_function(con)
    parts = []
    for name, dtype in cols:
        c = quote_ident(name)
        if name in redact_columns:
            c = f"journeys_redact({c})"
        if dtype.endswith("[]"):
            c = f"array_to_string({c}, ' > ')"
            dtype = "VARCHAR"
        if dtype == "VARCHAR":
            c = f"case when regexp_matches({c}, '{FORMULA_START}') then '''' || {c} else {c} end"
        elif dtype.startswith(("MAP", "STRUCT")):
            c = f"cast({c} as varchar)"
        parts.append(f"{c} as {quote_ident(name)}")
    return f"select {', '.join(parts)} from {quote_ident(table)}"


FREE_TEXT_COLUMNS = ("raw_text", "body", "quote", "quote_1", "quote_2", "quote_3")


# an ordered export by one integer key sorts this many rows at a time (100k variants: 70 MB at once)
ROWS_PER_PART = 25_000


def write_csv(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    order_by: str | None = None,
    exclude: tuple[str, ...] = (),
) -> None:
    """Write a warehouse table (without the columns in `exclude`) as a spreadsheet-safe CSV (header, comma,
    UTF-8), free text redacted.

    Ordered by one dense integer column (e.g. `variant_rank`), the file is written in key ranges of
    ROWS_PER_PART and joined: DuckDB could not spill a sort of the rewritten rows (225k variants with their
    paths ran out of memory at a 200 MB limit; 2.2M at 100M events would at 1 GB).
    """
    sql = safe_select(con, table, redact_columns=FREE_TEXT_COLUMNS, exclude=exclude)
    ranges = _key_ranges(con, table, order_by) if order_by else None
    if ranges is None:
        ordered = f"select * from ({sql}) order by {order_by}" if order_by else sql
        con.execute(f"copy ({ordered}) to {quote_literal(str(path))} (header, delimiter ',')")
        return
    column = quote_ident(str(order_by))
    part = path.with_name(f".{path.name}.part")
    with path.open("wb") as out:
        for n, start in enumerate(ranges):
            con.execute(
                f"copy (select * from ({sql}) where {column} >= {start} and {column} < {start + ROWS_PER_PART}"
                f" order by {column}) to {quote_literal(str(part))} (header {'true' if n == 0 else 'false'},"
                " delimiter ',')"
            )
            with part.open("rb") as fh:
                shutil.copyfileobj(fh, out)
    part.unlink(missing_ok=True)


def _key_ranges(con: duckdb.DuckDBPyConnection, table: str, column: str) -> range | None:
    """The starts of ROWS_PER_PART-wide ranges of an integer key column, or None when the order is not one
    such column (a plain sort then) or its keys are sparse (the ranges would be mostly empty)."""
    key = con.execute(
        "select data_type from information_schema.columns where table_name = ? and column_name = ?",
        [table, column],
    ).fetchone()
    if key is None or key[0] not in ("BIGINT", "INTEGER", "HUGEINT", "SMALLINT"):
        return None
    c = quote_ident(column)
    low, high, rows = con.execute(f"select min({c}), max({c}), count(*) from {quote_ident(table)}").fetchone()  # type: ignore[misc]
    if low is None:
        return range(0, 1)  # an empty table: one part, the header alone
    if high - low >= 2 * rows:
        return None
    return range(int(low), int(high) + 1, ROWS_PER_PART)


# The unified event log for other process-mining tools -----------------------------------------------
LOG_SQL = """
select
    customer_id,
    event_seq,
    touchpoint,
    strftime(occurred_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%g+00:00') as occurred_at,
    source,
    stage,
    session_id,
    ticket_id,
    about_touchpoint,
from journey_events
order by customer_id, event_seq
"""
BATCH = 50_000
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_attr(value: object) -> str:
    return quoteattr(_XML_INVALID.sub("", str(value)))


def _batches(con: duckdb.DuckDBPyConnection) -> Iterator[list[tuple[Any, ...]]]:
    cur = con.execute(LOG_SQL)
    while rows := cur.fetchmany(BATCH):
        yield rows


def write_xes(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """XES 1.0 (IEEE 1849): one trace per customer, events in case order; streamed, any size."""
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n'
            '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
            '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
            '  <global scope="trace"><string key="concept:name" value="__INVALID__"/></global>\n'
            '  <global scope="event"><string key="concept:name" value="__INVALID__"/>'
            '<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/></global>\n'
            '  <classifier name="Touchpoint" keys="concept:name"/>\n'
        )
        current = None
        for rows in _batches(con):
            parts = []
            for cid, _seq, touchpoint, at, source, stage, session, ticket, about in rows:
                if cid != current:
                    if current is not None:
                        parts.append("  </trace>\n")
                    parts.append(f'  <trace>\n    <string key="concept:name" value={_xml_attr(cid)}/>\n')
                    current = cid
                extra = "".join(
                    f'<string key="journey:{key}" value={_xml_attr(value)}/>'
                    for key, value in (
                        ("source", source),
                        ("stage", stage),
                        ("session", session),
                        ("ticket", ticket),
                        ("about", about),
                    )
                    if value is not None
                )
                parts.append(
                    f'    <event><string key="concept:name" value={_xml_attr(touchpoint)}/>'
                    f'<date key="time:timestamp" value="{at}"/>{extra}</event>\n'
                )
                n += 1
            fh.write("".join(parts))
        if current is not None:
            fh.write("  </trace>\n")
        fh.write("</log>\n")
    return n


def write_ocel(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """OCEL 2.0 JSON: events related to their customer, session and ticket objects; streamed."""
    n = 0
    touchpoints = [
        r[0] for r in con.execute("select distinct touchpoint from journey_events order by 1").fetchall()
    ]
    attrs = [{"name": a, "type": "string"} for a in ("source", "stage", "about_touchpoint")]
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"objectTypes": ')
        fh.write(json.dumps([{"name": t, "attributes": []} for t in ("customer", "session", "ticket")]))
        fh.write(', "eventTypes": ')
        fh.write(json.dumps([{"name": t, "attributes": attrs} for t in touchpoints], ensure_ascii=False))
        fh.write(', "objects": [')
        first = True
        for kind, column in (("customer", "customer_id"), ("session", "session_id"), ("ticket", "ticket_id")):
            cur = con.execute(
                f"select distinct {column} from journey_events where {column} is not null order by 1"
            )
            while rows := cur.fetchmany(BATCH):
                chunk = ", ".join(
                    json.dumps({"id": f"{kind}:{r[0]}", "type": kind}, ensure_ascii=False) for r in rows
                )
                fh.write(("" if first else ", ") + chunk)
                first = False
        fh.write('], "events": [')
        first = True
        for rows in _batches(con):
            items = []
            for cid, seq, touchpoint, at, source, stage, session, ticket, about in rows:
                rel = [{"objectId": f"customer:{cid}", "qualifier": "customer"}]
                if session is not None:
                    rel.append({"objectId": f"session:{session}", "qualifier": "session"})
                if ticket is not None:
                    rel.append({"objectId": f"ticket:{ticket}", "qualifier": "ticket"})
                values = (("source", source), ("stage", stage), ("about_touchpoint", about))
                items.append(
                    json.dumps(
                        {
                            "id": f"{cid}#{seq}",
                            "type": touchpoint,
                            "time": at,
                            "attributes": [{"name": k, "value": v} for k, v in values if v is not None],
                            "relationships": rel,
                        },
                        ensure_ascii=False,
                    )
                )
                n += 1
            fh.write(("" if first else ", ") + ", ".join(items))
            first = False
        fh.write("]}\n")
    return n


def write_log_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The event log as CSV with XES-style column names (case:concept:name, concept:name, time:timestamp)."""
    con.execute(
        'create or replace temp view _event_log as select customer_id as "case:concept:name",'
        ' touchpoint as "concept:name", occurred_at as "time:timestamp", event_seq, source, stage,'
        " session_id, ticket_id, about_touchpoint from journey_events"
    )
    sql = safe_select(con, "_event_log")
    con.execute(
        f'copy (select * from ({sql}) order by "case:concept:name", event_seq) to {quote_literal(str(path))}'
        " (header, delimiter ',', timestampformat '%Y-%m-%dT%H:%M:%S.%g+00:00')"
    )
    row = con.execute("select count(*) from journey_events").fetchone()
    return int(row[0]) if row else 0


WRITERS = {"xes": write_xes, "ocel": write_ocel, "csv": write_log_csv}


def export_log(con: duckdb.DuckDBPyConnection, fmt: str, path: Path) -> int:
    """Write the unified event log in `fmt` (xes, ocel, csv) to `path` atomically; returns the events written."""
    tmp = path.with_name(f".{path.name}.partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        n = WRITERS[fmt](con, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return n
