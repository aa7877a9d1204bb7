"""Tables out of the warehouse: CSV files safe to open in a spreadsheet.

A text cell that starts with ``= + - @`` (or a tab or carriage return) would be run as a formula by Excel,
LibreOffice or Google Sheets; such cells get a leading apostrophe, which spreadsheets show as plain text.
Lists (paths) become ``a > b > c``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .db import quote_ident

FORMULA_START = r"^[=+\-@\t\r]"


def safe_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A select over `table` with every text cell neutralised and every list joined with ' > '."""
    cols = con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'main' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    parts = []
    for name, dtype in cols:
        c = quote_ident(name)
        if dtype.endswith("[]"):
            c = f"array_to_string({c}, ' > ')"
            dtype = "VARCHAR"
        if dtype == "VARCHAR":
            c = f"case when regexp_matches({c}, '{FORMULA_START}') then '''' || {c} else {c} end"
        elif dtype.startswith(("MAP", "STRUCT")):
            c = f"cast({c} as varchar)"
        parts.append(f"{c} as {quote_ident(name)}")
    return f"select {', '.join(parts)} from {quote_ident(table)}"


def write_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path, order_by: str | None = None) -> None:
    """Write a warehouse table as a spreadsheet-safe CSV (header, comma, UTF-8)."""
    sql = safe_select(con, table)
    if order_by:
        sql = f"select * from ({sql}) order by {order_by}"
    con.execute(f"copy ({sql}) to '{_literal(str(path))}' (header, delimiter ',')")


def _literal(text: str) -> str:
    return text.replace("'", "''")
