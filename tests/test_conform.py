"""Assumed vs actual: exact alignments, worked out by hand, and the same costs as pm4py's alignments.

Costs are in pm4py units: a log or visible model move costs 10000, a silent (tau) move 1, a sync move 0.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import AnyOf, Optional_, Step
from pipeline.conform import (
    LOG_MOVE,
    align,
    assumed_model,
    conformance,
    petri_net,
    process_tree_text,
    trace_fitness,
    variant_deviations,
)

os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
DATA = Path(__file__).resolve().parent / "data"

SEQUENCE: list[Step] = ["a", "b", "c"]
CHOICE: list[Step] = ["a", AnyOf(any_of=["b", "c"]), "d"]
OPTIONAL: list[Step] = ["a", Optional_(optional="b"), "c"]
NESTED: list[Step] = [
    "a",
    Optional_(optional=AnyOf(any_of=["x", "y"])),
    AnyOf(any_of=["b", Optional_(optional="c")]),
    "d",
]

# (steps, trace, raw cost, deviations as (kind, touchpoint), trace fitness)
CASES = [
    (SEQUENCE, "abc", 0, set(), 1.0),
    (SEQUENCE, "ac", 10000, {("skipped", "b")}, 1 - 1 / 5),
    (SEQUENCE, "abxc", 10000, {("inserted", "x")}, 1 - 1 / 7),
    (SEQUENCE, "abcb", 10000, {("inserted", "b")}, 1 - 1 / 7),
    (SEQUENCE, "", 30000, {("skipped", "a"), ("skipped", "b"), ("skipped", "c")}, 0.0),
    # c,b,a against a,b,c: at most one event can be in step (LCS 1), so 2 log + 2 model moves. From the end,
    # skipping c (30000 + 10000) ties with a log move of a (30000 + 10000) and skip wins; then skipping b ties
    # with a log move of a again; so a syncs and c, b are log moves. Every step was done somewhere, so
    # nothing counts as skipped.
    (SEQUENCE, "cba", 40000, {("inserted", "c"), ("inserted", "b")}, 1 - 4 / 6),
    (CHOICE, "abd", 0, set(), 1.0),
    (CHOICE, "acd", 0, set(), 1.0),
    (CHOICE, "ad", 10000, {("skipped", "b | c")}, 1 - 1 / 5),
    (CHOICE, "abcd", 10000, {("inserted", "b")}, 1 - 1 / 7),
    (CHOICE, "aed", 20000, {("skipped", "b | c"), ("inserted", "e")}, 1 - 2 / 6),
    (OPTIONAL, "ac", 1, set(), 1.0),  # the optional step is skipped silently (tau, cost 1)
    (OPTIONAL, "abc", 0, set(), 1.0),
    (OPTIONAL, "abbc", 10000, {("inserted", "b")}, 1 - 1 / 6),
    (OPTIONAL, "bc", 10000, {("skipped", "a")}, 1 - 1 / 4),
    (OPTIONAL, "c", 10001, {("skipped", "a")}, 1 - 1 / 3),
    (NESTED, "ad", 2, set(), 1.0),  # both middle steps skipped silently
    (NESTED, "aybd", 0, set(), 1.0),
    (NESTED, "axcd", 0, set(), 1.0),
    (NESTED, "axyd", 10001, {("inserted", "x")}, 1 - 1 / 6),
]


@pytest.mark.parametrize(("steps", "trace", "cost", "deviations", "fitness"), CASES)
def test_hand_worked_alignments(steps, trace, cost, deviations, fitness) -> None:  # type: ignore[no-untyped-def]
    model = assumed_model(steps)
    [alignment] = align(model, [list(trace)])
    assert alignment.cost == cost
    assert variant_deviations(model, list(trace), alignment) == deviations
    assert trace_fitness(model, alignment, len(trace)) == pytest.approx(fitness)


def _pm4py_costs(steps: list[Step], traces: list[str]) -> tuple[list[int], list[int], list[float]]:
    """pm4py's alignment costs on our net, its deviation counts on its own net from the process tree."""
    import pm4py
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog([Trace([Event({"concept:name": a}) for a in t]) for t in traces])
    net, im, fm = petri_net(assumed_model(steps))
    ours = alignments.apply(log, net, im, fm)
    tree = pm4py.parse_process_tree(process_tree_text(steps))
    tnet, tim, tfm = pm4py.convert_to_petri_net(tree)
    theirs = alignments.apply(log, tnet, tim, tfm)
    return [a["cost"] for a in ours], [a["cost"] // LOG_MOVE for a in theirs], [a["fitness"] for a in theirs]


@pytest.mark.parametrize("steps", [SEQUENCE, CHOICE, OPTIONAL, NESTED])
def test_every_fixture_agrees_with_pm4py(steps: list[Step]) -> None:
    traces = [t for s, t, *_ in CASES if s is steps]
    model = assumed_model(steps)
    mine = align(model, [list(t) for t in traces])
    raw, deviations, fitness = _pm4py_costs(steps, traces)
    assert [a.cost for a in mine] == raw
    assert [a.deviations for a in mine] == deviations
    assert [trace_fitness(model, a, len(t)) for a, t in zip(mine, traces, strict=True)] == pytest.approx(
        fitness
    )


labels = st.sampled_from("abcdef")
step_strategy: st.SearchStrategy[Step] = st.one_of(
    labels,
    st.lists(labels, min_size=2, max_size=3, unique=True).map(lambda xs: AnyOf(any_of=xs)),
    labels.map(lambda x: Optional_(optional=x)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(step_strategy, min_size=1, max_size=5),
    st.lists(st.text("abcdefg", max_size=7), min_size=1, max_size=6),
)
def test_random_models_and_traces_agree_with_pm4py(steps: list[Step], traces: list[str]) -> None:
    mine = align(assumed_model(steps), [list(t) for t in traces])
    raw, deviations, _ = _pm4py_costs(steps, traces)
    assert [a.cost for a in mine] == raw
    assert [a.deviations for a in mine] == deviations


def test_weighted_figures_by_hand() -> None:
    model = assumed_model(["a", "b"])
    figures, deviations, _ = conformance(model, [["a", "b"], ["a"]], [3, 1])
    # costs 0 and 10000; best-worst per trace 10000*len + 20000 -> 40000 (x3) and 30000
    assert figures["fitness"] == pytest.approx(1 - 10000 / (3 * 40000 + 30000))
    assert figures["conforming_share"] == 0.75
    assert figures["average_trace_fitness"] == pytest.approx((3 * 1.0 + (1 - 1 / 3)) / 4)
    assert deviations == [{"kind": "skipped", "touchpoint": "b", "customers": 1, "share": 0.25}]


RECEIPT_JOURNEY: list[Step] = [
    "Confirmation of receipt",
    Optional_(optional="T02 Check confirmation of receipt"),
    "T04 Determine confirmation of receipt",
    AnyOf(any_of=["T05 Print and send confirmation of receipt", "T11 Create document X request unlicensed"]),
    "T06 Determine necessity of stop advice",
    "T10 Determine necessity to stop indication",
]


def test_receipt_log_agrees_with_pm4py_on_the_full_log() -> None:
    """The public receipt log (1,434 cases): per-case costs and log fitness equal pm4py's, no compression."""
    import pm4py

    df = pd.read_csv(DATA / "receipt.csv")
    df["time:timestamp"] = pd.to_datetime(df["time:timestamp"], utc=True, format="mixed")
    df = df.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    traces = df.groupby("case:concept:name", sort=True)["concept:name"].apply(list)
    # The assumed journey is the log's most frequent path, written with an optional and an any_of step.
    top = traces.map(tuple).value_counts().index[0]
    assert list(top) == [
        "Confirmation of receipt",
        "T02 Check confirmation of receipt",
        "T04 Determine confirmation of receipt",
        "T05 Print and send confirmation of receipt",
        "T06 Determine necessity of stop advice",
        "T10 Determine necessity to stop indication",
    ]
    model = assumed_model(RECEIPT_JOURNEY)
    net, im, fm = petri_net(model)
    diagnostics = pm4py.conformance_diagnostics_alignments(
        df, net, im, fm, multi_processing=False, case_id_key="case:concept:name"
    )
    pm4py_fitness = pm4py.fitness_alignments(
        df, net, im, fm, multi_processing=False, case_id_key="case:concept:name"
    )

    # Ours: one alignment per variant, weighted by its cases.
    counts = traces.map(tuple).value_counts()
    variants = [list(v) for v in counts.index]
    figures, _, costs = conformance(model, variants, [int(c) for c in counts.values])
    cost_of = {tuple(v): int(c) for v, c in zip(variants, costs, strict=True)}
    assert len(traces) == 1434 and len(variants) == 116
    assert [cost_of[tuple(t)] for t in traces] == [d["cost"] for d in diagnostics]
    assert figures["fitness"] == pytest.approx(pm4py_fitness["log_fitness"], abs=1e-12)
    assert figures["average_trace_fitness"] == pytest.approx(pm4py_fitness["averageFitness"], abs=1e-12)
    assert figures["conforming_share"] == pytest.approx(pm4py_fitness["percentage_of_fitting_traces"] / 100)


def test_process_tree_text_parses_in_pm4py() -> None:
    import pm4py

    text = process_tree_text(NESTED)
    assert text == "->( 'a', X( X( 'x', 'y' ), tau ), X( 'b', X( 'c', tau ) ), 'd' )"
    assert str(pm4py.parse_process_tree(text)).count("tau") == 2
    quoted = process_tree_text(["it's", "a"])
    assert pm4py.parse_process_tree(quoted) is not None


def _reference(model, paths, weights):  # type: ignore[no-untyped-def]
    """The figures from one alignment with moves per path (the definition conformance() vectorises)."""
    alignments = align(model, paths)
    total = sum(weights)
    counts: dict[tuple[str, str], int] = {}
    for path, w, a in zip(paths, weights, alignments, strict=True):
        for deviation in variant_deviations(model, path, a):
            counts[deviation] = counts.get(deviation, 0) + w
    figures = {
        "fitness": 1
        - sum(w * a.cost for w, a in zip(weights, alignments, strict=True))
        / sum(w * (LOG_MOVE * len(p) + model.best_worst_cost) for w, p in zip(weights, paths, strict=True)),
        "average_trace_fitness": sum(
            w * trace_fitness(model, a, len(p)) for w, a, p in zip(weights, alignments, paths, strict=True)
        )
        / total,
        "conforming_share": sum(w for w, a in zip(weights, alignments, strict=True) if a.deviations == 0)
        / total,
    }
    return figures, counts, [a.cost for a in alignments]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(step_strategy, min_size=1, max_size=5),
    st.lists(
        st.tuples(st.text("abcdefg", max_size=9), st.integers(min_value=1, max_value=50)),
        min_size=1,
        max_size=12,
    ),
    st.integers(min_value=1, max_value=5),
)
def test_batched_conformance_equals_alignments_with_moves(steps: list[Step], weighted, cells: int) -> None:  # type: ignore[no-untyped-def]
    """The vectorised walk-back (no moves built), in chunks of any size, gives the reference's figures."""
    import pipeline.conform as conform

    model = assumed_model(steps)
    paths, weights = [list(t) for t, _ in weighted], [w for _, w in weighted]
    want, counts, costs = _reference(model, paths, weights)
    old = conform.CELLS
    conform.CELLS = cells  # chunks of a few traces: the sums run across chunk boundaries
    try:
        figures, deviations, got_costs = conformance(model, paths, weights)
    finally:
        conform.CELLS = old
    assert list(got_costs) == costs
    for key, value in want.items():
        assert figures[key] == pytest.approx(value, abs=1e-12), key
    assert {(d["kind"], d["touchpoint"]): d["customers"] for d in deviations} == counts
    assert [d["customers"] for d in deviations] == sorted((d["customers"] for d in deviations), reverse=True)


def test_run_conformance_reads_variants_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """From the warehouse, Arrow batch by batch (a touchpoint first seen in a later batch, an empty path):
    the same per-variant costs and deviation counts as one pass over all variants."""
    import duckdb

    import pipeline.conform as conform

    steps: list[Step] = ["a", Optional_(optional="b"), "c"]
    paths = [["a", "b", "c"], ["a", "c"], ["c", "a"], [], ["a", "z", "c"], ["a", "b", "b", "c", "y"]]
    weights = [40, 20, 9, 3, 2, 1]
    con = duckdb.connect()
    con.execute("create table variants (variant_rank bigint, customers bigint, path varchar[])")
    con.executemany(
        "insert into variants values (?, ?, ?)",
        [[r + 1, w, p] for r, (p, w) in enumerate(zip(paths, weights, strict=True))],
    )
    monkeypatch.setattr(conform, "BATCH", 2)
    figures = conform.run_conformance(con, steps)
    assert figures is not None and figures["variants"] == 6 and figures["customers"] == 75
    want, counts, costs = _reference(assumed_model(steps), paths, weights)
    assert figures["fitness"] == pytest.approx(want["fitness"], abs=1e-12)
    assert con.execute("select cost from conformance_variants order by variant_rank").fetchall() == [
        (c,) for c in costs
    ]
    assert (
        dict(
            ((k, t), n)
            for k, t, n in con.execute(
                "select kind, touchpoint, customers from conformance_deviations"
            ).fetchall()
        )
        == counts
    )
    assert counts == {
        ("inserted", "z"): 2,
        ("inserted", "y"): 1,
        ("inserted", "b"): 1,
        ("inserted", "c"): 9,
        ("skipped", "a"): 3,
        ("skipped", "c"): 3,
    }


def test_one_very_long_case_is_aligned_on_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crawler's case does not pad the others to its length: every DP chunk holds at most CELLS positions
    (or one trace), and the figures are the reference's."""
    import pipeline.conform as conform

    model = assumed_model(["a", Optional_(optional="b"), "c"])
    paths = [
        list("a" + "b" * 400 + "c"),
        list("abc"),
        list("ac"),
        list("ca"),
        [],
        list("axc"),
        list("abbc"),
    ] * 3
    weights = list(range(1, len(paths) + 1))
    want, counts, costs = _reference(model, paths, weights)
    shapes: list[tuple[int, int]] = []
    forward = conform._forward

    def spy(coded, events, lengths):  # type: ignore[no-untyped-def]
        shapes.append(events.shape)
        return forward(coded, events, lengths)

    monkeypatch.setattr(conform, "CELLS", 12)
    monkeypatch.setattr(conform, "_forward", spy)
    figures, deviations, got = conformance(model, paths, weights)
    assert list(got) == costs
    assert figures["fitness"] == pytest.approx(want["fitness"], abs=1e-12)
    assert {(d["kind"], d["touchpoint"]): d["customers"] for d in deviations} == counts
    assert shapes[:3] == [(1, 402)] * 3  # the three long cases, one at a time
    assert all(rows * width <= 12 or rows == 1 for rows, width in shapes)
    assert sum(rows for rows, _ in shapes) == len(paths)
    assert [a.cost for a in align(model, paths)] == costs


def test_costs_past_32_bits_are_exact() -> None:
    """Costs are summed in 32 bits when no sum can reach 2**30; a case that long is aligned in 64 bits. 215,000
    inserted clicks cost 2,150,000,000, past what 32 bits hold."""
    model = assumed_model(["a"])
    long_case = ["x"] * 215_000 + ["a"]
    assert [a.cost for a in align(model, [long_case, ["a"]])] == [215_000 * 10_000, 0]
