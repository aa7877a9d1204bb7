"""Pain point quotes: the most negative tickets about each touchpoint, with personal data redacted.

The candidates are chosen in SQL (`sql/marts/pain_point_quote_candidates.sql`); this step redacts them with
:func:`pipeline.redact.redact` and shortens them, so that no ticket text leaves the warehouse unredacted:
`pain_point_quotes` is the only table of ticket text that reports and CSVs read.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from .redact import redact

MAX_QUOTE_CHARS = 280


def shorten(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """One line, at most `limit` characters, cut at a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


QUOTES_PER_TOUCHPOINT = 3


def write_quotes(con: duckdb.DuckDBPyConnection) -> int:
    """Redact the candidates and keep up to three distinct quotes per touchpoint in `pain_point_quotes`.

    Distinct after redaction: two tickets that differ only in an e-mail address are one quote.
    """
    rows = con.execute(
        "select touchpoint, body, sentiment from pain_point_quote_candidates order by touchpoint, quote_rank"
    ).fetchall()
    kept: list[tuple[str, int, str, float]] = []
    seen: set[tuple[str, str]] = set()
    count: dict[str, int] = {}
    for touchpoint, body, sentiment in rows:
        quote = shorten(redact(body) or "")
        if not quote or (touchpoint, quote) in seen or count.get(touchpoint, 0) >= QUOTES_PER_TOUCHPOINT:
            continue
        seen.add((touchpoint, quote))
        count[touchpoint] = count.get(touchpoint, 0) + 1
        kept.append((touchpoint, count[touchpoint], quote, float(sentiment)))
    frame = pd.DataFrame(
        {
            "touchpoint": pd.Series([k[0] for k in kept], dtype="string"),
            "quote_rank": pd.Series([k[1] for k in kept], dtype="int64"),
            "quote": pd.Series([k[2] for k in kept], dtype="string"),
            "sentiment": pd.Series([k[3] for k in kept], dtype="float64"),
        }
    )
    con.register("_quotes", frame)
    con.execute("create or replace table pain_point_quotes as select * from _quotes")
    con.unregister("_quotes")
    return len(kept)
