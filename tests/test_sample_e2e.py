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
def summary(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "data" / "sample", root / "data" / "sample")
    shutil.copy(REPO / "journey.yml", root / "journey.yml")
    html = run_report(root / "journey.yml", root / "reports", progress=Progress(quiet=True))
    assert html == (root / "reports" / html.parent.name / "index.html")
    return json.loads((root / "reports" / "latest" / "summary.json").read_text())


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


def test_rejected_rows_by_reason(tmp_path: Path) -> None:
    import duckdb

    root = tmp_path
    shutil.copytree(REPO / "data" / "sample", root / "data" / "sample")
    shutil.copy(REPO / "journey.yml", root / "journey.yml")
    run_report(root / "journey.yml", root / "reports", progress=Progress(quiet=True))
    con = duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True)
    got: dict[str, dict[str, int]] = {}
    for source, reason, n in con.execute(
        "select source, reason, count(*) from rejected_rows group by all"
    ).fetchall():
        got.setdefault(source, {})[reason] = n
    con.close()
    assert got == {s: TRUTH[s]["rejected_by_reason"] for s in ("clickstream", "tickets")}
