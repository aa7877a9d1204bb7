"""End to end on the committed sample: the planted truths (data/sample/truth/truth.json) are found exactly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pipeline import run_report
from pipeline.flow import Progress

from .conftest import REPO

TRUTH = json.loads((REPO / "data" / "sample" / "truth" / "truth.json").read_text())


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One report run on a copy of the sample; the tests below only read what it wrote."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "data" / "sample", root / "data" / "sample")
    shutil.copy(REPO / "journey.yml", root / "journey.yml")
    html = run_report(root / "journey.yml", root / "reports", progress=Progress(quiet=True))
    assert html == (root / "reports" / html.parent.name / "index.html")
    return root


@pytest.fixture(scope="module")
def summary(sample_run: Path) -> dict[str, Any]:
    return json.loads((sample_run / "reports" / "latest" / "summary.json").read_text())


def test_bad_rows_and_duplicates_are_the_planted_ones(summary: dict[str, Any]) -> None:
    for source in ("clickstream", "tickets"):
        want = {k: v for k, v in TRUTH[source].items() if k != "rejected_by_reason"}
        assert summary["inputs"][source] == want, source


def test_counts(summary: dict[str, Any]) -> None:
    assert {k: v for k, v in summary["counts"].items() if k != "distinct_paths"} == {
        "customers": TRUTH["customers"],
        "events": TRUTH["events"],
        "tickets": TRUTH["tickets_loaded"],
    }


def test_stage_reach(summary: dict[str, Any]) -> None:
    assert {s["name"]: s["customers"] for s in summary["stages"]} == TRUTH["stage_customers"]
    assert [s["name"] for s in summary["stages"]] == [
        "Awareness",
        "Consideration",
        "Decision",
        "Service",
        "Loyalty",
    ]


def test_planted_skip_is_visible_in_touchpoint_reach(summary: dict[str, Any]) -> None:
    reach = {t["name"]: t["customers"] for t in summary["touchpoints"]}
    never = TRUTH["planted"]["skipped_step"]["customers_never"]
    assert reach["pediatrician_advice"] == TRUTH["customers"] - never
    assert reach["payment"] == TRUTH["planted"]["pain_point"]["customers_reaching"]


def test_tickets_about_touchpoints(summary: dict[str, Any]) -> None:
    tickets = {t["name"]: t["tickets"] for t in summary["touchpoints"]}
    by_category = TRUTH["tickets_by_category"]
    # delivery and prescription tickets are mapped by `about`; payment tickets too (some follow a retry).
    assert tickets["order_tracking"] >= by_category["delivery"]
    assert tickets["prescription_upload"] >= by_category["prescription"]
    assert tickets["payment"] >= by_category["payment"]


def test_rejected_rows_by_reason(sample_run: Path) -> None:
    import duckdb

    con = duckdb.connect(str(sample_run / "data" / "warehouse.duckdb"), read_only=True)
    got: dict[str, dict[str, int]] = {}
    for source, reason, n in con.execute(
        "select source, reason, count(*) from rejected_rows group by all"
    ).fetchall():
        got.setdefault(source, {})[reason] = n
    con.close()
    assert got == {s: TRUTH[s]["rejected_by_reason"] for s in ("clickstream", "tickets")}


# Issue 3: the planted deviations, found by the alignments and the stage flow ---------------------------
def test_planted_skip_is_the_top_deviation(summary: dict[str, Any]) -> None:
    planted = TRUTH["planted"]["skipped_step"]
    top = summary["conformance"]["deviations"][0]
    assert (top["kind"], top["touchpoint"]) == ("skipped", planted["touchpoint"])
    assert top["customers"] == planted["customers_never"]
    assert top["share"] == pytest.approx(planted["share"])


def test_planted_back_steps_with_their_shares(summary: dict[str, Any]) -> None:
    planted = TRUTH["planted"]["backtrack"]
    backs = {d["touchpoint"]: d for d in summary["conformance"]["deviations"] if d["kind"] == "backtrack"}
    for touchpoint, customers in planted["customers_by_touchpoint"].items():
        assert backs[touchpoint]["customers"] == customers
        assert backs[touchpoint]["detail"] == "back to Consideration from Decision"
    flow = {(f["from"], f["to"]): f for f in summary["stage_flow"]}
    assert flow[("Decision", "Consideration")]["customers"] == planted["customers"]
    assert flow[("Decision", "Consideration")]["direction"] == "back"
    # The refillers' reminder -> purchase loop is planted too, and reported with where it comes from.
    assert flow[("Loyalty", "Decision")]["customers"] == TRUTH["planted"]["refill_loop"]["customers"]
    # Into Consideration, the planted ones are the largest back-steps.
    into_consideration = [d for d in backs.values() if d["detail"].startswith("back to Consideration")]
    assert {d["touchpoint"] for d in into_consideration} == set(planted["customers_by_touchpoint"])


def test_conforming_share_is_the_by_the_book_customers(summary: dict[str, Any]) -> None:
    conformance = summary["conformance"]
    assert conformance["conforming_share"] == pytest.approx(
        TRUTH["planted"]["by_the_book"]["customers"] / TRUTH["customers"], abs=1e-6
    )
    assert conformance["approximated"] is False
    assert 0 < conformance["fitness"] < 1


def test_payment_loop_rate_is_the_planted_retries(summary: dict[str, Any]) -> None:
    payment = next(t for t in summary["touchpoints"] if t["name"] == "payment")
    planted = TRUTH["planted"]["pain_point"]
    assert payment["repeat_customers"] == planted["customers_with_failure"]
    assert payment["loop_rate"] == pytest.approx(
        planted["customers_with_failure"] / planted["customers_reaching"], abs=1e-6
    )


def test_variant_coverage_adds_up(summary: dict[str, Any]) -> None:
    coverage = summary["variant_coverage"]
    assert coverage["shown_variants"] == len(summary["variants"]) <= 50
    assert coverage["shown_customers"] + coverage["other_customers"] == TRUTH["customers"]
    assert coverage["shown_variants"] + coverage["other_variants"] == summary["counts"]["distinct_paths"]


def test_sample_alignments_agree_with_pm4py(sample_run: Path) -> None:
    """pm4py's alignments on 120 of the sample's variants (every 10th by rank plus the longest) cost the same."""
    import duckdb
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments
    from pm4py.objects.log.obj import Event, EventLog, Trace

    from pipeline.config import load_config
    from pipeline.conform import align, assumed_model, petri_net

    root = sample_run
    con = duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True)
    picked = con.execute(
        "(select path, cost from variants join conformance_variants using (variant_rank) where variant_rank % 10 = 1"
        " order by variant_rank limit 110)"
        " union all (select path, cost from variants join conformance_variants using (variant_rank)"
        " order by variants.n_steps desc, variant_rank limit 10)"
    ).fetchall()
    con.close()
    model = assumed_model(load_config(root / "journey.yml").assumed_journey)
    net, im, fm = petri_net(model)
    log = EventLog([Trace([Event({"concept:name": a}) for a in path]) for path, _ in picked])
    theirs = [a["cost"] for a in alignments.apply(log, net, im, fm)]
    assert [cost for _, cost in picked] == theirs
    assert [a.cost for a in align(model, [p for p, _ in picked])] == theirs


# Issue 4: the planted pain point, the neutral busy touchpoint, stage sentiment, redacted quotes ---------------
def test_planted_pain_point_ranks_first(summary: dict[str, Any]) -> None:
    pain = summary["pain_points"]
    assert pain[0]["touchpoint"] == TRUTH["planted"]["pain_point"]["touchpoint"] == "payment"
    # every payment ticket (mapped by `about`), plus a few account questions whose last touchpoint was payment
    assert (
        TRUTH["tickets_by_category"]["payment"]
        <= pain[0]["tickets"]
        <= TRUTH["tickets_by_category"]["payment"] + 10
    )
    assert pain[0]["negative_share"] >= 0.9
    assert pain[0]["loop_rate"] == pytest.approx(
        TRUTH["planted"]["pain_point"]["customers_with_failure"]
        / TRUTH["planted"]["pain_point"]["customers_reaching"],
        abs=1e-6,
    )
    assert pain[0]["drop_off_rate"] == pytest.approx(
        TRUTH["planted"]["pain_point"]["customers_gave_up"]
        / TRUTH["planted"]["pain_point"]["customers_reaching"],
        abs=1e-6,
    )
    assert len(pain[0]["quotes"]) == 3
    assert pain[0]["evidence"].startswith("13% of customers who reached payment opened a ticket about it")


def test_neutral_busy_touchpoint_does_not_outrank_it(summary: dict[str, Any]) -> None:
    pain = {p["touchpoint"]: p for p in summary["pain_points"]}
    busy = TRUTH["planted"]["neutral_busy_touchpoint"]["touchpoint"]
    assert pain[busy]["tickets"] > pain["payment"]["tickets"]  # more tickets…
    assert pain[busy]["score"] < pain["payment"]["score"]  # …but they do not hurt as much
    assert pain[busy]["negative_share"] < 0.2


def test_stage_sentiment_for_the_emotion_curve(summary: dict[str, Any]) -> None:
    stages = {s["name"]: s for s in summary["stages"]}
    assert sum(s["n_tickets"] for s in stages.values()) == TRUTH["tickets_loaded"]
    with_tickets = [s for s in stages.values() if s["n_tickets"] >= 30]
    assert min(with_tickets, key=lambda s: s["sentiment_mean"])["name"] == "Decision"
    decision = stages["Decision"]
    assert decision["sentiment_ci_low"] < decision["sentiment_mean"] < decision["sentiment_ci_high"] < 0
    assert stages["Awareness"]["sentiment_mean"] is None  # no ticket is about an awareness touchpoint


def test_no_personal_data_in_quotes(summary: dict[str, Any]) -> None:
    from pipeline.redact import redact

    quotes = [q for p in summary["pain_points"] for q in p["quotes"]]
    assert quotes
    for quote in quotes:
        assert redact(quote) == quote, quote  # nothing left to redact
        assert "@" not in quote


# Issue 5: the three planted personas are recovered -------------------------------------------------------
def test_planted_personas_are_recovered(sample_run: Path) -> None:
    import csv

    import duckdb

    from pipeline.personas import adjusted_rand

    root = sample_run
    html = root / "reports" / "latest" / "index.html"
    with (REPO / "data" / "sample" / "truth" / "customer_personas.csv").open(encoding="utf-8") as fh:
        hidden = {r["customer_id"]: r["persona"] for r in csv.DictReader(fh)}
    with (html.parent / "tables" / "customer_personas.csv").open(encoding="utf-8") as fh:
        found = {r["customer_id"]: r["persona"] for r in csv.DictReader(fh)}
    assert found.keys() == hidden.keys()
    ids = sorted(found)
    assert adjusted_rand([hidden[c] for c in ids], [found[c] for c in ids]) >= 0.8  # type: ignore[arg-type]
    con = duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True)
    assert con.execute("select count(*), count(distinct persona_id) from customer_personas").fetchone() == (
        5000,
        3,
    )
    con.close()


def test_personas_in_summary(summary: dict[str, Any]) -> None:
    personas = summary["personas"]
    assert [p["id"] for p in personas] == [1, 2, 3]
    assert sum(p["customers"] for p in personas) == TRUTH["customers"]
    assert sum(p["share"] for p in personas) == pytest.approx(1.0, abs=1e-5)
    sizes = sorted(TRUTH["personas"].values(), reverse=True)
    assert [p["customers"] for p in personas] == pytest.approx(sizes, abs=25)
    labels = " | ".join(p["label"] for p in personas)
    assert "symptom checker" in labels and "refill reminder" in labels and "mobile" in labels
    for p in personas:
        assert p["top_path"] and len(p["stages"]) == 5 and p["top_paths"][0]["path"] == p["top_path"]
    refillers = next(p for p in personas if "refill reminder" in p["label"])
    assert {s["name"]: s["customers"] for s in refillers["stages"]}["Awareness"] == 0
    model = summary["persona_model"]
    assert model["count"] == 3 and model["weak_split"] is False
    assert model["silhouette"] - model["chance_silhouette"] >= 0.1


def test_stage_times_per_persona_and_for_everyone_match_a_recount(sample_run: Path) -> None:
    """rpt_stage_times counts each customer once (own persona) and sums for "All customers": recomputed here
    from the gaps with Python's statistics, per persona and for everyone."""
    import statistics
    from collections import Counter, defaultdict

    import duckdb

    con = duckdb.connect(str(sample_run / "data" / "warehouse.duckdb"), read_only=True)
    gaps = con.execute(
        "select p.persona, g.stage, g.hours_to_next_stage from int_customer_stage_next as g"
        " join customer_personas as p using (customer_no)"
    ).fetchall()
    got = con.execute(
        "select persona, stage, bin_order, customers, share, median_hours, p90_hours from rpt_stage_times"
    ).fetchall()
    con.close()
    edges = [1 / 60, 1 / 6, 1, 6, 24, 168]
    hours: dict[tuple[str, str], list[float]] = defaultdict(list)
    bins: Counter[tuple[str, str, int]] = Counter()
    for persona, stage, h in gaps:
        b = 1 + sum(h >= e for e in edges)
        for view in (persona, "All customers"):
            hours[view, stage].append(h)
            bins[view, stage, b] += 1
    assert {(p, s, b): n for p, s, b, n, *_ in got} == dict(bins)
    assert len({p for p, *_ in got}) >= 3  # "All customers" and at least two personas
    for persona, stage, _, n, share, median, p90 in got:
        values = sorted(hours[persona, stage])
        assert share == pytest.approx(n / len(values))
        assert median == pytest.approx(statistics.median(values))
        assert p90 == pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[-1])


