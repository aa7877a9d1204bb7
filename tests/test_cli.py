"""The command line: exit codes, one-line errors without tracebacks, and the report folder layout."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from .conftest import basic_config, write_project

CLICKS = {"clicks.csv": "customer_id,ts,event\na,2026-10-05T08:00:00Z,ad\na,2026-10-05T08:05:00Z,view\n"}


def journeys(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    config = basic_config()
    config["sources"]["clickstream"]["touchpoint"] = "page"
    write_project(tmp_path, CLICKS, config)
    for command in ("report", "ingest", "validate"):
        done = journeys(command, "--config", "journey.yml", cwd=tmp_path)
        assert done.returncode == 2, (command, done.stderr)
        assert "Traceback" not in done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert lines == [
            "error: journey.yml: sources.clickstream.touchpoint: column 'page' not in clicks.csv (its columns:"
            " customer_id, ts, event)"
        ], (command, done.stderr)


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    done = journeys("report", "--config", "nowhere.yml", cwd=tmp_path)
    assert done.returncode == 2
    assert "nowhere.yml: config file not found" in done.stderr


def test_report_writes_run_folder_and_latest(tmp_path: Path) -> None:
    write_project(tmp_path, CLICKS, basic_config())
    done = journeys("report", "--config", "journey.yml", "--out", "reports", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "▸ ingest" in done.stderr and "✓ model" in done.stderr  # progress shown
    latest = tmp_path / "reports" / "latest"
    assert latest.is_symlink()
    run_dir = latest.resolve()
    assert run_dir.parent == (tmp_path / "reports").resolve()
    assert len(run_dir.name) == len("20261123T005402Z") and run_dir.name.endswith("Z")
    summary = json.loads((latest / "summary.json").read_text())
    assert summary["schema_version"] == 1
    assert summary["run"]["id"] == run_dir.name
    assert summary["counts"] == {"customers": 1, "events": 2, "tickets": 0, "distinct_paths": 1}
    assert summary["inputs"]["tickets"] is None
    assert summary["variants"] == [{"path": ["ad", "view"], "customers": 1, "share": 1.0}]
    assert summary["transitions"][0]["from"] == "ad" and summary["transitions"][0]["to"] == "view"
    assert (latest / "index.html").read_text().count("<table>") >= 4
    assert {p.name for p in (latest / "tables").iterdir()} >= {
        "transitions.csv",
        "variants.csv",
        "stages.csv",
    }
    # the path once, as text ("path_text" would repeat it: the warehouse keeps both, the CSV one)
    assert (latest / "tables" / "variants.csv").read_text().splitlines() == [
        "variant_rank,path,n_steps,customers,share,cumulative_share,is_shown",
        "1,ad > view,2,1,1.0,1.0,true",
    ]


def test_validate_changes_nothing(tmp_path: Path) -> None:
    files = dict(CLICKS)
    files["clicks.csv"] += ",2026-10-05T08:10:00Z,cart\n"
    write_project(tmp_path, files, basic_config())
    done = journeys("validate", "--config", "journey.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "clicks.csv: 3 rows, 2 readable, 1 would be rejected (new)" in done.stderr
    assert "1 × missing customer id (first at clicks.csv:4)" in done.stderr
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_durations_read_as_people_say_them() -> None:
    from pipeline.render import _hours

    assert [_hours(h) for h in (None, 10 / 3600, 0.2, 5.25, 72.0)] == [
        "—",
        "10 s",
        "12 min",
        "5.2 h",
        "3.0 d",
    ]


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from pipeline.flow import Progress, run_report

    cfg = write_project(tmp_path, CLICKS, basic_config())
    buffer = io.StringIO()
    progress = Progress(console=Console(file=buffer, force_terminal=True, width=120, soft_wrap=True))
    run_report(cfg, tmp_path / "reports", progress=progress)
    out = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue())  # without terminal styling
    assert "8/8 stages" in out  # the live bar ran to the end (fast stages may never be drawn)
    assert "✓" in out  # each stage's completion line with its time
    for stage in ("ingest", "score", "model", "mine", "compare", "personas", "pain", "render"):
        assert f"{stage}" in out and progress.seconds[stage] >= 0


def test_ctrl_c_during_a_query_reads_as_interrupted(capsys) -> None:  # type: ignore[no-untyped-def]
    # DuckDB turns Ctrl-C during a query into its own exception ("Query interrupted"), not KeyboardInterrupt
    import duckdb
    import pytest
    import typer

    from pipeline import cli

    def interrupted() -> None:
        raise RuntimeError("Query interrupted")

    def duckdb_interrupted() -> None:
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    def other() -> None:
        raise RuntimeError("something else")

    for action in (interrupted, duckdb_interrupted):
        with pytest.raises(typer.Exit) as exited:
            cli._guard(action)
        assert exited.value.exit_code == 130
        assert capsys.readouterr().err.strip() == "interrupted"
    with pytest.raises(typer.Exit) as exited:
        cli._guard(other)
    assert exited.value.exit_code == 1
    assert "unexpected error: RuntimeError: something else" in capsys.readouterr().err
