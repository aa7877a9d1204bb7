"""The actual journey: DFG against pm4py's published reference, discovered models, stage flow, loops, back-steps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.mine import connect, discover_models

from .conftest import rows
from .test_journey_log import CLICKS, TICKETS, _config

os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
DATA = Path(__file__).resolve().parent / "data"


def _reference_dfg(path: Path) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int]]:
    """Parse pm4py's .dfg text format: activities, start counts, end counts, then a>b x n edges."""
    lines = path.read_text(encoding="utf-8").split("\n")
    n = int(lines[0])
    names = lines[1 : 1 + n]
    pos = 1 + n

    def counts(at: int) -> tuple[dict[str, int], int]:
        k = int(lines[at])
        out = {}
        for line in lines[at + 1 : at + 1 + k]:
            idx, cnt = line.split("x")
            out[names[int(idx)]] = int(cnt)
        return out, at + 1 + k

    starts, pos = counts(pos)
    ends, pos = counts(pos)
    edges = {}
    for line in lines[pos:]:
        if line.strip():
            pair, cnt = line.split("x")
            a, b = pair.split(">")
            edges[(names[int(a)], names[int(b)])] = int(cnt)
    return edges, starts, ends


@pytest.fixture
def running_example(project):  # type: ignore[no-untyped-def]
    config = {
        "name": "running example",
        "sources": {
            "clickstream": {
                "path": "running-example.csv",
                "customer_id": "case:concept:name",
                "timestamp": "time:timestamp",
                "touchpoint": "concept:name",
            }
        },
        "stages": [{"name": "All", "touchpoints": ["*"]}],
        "mining": {"noise_threshold": 0.0},
    }
    return project({"running-example.csv": (DATA / "running-example.csv").read_bytes()}, config)


def test_running_example_dfg_matches_pm4py_reference(running_example) -> None:  # type: ignore[no-untyped-def]
    edges, starts, ends = _reference_dfg(DATA / "running-example.dfg")
    con = running_example
    got = {
        (f, t): n
        for f, t, n in rows(con, "select from_touchpoint, to_touchpoint, n_transitions from transitions")
    }
    assert got == edges
    got_starts = dict(
        rows(con, "select to_touchpoint, n from process_dfg where scope = 'journey' and kind = 'start'")
    )
    got_ends = dict(
        rows(con, "select from_touchpoint, n from process_dfg where scope = 'journey' and kind = 'end'")
    )
    assert got_starts == starts == {"register request": 6}
    assert got_ends == ends == {"pay compensation": 3, "reject request": 3}