def test_persona_stage_flow_and_reach_match_a_recount(sample_run: Path) -> None:
    """rpt_stage_flow and rpt_persona_reach (grouped by persona and stage numbers, named after) recounted here in
    Python from journey_events and each customer's persona label, per persona and for "All customers"."""
    from collections import defaultdict

    import duckdb

    con = duckdb.connect(str(sample_run / "data" / "warehouse.duckdb"), read_only=True)
    events = con.execute(
        "select e.customer_id, p.persona, e.touchpoint, e.stage, e.stage_order, e.source"
        " from journey_events as e join customer_personas as p using (customer_id)"
        " order by e.customer_id, e.event_seq"
    ).fetchall()
    unmapped = con.execute("select unmapped_stage_order from config_settings").fetchone()[0]  # type: ignore[index]
    flow = con.execute(
        "select persona, from_stage, to_stage, n_transitions, customers, direction from rpt_stage_flow"
    ).fetchall()
    reach = con.execute(
        "select persona, touchpoint, stage, customers, clicking_customers from rpt_persona_reach"
    ).fetchall()
    con.close()
    pairs: dict[tuple[str, str, str], int] = defaultdict(int)
    pair_customers: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    did: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    clicked: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    orders: dict[str, int] = {}
    for i, (customer, persona, touchpoint, stage, order, source) in enumerate(events):
        orders[stage] = order
        for view in (persona, "All customers"):
            if order < unmapped:
                did[view, touchpoint, stage].add(customer)
                if source == "clickstream":
                    clicked[view, touchpoint, stage].add(customer)
            if i + 1 < len(events) and events[i + 1][0] == customer:
                next_stage, next_order = events[i + 1][3], events[i + 1][4]
                if stage != next_stage and order < unmapped and next_order < unmapped:
                    pairs[view, stage, next_stage] += 1
                    pair_customers[view, stage, next_stage].add(customer)
    assert {(p, f, t): n for p, f, t, n, *_ in flow} == dict(pairs)
    assert {(p, f, t): c for p, f, t, _, c, _ in flow} == {k: len(v) for k, v in pair_customers.items()}
    for _, f, t, _, _, direction in flow:
        step = orders[t] - orders[f]
        assert direction == ("back" if step < 0 else "next" if step == 1 else "skip ahead")
    assert len({p for p, *_ in flow}) >= 3
    assert {(p, t, s): c for p, t, s, c, _ in reach} == {k: len(v) for k, v in did.items()}
    assert {(p, t, s): c for p, t, s, _, c in reach} == {k: len(clicked.get(k, set())) for k in did}
