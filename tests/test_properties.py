"""Invariants over random inputs (hypothesis).

- rows in = loaded + rejected + duplicates, per file, and loaded rows are exactly the journey's events;
- every transition count equals the number of times that two-step path occurs, computed independently in
  Python from the generated rows (UTC sort, file order on ties, duplicates dropped);
- ingesting the same files again leaves every table unchanged.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import db
from pipeline.config import load_config
from pipeline.ingest import ingest

from .conftest import basic_config, build_warehouse, rows, write_project

BASE = datetime(2026, 10, 5, tzinfo=UTC)
TOUCHPOINTS = ["ad", "view", "compare", "cart", "pay", "track", "refill", "other"]

event = st.tuples(
    st.sampled_from(["c1", "c2", "c3", "c4"]),
    st.integers(min_value=0, max_value=40).map(lambda m: m * 60),  # few distinct seconds: many ties
    st.sampled_from([0, 60, 120, -300]),  # offset minutes used to write the timestamp
    st.sampled_from(TOUCHPOINTS),
)
bad_row = st.sampled_from(
    [
        ",2026-10-05T08:00:00Z,ad",  # missing id
        "c1,garbage,ad",  # bad timestamp
        "c1,2026-10-05T08:00:00Z,ad,extra",  # too many fields
        "c1,2026-10-05T08:00:00Z",  # too few
        "c1,,ad",  # missing timestamp
        "c1,2026-10-05T08:00:00Z,",  # missing touchpoint
    ]
)
row = st.one_of(event.map(lambda e: ("ok", e)), bad_row.map(lambda b: ("bad", b)))
files = st.lists(st.lists(row, min_size=0, max_size=25), min_size=1, max_size=3)


def _fmt(seconds: int, offset_minutes: int) -> str:
    zone = timezone(timedelta(minutes=offset_minutes))
    return (BASE + timedelta(seconds=seconds)).astimezone(zone).isoformat()


def _write(root: Path, generated: list[list[tuple[str, object]]]) -> Path:
    contents = {}
    for i, file_rows in enumerate(generated):
        lines = ["customer_id,ts,event"]
        for kind, value in file_rows:
            if kind == "ok":
                cid, sec, off, tp = value  # type: ignore[misc]
                lines.append(f"{cid},{_fmt(sec, off)},{tp}")
            else:
                lines.append(str(value))
        contents[f"clicks_{i}.csv"] = "\n".join(lines) + "\n"
    return write_project(root, contents, basic_config(timezone="UTC"))  # type: ignore[arg-type]


def _expected_pairs(generated: list[list[tuple[str, object]]]) -> Counter[tuple[str, str]]:
    """Directly-follows pairs worked out from the generated rows alone."""
    seen: set[tuple[str, int, str]] = set()
    per_customer: dict[str, list[tuple[int, int, str]]] = {}
    order = 0
    distinct = [f for i, f in enumerate(generated) if f not in generated[:i]]
    for file_rows in distinct:  # files are read in name order, clicks_0 first
        for kind, value in file_rows:
            if kind != "ok":
                continue
            cid, sec, _off, tp = value  # type: ignore[misc]
            order += 1
            if (cid, sec, tp) in seen:
                continue
            seen.add((cid, sec, tp))
            per_customer.setdefault(cid, []).append((sec, order, tp))
    pairs: Counter[tuple[str, str]] = Counter()
    for events in per_customer.values():
        path = [tp for _, _, tp in sorted(events)]
        pairs.update(itertools.pairwise(path))
    return pairs


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(files)
def test_rows_in_equal_loaded_plus_rejected_plus_duplicates(generated) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        con = build_warehouse(_write(Path(tmp), generated))
        per_file = rows(
            con,
            "select file_name, rows_in, rows_loaded, rows_rejected, duplicates_dropped from input_files order by 1",
        )
        # A file whose bytes equal an earlier file's is that file again: skipped, not counted twice.
        distinct = [f for i, f in enumerate(generated) if f not in generated[:i]]
        for (name, rows_in, loaded, rejected, dups), file_rows in zip(per_file, distinct, strict=True):
            assert rows_in == len(file_rows), name
            assert rows_in == loaded + rejected + dups, name
            assert rejected == sum(1 for kind, _ in file_rows if kind == "bad"), name
        total_loaded = sum(r[2] for r in per_file)
        assert rows(con, "select count(*) from journey_events") == [(total_loaded,)]
        con.close()


@SETTINGS
@given(files)
def test_transition_counts_equal_two_step_paths(generated) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        con = build_warehouse(_write(Path(tmp), generated))
        got = Counter(
            {
                (f, t): n
                for f, t, n in rows(
                    con, "select from_touchpoint, to_touchpoint, n_transitions from transitions"
                )
            }
        )
        assert got == _expected_pairs(generated)
        con.close()


@SETTINGS
@given(files)
def test_ingesting_twice_changes_nothing(generated) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = _write(Path(tmp), generated)
        con = build_warehouse(cfg)
        tables = [
            r[0]
            for r in rows(con, "select table_name from information_schema.tables where table_schema = 'main'")
        ]

        def snapshot() -> dict[str, list[tuple[object, ...]]]:
            return {t: rows(con, f'select * from "{t}" order by all') for t in sorted(tables)}

        before = snapshot()
        config = load_config(cfg)
        ingest(con, config)
        db.write_config_tables(con, config)
        db.build(con, ("staging", "intermediate", "marts"))
        assert snapshot() == before
        con.close()