def test_discovered_model_replays_the_running_example(running_example, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """pm4py documents token-replay fitness 1.0 for the inductive miner on this log; ours comes from SQL's DFG."""
    import pandas as pd
    import pm4py

    models = discover_models(running_example, tmp_path)
    assert [m["scope"] for m in models] == ["journey", "All"]
    assert sorted(p.name for p in tmp_path.iterdir())[:3] == ["all.bpmn", "all.pnml", "all.tree.txt"]
    net, im, fm = pm4py.read_pnml(str(tmp_path / "journey.pnml"))
    log = pd.read_csv(DATA / "running-example.csv", dtype={"case:concept:name": str})
    log["time:timestamp"] = pd.to_datetime(log["time:timestamp"], utc=True)
    fitness = pm4py.fitness_token_based_replay(log, net, im, fm)
    assert fitness["log_fitness"] == pytest.approx(1.0)
    assert models[0]["activities"] == 8 and models[0]["edges_kept"] == models[0]["edges_total"] == 16


def test_connect_keeps_every_activity_on_a_start_to_end_path() -> None:
    # a -> b (100) and a -> c (5): the noise filter kept only a -> b; c -> d and d is an end.
    edges = {("a", "b"): 100, ("a", "c"): 5, ("c", "d"): 5, ("x", "b"): 1}
    starts, ends = {"a": 105, "x": 1}, {"b": 101, "d": 5}
    kept_edges, kept_starts, kept_ends = {("a", "b"), ("c", "d")}, {"a"}, {"b"}
    connect(edges, starts, ends, kept_edges, kept_starts, kept_ends)
    assert kept_edges == {("a", "b"), ("a", "c"), ("c", "d"), ("x", "b")}
    assert kept_starts == {"a", "x"}  # x has no incoming edge: it comes back as a start
    assert kept_ends == {"b", "d"}  # d leads nowhere: it comes back as an end


def test_noise_threshold_drops_weak_edges(project) -> None:  # type: ignore[no-untyped-def]
    lines = ["customer_id,ts,event"]
    for i in range(10):  # ad -> view for ten customers, ad -> cart for one
        lines += [
            f"c{i},2026-10-05T08:00:00Z,ad",
            f"c{i},2026-10-05T08:01:00Z,view",
            f"c{i},2026-10-05T08:02:00Z,cart",
        ]
    lines += ["z,2026-10-05T08:00:00Z,ad", "z,2026-10-05T08:01:00Z,cart"]
    from .conftest import basic_config

    config = basic_config(mining={"noise_threshold": 0.2})
    con = project({"clicks.csv": "\n".join(lines) + "\n"}, config)
    got = rows(
        con,
        "select from_touchpoint, to_touchpoint, n, is_kept from process_dfg where scope = 'journey' and kind = 'edge' order by all",
    )
    assert got == [("ad", "cart", 1, False), ("ad", "view", 10, True), ("view", "cart", 10, True)]


# The hand-worked journey of test_journey_log.py (see its docstring for every event).
@pytest.fixture
def journey(project):  # type: ignore[no-untyped-def]
    return project({"clicks.csv": CLICKS, "tickets.csv": TICKETS}, _config())


def test_stage_flow(journey) -> None:  # type: ignore[no-untyped-def]
    got = {
        (f, t): (n, d)
        for f, t, n, d in rows(
            journey, "select from_stage, to_stage, n_transitions, direction from stage_flow"
        )
    }
    assert got == {
        ("Awareness", "Consideration"): (4, "next"),  # u1, u2, u6, u7
        ("Awareness", "Service"): (1, "skip ahead"),  # u3: ad, then a ticket
        ("Consideration", "Decision"): (2, "next"),  # u1, u2
        ("Consideration", "Service"): (1, "skip ahead"),  # u2: compare, then a ticket
        ("Consideration", "Unmapped"): (1, "unmapped"),  # u4: view -> mystery
        ("Unmapped", "Service"): (1, "unmapped"),  # u4: mystery -> ticket
        ("Decision", "Consideration"): (1, "back"),  # u2: cart -> compare
        ("Decision", "Service"): (1, "next"),  # u1: pay -> ticket
        ("Service", "Loyalty"): (1, "next"),  # u4: ticket -> refill
    }


def test_backtracks_and_stage_order(journey) -> None:  # type: ignore[no-untyped-def]
    assert rows(journey, "select touchpoint, stage, customers, share, from_stages from backtracks") == [
        ("compare", "Consideration", 1, pytest.approx(1 / 7), ["Decision"])
    ]
    got = rows(journey, "select pattern, customers from stage_order order by pattern_order")
    # follows: u1, u6, u7; skips ahead: u3 (A -> S), u4 (enters at C), u5 (enters at S); goes back: u2
    assert got == [("follows the stage order", 3), ("skips ahead", 3), ("goes back", 1)]


def test_time_to_reach_each_stage(journey) -> None:  # type: ignore[no-untyped-def]
    got = dict(rows(journey, "select stage, median_hours_to_reach from stages"))
    assert got["Awareness"] == pytest.approx(0.0)
    assert got["Consideration"] == pytest.approx(1 / 6)  # 0 (u4), 1/12, 1/6, 1/2, 31/60
    assert got["Loyalty"] == pytest.approx(24.0)  # u4: view 10-07 10:00 -> refill 10-08 10:00


def test_loops_per_touchpoint(project) -> None:  # type: ignore[no-untyped-def]
    clicks = """\
    customer_id,ts,event
    a,2026-10-05T08:00:00Z,pay
    a,2026-10-05T08:01:00Z,pay
    a,2026-10-05T08:02:00Z,cart
    a,2026-10-05T08:03:00Z,pay
    b,2026-10-05T08:00:00Z,pay
    c,2026-10-05T08:00:00Z,cart
    """
    con = project({"clicks.csv": clicks})
    got = rows(
        con,
        "select touchpoint, customers, repeat_customers, loop_rate, n_self_loops from touchpoints order by 1",
    )
    assert got == [("cart", 2, 0, 0.0, 0), ("pay", 2, 1, 0.5, 1)]


def test_variant_coverage_and_other_bucket(project) -> None:  # type: ignore[no-untyped-def]
    lines = ["customer_id,ts,event"]
    paths = {"ad view": 5, "ad cart": 3, "view": 1, "cart": 1}
    n = 0
    for path, count in paths.items():
        for _ in range(count):
            n += 1
            for k, tp in enumerate(path.split()):
                lines.append(f"c{n},2026-10-05T08:0{k}:00Z,{tp}")
    from .conftest import basic_config

    con = project(
        {"clicks.csv": "\n".join(lines) + "\n"},
        basic_config(mining={"variant_coverage": 0.7, "max_variants": 5}),
    )
    got = rows(
        con, "select path_text, customers, cumulative_share, is_shown from variants order by variant_rank"
    )
    # 50% then 80%: the second variant crosses 70%, so two are shown; the other two (20%) are "other".
    assert got == [
        ("ad > view", 5, 0.5, True),
        ("ad > cart", 3, 0.8, True),
        ("cart", 1, 0.9, False),
        ("view", 1, 1.0, False),
    ]
