"""`sql/macros/quantiles_from_counts.sql`: exact median and p90 from a histogram, the values DuckDB's own
median() and quantile_cont() give on the expanded values (which do not spill to disk in DuckDB 2.0)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import db


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    db.create_macros(con)
    return con


def quantiles(con: duckdb.DuckDBPyConnection, histogram: list[tuple[object, float, int]]) -> dict:
    con.execute("create or replace temp table h (key varchar, value double, n bigint)")
    con.executemany("insert into h values (?, ?, ?)", histogram)
    found = con.execute(
        "with hist as (select * from h) select key, n_values, median, p90 from quantiles_from_counts('hist')"
    ).fetchall()
    return {key: (n, median, p90) for key, n, median, p90 in found}


def test_known_answers(con: duckdb.DuckDBPyConnection) -> None:
    got = quantiles(
        con,
        [
            ("a", 1, 1),
            ("a", 2, 1),
            ("a", 3, 1),
            ("a", 4, 1),  # 1 2 3 4: median 2.5; p90 at rank 2.7 → 3.7
            ("b", 10, 1),
            ("b", 5, 3),  # 5 5 5 10: median 5; p90 at rank 2.7 → 5 + 0.7 × 5 = 8.5
            ("c", 7, 1),  # one value: every quantile is that value
            ("d", 0, 2),
            ("d", 100, 2),  # 0 0 100 100: median 50; p90 100
        ],
    )
    assert got["a"] == (4, 2.5, pytest.approx(3.7))
    assert got["b"] == (4, 5.0, pytest.approx(8.5))
    assert got["c"] == (1, 7.0, 7.0)
    assert got["d"] == (4, 50.0, 100.0)


def test_counts_in_the_trillions_stay_exact(con: duckdb.DuckDBPyConnection) -> None:
    # the running count is summed as a double: 2^40 ones then 2^40 twos put the median exactly between the
    # two values (ranks 2^40 - 1 and 2^40); one count more or less would move it onto 1 or 2
    got = quantiles(con, [("big", 1, 2**40), ("big", 2, 2**40), ("odd", 1, 2**40), ("odd", 2, 2**40 + 1)])
    assert got["big"] == (2**41, 1.5, 2.0)
    assert got["odd"] == (2**41 + 1, 2.0, 2.0)


def test_a_struct_key_groups_by_all_its_fields(con: duckdb.DuckDBPyConnection) -> None:
    found = con.execute(
        "with hist as (select {from_stage: f, to_stage: t} as key, v as value, 1 as n"
        " from (values ('A', 'B', 1.0), ('A', 'B', 3.0), ('A', 'C', 10.0)) as x(f, t, v))"
        " select key.from_stage, key.to_stage, median from quantiles_from_counts('hist') order by all"
    ).fetchall()
    assert found == [("A", "B", 2.0), ("A", "C", 10.0)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("xyz"), st.integers(-1000, 1000), st.integers(1, 5)),
        min_size=1,
        max_size=40,
    )
)
def test_equals_median_and_quantile_cont_of_the_expanded_values(
    histogram: list[tuple[str, int, int]],
) -> None:
    con = duckdb.connect()
    db.create_macros(con)
    got = quantiles(con, [(k, float(v), n) for k, v, n in histogram])
    expected = con.execute(
        "select key, count(*), median(value), quantile_cont(value, 0.9)"
        " from (select key, value from h, range(n)) group by key"
    ).fetchall()
    assert got.keys() == {key for key, *_ in expected}
    for key, n, median, p90 in expected:
        assert got[key][0] == n
        assert got[key][1] == pytest.approx(median, abs=1e-9)
        assert got[key][2] == pytest.approx(p90, abs=1e-9)
