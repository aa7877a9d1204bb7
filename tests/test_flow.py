"""A run swaps reports/latest only when it is complete; a failed run leaves no half-written folder."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from pipeline import flow, render
from pipeline import ingest as ingest_module
from pipeline.flow import Progress, run_report

from .conftest import TICKET_COLUMNS, basic_config, write_project

CLICKS = {"clicks.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\n"}


def test_failed_run_keeps_previous_latest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write_project(tmp_path, CLICKS, basic_config())
    out = tmp_path / "reports"
    first = run_report(cfg, out, progress=Progress(quiet=True)).parent
    assert (out / "latest").resolve() == first.resolve()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(render, "write_report", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_report(cfg, out, progress=Progress(quiet=True))
    assert (out / "latest").resolve() == first.resolve()
    assert sorted(p.name for p in out.iterdir()) == sorted([first.name, "latest"])


def test_second_run_gets_its_own_folder_and_history(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, CLICKS, basic_config())
    out = tmp_path / "reports"
    a = run_report(cfg, out, progress=Progress(quiet=True)).parent
    b = run_report(cfg, out, progress=Progress(quiet=True)).parent
    assert a != b
    assert (out / "latest").resolve() == b.resolve()
    summary = json.loads((b / "summary.json").read_text())
    # in run order (score runs alongside model, in its own thread, and is recorded before it)
    assert list(summary["run"]["stage_seconds"]) == [
        "ingest",
        "score",
        "model",
        "mine",
        "compare",
        "personas",
        "pain",
        "render",
    ]
    import duckdb

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    assert [r[0] for r in con.execute("select run_id from runs order by run_id").fetchall()] == [
        a.name,
        b.name,
    ]
    con.close()


def test_run_id_gets_a_suffix_only_on_collision(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 23, 1, 2, 3, tzinfo=UTC)
    assert flow.new_run_id(tmp_path, now) == "20261123T010203Z"
    (tmp_path / "20261123T010203Z").mkdir()
    assert flow.new_run_id(tmp_path, now) == "20261123T010203Z-2"


@pytest.mark.parametrize(
    ("target", "message"),
    [("score_new_tickets", "lexicon missing"), ("run_conformance", "alignment exploded")],
)
def test_a_failure_in_a_thread_alongside_another_stage_fails_the_run(  # type: ignore[no-untyped-def]
    tmp_path: Path, monkeypatch, target: str, message: str
) -> None:
    # score runs beside model, mine and compare beside personas: their errors still fail the run
    cfg = write_project(tmp_path, CLICKS, basic_config())
    out = tmp_path / "reports"
    first = run_report(cfg, out, progress=Progress(quiet=True))

    def broken(*args: object) -> None:
        raise RuntimeError(message)

    monkeypatch.setattr(flow, target, broken)
    with pytest.raises(RuntimeError, match=message):
        run_report(cfg, out, progress=Progress(quiet=True))
    assert (out / "latest").resolve() == first.parent.resolve()


def test_the_warm_up_is_best_effort(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # what it loads early is loaded again where it is needed: its failure alone does not fail the run
    cfg = write_project(tmp_path, CLICKS, basic_config())
    calls = []

    def broken() -> None:
        calls.append(1)
        raise ImportError("no pm4py yet")

    monkeypatch.setattr(flow, "_warm_up", broken)
    index = run_report(cfg, tmp_path / "reports", progress=Progress(quiet=True))
    assert calls == [1]
    assert index.exists()


def test_progress_keeps_stage_seconds_in_run_order() -> None:
    progress = Progress(quiet=True)
    progress.record("personas", 2.0)
    progress.record("compare", 1.0)
    progress.record("ingest", 3.0)
    progress.record("mine", 0.5)
    assert list(progress.seconds) == ["ingest", "mine", "compare", "personas"]


def _scoring_until_stopped(told: list[bool]):  # type: ignore[no-untyped-def]
    """A scorer that waits to be told to stop and records whether it was (True as soon as the run asks)."""

    def slow_scoring(con, stop):  # type: ignore[no-untyped-def]
        told.append(stop.wait(timeout=60))
        return {"scored": 0, "cached": 0}

    return slow_scoring


def test_a_failed_model_build_stops_the_scoring_thread(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # the run does not wait for every text to be scored when the models have already failed (or Ctrl-C)
    cfg = write_project(tmp_path, CLICKS, basic_config())
    told: list[bool] = []

    def failing_build(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("model exploded")

    monkeypatch.setattr(flow, "score_new_tickets", _scoring_until_stopped(told))
    monkeypatch.setattr(flow.db, "build", failing_build)
    with pytest.raises(RuntimeError, match="model exploded"):
        run_report(cfg, tmp_path / "reports", progress=Progress(quiet=True))
    assert told == [True]


def test_tickets_are_scored_while_the_clickstream_loads(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # the tickets are ingested first and committed; scoring starts then, in its own connection, and sees them
    # while no click is in yet (the clickstream loads beside it)
    config = basic_config()
    config["sources"]["tickets"] = {"path": "tickets.csv", **TICKET_COLUMNS}
    files = {
        **CLICKS,
        "tickets.csv": "customer_id,created_at,body,category\na,2026-10-05T09:00:00Z,very bad,x\n",
    }
    cfg = write_project(tmp_path, files, config)
    seen: list[tuple[int, int]] = []
    looked = threading.Event()
    real = flow.score_new_tickets

    def watching(con, stop):  # type: ignore[no-untyped-def]
        tickets = con.execute("select count(*) from raw_tickets").fetchall()[0][0]
        clicks = con.execute("select count(*) from raw_clickstream").fetchall()[0][0]
        seen.append((tickets, clicks))
        looked.set()
        return real(con, stop)

    real_file = ingest_module.ingest_file

    def clicks_after_a_look(con, config, source, path, manifest=None):  # type: ignore[no-untyped-def]
        if source == "clickstream":  # held until the scoring thread has looked (it runs beside this load)
            assert looked.wait(timeout=30), "scoring did not start before the clickstream loaded"
        return real_file(con, config, source, path, manifest)

    monkeypatch.setattr(flow, "score_new_tickets", watching)
    monkeypatch.setattr(ingest_module, "ingest_file", clicks_after_a_look)
    index = run_report(cfg, tmp_path / "reports", progress=Progress(quiet=True))
    assert seen == [(1, 0)]  # the ticket committed, no click yet
    summary = json.loads((index.parent / "summary.json").read_text())
    assert summary["counts"]["tickets"] == 1
    scored = [(s["n_tickets"], s["sentiment_mean"]) for s in summary["stages"] if s["n_tickets"]]
    assert len(scored) == 1 and scored[0][0] == 1 and scored[0][1] < 0  # "very bad", scored beside the clicks


def test_a_failed_ingest_stops_the_scoring_thread(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # scoring starts once the tickets are in; should the clickstream's ingest fail, the run does not wait for it
    cfg = write_project(tmp_path, CLICKS, basic_config())
    told: list[bool] = []

    def failing_ingest(con, config, on_source_done):  # type: ignore[no-untyped-def]
        on_source_done("tickets")
        raise RuntimeError("clickstream exploded")

    monkeypatch.setattr(flow, "score_new_tickets", _scoring_until_stopped(told))
    monkeypatch.setattr(flow, "ingest", failing_ingest)
    with pytest.raises(RuntimeError, match="clickstream exploded"):
        run_report(cfg, tmp_path / "reports", progress=Progress(quiet=True))
    assert told == [True]
